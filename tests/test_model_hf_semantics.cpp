// Hugging Face config semantics on configs the corpus does not hold: each
// expectation is a fact of transformers 5.16.0.dev0's configuration_*.py /
// modeling_*.py / modeling_rope_utils.py (cited per test), checked on small
// hand-written config.json texts; and the errors for bad files.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <ropekit/hf/config.hpp>

namespace {

ropekit::ModelRope parse(const std::string& json, bool generic = false) {
  ropekit::HfConfigOptions o;
  o.generic = generic;
  return ropekit::hf::parse_config(json, o, "test.json");
}

std::string error_of(const std::string& json) {
  try {
    const auto plan = parse(json);
    ADD_FAILURE() << "no error for " << json;
    return "";
  } catch (const ropekit::error& e) {
    return e.what();
  }
}

template <class S>
const S& scaling_of(const ropekit::LayerRope& L) {
  const S* s = std::get_if<S>(&L.spec.scaling);
  if (!s) throw std::runtime_error(std::string("unexpected scaling ") + ropekit::scaling_name(L.spec.scaling));
  return *s;
}

// modeling_rope_utils.py standardize_rope_params: rope_type from the legacy `type`.
TEST(HfSemantics, LegacyTypeBecomesRopeType) {
  const auto p = parse(R"({"model_type":"llama","hidden_size":512,"num_attention_heads":8,"num_hidden_layers":2,
                          "rope_scaling":{"type":"linear","factor":4.0}})");
  ASSERT_EQ(p.layers.size(), 2u);
  EXPECT_EQ(p.layers[0].rope_type, "linear");
  EXPECT_EQ(scaling_of<ropekit::scaling::Linear>(p.layers[0]).factor, 4.0);
  EXPECT_EQ(p.layers[0].spec.rotary_dim, 64);
  EXPECT_EQ(p.layers[0].spec.base, 10000.0);  // RotaryEmbeddingConfigMixin.default_theta
}

// _compute_yarn_parameters: factor None -> max_position_embeddings / original;
// a top-level original_max_position_embeddings (an attribute by then) overrides the dict's.
TEST(HfSemantics, YarnFactorFromContextAndTopLevelOriginal) {
  const auto p = parse(R"({"model_type":"qwen2","hidden_size":1024,"num_attention_heads":8,"num_hidden_layers":1,
      "max_position_embeddings":65536,"original_max_position_embeddings":8192,
      "rope_scaling":{"rope_type":"yarn","factor":null,"original_max_position_embeddings":4096}})");
  const auto& y = scaling_of<ropekit::scaling::Yarn>(p.layers[0]);
  EXPECT_EQ(y.original_max_position_embeddings, 8192);
  EXPECT_EQ(y.factor, 65536.0 / 8192.0);
  EXPECT_TRUE(y.truncate);
  EXPECT_EQ(y.beta_fast, 32.0);
  EXPECT_EQ(y.beta_slow, 1.0);
  // attention factor 0.1 ln(8) + 1.
  EXPECT_EQ(ropekit::frequencies(p.layers[0].spec).attention_factor, float(0.1 * std::log(8.0) + 1.0));
  // beta_fast 0 / beta_slow 0 fall back (`get("beta_fast") or 32`); truncate false is kept.
  const auto q = parse(R"({"model_type":"qwen2","hidden_size":1024,"num_attention_heads":8,"num_hidden_layers":1,
      "rope_scaling":{"rope_type":"yarn","factor":2.0,"beta_fast":0,"beta_slow":0,"truncate":false}})");
  const auto& y2 = scaling_of<ropekit::scaling::Yarn>(q.layers[0]);
  EXPECT_EQ(y2.beta_fast, 32.0);
  EXPECT_EQ(y2.beta_slow, 1.0);
  EXPECT_FALSE(y2.truncate);
  EXPECT_EQ(y2.original_max_position_embeddings, 32768);  // setdefault to max_position_embeddings (Qwen2Config)
}

