// ropekit: accurate rotation angles and their cosines and sines.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ANGLES_HPP
#define ROPEKIT_ANGLES_HPP

#include <cstdint>

#include <xsimd/xsimd.hpp>
#include "config.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {

/// How the angle position * inv_freq is formed.
enum class AngleMode {
  /// The exact product of the integer position and the float inv_freq, reduced
  /// modulo pi/2 in extended precision: cos and sin are within 1 float ulp of
  /// the true values (a few double ulps before rounding) for |position| < 2^31.
  accurate,
  /// fl32(fl32(position) * inv_freq), then the cos and sin of that float angle,
  /// as PyTorch-based code computes it (`(inv_freq @ position_ids.float())`).
  /// Use it to agree with reference outputs of a model run that way.
  float32_compatible,
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

// Cody-Waite split of pi/2: kPio2_1 and kPio2_2 carry 22 significant bits, so
// k * kPio2_{1,2} is exact for |k| < 2^31; kPio2_3 is the rest rounded to double.
// Together they represent pi/2 to about 2^-101.
constexpr double kPio2_1 = 0x1.921fb80000000p+0;
constexpr double kPio2_2 = -0x1.5dde980000000p-23;
constexpr double kPio2_3 = 0x1.8469898cc5170p-48;
constexpr double kTwoOverPi = 0x1.45f306dc9c883p-1;

/// sin and cos of the angle hi + lo (both exact doubles whose sum is the exact
/// angle), vectorized. The range reduction is exact for angles of the form
/// position * inv_freq with |position| < 2^31 (see sincos_position); the
/// polynomials are the Taylor series to degree 17 (sin) and 16 (cos), whose
/// truncation error is below 2^-54 relative on |r| <= pi/4.
template <class Arch>
inline void sincos_split(const xsimd::batch<double, Arch>& hi, const xsimd::batch<double, Arch>& lo,
                         xsimd::batch<double, Arch>& sin_out, xsimd::batch<double, Arch>& cos_out) {
  using B = xsimd::batch<double, Arch>;
  const B k = xsimd::nearbyint((hi + lo) * B(kTwoOverPi));
  const B r = (((hi - k * B(kPio2_1)) + lo) - k * B(kPio2_2)) - k * B(kPio2_3);
  const B z = r * r;
  // sin r = r (1 - z/3! + z^2/5! - ... + z^8/17!)
  B ps = B(1.0 / 355687428096000.0);
  ps = xsimd::fma(ps, z, B(-1.0 / 1307674368000.0));
  ps = xsimd::fma(ps, z, B(1.0 / 6227020800.0));
  ps = xsimd::fma(ps, z, B(-1.0 / 39916800.0));
  ps = xsimd::fma(ps, z, B(1.0 / 362880.0));
  ps = xsimd::fma(ps, z, B(-1.0 / 5040.0));
  ps = xsimd::fma(ps, z, B(1.0 / 120.0));
  ps = xsimd::fma(ps, z, B(-1.0 / 6.0));
  const B s = xsimd::fma(r * z, ps, r);
  // cos r = 1 - z/2 + z^2/4! - ... + z^8/16!
  B pc = B(1.0 / 20922789888000.0);
  pc = xsimd::fma(pc, z, B(-1.0 / 87178291200.0));
  pc = xsimd::fma(pc, z, B(1.0 / 479001600.0));
  pc = xsimd::fma(pc, z, B(-1.0 / 3628800.0));
  pc = xsimd::fma(pc, z, B(1.0 / 40320.0));
  pc = xsimd::fma(pc, z, B(-1.0 / 720.0));
  pc = xsimd::fma(pc, z, B(1.0 / 24.0));
  const B c = xsimd::fma(z * z, pc, xsimd::fma(z, B(-0.5), B(1.0)));
  // Quadrant q = k mod 4.
  const B q = k - B(4.0) * xsimd::floor(k * B(0.25));
  const auto swap = (q == B(1.0)) | (q == B(3.0));
  const B sin_r = xsimd::select(swap, c, s);
  const B cos_r = xsimd::select(swap, s, c);
  sin_out = xsimd::select(q >= B(2.0), -sin_r, sin_r);
  cos_out = xsimd::select((q == B(1.0)) | (q == B(2.0)), -cos_r, cos_r);
}

/// sin and cos of position * inv[j] for the batch::size values at `inv`
/// (float values widened to double), for the angle mode. In
/// accurate mode the position is split as p_hi + p_lo with p_lo = position mod
/// 2^16, so that p_hi * inv (<= 39 significant bits) and p_lo * inv (<= 40
/// bits) are both exact and the reduction sees the exact angle.
template <class Arch>
inline void sincos_position(std::int64_t position, const double* inv, AngleMode mode,
                            xsimd::batch<double, Arch>& sin_out, xsimd::batch<double, Arch>& cos_out) {
  using B = xsimd::batch<double, Arch>;
  if (mode == AngleMode::float32_compatible) {
    // fl32(fl32(pos) * inv), evaluated in float as PyTorch does.
    const float p = static_cast<float>(position);
    alignas(64) double angle[B::size];
    for (std::size_t i = 0; i < B::size; ++i) angle[i] = double(p * static_cast<float>(inv[i]));
    sincos_split<Arch>(B::load_aligned(angle), B(0.0), sin_out, cos_out);
    return;
  }
  const std::int64_t low = position & 0xffff;
  const B v = B::load_unaligned(inv);
  sincos_split<Arch>(B(double(position - low)) * v, B(double(low)) * v, sin_out, cos_out);
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_ANGLES_HPP
