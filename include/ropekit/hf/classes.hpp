// ropekit: the Hugging Face configuration classes the reader knows.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_HF_CLASSES_HPP
#define ROPEKIT_HF_CLASSES_HPP

#include <cstdint>
#include <string>

#include "../config.hpp"
#include "../views.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace hf_detail {

// Everything below transcribes transformers 5.16.0.dev0 (commit decba1d2ea4e,
// fork zucchini-nlp/transformers): each model's configuration_<model>.py
// (class field defaults, __post_init__, convert_rope_params_to_dict) and
// modeling_<model>.py (rotary embedding class, attention: which layers rotate
// and how channels pair), plus modeling_rope_utils.py for the tables.

/// The decoder families, one per configuration class.
enum class Family {
  llama,
  llama4,
  mistral,
  mixtral,
  ministral3,
  qwen2,
  qwen2_moe,
  qwen2_vl,
  qwen3,
  qwen3_moe,
  qwen3_next,
  qwen3_vl,
  qwen3_5,
  phi,
  phi3,
  gemma,
  gemma2,
  gemma3,
  gemma4,
  gpt_neox,
  gptj,
  falcon,
  stablelm,
  starcoder2,
  cohere,
  cohere2,
  granite,
  olmo2,
  olmo3,
  exaone4,
  smollm3,
  deepseek_v2,
  deepseek_v3,
  glm,
  glm4,
  glm_moe_dsa,
  gpt_oss,
  minimax_m2,
  generic,
};

/// How the class holds `head_dim` after __post_init__.
enum class HeadDimKind {
  absent,      ///< not a field: an attribute only when the file has the key
  field,       ///< a field with a default (possibly None), kept as is
  field_fill,  ///< a field; None is replaced by hidden_size // num_attention_heads
  cohere2,     ///< set to hidden // heads in __post_init__, then the file's key (a kwarg) overrides
  property,    ///< a read-only property hidden // heads (Falcon)
  mla_field,   ///< a field overwritten with qk_rope_head_dim (DeepseekV2, GlmMoeDsa)
  mla_kwarg,   ///< set to qk_rope_head_dim, then the file's key (a kwarg) overrides (DeepseekV3)
};

/// Which convert_rope_params_to_dict the class uses.
enum class Convert {
  mixin,     ///< RotaryEmbeddingConfigMixin (modeling_rope_utils.py)
  qwen_vl,   ///< Qwen2VLTextConfig / Qwen2_5_VLTextConfig: "mrope" becomes "default"
  phi3,      ///< Phi3Config: theta default 10000, partial factor default 1.0, su/yarn -> longrope
  gemma3,    ///< Gemma3TextConfig: rope_scaling only on full_attention, rope_local_base_freq
  olmo3,     ///< Olmo3Config: rope_scaling only on full_attention, rope_theta popped twice
  gpt_neox,  ///< GPTNeoXConfig: rotary_emb_base, rotary_pct
  none,      ///< Gemma4TextConfig: the nested rope_parameters are taken as they are
};

/// One configuration class: its defaults and the facts of its modeling code.
struct ClassInfo {
  Family family;
  const char* text_model_type;  ///< the class's model_type
  const char* source;           ///< models/<dir> in transformers, for messages
  std::int64_t hidden_size;
  std::int64_t num_attention_heads;
  std::int64_t num_hidden_layers;
  std::int64_t max_position_embeddings;
  HeadDimKind head_dim;
  std::int64_t head_dim_default;  ///< -1: None
  double default_theta;
  double partial_rotary_kwarg;  ///< kwargs.setdefault("partial_rotary_factor", x) in __post_init__; < 0: none
  Convert convert;
  bool default_uses_partial;   ///< compute_default_rope_parameters multiplies head_dim by partial_rotary_factor
  bool per_layer_type_tables;  ///< the rotary module holds one table per layer type
  Pairing pairing;
};