// llama3 without original_max_position_embeddings: setdefault to max_position_embeddings.
TEST(HfSemantics, Llama3OriginalDefaultsToContext) {
  const auto p = parse(R"({"model_type":"llama","hidden_size":4096,"num_attention_heads":32,"num_hidden_layers":1,
      "max_position_embeddings":8192,"rope_theta":500000,
      "rope_scaling":{"rope_type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4}})");
  const auto& l = scaling_of<ropekit::scaling::Llama3>(p.layers[0]);
  EXPECT_EQ(l.original_max_position_embeddings, 8192);
  EXPECT_EQ(p.layers[0].spec.base, 500000.0);
}

// Class default rope_theta when the file has none.
TEST(HfSemantics, ClassDefaultTheta) {
  EXPECT_EQ(parse(R"({"model_type":"mixtral","num_hidden_layers":1})").layers[0].spec.base, 1e6);
  EXPECT_EQ(parse(R"({"model_type":"cohere","num_hidden_layers":1})").layers[0].spec.base, 5e5);
  EXPECT_EQ(parse(R"({"model_type":"smollm3","num_hidden_layers":4})").layers[0].spec.base, 2e6);
  EXPECT_EQ(parse(R"({"model_type":"minimax_m2","num_hidden_layers":1})").layers[0].spec.base, 5e6);
  EXPECT_EQ(parse(R"({"model_type":"qwen3_vl","text_config":{"num_hidden_layers":1}})").layers[0].spec.base, 5e5);
}

// GptOssConfig / Ministral3Config install a YaRN dict when none is given.
TEST(HfSemantics, DefaultYarnDicts) {
  const auto g = parse(R"({"model_type":"gpt_oss","num_hidden_layers":2})");
  const auto& y = scaling_of<ropekit::scaling::Yarn>(g.layers[0]);
  EXPECT_EQ(y.factor, 32.0);
  EXPECT_EQ(y.original_max_position_embeddings, 4096);
  EXPECT_FALSE(y.truncate);
  EXPECT_EQ(g.layers[0].spec.base, 150000.0);
  EXPECT_EQ(g.layers[0].layer_type, "sliding_attention");
  EXPECT_EQ(g.layers[1].layer_type, "full_attention");

  const auto m = parse(R"({"model_type":"ministral3","num_hidden_layers":2})");
  const auto& ym = scaling_of<ropekit::scaling::Yarn>(m.layers[0]);
  EXPECT_EQ(ym.factor, 16.0);
  EXPECT_EQ(ym.original_max_position_embeddings, 16384);
  EXPECT_EQ(m.layers[0].spec.base, 1e6);
  // get_llama_4_attn_scale on every layer: 1 + 0.1 ln(1 + floor(p / 16384)).
  ASSERT_TRUE(m.layers[1].query_scale.has_value());
  EXPECT_EQ(m.layers[1].query_scale->at(16383), 1.0);
  EXPECT_NEAR(m.layers[1].query_scale->at(16384), 1.0 + 0.1 * std::log(2.0), 1e-15);
  // DeepSeek-style mscale 1/1: attention factor 1.
  EXPECT_EQ(ropekit::frequencies(m.layers[0].spec).attention_factor, 1.0f);
}

// partial_rotary_factor: class kwargs defaults (phi 0.5, stablelm 0.25, glm 0.5),
// GPT-NeoX's rotary_pct / rotary_emb_base, and the file's value.
TEST(HfSemantics, PartialRotaryDefaults) {
  EXPECT_EQ(parse(R"({"model_type":"phi","hidden_size":2560,"num_attention_heads":32,"num_hidden_layers":1})")
                .layers[0]
                .spec.rotary_dim,
            40);
  EXPECT_EQ(parse(R"({"model_type":"stablelm","num_hidden_layers":1})").layers[0].spec.rotary_dim, 20);
  const auto glm = parse(R"({"model_type":"glm","num_hidden_layers":1})");
  EXPECT_EQ(glm.layers[0].spec.rotary_dim, 64);
  EXPECT_EQ(glm.layers[0].pairing, ropekit::Pairing::interleaved);  // rotate_half on x[..., 0::2], x[..., 1::2]
  const auto neox = parse(R"({"model_type":"gpt_neox","hidden_size":2048,"num_attention_heads":16,
      "num_hidden_layers":1,"rotary_pct":0.5,"rotary_emb_base":20000})");
  EXPECT_EQ(neox.layers[0].spec.rotary_dim, 64);
  EXPECT_EQ(neox.layers[0].spec.base, 20000.0);
  EXPECT_EQ(parse(R"({"model_type":"gpt_neox","num_hidden_layers":1})").layers[0].spec.rotary_dim, 24);
  // llama ignores partial_rotary_factor in its default table (compute_default_rope_parameters).
  EXPECT_EQ(
      parse(R"({"model_type":"llama","num_hidden_layers":1,"partial_rotary_factor":0.5})").layers[0].spec.rotary_dim,
      128);
}

