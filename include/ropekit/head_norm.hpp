// ropekit: per-head RMS normalization fused with the rotation.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_HEAD_NORM_HPP
#define ROPEKIT_HEAD_NORM_HPP

#include <cstdint>

namespace ropekit {

/// RMS normalization of every Q and K head before it is rotated (the q_norm
/// and k_norm of Qwen3, Qwen3.5, Gemma 3, OLMo 2...), in the same pass:
///   r = 1 / sqrt(mean over the head of x^2 + eps),
///   y = round(round(x * r) * w'),  w' = weight[i], or 1 + weight[i] (gemma_offset),
/// then RoPE on the rotated slice; the other channels are normalized only.
/// round() is a rounding to the source storage type when round_to_storage
/// (what an unfused pipeline that stores the normalized tensor does, e.g.
/// Hugging Face's Qwen3RMSNorm in bf16: `weight * (x * rsqrt(var + eps)).to(bf16)`),
/// and nothing otherwise (Gemma's norm rounds once, at the end). The weight
/// is given as float, head_dim entries (weight_size must equal head_dim);
/// nullptr with weight_size 0 means all ones.
struct RmsNorm {
  const float* weight = nullptr;
  std::int64_t weight_size = 0;
  double eps = 1e-6;
  bool gemma_offset = false;
  bool round_to_storage = false;
};

}  // namespace ropekit

#endif  // ROPEKIT_HEAD_NORM_HPP
