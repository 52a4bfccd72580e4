// ropekit: proportional (partial) RoPE with the exponent over the full dim.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_PROPORTIONAL_HPP
#define ROPEKIT_SCALING_PROPORTIONAL_HPP

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// Proportional RoPE (Gemma's partial rotary): the exponent runs over the full
/// rotary_dim, only the first k = int(partial_rotary_factor * rotary_dim / 2)
/// pairs rotate and the rest have frequency 0 (they pass through unchanged):
///   inv_freq[i] = base^(-2i / rotary_dim) / factor  for i < k,  0 otherwise,
///   attention_factor = 1.
/// Float32 order: fl32(default_inv_freq[i] / fl32(factor)).
struct Proportional {
  double partial_rotary_factor = 1.0;  ///< in (0, 1]
  double factor = 1.0;                 ///< > 0
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::Proportional& s, const TableArgs& a, Table& out) {
  if (!(s.partial_rotary_factor > 0) || !(s.partial_rotary_factor <= 1)) {
    fail("scaling::Proportional", "partial_rotary_factor", s.partial_rotary_factor, "must be in (0, 1]");
    return false;
  }
  if (!check_positive("scaling::Proportional", "factor", s.factor)) return false;
  const auto rotating = std::int64_t(s.partial_rotary_factor * double(a.rotary_dim) / 2.0);
  out.inv_freq = default_inv_freq_f32(a.base, a.rotary_dim);
  for (std::int64_t i = 0; i < a.rotary_dim / 2; ++i) {
    float& v = out.inv_freq[std::size_t(i)];
    v = i < rotating ? f32(double(v) / double(f32(s.factor))) : 0.0f;
  }
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_PROPORTIONAL_HPP
