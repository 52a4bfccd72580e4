// A decode step as an engine runs it: Q rotated in place, K rotated from f32
// straight into a bf16 KV cache slot (one pass), cos/sin computed once per
// token for both, and the work split by token ranges over two threads.
#include <cstdio>
#include <thread>
#include <vector>

#include <ropekit/ropekit.hpp>

int main() {
  ropekit::RopeSpec spec;  // Qwen2.5-7B with YaRN x4
  spec.rotary_dim = 128;
  spec.base = 1000000.0;
  ropekit::scaling::Yarn yarn;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 32768;
  spec.scaling = yarn;
  const ropekit::Frequencies freq = ropekit::frequencies(spec);

  // A batch of 8 sequences, one new token each, at scattered positions.
  const std::int64_t batch = 8, q_heads = 28, kv_heads = 4, head_dim = 128, cache_len = 1024;
  const std::vector<std::int32_t> positions = {17, 900, 4, 77, 512, 1000, 3, 256};
  std::vector<float> q(batch * q_heads * head_dim, 0.5f), k(batch * kv_heads * head_dim, 0.25f);
  // KV cache [batch][cache_len][kv_heads][head_dim] in bf16; each new K goes
  // to its sequence's slot at its position: a strided destination view.
  std::vector<ropekit::bf16> k_cache(batch * cache_len * kv_heads * head_dim);

  auto step = [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t b = begin; b < end; ++b) {
      const std::int32_t* pos = positions.data() + b;
      auto q_view = ropekit::HeadsView<float>::token_major(q.data() + b * q_heads * head_dim, 1, q_heads, head_dim);
      ropekit::apply(ropekit::Pairing::neox, freq, q_view, pos);
      ropekit::HeadsView<ropekit::bf16> dst{k_cache.data() + (b * cache_len + *pos) * kv_heads * head_dim,
                                            1,
                                            kv_heads,
                                            head_dim,
                                            kv_heads * head_dim,
                                            head_dim};
      auto k_view = ropekit::HeadsView<float>::token_major(k.data() + b * kv_heads * head_dim, 1, kv_heads, head_dim);
      ropekit::apply_into(ropekit::Pairing::neox, freq, k_view, dst, pos);
    }
  };
  std::thread other(step, 0, batch / 2);
  step(batch / 2, batch);
  other.join();

  const float first = ropekit::to_float(k_cache[std::size_t((7 * cache_len + 256) * kv_heads * head_dim)]);
  std::printf("attention factor %.6f, K[7] at position 256, channel 0: %.6f\n", double(freq.attention_factor),
              double(first));
  return first != 0.0f ? 0 : 1;
}
