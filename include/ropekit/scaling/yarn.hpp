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
/// double and rounded once; frequencies in Hugging Face's float32 order. Both
/// get_mscale values must be > 0 and the attention factor a normal float32.
///
/// Defaults: `factor` and `original_max_position_embeddings` differ between
/// models and have none (a default-constructed Yarn is rejected by
/// frequencies() with a message naming them); the other fields default to
/// what Hugging Face uses when a config omits them. Example (Qwen2.5's
/// documented YaRN setting): `Yarn{4.0, 32768}`.
struct Yarn {
  double factor = 0.0;                                    ///< required: finite, > 0, a normal float32 (0: not set)
  std::int64_t original_max_position_embeddings = 0;      ///< required: > 0 (0: not set)
  double beta_fast = 32.0;                                ///< > beta_slow
  double beta_slow = 1.0;                                 ///< finite, > 0
  std::optional<double> mscale = std::nullopt;            ///< finite when set
  std::optional<double> mscale_all_dim = std::nullopt;    ///< finite when set
  std::optional<double> attention_factor = std::nullopt;  ///< when set: finite, > 0, a normal float32
  bool truncate = true;                                   ///< floor/ceil the correction range
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// YaRN's magnitude correction 0.1 * m * ln(s) + 1 (1 for s <= 1), in the
/// order of the Hugging Face code.
inline double yarn_get_mscale(double scale, double m) {
  return scale <= 1.0 ? 1.0 : add_f64(mul_f64(mul_f64(0.1, m), log_f64(scale)), 1.0);
}

inline bool compute_table(const scaling::Yarn& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::Yarn";
  std::vector<float> inv;
  if (!by_parts_table(method, s.factor, s.original_max_position_embeddings, s.beta_fast, s.beta_slow, s.truncate, a,
                      inv))
    return false;
  if (s.mscale && !is_finite(*s.mscale)) return fail(method, "mscale", *s.mscale, "must be finite"), false;
  if (s.mscale_all_dim && !is_finite(*s.mscale_all_dim))
    return fail(method, "mscale_all_dim", *s.mscale_all_dim, "must be finite"), false;
  float attention;
  if (s.attention_factor) {
    if (!check_factor(method, "attention_factor", *s.attention_factor)) return false;
    attention = f32(*s.attention_factor);
  } else if (s.mscale && s.mscale_all_dim && !is_zero_bits(*s.mscale) && !is_zero_bits(*s.mscale_all_dim)) {
    const double numerator = yarn_get_mscale(s.factor, *s.mscale);
    const double denominator = yarn_get_mscale(s.factor, *s.mscale_all_dim);
    const bool bad_denominator = !(denominator > 0);
    if (bad_denominator || !(numerator > 0)) {
      const double m = bad_denominator ? *s.mscale_all_dim : *s.mscale;
      fail(method, bad_denominator ? "mscale_all_dim" : "mscale", m,
           "gives get_mscale(factor, m) = 0.1 * m * ln(factor) + 1 = " +
               format_value(bad_denominator ? denominator : numerator) + " at factor = " + format_value(s.factor) +
               "; it must be > 0");
      return false;
    }
    attention = f32(div_f64(numerator, denominator));
    if (!check_attention(method, "mscale, mscale_all_dim",
                         format_value(*s.mscale) + ", " + format_value(*s.mscale_all_dim), attention))
      return false;
  } else {
    attention = f32(yarn_get_mscale(s.factor, 1.0));
    if (!check_attention(method, "factor", s.factor, attention)) return false;
  }
  out.inv_freq = std::move(inv);
  out.attention_factor = attention;
  return true;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_YARN_HPP
