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
/// then the default table is evaluated in its float32 steps. rotary_dim >= 4;
/// base' must satisfy what frequencies() requires of a base (else the error
/// names factor and seq_len).
///
/// Defaults: both fields differ between models and have none; a
/// default-constructed DynamicNtk is rejected by frequencies() with a message
/// naming them. Example: `DynamicNtk{2.0, 4096}`.
struct DynamicNtk {
  double factor = 0.0;                                ///< required: finite, > 0 (0: not set)
  std::int64_t original_max_position_embeddings = 0;  ///< required: > 0 (0: not set)
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::DynamicNtk& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::DynamicNtk";
  Unset unset;
  unset.add(is_zero_bits(s.factor), "factor", s.factor);
  unset.add(s.original_max_position_embeddings == 0, "original_max_position_embeddings",
            s.original_max_position_embeddings);
  if (!unset.check(method)) return false;
  if (!check_positive(method, "factor", s.factor)) return false;
  if (!check_original_length(method, s.original_max_position_embeddings)) return false;
  if (!check_ntk_dim(method, a.rotary_dim)) return false;
  double base = a.base;
  if (a.seq_len > s.original_max_position_embeddings) {
    // (factor * L / orig) - (factor - 1), as Hugging Face writes it.
    const double scaled = div_f64(mul_f64(s.factor, double(a.seq_len)), double(s.original_max_position_embeddings));
    const double ratio = sub_f64(scaled, sub_f64(s.factor, 1.0));
    base = ntk_base(a.base, ratio, a.rotary_dim);
    if (!check_adjusted_base(method, "factor", s.factor, "at seq_len = " + format_integer(a.seq_len), base,
                             a.rotary_dim))
      return false;
  }
  out.inv_freq = default_inv_freq_f32(base, a.rotary_dim);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_DYNAMIC_NTK_HPP
