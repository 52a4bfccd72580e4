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
///
/// Defaults: `factor` differs between models and has none; a
/// default-constructed Linear is rejected by frequencies() with a message
/// naming it. Example: `Linear{4.0}` (a context four times the original).
struct Linear {
  double factor = 0.0;  ///< context extension ratio; required: finite, > 0, a normal float32 (0: not set)
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::Linear& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::Linear";
  Unset unset;
  unset.add(is_zero_bits(s.factor), "factor", s.factor);
  if (!unset.check(method)) return false;
  if (!check_factor(method, "factor", s.factor)) return false;
  const float factor = f32(s.factor);
  std::vector<float> inv = default_inv_freq_f32(a.base, a.rotary_dim);
  for (float& v : inv) v = div_f32(v, factor);
  if (!check_table(method, "factor", s.factor, inv)) return false;
  out.inv_freq = std::move(inv);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_LINEAR_HPP
