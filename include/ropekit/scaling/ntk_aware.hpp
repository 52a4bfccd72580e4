// ropekit: NTK-aware scaling with a fixed alpha.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_NTK_AWARE_HPP
#define ROPEKIT_SCALING_NTK_AWARE_HPP

#include "common.hpp"

namespace ropekit {
namespace scaling {

/// NTK-aware scaling (bloc97, 2023; YaRN paper arXiv:2309.00071 section 3.1):
/// the base is enlarged so the lowest frequency is interpolated by alpha while
/// the highest is kept:
///   base' = base * alpha^(rotary_dim / (rotary_dim - 2)),
///   inv_freq[i] = base'^(-2i / rotary_dim),  attention_factor = 1.
/// base' is computed in double and rounded to float32, then the default table
/// is evaluated in Hugging Face's float32 steps (as its dynamic method does).
/// rotary_dim >= 4; base' must satisfy what frequencies() requires of a base
/// (> 1, at most FLT_MAX, a normal lowest frequency).
///
/// Defaults: `alpha` differs between models and has none; a
/// default-constructed NtkAware is rejected by frequencies() with a message
/// naming it. Example: `NtkAware{8.0}`.
struct NtkAware {
  double alpha = 0.0;  ///< required: finite, > 0; 1 gives the default table (0: not set)
};

}  // namespace scaling

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
/// base * ratio^(dim / (dim - 2)) in double, the NTK base adjustment, in
/// Hugging Face's order of operations.
inline double ntk_base(double base, double ratio, std::int64_t dim) {
  return mul_f64(base, pow_f64(ratio, div_f64(double(dim), double(dim - 2))));
}

inline bool check_ntk_dim(const char* method, std::int64_t dim) {
  if (dim < 4) {
    fail(method, "rotary_dim", dim, "must be >= 4 (the exponent is rotary_dim / (rotary_dim - 2))");
    return false;
  }
  return true;
}

inline bool compute_table(const scaling::NtkAware& s, const TableArgs& a, Table& out) {
  const char* method = "scaling::NtkAware";
  Unset unset;
  unset.add(is_zero_bits(s.alpha), "alpha", s.alpha);
  if (!unset.check(method)) return false;
  if (!check_positive(method, "alpha", s.alpha)) return false;
  if (!check_ntk_dim(method, a.rotary_dim)) return false;
  const double base = ntk_base(a.base, s.alpha, a.rotary_dim);
  if (!check_adjusted_base(method, "alpha", s.alpha, "", base, a.rotary_dim)) return false;
  out.inv_freq = default_inv_freq_f32(base, a.rotary_dim);
  out.attention_factor = 1.0f;
  return true;
}
}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_NTK_AWARE_HPP
