// GGUF: the reader on files written by tests/gguf_writer.hpp (every value
// type, v2 and v3, alignment, tensors read by offset), llama.cpp's mapping for
// several architectures, and truncated / corrupted files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <ropekit/gguf.hpp>

#include "gguf_writer.hpp"

namespace {

using rk_test::GgufWriter;
namespace gv = rk_test::gv;

ropekit::GgufMetadata parse(const std::vector<std::uint8_t>& b, const std::string& name = "test.gguf") {
  return ropekit::gguf::parse_metadata(b.data(), b.size(), name);
}

/// The error message of parsing `b` (empty when it parses).
std::string parse_error(const std::vector<std::uint8_t>& b) {
  try {
    const auto m = parse(b, "bad.gguf");
    EXPECT_FALSE(m.empty());
    return "";
  } catch (const ropekit::error& e) {
    return e.what();
  }
}

/// The error message of mapping `b` (empty when it maps).
std::string map_error(const std::vector<std::uint8_t>& b, std::int64_t n_ctx = 0) {
  try {
    const auto plan = ropekit::gguf::model_rope(parse(b, "bad.gguf"), n_ctx);
    EXPECT_FALSE(plan.empty());
    return "";
  } catch (const ropekit::error& e) {
    return e.what();
  }
}

/// A transformer's standard keys.
GgufWriter model(const std::string& arch, std::uint32_t ctx, std::uint32_t embd, std::uint32_t layers,
                 std::uint32_t heads) {
  GgufWriter w;
  w.kv("general.architecture", gv::str(arch))
      .kv("general.name", gv::str("test " + arch))
      .kv(arch + ".context_length", gv::u32(ctx))
      .kv(arch + ".embedding_length", gv::u32(embd))
      .kv(arch + ".block_count", gv::u32(layers))
      .kv(arch + ".attention.head_count", gv::u32(heads));
  return w;
}

/// Distance in float32 ulps.
std::int64_t ulps(float a, float b) {
  std::int32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return std::llabs(std::int64_t(x) - std::int64_t(y));
}

TEST(GgufReader, RoundTripsEveryValueType) {
  for (std::uint32_t version : {2u, 3u}) {
    GgufWriter w(version);
    w.alignment(64)
        .kv("general.alignment", gv::u32(64))
        .kv("t.u8", gv::u8(200))
        .kv("t.i8", gv::i8(-100))
        .kv("t.u16", gv::u16(60000))
        .kv("t.i16", gv::i16(-30000))
        .kv("t.u32", gv::u32(4000000000u))
        .kv("t.i32", gv::i32(-2000000000))
        .kv("t.f32", gv::f32(0.1f))
        .kv("t.bool", gv::boolean(true))
        .kv("t.str", gv::str("héllo"))
        .kv("t.u64", gv::u64(std::uint64_t(1) << 60))
        .kv("t.i64", gv::i64(-(std::int64_t(1) << 60)))
        .kv("t.f64", gv::f64(0.1))
        .kv("t.arr_u32", gv::u32s({1, 2, 3}))
        .kv("t.arr_f32", gv::f32s({0.5f, -1.25f}))
        .kv("t.arr_bool", gv::bools({true, false, true}))
        .kv("t.arr_str", gv::strs({"a", "", "ccc"}))
        .kv("t.arr_empty", gv::array(4, {}))
        .kv("t.nested", gv::array(9, {gv::u32s({1, 2}), gv::strs({"x"})}))
        .tensor("token_embd.weight", {4, 2}, 1, std::vector<std::uint8_t>(16, 7))
        .tensor_f32("rope_freqs.weight", {1.0f, 2.0f, 4.0f});
    const std::vector<std::uint8_t> bytes = w.bytes();
    const ropekit::GgufMetadata m = parse(bytes);
    ASSERT_FALSE(m.empty());
    EXPECT_EQ(m.version, version);
    EXPECT_EQ(m.alignment, 64u);
    EXPECT_EQ(m.data_offset % 64, 0u);
    EXPECT_EQ(m.entries.size(), 19u);
    using namespace ropekit::gguf;
    EXPECT_EQ(get_integer(m, "t.u8"), 200);
    EXPECT_EQ(get_integer(m, "t.i8"), -100);
    EXPECT_EQ(get_integer(m, "t.u16"), 60000);
    EXPECT_EQ(get_integer(m, "t.i16"), -30000);
    EXPECT_EQ(get_integer(m, "t.u32"), 4000000000LL);
    EXPECT_EQ(get_integer(m, "t.i32"), -2000000000LL);
    EXPECT_EQ(get_number(m, "t.f32"), double(0.1f));
    EXPECT_EQ(get_bool(m, "t.bool"), true);
    EXPECT_EQ(get_string(m, "t.str"), std::string("héllo"));
    EXPECT_EQ(get_integer(m, "t.u64"), std::int64_t(1) << 60);
    EXPECT_EQ(get_integer(m, "t.i64"), -(std::int64_t(1) << 60));
    EXPECT_EQ(get_number(m, "t.f64"), 0.1);
    EXPECT_FALSE(get_integer(m, "t.f64").has_value());
    EXPECT_FALSE(get_string(m, "t.u8").has_value());
    EXPECT_FALSE(get_number(m, "missing").has_value());
    const ropekit::GgufEntry* a = find(m, "t.arr_u32");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->type, ropekit::GgufType::array);
    EXPECT_EQ(a->element_type, ropekit::GgufType::uint32);
    EXPECT_EQ(a->count, 3u);
    EXPECT_EQ(array_number(m, "t.arr_u32", 2), 3.0);
    EXPECT_FALSE(array_number(m, "t.arr_u32", 3).has_value());
    EXPECT_EQ(array_number(m, "t.arr_f32", 1), -1.25);
    EXPECT_EQ(array_number(m, "t.arr_bool", 1), 0.0);
    EXPECT_EQ(find(m, "t.arr_str")->count, 3u);
    EXPECT_EQ(find(m, "t.arr_empty")->count, 0u);
    EXPECT_EQ(find(m, "t.nested")->element_type, ropekit::GgufType::array);
    ASSERT_EQ(m.tensors.size(), 2u);
    EXPECT_EQ(m.tensors[0].name, "token_embd.weight");
    EXPECT_EQ(m.tensors[0].dims, (std::vector<std::uint64_t>{4, 2}));
    EXPECT_EQ(m.tensors[1].offset % 64, 0u);
    const std::vector<float>* f = rope_tensor(m, "rope_freqs.weight");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(*f, (std::vector<float>{1.0f, 2.0f, 4.0f}));

    // The same through a file.
    const std::string path = ::testing::TempDir() + "ropekit_roundtrip.gguf";
    std::FILE* out = std::fopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), out);
    std::fclose(out);
    const ropekit::GgufMetadata fm = read_metadata(path);
    ASSERT_FALSE(fm.empty());
    EXPECT_EQ(fm.raw, m.raw);
    EXPECT_EQ(fm.file_size, bytes.size());
    EXPECT_EQ(*rope_tensor(fm, "rope_freqs.weight"), *f);
    std::remove(path.c_str());
  }
}

