// ropekit: element loads/stores and lane shuffles over xsimd batches.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DETAIL_SIMD_HPP
#define ROPEKIT_DETAIL_SIMD_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "../types.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#  include <immintrin.h>
#endif
#include "../config.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {

/// Tag for the kernels' default instruction set: ropekit picks one per element
/// type. It is xsimd::default_arch (the best set the compiler flags allow)
/// except that, where that is an AVX-512 set and the data is 32- or 64-bit,
/// the 256-bit AVX2+FMA set is used: RoPE over large buffers is bound by
/// memory, and streaming loops with 512-bit loads and stores run up to 1.8x
/// slower on current x86 parts (the reason compilers default to
/// -mprefer-vector-width=256 there). With 16-bit storage a 512-bit float batch
/// moves 256 bits per access and its wider arithmetic wins, so AVX-512 stays.
/// Define ROPEKIT_PREFER_512 to use 512-bit vectors throughout; any call may
/// also name an arch explicitly, e.g. ropekit::apply<xsimd::avx512bw>(...).
struct auto_arch {};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

#if defined(__AVX512F__) && defined(__AVX2__) && defined(__FMA__) && !defined(ROPEKIT_PREFER_512)
using narrow_arch = xsimd::fma3<xsimd::avx2>;
#else
using narrow_arch = xsimd::default_arch;
#endif

/// The arch a call runs on: Arch itself, or for auto_arch the choice above.
template <class Arch, class S, class D>
struct resolve_arch {
  using type = Arch;
};
template <class S, class D>
struct resolve_arch<auto_arch, S, D> {
  using type = std::conditional_t<sizeof(S) == 2 && sizeof(D) == 2, xsimd::default_arch, narrow_arch>;
};

}  // namespace detail

namespace detail {

template <class Arch, class Base>
constexpr bool arch_is = std::is_base_of<Base, Arch>::value;

/// Compute type for a pair of element types: double if either is double.
template <class S, class D>
using compute_t = std::conditional_t<std::is_same<S, double>::value || std::is_same<D, double>::value, double, float>;

#if defined(__AVX512F__)
/// 16 halves (f16 or bf16, raw bits) widened to floats, and back with
/// rounding to nearest even (bf16: hardware conversion unless a lane is
/// subnormal, which it would flush; then the integer rounding).
inline __m512 widen16(__m256i raw, f16) { return _mm512_cvtph_ps(raw); }
inline __m512 widen16(__m256i raw, bf16) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
}
inline __m256i narrow16(__m512 x, f16) { return _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline __m256i narrow16(__m512 x, bf16) {
#  if defined(__AVX512BF16__) && defined(__AVX512DQ__)
  if (_mm512_fpclass_ps_mask(x, 0x20) == 0) {
    const __m256bh h = _mm512_cvtneps_pbh(x);
    __m256i out;
    std::memcpy(&out, &h, sizeof(out));
    return out;
  }
#  endif
  const __m512i bits = _mm512_castps_si512(x);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  const __m512i rounded =
      _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, rounded, quiet));
}
#endif
#if defined(__AVX2__) && defined(__F16C__)
/// 8 halves widened to floats and back, as above.
inline __m256 widen16(__m128i raw, f16) { return _mm256_cvtph_ps(raw); }
inline __m256 widen16(__m128i raw, bf16) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
}
inline __m128i narrow16(__m256 x, f16) { return _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline __m128i narrow16(__m256 x, bf16) {
#  if defined(__AVX512BF16__) && defined(__AVX512VL__) && defined(__AVX512DQ__)
  if (_mm256_fpclass_ps_mask(x, 0x20) == 0) {
    const __m128bh h = _mm256_cvtneps_pbh(x);
    __m128i out;
    std::memcpy(&out, &h, sizeof(out));
    return out;
  }
#  endif
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
  const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  const __m256i result = _mm256_blendv_epi8(rounded, quiet, nan);
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi32(result, result), 0x08));
}
#endif

template <class T>
constexpr bool is_half = std::is_same<T, f16>::value || std::is_same<T, bf16>::value;

