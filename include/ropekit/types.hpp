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

/// OCP 8-bit float E4M3 (PyTorch's float8_e4m3fn): 1 sign, 4 exponent (bias
/// 7) and 3 mantissa bits, no infinities, NaN is S.1111.111, largest finite
/// value 448. A storage type of KV caches: ropekit converts float results to
/// it rounding to nearest even, saturating to +-448 (finite values beyond it
/// and infinities), NaN staying NaN.
struct e4m3 {
  std::uint8_t bits;
};

/// OCP 8-bit float E5M2 (PyTorch's float8_e5m2): 1 sign, 5 exponent (bias 15)
/// and 2 mantissa bits, infinities and NaN as in IEEE 754, largest finite
/// value 57344. Converted to rounding to nearest even; overflow gives
/// infinity, NaN stays NaN.
struct e5m2 {
  std::uint8_t bits;
};

static_assert(sizeof(f16) == 2 && sizeof(bf16) == 2, "16-bit storage types");
static_assert(sizeof(e4m3) == 1 && sizeof(e5m2) == 1, "8-bit storage types");

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

namespace detail {
/// |x| (finite float bits `a`) rounded to nearest even on the grid of an
/// 8-bit float with M mantissa bits and exponent bias B, as the magnitude
/// code (exponent field << M | mantissa; beyond the format's range when the
/// value is). The exponent is not bounded above: the caller handles overflow.
template <int M, int B>
inline std::uint32_t fp8_magnitude(std::uint32_t a) {
  if (a == 0) return 0;
  const int e = a >= 0x800000u ? int(a >> 23) - 127 : -126;  // float subnormals: exponent -126, no implicit bit
  const std::uint64_t mant = (a & 0x7fffffu) | (a >= 0x800000u ? 0x800000u : 0u);
  const int min_e = 1 - B;
  // Bits of the 24-bit significand below the target's quantum.
  const int shift = e >= min_e ? 23 - M : (23 - M) + (min_e - e);
  if (shift > 40) return 0;  // far below half the smallest subnormal
  std::uint64_t q = mant >> shift;
  const std::uint64_t rem = mant & ((std::uint64_t(1) << shift) - 1), half = std::uint64_t(1) << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;
  // Normal: q includes the implicit bit (2^M), which lifts the exponent
  // field by one; a carry to 2^(M+1) moves into the exponent by itself.
  return e >= min_e ? (std::uint32_t(e - min_e) << M) + std::uint32_t(q) : std::uint32_t(q);
}
}  // namespace detail

/// Converts float to e4m3, rounding to nearest even; finite values beyond
/// 448 and infinities saturate to +-448; NaN gives NaN (sign kept).
inline e4m3 to_e4m3(float x) {
  const std::uint32_t u = detail::float_bits(x);
  const std::uint8_t sign = std::uint8_t((u >> 24) & 0x80u);
  const std::uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return e4m3{std::uint8_t(sign | 0x7fu)};
  if (a == 0x7f800000u) return e4m3{std::uint8_t(sign | 0x7eu)};
  const std::uint32_t m = detail::fp8_magnitude<3, 7>(a);
  return e4m3{std::uint8_t(sign | (m > 0x7eu ? 0x7eu : m))};
}

/// Converts float to e5m2, rounding to nearest even; overflow gives
/// infinity; NaN gives a quiet NaN (sign kept).
inline e5m2 to_e5m2(float x) {
  const std::uint32_t u = detail::float_bits(x);
  const std::uint8_t sign = std::uint8_t((u >> 24) & 0x80u);
  const std::uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return e5m2{std::uint8_t(sign | 0x7eu)};
  if (a == 0x7f800000u) return e5m2{std::uint8_t(sign | 0x7cu)};
  const std::uint32_t m = detail::fp8_magnitude<2, 15>(a);
  return e5m2{std::uint8_t(sign | (m >= 0x7cu ? 0x7cu : m))};
}

/// Exact conversion of an e4m3 value to float.
inline float to_float(e4m3 x) {
  const std::uint32_t exponent = (x.bits >> 3) & 0xfu, mantissa = x.bits & 0x7u;
  const std::uint32_t sign = std::uint32_t(x.bits & 0x80u) << 24;
  if (exponent == 0xf && mantissa == 0x7) return detail::bits_float(sign | 0x7fc00000u);
  if (exponent == 0) {
    const float magnitude = float(mantissa) * 0.001953125f;  // mantissa * 2^-9, exact
    return sign ? -magnitude : magnitude;
  }
  return detail::bits_float(sign | ((exponent + 120u) << 23) | (mantissa << 20));
}

/// Exact conversion of an e5m2 value to float.
inline float to_float(e5m2 x) {
  const std::uint32_t exponent = (x.bits >> 2) & 0x1fu, mantissa = x.bits & 0x3u;
  const std::uint32_t sign = std::uint32_t(x.bits & 0x80u) << 24;
  if (exponent == 0x1f) return detail::bits_float(sign | 0x7f800000u | (mantissa << 21));
  if (exponent == 0) {
    const float magnitude = float(mantissa) * 1.52587890625e-05f;  // mantissa * 2^-16, exact
    return sign ? -magnitude : magnitude;
  }
  return detail::bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 21));
}

/// Identity overloads so generic code can call to_float on any element type.
inline float to_float(float x) { return x; }
inline double to_float(double x) { return x; }

/// Converts a float to the storage type T (float, double, f16, bf16, e4m3 or
/// e5m2), rounding to nearest even (e4m3 saturates, see its type).
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
template <>
inline e4m3 from_float<e4m3>(float x) {
  return to_e4m3(x);
}
template <>
inline e5m2 from_float<e5m2>(float x) {
  return to_e5m2(x);
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
  if ((float_bits(f) & 0x7f800000u) == 0x7f800000u) return f;  // overflow to infinity, or NaN
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
template <>
inline e4m3 from_double<e4m3>(double x) {
  return to_e4m3(detail::round_to_odd_float(x));
}
template <>
inline e5m2 from_double<e5m2>(double x) {
  return to_e5m2(detail::round_to_odd_float(x));
}

/// Widens any element type to double (exact).
template <class T>
inline double to_double(T x) {
  return double(to_float(x));
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_TYPES_HPP
