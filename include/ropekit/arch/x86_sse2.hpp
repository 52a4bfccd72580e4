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
ROPEKIT_INLINE xsimd::batch<float, xsimd::sse2> widen(const bf16* p, const isa::sse2&) {
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
ROPEKIT_INLINE void narrow(bf16* p, const xsimd::batch<float, xsimd::sse2>& v, const isa::sse2&) {
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), bf16_bits_sse2(v));
}

template <class Isa>
ROPEKIT_INLINE void spread_pairs(const xsimd::batch<float, xsimd::sse2>& v, xsimd::batch<float, xsimd::sse2>& lo,
                                 xsimd::batch<float, xsimd::sse2>& hi, const isa::sse2&) {
  const __m128 r = v;
  lo = _mm_unpacklo_ps(r, r);
  hi = _mm_unpackhi_ps(r, r);
}

template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, float>::value, xsimd::batch<float, xsimd::sse2>> swap_pairs(
    const xsimd::batch<float, xsimd::sse2>& v, const isa::sse2&) {
  const __m128 r = v;
  return _mm_shuffle_ps(r, r, 0xB1);
}
template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, double>::value, xsimd::batch<double, xsimd::sse2>> swap_pairs(
    const xsimd::batch<double, xsimd::sse2>& v, const isa::sse2&) {
  const __m128d r = v;
  return _mm_shuffle_pd(r, r, 1);
}

template <class Isa>
ROPEKIT_INLINE xsimd::batch<std::int32_t, xsimd::sse2> lane_bits(const xsimd::batch<float, xsimd::sse2>& v,
                                                                 const isa::sse2&) {
  return _mm_castps_si128(v);
}
template <class Isa>
ROPEKIT_INLINE xsimd::batch<float, xsimd::sse2> lane_floats(const xsimd::batch<std::int32_t, xsimd::sse2>& v,
                                                            const isa::sse2&) {
  return _mm_castsi128_ps(v);
}

template <class Isa>
ROPEKIT_INLINE bool any_lane(const xsimd::batch<std::int32_t, xsimd::sse2>& v, const isa::sse2&) {
  return _mm_movemask_epi8(_mm_cmpeq_epi32(v, _mm_setzero_si128())) != 0xffff;
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(float* p, const xsimd::batch<float, xsimd::sse2>& v, const isa::sse2&) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 15) == 0) return _mm_stream_ps(p, v);
  _mm_storeu_ps(p, v);
}
template <class Isa>
ROPEKIT_INLINE void copy_bytes(void* y, const void* x, std::int64_t bytes, bool stream, const isa::sse2&) {
  char* to = static_cast<char*>(y);
  const char* from = static_cast<const char*>(x);
  std::int64_t i = 0;
  if (stream && (reinterpret_cast<std::uintptr_t>(to) & 15) == 0) {
    for (; i + 16 <= bytes; i += 16)
      _mm_stream_si128(reinterpret_cast<__m128i*>(to + i), _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i)));
  }
  std::memcpy(to + i, from + i, std::size_t(bytes - i));
}
/// Orders the non-temporal stores before every later store (SFENCE).
template <class Isa>
ROPEKIT_INLINE void stream_fence(const isa::sse2&) {
  _mm_sfence();
}
template <class Isa>
ROPEKIT_INLINE void stream_fence(const isa::avx2&) {
  _mm_sfence();
}
template <class Isa>
ROPEKIT_INLINE void stream_fence(const isa::avx512&) {
  _mm_sfence();
}

template <class Isa>
ROPEKIT_INLINE void store_as_float(float* p, const xsimd::batch<double, xsimd::sse2>& v, const isa::sse2&) {
  _mm_storel_pi(reinterpret_cast<__m64*>(p), _mm_cvtpd_ps(v));
}
template <class Isa>
ROPEKIT_INLINE xsimd::batch<double, xsimd::sse2> load_as_double(const float* p, const isa::sse2&) {
  return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

template <class Isa>
ROPEKIT_INLINE xsimd::batch<double, xsimd::sse2> opaque(const xsimd::batch<double, xsimd::sse2>& v, const isa::sse2&) {
  __m128d r = v;
  __asm__("" : "+x"(r));
  return r;
}

/// k mod 4 from the bits of t (see the generic version).
template <class Isa>
ROPEKIT_INLINE void apply_quadrant(const xsimd::batch<double, xsimd::sse2>& t,
                                   const xsimd::batch<double, xsimd::sse2>& s,
                                   const xsimd::batch<double, xsimd::sse2>& c,
                                   xsimd::batch<double, xsimd::sse2>& sin_out,
                                   xsimd::batch<double, xsimd::sse2>& cos_out, const isa::sse2&) {
  const __m128i bits = _mm_castpd_si128(t);
  // Lanes with k odd: bit 0 moved to the sign, then spread by an arithmetic
  // shift of the high 32 bits (SSE2 has no 64-bit compare).
  const __m128i low = _mm_slli_epi64(bits, 63);
  const __m128d odd = _mm_castsi128_pd(_mm_shuffle_epi32(_mm_srai_epi32(low, 31), 0xF5));
  const __m128d sign = _mm_set1_pd(-0.0);
  const __m128d sin_sign = _mm_and_pd(_mm_castsi128_pd(_mm_slli_epi64(bits, 62)), sign);
  const __m128d cos_sign =
      _mm_and_pd(_mm_castsi128_pd(_mm_slli_epi64(_mm_add_epi64(bits, _mm_set1_epi64x(1)), 62)), sign);
  const __m128d sin_r = _mm_or_pd(_mm_and_pd(odd, c), _mm_andnot_pd(odd, s));
  const __m128d cos_r = _mm_or_pd(_mm_and_pd(odd, s), _mm_andnot_pd(odd, c));
  sin_out = _mm_xor_pd(sin_r, sin_sign);
  cos_out = _mm_xor_pd(cos_r, cos_sign);
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_COMPILED_SSE2
#endif  // ROPEKIT_ARCH_X86_SSE2_HPP
