// ropekit: numbers in error messages.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DETAIL_FORMAT_HPP
#define ROPEKIT_DETAIL_FORMAT_HPP

#include <charconv>
#include <string>

#include "../config.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// The shortest decimal form that reads back as x (std::to_chars, a compiled
/// library function: no floating-point code of the includer's flags).
inline std::string shortest(double x) {
  char buffer[32];
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, r.ptr);
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_DETAIL_FORMAT_HPP
