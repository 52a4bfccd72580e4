// ropekit: position-dependent scaling of queries.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_QUERY_SCALE_HPP
#define ROPEKIT_QUERY_SCALE_HPP

#include <cmath>
#include <cstdint>

#include "config.hpp"

namespace ropekit {

/// A position-dependent multiplier of the query: the query of the token at
/// position p (0-based) is multiplied by
///   1 + scale * ln(floor((p + offset) / interval) + 1).
/// - Llama 4 NoPE layers with `attn_temperature_tuning` (transformers
///   llama4/modeling_llama4.py, Llama4TextAttention.forward:
///   `log1p(floor((positions + 1) / floor_scale)) * attn_scale + 1`):
///   scale = attn_scale, offset = 1, interval = floor_scale.
/// - Ministral3 / Mistral3 `llama_4_scaling_beta` (ministral3/modeling_ministral3.py,
///   get_llama_4_attn_scale: `1 + beta * log(1 + floor(position_ids /
///   original_max_position_embeddings))`, applied after RoPE on every layer):
///   scale = beta, offset = 0, interval = rope_parameters.original_max_position_embeddings.
/// llama.cpp evaluates the same expression (llama-graph.cpp,
/// llm_graph_input_attn_temp::set_input) with f_attn_temp_scale,
/// f_attn_temp_offset and n_attn_temp_floor_scale.
/// ropekit applies it in the rotation pass (ApplyOptions::query_scale, on the
/// first view of a call, the whole vector) or alone (scale_queries, for
/// layers without RoPE).
struct PositionQueryScale {
  double scale = 0.0;     ///< coefficient of the logarithm
  double offset = 0.0;    ///< added to the position before the division
  double interval = 1.0;  ///< positions per step of the floor (> 0)

  /// The multiplier at `position`, evaluated in double (the reference
  /// evaluates it in float32; the two agree to within 1 float ulp).
  ROPEKIT_ABI_KEYED
  double at(std::int64_t position) const {
    return 1.0 + scale * std::log(std::floor((double(position) + offset) / interval) + 1.0);
  }
};

}  // namespace ropekit

#endif  // ROPEKIT_QUERY_SCALE_HPP