TEST(GgufMapping, LlamaRopeFreqsAreDivisorsOnInterleavedPairs) {
  // Llama 3.1 scaling baked into rope_freqs.weight by the converter: divisors
  // d_i = default_i / llama3_i. llama.cpp turns pair i at theta_i / d_i.
  ropekit::RopeSpec hf{128, 500000.0, ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192}};
  ropekit::RopeSpec plain{128, 500000.0, ropekit::scaling::None{}};
  const auto want = ropekit::frequencies(hf).inv_freq;
  const auto base = ropekit::frequencies(plain).inv_freq;
  std::vector<float> divisors;
  for (std::size_t i = 0; i < want.size(); ++i) divisors.push_back(float(double(base[i]) / double(want[i])));
  GgufWriter w = model("llama", 131072, 4096, 4, 32);
  w.kv("llama.rope.freq_base", gv::f32(500000.0f))
      .kv("llama.rope.dimension_count", gv::u32(128))
      .tensor_f32("rope_freqs.weight", divisors);
  const ropekit::ModelRope plan = ropekit::gguf::model_rope(parse(w.bytes()));
  ASSERT_EQ(plan.layers.size(), 4u);
  EXPECT_EQ(plan.source, ropekit::ModelSource::gguf);
  for (const auto& L : plan.layers) {
    EXPECT_TRUE(L.uses_rope);
    EXPECT_EQ(L.pairing, ropekit::Pairing::interleaved);  // LLAMA_ROPE_TYPE_NORM
    EXPECT_EQ(L.rope_type, "rope_freqs");
    EXPECT_EQ(L.head_dim, 128);
    const auto f = ropekit::frequencies(L.spec);
    ASSERT_EQ(f.inv_freq.size(), 64u);
    EXPECT_EQ(f.attention_factor, 1.0f);
    // The divisors were rounded to float32 once: the table agrees with HF's
    // llama3 table to a few ulps (here at most 2).
    for (std::size_t i = 0; i < 64; ++i) EXPECT_LE(ulps(f.inv_freq[i], want[i]), 2) << i;
    // The same table whatever the sequence length (chosen once, not per call).
    EXPECT_EQ(ropekit::frequencies(L.spec, 1 << 20).inv_freq, f.inv_freq);
  }
  // Wrong length: an error naming the tensor.
  GgufWriter bad = model("llama", 131072, 4096, 4, 32);
  bad.tensor_f32("rope_freqs.weight", std::vector<float>(10, 1.0f));
  EXPECT_NE(map_error(bad.bytes()).find("rope_freqs.weight"), std::string::npos);
}