/// The table of known decoder classes, by their own model_type.
inline const ClassInfo* class_info(const std::string& model_type) {
  using P = Pairing;
  using H = HeadDimKind;
  using C = Convert;
  static const ClassInfo classes[] = {
      // family, model_type, dir, hidden, heads, layers, max_pos, head_dim kind, default, theta, prf kwarg, convert,
      // default uses prf, per-layer-type tables, pairing
      {Family::llama, "llama", "llama", 4096, 32, 32, 2048, H::field_fill, -1, 1e4, -1, C::mixin, false, false,
       P::neox},
      {Family::llama4, "llama4_text", "llama4", 5120, 40, 48, 131072, H::field_fill, 128, 5e5, -1, C::mixin, false,
       false, P::interleaved},
      {Family::mistral, "mistral", "mistral", 4096, 32, 32, 131072, H::field_fill, -1, 1e4, -1, C::mixin, false, false,
       P::neox},
      {Family::mixtral, "mixtral", "mixtral", 4096, 32, 32, 131072, H::field, -1, 1e6, -1, C::mixin, false, false,
       P::neox},
      {Family::ministral3, "ministral3", "ministral3", 4096, 32, 34, 262144, H::field_fill, 128, 1e4, -1, C::mixin,
       false, false, P::neox},
      {Family::qwen2, "qwen2", "qwen2", 4096, 32, 32, 32768, H::absent, -1, 1e4, -1, C::mixin, false, false, P::neox},
      {Family::qwen2_moe, "qwen2_moe", "qwen2_moe", 2048, 16, 24, 32768, H::absent, -1, 1e4, -1, C::mixin, false, false,
       P::neox},
      {Family::qwen2_vl, "qwen2_vl_text", "qwen2_vl", 8192, 64, 80, 32768, H::absent, -1, 1e6, -1, C::qwen_vl, false,
       false, P::neox},
      {Family::qwen2_vl, "qwen2_5_vl_text", "qwen2_5_vl", 8192, 64, 80, 32768, H::absent, -1, 1e6, -1, C::qwen_vl,
       false, false, P::neox},
      {Family::qwen3, "qwen3", "qwen3", 4096, 32, 32, 32768, H::field, 128, 1e4, -1, C::mixin, false, false, P::neox},
      {Family::qwen3_moe, "qwen3_moe", "qwen3_moe", 2048, 32, 24, 32768, H::absent, -1, 1e4, -1, C::mixin, false, false,
       P::neox},
      {Family::qwen3_next, "qwen3_next", "qwen3_next", 2048, 16, 48, 32768, H::field, 256, 1e4, 0.25, C::mixin, true,
       false, P::neox},
      {Family::qwen3_vl, "qwen3_vl_text", "qwen3_vl", 4096, 32, 32, 128000, H::field, 128, 5e5, -1, C::mixin, false,
       false, P::neox},
      {Family::qwen3_5, "qwen3_5_text", "qwen3_5", 4096, 16, 32, 32768, H::field, 256, 1e4, 0.25, C::mixin, true, false,
       P::neox},
      {Family::phi, "phi", "phi", 2048, 32, 24, 2048, H::absent, -1, 1e4, 0.5, C::mixin, true, false, P::neox},
      {Family::phi3, "phi3", "phi3", 3072, 32, 32, 4096, H::absent, -1, 1e4, -1, C::phi3, true, false, P::neox},
      {Family::gemma, "gemma", "gemma", 3072, 16, 28, 8192, H::field, 256, 1e4, -1, C::mixin, false, false, P::neox},
      {Family::gemma2, "gemma2", "gemma2", 2304, 8, 26, 8192, H::field, 256, 1e4, -1, C::mixin, false, false, P::neox},
      {Family::gemma3, "gemma3_text", "gemma3", 2304, 8, 26, 131072, H::field, 256, 1e6, -1, C::gemma3, false, true,
       P::neox},
      {Family::gemma4, "gemma4_text", "gemma4", 2304, 8, 30, 131072, H::field, 256, 1e4, -1, C::none, false, true,
       P::neox},
      {Family::gpt_neox, "gpt_neox", "gpt_neox", 6144, 64, 44, 2048, H::absent, -1, 1e4, -1, C::gpt_neox, true, false,
       P::neox},
      {Family::gptj, "gptj", "gptj", 4096, 16, 28, 2048, H::absent, -1, 1e4, -1, C::mixin, false, false,
       P::interleaved},
      {Family::falcon, "falcon", "falcon", 4544, 71, 32, 2048, H::property, -1, 1e4, -1, C::mixin, false, false,
       P::neox},
      {Family::stablelm, "stablelm", "stablelm", 2560, 32, 32, 4096, H::absent, -1, 1e4, 0.25, C::mixin, true, false,
       P::neox},
      {Family::starcoder2, "starcoder2", "starcoder2", 3072, 24, 30, 4096, H::absent, -1, 1e4, -1, C::mixin, false,
       false, P::neox},
      {Family::cohere, "cohere", "cohere", 8192, 64, 40, 8192, H::absent, -1, 5e5, -1, C::mixin, false, false,
       P::interleaved},
      {Family::cohere2, "cohere2", "cohere2", 8192, 64, 40, 8192, H::cohere2, -1, 1e4, -1, C::mixin, false, false,
       P::interleaved},
      {Family::granite, "granite", "granite", 4096, 32, 32, 2048, H::absent, -1, 1e4, -1, C::mixin, false, false,
       P::neox},
      {Family::olmo2, "olmo2", "olmo2", 4096, 32, 32, 2048, H::absent, -1, 1e4, -1, C::mixin, false, false, P::neox},
      {Family::olmo3, "olmo3", "olmo3", 4096, 32, 32, 2048, H::absent, -1, 5e5, -1, C::olmo3, false, true, P::neox},
      {Family::exaone4, "exaone4", "exaone4", 4096, 32, 32, 2048, H::absent, -1, 1e4, -1, C::mixin, false, false,
       P::neox},
      {Family::smollm3, "smollm3", "smollm3", 2048, 16, 36, 32768, H::absent, -1, 2e6, -1, C::mixin, false, false,
       P::neox},
      {Family::deepseek_v2, "deepseek_v2", "deepseek_v2", 4096, 32, 32, 2048, H::mla_field, -1, 1e4, -1, C::mixin,
       false, false, P::interleaved},
      {Family::deepseek_v3, "deepseek_v3", "deepseek_v3", 7168, 128, 61, 4096, H::mla_kwarg, -1, 1e4, -1, C::mixin,
       false, false, P::interleaved},
      {Family::glm, "glm", "glm", 4096, 32, 40, 131072, H::field, 128, 1e4, 0.5, C::mixin, true, false, P::interleaved},
      {Family::glm4, "glm4", "glm4", 4096, 32, 40, 131072, H::field, 128, 1e4, 0.5, C::mixin, true, false,
       P::interleaved},
      {Family::glm_moe_dsa, "glm_moe_dsa", "glm_moe_dsa", 6144, 64, 78, 202752, H::mla_field, -1, 1e4, -1, C::mixin,
       false, false, P::interleaved},
      {Family::gpt_oss, "gpt_oss", "gpt_oss", 2880, 64, 36, 131072, H::field_fill, 64, 1.5e5, -1, C::mixin, false,
       false, P::neox},
      {Family::minimax_m2, "minimax_m2", "minimax_m2", 3072, 48, 62, 196608, H::field, 128, 5e6, -1, C::mixin, true,
       false, P::neox},
  };
  for (const ClassInfo& c : classes)
    if (model_type == c.text_model_type) return &c;
  return nullptr;
}