/// Loads `count` elements of S at p (unaligned) as a batch of C; count is
/// batch::size by default, fewer for a vector shorter than the narrowest
/// batch, where the other lanes are zero and nothing past p + count is read.
/// f16/bf16 use the hardware conversions where available. (Masked AVX-512
/// accesses were measured slower than this on current parts.)
template <class Arch, class C, class S>
inline xsimd::batch<C, Arch> load_batch(const S* p, std::int64_t count = std::int64_t(xsimd::batch<C, Arch>::size)) {
  using B = xsimd::batch<C, Arch>;
  constexpr std::int64_t N = std::int64_t(B::size);
  const bool full = count == N;
  if constexpr (std::is_same<S, C>::value) {
    if (full) return B::load_unaligned(p);
  }
#if defined(__AVX512F__)
  if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx512f> && is_half<S>) {
    if (full) return B(widen16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), S{}));
  }
#endif
#if defined(__AVX2__) && defined(__F16C__)
  if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx2> && !arch_is<Arch, xsimd::avx512f> &&
                is_half<S>) {
    if (full) return B(widen16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), S{}));
  }
#endif
  alignas(64) C buffer[B::size] = {};
  for (std::int64_t i = 0; i < count; ++i) buffer[i] = C(to_float(p[i]));
  return B::load_aligned(buffer);
}

/// Stores the first `count` lanes (all by default) of a batch of C into D at
/// p (unaligned), rounding to nearest even; nothing past p + count is written.
template <class Arch, class C, class D>
inline void store_batch(D* p, const xsimd::batch<C, Arch>& v,
                        std::int64_t count = std::int64_t(xsimd::batch<C, Arch>::size)) {
  using B = xsimd::batch<C, Arch>;
  constexpr std::int64_t N = std::int64_t(B::size);
  const bool full = count == N;
  if constexpr (std::is_same<D, C>::value) {
    if (full) return v.store_unaligned(p);
  }
#if defined(__AVX512F__)
  if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx512f> && is_half<D>) {
    if (full) return _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), narrow16(__m512(v), D{}));
  }
#endif
#if defined(__AVX2__) && defined(__F16C__)
  if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx2> && !arch_is<Arch, xsimd::avx512f> &&
                is_half<D>) {
    if (full) return _mm_storeu_si128(reinterpret_cast<__m128i*>(p), narrow16(__m256(v), D{}));
  }
#endif
  alignas(64) C buffer[B::size];
  v.store_aligned(buffer);
  for (std::int64_t i = 0; i < count; ++i) {
    if constexpr (std::is_same<C, double>::value) {
      p[i] = from_double<D>(buffer[i]);
    } else {
      p[i] = from_float<D>(buffer[i]);
    }
  }
}

/// Swaps adjacent lanes: (v0, v1, v2, v3, ...) -> (v1, v0, v3, v2, ...).
template <class Arch, class C>
inline xsimd::batch<C, Arch> swap_pairs(const xsimd::batch<C, Arch>& v) {
  using B = xsimd::batch<C, Arch>;
#if defined(__AVX512F__)
  if constexpr (arch_is<Arch, xsimd::avx512f>) {
    if constexpr (std::is_same<C, float>::value) return B(_mm512_permute_ps(__m512(v), 0xB1));
    if constexpr (std::is_same<C, double>::value) return B(_mm512_permute_pd(__m512d(v), 0x55));
  }
#endif
#if defined(__AVX__)
  if constexpr (arch_is<Arch, xsimd::avx> && !arch_is<Arch, xsimd::avx512f>) {
    if constexpr (std::is_same<C, float>::value) return B(_mm256_permute_ps(__m256(v), 0xB1));
    if constexpr (std::is_same<C, double>::value) return B(_mm256_permute_pd(__m256d(v), 0x5));
  }
#endif
#if defined(__SSE2__)
  if constexpr (arch_is<Arch, xsimd::sse2>) {
    if constexpr (std::is_same<C, float>::value) return B(_mm_shuffle_ps(__m128(v), __m128(v), 0xB1));
    if constexpr (std::is_same<C, double>::value) return B(_mm_shuffle_pd(__m128d(v), __m128d(v), 1));
  }
#endif
  alignas(64) C buffer[B::size];
  v.store_aligned(buffer);
  for (std::size_t i = 0; i + 1 < B::size; i += 2) {
    const C t = buffer[i];
    buffer[i] = buffer[i + 1];
    buffer[i + 1] = t;
  }
  return B::load_aligned(buffer);
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_DETAIL_SIMD_HPP