TEST(GgufMapping, Qwen2Yarn) {
  GgufWriter w = model("qwen2", 131072, 3584, 3, 28);
  w.kv("qwen2.rope.freq_base", gv::f32(1000000.0f))
      .kv("qwen2.rope.scaling.type", gv::str("yarn"))
      .kv("qwen2.rope.scaling.factor", gv::f32(4.0f))
      .kv("qwen2.rope.scaling.original_context_length", gv::u32(32768));
  const ropekit::ModelRope plan = ropekit::gguf::model_rope(parse(w.bytes()));
  ASSERT_EQ(plan.layers.size(), 3u);
  const auto& L = plan.layers[0];
  EXPECT_EQ(L.pairing, ropekit::Pairing::neox);
  const auto* y = std::get_if<ropekit::scaling::Yarn>(&L.spec.scaling);
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(L.spec.rotary_dim, 128);
  EXPECT_EQ(L.spec.base, 1000000.0);
  EXPECT_EQ(y->factor, 4.0);
  EXPECT_EQ(y->original_max_position_embeddings, 32768);
  EXPECT_EQ(y->beta_fast, 32.0);
  EXPECT_EQ(y->beta_slow, 1.0);
  EXPECT_TRUE(y->truncate);
  // cos/sin scale: yarn_attn_factor x (1 + 0.1 ln f) = get_mscale(4) = 1 + 0.1 ln 4.
  ASSERT_TRUE(y->attention_factor.has_value());
  EXPECT_NEAR(*y->attention_factor, 1.0 + 0.1 * std::log(4.0), 1e-15);
  // The same table as Hugging Face's YaRN for these parameters.
  ropekit::RopeSpec hf{128, 1000000.0, ropekit::scaling::Yarn{4.0, 32768, 32.0, 1.0, {}, {}, {}, true}};
  EXPECT_EQ(ropekit::frequencies(L.spec).inv_freq, ropekit::frequencies(hf).inv_freq);
  EXPECT_EQ(ropekit::frequencies(L.spec).attention_factor, ropekit::frequencies(hf).attention_factor);
}

