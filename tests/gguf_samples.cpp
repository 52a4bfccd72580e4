// Writes small GGUF files for the ropekit-inspect test (tests/test_inspect.cmake):
// a valid qwen2 YaRN model, a valid qwen3vl (IMROPE) model, a truncated copy
// and one with a corrupted array count.
#include <cstdio>
#include <string>
#include <vector>

#include "gguf_writer.hpp"

namespace gv = rk_test::gv;

static bool save(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(b.data(), 1, b.size(), f) == b.size();
  return std::fclose(f) == 0 && ok;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gguf_samples <directory>\n");
    return 2;
  }
  const std::string dir = argv[1];
  rk_test::GgufWriter q;
  q.kv("general.architecture", gv::str("qwen2"))
      .kv("qwen2.context_length", gv::u32(131072))
      .kv("qwen2.embedding_length", gv::u32(3584))
      .kv("qwen2.block_count", gv::u32(4))
      .kv("qwen2.attention.head_count", gv::u32(28))
      .kv("qwen2.rope.freq_base", gv::f32(1000000.0f))
      .kv("qwen2.rope.scaling.type", gv::str("yarn"))
      .kv("qwen2.rope.scaling.factor", gv::f32(4.0f))
      .kv("qwen2.rope.scaling.original_context_length", gv::u32(32768))
      .kv("tokenizer.ggml.tokens", gv::strs({"a", "b", "c"}));
  const std::vector<std::uint8_t> good = q.bytes();
  rk_test::GgufWriter v;
  v.kv("general.architecture", gv::str("qwen3vl"))
      .kv("qwen3vl.context_length", gv::u32(262144))
      .kv("qwen3vl.embedding_length", gv::u32(4096))
      .kv("qwen3vl.block_count", gv::u32(2))
      .kv("qwen3vl.attention.head_count", gv::u32(32))
      .kv("qwen3vl.attention.key_length", gv::u32(128))
      .kv("qwen3vl.rope.freq_base", gv::f32(5000000.0f))
      .kv("qwen3vl.rope.dimension_sections", gv::i32s({24, 20, 20, 0}));
  std::vector<std::uint8_t> truncated(good.begin(), good.begin() + std::ptrdiff_t(good.size() / 2));
  std::vector<std::uint8_t> corrupt = good;
  // The last key's array count (8 bytes after its element type) set huge.
  const std::size_t count_at = good.size() - (3 * 8 + 3) - 8;
  for (int i = 0; i < 8; ++i) corrupt[count_at + std::size_t(i)] = 0x7f;
  auto base = [](const std::string& arch, std::uint32_t layers) {
    rk_test::GgufWriter w;
    w.kv("general.architecture", gv::str(arch))
        .kv(arch + ".context_length", gv::u32(131072))
        .kv(arch + ".embedding_length", gv::u32(1024))
        .kv(arch + ".block_count", gv::u32(layers))
        .kv(arch + ".attention.head_count", gv::u32(8));
    return w;
  };
  rk_test::GgufWriter llama = base("llama", 2);
  llama.kv("llama.rope.freq_base", gv::f32(500000.0f)).tensor_f32("rope_freqs.weight", std::vector<float>(64, 2.0f));
  rk_test::GgufWriter phi3 = base("phi3", 2);
  phi3.kv("phi3.rope.scaling.attn_factor", gv::f32(1.19f))
      .kv("phi3.rope.scaling.original_context_length", gv::u32(4096))
      .tensor_f32("rope_factors_long.weight", std::vector<float>(64, 4.0f))
      .tensor_f32("rope_factors_short.weight", std::vector<float>(64, 1.0f));
  rk_test::GgufWriter gemma3 = base("gemma3", 6);
  gemma3.kv("gemma3.attention.sliding_window", gv::u32(512))
      .kv("gemma3.rope.scaling.type", gv::str("linear"))
      .kv("gemma3.rope.scaling.factor", gv::f32(8.0f));
  rk_test::GgufWriter ds = base("deepseek2", 2);
  ds.kv("deepseek2.attention.key_length_mla", gv::u32(192))
      .kv("deepseek2.attention.value_length_mla", gv::u32(128))
      .kv("deepseek2.attention.key_length", gv::u32(192))
      .kv("deepseek2.rope.dimension_count", gv::u32(64))
      .kv("deepseek2.rope.scaling.type", gv::str("yarn"))
      .kv("deepseek2.rope.scaling.factor", gv::f32(40.0f))
      .kv("deepseek2.rope.scaling.original_context_length", gv::u32(4096))
      .kv("deepseek2.rope.scaling.yarn_log_multiplier", gv::f32(0.1f));
  const bool ok = save(dir + "/llama-rope-freqs.gguf", llama.bytes()) &&
                  save(dir + "/phi3-longrope.gguf", phi3.bytes()) && save(dir + "/gemma3-swa.gguf", gemma3.bytes()) &&
                  save(dir + "/deepseek2-mla.gguf", ds.bytes()) && save(dir + "/qwen2-yarn.gguf", good) &&
                  save(dir + "/qwen3vl.gguf", v.bytes()) && save(dir + "/truncated.gguf", truncated) &&
                  save(dir + "/corrupt.gguf", corrupt);
  return ok ? 0 : 1;
}
