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
/// Float32 order: fl32(default_inv_freq[i] / fl32(factor)). k must be >= 1.
/// This is the one method whose table has zeros (exactly the pairs i >= k);
/// every other entry is a positive normal float32.
///
/// Defaults: partial_rotary_factor differs between models and has none (a
/// default-constructed Proportional is rejected by frequencies() with a
/// message naming it); factor defaults to 1 (no interpolation). Example:
/// `Proportional{0.25}`.
struct Proportional {
  double partial_rotary_factor = 0.0;  ///< required: in (0, 1], rotating at least one pair (0: not set)
  double factor = 1.0;                 ///< finite, > 0, a normal float32
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool compute_table(const scaling::Proportional& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::Proportional";
  Unset unset;
  unset.add(is_zero_bits(s.partial_rotary_factor), "partial_rotary_factor", s.partial_rotary_factor);
  if (!unset.check(method)) return false;
  if (!positive_finite_bits(s.partial_rotary_factor) || !(s.partial_rotary_factor <= 1.0)) {
    fail(method, "partial_rotary_factor", s.partial_rotary_factor, "must be in (0, 1]");
    return false;
  }
  if (!check_factor(method, "factor", s.factor)) return false;
  const auto rotating = std::int64_t(div_f64(mul_f64(s.partial_rotary_factor, double(a.rotary_dim)), 2.0));
  if (rotating < 1) {
    fail(method, "partial_rotary_factor", s.partial_rotary_factor,
         "rotates no pair at rotary_dim = " + format_integer(a.rotary_dim) +
             " (int(partial_rotary_factor * rotary_dim / 2) = 0); it must be >= 2 / rotary_dim");
    return false;
  }
  const float factor = f32(s.factor);
  std::vector<float> inv = default_inv_freq_f32(a.base, a.rotary_dim);
  for (std::int64_t i = 0; i < a.rotary_dim / 2; ++i) {
    float& v = inv[std::size_t(i)];
    v = i < rotating ? div_f32(v, factor) : 0.0f;
  }
  if (!check_table(method, "factor", s.factor, inv, std::size_t(rotating))) return false;
  out.inv_freq = std::move(inv);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_PROPORTIONAL_HPP
