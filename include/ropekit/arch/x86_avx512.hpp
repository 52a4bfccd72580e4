// ropekit: kernel pieces for x86-64 AVX-512 F/CD/BW/DQ/VL (isa::avx512) and
// its AVX512_BF16 extension (isa::avx512_bf16).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ARCH_X86_AVX512_HPP
#define ROPEKIT_ARCH_X86_AVX512_HPP

#include <cstring>

#include "generic.hpp"

#if ROPEKIT_COMPILED_AVX512
#  include <immintrin.h>

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

using avx512_float = xsimd::batch<float, xsimd::avx512bw>;
using avx512_double = xsimd::batch<double, xsimd::avx512bw>;

/// 16 floats rounded to nearest even into bf16 with integer arithmetic (exact
/// for subnormals; NaN kept quiet).
inline __m256i bf16_bits_avx512(__m512 x) {
  const __m512i bits = _mm512_castps_si512(x);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  const __m512i rounded =
      _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, rounded, quiet));
}

/// Mask of the first n (< 16) lanes.
inline __mmask16 first_lanes16(std::int64_t n) { return __mmask16((1u << unsigned(n)) - 1u); }
/// Mask of the first n (< 8) lanes.
inline __mmask8 first_lanes8(std::int64_t n) { return __mmask8((1u << unsigned(n)) - 1u); }

template <class Isa>
ROPEKIT_INLINE avx512_float widen(const f16* p, const isa::avx512&) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
template <class Isa>
ROPEKIT_INLINE avx512_float widen(const bf16* p, const isa::avx512&) {
  // One VPERMW puts element i in the high half of lane i, zeroing the rest.
  const __m512i index = _mm512_set_epi16(15, 0, 14, 0, 13, 0, 12, 0, 11, 0, 10, 0, 9, 0, 8, 0, 7, 0, 6, 0, 5, 0, 4, 0,
                                         3, 0, 2, 0, 1, 0, 0, 0);
  const __m512i bits = _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_maskz_permutexvar_epi16(__mmask32(0xaaaaaaaau), index, bits));
}
template <class Isa>
ROPEKIT_INLINE void narrow(f16* p, const avx512_float& v, const isa::avx512&) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
template <class Isa>
ROPEKIT_INLINE void narrow(bf16* p, const avx512_float& v, const isa::avx512&) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), bf16_bits_avx512(v));
}

template <class Isa>
ROPEKIT_INLINE avx512_float widen_partial(const f16* p, std::int64_t n, const isa::avx512&) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(first_lanes16(n), p));
}
template <class Isa>
ROPEKIT_INLINE avx512_float widen_partial(const bf16* p, std::int64_t n, const isa::avx512&) {
  return _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(first_lanes16(n), p)), 16));
}
template <class Isa>
ROPEKIT_INLINE void narrow_partial(f16* p, const avx512_float& v, std::int64_t n, const isa::avx512&) {
  _mm256_mask_storeu_epi16(p, first_lanes16(n), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
template <class Isa>
ROPEKIT_INLINE void narrow_partial(bf16* p, const avx512_float& v, std::int64_t n, const isa::avx512&) {
  _mm256_mask_storeu_epi16(p, first_lanes16(n), bf16_bits_avx512(v));
}

template <class Isa>
ROPEKIT_INLINE avx512_float load_partial(const float* p, std::int64_t n, const isa::avx512&) {
  return _mm512_maskz_loadu_ps(first_lanes16(n), p);
}
template <class Isa>
ROPEKIT_INLINE avx512_double load_partial(const double* p, std::int64_t n, const isa::avx512&) {
  return _mm512_maskz_loadu_pd(first_lanes8(n), p);
}
template <class Isa>
ROPEKIT_INLINE void store_partial(float* p, const avx512_float& v, std::int64_t n, const isa::avx512&) {
  _mm512_mask_storeu_ps(p, first_lanes16(n), v);
}
template <class Isa>
ROPEKIT_INLINE void store_partial(double* p, const avx512_double& v, std::int64_t n, const isa::avx512&) {
  _mm512_mask_storeu_pd(p, first_lanes8(n), v);
}

template <class Isa>
ROPEKIT_INLINE void spread_pairs(const avx512_float& v, avx512_float& lo, avx512_float& hi, const isa::avx512&) {
  lo = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), v);
  hi = _mm512_permutexvar_ps(_mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15), v);
}

template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, float>::value, avx512_float> swap_pairs(const avx512_float& v,
                                                                                        const isa::avx512&) {
  return _mm512_permute_ps(v, 0xB1);
}
template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, double>::value, avx512_double> swap_pairs(const avx512_double& v,
                                                                                          const isa::avx512&) {
  return _mm512_permute_pd(v, 0x55);
}

