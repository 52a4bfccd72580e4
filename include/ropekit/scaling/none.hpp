// ropekit: the default (unscaled) RoPE frequency table.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_NONE_HPP
#define ROPEKIT_SCALING_NONE_HPP

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// No scaling (Hugging Face `rope_type: "default"`; Su et al. 2021, RoFormer):
///   inv_freq[i] = base^(-2i / rotary_dim),  i in [0, rotary_dim/2),
///   attention_factor = 1.
/// Evaluated in the float32 steps Hugging Face uses:
///   fl32(1 / fl32(fl32(base) ^ fl32(2i / rotary_dim))).
/// No fields: `None{}` is the complete description.
struct None {};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
/// The default table; frequencies() has checked that base gives normal floats.
inline bool compute_table(const scaling::None&, const TableArgs& a, Table& out) {
  out.inv_freq = default_inv_freq_f32(a.base, a.rotary_dim);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_NONE_HPP