/// The class used for an unknown model_type in the opt-in generic reading:
/// no defaults (the fields must be in the file), mixin standardization, a
/// default table that honours partial_rotary_factor, rotate-half pairing.
inline const ClassInfo& generic_class() {
  static const ClassInfo c{
      Family::generic, "",   "(generic)", -1,           -1, -1, -1, HeadDimKind::absent, -1, 1e4, -1,
      Convert::mixin,  true, false,       Pairing::neox};
  return c;
}

/// How a file's top-level model_type reaches its decoder configuration.
enum class Outer {
  direct,    ///< the file is the decoder config
  text,      ///< `text_config` (a dict, or the class defaults when null / absent)
  qwen_vl,   ///< `text_config`, or (legacy flat files) the text fields at the top level
  mistral3,  ///< `text_config` whose own model_type (default "mistral") names the class
  non_rope,  ///< a model without RoPE (learned, T5, DeBERTa, ALiBi)
};

/// The top-level model types the reader knows: how to reach the decoder
/// config and which class reads it.
struct OuterInfo {
  const char* model_type;
  Outer outer;
  const char* text_model_type;  ///< class for the decoder (empty for mistral3 / non_rope)
};

inline const OuterInfo* outer_info(const std::string& model_type) {
  static const OuterInfo table[] = {
      {"llama4", Outer::text, "llama4_text"},
      {"gemma3", Outer::text, "gemma3_text"},
      {"gemma4", Outer::text, "gemma4_text"},
      {"qwen3_vl", Outer::text, "qwen3_vl_text"},
      {"qwen3_5", Outer::text, "qwen3_5_text"},
      {"qwen2_vl", Outer::qwen_vl, "qwen2_vl_text"},
      {"qwen2_5_vl", Outer::qwen_vl, "qwen2_5_vl_text"},
      {"mistral3", Outer::mistral3, ""},
      {"t5", Outer::non_rope, ""},
      {"deberta-v2", Outer::non_rope, ""},
      {"bert", Outer::non_rope, ""},
      {"gpt2", Outer::non_rope, ""},
      {"bloom", Outer::non_rope, ""},
      {"mpt", Outer::non_rope, ""},
  };
  for (const OuterInfo& o : table)
    if (model_type == o.model_type) return &o;
  return nullptr;
}

/// The list of known model types, for messages.
inline std::string known_model_types() {
  return "llama, llama4, mistral, mixtral, ministral3, mistral3, qwen2, qwen2_moe, qwen2_vl, qwen2_5_vl, qwen3, "
         "qwen3_moe, qwen3_next, qwen3_vl, qwen3_5, phi, phi3, gemma, gemma2, gemma3, gemma4, gpt_neox, gptj, falcon, "
         "stablelm, starcoder2, cohere, cohere2, granite, olmo2, olmo3, exaone4, smollm3, deepseek_v2, deepseek_v3, "
         "glm, glm4, glm_moe_dsa, gpt_oss, minimax_m2, t5, deberta-v2, bert, gpt2, bloom, mpt (and the *_text "
         "sub-config types)";
}

}  // namespace hf_detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_HF_CLASSES_HPP