TEST(GgufMapping, Phi3LongRopeChosenByConfiguredContext) {
  std::vector<float> short_f(48), long_f(48);
  for (int i = 0; i < 48; ++i)
    short_f[std::size_t(i)] = 1.0f + 0.01f * float(i), long_f[std::size_t(i)] = 2.0f + 0.5f * float(i);
  GgufWriter w = model("phi3", 131072, 3072, 2, 32);
  w.kv("phi3.rope.dimension_count", gv::u32(96))
      .kv("phi3.rope.scaling.attn_factor", gv::f32(1.19023812f))
      .kv("phi3.rope.scaling.original_context_length", gv::u32(4096))
      .tensor_f32("rope_factors_long.weight", long_f)
      .tensor_f32("rope_factors_short.weight", short_f);
  const auto bytes = w.bytes();
  ropekit::RopeSpec want_short{96, 10000.0, ropekit::scaling::LongRope{}};
  auto lr = ropekit::scaling::LongRope{};
  lr.short_factor.assign(short_f.begin(), short_f.end());
  lr.long_factor.assign(long_f.begin(), long_f.end());
  lr.original_max_position_embeddings = 4096;
  lr.attention_factor = double(1.19023812f);
  want_short.scaling = lr;
  for (std::int64_t n_ctx : {std::int64_t(4096), std::int64_t(8192), std::int64_t(0)}) {
    const ropekit::ModelRope plan = ropekit::gguf::model_rope(parse(bytes), n_ctx);
    ASSERT_EQ(plan.layers.size(), 2u);
    const auto& L = plan.layers[1];
    EXPECT_EQ(L.pairing, ropekit::Pairing::neox);
    const bool is_long = n_ctx == 0 || n_ctx > 4096;  // 0: context_length 131072
    EXPECT_EQ(L.rope_type, is_long ? "rope_factors_long" : "rope_factors_short");
    // Whatever seq_len, llama.cpp uses the list chosen for the context.
    const auto f = ropekit::frequencies(L.spec, 1);
    const auto expect = ropekit::frequencies(want_short, is_long ? 8192 : 1);
    EXPECT_EQ(f.inv_freq, expect.inv_freq) << n_ctx;
    EXPECT_EQ(f.attention_factor, 1.19023812f);
    EXPECT_EQ(ropekit::frequencies(L.spec, 100000).inv_freq, f.inv_freq);
  }
}

TEST(GgufMapping, QwenVlMropeSectionedAndInterleaved) {
  GgufWriter w = model("qwen2vl", 128000, 3584, 2, 28);
  w.kv("qwen2vl.rope.freq_base", gv::f32(1000000.0f)).kv("qwen2vl.rope.dimension_sections", gv::i32s({16, 24, 24, 0}));
  const ropekit::ModelRope p2 = ropekit::gguf::model_rope(parse(w.bytes()));
  ASSERT_EQ(p2.layers.size(), 2u);
  EXPECT_EQ(p2.layers[0].mrope, ropekit::MropeLayout::sectioned);
  EXPECT_EQ(p2.layers[0].pairing, ropekit::Pairing::neox);
  EXPECT_EQ(p2.layers[0].mrope_section, (std::vector<std::int64_t>{16, 24, 24}));
  EXPECT_EQ(p2.layers[0].mrope_axis(15), 0);
  EXPECT_EQ(p2.layers[0].mrope_axis(16), 1);
  EXPECT_EQ(p2.layers[0].mrope_axis(40), 2);

  GgufWriter w3 = model("qwen3vl", 262144, 4096, 2, 32);
  w3.kv("qwen3vl.attention.key_length", gv::u32(128)).kv("qwen3vl.rope.dimension_sections", gv::i32s({24, 20, 20, 0}));
  const ropekit::ModelRope p3 = ropekit::gguf::model_rope(parse(w3.bytes()));
  EXPECT_EQ(p3.layers[0].mrope, ropekit::MropeLayout::interleaved);
  EXPECT_EQ(p3.layers[0].mrope_axis(0), 0);
  EXPECT_EQ(p3.layers[0].mrope_axis(1), 1);
  EXPECT_EQ(p3.layers[0].mrope_axis(2), 2);
  EXPECT_EQ(p3.layers[0].mrope_axis(58), 1);  // 58 % 3 == 1, 58 < 3 * 20
  EXPECT_EQ(p3.layers[0].mrope_axis(61), 0);  // 61 % 3 == 1 but 61 >= 3 * 20
  EXPECT_EQ(p3.layers[0].mrope_axis(62), 0);  // 62 % 3 == 2 but 62 >= 3 * 20

  GgufWriter missing = model("qwen2vl", 128000, 3584, 2, 28);
  EXPECT_NE(map_error(missing.bytes()).find("qwen2vl.rope.dimension_sections"), std::string::npos);
}

