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
/// Both lists are checked whatever seq_len is: every entry must give a
/// positive normal float32 frequency.
///
/// Defaults: the two lists and original_max_position_embeddings differ
/// between models and have none (a default-constructed LongRope is rejected
/// by frequencies() with a message naming them); the optional fields are
/// unset, as when a config omits them.
struct LongRope {
  std::vector<double> short_factor;                       ///< required: rotary_dim / 2 entries, each finite, > 0
  std::vector<double> long_factor;                        ///< required: rotary_dim / 2 entries, each finite, > 0
  std::int64_t original_max_position_embeddings = 0;      ///< required: > 1 (0: not set)
  std::int64_t max_position_embeddings = 0;               ///< >= 0; 0: not given
  std::optional<double> factor = std::nullopt;            ///< when set: finite, > 0
  std::optional<double> attention_factor = std::nullopt;  ///< when set: finite, > 0, a normal float32
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// Checks one factor list and computes the table it gives (both lists are
/// checked whatever seq_len selects).
inline bool longrope_table(const char* name, const std::vector<double>& list, const TableArgs& a,
                           std::vector<float>& inv) {
  const char* method = "scaling::LongRope";
  const std::int64_t pairs = a.rotary_dim / 2;
  if (std::int64_t(list.size()) != pairs) {
    fail(method, std::string(name) + ".size()", list.size(), "must equal rotary_dim / 2 = " + format_integer(pairs));
    return false;
  }
  inv.resize(std::size_t(pairs));
  for (std::int64_t i = 0; i < pairs; ++i) {
    const std::string field = std::string(name) + "[" + format_integer(i) + "]";
    const double ext = list[std::size_t(i)];
    if (!check_factor(method, field.c_str(), ext)) return false;
    const float value = div_f32(1.0f, mul_f32(f32(ext), pos_freq_f32(a.base, i, a.rotary_dim)));
    if (!positive_normal_bits(value)) {
      fail(method, field, ext,
           "is out of range for this table: it makes inv_freq[" + format_integer(i) + "] = " + format_value(value) +
               " " + frequency_requirement);
      return false;
    }
    inv[std::size_t(i)] = value;
  }
  return true;
}

inline bool compute_table(const scaling::LongRope& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::LongRope";
  Unset unset;
  unset.add(s.short_factor.empty(), "short_factor", std::string("empty"));
  unset.add(s.long_factor.empty(), "long_factor", std::string("empty"));
  unset.add(s.original_max_position_embeddings == 0, "original_max_position_embeddings",
            s.original_max_position_embeddings);
  if (!unset.check(method)) return false;
  if (s.original_max_position_embeddings <= 1) {
    fail(method, "original_max_position_embeddings", s.original_max_position_embeddings,
         "must be > 1 (the attention factor divides by its logarithm)");
    return false;
  }
  if (s.max_position_embeddings < 0) {
    fail(method, "max_position_embeddings", s.max_position_embeddings, "must be >= 0 (0: not given)");
    return false;
  }
  std::vector<float> short_table, long_table;
  if (!longrope_table("short_factor", s.short_factor, a, short_table)) return false;
  if (!longrope_table("long_factor", s.long_factor, a, long_table)) return false;
  const double orig = double(s.original_max_position_embeddings);
  double factor = 1.0;
  if (s.factor) {
    if (!check_positive(method, "factor", *s.factor)) return false;
    factor = *s.factor;
  } else if (s.max_position_embeddings > 0) {
    factor = div_f64(double(s.max_position_embeddings), orig);
  }
  float attention;
  if (s.attention_factor) {
    if (!check_factor(method, "attention_factor", *s.attention_factor)) return false;
    attention = f32(*s.attention_factor);
  } else {
    // sqrt(1 + ln(s) / ln(orig)) is in [1, 32.1] for finite s > 1 and orig >= 2.
    attention = factor <= 1.0 ? 1.0f : f32(sqrt_f64(add_f64(1.0, div_f64(log_f64(factor), log_f64(orig)))));
    if (!check_attention(method, "factor", factor, attention)) return false;
  }
  out.inv_freq = a.seq_len > s.original_max_position_embeddings ? std::move(long_table) : std::move(short_table);
  out.attention_factor = attention;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_LONGROPE_HPP
