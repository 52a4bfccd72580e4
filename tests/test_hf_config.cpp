// The 20 real config.json files of tests/data/hf_configs against what Hugging
// Face transformers 5.16.0.dev0 computes from them (golden/*.json, see that
// folder's README): layer by layer, uses_rope, layer type, pairing, rotary
// dim, inv_freq bits, attention scaling, LongRoPE by sequence length, forward
// cos/sin samples and the extra attention scalings; and the non-RoPE schemes'
// parameters against the golden bucket tables.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <ropekit/encodings/deberta.hpp>
#include <ropekit/encodings/t5.hpp>
#include <ropekit/hf/config.hpp>

#ifndef ROPEKIT_HF_DATA_DIR
#  error "ROPEKIT_HF_DATA_DIR must name tests/data/hf_configs"
#endif

namespace {

using json = nlohmann::json;

const char* const kNames[] = {"bert-base-uncased",
                              "deberta-v3-base.qa-finetune",
                              "deepseek-v3",
                              "exaone-4.0-32b",
                              "gemma-4-26b-a4b",
                              "gpt-oss-20b",
                              "gpt2",
                              "llama-2-7b-hf",
                              "llama-3.1-8b",
                              "llama-3.2-1b-instruct",
                              "llama-4-scout-17b-16e-instruct",
                              "mistral-7b-v0.1",
                              "mixtral-8x7b-v0.1",
                              "phi-2",
                              "phi-3.5-vision-instruct.tt-metal-derived",
                              "qwen2.5-7b-instruct",
                              "qwen2.5-vl-7b-instruct",
                              "qwen3-8b",
                              "qwen3-next-80b-a3b",
                              "t5-small"};

std::string data(const std::string& rel) { return std::string(ROPEKIT_HF_DATA_DIR) + "/" + rel; }

json load(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

std::uint32_t bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

/// Distance in float32 ulps between two finite non-negative floats.
std::int64_t ulps(float a, float b) { return std::llabs(std::int64_t(bits(a)) - std::int64_t(bits(b))); }

/// Agreement counters over all compared tables.
struct Tally {
  int tables = 0, bit_exact_tables = 0;
  long elements = 0, bit_exact_elements = 0;
  int max_ulp = 0;
};
Tally& tally() {
  static Tally t;
  return t;
}

/// Compares a computed table with the golden f32 hex list: every entry within
/// 1 ulp (HF's float32 pow is torch's vectorised kernel, off by one ulp at
/// some elements; the README's reference_check lists them).
/// `torch_pow_elements`, when given, lists the indices where torch's vectorised
/// float32 pow is not the correctly rounded one (reference_check in the golden
/// file): ropekit may differ from HF there and nowhere else.
void expect_table(const std::vector<float>& got, const json& hex, const std::string& what, bool count,
                  const json* torch_pow_elements = nullptr) {
  ASSERT_EQ(got.size(), hex.size()) << what;
  int exact = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const std::uint32_t want = std::uint32_t(std::stoul(hex[i].get<std::string>(), nullptr, 16));
    float wf;
    std::memcpy(&wf, &want, 4);
    const std::int64_t d = ulps(got[i], wf);
    EXPECT_LE(d, 1) << what << " inv_freq[" << i << "] = " << got[i] << " want " << wf;
    if (d == 0) ++exact;
    if (d != 0 && torch_pow_elements) {
      bool listed = false;
      for (const json& k : *torch_pow_elements) listed = listed || k.get<std::size_t>() == i;
      EXPECT_TRUE(listed) << what << " inv_freq[" << i << "] differs from HF where torch's pow is correctly rounded";
    }
    if (count && d > tally().max_ulp) tally().max_ulp = int(d);
  }
  if (count) {
    ++tally().tables;
    tally().elements += long(got.size());
    tally().bit_exact_elements += exact;
    if (exact == int(got.size())) ++tally().bit_exact_tables;
  }
}

/// The golden pairing style as ropekit's enum.
ropekit::Pairing golden_pairing(const json& g) {
  const std::string style = g.at("pairing").at("style").get<std::string>();
  if (style.rfind("interleaved", 0) == 0) return ropekit::Pairing::interleaved;
  return ropekit::Pairing::neox;  // rotate_half, and gpt-oss's halves (same pairs)
}

class HfGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(HfGolden, PlanAgreesLayerByLayer) {
  const std::string name = GetParam();
  const json g = load(data("golden/" + name + ".json"));
  const ropekit::ModelRope plan = ropekit::hf::read_config(data("configs/" + name + ".json"));
  ASSERT_FALSE(plan.empty()) << name;
  EXPECT_EQ(plan.model_type, g.at("model_type_in_file").get<std::string>());
  EXPECT_EQ(plan.text_model_type, g.at("text_model_type").get<std::string>());
  EXPECT_FALSE(plan.generic);

