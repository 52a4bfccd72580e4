// ropekit: kernel pieces for x86-64 SSE2 (isa::sse2).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ARCH_X86_SSE2_HPP
#define ROPEKIT_ARCH_X86_SSE2_HPP

#include "generic.hpp"

#if ROPEKIT_COMPILED_SSE2
#  include <emmintrin.h>

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

// f16 has no SSE2 conversion instruction: the portable lane-by-lane version
// serves (CPUs without F16C are the ones the sse2 path exists for).

/// 4 bf16 values (the upper halves of floats) widened exactly.
template <class Isa>
inline xsimd::batch<float, xsimd::sse2> widen(const bf16* p, const isa::sse2&) {
  const __m128i raw = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), raw));
}

/// 4 floats rounded to nearest even into bf16; NaN stays a quiet NaN.
inline __m128i bf16_bits_sse2(__m128 x) {
  const __m128i bits = _mm_castps_si128(x);
  const __m128i lsb = _mm_and_si128(_mm_srli_epi32(bits, 16), _mm_set1_epi32(1));
  const __m128i rounded = _mm_srli_epi32(_mm_add_epi32(bits, _mm_add_epi32(lsb, _mm_set1_epi32(0x7fff))), 16);
  const __m128i quiet = _mm_or_si128(_mm_srli_epi32(bits, 16), _mm_set1_epi32(0x40));
  const __m128i nan = _mm_castps_si128(_mm_cmpunord_ps(x, x));
  const __m128i result = _mm_or_si128(_mm_and_si128(nan, quiet), _mm_andnot_si128(nan, rounded));
  // Sign-extend the 16-bit results so the signed saturating pack keeps them.
  const __m128i extended = _mm_srai_epi32(_mm_slli_epi32(result, 16), 16);
  return _mm_packs_epi32(extended, extended);
}

template <class Isa>
inline void narrow(bf16* p, const xsimd::batch<float, xsimd::sse2>& v, const isa::sse2&) {
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), bf16_bits_sse2(v));
}

template <class Isa, class C>
inline std::enable_if_t<std::is_same<C, float>::value, xsimd::batch<float, xsimd::sse2>> swap_pairs(
    const xsimd::batch<float, xsimd::sse2>& v, const isa::sse2&) {
  const __m128 r = v;
  return _mm_shuffle_ps(r, r, 0xB1);
}
template <class Isa, class C>
inline std::enable_if_t<std::is_same<C, double>::value, xsimd::batch<double, xsimd::sse2>> swap_pairs(
    const xsimd::batch<double, xsimd::sse2>& v, const isa::sse2&) {
  const __m128d r = v;
  return _mm_shuffle_pd(r, r, 1);
}

template <class Isa>
inline void store_as_float(float* p, const xsimd::batch<double, xsimd::sse2>& v, const isa::sse2&) {
  _mm_storel_pi(reinterpret_cast<__m64*>(p), _mm_cvtpd_ps(v));
}

template <class Isa>
inline xsimd::batch<double, xsimd::sse2> opaque(const xsimd::batch<double, xsimd::sse2>& v, const isa::sse2&) {
  __m128d r = v;
  __asm__("" : "+x"(r));
  return r;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_COMPILED_SSE2
#endif  // ROPEKIT_ARCH_X86_SSE2_HPP
