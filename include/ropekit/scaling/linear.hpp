// ropekit: linear scaling (position interpolation).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_LINEAR_HPP
#define ROPEKIT_SCALING_LINEAR_HPP

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// Position interpolation (Chen et al. 2023, arXiv:2306.15595; Hugging Face
/// `rope_type: "linear"`): positions are divided by `factor`, i.e.
///   inv_freq[i] = base^(-2i / rotary_dim) / factor,  attention_factor = 1.
/// Float32 order as Hugging Face: fl32(default_inv_freq[i] / fl32(factor)).
struct Linear {
  double factor = 1.0;  ///< context extension ratio, > 0
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::Linear& s, const TableArgs& a, Table& out) {
  if (!check_positive("scaling::Linear", "factor", s.factor)) return false;
  out.inv_freq = default_inv_freq_f32(a.base, a.rotary_dim);
  for (float& v : out.inv_freq) v = f32(double(v) / double(f32(s.factor)));
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_LINEAR_HPP
