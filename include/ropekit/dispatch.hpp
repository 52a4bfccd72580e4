// ropekit: run-time choice of the instruction set (the ropekit::dispatch library).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DISPATCH_HPP
#define ROPEKIT_DISPATCH_HPP

#include <type_traits>

#include "kernel_call.hpp"
#include "types.hpp"

// Linking the CMake target ropekit::dispatch (a compiled library) defines
// ROPEKIT_DISPATCH for its users: ropekit::apply and apply_into then run the
// kernel compiled for the best instruction set of the CPU the program runs
// on, chosen at the first call, instead of the best one the compiler flags of
// the calling file allow. The library builds one translation unit per
// instruction set, each with its own flags, and no symbol of one is shared
// with another.

namespace ropekit {
namespace dispatch {

/// The instruction sets the library can hold kernels for (see ropekit::isa).
enum class Target {
  sse2,         ///< x86-64 baseline
  avx2,         ///< AVX2 + FMA + F16C
  avx512,       ///< AVX-512 F/CD/BW/DQ/VL
  avx512_bf16,  ///< AVX-512 with AVX512_BF16
  neon,         ///< AArch64 Advanced SIMD
  neon_bf16,    ///< AArch64 with BF16
};

/// "sse2", "avx2", "avx512", "avx512_bf16", "neon" or "neon_bf16".
const char* name(Target target);
/// True when the library holds kernels for `target` (built for this
/// architecture).
bool compiled(Target target);
/// True when `target` is compiled and the CPU (and operating system) can run it.
bool supported(Target target);
/// The best supported target.
Target best();
/// The target calls use: chosen at the first call, as the environment
/// variable ROPEKIT_TARGET names it (if supported; a warning on stderr
/// otherwise) or else best(); changed by select().
Target selected();
/// Makes every later call use `target`. Returns false (and changes nothing)
/// when the CPU can not run it. Set it before threads start calling, or
/// accept that calls already running finish on the previous target.
bool select(Target target);

/// True for the element types the library has kernels for: S = D (float,
/// double, f16, bf16), float -> f16/bf16 and f16/bf16 -> float. Other pairs
/// run the header's kernel for the caller's compiler flags.
template <class S, class D>
constexpr bool has_kernel = std::is_same<S, D>::value ||
                            (std::is_same<S, float>::value &&
                             (std::is_same<D, f16>::value || std::is_same<D, bf16>::value)) ||
                            (std::is_same<D, float>::value &&
                             (std::is_same<S, f16>::value || std::is_same<S, bf16>::value));

/// Runs a validated call (see kernel_call.hpp) on the selected target.
/// ropekit::apply calls these; they trust their argument completely.
void rotate(const kernel::Call<float, float>& call);
void rotate(const kernel::Call<double, double>& call);
void rotate(const kernel::Call<f16, f16>& call);
void rotate(const kernel::Call<bf16, bf16>& call);
void rotate(const kernel::Call<float, f16>& call);
void rotate(const kernel::Call<float, bf16>& call);
void rotate(const kernel::Call<f16, float>& call);
void rotate(const kernel::Call<bf16, float>& call);

/// True for the store calls the library has kernels for: Q kept in its
/// source type S (float, f16 or bf16) and the caches of type S, 8-bit e4m3
/// or e5m2, or, from float, f16 or bf16. Other combinations run the
/// header's kernel for the caller's compiler flags.
template <class S, class QD, class KD>
constexpr bool has_store_kernel =
    (std::is_same<S, float>::value || std::is_same<S, f16>::value || std::is_same<S, bf16>::value) &&
    std::is_same<S, QD>::value &&
    (std::is_same<KD, S>::value || std::is_same<KD, e4m3>::value || std::is_same<KD, e5m2>::value ||
     (std::is_same<S, float>::value && (std::is_same<KD, f16>::value || std::is_same<KD, bf16>::value)));

/// Runs a validated rotate-and-store call (see kernel_call.hpp) on the
/// selected target. ropekit::rotate_and_store calls these.
void store(const kernel::StoreCall<float, float, float>& call);
void store(const kernel::StoreCall<float, float, f16>& call);
void store(const kernel::StoreCall<float, float, bf16>& call);
void store(const kernel::StoreCall<float, float, e4m3>& call);
void store(const kernel::StoreCall<float, float, e5m2>& call);
void store(const kernel::StoreCall<f16, f16, f16>& call);
void store(const kernel::StoreCall<f16, f16, e4m3>& call);
void store(const kernel::StoreCall<f16, f16, e5m2>& call);
void store(const kernel::StoreCall<bf16, bf16, bf16>& call);
void store(const kernel::StoreCall<bf16, bf16, e4m3>& call);
void store(const kernel::StoreCall<bf16, bf16, e5m2>& call);

}  // namespace dispatch
}  // namespace ropekit

#endif  // ROPEKIT_DISPATCH_HPP
