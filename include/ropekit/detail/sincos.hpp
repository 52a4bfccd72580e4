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

/// sin and cos of the angle hi + lo (two doubles whose sum is the angle,
/// |hi + lo| <= kMaxExactAngle), vectorized. The quotient k = round((hi + lo)
/// * 2/pi) is formed as t = (hi + lo) * 2/pi + 1.5 * 2^52, whose mantissa then
/// holds k. The Cody-Waite reduction r = hi + lo - k pi/2 is exact when hi and
/// lo are exact products of a position part and a float (see
/// sincos_position); the barriers keep its order, and the rounding of t,
/// under -ffast-math. Polynomials on |r| <= pi/4 + 2^-20: Taylor series to
/// degree 17/16 (error below 2^-54 relative) when C is double; when the
/// results are rounded to float, minimax polynomials of degree 9 (sin, 2^-37.7)
/// and 8 (cos, 2^-34.0) from tests/tools/derive_sincos_polynomials.py.
template <class Isa, class C>
inline void sincos_split(const batch_t<Isa, double>& hi, const batch_t<Isa, double>& lo, batch_t<Isa, double>& sin_out,
                         batch_t<Isa, double>& cos_out) {
  using B = batch_t<Isa, double>;
  const B magic(0x1.8p52);
  const B t = opaque<Isa>(fmadd<Isa, double>(hi + lo, B(kTwoOverPi), magic), Isa{});
  const B k = t - magic;
  B r = opaque<Isa>(hi - k * B(kPio2_1), Isa{});
  r = opaque<Isa>(r + lo, Isa{});
  r = opaque<Isa>(r - k * B(kPio2_2), Isa{});
  r = r - k * B(kPio2_3);
  const B z = r * r;
  B s, c;
  if constexpr (std::is_same<C, double>::value) {
    // sin r = r (1 - z/3! + z^2/5! - ... + z^8/17!)
    B ps = B(1.0 / 355687428096000.0);
    ps = fmadd<Isa, double>(ps, z, B(-1.0 / 1307674368000.0));
    ps = fmadd<Isa, double>(ps, z, B(1.0 / 6227020800.0));
    ps = fmadd<Isa, double>(ps, z, B(-1.0 / 39916800.0));
    ps = fmadd<Isa, double>(ps, z, B(1.0 / 362880.0));
    ps = fmadd<Isa, double>(ps, z, B(-1.0 / 5040.0));
    ps = fmadd<Isa, double>(ps, z, B(1.0 / 120.0));
    ps = fmadd<Isa, double>(ps, z, B(-1.0 / 6.0));
    s = fmadd<Isa, double>(r * z, ps, r);
    // cos r = 1 - z/2 + z^2/4! - ... + z^8/16!
    B pc = B(1.0 / 20922789888000.0);
    pc = fmadd<Isa, double>(pc, z, B(-1.0 / 87178291200.0));
    pc = fmadd<Isa, double>(pc, z, B(1.0 / 479001600.0));
    pc = fmadd<Isa, double>(pc, z, B(-1.0 / 3628800.0));
    pc = fmadd<Isa, double>(pc, z, B(1.0 / 40320.0));
    pc = fmadd<Isa, double>(pc, z, B(-1.0 / 720.0));
    pc = fmadd<Isa, double>(pc, z, B(1.0 / 24.0));
    c = fmadd<Isa, double>(z * z, pc, fmadd<Isa, double>(z, B(-0.5), B(1.0)));
  } else {
    B ps = B(0x1.6cb0a80dd5922p-19);
    ps = fmadd<Isa, double>(ps, z, B(-0x1.a00ec71886060p-13));
    ps = fmadd<Isa, double>(ps, z, B(0x1.111107186ea0fp-7));
    ps = fmadd<Isa, double>(ps, z, B(-0x1.55555548e3509p-3));
    ps = fmadd<Isa, double>(ps, z, B(0x1.fffffffff5fecp-1));
    s = r * ps;
    B pc = B(0x1.98e7dafb451abp-16);
    pc = fmadd<Isa, double>(pc, z, B(-0x1.6c06eb657e783p-10));
    pc = fmadd<Isa, double>(pc, z, B(0x1.555538a579c75p-5));
    pc = fmadd<Isa, double>(pc, z, B(-0x1.ffffffb664ae6p-2));
    c = fmadd<Isa, double>(pc, z, B(0x1.ffffffff84b72p-1));
  }
  apply_quadrant<Isa>(t, s, c, sin_out, cos_out, Isa{});
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
