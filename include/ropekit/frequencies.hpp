// ropekit: the frequency table of a RopeSpec.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_FREQUENCIES_HPP
#define ROPEKIT_FREQUENCIES_HPP

#include <cmath>
#include <cstdint>
#include <vector>

#include "spec.hpp"

namespace ropekit {

/// A frequency table: inv_freq[i] is the angle (radians) that pair i turns per
/// position, and attention_factor scales cos and sin (YaRN, LongRoPE).
/// rotary_dim = 2 * inv_freq.size().
struct Frequencies {
  std::vector<float> inv_freq;
  float attention_factor = 1.0f;

  /// Number of rotated channels, 2 * inv_freq.size().
  std::int64_t rotary_dim() const { return 2 * std::int64_t(inv_freq.size()); }
};

inline namespace ROPEKIT_ABI_NAMESPACE {

/// Computes the table of `spec` for sequences of length `seq_len` (only the
/// dynamic NTK and LongRoPE methods depend on it; 0 means "not longer than the
/// original context"). Pure and cheap (O(rotary_dim)). Every method mirrors
/// the float32 evaluation of Hugging Face transformers, so inv_freq agrees with
/// it to within 1 ulp; see each struct in ropekit::scaling for its formula.
/// Invalid specs (rotary_dim odd or <= 0, base <= 1, factor <= 0, beta_fast <=
/// beta_slow, factor lists of the wrong length, seq_len < 0, ...) are reported
/// naming the field and value; without exceptions, an empty table is returned
/// after the error handler.
inline Frequencies frequencies(const RopeSpec& spec, std::int64_t seq_len = 0) {
  Frequencies result;
  if (spec.rotary_dim <= 0 || spec.rotary_dim % 2 != 0) {
    detail::fail("ropekit::frequencies", "rotary_dim", spec.rotary_dim, "must be even and > 0");
    return result;
  }
  if (!(spec.base > 1.0) || !std::isfinite(spec.base)) {
    detail::fail("ropekit::frequencies", "base", spec.base, "must be finite and > 1");
    return result;
  }
  if (seq_len < 0) {
    detail::fail("ropekit::frequencies", "seq_len", seq_len, "must be >= 0");
    return result;
  }
  const detail::TableArgs args{spec.rotary_dim, spec.base, seq_len};
  detail::Table table;
  const bool ok =
      std::visit([&](const auto& method) { return detail::compute_table(method, args, table); }, spec.scaling);
  if (ok) {
    result.inv_freq = std::move(table.inv_freq);
    result.attention_factor = table.attention_factor;
  }
  return result;
}

/// Validates a table given by the caller (any source): non-empty, every entry
/// finite and >= 0, attention_factor finite and > 0. Returns false after
/// reporting the first problem.
inline bool validate(const Frequencies& f, const char* function = "ropekit::validate") {
  if (f.inv_freq.empty()) {
    detail::fail(function, "frequencies.inv_freq.size()", 0, "must be > 0");
    return false;
  }
  for (std::size_t i = 0; i < f.inv_freq.size(); ++i) {
    if (!(f.inv_freq[i] >= 0) || !std::isfinite(f.inv_freq[i])) {
      detail::fail(function, ("frequencies.inv_freq[" + std::to_string(i) + "]").c_str(), f.inv_freq[i],
                   "must be finite and >= 0");
      return false;
    }
  }
  if (!(f.attention_factor > 0) || !std::isfinite(f.attention_factor)) {
    detail::fail(function, "frequencies.attention_factor", f.attention_factor, "must be finite and > 0");
    return false;
  }
  return true;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_FREQUENCIES_HPP