  if (!g.contains("per_layer_type")) {
    // Non-RoPE schemes.
    EXPECT_FALSE(plan.is_rope());
    for (const auto& L : plan.layers) EXPECT_FALSE(L.uses_rope);
    const json& attrs = g.at("hf_config_attributes");
    if (name == "bert-base-uncased") {
      const auto* e = std::get_if<ropekit::positions::LearnedAbsolute>(&plan.encoding);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(e->max_positions, attrs.at("max_position_embeddings").get<std::int64_t>());
    } else if (name == "gpt2") {
      const auto* e = std::get_if<ropekit::positions::LearnedAbsolute>(&plan.encoding);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(e->max_positions, attrs.at("n_positions").get<std::int64_t>());
      EXPECT_EQ(e->dim, attrs.at("n_embd").get<std::int64_t>());
    } else if (name == "t5-small") {
      const auto* e = std::get_if<ropekit::positions::T5Buckets>(&plan.encoding);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(e->num_buckets, attrs.at("relative_attention_num_buckets").get<std::int64_t>());
      EXPECT_EQ(e->max_distance, attrs.at("relative_attention_max_distance").get<std::int64_t>());
      EXPECT_EQ(e->encoder_layers, attrs.at("num_layers").get<std::int64_t>());
      EXPECT_EQ(e->decoder_layers, attrs.at("num_decoder_layers").get<std::int64_t>());
      // The plan's parameters reproduce the reference's bucket table exactly.
      const json& enc = g.at("buckets").at("bidirectional_encoder");
      const json& dec = g.at("buckets").at("decoder_causal");
      ASSERT_EQ(enc.size(), 601u);
      for (int rel = -300; rel <= 300; ++rel) {
        EXPECT_EQ(ropekit::t5_relative_position_bucket(rel, true, e->num_buckets, e->max_distance),
                  enc[std::size_t(rel + 300)].get<std::int64_t>())
            << rel;
        EXPECT_EQ(ropekit::t5_relative_position_bucket(rel, false, e->num_buckets, e->max_distance),
                  dec[std::size_t(rel + 300)].get<std::int64_t>())
            << rel;
      }
    } else if (name == "deberta-v3-base.qa-finetune") {
      const auto* e = std::get_if<ropekit::positions::DebertaBuckets>(&plan.encoding);
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(e->relative_attention, attrs.at("relative_attention").get<bool>());
      EXPECT_EQ(e->position_buckets, attrs.at("position_buckets").get<std::int64_t>());
      EXPECT_EQ(e->max_relative_positions, g.at("effective_max_relative_positions").get<std::int64_t>());
      EXPECT_EQ(e->position_biased_input, attrs.at("position_biased_input").get<bool>());
      const json& b = g.at("buckets").at("make_log_bucket_position");
      ASSERT_EQ(b.size(), 2001u);
      for (int rel = -1000; rel <= 1000; ++rel)
        EXPECT_EQ(double(ropekit::deberta_log_bucket_position(rel, e->position_buckets, e->max_relative_positions)),
                  b[std::size_t(rel + 1000)].get<double>())
            << rel;
    } else {
      FAIL() << "unexpected non-RoPE golden " << name;
    }
    return;
  }

  ASSERT_TRUE(plan.is_rope());
  const json& layers = g.at("layers");
  ASSERT_EQ(plan.layers.size(), layers.size()) << name;
  EXPECT_EQ(plan.num_layers, std::int64_t(layers.size()));
  const ropekit::Pairing pairing = golden_pairing(g);
  const json& tables = g.at("per_layer_type");
  // Each distinct table once for the tally, then every layer against its table.
  std::vector<std::string> counted;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const json& gl = layers[i];
    const ropekit::LayerRope& L = plan.layers[i];
    const std::string what = name + " layer " + std::to_string(i);
    const std::string want_type = gl.at("layer_type").is_null() ? "" : gl.at("layer_type").get<std::string>();
    EXPECT_EQ(L.layer_type, want_type) << what;
    EXPECT_EQ(L.uses_rope, gl.at("uses_rope").get<bool>()) << what;
    if (!L.uses_rope) continue;
    EXPECT_EQ(L.pairing, pairing) << what;
    const std::string key = gl.at("rope_table").get<std::string>();
    const json& t = tables.at(key);
    EXPECT_EQ(L.rope_type, t.at("rope_type").get<std::string>()) << what;
    const ropekit::Frequencies f = ropekit::frequencies(L.spec);
    const bool first = std::find(counted.begin(), counted.end(), key) == counted.end();
    if (first) counted.push_back(key);
    expect_table(f.inv_freq, t.at("inv_freq_f32_hex"), what, first,
                 &t.at("reference_check").at("torch_pow_vectorised_vs_one_element_differs_at"));
    std::int64_t nonzero = 0;
    for (float v : f.inv_freq) nonzero += v != 0.0f;
    EXPECT_EQ(2 * nonzero, t.at("rotary_dim").get<std::int64_t>()) << what;
    EXPECT_EQ(std::int64_t(f.inv_freq.size()), t.at("inv_freq_len").get<std::int64_t>()) << what;
    // attention_scaling is a Python double the forward rounds to float32.
    EXPECT_EQ(f.attention_factor, float(t.at("attention_scaling").get<double>())) << what;
    EXPECT_LE(L.rotary_offset + L.spec.rotary_dim, L.head_dim) << what;