TEST(GgufMapping, Gemma3SlidingLayersUnscaledBase10000) {
  GgufWriter w = model("gemma3", 131072, 2560, 12, 8);
  w.kv("gemma3.attention.key_length", gv::u32(256))
      .kv("gemma3.attention.sliding_window", gv::u32(1024))
      .kv("gemma3.rope.freq_base", gv::f32(1000000.0f))
      .kv("gemma3.rope.scaling.type", gv::str("linear"))
      .kv("gemma3.rope.scaling.factor", gv::f32(8.0f));
  const ropekit::ModelRope plan = ropekit::gguf::model_rope(parse(w.bytes()));
  ASSERT_EQ(plan.layers.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    const auto& L = plan.layers[i];
    const bool full = i % 6 == 5;  // set_swa_pattern(6): 5 sliding, 1 full
    EXPECT_EQ(L.layer_type, full ? "full_attention" : "sliding_attention") << i;
    EXPECT_EQ(L.pairing, ropekit::Pairing::neox);
    if (full) {
      EXPECT_EQ(L.spec.base, 1000000.0);
      const auto* lin = std::get_if<ropekit::scaling::Linear>(&L.spec.scaling);
      ASSERT_NE(lin, nullptr) << i;
      EXPECT_EQ(lin->factor, 8.0);
    } else {
      EXPECT_EQ(L.spec.base, 10000.0);
      EXPECT_TRUE(std::holds_alternative<ropekit::scaling::None>(L.spec.scaling)) << i;
    }
  }
}

TEST(GgufMapping, DeepSeek2MlaYarn) {
  GgufWriter w = model("deepseek2", 163840, 7168, 3, 128);
  w.kv("deepseek2.attention.key_length", gv::u32(192))
      .kv("deepseek2.attention.key_length_mla", gv::u32(192))
      .kv("deepseek2.attention.value_length_mla", gv::u32(128))
      .kv("deepseek2.rope.dimension_count", gv::u32(64))
      .kv("deepseek2.rope.scaling.type", gv::str("yarn"))
      .kv("deepseek2.rope.scaling.factor", gv::f32(40.0f))
      .kv("deepseek2.rope.scaling.original_context_length", gv::u32(4096))
      .kv("deepseek2.rope.scaling.yarn_log_multiplier", gv::f32(0.1f));  // 0.1 x mscale_all_dim 1.0
  const ropekit::ModelRope plan = ropekit::gguf::model_rope(parse(w.bytes()));
  ASSERT_EQ(plan.layers.size(), 3u);
  const auto& L = plan.layers[0];
  EXPECT_EQ(L.pairing, ropekit::Pairing::interleaved);
  EXPECT_EQ(L.head_dim, 192);
  EXPECT_EQ(L.rotary_offset, 128);
  EXPECT_EQ(L.spec.rotary_dim, 64);
  const auto* y = std::get_if<ropekit::scaling::Yarn>(&L.spec.scaling);
  ASSERT_NE(y, nullptr);
  // mscale == mscale_all_dim: cos/sin unscaled; the softmax takes mscale^2
  // with mscale = 1 + 0.1 ln 40 (Hugging Face's yarn_apply_mscale too).
  EXPECT_NEAR(*y->attention_factor, 1.0, 1e-6);
  const double ms = 1.0 + 0.1 * std::log(40.0);
  EXPECT_NEAR(L.softmax_scale_multiplier, ms * ms, 1e-6);
}

