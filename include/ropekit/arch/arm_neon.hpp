// ropekit: kernel pieces for AArch64 Advanced SIMD (isa::neon) and its BF16
// extension (isa::neon_bf16).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ARCH_ARM_NEON_HPP
#define ROPEKIT_ARCH_ARM_NEON_HPP

#include "generic.hpp"

#if ROPEKIT_COMPILED_NEON
#  include <arm_neon.h>

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

using neon_float = xsimd::batch<float, xsimd::neon64>;
using neon_double = xsimd::batch<double, xsimd::neon64>;

/// 4 floats rounded to nearest even into bf16 with integer arithmetic (exact
/// for subnormals; NaN kept quiet).
inline uint16x4_t bf16_bits_neon(float32x4_t x) {
  const uint32x4_t bits = vreinterpretq_u32_f32(x);
  const uint32x4_t lsb = vandq_u32(vshrq_n_u32(bits, 16), vdupq_n_u32(1));
  const uint32x4_t rounded = vshrq_n_u32(vaddq_u32(bits, vaddq_u32(lsb, vdupq_n_u32(0x7fff))), 16);
  const uint32x4_t quiet = vorrq_u32(vshrq_n_u32(bits, 16), vdupq_n_u32(0x40));
  const uint32x4_t is_number = vceqq_f32(x, x);
  return vmovn_u32(vbslq_u32(is_number, rounded, quiet));
}

// The f16 <-> f32 conversions (FCVTL / FCVTN) are part of AArch64's base
// Advanced SIMD; FCVTN rounds to nearest even under the default FPCR.
template <class Isa>
ROPEKIT_INLINE neon_float widen(const f16* p, const isa::neon&) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const std::uint16_t*>(p))));
}
template <class Isa>
ROPEKIT_INLINE neon_float widen(const bf16* p, const isa::neon&) {
  return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(reinterpret_cast<const std::uint16_t*>(p)), 16));
}
template <class Isa>
ROPEKIT_INLINE void narrow(f16* p, const neon_float& v, const isa::neon&) {
  vst1_u16(reinterpret_cast<std::uint16_t*>(p), vreinterpret_u16_f16(vcvt_f16_f32(v)));
}
template <class Isa>
ROPEKIT_INLINE void narrow(bf16* p, const neon_float& v, const isa::neon&) {
  vst1_u16(reinterpret_cast<std::uint16_t*>(p), bf16_bits_neon(v));
}

template <class Isa>
ROPEKIT_INLINE void spread_pairs(const neon_float& v, neon_float& lo, neon_float& hi, const isa::neon&) {
  const float32x4_t r = v;
  lo = vzip1q_f32(r, r);
  hi = vzip2q_f32(r, r);
}

template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, float>::value, neon_float> swap_pairs(const neon_float& v,
                                                                                      const isa::neon&) {
  return vrev64q_f32(v);
}
template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, double>::value, neon_double> swap_pairs(const neon_double& v,
                                                                                        const isa::neon&) {
  const float64x2_t r = v;
  return vextq_f64(r, r, 1);
}

template <class Isa>
ROPEKIT_INLINE xsimd::batch<std::int32_t, xsimd::neon64> lane_bits(const neon_float& v, const isa::neon&) {
  return vreinterpretq_s32_f32(v);
}
template <class Isa>
ROPEKIT_INLINE neon_float lane_floats(const xsimd::batch<std::int32_t, xsimd::neon64>& v, const isa::neon&) {
  return vreinterpretq_f32_s32(v);
}

template <class Isa>
ROPEKIT_INLINE void store_as_float(float* p, const neon_double& v, const isa::neon&) {
  vst1_f32(p, vcvt_f32_f64(v));
}
template <class Isa>
ROPEKIT_INLINE neon_double load_as_double(const float* p, const isa::neon&) {
  return vcvt_f64_f32(vld1_f32(p));
}

template <class Isa>
ROPEKIT_INLINE neon_double opaque(const neon_double& v, const isa::neon&) {
  float64x2_t r = v;
  __asm__("" : "+w"(r));
  return r;
}

/// k mod 4 from the bits of t (see the generic version).
template <class Isa>
ROPEKIT_INLINE void apply_quadrant(const neon_double& t, const neon_double& s, const neon_double& c,
                                   neon_double& sin_out, neon_double& cos_out, const isa::neon&) {
  const uint64x2_t bits = vreinterpretq_u64_f64(t);
  const uint64x2_t odd = vtstq_u64(bits, vdupq_n_u64(1));
  const uint64x2_t sign = vdupq_n_u64(0x8000000000000000ull);
  const uint64x2_t sin_sign = vandq_u64(vshlq_n_u64(bits, 62), sign);
  const uint64x2_t cos_sign = vandq_u64(vshlq_n_u64(vaddq_u64(bits, vdupq_n_u64(1)), 62), sign);
  const uint64x2_t sin_r = vreinterpretq_u64_f64(vbslq_f64(odd, c, s));
  const uint64x2_t cos_r = vreinterpretq_u64_f64(vbslq_f64(odd, s, c));
  sin_out = vreinterpretq_f64_u64(veorq_u64(sin_r, sin_sign));
  cos_out = vreinterpretq_f64_u64(veorq_u64(cos_r, cos_sign));
}

#  if ROPEKIT_COMPILED_NEON_BF16
/// BFCVTN: 4 floats to bf16, round to nearest even (subnormals kept under the
/// default FPCR).
template <class Isa>
ROPEKIT_INLINE void narrow(bf16* p, const neon_float& v, const isa::neon_bf16&) {
  vst1_u16(reinterpret_cast<std::uint16_t*>(p), vreinterpret_u16_bf16(vcvt_bf16_f32(v)));
}
#  endif

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_COMPILED_NEON
#endif  // ROPEKIT_ARCH_ARM_NEON_HPP
