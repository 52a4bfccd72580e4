// ropekit::dispatch: the kernels one instruction set's translation unit holds.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SRC_DISPATCH_TABLE_HPP
#define ROPEKIT_SRC_DISPATCH_TABLE_HPP

#include <ropekit/dispatch.hpp>

namespace ropekit {
namespace dispatch_impl {

template <class S, class D>
using kernel_fn = void (*)(const kernel::Call<S, D>&);
template <class S, class KD>
using store_fn = void (*)(const kernel::StoreCall<S, S, KD>&);

/// One kernel per element-type pair of dispatch::has_kernel.
struct KernelTable {
  kernel_fn<float, float> f32_f32;
  kernel_fn<double, double> f64_f64;
  kernel_fn<f16, f16> f16_f16;
  kernel_fn<bf16, bf16> bf16_bf16;
  kernel_fn<float, f16> f32_f16;
  kernel_fn<float, bf16> f32_bf16;
  kernel_fn<f16, float> f16_f32;
  kernel_fn<bf16, float> bf16_f32;
  // One store kernel per combination of dispatch::has_store_kernel.
  store_fn<float, float> store_f32_f32;
  store_fn<float, f16> store_f32_f16;
  store_fn<float, bf16> store_f32_bf16;
  store_fn<float, e4m3> store_f32_e4m3;
  store_fn<float, e5m2> store_f32_e5m2;
  store_fn<f16, f16> store_f16_f16;
  store_fn<f16, e4m3> store_f16_e4m3;
  store_fn<f16, e5m2> store_f16_e5m2;
  store_fn<bf16, bf16> store_bf16_bf16;
  store_fn<bf16, e4m3> store_bf16_e4m3;
  store_fn<bf16, e5m2> store_bf16_e5m2;
};

// Defined by the translation unit of each instruction set built for this
// architecture (kernels.cpp compiled with that instruction set's flags).
extern const KernelTable table_sse2;
extern const KernelTable table_avx2;
extern const KernelTable table_avx512;
extern const KernelTable table_avx512_bf16;
extern const KernelTable table_neon;
extern const KernelTable table_neon_bf16;

}  // namespace dispatch_impl
}  // namespace ropekit

#endif  // ROPEKIT_SRC_DISPATCH_TABLE_HPP
