// ropekit: every instruction set's kernel pieces that this translation unit
// can compile (each file is empty where its instruction set is not enabled).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ARCH_ALL_HPP
#define ROPEKIT_ARCH_ALL_HPP

#include "arm_neon.hpp"
#include "generic.hpp"
#include "x86_avx2.hpp"
#include "x86_avx512.hpp"
#include "x86_sse2.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// a * b + c on Isa, fused where it has an FMA unit (see multiply_add).
template <class Isa, class C>
ROPEKIT_INLINE batch_t<Isa, C> fmadd(const batch_t<Isa, C>& a, const batch_t<Isa, C>& b, const batch_t<Isa, C>& c) {
  return multiply_add<Isa, C>(a, b, c, Isa{});
}
/// a * b - c on Isa, fused where it has an FMA unit.
template <class Isa, class C>
ROPEKIT_INLINE batch_t<Isa, C> fmsub(const batch_t<Isa, C>& a, const batch_t<Isa, C>& b, const batch_t<Isa, C>& c) {
  return multiply_sub<Isa, C>(a, b, c, Isa{});
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_ARCH_ALL_HPP
