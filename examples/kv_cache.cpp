// A decode step as an engine runs it: a batch of sequences, one new token
// each. Q is rotated in place; K is rotated from f32 and written, with V, into
// a paged bf16 KV cache (vLLM's slot mapping) in one pass; the batch is split
// by token ranges over two threads (slices of the views, the positions and
// the slots), which gives bit for bit what one call gives.
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

  // 8 sequences at scattered positions; sequence b owns pages [16 b, 16 b + 16)
  // of 64 entries, so its position p is slot (16 b + p / 64) * 64 + p % 64.
  const std::int64_t batch = 8, q_heads = 28, kv_heads = 4, head_dim = 128, page_size = 64, pages = 16 * batch;
  const std::vector<std::int64_t> positions = {17, 900, 4, 77, 512, 1000, 3, 256};
  std::vector<std::int64_t> slots(batch);
  for (std::int64_t b = 0; b < batch; ++b)
    slots[b] = (16 * b + positions[b] / page_size) * page_size + positions[b] % page_size;
  std::vector<float> q(batch * q_heads * head_dim, 0.5f), k(batch * kv_heads * head_dim, 0.25f),
      v(batch * kv_heads * head_dim, 1.0f);
  // Caches [pages][page_size][kv_heads][head_dim] (NHD) in bf16.
  std::vector<ropekit::bf16> k_cache(pages * page_size * kv_heads * head_dim),
      v_cache(pages * page_size * kv_heads * head_dim);
  using ropekit::HeadsView;
  const auto q_view = HeadsView<float>::token_major(q.data(), batch, q_heads, head_dim);
  const auto k_view = HeadsView<float>::token_major(k.data(), batch, kv_heads, head_dim);
  const auto v_view = HeadsView<float>::token_major(v.data(), batch, kv_heads, head_dim);
  const auto kc = ropekit::PagedCache<ropekit::bf16>::nhd(k_cache.data(), pages, page_size, kv_heads, head_dim);
  const auto vc = ropekit::PagedCache<ropekit::bf16>::nhd(v_cache.data(), pages, page_size, kv_heads, head_dim);

  auto step = [&](std::int64_t begin, std::int64_t count) {
    const auto qs = q_view.slice_tokens(begin, count);
    ropekit::rotate_and_store(ropekit::Pairing::neox, freq, qs, qs, k_view.slice_tokens(begin, count),
                              v_view.slice_tokens(begin, count), kc, vc,
                              ropekit::CacheSlots{slots.data() + begin, count}, positions.data() + begin);
  };
  std::thread other(step, 0, batch / 2);
  step(batch / 2, batch - batch / 2);
  other.join();

  const std::size_t entry = std::size_t(slots[7] * kv_heads * head_dim);
  const float k0 = ropekit::to_float(k_cache[entry]), v0 = ropekit::to_float(v_cache[entry]);
  std::printf("attention factor %.6f; sequence 7 at position 256: K channel 0 %.6f, V channel 0 %.1f\n",
              double(freq.attention_factor), double(k0), double(v0));
  return k0 != 0.0f && v0 == 1.0f ? 0 : 1;
}