TEST(GgufMapping, GptOssSlidingPatternAndYarnAttention) {
  GgufWriter w = model("gpt-oss", 131072, 2880, 4, 64);
  w.kv("gpt-oss.attention.key_length", gv::u32(64))
      .kv("gpt-oss.attention.sliding_window", gv::u32(128))
      .kv("gpt-oss.rope.freq_base", gv::f32(150000.0f))
      .kv("gpt-oss.rope.scaling.type", gv::str("yarn"))
      .kv("gpt-oss.rope.scaling.factor", gv::f32(32.0f))
      .kv("gpt-oss.rope.scaling.original_context_length", gv::u32(4096));
  const ropekit::ModelRope plan = ropekit::gguf::model_rope(parse(w.bytes()));
  ASSERT_EQ(plan.layers.size(), 4u);
  EXPECT_EQ(plan.layers[0].layer_type, "sliding_attention");
  EXPECT_EQ(plan.layers[1].layer_type, "full_attention");
  for (const auto& L : plan.layers) {
    const auto f = ropekit::frequencies(L.spec);
    // HF gpt-oss: attention_scaling 1.3465735902799727 = 1 + 0.1 ln 32.
    EXPECT_EQ(f.attention_factor, float(1.3465735902799727));
    EXPECT_EQ(f.inv_freq.size(), 32u);
  }
}

TEST(GgufMapping, Llama4NoRopeEveryFourthLayerWithTemperature) {
  GgufWriter w = model("llama4", 10485760, 5120, 8, 40);
  w.kv("llama4.rope.dimension_count", gv::u32(128)).kv("llama4.attention.key_length", gv::u32(128));
  const ropekit::ModelRope plan = ropekit::gguf::model_rope(parse(w.bytes()));
  ASSERT_EQ(plan.layers.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    const auto& L = plan.layers[i];
    EXPECT_EQ(L.uses_rope, (i + 1) % 4 != 0) << i;
    EXPECT_EQ(L.query_scale.has_value(), !L.uses_rope) << i;
    EXPECT_EQ(L.pairing, ropekit::Pairing::interleaved);
  }
  const auto& q = *plan.layers[3].query_scale;
  EXPECT_EQ(q.at(8190), 1.0);
  EXPECT_NEAR(q.at(8191), 1.0 + 0.1 * std::log(2.0), 1e-15);
}

TEST(GgufMapping, NonRopeArchitectures) {
  const auto gpt2 = ropekit::gguf::model_rope(parse(model("gpt2", 1024, 768, 12, 12).bytes()));
  const auto* learned = std::get_if<ropekit::positions::LearnedAbsolute>(&gpt2.encoding);
  ASSERT_NE(learned, nullptr);
  EXPECT_EQ(learned->max_positions, 1024);
  EXPECT_EQ(gpt2.layers.size(), 12u);
  EXPECT_FALSE(gpt2.layers[0].uses_rope);
  GgufWriter bloom = model("bloom", 2048, 1024, 2, 16);
  bloom.kv("bloom.attention.max_alibi_bias", gv::f32(8.0f));
  const auto b = ropekit::gguf::model_rope(parse(bloom.bytes()));
  const auto* alibi = std::get_if<ropekit::positions::Alibi>(&b.encoding);
  ASSERT_NE(alibi, nullptr);
  EXPECT_EQ(alibi->n_heads, 16);
  EXPECT_EQ(map_error(model("mamba", 2048, 768, 2, 0).bytes()).empty(), false);
  EXPECT_NE(map_error(model("frobnicator", 2048, 768, 2, 8).bytes()).find("frobnicator"), std::string::npos);
}