    if (!first) continue;
    // LongRoPE: the table HF holds after a forward whose max position is seq_len - 1.
    if (t.contains("by_sequence_length")) {
      for (const json& v : t.at("by_sequence_length").at("values")) {
        const std::int64_t seq_len = v.at("seq_len").get<std::int64_t>();
        const ropekit::Frequencies fs = ropekit::frequencies(L.spec, seq_len);
        std::vector<std::string> hex;
        for (const json& x : v.at("inv_freq")) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "0x%08x", bits(x.get<float>()));
          hex.push_back(buf);
        }
        expect_table(fs.inv_freq, json(hex), what + " seq_len " + std::to_string(seq_len), false);
        EXPECT_EQ(fs.attention_factor, float(v.at("attention_scaling").get<double>())) << what << " " << seq_len;
      }
    }
    // Forward cos/sin: angle fl32(p * inv_freq) as HF's float32 matmul of one
    // term, cos/sin in double rounded to float, times the float32 attention
    // factor. torch's float32 cos/sin kernels differ from the rounded double
    // by up to 2 ulp (README); 2 ulp at magnitude <= 1.35 is < 4.8e-7. Where
    // our inv_freq is 1 ulp from HF's (torch's vectorised pow), the angles
    // differ by at most p * |d inv_freq| + 1 ulp of the angle, and cos/sin by
    // at most that times the attention factor.
    // The forward of one position p builds the table for seq_len = p + 1
    // (LongRoPE switches to the long factors past the original context).
    // Layouts: d/2 (gpt-oss, complex freqs_cis), d (cat(freqs, freqs)),
    // 3 x d (Qwen2.5-VL's three M-RoPE streams, equal for text positions).
    const json& samples = t.at("forward_samples").at("samples");
    for (const json& s : samples) {
      const std::int64_t p = s.at("position").get<std::int64_t>();
      const json& cs = s.at("cos");
      const json& sn = s.at("sin");
      const ropekit::Frequencies fp = ropekit::frequencies(L.spec, p + 1);
      const std::size_t n = fp.inv_freq.size();
      ASSERT_EQ(cs.size() % n, 0u) << what;
      // HF's table for this forward: the init one, or the long LongRoPE one.
      std::vector<float> hf_table;
      for (const json& h : t.at("inv_freq_f32_hex")) {
        const std::uint32_t hb = std::uint32_t(std::stoul(h.get<std::string>(), nullptr, 16));
        float x;
        std::memcpy(&x, &hb, 4);
        hf_table.push_back(x);
      }
      if (const auto* lr = std::get_if<ropekit::scaling::LongRope>(&L.spec.scaling)) {
        for (const json& v : t.at("by_sequence_length").at("values"))
          if ((v.at("seq_len").get<std::int64_t>() > lr->original_max_position_embeddings) ==
              (p + 1 > lr->original_max_position_embeddings)) {
            hf_table.clear();
            for (const json& x : v.at("inv_freq")) hf_table.push_back(x.get<float>());
          }
      }
      for (std::size_t j = 0; j < cs.size(); ++j) {
        const float inv = fp.inv_freq[j % n];
        const float hf_inv = hf_table[j % n];
        const float angle = float(double(float(p)) * double(inv));
        double tol = 4.8e-7;
        if (inv != hf_inv)
          tol += double(fp.attention_factor) *
                 (double(p) * std::abs(double(inv) - double(hf_inv)) + std::ldexp(std::abs(double(angle)), -23));
        const float c = float(float(std::cos(double(angle))) * fp.attention_factor);
        const float sv = float(float(std::sin(double(angle))) * fp.attention_factor);
        EXPECT_NEAR(c, cs[j].get<double>(), tol) << what << " cos p=" << p << " j=" << j;
        EXPECT_NEAR(sv, sn[j].get<double>(), tol) << what << " sin p=" << p << " j=" << j;
      }
    }
  }

  // Extras.
  const json& extras = g.at("attention_extras");
  if (extras.contains("attn_temperature_tuning")) {
    const json& tt = extras.at("attn_temperature_tuning");
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const ropekit::LayerRope& L = plan.layers[i];
      ASSERT_EQ(L.query_scale.has_value(), !L.uses_rope) << i;
      if (!L.query_scale) continue;
      EXPECT_EQ(L.query_scale->scale, tt.at("attn_scale").get<double>());
      EXPECT_EQ(L.query_scale->interval, tt.at("floor_scale").get<double>());
      // The reference evaluates log1p in float32: within 1 float ulp of the double.
      for (const json& s : tt.at("samples")) {
        const double want = s.at("scale_f32").get<double>();
        EXPECT_NEAR(L.query_scale->at(s.at("position").get<std::int64_t>()), want, want * 1.2e-7) << s.at("position");
      }
    }
  } else {
    for (const auto& L : plan.layers) EXPECT_FALSE(L.query_scale.has_value()) << name;
  }
  if (extras.contains("softmax_scale")) {
    const json& sm = extras.at("softmax_scale");
    const double want = sm.at("after_yarn_apply_mscale").get<double>() / sm.at("unscaled").get<double>();
    for (const auto& L : plan.layers) {
      EXPECT_NEAR(L.softmax_scale_multiplier, want, want * 1e-14);
      EXPECT_EQ(L.head_dim, sm.at("qk_head_dim").get<std::int64_t>());
    }
  } else {
    for (const auto& L : plan.layers) EXPECT_EQ(L.softmax_scale_multiplier, 1.0) << name;
  }
  // M-RoPE layout.
  const json& pj = g.at("pairing");
  if (pj.contains("mrope")) {
    for (const auto& L : plan.layers) {
      EXPECT_EQ(L.mrope, ropekit::MropeLayout::sectioned);
      const json& sec = g.at("rope_fields_in_file").at("rope_scaling").at("mrope_section");
      ASSERT_EQ(L.mrope_section.size(), sec.size());
      for (std::size_t k = 0; k < sec.size(); ++k) EXPECT_EQ(L.mrope_section[k], sec[k].get<std::int64_t>());
    }
  } else {
    for (const auto& L : plan.layers) EXPECT_EQ(L.mrope, ropekit::MropeLayout::none) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, HfGolden, ::testing::ValuesIn(kNames),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

TEST(HfGoldenSummary, EveryTableWithinOneUlpMostBitExact) {
  // Runs the whole corpus once more to report the agreement numbers.
  Tally before = tally();
  (void)before;
  tally() = Tally{};
  for (const char* name : kNames) {
    const json g = load(data(std::string("golden/") + name + ".json"));
    if (!g.contains("per_layer_type")) continue;
    const ropekit::ModelRope plan = ropekit::hf::read_config(data(std::string("configs/") + name + ".json"));
    std::vector<std::string> counted;
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
      const json& gl = g.at("layers")[i];
      if (!gl.at("uses_rope").get<bool>()) continue;
      const std::string key = gl.at("rope_table").get<std::string>();
      if (std::find(counted.begin(), counted.end(), key) != counted.end()) continue;
      counted.push_back(key);
      expect_table(ropekit::frequencies(plan.layers[i].spec).inv_freq,
                   g.at("per_layer_type").at(key).at("inv_freq_f32_hex"), std::string(name) + " " + key, true);
    }
  }
  const Tally& t = tally();
  std::printf("[ hf golden ] %d tables: %d bit-exact, %d within 1 ulp; %ld elements: %ld bit-exact; max %d ulp\n",
              t.tables, t.bit_exact_tables, t.tables - t.bit_exact_tables, t.elements, t.bit_exact_elements, t.max_ulp);
  EXPECT_EQ(t.tables, 17);  // 16 RoPE configs, Gemma 4 with two tables
  EXPECT_LE(t.max_ulp, 1);
  EXPECT_GT(t.bit_exact_elements * 10, t.elements * 9);  // "most bit-exact": over 90% of the elements
}

TEST(HfGoldenSummary, CorpusIsComplete) {
  // Every config of the vendored corpus is covered by this test.
  const json manifest = load(data("MANIFEST.json"));
  int golden = 0;
  for (const char* name : kNames) {
    std::ifstream in(data(std::string("golden/") + name + ".json"));
    golden += bool(in);
  }
  EXPECT_EQ(golden, 20);
  (void)manifest;
}

}  // namespace
