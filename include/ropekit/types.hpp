// ropekit: 16-bit floating-point storage types.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_TYPES_HPP
#define ROPEKIT_TYPES_HPP

#include <cstdint>
#include <cstring>

#include "config.hpp"

namespace ropekit {

/// IEEE 754 binary16 storage (1 sign, 5 exponent, 10 mantissa bits). ropekit
/// computes in float32 and converts on load and store, rounding to nearest even.
struct f16 {
  std::uint16_t bits;
};

/// bfloat16 storage (the upper 16 bits of a float32). Converted from float32 by
/// rounding to nearest even; NaN stays NaN (quiet), subnormals are kept.
struct bf16 {
  std::uint16_t bits;
};

static_assert(sizeof(f16) == 2 && sizeof(bf16) == 2, "16-bit storage types");

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline std::uint32_t float_bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}
inline float bits_float(std::uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}
}  // namespace detail

/// Exact conversion of a bf16 value to float.
inline float to_float(bf16 x) { return detail::bits_float(std::uint32_t(x.bits) << 16); }

/// Converts float to bf16, rounding to nearest even. NaN maps to a quiet NaN
/// with the same sign; infinities and subnormals are kept.
inline bf16 to_bf16(float x) {
  std::uint32_t u = detail::float_bits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return bf16{std::uint16_t((u >> 16) | 0x0040u)};
  u += 0x7fffu + ((u >> 16) & 1u);
  return bf16{std::uint16_t(u >> 16)};
}

/// Exact conversion of an f16 value to float.
inline float to_float(f16 x) {
  const std::uint32_t sign = std::uint32_t(x.bits & 0x8000u) << 16;
  const std::uint32_t exponent = (x.bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = x.bits & 0x3ffu;
  if (exponent == 0x1f) return detail::bits_float(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) return detail::bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  // Zero or subnormal: mantissa * 2^-24, exact in float.
  const float magnitude = float(mantissa) * 5.9604644775390625e-08f;
  return sign ? -magnitude : magnitude;
}

/// Converts float to f16, rounding to nearest even (overflow to infinity,
/// gradual underflow to subnormals, NaN to a quiet NaN with the same sign).
inline f16 to_f16(float x) {
  const std::uint32_t u = detail::float_bits(x);
  const std::uint16_t sign = std::uint16_t((u >> 16) & 0x8000u);
  const std::uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return f16{std::uint16_t(sign | 0x7e00u | ((a >> 13) & 0x3ffu))};
  if (a >= 0x477ff000u) return f16{std::uint16_t(sign | 0x7c00u)};  // rounds to >= 65520: inf
  if (a < 0x38800000u) {
    // Below the smallest normal f16 (2^-14): result is a multiple of 2^-24.
    // Adding 0.5 in float aligns the mantissa so the hardware rounds to
    // nearest even at 2^-24 exactly.
    const float shifted = detail::bits_float(a) + 0.5f;
    return f16{std::uint16_t(sign | (detail::float_bits(shifted) - 0x3f000000u))};
  }
  std::uint32_t r = a - 0x38000000u;  // rebias exponent 127 -> 15
  r += 0xfffu + ((r >> 13) & 1u);
  return f16{std::uint16_t(sign | (r >> 13))};
}

/// Identity overloads so generic code can call to_float on any element type.
inline float to_float(float x) { return x; }
inline double to_float(double x) { return x; }

/// Converts a float to the storage type T (float, double, f16 or bf16),
/// rounding to nearest even.
template <class T>
inline T from_float(float x);
template <>
inline float from_float<float>(float x) {
  return x;
}
template <>
inline double from_float<double>(float x) {
  return x;
}
template <>
inline f16 from_float<f16>(float x) {
  return to_f16(x);
}
template <>
inline bf16 from_float<bf16>(float x) {
  return to_bf16(x);
}

/// Converts a double to T with a single rounding to nearest even (used by the
/// reference so that its stored results are correctly rounded).
template <class T>
inline T from_double(double x);
template <>
inline double from_double<double>(double x) {
  return x;
}
template <>
inline float from_double<float>(double x) {
  return float(x);
}
namespace detail {
/// Rounds a double to float with round-to-odd, so that a second rounding to a
/// narrower format gives the correctly rounded result of the double.
inline float round_to_odd_float(double x) {
  float f = float(x);
  if (double(f) != x && (float_bits(f) & 1u) == 0) {
    std::uint32_t u = float_bits(f);
    u += ((double(f) < x) == (x > 0)) ? 1u : 0xffffffffu;
    f = bits_float(u);
  }
  return f;
}
}  // namespace detail
template <>
inline bf16 from_double<bf16>(double x) {
  return to_bf16(detail::round_to_odd_float(x));
}
template <>
inline f16 from_double<f16>(double x) {
  return to_f16(detail::round_to_odd_float(x));
}

/// Widens any element type to double (exact).
template <class T>
inline double to_double(T x) {
  return double(to_float(x));
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_TYPES_HPP
