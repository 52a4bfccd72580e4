// ropekit: kernel pieces for x86-64 AVX2 + FMA + F16C (isa::avx2).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ARCH_X86_AVX2_HPP
#define ROPEKIT_ARCH_X86_AVX2_HPP

#include <cstring>

#include "generic.hpp"

#if ROPEKIT_COMPILED_AVX2
#  include <immintrin.h>

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

using avx2_float = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
using avx2_double = xsimd::batch<double, xsimd::fma3<xsimd::avx2>>;

/// The bf16 bits of 8 floats in the low half of each 32-bit lane (the high
/// half zero), rounded to nearest even with integer arithmetic (exact for
/// subnormals); NaN lanes kept quiet, through a blend only when some lane is
/// NaN.
inline __m256i bf16_lanes_avx2(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(bits, lsb), _mm256_set1_epi32(0x7fff)), 16);
  const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  if (ROPEKIT_LIKELY(_mm256_movemask_ps(nan) == 0)) return rounded;
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
  return _mm256_blendv_epi8(rounded, quiet, _mm256_castps_si256(nan));
}

/// 8 floats rounded to nearest even into bf16 (see bf16_lanes_avx2).
inline __m128i bf16_bits_avx2(__m256 x) {
  const __m256i lanes = bf16_lanes_avx2(x);
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi32(lanes, lanes), 0x08));
}

/// Lane mask of the first n (< 8) 32-bit lanes, for the AVX masked moves.
inline __m256i first_lanes_avx2(std::int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
/// Lane mask of the first n (< 4) 64-bit lanes.
inline __m256i first_lanes64_avx2(std::int64_t n) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

template <class Isa>
ROPEKIT_INLINE avx2_float widen(const f16* p, const isa::avx2&) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <class Isa>
ROPEKIT_INLINE avx2_float widen(const bf16* p, const isa::avx2&) {
  return _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16));
}
template <class Isa>
ROPEKIT_INLINE void narrow(f16* p, const avx2_float& v, const isa::avx2&) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
template <class Isa>
ROPEKIT_INLINE void narrow(bf16* p, const avx2_float& v, const isa::avx2&) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), bf16_bits_avx2(v));
}
/// Two batches packed into bf16 by one pack and one permute.
template <class Isa>
ROPEKIT_INLINE bool narrow_two(bf16* p, bf16* q, const avx2_float& a, const avx2_float& b, const isa::avx2&) {
  // packus interleaves the 128-bit halves (a0-3 b0-3 a4-7 b4-7); 0xd8 orders them.
  const __m256i both = _mm256_permute4x64_epi64(_mm256_packus_epi32(bf16_lanes_avx2(a), bf16_lanes_avx2(b)), 0xd8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(both));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm256_extracti128_si256(both, 1));
  return true;
}

template <class Isa>
ROPEKIT_INLINE avx2_float load_partial(const float* p, std::int64_t n, const isa::avx2&) {
  return _mm256_maskload_ps(p, first_lanes_avx2(n));
}
template <class Isa>
ROPEKIT_INLINE avx2_double load_partial(const double* p, std::int64_t n, const isa::avx2&) {
  return _mm256_maskload_pd(p, first_lanes64_avx2(n));
}
template <class Isa>
ROPEKIT_INLINE void store_partial(float* p, const avx2_float& v, std::int64_t n, const isa::avx2&) {
  _mm256_maskstore_ps(p, first_lanes_avx2(n), v);
}
template <class Isa>
ROPEKIT_INLINE void store_partial(double* p, const avx2_double& v, std::int64_t n, const isa::avx2&) {
  _mm256_maskstore_pd(p, first_lanes64_avx2(n), v);
}

template <class Isa>
ROPEKIT_INLINE void spread_pairs(const avx2_float& v, avx2_float& lo, avx2_float& hi, const isa::avx2&) {
  lo = _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
  hi = _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7));
}

template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, float>::value, avx2_float> swap_pairs(const avx2_float& v,
                                                                                      const isa::avx2&) {
  return _mm256_permute_ps(v, 0xB1);
}
template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, double>::value, avx2_double> swap_pairs(const avx2_double& v,
                                                                                        const isa::avx2&) {
  return _mm256_permute_pd(v, 0x5);
}