template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, float>::value, avx512_float> multiply_add(const avx512_float& a,
                                                                                          const avx512_float& b,
                                                                                          const avx512_float& c,
                                                                                          const isa::avx512&) {
  return _mm512_fmadd_ps(a, b, c);
}
template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, double>::value, avx512_double> multiply_add(const avx512_double& a,
                                                                                            const avx512_double& b,
                                                                                            const avx512_double& c,
                                                                                            const isa::avx512&) {
  return _mm512_fmadd_pd(a, b, c);
}
template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, float>::value, avx512_float> multiply_sub(const avx512_float& a,
                                                                                          const avx512_float& b,
                                                                                          const avx512_float& c,
                                                                                          const isa::avx512&) {
  return _mm512_fmsub_ps(a, b, c);
}
template <class Isa, class C>
ROPEKIT_INLINE std::enable_if_t<std::is_same<C, double>::value, avx512_double> multiply_sub(const avx512_double& a,
                                                                                            const avx512_double& b,
                                                                                            const avx512_double& c,
                                                                                            const isa::avx512&) {
  return _mm512_fmsub_pd(a, b, c);
}

template <class Isa>
ROPEKIT_INLINE xsimd::batch<std::int32_t, xsimd::avx512bw> lane_bits(const avx512_float& v, const isa::avx512&) {
  return _mm512_castps_si512(v);
}
template <class Isa>
ROPEKIT_INLINE avx512_float lane_floats(const xsimd::batch<std::int32_t, xsimd::avx512bw>& v, const isa::avx512&) {
  return _mm512_castsi512_ps(v);
}
template <class Isa>
ROPEKIT_INLINE bool any_lane(const xsimd::batch<std::int32_t, xsimd::avx512bw>& v, const isa::avx512&) {
  const __m512i x = v;
  return _mm512_test_epi32_mask(x, x) != 0;
}
template <class Isa>
ROPEKIT_INLINE void store_low_bytes(std::uint8_t* p, const xsimd::batch<std::int32_t, xsimd::avx512bw>& v,
                                    std::int64_t n, const isa::avx512&) {
  _mm512_mask_cvtepi32_storeu_epi8(p, n >= 16 ? __mmask16(0xffff) : first_lanes16(n), v);
}

