// ropekit: overflow-checked integer arithmetic for extents and offsets.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DETAIL_CHECKED_HPP
#define ROPEKIT_DETAIL_CHECKED_HPP

#include <cstdint>
#include <limits>

#include "../config.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// out = a * b; false (out unspecified) when the product overflows int64.
inline bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_mul_overflow(a, b, &out);
#else
  if (a == 0 || b == 0) return out = 0, true;
  const std::int64_t max = std::numeric_limits<std::int64_t>::max(), min = std::numeric_limits<std::int64_t>::min();
  if ((a > 0 && b > 0 && a > max / b) || (a < 0 && b < 0 && a < max / b) || (a > 0 && b < 0 && b < min / a) ||
      (a < 0 && b > 0 && a < min / b))
    return false;
  return out = a * b, true;
#endif
}

/// out = a + b; false when the sum overflows int64.
inline bool checked_add(std::int64_t a, std::int64_t b, std::int64_t& out) {
#if defined(__GNUC__) || defined(__clang__)
  return !__builtin_add_overflow(a, b, &out);
#else
  const std::int64_t max = std::numeric_limits<std::int64_t>::max(), min = std::numeric_limits<std::int64_t>::min();
  if ((b > 0 && a > max - b) || (b < 0 && a < min - b)) return false;
  return out = a + b, true;
#endif
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_DETAIL_CHECKED_HPP
