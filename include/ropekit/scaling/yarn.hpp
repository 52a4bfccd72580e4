// ropekit: YaRN (NTK-by-parts frequencies plus attention scaling).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_YARN_HPP
#define ROPEKIT_SCALING_YARN_HPP

#include <optional>

#include "ntk_by_parts.hpp"

namespace ropekit {
namespace scaling {

/// YaRN (Peng et al. 2023, arXiv:2309.00071; Hugging Face `rope_type: "yarn"`).
/// Frequencies: the NTK-by-parts blend (see NtkByParts), with the correction
/// range floored/ceiled only when `truncate` (gpt-oss sets it false).
/// Attention factor, first that applies:
///   - `attention_factor` when set;
///   - get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim) when
///     both mscale and mscale_all_dim are set and non-zero (DeepSeek-V2/V3);
///   - get_mscale(factor, 1) = 0.1 ln(factor) + 1,
/// where get_mscale(s, m) = 1 for s <= 1, else 0.1 m ln(s) + 1. Computed in
/// double and rounded once; frequencies in Hugging Face's float32 order.
struct Yarn {
  double factor = 1.0;                                ///< > 0
  std::int64_t original_max_position_embeddings = 0;  ///< > 0
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  std::optional<double> attention_factor;
  bool truncate = true;
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// YaRN's magnitude correction 0.1 * m * ln(s) + 1 (1 for s <= 1).
inline double yarn_get_mscale(double scale, double m) { return scale <= 1.0 ? 1.0 : 0.1 * m * std::log(scale) + 1.0; }

inline bool compute_table(const scaling::Yarn& s, const TableArgs& a, Table& out) {
  if (!by_parts_table("scaling::Yarn", s.factor, s.original_max_position_embeddings, s.beta_fast, s.beta_slow,
                      s.truncate, a, out.inv_freq))
    return false;
  double attention;
  if (s.attention_factor) {
    attention = *s.attention_factor;
    if (!check_positive("scaling::Yarn", "attention_factor", attention)) return false;
  } else if (s.mscale && s.mscale_all_dim && *s.mscale != 0 && *s.mscale_all_dim != 0) {
    attention = yarn_get_mscale(s.factor, *s.mscale) / yarn_get_mscale(s.factor, *s.mscale_all_dim);
  } else {
    attention = yarn_get_mscale(s.factor, 1.0);
  }
  out.attention_factor = f32(attention);
  return true;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_YARN_HPP