// head_dim: a file value wins (Mistral NeMo), MixtralConfig keeps None and
// then dynamic/yarn/longrope fail, Qwen2Config has no head_dim attribute.
TEST(HfSemantics, HeadDimDerivation) {
  const auto nemo = parse(R"({"model_type":"mistral","hidden_size":5120,"num_attention_heads":32,
      "num_hidden_layers":1,"head_dim":128})");
  EXPECT_EQ(nemo.layers[0].spec.rotary_dim, 128);
  EXPECT_EQ(nemo.head_dim, 128);
  const std::string e = error_of(R"({"model_type":"mixtral","num_hidden_layers":1,
      "rope_scaling":{"type":"dynamic","factor":2.0}})");
  EXPECT_NE(e.find("test.json: head_dim = null"), std::string::npos) << e;
  const auto q =
      parse(R"({"model_type":"qwen2","num_hidden_layers":1,"rope_scaling":{"type":"dynamic","factor":2.0}})");
  const auto& dyn = scaling_of<ropekit::scaling::DynamicNtk>(q.layers[0]);
  EXPECT_EQ(dyn.original_max_position_embeddings, 32768);  // config.max_position_embeddings
  EXPECT_EQ(ropekit::frequencies(q.layers[0].spec, 32768).inv_freq,
            ropekit::frequencies(ropekit::RopeSpec{128, 10000.0, {}}).inv_freq);
  EXPECT_NE(ropekit::frequencies(q.layers[0].spec, 65536).inv_freq, ropekit::frequencies(q.layers[0].spec).inv_freq);
}

// DeepSeek: rotary on the qk_rope_head_dim slice after qk_nope_head_dim,
// rope_interleave, yarn_apply_mscale.
TEST(HfSemantics, DeepSeekMla) {
  const auto v3 = parse(R"({"model_type":"deepseek_v3","num_hidden_layers":2,"rope_interleave":false,
      "qk_rope_head_dim":32,"qk_nope_head_dim":96})");
  EXPECT_EQ(v3.layers[0].pairing, ropekit::Pairing::neox);
  EXPECT_EQ(v3.layers[0].rotary_offset, 96);
  EXPECT_EQ(v3.layers[0].spec.rotary_dim, 32);
  EXPECT_EQ(v3.layers[0].head_dim, 128);
  EXPECT_EQ(v3.layers[0].softmax_scale_multiplier, 1.0);  // default RoPE: no mscale
  const auto v2 = parse(R"({"model_type":"deepseek_v2","num_hidden_layers":1,"max_position_embeddings":163840,
      "rope_scaling":{"type":"yarn","factor":40,"original_max_position_embeddings":4096,
                      "mscale":0.707,"mscale_all_dim":0.707}})");
  EXPECT_EQ(v2.layers[0].pairing, ropekit::Pairing::interleaved);
  const double ms = 0.1 * 0.707 * std::log(40.0) + 1.0;
  EXPECT_NEAR(v2.layers[0].softmax_scale_multiplier, ms * ms, 1e-15);
  EXPECT_EQ(ropekit::frequencies(v2.layers[0].spec).attention_factor, 1.0f);
}