template <class Isa>
ROPEKIT_INLINE xsimd::batch<std::int32_t, xsimd::fma3<xsimd::avx2>> lane_bits(const avx2_float& v, const isa::avx2&) {
  return _mm256_castps_si256(v);
}
template <class Isa>
ROPEKIT_INLINE avx2_float lane_floats(const xsimd::batch<std::int32_t, xsimd::fma3<xsimd::avx2>>& v, const isa::avx2&) {
  return _mm256_castsi256_ps(v);
}
template <class Isa>
ROPEKIT_INLINE bool any_lane(const xsimd::batch<std::int32_t, xsimd::fma3<xsimd::avx2>>& v, const isa::avx2&) {
  const __m256i x = v;
  return !_mm256_testz_si256(x, x);
}
template <class Isa>
ROPEKIT_INLINE void store_low_bytes(std::uint8_t* p, const xsimd::batch<std::int32_t, xsimd::fma3<xsimd::avx2>>& v,
                                    std::int64_t n, const isa::avx2&) {
  // Lanes hold 0..255: saturating packs keep them.
  const __m256i x = v;
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  const __m128i bytes = _mm_packus_epi16(words, words);
  if (n >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), bytes);
    return;
  }
  alignas(16) std::uint8_t b[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(b), bytes);
  std::memcpy(p, b, std::size_t(n));
}

/// Non-temporal stores of a whole batch (regular ones where p is not aligned
/// to the store's width).
inline void stream_bytes_avx2(void* p, __m128i x) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 15) == 0) return _mm_stream_si128(static_cast<__m128i*>(p), x);
  _mm_storeu_si128(static_cast<__m128i*>(p), x);
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(float* p, const avx2_float& v, const isa::avx2&) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 31) == 0) return _mm256_stream_ps(p, v);
  _mm256_storeu_ps(p, v);
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(f16* p, const avx2_float& v, const isa::avx2&) {
  stream_bytes_avx2(p, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(bf16* p, const avx2_float& v, const isa::avx2&) {
  stream_bytes_avx2(p, bf16_bits_avx2(v));
}
template <class Isa>
ROPEKIT_INLINE void copy_bytes(void* y, const void* x, std::int64_t bytes, bool stream, const isa::avx2&) {
  char* to = static_cast<char*>(y);
  const char* from = static_cast<const char*>(x);
  std::int64_t i = 0;
  if (stream && (reinterpret_cast<std::uintptr_t>(to) & 31) == 0) {
    for (; i + 32 <= bytes; i += 32)
      _mm256_stream_si256(reinterpret_cast<__m256i*>(to + i),
                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + i)));
  }
  std::memcpy(to + i, from + i, std::size_t(bytes - i));
}

template <class Isa>
ROPEKIT_INLINE void store_as_float(float* p, const avx2_double& v, const isa::avx2&) {
  _mm_storeu_ps(p, _mm256_cvtpd_ps(v));
}
template <class Isa>
ROPEKIT_INLINE avx2_double load_as_double(const float* p, const isa::avx2&) {
  return _mm256_cvtps_pd(_mm_loadu_ps(p));
}

template <class Isa>
ROPEKIT_INLINE avx2_double opaque(const avx2_double& v, const isa::avx2&) {
  __m256d r = v;
  __asm__("" : "+x"(r));
  return r;
}

/// k mod 4 from the bits of t (see the generic version).
template <class Isa>
ROPEKIT_INLINE void apply_quadrant(const avx2_double& t, const avx2_double& s, const avx2_double& c,
                                   avx2_double& sin_out, avx2_double& cos_out, const isa::avx2&) {
  const __m256i bits = _mm256_castpd_si256(t);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256d odd = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_and_si256(bits, one), one));
  const __m256d sin_sign = _mm256_castsi256_pd(_mm256_slli_epi64(bits, 63 - 1));
  const __m256d cos_sign = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(bits, one), 62));
  const __m256d sign = _mm256_set1_pd(-0.0);
  sin_out = _mm256_xor_pd(_mm256_blendv_pd(s, c, odd), _mm256_and_pd(sin_sign, sign));
  cos_out = _mm256_xor_pd(_mm256_blendv_pd(c, s, odd), _mm256_and_pd(cos_sign, sign));
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_COMPILED_AVX2
#endif  // ROPEKIT_ARCH_X86_AVX2_HPP
