// ropekit: vectorized sin and cos of position * inv_freq.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DETAIL_SINCOS_HPP
#define ROPEKIT_DETAIL_SINCOS_HPP

#include <cstdint>
#include <type_traits>

#include "../angles.hpp"
#include "../arch/all.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

// Cody-Waite split of pi/2: kPio2_1 and kPio2_2 carry 22 significant bits, so
// k * kPio2_{1,2} is exact for |k| < 2^31; kPio2_3 is the rest rounded to
// double. Together they represent pi/2 to about 2^-101.
constexpr double kPio2_1 = 0x1.921fb80000000p+0;
constexpr double kPio2_2 = -0x1.5dde980000000p-23;
constexpr double kPio2_3 = 0x1.8469898cc5170p-48;
constexpr double kTwoOverPi = 0x1.45f306dc9c883p-1;

/// The largest |angle| (radians) whose reduction below is exact: the quotient
/// k = round(angle * 2/pi) must stay below 2^31 so that k * kPio2_1 is exact.
/// 2^31 * pi/2 - 2 (the margin covers rounding of the angle and of k).
constexpr double kMaxExactAngle = 3373259424.0;

/// Nearest integer to x for |x| < 2^51: adding 1.5 * 2^52 leaves the integer
/// part in the mantissa. The barrier stops a compiler under -ffast-math from
/// folding (x + m) - m back to x.
template <class Isa>
inline batch_t<Isa, double> round_nearest(const batch_t<Isa, double>& x) {
  using B = batch_t<Isa, double>;
  const B magic(0x1.8p52);
  return opaque<Isa>(x + magic, Isa{}) - magic;
}

/// sin and cos of the angle hi + lo (two doubles whose sum is the angle,
/// |hi + lo| <= kMaxExactAngle), vectorized. The Cody-Waite reduction is exact
/// when hi and lo are exact products of a position part and a float (see
/// sincos_position); the barriers keep its order under -ffast-math. The
/// polynomials are Taylor series on |r| <= pi/4 + 2^-30: to degree 17/16 (error
/// below 2^-54 relative) when C is double, to degree 11/12 (below 2^-36) when
/// the results are rounded to float anyway.
template <class Isa, class C>
inline void sincos_split(const batch_t<Isa, double>& hi, const batch_t<Isa, double>& lo, batch_t<Isa, double>& sin_out,
                         batch_t<Isa, double>& cos_out) {
  using B = batch_t<Isa, double>;
  const B k = round_nearest<Isa>((hi + lo) * B(kTwoOverPi));
  B r = opaque<Isa>(hi - k * B(kPio2_1), Isa{});
  r = opaque<Isa>(r + lo, Isa{});
  r = opaque<Isa>(r - k * B(kPio2_2), Isa{});
  r = r - k * B(kPio2_3);
  const B z = r * r;
  B s, c;
  if constexpr (std::is_same<C, double>::value) {
    // sin r = r (1 - z/3! + z^2/5! - ... + z^8/17!)
    B ps = B(1.0 / 355687428096000.0);
    ps = xsimd::fma(ps, z, B(-1.0 / 1307674368000.0));
    ps = xsimd::fma(ps, z, B(1.0 / 6227020800.0));
    ps = xsimd::fma(ps, z, B(-1.0 / 39916800.0));
    ps = xsimd::fma(ps, z, B(1.0 / 362880.0));
    ps = xsimd::fma(ps, z, B(-1.0 / 5040.0));
    ps = xsimd::fma(ps, z, B(1.0 / 120.0));
    ps = xsimd::fma(ps, z, B(-1.0 / 6.0));
    s = xsimd::fma(r * z, ps, r);
    // cos r = 1 - z/2 + z^2/4! - ... + z^8/16!
    B pc = B(1.0 / 20922789888000.0);
    pc = xsimd::fma(pc, z, B(-1.0 / 87178291200.0));
    pc = xsimd::fma(pc, z, B(1.0 / 479001600.0));
    pc = xsimd::fma(pc, z, B(-1.0 / 3628800.0));
    pc = xsimd::fma(pc, z, B(1.0 / 40320.0));
    pc = xsimd::fma(pc, z, B(-1.0 / 720.0));
    pc = xsimd::fma(pc, z, B(1.0 / 24.0));
    c = xsimd::fma(z * z, pc, xsimd::fma(z, B(-0.5), B(1.0)));
  } else {
    // sin r = r (1 - z/3! + ... - z^5/11!), cos r = 1 - z/2 + ... + z^6/12!.
    B ps = B(-1.0 / 39916800.0);
    ps = xsimd::fma(ps, z, B(1.0 / 362880.0));
    ps = xsimd::fma(ps, z, B(-1.0 / 5040.0));
    ps = xsimd::fma(ps, z, B(1.0 / 120.0));
    ps = xsimd::fma(ps, z, B(-1.0 / 6.0));
    s = xsimd::fma(r * z, ps, r);
    B pc = B(1.0 / 479001600.0);
    pc = xsimd::fma(pc, z, B(-1.0 / 3628800.0));
    pc = xsimd::fma(pc, z, B(1.0 / 40320.0));
    pc = xsimd::fma(pc, z, B(-1.0 / 720.0));
    pc = xsimd::fma(pc, z, B(1.0 / 24.0));
    c = xsimd::fma(z * z, pc, xsimd::fma(z, B(-0.5), B(1.0)));
  }
  // Quadrant: q = k - 4 round(k / 4) is k mod 4 shifted into {-2, ..., 2}.
  const B q = k - B(4.0) * round_nearest<Isa>(k * B(0.25));
  const auto odd = (q == B(1.0)) | (q == B(-1.0));
  const auto sin_negative = (q == B(2.0)) | (q == B(-2.0)) | (q == B(-1.0));
  const auto cos_negative = (q == B(1.0)) | (q == B(2.0)) | (q == B(-2.0));
  const B sin_r = xsimd::select(odd, c, s);
  const B cos_r = xsimd::select(odd, s, c);
  sin_out = xsimd::select(sin_negative, -sin_r, sin_r);
  cos_out = xsimd::select(cos_negative, -cos_r, cos_r);
}

/// sin and cos of position * inv[j] for the batch's lanes j (inv: float values
/// widened to double). Accurate mode splits the position as p_hi + p_lo with
/// p_lo = position mod 2^16, so that p_hi * inv (at most 39 significant bits)
/// and p_lo * inv (at most 40) are exact and the reduction sees the exact
/// angle; float32_compatible mode forms fl32(fl32(position) * inv) as PyTorch
/// does. Precondition: |position * inv| <= kMaxExactAngle, |position| < 2^45.
template <class Isa, class C>
inline void sincos_position(std::int64_t position, const double* inv, AngleMode mode, batch_t<Isa, double>& sin_out,
                            batch_t<Isa, double>& cos_out) {
  using B = batch_t<Isa, double>;
  if (mode == AngleMode::float32_compatible) {
    const float p = static_cast<float>(position);
    alignas(64) double angle[B::size];
    for (std::size_t i = 0; i < B::size; ++i) angle[i] = double(p * static_cast<float>(inv[i]));
    sincos_split<Isa, C>(B::load_aligned(angle), B(0.0), sin_out, cos_out);
    return;
  }
  const std::int64_t low = position & 0xffff;
  const B v = B::load_unaligned(inv);
  sincos_split<Isa, C>(B(double(position - low)) * v, B(double(low)) * v, sin_out, cos_out);
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_DETAIL_SINCOS_HPP
