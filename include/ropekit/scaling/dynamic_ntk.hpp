// ropekit: dynamic NTK scaling.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_DYNAMIC_NTK_HPP
#define ROPEKIT_SCALING_DYNAMIC_NTK_HPP

#include "ntk_aware.hpp"

namespace ropekit {
namespace scaling {

/// Dynamic NTK scaling (emozilla, 2023; Hugging Face `rope_type: "dynamic"`):
/// for a sequence length L above the original length,
///   base' = base * ((factor * L / orig) - (factor - 1))^(rotary_dim / (rotary_dim - 2)),
/// and the default table of base'; for L <= orig (and L = 0) the default table.
/// base' is computed in double in Hugging Face's order, rounded to float32,
/// then the default table is evaluated in its float32 steps.
struct DynamicNtk {
  double factor = 1.0;                                ///< > 0
  std::int64_t original_max_position_embeddings = 0;  ///< > 0
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::DynamicNtk& s, const TableArgs& a, Table& out) {
  if (!check_positive("scaling::DynamicNtk", "factor", s.factor)) return false;
  if (!check_original_length("scaling::DynamicNtk", s.original_max_position_embeddings)) return false;
  if (a.rotary_dim < 4) {
    fail("scaling::DynamicNtk", "rotary_dim", a.rotary_dim, "must be >= 4 (exponent dim/(dim-2))");
    return false;
  }
  const double orig = double(s.original_max_position_embeddings);
  double base = a.base;
  if (a.seq_len > s.original_max_position_embeddings) {
    const double ratio = (s.factor * double(a.seq_len) / orig) - (s.factor - 1.0);
    base = ntk_base(a.base, ratio, a.rotary_dim);
  }
  out.inv_freq = default_inv_freq_f32(base, a.rotary_dim);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_DYNAMIC_NTK_HPP
