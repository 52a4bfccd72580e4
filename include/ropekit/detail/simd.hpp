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

/// Loads batch<C, Arch>::size elements of S starting at p (unaligned) as C.
template <class Arch, class C, class S>
inline xsimd::batch<C, Arch> load_batch(const S* p) {
  using B = xsimd::batch<C, Arch>;
  if constexpr (std::is_same<S, C>::value) {
    return B::load_unaligned(p);
  } else {
#if defined(__AVX512F__)
    if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx512f>) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      if constexpr (std::is_same<S, f16>::value) return B(_mm512_cvtph_ps(raw));
      if constexpr (std::is_same<S, bf16>::value)
        return B(_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16)));
    }
#endif
#if defined(__AVX2__) && defined(__F16C__)
    if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx2> && !arch_is<Arch, xsimd::avx512f>) {
      const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      if constexpr (std::is_same<S, f16>::value) return B(_mm256_cvtph_ps(raw));
      if constexpr (std::is_same<S, bf16>::value)
        return B(_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16)));
    }
#endif
    alignas(64) C buffer[B::size];
    for (std::size_t i = 0; i < B::size; ++i) buffer[i] = C(to_float(p[i]));
    return B::load_aligned(buffer);
  }
}

/// Stores a batch of C into batch::size elements of D at p (unaligned),
/// rounding to nearest even.
template <class Arch, class C, class D>
inline void store_batch(D* p, const xsimd::batch<C, Arch>& v) {
  using B = xsimd::batch<C, Arch>;
  if constexpr (std::is_same<D, C>::value) {
    v.store_unaligned(p);
  } else {
#if defined(__AVX512F__)
    if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx512f>) {
      const __m512 x = v;
      if constexpr (std::is_same<D, f16>::value) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                            _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        return;
      }
      if constexpr (std::is_same<D, bf16>::value) {
        const __m512i bits = _mm512_castps_si512(x);
#  if defined(__AVX512BF16__) && defined(__AVX512DQ__)
        // The hardware conversion rounds to nearest even but flushes
        // subnormals: use it unless a lane is subnormal (fpclass 0x20).
        if (_mm512_fpclass_ps_mask(x, 0x20) == 0) {
          const __m256bh h = _mm512_cvtneps_pbh(x);
          std::memcpy(p, &h, sizeof(h));
          return;
        }
#  endif
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
        const __m512i rounded =
            _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
        const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
        const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
        const __m512i result = _mm512_mask_blend_epi32(nan, rounded, quiet);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(result));
        return;
      }
    }
#endif
#if defined(__AVX2__) && defined(__F16C__)
    if constexpr (std::is_same<C, float>::value && arch_is<Arch, xsimd::avx2> && !arch_is<Arch, xsimd::avx512f>) {
      const __m256 x = v;
      if constexpr (std::is_same<D, f16>::value) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                         _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        return;
      }
      if constexpr (std::is_same<D, bf16>::value) {
        const __m256i bits = _mm256_castps_si256(x);
#  if defined(__AVX512BF16__) && defined(__AVX512VL__) && defined(__AVX512DQ__)
        // As in the 512-bit path: hardware rounding unless a lane is subnormal.
        if (_mm256_fpclass_ps_mask(x, 0x20) == 0) {
          const __m128bh h = _mm256_cvtneps_pbh(x);
          std::memcpy(p, &h, sizeof(h));
          return;
        }
#  endif
        const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
        const __m256i rounded =
            _mm256_srli_epi32(_mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
        const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
        const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
        const __m256i result = _mm256_blendv_epi8(rounded, quiet, nan);
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(result, result), 0x08);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
        return;
      }
    }
#endif
    alignas(64) C buffer[B::size];
    v.store_aligned(buffer);
    for (std::size_t i = 0; i < B::size; ++i) {
      if constexpr (std::is_same<C, double>::value) {
        p[i] = from_double<D>(buffer[i]);
      } else {
        p[i] = from_float<D>(buffer[i]);
      }
    }
  }
}

/// Scalar load/store with the same conversions (used in tails).
template <class C, class S>
inline C load_scalar(const S* p) {
  return C(to_float(*p));
}
template <class C, class D>
inline void store_scalar(D* p, C v) {
  if constexpr (std::is_same<C, double>::value) {
    *p = from_double<D>(v);
  } else {
    *p = from_float<D>(v);
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
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_DETAIL_SIMD_HPP
