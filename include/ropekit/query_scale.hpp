// ropekit: position-dependent scaling of queries.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_QUERY_SCALE_HPP
#define ROPEKIT_QUERY_SCALE_HPP

namespace ropekit {

/// The query of the token at position p is multiplied by
///   1 + scale * ln(floor((p + offset) / interval) + 1).
/// Llama 4's attention temperature tuning on its layers without RoPE: scale =
/// attn_scale, offset = 1, interval = floor_scale (transformers,
/// models/llama4/modeling_llama4.py, Llama4TextAttention.forward); Mistral 3's
/// llama_4_scaling: scale = llama_4_scaling_beta, offset = 0, interval =
/// original_max_position_embeddings (models/ministral3, get_llama_4_attn_scale).
/// Pass it in ApplyOptions::query_scale (with RoPE) or to scale_queries
/// (layers without RoPE).
struct PositionQueryScale {
  double scale = 0.0;
  double offset = 0.0;
  double interval = 1.0;
};

}  // namespace ropekit

#endif  // ROPEKIT_QUERY_SCALE_HPP
