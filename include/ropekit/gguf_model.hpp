// ropekit: llama.cpp's RoPE semantics for GGUF metadata (part of <ropekit/gguf.hpp>).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_GGUF_MODEL_HPP
#define ROPEKIT_GGUF_MODEL_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gguf.hpp"
#include "model.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace gguf_detail {

/// llama_model_rope_type (llama.cpp src/llama-model.cpp) by architecture
/// name (LLM_ARCH_NAMES in src/llama-arch.cpp), and the position scheme of the
/// architectures without RoPE.
enum class RopeKind {
  none,        ///< LLAMA_ROPE_TYPE_NONE and no scheme ropekit maps
  learned,     ///< NONE: learned absolute positions (gpt2)
  alibi,       ///< NONE: ALiBi (bloom, mpt, jina-bert-v2)
  t5,          ///< NONE: T5 relative buckets (t5, t5encoder)
  norm,        ///< LLAMA_ROPE_TYPE_NORM: adjacent pairs
  neox,        ///< LLAMA_ROPE_TYPE_NEOX: pairs offset by n_rot / 2
  mrope,       ///< LLAMA_ROPE_TYPE_MROPE (neox pairs, sectioned streams)
  imrope,      ///< LLAMA_ROPE_TYPE_IMROPE (neox pairs, interleaved streams)
  norm_mrope,  ///< glm4: MROPE when dimension_sections are set, else NORM
  neox_mrope,  ///< glm4moe: MROPE when dimension_sections are set, else NEOX
};

inline RopeKind arch_rope_kind(const std::string& a, bool& known) {
  known = true;
  static const char* const none[] = {
      "clip",  "gptj",   "refact",           "mamba",      "mamba2",         "jamba", "rwkv6", "rwkv6qwen2",
      "rwkv7", "arwkv7", "wavtokenizer-dec", "nemotron_h", "nemotron_h_moe", "jais"};
  static const char* const norm[] = {
      "llama",   "llada",     "llama4",     "deci",          "baichuan",  "starcoder", "internlm2",  "minicpm",
      "xverse",  "command-r", "cohere2",    "olmo",          "arctic",    "deepseek",  "deepseek2",  "plm",
      "chatglm", "granite",   "granitemoe", "granitehybrid", "chameleon", "solar",     "bailingmoe", "neo-bert",
      "smollm3", "arcee",     "ernie4_5",   "ernie4_5-moe",  "mistral3"};
  static const char* const neox[] = {
      "falcon",     "falcon-h1",      "grok",       "dbrx",        "bert",           "jina-bert-v3",
      "nomic-bert", "nomic-bert-moe", "stablelm",   "bitnet",      "qwen",           "qwen2",
      "dream",      "qwen2moe",       "qwen3",      "qwen3moe",    "llada-moe",      "rnd1",
      "olmo2",      "olmoe",          "phi2",       "phi3",        "phimoe",         "plamo",
      "plamo2",     "gemma",          "gemma2",     "gemma3",      "gemma3n",        "gemma-embedding",
      "starcoder2", "openelm",        "gptneox",    "codeshell",   "orion",          "nemotron",
      "exaone",     "exaone4",        "minicpm3",   "bailingmoe2", "dots1",          "hunyuan-moe",
      "gpt-oss",    "hunyuan-dense",  "lfm2",       "lfm2moe",     "smallthinker",   "seed_oss",
      "grovemoe",   "apertus",        "minimax-m2", "cogvlm",      "pangu-embedded", "afmoe",
      "qwen3next"};
  for (const char* n : none)
    if (a == n) return RopeKind::none;
  for (const char* n : norm)
    if (a == n) return RopeKind::norm;
  for (const char* n : neox)
    if (a == n) return RopeKind::neox;
  if (a == "gpt2") return RopeKind::learned;
  if (a == "bloom" || a == "mpt" || a == "jina-bert-v2") return RopeKind::alibi;
  if (a == "t5" || a == "t5encoder") return RopeKind::t5;
  if (a == "qwen2vl") return RopeKind::mrope;
  if (a == "qwen3vl" || a == "qwen3vlmoe") return RopeKind::imrope;
  if (a == "glm4") return RopeKind::norm_mrope;
  if (a == "glm4moe") return RopeKind::neox_mrope;
  known = false;
  return RopeKind::none;
}

