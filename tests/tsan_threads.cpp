// Built with -fsanitize=thread (g++, this machine's vector instructions):
//   tsan_threads disjoint  8 threads rotate disjoint token slices of one Q and
//                          K buffer, sharing one Frequencies and one
//                          CosSinCache; the result must equal one call bit for
//                          bit, and ThreadSanitizer must report nothing.
//   tsan_threads race      2 threads rotate the same slice: ThreadSanitizer
//                          must report the race (ctest expects it), which
//                          shows it sees the kernels' vector accesses.
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include <ropekit/ropekit.hpp>

namespace {

bool run(bool race) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 128;
  spec.base = 500000.0;
  spec.scaling = ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192};
  const ropekit::Frequencies f = ropekit::frequencies(spec);
  const ropekit::CosSinCache cache(f, 4096);
  const std::int64_t tokens = 64, q_heads = 8, k_heads = 2, d = 128;
  std::vector<float> q(std::size_t(tokens * q_heads * d)), k(std::size_t(tokens * k_heads * d));
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = float(i % 101) / 50.0f - 1.0f;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = float(i % 89) / 44.0f - 1.0f;
  std::vector<float> q1 = q, k1 = k;
  std::vector<std::int64_t> pos(static_cast<std::size_t>(tokens));
  for (std::int64_t t = 0; t < tokens; ++t) pos[std::size_t(t)] = 7 * t + 3;
  const auto qv = ropekit::HeadsView<float>::token_major(q.data(), tokens, q_heads, d);
  const auto kv = ropekit::HeadsView<float>::token_major(k.data(), tokens, k_heads, d);
  // One call each way, as the reference.
  ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(q1.data(), tokens, q_heads, d),
                 ropekit::HeadsView<float>::token_major(k1.data(), tokens, k_heads, d), pos);
  ropekit::apply(ropekit::Pairing::interleaved, cache,
                 ropekit::HeadsView<float>::token_major(q1.data(), tokens, q_heads, d),
                 ropekit::HeadsView<float>::token_major(k1.data(), tokens, k_heads, d), pos);
  const int threads = race ? 2 : 8;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      const std::int64_t b = race ? 0 : tokens * i / threads, e = race ? tokens : tokens * (i + 1) / threads;
      const ropekit::Positions p(pos.data() + b, e - b);
      ropekit::apply(ropekit::Pairing::neox, f, qv.slice_tokens(b, e - b), kv.slice_tokens(b, e - b), p);
      ropekit::apply(ropekit::Pairing::interleaved, cache, qv.slice_tokens(b, e - b), kv.slice_tokens(b, e - b), p);
    });
  }
  for (auto& t : pool) t.join();
  return std::memcmp(q.data(), q1.data(), q.size() * sizeof(float)) == 0 &&
         std::memcmp(k.data(), k1.data(), k.size() * sizeof(float)) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool race = argc > 1 && std::strcmp(argv[1], "race") == 0;
  const bool same = run(race);
  std::printf("%s: %s\n", race ? "race" : "disjoint", same ? "bit-identical to one call" : "DIFFERENT from one call");
  return race || same ? 0 : 1;
}
