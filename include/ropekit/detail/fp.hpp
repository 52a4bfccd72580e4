// ropekit: classification of floating-point values by their bits.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DETAIL_FP_HPP
#define ROPEKIT_DETAIL_FP_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../config.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

// These read the IEEE 754 bits instead of using std::isfinite / comparisons
// with NaN, which a compiler may fold to "true" / "false" under
// -ffinite-math-only (part of -ffast-math): validation must reject NaN and
// infinity whatever the flags of the translation unit that includes ropekit.

/// True when x is neither infinite nor NaN.
inline bool is_finite(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7ff0000000000000ull) != 0x7ff0000000000000ull;
}
/// True when x is neither infinite nor NaN.
inline bool is_finite(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7f800000u) != 0x7f800000u;
}
/// True when x is NaN.
inline bool is_nan(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}
/// True when x is NaN.
inline bool is_nan(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x7fffffffu) > 0x7f800000u;
}
/// True when x is finite and > 0.
inline bool is_positive_finite(double x) { return is_finite(x) && x > 0; }
/// True when x is finite and > 0.
inline bool is_positive_finite(float x) { return is_finite(x) && x > 0; }

/// The largest of n floats that are all finite and >= 0 (0 for none): for
/// those, the order of the bit patterns is the order of the values, so an
/// integer maximum (which vectorizes; a floating-point one is a chain of
/// dependent instructions) finds it.
inline float largest_nonnegative(const float* v, std::size_t n) {
  std::uint32_t largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, v + i, sizeof bits);
    largest = bits > largest ? bits : largest;
  }
  float m;
  std::memcpy(&m, &largest, sizeof m);
  return m;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_DETAIL_FP_HPP