/// Non-temporal stores of a whole batch (regular ones where p is not aligned
/// to the store's width).
inline void stream_bytes_avx512(void* p, __m256i x) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 31) == 0) return _mm256_stream_si256(static_cast<__m256i*>(p), x);
  _mm256_storeu_si256(static_cast<__m256i*>(p), x);
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(float* p, const avx512_float& v, const isa::avx512&) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 63) == 0) return _mm512_stream_ps(p, v);
  _mm512_storeu_ps(p, v);
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(f16* p, const avx512_float& v, const isa::avx512&) {
  stream_bytes_avx512(p, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(bf16* p, const avx512_float& v, const isa::avx512&) {
  stream_bytes_avx512(p, bf16_bits_avx512(v));
}
/// 32 16-bit values in one 64-byte non-temporal store, when p is aligned to it.
inline bool stream_line_avx512(void* p, __m256i low, __m256i high) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 63) != 0) return false;
  _mm512_stream_si512(static_cast<__m512i*>(p), _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1));
  return true;
}
template <class Isa>
ROPEKIT_INLINE bool stream_joined(f16* p, const avx512_float& a, const avx512_float& b, const isa::avx512&) {
  return stream_line_avx512(p, _mm512_cvtps_ph(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                            _mm512_cvtps_ph(b, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
template <class Isa>
ROPEKIT_INLINE bool stream_joined(bf16* p, const avx512_float& a, const avx512_float& b, const isa::avx512&) {
  return stream_line_avx512(p, bf16_bits_avx512(a), bf16_bits_avx512(b));
}
/// Whole lines by non-temporal stores when streaming to an aligned y; the
/// rest by 32-byte regular stores (64-byte ones into lines not yet cached
/// made a bf16 rotate-and-store 10-15% slower on the Xeon measured).
template <class Isa>
ROPEKIT_INLINE void copy_bytes(void* y, const void* x, std::int64_t bytes, bool stream, const isa::avx512&) {
  char* to = static_cast<char*>(y);
  const char* from = static_cast<const char*>(x);
  std::int64_t i = 0;
  if (stream && (reinterpret_cast<std::uintptr_t>(to) & 63) == 0) {
    for (; i + 64 <= bytes; i += 64)
      _mm512_stream_si512(reinterpret_cast<__m512i*>(to + i), _mm512_loadu_si512(from + i));
  }
  for (; i + 32 <= bytes; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + i),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + i)));
  if (i < bytes) {
    const __mmask64 rest = _cvtu64_mask64((std::uint64_t(1) << unsigned(bytes - i)) - 1u);
    _mm512_mask_storeu_epi8(to + i, rest, _mm512_maskz_loadu_epi8(rest, from + i));
  }
}
template <class Isa>
ROPEKIT_INLINE void store_as_float(float* p, const avx512_double& v, const isa::avx512&) {
  _mm256_storeu_ps(p, _mm512_cvtpd_ps(v));
}
template <class Isa>
ROPEKIT_INLINE avx512_double load_as_double(const float* p, const isa::avx512&) {
  return _mm512_cvtps_pd(_mm256_loadu_ps(p));
}

template <class Isa>
ROPEKIT_INLINE avx512_double opaque(const avx512_double& v, const isa::avx512&) {
  __m512d r = v;
  __asm__("" : "+v"(r));
  return r;
}

/// k mod 4 from the bits of t: bit 0 swaps sin and cos, bit 1 negates sin,
/// bit 1 of k + 1 negates cos.
template <class Isa>
ROPEKIT_INLINE void apply_quadrant(const avx512_double& t, const avx512_double& s, const avx512_double& c,
                                   avx512_double& sin_out, avx512_double& cos_out, const isa::avx512&) {
  const __m512i bits = _mm512_castpd_si512(t);
  const __mmask8 odd = _mm512_test_epi64_mask(bits, _mm512_set1_epi64(1));
  const __m512i sin_sign = _mm512_slli_epi64(bits, 62);
  const __m512i cos_sign = _mm512_slli_epi64(_mm512_add_epi64(bits, _mm512_set1_epi64(1)), 62);
  const __m512i sign = _mm512_set1_epi64(std::int64_t(0x8000000000000000ull));
  const __m512i sin_r = _mm512_castpd_si512(_mm512_mask_blend_pd(odd, s, c));
  const __m512i cos_r = _mm512_castpd_si512(_mm512_mask_blend_pd(odd, c, s));
  // sin_r ^ (sin_sign & sign), as one ternary-logic operation (0x78: A ^ (B & C)).
  sin_out = _mm512_castsi512_pd(_mm512_ternarylogic_epi64(sin_r, sin_sign, sign, 0x78));
  cos_out = _mm512_castsi512_pd(_mm512_ternarylogic_epi64(cos_r, cos_sign, sign, 0x78));
}

#  if ROPEKIT_COMPILED_AVX512_BF16
/// 16 floats to bf16 with VCVTNEPS2BF16 (round to nearest even, NaN quiet),
/// unless a lane is subnormal, which that instruction flushes to zero: then
/// the exact integer rounding.
ROPEKIT_INLINE __m256i bf16_bits_avx512_bf16(__m512 x) {
  if (ROPEKIT_LIKELY(_mm512_fpclass_ps_mask(x, 0x20) == 0)) {
    const __m256bh h = _mm512_cvtneps_pbh(x);
    __m256i out;
    std::memcpy(&out, &h, sizeof out);
    return out;
  }
  return bf16_bits_avx512(x);
}
template <class Isa>
ROPEKIT_INLINE void narrow(bf16* p, const avx512_float& v, const isa::avx512_bf16&) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), bf16_bits_avx512_bf16(v));
}
/// Two batches converted by one VCVTNE2PS2BF16 when neither has a subnormal
/// lane (one test for both).
template <class Isa>
ROPEKIT_INLINE bool narrow_two(bf16* p, bf16* q, const avx512_float& a, const avx512_float& b,
                               const isa::avx512_bf16&) {
  if (ROPEKIT_LIKELY(_kortestz_mask16_u8(_mm512_fpclass_ps_mask(a, 0x20), _mm512_fpclass_ps_mask(b, 0x20)))) {
    const __m512bh h = _mm512_cvtne2ps_pbh(b, a);  // a's lanes low, b's high
    __m512i bits;
    std::memcpy(&bits, &h, sizeof bits);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_castsi512_si256(bits));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), _mm512_extracti64x4_epi64(bits, 1));
    return true;
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), bf16_bits_avx512(a));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), bf16_bits_avx512(b));
  return true;
}
template <class Isa>
ROPEKIT_INLINE void narrow_partial(bf16* p, const avx512_float& v, std::int64_t n, const isa::avx512_bf16&) {
  _mm256_mask_storeu_epi16(p, first_lanes16(n), bf16_bits_avx512_bf16(v));
}
/// Both batches by one VCVTNE2PS2BF16 when neither has a subnormal lane.
template <class Isa>
ROPEKIT_INLINE bool stream_joined(bf16* p, const avx512_float& a, const avx512_float& b, const isa::avx512_bf16&) {
  if ((reinterpret_cast<std::uintptr_t>(p) & 63) != 0) return false;
  if (ROPEKIT_LIKELY(_kortestz_mask16_u8(_mm512_fpclass_ps_mask(a, 0x20), _mm512_fpclass_ps_mask(b, 0x20)))) {
    const __m512bh h = _mm512_cvtne2ps_pbh(b, a);  // a's lanes low, b's high
    __m512i bits;
    std::memcpy(&bits, &h, sizeof bits);
    _mm512_stream_si512(reinterpret_cast<__m512i*>(p), bits);
    return true;
  }
  return stream_line_avx512(p, bf16_bits_avx512(a), bf16_bits_avx512(b));
}
template <class Isa>
ROPEKIT_INLINE void stream_whole(bf16* p, const avx512_float& v, const isa::avx512_bf16&) {
  stream_bytes_avx512(p, bf16_bits_avx512_bf16(v));
}
#  endif

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_COMPILED_AVX512
#endif  // ROPEKIT_ARCH_X86_AVX512_HPP