// Which layers rotate: Cohere 2 (sliding only, none without sliding_window),
// EXAONE 4 (all without sliding_window), SmolLM3 and Llama 4 (every 4th NoPE).
TEST(HfSemantics, NoPeLayers) {
  const auto c2 = parse(R"({"model_type":"cohere2","num_hidden_layers":8})");
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(c2.layers[i].uses_rope, (i + 1) % 4 != 0) << i;
  EXPECT_EQ(c2.layers[0].pairing, ropekit::Pairing::interleaved);
  const auto c2n = parse(R"({"model_type":"cohere2","num_hidden_layers":4,"sliding_window":null})");
  for (const auto& L : c2n.layers) EXPECT_FALSE(L.uses_rope);
  const auto ex = parse(R"({"model_type":"exaone4","num_hidden_layers":2,"sliding_window":null,
      "layer_types":["sliding_attention","full_attention"]})");
  EXPECT_TRUE(ex.layers[0].uses_rope);
  EXPECT_TRUE(ex.layers[1].uses_rope);
  const auto sm = parse(R"({"model_type":"smollm3","num_hidden_layers":8})");
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(sm.layers[i].uses_rope, (i + 1) % 4 != 0) << i;
  const auto l4 = parse(R"({"model_type":"llama4_text","num_hidden_layers":4,"no_rope_layers":[0,1,1,1],
      "attn_temperature_tuning":false})");
  EXPECT_FALSE(l4.layers[0].uses_rope);
  EXPECT_FALSE(l4.layers[0].query_scale.has_value());
  EXPECT_EQ(l4.layers[0].layer_type, "full_attention");
  EXPECT_EQ(l4.layers[1].layer_type, "chunked_attention");
}

// Gemma 3: rope_scaling only on full_attention, rope_local_base_freq on sliding.
TEST(HfSemantics, Gemma3PerLayerTypeTables) {
  const auto g = parse(R"({"model_type":"gemma3","text_config":{"num_hidden_layers":6,"rope_theta":1000000,
      "rope_local_base_freq":10000,"rope_scaling":{"rope_type":"linear","factor":8.0}}})");
  ASSERT_EQ(g.layers.size(), 6u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(g.layers[i].layer_type, "sliding_attention");
    EXPECT_EQ(g.layers[i].spec.base, 10000.0);
    EXPECT_EQ(g.layers[i].rope_type, "default");
  }
  EXPECT_EQ(g.layers[5].layer_type, "full_attention");
  EXPECT_EQ(g.layers[5].spec.base, 1e6);
  EXPECT_EQ(scaling_of<ropekit::scaling::Linear>(g.layers[5]).factor, 8.0);
  EXPECT_EQ(g.text_model_type, "gemma3_text");
}

// Olmo3Config pops rope_theta twice: sliding layers always get 500000.
TEST(HfSemantics, Olmo3SlidingTheta) {
  const auto o = parse(R"({"model_type":"olmo3","num_hidden_layers":4,"rope_theta":123456})");
  EXPECT_EQ(o.layers[0].spec.base, 500000.0);
  EXPECT_EQ(o.layers[3].layer_type, "full_attention");
  EXPECT_EQ(o.layers[3].spec.base, 123456.0);
}

// M-RoPE: Qwen2-VL `mrope` -> default with sections (flat legacy file), Qwen3-VL
// and Qwen3.5 interleaved with class-default sections.
TEST(HfSemantics, MultimodalLayouts) {
  const auto q2 = parse(R"({"model_type":"qwen2_vl","hidden_size":1536,"num_attention_heads":12,
      "num_hidden_layers":2,"rope_theta":1000000,"rope_scaling":{"type":"mrope","mrope_section":[16,24,24]}})");
  EXPECT_EQ(q2.layers[0].rope_type, "default");
  EXPECT_EQ(q2.layers[0].mrope, ropekit::MropeLayout::sectioned);
  EXPECT_EQ(q2.layers[0].spec.base, 1e6);
  const auto q3 = parse(R"({"model_type":"qwen3_vl","text_config":{"num_hidden_layers":1,
      "rope_scaling":{"rope_type":"default","mrope_interleaved":true}}})");
  EXPECT_EQ(q3.layers[0].mrope, ropekit::MropeLayout::interleaved);
  EXPECT_EQ(q3.layers[0].mrope_section, (std::vector<std::int64_t>{24, 20, 20}));
  const auto q35 = parse(R"({"model_type":"qwen3_5","text_config":{"num_hidden_layers":4}})");
  EXPECT_EQ(q35.layers[0].mrope_section, (std::vector<std::int64_t>{11, 11, 10}));
  EXPECT_EQ(q35.layers[0].spec.rotary_dim, 64);  // 256 x 0.25
  EXPECT_FALSE(q35.layers[0].uses_rope);         // linear_attention
  EXPECT_TRUE(q35.layers[3].uses_rope);          // full_attention
  const std::string e = error_of(R"({"model_type":"qwen2_vl","num_hidden_layers":1,"rope_scaling":{"type":"mrope"}})");
  EXPECT_NE(e.find("rope_scaling.mrope_section = (missing)"), std::string::npos) << e;
}

