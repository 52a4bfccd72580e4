// ropekit::dispatch: the kernels of one instruction set. Compiled once per
// instruction set, with ROPEKIT_DISPATCH_TARGET naming it (sse2, avx2, ...)
// and that instruction set's compiler flags; every function instantiated
// here lives in the ABI namespace of those flags (see config.hpp), so no
// symbol is shared with another instruction set's translation unit.
#include <ropekit/config.hpp>
#include <ropekit/detail/kernel.hpp>

#include "table.hpp"

#ifndef ROPEKIT_DISPATCH_TARGET
#  error "compile with -DROPEKIT_DISPATCH_TARGET=<target>"
#endif

namespace ropekit {
namespace dispatch_impl {

using Isa = isa::ROPEKIT_DISPATCH_TARGET;
static_assert(isa::compiled<Isa>, "the flags of this translation unit do not enable its instruction set");

extern const KernelTable ROPEKIT_PP_CAT(table_, ROPEKIT_DISPATCH_TARGET);
const KernelTable ROPEKIT_PP_CAT(table_, ROPEKIT_DISPATCH_TARGET) = {
    &detail::rotate_call<Isa, float, float>,       &detail::rotate_call<Isa, double, double>,
    &detail::rotate_call<Isa, f16, f16>,           &detail::rotate_call<Isa, bf16, bf16>,
    &detail::rotate_call<Isa, float, f16>,         &detail::rotate_call<Isa, float, bf16>,
    &detail::rotate_call<Isa, f16, float>,         &detail::rotate_call<Isa, bf16, float>,
    &detail::store_call<Isa, float, float, float>, &detail::store_call<Isa, float, float, f16>,
    &detail::store_call<Isa, float, float, bf16>,  &detail::store_call<Isa, float, float, e4m3>,
    &detail::store_call<Isa, float, float, e5m2>,  &detail::store_call<Isa, f16, f16, f16>,
    &detail::store_call<Isa, f16, f16, e4m3>,      &detail::store_call<Isa, f16, f16, e5m2>,
    &detail::store_call<Isa, bf16, bf16, bf16>,    &detail::store_call<Isa, bf16, bf16, e4m3>,
    &detail::store_call<Isa, bf16, bf16, e5m2>,
};

}  // namespace dispatch_impl
}  // namespace ropekit