TEST(GgufErrors, EveryTruncationIsReportedWithAnOffset) {
  GgufWriter w = model("llama", 4096, 512, 2, 8);
  w.kv("t.strings", gv::strs({"one", "two"})).tensor_f32("rope_freqs.weight", std::vector<float>(32, 1.0f));
  const std::vector<std::uint8_t> full = w.bytes();
  ASSERT_FALSE(parse(full).empty());
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + std::ptrdiff_t(n));
    const std::string e = parse_error(cut);
    ASSERT_FALSE(e.empty()) << n;
    EXPECT_NE(e.find("bad.gguf"), std::string::npos) << e;
    EXPECT_TRUE(e.find("truncated") != std::string::npos || e.find("exceeds") != std::string::npos ||
                e.find("cannot fit") != std::string::npos || e.find("needs at least") != std::string::npos)
        << n << ": " << e;
  }
}

/// Offsets in the file written by model("llama", ...) with no tensors:
/// magic 0, version 4, tensor_count 8, kv_count 16, first key length 24.
TEST(GgufErrors, CorruptedFieldsNameTheOffsetOrKey) {
  const std::vector<std::uint8_t> good = model("llama", 4096, 512, 2, 8).bytes();
  auto with = [&](std::size_t at, std::uint64_t v, int n) {
    std::vector<std::uint8_t> b = good;
    if (b.size() < at + std::size_t(n)) return b;
    for (int i = 0; i < n; ++i) b.at(at + std::size_t(i)) = std::uint8_t(v >> (8 * i));
    return b;
  };
  EXPECT_NE(parse_error(with(0, 'X', 1)).find("not \"GGUF\""), std::string::npos);
  EXPECT_NE(parse_error(with(4, 1, 4)).find("GGUF v1"), std::string::npos);
  EXPECT_NE(parse_error(with(4, 0x03000000, 4)).find("version"), std::string::npos);
  EXPECT_NE(parse_error(with(16, std::uint64_t(1) << 60, 8)).find("metadata_kv_count"), std::string::npos);
  EXPECT_NE(parse_error(with(8, std::uint64_t(1) << 60, 8)).find("tensor_count"), std::string::npos);
  EXPECT_NE(parse_error(with(24, std::uint64_t(1) << 40, 8)).find("key 0 length"), std::string::npos);
  // Value type of the first key ("general.architecture", 20 bytes at 32).
  EXPECT_NE(parse_error(with(52, 13, 4)).find("type"), std::string::npos);
  // Its string length, beyond the file.
  EXPECT_NE(parse_error(with(56, std::uint64_t(1) << 50, 8)).find("exceeds"), std::string::npos);

  GgufWriter dup = model("llama", 4096, 512, 2, 8);
  dup.kv("general.name", gv::str("again"));
  EXPECT_NE(parse_error(dup.bytes()).find("duplicated"), std::string::npos);
  GgufWriter badbool = model("llama", 4096, 512, 2, 8);
  badbool.kv("t.b", gv::scalar(7, 2, 1));
  EXPECT_NE(parse_error(badbool.bytes()).find("boolean"), std::string::npos);
  GgufWriter align = model("llama", 4096, 512, 2, 8);
  align.kv("general.alignment", gv::u32(24));
  EXPECT_NE(parse_error(align.bytes()).find("power of two"), std::string::npos);
  GgufWriter bigarray = model("llama", 4096, 512, 2, 8);
  rk_test::GgufValue arr = gv::u32s({1});
  for (int i = 0; i < 8; ++i) arr.bytes[4 + std::size_t(i)] = 0xff;  // count 2^64 - 1
  bigarray.kv("t.arr", arr);
  EXPECT_NE(parse_error(bigarray.bytes()).find("array count"), std::string::npos);
  GgufWriter deep = model("llama", 4096, 512, 2, 8);
  rk_test::GgufValue nest = gv::u32s({1});
  for (int i = 0; i < 12; ++i) nest = gv::array(9, {nest});
  deep.kv("t.deep", nest);
  EXPECT_NE(parse_error(deep.bytes()).find("nested"), std::string::npos);
  GgufWriter dims = model("llama", 4096, 512, 2, 8);
  dims.tensor("x.weight", {1, 1, 1, 1, 1}, 0, std::vector<std::uint8_t>(4));
  EXPECT_NE(parse_error(dims.bytes()).find("n_dimensions"), std::string::npos);
  GgufWriter past = model("llama", 4096, 512, 2, 8);
  past.tensor("rope_freqs.weight", {1000}, 0, std::vector<std::uint8_t>(16));
  EXPECT_NE(parse_error(past.bytes()).find("past the end"), std::string::npos);
  GgufWriter type = model("llama", 4096, 512, 2, 8);
  type.tensor("rope_freqs.weight", {4}, 1, std::vector<std::uint8_t>(8));
  EXPECT_NE(parse_error(type.bytes()).find("F32"), std::string::npos);

  // Mapping errors name the key and the value.
  GgufWriter noarch;
  noarch.kv("general.name", gv::str("x"));
  EXPECT_NE(map_error(noarch.bytes()).find("general.architecture"), std::string::npos);
  GgufWriter zero = model("llama", 4096, 512, 2, 8);
  zero.kv("llama.rope.freq_base", gv::f32(0.5f));
  EXPECT_NE(map_error(zero.bytes()).find("llama.rope.freq_base"), std::string::npos);
  GgufWriter rot = model("llama", 4096, 512, 2, 8);
  rot.kv("llama.rope.dimension_count", gv::u32(32));
  EXPECT_NE(map_error(rot.bytes()).find("invalid n_rot"), std::string::npos);
  GgufWriter scaling = model("llama", 4096, 512, 2, 8);
  scaling.kv("llama.rope.scaling.type", gv::str("dynamic"));
  EXPECT_NE(map_error(scaling.bytes()).find("dynamic"), std::string::npos);
  GgufWriter noctx = model("llama", 4096, 512, 2, 8);
  std::vector<std::uint8_t> nc = noctx.bytes();
  EXPECT_NE(map_error(nc, -1).find("n_ctx"), std::string::npos);
}

TEST(GgufErrors, RandomCorruptionNeverCrashes) {
  // A deterministic miniature of fuzz/fuzz_gguf.cpp: byte flips and
  // truncations of a valid file either parse and map or report an error.
  GgufWriter w = model("qwen2", 32768, 896, 2, 14);
  w.kv("qwen2.rope.scaling.type", gv::str("yarn"))
      .kv("qwen2.rope.scaling.factor", gv::f32(4.0f))
      .kv("t.arr", gv::array(9, {gv::strs({"a", "bb"}), gv::f32s({1.0f})}))
      .tensor_f32("rope_freqs.weight", std::vector<float>(32, 1.0f));
  const std::vector<std::uint8_t> good = w.bytes();
  std::mt19937 rng(1234);
  int errors = 0, ok = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<std::uint8_t> b = good;
    const int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = std::uint8_t(rng());
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    try {
      const auto m = parse(b);
      const auto plan = ropekit::gguf::model_rope(m);
      ++ok;
      (void)plan;
    } catch (const ropekit::error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_GT(ok, 0);
}

}  // namespace