/// Reads and checks the metadata the mapping needs, reporting errors that
/// name the key and the value.
struct Mapper {
  const GgufMetadata& meta;
  std::string arch;
  bool failed = false;

  bool fail(const std::string& key, const std::string& value, const std::string& requirement) {
    if (!failed) {
      failed = true;
      detail::fail(meta.source.c_str(), ("key \"" + key + "\"").c_str(), value, requirement.c_str());
    }
    return false;
  }
  std::string k(const char* suffix) const { return arch + "." + suffix; }
  std::string shown(const std::string& key) const {
    const GgufEntry* e = gguf::find(meta, key);
    if (!e) return "(missing)";
    if (auto n = gguf::get_number(meta, key)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.9g", *n);
      return buf;
    }
    if (auto s = gguf::get_string(meta, key)) return "\"" + s->substr(0, 60) + "\"";
    return std::string("(") + type_name(std::uint32_t(e->type)) + ")";
  }

  /// An integer key in [lo, hi]; `def` when absent (required when def < 0).
  bool integer(const std::string& key, std::int64_t def, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
    const GgufEntry* e = gguf::find(meta, key);
    if (!e) {
      if (def < 0) return fail(key, "(missing)", "is required");
      out = def;
      return true;
    }
    const auto v = gguf::get_integer(meta, key);
    if (!v) return fail(key, shown(key), "must be an integer");
    if (*v < lo || *v > hi)
      return fail(key, shown(key), "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = *v;
    return true;
  }
  /// Like integer, but also accepts a per-layer array (get_key_or_arr):
  /// `out` gets element 0, `per_layer` every element.
  bool integer_or_array(const std::string& key, std::int64_t def, std::int64_t lo, std::int64_t hi, std::int64_t layers,
                        std::int64_t& out, std::vector<std::int64_t>* per_layer = nullptr) {
    const GgufEntry* e = gguf::find(meta, key);
    if (e && e->type == GgufType::array) {
      if (std::int64_t(e->count) != layers)
        return fail(key, "array of " + std::to_string(e->count),
                    "must have block_count = " + std::to_string(layers) + " entries");
      for (std::int64_t i = 0; i < layers; ++i) {
        const auto v = gguf::array_number(meta, key, std::uint64_t(i));
        if (!v || std::floor(*v) != *v || *v < double(lo) || *v > double(hi))
          return fail(key + "[" + std::to_string(i) + "]", v ? std::to_string(*v) : "(not a number)",
                      "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        if (per_layer) per_layer->push_back(std::int64_t(*v));
        if (i == 0) out = std::int64_t(*v);
      }
      return true;
    }
    if (!integer(key, def, lo, hi, out)) return false;
    if (per_layer) per_layer->assign(std::size_t(layers), out);
    return true;
  }
  /// A finite number key; `def` when absent.
  bool number(const std::string& key, double def, double& out) {
    const GgufEntry* e = gguf::find(meta, key);
    if (!e) {
      out = def;
      return true;
    }
    const auto v = gguf::get_number(meta, key);
    if (!v) return fail(key, shown(key), "must be a number");
    if (!detail::is_finite(*v)) return fail(key, shown(key), "must be finite");
    out = *v;
    return true;
  }
};

/// get_mscale of llama_context (src/llama-context.cpp): 1 for scale <= 1,
/// else 0.1 * mscale * ln(scale) + 1.
inline double llama_mscale(double scale, double mscale) {
  return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

}  // namespace gguf_detail

namespace gguf {

/// Maps GGUF metadata to the per-layer plan llama.cpp runs for a context of
/// `n_ctx` tokens (0: the model's `{arch}.context_length`), following
/// llama.cpp (src/llama-model.cpp load_hparams / llama_model_rope_type,
/// src/llama-context.cpp, ggml-cpu/ops.cpp rope_yarn and the model graphs):
///
/// - pairing from the architecture's rope type: NORM -> Pairing::interleaved,
///   NEOX -> Pairing::neox, MROPE / IMROPE -> neox pairs with sectioned /
///   interleaved streams from `{arch}.rope.dimension_sections` (T, H, W);
/// - `rope.dimension_count` (default head dim = `attention.key_length` or
///   embedding_length / head_count) and `rope.freq_base` (default 10000); SWA
///   layers use `rope.dimension_count_swa` / `rope.freq_base_swa` when present
///   (Gemma 3: base 10000 and no scaling on its sliding layers);
/// - `rope.scaling.type` (none / linear / yarn / longrope; "linear" when absent)
///   with `rope.scaling.factor` (or the old `rope.scale_linear`), giving
///   freq_scale = 1 / factor; YaRN with `original_context_length` (default
///   context_length), `yarn_beta_fast` / `yarn_beta_slow` (32 / 1) and
///   `yarn_ext_factor` (1 for yarn, 0 otherwise; ropekit represents 0 and 1);
/// - the per-pair divisors of a `rope_freqs.weight` tensor (Llama 3.1 style
///   scaling baked at conversion) and Phi-3's `rope_factors_long/short.weight`,
///   long when n_ctx > original_context_length (llama_model::get_rope_factors,
///   chosen once for the context, not per call): expressed as a LongRope
///   spec whose short and long lists are both that divisor list;
/// - the attention factor: llama.cpp scales cos/sin by
///   mscale = yarn_attn_factor * (ext_factor != 0 ? 1 + 0.1 ln(1 / freq_scale) : 1),
///   where llama_context sets yarn_attn_factor = get_mscale(f, m) /
///   get_mscale(f, yarn_log_multiplier) / (1 + 0.1 ln f) (or get_mscale(f, 1) /
///   (1 + 0.1 ln f) without a log multiplier) times `rope.scaling.attn_factor`.
///   The (1 + 0.1 ln f) terms cancel, so ropekit's attention factor is
///   attn_factor x (get_mscale(f, m) / get_mscale(f, log_mul) or get_mscale(f, 1))
///   for YaRN and attn_factor x `yarn_attn_factor` (default 1) otherwise;
/// - which layers rotate (llama4 every 4th layer NoPE, smollm3 likewise,
///   cohere2 only sliding layers, exaone4 sliding layers or all without SWA,
///   qwen3next only attention layers), SWA layer patterns
///   (`attention.sliding_window_pattern`, else the architecture's default),
///   DeepSeek-V2 MLA (rope slice at the end of the key head, softmax scale
///   multiplied by mscale^2 with yarn_log_multiplier / 0.1) and the query
///   temperature of llama4 NoPE layers and `attention.temperature_scale`.
///
/// llama.cpp computes its frequencies by repeated float32 multiplication
/// (theta *= theta_scale); ropekit's tables are the exact values, so the two
/// differ by a few float ulps. Errors (through ropekit::detail::fail) name the
/// file and the key; the result is then an empty plan.
inline ModelRope model_rope(const GgufMetadata& meta, std::int64_t n_ctx = 0) {
  gguf_detail::Mapper m{meta, "", false};
  ModelRope plan;
  using gguf_detail::RopeKind;
  if (meta.empty()) {
    detail::fail(meta.source.c_str(), "metadata", std::string("(empty)"), "has no content (reading the file failed)");
    return ModelRope{};
  }
  const auto arch = get_string(meta, "general.architecture");
  if (!arch) {
    m.fail("general.architecture", m.shown("general.architecture"), "is required and must be a string");
    return ModelRope{};
  }
  m.arch = *arch;
  bool known = false;
  const RopeKind kind = gguf_detail::arch_rope_kind(*arch, known);
  if (!known) {
    m.fail("general.architecture", "\"" + arch->substr(0, 60) + "\"",
           "is not an architecture llama_model_rope_type lists");
    return ModelRope{};
  }
  const std::int64_t kMax = std::int64_t(1) << 40;
  std::int64_t n_ctx_train = 0, n_embd = 0, n_layer = 0;
  if (!m.integer(m.k("context_length"), -1, 1, kMax, n_ctx_train) ||
      !m.integer(m.k("embedding_length"), -1, 1, std::int64_t(1) << 24, n_embd) ||
      !m.integer(m.k("block_count"), -1, 1, 4096, n_layer))
    return ModelRope{};
  if (n_ctx < 0) {
    detail::fail(meta.source.c_str(), "n_ctx", n_ctx, "must be >= 0");
    return ModelRope{};
  }
  if (n_ctx == 0) n_ctx = n_ctx_train;
  plan.model_type = *arch;
  plan.text_model_type = *arch;
  plan.source = ModelSource::gguf;
  plan.num_layers = n_layer;
  plan.max_position_embeddings = n_ctx_train;
  std::int64_t n_head = 0;
  std::vector<std::int64_t> heads;
  if (!m.integer_or_array(m.k("attention.head_count"), 0, 0, 1 << 16, n_layer, n_head, &heads)) return ModelRope{};

  auto no_rope_layers = [&](std::int64_t head_dim) {
    plan.head_dim = head_dim;
    plan.layers.resize(std::size_t(n_layer));
    for (LayerRope& L : plan.layers) {
      L.uses_rope = false;
      L.spec.rotary_dim = 0;
      L.head_dim = head_dim;
      L.rope_type = "none";
    }
  };
  if (kind == RopeKind::none) {
    m.fail("general.architecture", "\"" + *arch + "\"",
           "has no RoPE in llama.cpp (llama_model_rope_type NONE) and no position scheme ropekit maps");
    return ModelRope{};
  }
  if (kind == RopeKind::learned || kind == RopeKind::alibi || kind == RopeKind::t5) {
    if (n_head <= 0) {
      m.fail(m.k("attention.head_count"), m.shown(m.k("attention.head_count")), "must be > 0");
      return ModelRope{};
    }
    if (kind == RopeKind::learned) {
      plan.encoding = positions::LearnedAbsolute{n_ctx_train, n_embd};
    } else if (kind == RopeKind::alibi) {
      // ggml_soft_max_ext with max_bias: slopes m0^(h+1) / m1^(2(h-n)+1), Press et al.
      double max_bias = 8.0;
      if (!m.number(m.k("attention.max_alibi_bias"), 8.0, max_bias)) return ModelRope{};
      plan.encoding = positions::Alibi{n_head, AlibiStyle::press, max_bias};
    } else {
      // llama_relative_position_bucket: max_distance 128.
      std::int64_t buckets = 32;
      if (!m.integer(m.k("attention.relative_buckets_count"), 32, 4, 1 << 20, buckets)) return ModelRope{};
      std::int64_t dec = n_layer;
      if (!m.integer(m.k("decoder_block_count"), n_layer, 0, 4096, dec)) return ModelRope{};
      plan.encoding = positions::T5Buckets{buckets, 128, n_layer, dec};
    }
    no_rope_layers(n_embd / n_head);
    return plan;
  }

  // ---- RoPE hyper-parameters (load_hparams).
  if (n_head <= 0) {
    m.fail(m.k("attention.head_count"), m.shown(m.k("attention.head_count")), "must be > 0 for a RoPE model");
    return ModelRope{};
  }
  std::int64_t head_k = n_embd / n_head, n_rot = 0, n_rot_swa = 0, head_k_swa = 0;
  if (!m.integer(m.k("attention.key_length"), head_k, 1, 1 << 16, head_k)) return ModelRope{};
  if (!m.integer(m.k("attention.key_length_swa"), head_k, 1, 1 << 16, head_k_swa)) return ModelRope{};
  if (!m.integer(m.k("rope.dimension_count"), head_k, 0, 1 << 16, n_rot)) return ModelRope{};
  if (!m.integer(m.k("rope.dimension_count_swa"), n_rot, 0, 1 << 16, n_rot_swa)) return ModelRope{};
  if ((*arch == "llama" || *arch == "deci" || *arch == "falcon") && n_rot != head_k) {
    m.fail(m.k("rope.dimension_count"), std::to_string(n_rot),
           "must equal the head dim " + std::to_string(head_k) + " for " + *arch + " (load_hparams: invalid n_rot)");
    return ModelRope{};
  }
  double base = 10000.0, factor = 0.0, attn_factor = 1.0;
  if (!m.number(m.k("rope.freq_base"), 10000.0, base)) return ModelRope{};
  std::string scaling = "linear";
  if (const GgufEntry* e = find(meta, m.k("rope.scaling.type"))) {
    const auto s = get_string(meta, m.k("rope.scaling.type"));
    if (!s) {
      m.fail(m.k("rope.scaling.type"), m.shown(e->key), "must be a string");
      return ModelRope{};
    }
    scaling = *s;
  }
  if (scaling != "none" && scaling != "linear" && scaling != "yarn" && scaling != "longrope") {
    m.fail(m.k("rope.scaling.type"), "\"" + scaling.substr(0, 40) + "\"", "must be none, linear, yarn or longrope");
    return ModelRope{};
  }
  if (find(meta, m.k("rope.scaling.factor"))) {
    if (!m.number(m.k("rope.scaling.factor"), 0.0, factor)) return ModelRope{};
  } else if (!m.number(m.k("rope.scale_linear"), 0.0, factor)) {
    return ModelRope{};
  }
  if (factor < 0.0) {
    m.fail(m.k("rope.scaling.factor"), std::to_string(factor), "must be >= 0 (0: no scaling)");
    return ModelRope{};
  }
  if (!m.number(m.k("rope.scaling.attn_factor"), 1.0, attn_factor)) return ModelRope{};
  std::int64_t n_ctx_orig = n_ctx_train;
  if (!m.integer(m.k("rope.scaling.original_context_length"), n_ctx_train, 0, kMax, n_ctx_orig)) return ModelRope{};
  if (n_ctx_orig == 0) n_ctx_orig = n_ctx_train;
  double ext_factor = -1.0, yarn_attn = 1.0, beta_fast = 32.0, beta_slow = 1.0, log_mul = 0.0;
  if (!m.number(m.k("rope.scaling.yarn_ext_factor"), -1.0, ext_factor) ||
      !m.number(m.k("rope.scaling.yarn_attn_factor"), 1.0, yarn_attn) ||
      !m.number(m.k("rope.scaling.yarn_beta_fast"), 32.0, beta_fast) ||
      !m.number(m.k("rope.scaling.yarn_beta_slow"), 1.0, beta_slow) ||
      !m.number(m.k("rope.scaling.yarn_log_multiplier"), 0.0, log_mul))
    return ModelRope{};
  if (*arch == "deepseek2") log_mul /= 0.1;  // [TAG_DEEPSEEK2_YARN_LOG_MUL_FIX]

  // ---- Context parameters (llama_context constructor).
  if (scaling == "none") factor = 0.0;
  const double freq_scale = factor == 0.0 ? 1.0 : 1.0 / factor;
  if (ext_factor < 0.0) ext_factor = scaling == "yarn" ? 1.0 : 0.0;
  if (ext_factor != 0.0 && ext_factor != 1.0) {
    m.fail(m.k("rope.scaling.yarn_ext_factor"), std::to_string(ext_factor),
           "must be 0 or 1: ropekit's YaRN blends fully (a partial ext_factor mixes the ramp)");
    return ModelRope{};
  }
  double attention = attn_factor * yarn_attn;
  if (ext_factor != 0.0) {
    const double f = 1.0 / freq_scale;
    double mscale = 1.0;
    if (log_mul != 0.0 && *arch == "deepseek2" && log_mul != 1.0) mscale = log_mul;
    attention =
        attn_factor * (log_mul != 0.0 ? gguf_detail::llama_mscale(f, mscale) / gguf_detail::llama_mscale(f, log_mul)
                                      : gguf_detail::llama_mscale(f, 1.0));
  }

  // ---- SWA layers.
  std::vector<bool> swa(std::size_t(n_layer), false);
  auto pattern = [&](std::int64_t n) {
    for (std::int64_t il = 0; il < n_layer; ++il) swa[std::size_t(il)] = n == 0 || (il % n < n - 1);
  };
  std::int64_t n_swa = 0;
  if (!m.integer(m.k("attention.sliding_window"), 0, 0, kMax, n_swa)) return ModelRope{};
  const bool has_sw = find(meta, m.k("attention.sliding_window")) != nullptr;
  double base_swa = base, scale_swa = freq_scale;
  bool swa_on = false;
  bool llama4_chunked = false;
  if (*arch == "llama4") {
    llama4_chunked = !(has_sw && n_swa == 0);
    if (llama4_chunked) pattern(4), swa_on = true;
  } else if (*arch == "gemma2" || *arch == "gpt-oss") {
    pattern(2), swa_on = true;
  } else if (*arch == "gemma3") {
    if (has_sw && n_swa > 0) pattern(6), swa_on = true, base_swa = 10000.0, scale_swa = 1.0;
  } else if (*arch == "cohere2") {
    pattern(4), swa_on = true;
  } else if (*arch == "exaone4") {
    if (n_layer == 64) pattern(4), swa_on = true;
  }
  const std::string pkey = m.k("attention.sliding_window_pattern");
  if (const GgufEntry* e = find(meta, pkey)) {
    if (e->type == GgufType::array) {
      if (std::int64_t(e->count) != n_layer) {
        m.fail(pkey, "array of " + std::to_string(e->count), "must have block_count entries");
        return ModelRope{};
      }
      for (std::int64_t il = 0; il < n_layer; ++il) {
        const auto v = array_number(meta, pkey, std::uint64_t(il));
        if (!v) {
          m.fail(pkey, "(not numeric)", "must be an array of booleans");
          return ModelRope{};
        }
        swa[std::size_t(il)] = *v != 0.0;
      }
    } else {
      std::int64_t period = 0;
      if (!m.integer(pkey, 0, 0, 4096, period)) return ModelRope{};
      pattern(period);
    }
    swa_on = true;
  }
  if (!swa_on) swa.assign(std::size_t(n_layer), false);
  if (find(meta, m.k("rope.freq_base_swa")) && !m.number(m.k("rope.freq_base_swa"), base, base_swa)) return ModelRope{};

  // ---- Per-pair divisors (llama_model::get_rope_factors).
  const std::vector<float>* factors = rope_tensor(meta, "rope_freqs.weight");
  std::string factors_name = "rope_freqs";
  if (!factors) {
    const bool long_ctx = n_ctx > n_ctx_orig;
    factors = rope_tensor(meta, long_ctx ? "rope_factors_long.weight" : "rope_factors_short.weight");
    factors_name = long_ctx ? "rope_factors_long" : "rope_factors_short";
  }

  // ---- Tables.
  auto table = [&](std::int64_t dim, double b, double fs, RopeSpec& spec, std::string& type) -> bool {
    if (dim <= 0 || dim % 2 != 0)
      return m.fail(m.k("rope.dimension_count"), std::to_string(dim), "must be even and > 0");
    if (!(b > 1.0)) return m.fail(m.k("rope.freq_base"), std::to_string(b), "must be > 1");
    spec.rotary_dim = dim;
    spec.base = b;
    if (factors) {
      if (std::int64_t(factors->size()) != dim / 2)
        return m.fail(factors_name + ".weight", std::to_string(factors->size()) + " elements",
                      "must have rope.dimension_count / 2 = " + std::to_string(dim / 2));
      for (std::size_t i = 0; i < factors->size(); ++i)
        if (!((*factors)[i] > 0.0f) || !detail::is_finite((*factors)[i]))
          return m.fail(factors_name + ".weight[" + std::to_string(i) + "]", std::to_string((*factors)[i]),
                        "must be finite and > 0");
      if (fs != 1.0 || ext_factor != 0.0)
        return m.fail(m.k("rope.scaling.factor"), std::to_string(1.0 / fs),
                      "cannot be combined with per-pair rope factors in ropekit (llama.cpp would apply both)");
      if (n_ctx_orig <= 1)
        return m.fail(m.k("rope.scaling.original_context_length"), std::to_string(n_ctx_orig), "must be > 1");
      scaling::LongRope lr;
      lr.short_factor.assign(factors->begin(), factors->end());
      lr.long_factor = lr.short_factor;
      lr.original_max_position_embeddings = n_ctx_orig;
      lr.max_position_embeddings = n_ctx_train;
      lr.attention_factor = attention;
      spec.scaling = lr;
      type = factors_name;
      return true;
    }
    if (ext_factor != 0.0 && fs != 1.0) {
      scaling::Yarn y;
      y.factor = 1.0 / fs;
      y.original_max_position_embeddings = n_ctx_orig;
      y.beta_fast = beta_fast;
      y.beta_slow = beta_slow;
      y.attention_factor = attention;
      y.truncate = true;  // ggml_rope_yarn_corr_dims floors / ceils
      if (!(beta_slow > 0.0) || !(beta_fast > beta_slow))
        return m.fail(m.k("rope.scaling.yarn_beta_fast"), std::to_string(beta_fast),
                      "must be > yarn_beta_slow = " + std::to_string(beta_slow) + " > 0");
      spec.scaling = y;
      type = "yarn";
      return true;
    }
    if (attention != 1.0) {
      if (fs != 1.0)
        return m.fail(m.k("rope.scaling.attn_factor"), std::to_string(attention),
                      "must be 1 with linear scaling (ropekit's linear method has no attention factor)");
      // No scaling but an attention factor: LongRoPE with all divisors 1
      // gives the default table times that factor.
      if (n_ctx_orig <= 1)
        return m.fail(m.k("rope.scaling.original_context_length"), std::to_string(n_ctx_orig), "must be > 1");
      scaling::LongRope lr;
      lr.short_factor.assign(std::size_t(dim / 2), 1.0);
      lr.long_factor = lr.short_factor;
      lr.original_max_position_embeddings = n_ctx_orig;
      lr.attention_factor = attention;
      spec.scaling = lr;
      type = scaling;
      return true;
    }
    if (fs != 1.0) {
      spec.scaling = scaling::Linear{1.0 / fs};
      type = "linear";
      return true;
    }
    spec.scaling = scaling::None{};
    type = scaling == "linear" ? "none" : scaling;
    return true;
  };
  RopeSpec full_spec, swa_spec;
  std::string full_type, swa_type;
  if (!table(n_rot, base, freq_scale, full_spec, full_type)) return ModelRope{};
  if (!table(n_rot_swa, base_swa, scale_swa, swa_spec, swa_type)) return ModelRope{};

  // Bound the plan's size: every layer holds its table's lists.
  if (std::max(detail::list_entries(full_spec), detail::list_entries(swa_spec)) * n_layer >
      detail::max_plan_list_entries) {
    m.fail(m.k("block_count"), std::to_string(n_layer),
           "x the factor lists per layer exceeds ropekit's limit of " + std::to_string(detail::max_plan_list_entries) +
               " entries for one plan");
    return ModelRope{};
  }

  // Last check: ropekit computes both tables.
  for (const RopeSpec* spec : {&full_spec, &swa_spec}) {
    std::string message;
    if (!detail::table_computes(*spec, 0, message)) {
      if (message.empty()) return ModelRope{};  // already reported through the handler
      m.fail(factors ? factors_name + ".weight" : m.k("rope.scaling"),
             "(" + std::string(scaling_name(spec->scaling)) + " table)", "is rejected by ropekit: " + message);
      return ModelRope{};
    }
  }

  // ---- Pairing and M-RoPE.
  Pairing pairing = Pairing::neox;
  MropeLayout mrope = MropeLayout::none;
  std::vector<std::int64_t> sections;
  const std::string skey = m.k("rope.dimension_sections");
  bool has_sections = false;
  if (const GgufEntry* e = find(meta, skey)) {
    if (e->type != GgufType::array || e->count != 4) {
      m.fail(skey, m.shown(skey), "must be an array of 4 integers (T, H, W, E)");
      return ModelRope{};
    }
    for (std::uint64_t i = 0; i < 4; ++i) {
      const auto v = array_number(meta, skey, i);
      if (!v || *v < 0 || *v > 65536 || std::floor(*v) != *v) {
        m.fail(skey + "[" + std::to_string(i) + "]", v ? std::to_string(*v) : "(not a number)",
               "must be an integer in [0, 65536]");
        return ModelRope{};
      }
      sections.push_back(std::int64_t(*v));
    }
    has_sections = sections[0] > 0 && sections[1] > 0;  // llama_hparams::use_mrope
  }
  switch (kind) {
    case RopeKind::norm:
      pairing = Pairing::interleaved;
      break;
    case RopeKind::mrope:
    case RopeKind::imrope:
      if (!find(meta, skey)) {
        m.fail(skey, "(missing)", "is required for " + *arch + " (M-RoPE)");
        return ModelRope{};
      }
      mrope = kind == RopeKind::mrope ? MropeLayout::sectioned : MropeLayout::interleaved;
      break;
    case RopeKind::norm_mrope:
      if (has_sections)
        mrope = MropeLayout::sectioned;
      else
        pairing = Pairing::interleaved;
      break;
    case RopeKind::neox_mrope:
      if (has_sections) mrope = MropeLayout::sectioned;
      break;
    default:
      break;
  }
  if (mrope != MropeLayout::none)
    sections.resize(3);
  else
    sections.clear();

  // ---- DeepSeek-V2 MLA: the rope part is the last n_rot channels of the key head.
  std::int64_t head_dim = head_k, offset = 0;
  double softmax = 1.0;
  if (*arch == "deepseek2") {
    std::int64_t k_mla = 0, v_mla = 0;
    if (!m.integer(m.k("attention.key_length_mla"), 0, 0, 1 << 16, k_mla) ||
        !m.integer(m.k("attention.value_length_mla"), 0, 0, 1 << 16, v_mla))
      return ModelRope{};
    if (k_mla != 0 && v_mla != 0) head_dim = k_mla;
    if (n_rot > head_dim) {
      m.fail(m.k("rope.dimension_count"), std::to_string(n_rot),
             "must be <= the key head dim " + std::to_string(head_dim));
      return ModelRope{};
    }
    offset = head_dim - n_rot;
    // llm_build_deepseek2: kq_scale = mscale^2 / sqrt(head_dim) with
    // mscale = attn_factor_org * (1 + 0.1 * yarn_log_multiplier * ln(1 / freq_scale)).
    if (ext_factor != 0.0) {
      const double ms = attention * (1.0 + 0.1 * log_mul * std::log(1.0 / freq_scale));
      softmax = ms * ms;
    }
  }

  // ---- Query temperature.
  std::optional<PositionQueryScale> all_layers_scale, nope_scale;
  if (*arch == "llama4" && llama4_chunked) nope_scale = PositionQueryScale{0.1, 1.0, 8192.0};
  if (*arch == "mistral3" || *arch == "deepseek2") {
    double t = 0.0;
    if (!m.number(m.k("attention.temperature_scale"), 0.0, t)) return ModelRope{};
    if (t != 0.0) {
      std::int64_t len = n_ctx_orig;
      if (*arch == "deepseek2" && !m.integer(m.k("attention.temperature_length"), 0, 0, kMax, len)) return ModelRope{};
      if (len <= 0) {
        m.fail(m.k("attention.temperature_length"), std::to_string(len), "must be > 0 with temperature_scale");
        return ModelRope{};
      }
      all_layers_scale = PositionQueryScale{t, 0.0, double(len)};
    }
  }

  // ---- Layers.
  plan.head_dim = head_dim;
  plan.layers.resize(std::size_t(n_layer));
  for (std::int64_t il = 0; il < n_layer; ++il) {
    LayerRope& L = plan.layers[std::size_t(il)];
    const bool is_swa = swa[std::size_t(il)];
    L.spec = is_swa ? swa_spec : full_spec;
    L.rope_type = is_swa ? swa_type : full_type;
    L.pairing = pairing;
    L.head_dim = is_swa ? head_k_swa : head_dim;
    L.rotary_offset = offset;
    L.mrope = mrope;
    L.mrope_section = sections;
    L.softmax_scale_multiplier = softmax;
    L.query_scale = all_layers_scale;
    L.layer_type =
        swa_on ? (is_swa ? (*arch == "llama4" ? "chunked_attention" : "sliding_attention") : "full_attention") : "";
    if (*arch == "llama4") {
      // llm_build_llama_iswa: use_rope = n_no_rope_layer_step > 0 && (il + 1) % step != 0,
      // step 4, or n_layer when attention.sliding_window is present and 0.
      const std::int64_t step = llama4_chunked ? 4 : n_layer;
      L.uses_rope = (il + 1) % step != 0;
      if (!L.uses_rope) L.query_scale = nope_scale;
    } else if (*arch == "smollm3") {
      L.uses_rope = (il + 1) % 4 != 0;
    } else if (*arch == "cohere2") {
      L.uses_rope = is_swa;
    } else if (*arch == "exaone4") {
      L.uses_rope = is_swa || !swa_on;
    } else if (*arch == "qwen3next") {
      L.uses_rope = (il + 1) % 4 == 0;  // the other layers are recurrent (gated delta net)
      if (!L.uses_rope) L.layer_type = "linear_attention";
    }
    if (L.uses_rope && L.rotary_offset + L.spec.rotary_dim > L.head_dim) {
      m.fail(m.k("rope.dimension_count"), std::to_string(L.spec.rotary_dim),
             "exceeds the head dim " + std::to_string(L.head_dim) + " of layer " + std::to_string(il));
      return ModelRope{};
    }
    if (L.uses_rope && mrope == MropeLayout::sectioned &&
        L.mrope_section[0] + L.mrope_section[1] + L.mrope_section[2] > L.spec.rotary_dim / 2) {
      m.fail(skey, m.shown(skey), "must not exceed rope.dimension_count / 2 pairs");
      return ModelRope{};
    }
  }
  if (m.failed) return ModelRope{};
  return plan;
}

}  // namespace gguf
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_GGUF_MODEL_HPP