// Phi3Config: su / yarn mean longrope; other types are rejected by validate_rope.
TEST(HfSemantics, Phi3RopeTypes) {
  std::string shorts, longs;
  for (int i = 0; i < 48; ++i)
    shorts += (i ? "," : "") + std::string("1.0"), longs += (i ? "," : "") + std::string("2.0");
  const auto p = parse(R"({"model_type":"phi3","num_hidden_layers":1,"max_position_embeddings":131072,
      "original_max_position_embeddings":4096,"rope_scaling":{"type":"su","short_factor":[)" +
                       shorts + R"(],"long_factor":[)" + longs + "]}}");
  EXPECT_EQ(p.layers[0].rope_type, "longrope");
  const auto& lr = scaling_of<ropekit::scaling::LongRope>(p.layers[0]);
  EXPECT_EQ(lr.original_max_position_embeddings, 4096);
  const auto at_orig = ropekit::frequencies(p.layers[0].spec, 4096);
  const auto past = ropekit::frequencies(p.layers[0].spec, 4097);
  EXPECT_EQ(at_orig.inv_freq[1] / past.inv_freq[1], 2.0f);  // short factor 1, long factor 2
  const std::string e =
      error_of(R"({"model_type":"phi3","num_hidden_layers":1,"rope_scaling":{"type":"linear","factor":2}})");
  EXPECT_NE(e.find("must be \"default\" or \"longrope\""), std::string::npos) << e;
}

// Composite configs: Mistral3's text_config model_type, and its fixed default.
TEST(HfSemantics, Mistral3TextConfig) {
  const auto m = parse(R"({"model_type":"mistral3","text_config":{"model_type":"ministral3","num_hidden_layers":1}})");
  EXPECT_EQ(m.text_model_type, "ministral3");
  EXPECT_TRUE(m.layers[0].query_scale.has_value());
  const auto d = parse(R"({"model_type":"mistral3"})");
  EXPECT_EQ(d.text_model_type, "mistral");
  EXPECT_EQ(d.layers.size(), 40u);
  EXPECT_EQ(d.layers[0].spec.base, 1e9);
}

// GPT-J: rotary_dim channels, interleaved (rotate_every_two), base 10000.
TEST(HfSemantics, GptJAndFalcon) {
  const auto j = parse(R"({"model_type":"gptj","n_layer":2})");
  EXPECT_EQ(j.layers[0].spec.rotary_dim, 64);
  EXPECT_EQ(j.layers[0].head_dim, 256);
  EXPECT_EQ(j.layers[0].pairing, ropekit::Pairing::interleaved);
  const auto fa = parse(R"({"model_type":"falcon","num_hidden_layers":2,"alibi":true})");
  EXPECT_FALSE(fa.is_rope());
  EXPECT_EQ(std::get<ropekit::positions::Alibi>(fa.encoding).n_heads, 71);
  const auto fr = parse(R"({"model_type":"falcon","num_hidden_layers":2})");
  EXPECT_TRUE(fr.is_rope());
  EXPECT_EQ(fr.layers[0].spec.rotary_dim, 64);
}

// A single-table model given per-layer-type rope_parameters: the mixin's
// setdefault("rope_theta") makes the dict flat again, so the reference builds
// a default table from the top-level theta and ignores the entries (noted).
// Per-layer-type models (Gemma 4) build one table per type.
TEST(HfSemantics, NestedRopeParameters) {
  const auto g2 = parse(R"({"model_type":"gemma2","num_hidden_layers":2,"rope_theta":20000,"rope_parameters":{
      "sliding_attention":{"rope_type":"linear","factor":2,"rope_theta":10000},
      "full_attention":{"rope_type":"linear","factor":4,"rope_theta":10000}}})");
  EXPECT_EQ(g2.layers[0].rope_type, "default");
  EXPECT_EQ(g2.layers[1].spec.base, 20000.0);
  EXPECT_FALSE(g2.notes.empty());
  const auto g4 = parse(R"({"model_type":"gemma4_text","num_hidden_layers":6})");
  EXPECT_EQ(g4.layers[5].head_dim, 512);
  EXPECT_EQ(g4.layers[5].spec.rotary_dim, 512);
  EXPECT_EQ(g4.layers[0].spec.rotary_dim, 256);
}

