// ropekit: LongRoPE per-pair rescaling.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_LONGROPE_HPP
#define ROPEKIT_SCALING_LONGROPE_HPP

#include <optional>

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// LongRoPE (Ding et al. 2024, arXiv:2402.13753; Phi-3 configs; Hugging Face
/// `rope_type: "longrope"`): per-pair divisors, the long list when
/// seq_len > original_max_position_embeddings, else the short list:
///   inv_freq[i] = 1 / (ext[i] * base^(2i / rotary_dim)).
/// attention_factor: `attention_factor` when set; else with s = `factor` when
/// set, otherwise max_position_embeddings / original (when given), otherwise 1:
///   s <= 1: 1;  else sqrt(1 + ln(s) / ln(original)).
/// Float32 order as Hugging Face: fl32(1 / fl32(fl32(ext[i]) * pos_freq[i])).
struct LongRope {
  std::vector<double> short_factor;                   ///< rotary_dim / 2 entries, each > 0
  std::vector<double> long_factor;                    ///< rotary_dim / 2 entries, each > 0
  std::int64_t original_max_position_embeddings = 0;  ///< > 1
  std::int64_t max_position_embeddings = 0;           ///< 0: not given
  std::optional<double> factor;
  std::optional<double> attention_factor;
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool check_factor_list(const char* name, const std::vector<double>& list, std::int64_t pairs) {
  if (std::int64_t(list.size()) != pairs) {
    fail("scaling::LongRope", (std::string(name) + ".size()").c_str(), list.size(),
         ("must equal rotary_dim / 2 = " + std::to_string(pairs)).c_str());
    return false;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!check_positive("scaling::LongRope", (std::string(name) + "[" + std::to_string(i) + "]").c_str(), list[i]))
      return false;
  }
  return true;
}

inline bool compute_table(const scaling::LongRope& s, const TableArgs& a, Table& out) {
  const std::int64_t pairs = a.rotary_dim / 2;
  if (s.original_max_position_embeddings <= 1) {
    fail("scaling::LongRope", "original_max_position_embeddings", s.original_max_position_embeddings, "must be > 1");
    return false;
  }
  if (!check_factor_list("short_factor", s.short_factor, pairs)) return false;
  if (!check_factor_list("long_factor", s.long_factor, pairs)) return false;
  if (s.max_position_embeddings < 0) {
    fail("scaling::LongRope", "max_position_embeddings", s.max_position_embeddings, "must be >= 0");
    return false;
  }
  const double orig = double(s.original_max_position_embeddings);
  double factor = 1.0;
  if (s.factor) {
    factor = *s.factor;
    if (!check_positive("scaling::LongRope", "factor", factor)) return false;
  } else if (s.max_position_embeddings > 0) {
    factor = double(s.max_position_embeddings) / orig;
  }
  double attention;
  if (s.attention_factor) {
    attention = *s.attention_factor;
    if (!check_positive("scaling::LongRope", "attention_factor", attention)) return false;
  } else {
    attention = factor <= 1.0 ? 1.0 : std::sqrt(1.0 + std::log(factor) / std::log(orig));
  }
  const std::vector<double>& ext = a.seq_len > s.original_max_position_embeddings ? s.long_factor : s.short_factor;
  out.inv_freq.resize(std::size_t(pairs));
  for (std::int64_t i = 0; i < pairs; ++i) {
    const float pos = pos_freq_f32(a.base, i, a.rotary_dim);
    out.inv_freq[std::size_t(i)] = f32(1.0 / double(f32(double(f32(ext[std::size_t(i)])) * double(pos))));
  }
  out.attention_factor = f32(attention);
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_LONGROPE_HPP
