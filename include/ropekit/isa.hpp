// ropekit: instruction-set tags.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ISA_HPP
#define ROPEKIT_ISA_HPP

#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "config.hpp"

// What the compiler flags of this translation unit allow. A kernel for an
// instruction set can only be compiled where its flags are on; which code a
// tag selects never depends on these macros (see isa:: below).
#if defined(__SSE2__) || defined(_M_X64)
#  define ROPEKIT_COMPILED_SSE2 1
#else
#  define ROPEKIT_COMPILED_SSE2 0
#endif
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#  define ROPEKIT_COMPILED_AVX2 1
#else
#  define ROPEKIT_COMPILED_AVX2 0
#endif
#if defined(__AVX512F__) && defined(__AVX512CD__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && \
    defined(__AVX512VL__) && ROPEKIT_COMPILED_AVX2
#  define ROPEKIT_COMPILED_AVX512 1
#else
#  define ROPEKIT_COMPILED_AVX512 0
#endif
#if ROPEKIT_COMPILED_AVX512 && defined(__AVX512BF16__)
#  define ROPEKIT_COMPILED_AVX512_BF16 1
#else
#  define ROPEKIT_COMPILED_AVX512_BF16 0
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
#  define ROPEKIT_COMPILED_NEON 1
#else
#  define ROPEKIT_COMPILED_NEON 0
#endif
#if ROPEKIT_COMPILED_NEON && defined(__ARM_FEATURE_BF16_VECTOR_ARITHMETIC)
#  define ROPEKIT_COMPILED_NEON_BF16 1
#else
#  define ROPEKIT_COMPILED_NEON_BF16 0
#endif

namespace ropekit {

/// Instruction-set tags. A kernel is a template over one of these; the pieces
/// that differ between instruction sets (conversions of f16/bf16, partial
/// loads and stores, lane shuffles) are overloads on the tag, one file per
/// instruction set under ropekit/arch/. The tag alone decides which code runs:
/// the same tag gives the same source in every translation unit, whatever else
/// its flags enable. A tag derives from `generic` (the portable fallbacks), or
/// from the tag it extends with a few instructions (the bf16 variants).
namespace isa {

/// Portable fallbacks for the pieces an instruction set does not provide.
struct generic {};

/// x86-64 baseline: SSE2 (every x86-64 CPU).
struct sse2 : generic {
  using arch = xsimd::sse2;
  static constexpr const char* name = "sse2";
};

/// x86-64 AVX2 + FMA + F16C (Haswell, Zen 1 and later; x86-64-v3 without the
/// bit-manipulation extensions).
struct avx2 : generic {
  using arch = xsimd::fma3<xsimd::avx2>;
  static constexpr const char* name = "avx2";
};

/// x86-64 AVX-512 F, CD, BW, DQ, VL (Skylake-SP, Ice Lake, Zen 4 and later;
/// x86-64-v4), 512-bit vectors.
struct avx512 : generic {
  using arch = xsimd::avx512bw;
  static constexpr const char* name = "avx512";
};

/// AVX-512 with the AVX512_BF16 conversion instructions (Cooper Lake,
/// Sapphire Rapids, Zen 4 and later): bf16 stores round in hardware.
struct avx512_bf16 : avx512 {
  static constexpr const char* name = "avx512_bf16";
};

/// AArch64 Advanced SIMD (every AArch64 CPU; includes the f16 conversions).
struct neon : generic {
  using arch = xsimd::neon64;
  static constexpr const char* name = "neon";
};

/// AArch64 with the BF16 extension (Armv8.6-A; Graviton 3, Apple M2 and
/// later): bf16 stores round with BFCVTN.
struct neon_bf16 : neon {
  static constexpr const char* name = "neon_bf16";
};

/// The best instruction set the compiler flags of this translation unit
/// allow: what `ropekit::apply` uses when no tag is named (the static,
/// header-only path; link ropekit::dispatch to choose at run time instead).
#if ROPEKIT_COMPILED_AVX512_BF16
using best_compiled = avx512_bf16;
#elif ROPEKIT_COMPILED_AVX512
using best_compiled = avx512;
#elif ROPEKIT_COMPILED_AVX2
using best_compiled = avx2;
#elif ROPEKIT_COMPILED_SSE2
using best_compiled = sse2;
#elif ROPEKIT_COMPILED_NEON_BF16
using best_compiled = neon_bf16;
#elif ROPEKIT_COMPILED_NEON
using best_compiled = neon;
#else
#  error "ropekit needs x86-64 (SSE2 or later) or AArch64 (Advanced SIMD)"
#endif

/// True when kernels for tag I can be compiled in this translation unit.
template <class I>
constexpr bool compiled = (std::is_same<I, sse2>::value && ROPEKIT_COMPILED_SSE2) ||
                          (std::is_same<I, avx2>::value && ROPEKIT_COMPILED_AVX2) ||
                          (std::is_same<I, avx512>::value && ROPEKIT_COMPILED_AVX512) ||
                          (std::is_same<I, avx512_bf16>::value && ROPEKIT_COMPILED_AVX512_BF16) ||
                          (std::is_same<I, neon>::value && ROPEKIT_COMPILED_NEON) ||
                          (std::is_same<I, neon_bf16>::value && ROPEKIT_COMPILED_NEON_BF16);

}  // namespace isa

/// The default tag of the entry points: the best compiled instruction set
/// (header-only use), or the one chosen at run time when the translation unit
/// is built against ropekit::dispatch (ROPEKIT_DISPATCH defined).
struct auto_arch {};

namespace detail_isa {
/// Maps what a caller may name as the Arch of an entry point to an isa tag:
/// ropekit's own tags, or the xsimd architectures that correspond to one.
template <class A>
struct tag_of {
  using type = A;
};
template <>
struct tag_of<xsimd::sse2> {
  using type = isa::sse2;
};
template <>
struct tag_of<xsimd::fma3<xsimd::avx2>> {
  using type = isa::avx2;
};
template <>
struct tag_of<xsimd::avx512bw> {
  using type = isa::avx512;
};
template <>
struct tag_of<xsimd::neon64> {
  using type = isa::neon;
};
}  // namespace detail_isa

}  // namespace ropekit

#endif  // ROPEKIT_ISA_HPP
