// ropekit: shared pieces of the frequency-table computations.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_SCALING_COMMON_HPP
#define ROPEKIT_SCALING_COMMON_HPP

#include <cmath>
#include <cstdint>
#include <vector>

#include "../config.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// What every scaling method receives: the validated rotary dimension (even,
/// positive), the base (> 1), and the sequence length the table is for (>= 0).
struct TableArgs {
  std::int64_t rotary_dim;
  double base;
  std::int64_t seq_len;
};

/// The output of one method: rotary_dim / 2 inverse frequencies (radians per
/// position) and the attention factor that scales cos and sin.
struct Table {
  std::vector<float> inv_freq;
  float attention_factor = 1.0f;
};

/// Rounds to float32: each float32 step of the Hugging Face evaluation is
/// written as f32(<double expression of float operands>), which is exact
/// round-to-nearest for +, -, *, / (double holds the exact result of those
/// operations on floats to well beyond the double-rounding limit).
inline float f32(double x) { return static_cast<float>(x); }

/// float32 pow of a float base and exponent, correctly rounded (PyTorch
/// evaluates `base ** t` in float32 with a pow accurate to about 1 ulp).
inline float pow_f32(float base, float exponent) { return f32(std::pow(double(base), double(exponent))); }

/// The exponent 2i/dim of pair i as float32, as
/// `torch.arange(0, dim, 2).float() / dim` computes it.
inline float pair_exponent_f32(std::int64_t i, std::int64_t dim) {
  return f32(double(float(2 * i)) / double(float(dim)));
}

/// base^(2i/dim) in float32, the "pos_freqs" of the Hugging Face code.
inline float pos_freq_f32(double base, std::int64_t i, std::int64_t dim) {
  return pow_f32(f32(base), pair_exponent_f32(i, dim));
}

/// The default RoPE table evaluated as Hugging Face transformers does:
/// inv_freq[i] = fl32(1 / fl32(fl32(base) ^ fl32(2i / dim))).
inline std::vector<float> default_inv_freq_f32(double base, std::int64_t dim) {
  std::vector<float> inv(static_cast<std::size_t>(dim / 2));
  for (std::int64_t i = 0; i < dim / 2; ++i) inv[std::size_t(i)] = f32(1.0 / pos_freq_f32(base, i, dim));
  return inv;
}

/// Checks that a field is finite and > 0, reporting "<method>: <field> = <value> ...".
inline bool check_positive(const char* method, const char* field, double value) {
  if (!(value > 0) || !std::isfinite(value)) {
    fail(method, field, value, "must be finite and > 0");
    return false;
  }
  return true;
}

inline bool check_original_length(const char* method, std::int64_t original) {
  if (original <= 0) {
    fail(method, "original_max_position_embeddings", original, "must be > 0");
    return false;
  }
  return true;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_SCALING_COMMON_HPP