TEST(HfSemantics, UnknownModelTypeAndGenericReading) {
  const std::string j = R"({"model_type":"my_llama","hidden_size":256,"num_attention_heads":4,
      "num_hidden_layers":2,"rope_theta":50000,"partial_rotary_factor":0.5})";
  const std::string e = error_of(j);
  EXPECT_NE(e.find("model_type = \"my_llama\" is not a model type ropekit knows"), std::string::npos) << e;
  const auto g = parse(j, /*generic=*/true);
  EXPECT_TRUE(g.generic);
  EXPECT_EQ(g.layers[0].spec.rotary_dim, 32);
  EXPECT_EQ(g.layers[0].spec.base, 50000.0);
  EXPECT_FALSE(g.notes.empty());
  const std::string missing = [] {
    try {
      ropekit::HfConfigOptions o;
      o.generic = true;
      ropekit::hf::parse_config(R"({"model_type":"x"})", o, "test.json");
    } catch (const ropekit::error& err) {
      return std::string(err.what());
    }
    return std::string();
  }();
  EXPECT_NE(missing.find("hidden_size = (missing) is required"), std::string::npos) << missing;
}

// Every error names the file, the JSON path and the value.
TEST(HfErrors, MessagesNameFileFieldAndValue) {
  struct Case {
    const char* json;
    const char* want;
  } cases[] = {
      {"{", "test.json: (document) = 1 bytes is not valid JSON"},
      {"[1,2]", "(document) = [array of 2] must be a JSON object"},
      {R"({"hidden_size":1})", "model_type = (missing)"},
      {R"({"model_type":7})", "model_type = 7 must be a string"},
      {R"({"model_type":"llama","hidden_size":"big"})", "hidden_size = \"big\" must be an integer"},
      {R"({"model_type":"llama","num_attention_heads":0})", "num_attention_heads = 0 must be an integer in [1,"},
      {R"({"model_type":"llama","rope_theta":0.5})", "rope_theta = 0.5 must be > 1"},
      {R"({"model_type":"llama","rope_scaling":{"rope_type":"linear","factor":-2}})",
       "rope_scaling.factor = -2.0 must be > 0"},
      {R"({"model_type":"llama","rope_scaling":{"rope_type":"linear"}})", "rope_scaling.factor = (missing)"},
      {R"({"model_type":"llama","rope_scaling":{"rope_type":"ntk"}})", "rope_scaling.rope_type = \"ntk\""},
      {R"({"model_type":"llama","rope_scaling":"yes"})", "rope_scaling = \"yes\" must be an object"},
      {R"({"model_type":"qwen2","num_hidden_layers":2,"layer_types":["full_attention"]})",
       "layer_types = [array of 1] must have num_hidden_layers = 2 entries"},
      {R"({"model_type":"llama4","text_config":5})", "text_config = 5 must be an object"},
      {R"({"model_type":"llama","head_dim":-8})", "head_dim = -8 must be an integer in [0,"},
      {R"({"model_type":"llama","head_dim":127})", "rotary dim = 127 must be even"},
      {R"({"model_type":"llama","num_hidden_layers":100000})", "num_hidden_layers = 100000"},
      {R"({"model_type":"phi","partial_rotary_factor":"half"})", "partial_rotary_factor = \"half\" must be a number"},
      {R"({"model_type":"llama","rope_scaling":{"rope_type":"llama3","factor":8,"low_freq_factor":4,
          "high_freq_factor":1,"original_max_position_embeddings":8192}})",
       "rope_scaling.high_freq_factor = 1 must be >= low_freq_factor"},
  };
  for (const Case& c : cases) {
    const std::string e = error_of(c.json);
    EXPECT_NE(e.find(c.want), std::string::npos) << c.json << "\n -> " << e;
  }
  // Deep nesting is refused before any recursive work.
  std::string deep = R"({"model_type":"llama","x":)";
  for (int i = 0; i < 100000; ++i) deep += "[";
  const std::string e = error_of(deep);
  EXPECT_NE(e.find("deeper than 64"), std::string::npos) << e.substr(0, 200);
  // A missing file.
  EXPECT_THROW(ropekit::hf::read_config("/nonexistent/config.json"), ropekit::error);
}

}  // namespace
