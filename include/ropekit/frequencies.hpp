// ropekit: the frequency table of a RopeSpec.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_FREQUENCIES_HPP
#define ROPEKIT_FREQUENCIES_HPP

#include <cmath>
#include <cstdint>
#include <string>
#include <variant>
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

namespace detail {
/// The name of a scaling method, for messages.
inline const char* method_name(const Scaling& s) {
  static const char* const names[] = {"scaling::None",       "scaling::Linear",     "scaling::NtkAware",
                                      "scaling::DynamicNtk", "scaling::NtkByParts", "scaling::Yarn",
                                      "scaling::Llama3",     "scaling::LongRope",   "scaling::Proportional"};
  static_assert(sizeof(names) / sizeof(names[0]) == std::variant_size<Scaling>::value, "a name per method");
  return s.valueless_by_exception() ? "scaling (valueless)" : names[s.index()];
}
}  // namespace detail

/// Computes the table of `spec` for sequences of length `seq_len` (only the
/// dynamic NTK and LongRoPE methods depend on it; 0 means "not longer than the
/// original context"). Pure and cheap (O(rotary_dim)). Every method mirrors
/// the float32 evaluation of Hugging Face transformers, so inv_freq agrees with
/// it to within 1 ulp; see each struct in ropekit::scaling for its formula.
///
/// Guarantee: every returned inv_freq entry and the attention factor are
/// finite, normal float32 values > 0 (the one exception: Proportional's pairs
/// that do not rotate are exactly 0), so `apply` accepts every table this
/// returns. A spec that would give anything else is rejected, the message
/// naming the spec field responsible and its value: rotary_dim odd, <= 0 or
/// above max_rotary_dim; base not finite, <= 1, above FLT_MAX or so large
/// that the lowest frequency is not a normal float; seq_len < 0; a scaling
/// struct with required fields unset (see ropekit::Scaling); a field outside
/// its domain or one that drives an entry out of range (e.g. Linear{1e-300}).
/// The results do not depend on the floating-point flags (-ffast-math) of the
/// translation unit. Without exceptions, an empty table is returned after the
/// error handler.
inline Frequencies frequencies(const RopeSpec& spec, std::int64_t seq_len = 0) {
  const char* function = "ropekit::frequencies";
  Frequencies result;
  if (spec.rotary_dim <= 0 || spec.rotary_dim % 2 != 0) {
    detail::fail(function, "rotary_dim", spec.rotary_dim, "must be even and > 0");
    return result;
  }
  if (spec.rotary_dim > max_rotary_dim) {
    detail::fail(function, "rotary_dim", spec.rotary_dim,
                 "must be at most ropekit::max_rotary_dim = " + detail::format_integer(max_rotary_dim));
    return result;
  }
  if (!detail::positive_finite_bits(spec.base) || !(spec.base > 1.0)) {
    detail::fail(function, "base", spec.base, "must be finite and > 1");
    return result;
  }
  if (!(spec.base <= detail::float_max)) {
    detail::fail(function, "base", spec.base,
                 "must be at most the largest float32, 3.4028235e+38 (the table is evaluated in float32)");
    return result;
  }
  // The lowest frequency of the default table (every method starts from it).
  const float lowest = detail::div_f32(1.0f, detail::pos_freq_f32(spec.base, spec.rotary_dim / 2 - 1, spec.rotary_dim));
  if (!detail::positive_normal_bits(lowest)) {
    detail::fail(function, "base", spec.base,
                 "is too large for rotary_dim = " + detail::format_integer(spec.rotary_dim) +
                     ": the lowest frequency base^(-(rotary_dim - 2) / rotary_dim) = " + detail::format_value(lowest) +
                     " is below the smallest normal float32");
    return result;
  }
  if (seq_len < 0) {
    detail::fail(function, "seq_len", seq_len, "must be >= 0");
    return result;
  }
  if (spec.scaling.valueless_by_exception()) {
    detail::fail(function, "scaling", std::string("valueless"), "must hold a method");
    return result;
  }
  const detail::TableArgs args{spec.rotary_dim, spec.base, seq_len};
  detail::Table table;
  const bool ok =
      std::visit([&](const auto& method) { return detail::compute_table(method, args, table); }, spec.scaling);
  if (!ok) return result;
  // Every method checks its own output; this keeps the guarantee whatever a
  // method's checks missed.
  const bool proportional = std::holds_alternative<scaling::Proportional>(spec.scaling);
  for (std::size_t i = 0; i < table.inv_freq.size(); ++i) {
    const float v = table.inv_freq[i];
    if (!detail::positive_normal_bits(v) && !(proportional && v == 0.0f)) {
      detail::fail(function, "scaling", std::string(detail::method_name(spec.scaling)),
                   "gives inv_freq[" + detail::format_integer(i) + "] = " + detail::format_value(v) + " " +
                       detail::frequency_requirement);
      return result;
    }
  }
  if (!detail::positive_normal_bits(table.attention_factor)) {
    detail::fail(function, "scaling", std::string(detail::method_name(spec.scaling)),
                 "gives attention_factor = " + detail::format_value(table.attention_factor) +
                     " (it must be a finite, normal float32 > 0)");
    return result;
  }
  result.inv_freq = std::move(table.inv_freq);
  result.attention_factor = table.attention_factor;
  return result;
}

/// Validates a table given by the caller (any source): non-empty, every entry
/// finite and >= 0, attention_factor finite and > 0. Returns false after
/// reporting the first problem. Decided on the bits, so NaN is rejected under
/// -ffinite-math-only too.
inline bool validate(const Frequencies& f, const char* function = "ropekit::validate") {
  if (f.inv_freq.empty()) {
    detail::fail(function, "frequencies.inv_freq.size()", 0, "must be > 0");
    return false;
  }
  for (std::size_t i = 0; i < f.inv_freq.size(); ++i) {
    const float v = f.inv_freq[i];
    if (!detail::is_finite(v) || detail::negative_bits(v)) {
      detail::fail(function, "frequencies.inv_freq[" + detail::format_integer(i) + "]", v, "must be finite and >= 0");
      return false;
    }
  }
  if (!detail::positive_finite_bits(f.attention_factor)) {
    detail::fail(function, "frequencies.attention_factor", f.attention_factor, "must be finite and > 0");
    return false;
  }
  return true;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_FREQUENCIES_HPP
