// ropekit benchmarks: real model shapes, each kernel row reporting its ratio to
// an in-place streaming pass over the same bytes (memory-bound limit) and its
// speed-up over the scalar reference and a naive "materialize cos/sin, then
// rotate_half with temporaries" baseline, all measured in this process.
//
// Counters per kernel row:
//   bytes_per_second  bytes read + written by the kernel per second
//   x_stream          kernel time / time of `x = x * a + b` over the same bytes
//   vs_reference      reference time / kernel time   (decode and prefill 512)
//   vs_naive          naive time / kernel time
//   ns_per_token      kernel time per token
//   vs_1_thread       1-thread time / this row's time (2-thread rows)
//   x_stream_mt       kernel time / the streaming pass split over as many threads (2-thread rows)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include <ropekit/ropekit.hpp>

namespace {

using ropekit::bf16;
using ropekit::f16;
using ropekit::HeadsView;
using ropekit::Pairing;

struct Model {
  const char* name;
  std::int64_t q_heads, k_heads, head_dim;
  ropekit::RopeSpec spec;
};

std::vector<Model> models() {
  std::vector<Model> m;
  {
    ropekit::RopeSpec s;  // Llama-3-8B: theta 500000, Llama 3.1 scaling
    s.rotary_dim = 128;
    s.base = 500000.0;
    s.scaling = ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192};
    m.push_back({"llama3_8b", 32, 8, 128, s});
  }
  {
    ropekit::RopeSpec s;  // Qwen2.5-7B with its long-context YaRN setting
    s.rotary_dim = 128;
    s.base = 1000000.0;
    ropekit::scaling::Yarn y;
    y.factor = 4.0;
    y.original_max_position_embeddings = 32768;
    s.scaling = y;
    m.push_back({"qwen2.5_7b", 28, 4, 128, s});
  }
  {
    ropekit::RopeSpec s;  // Phi-3-mini (4k): 32 heads, head_dim 96
    s.rotary_dim = 96;
    s.base = 10000.0;
    m.push_back({"phi3_mini", 32, 32, 96, s});
  }
  {
    ropekit::RopeSpec s;  // DeepSeek-V3 MLA rope part: 128 q heads x 64, one shared k_pe
    s.rotary_dim = 64;
    s.base = 10000.0;
    ropekit::scaling::Yarn y;
    y.factor = 40.0;
    y.original_max_position_embeddings = 4096;
    y.mscale = 1.0;
    y.mscale_all_dim = 1.0;
    s.scaling = y;
    m.push_back({"deepseek_v3_rope", 128, 1, 64, s});
  }
  {
    ropekit::RopeSpec s;  // GPT-NeoX-20B: 64 heads of 96, 24 rotary channels
    s.rotary_dim = 24;
    s.base = 10000.0;
    m.push_back({"gpt_neox_20b", 64, 64, 96, s});
  }
  return m;
}

enum class Size { decode1, decode_batch32, prefill512, prefill4096 };
const char* size_name(Size s) {
  switch (s) {
    case Size::decode1:
      return "decode1";
    case Size::decode_batch32:
      return "decode_batch32";
    case Size::prefill512:
      return "prefill512";
    default:
      return "prefill4096";
  }
}
std::int64_t size_tokens(Size s) {
  switch (s) {
    case Size::decode1:
      return 1;
    case Size::decode_batch32:
      return 32;
    case Size::prefill512:
      return 512;
    default:
      return 4096;
  }
}

/// Positions: decode at 4000; a batch of 32 sequences at scattered lengths;
/// prefill 0..n-1.
std::vector<std::int64_t> positions_for(Size s) {
  const std::int64_t n = size_tokens(s);
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  std::mt19937_64 g(42);
  for (std::int64_t t = 0; t < n; ++t)
    p[std::size_t(t)] = s == Size::decode1 ? 4000 : s == Size::decode_batch32 ? std::int64_t(g() % 32768) : t;
  return p;
}

bool quick() { return std::getenv("ROPEKIT_BENCH_QUICK") != nullptr; }

/// Minimum time of `reps` runs of f, in nanoseconds (after one warm-up).
double time_ns(const std::function<void()>& f, int reps) {
  if (quick()) reps = 1;
  f();
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, double(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
  }
  return best;
}

/// The memory-bound yardstick: one read and one write of `bytes` bytes,
/// split over `threads` threads like the kernel rows.
struct Stream {
  std::vector<float> data;
  explicit Stream(std::size_t bytes) : data(bytes / sizeof(float), 1.0f) {}
  static void pass(float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) x[i] = x[i] * 0.999f + 0.001f;
    benchmark::DoNotOptimize(x);
  }
  void run(int threads = 1) {
    const std::size_t n = data.size();
    if (threads <= 1) {
      pass(data.data(), n);
    } else {
      std::vector<std::thread> pool;
      for (int i = 0; i < threads; ++i) {
        const std::size_t b = n * std::size_t(i) / std::size_t(threads),
                          e = n * std::size_t(i + 1) / std::size_t(threads);
        pool.emplace_back([this, b, e] { pass(data.data() + b, e - b); });
      }
      for (auto& t : pool) t.join();
    }
    benchmark::ClobberMemory();
  }
};

/// The naive baseline most Python code amounts to: float32 angles, a
/// materialized [tokens][rotary_dim] cos and sin table, then per head
/// x * cos + rotate_half(x) * sin through temporaries.
template <class T>
void naive(const ropekit::Frequencies& f, HeadsView<T> v, const std::vector<std::int64_t>& pos) {
  const std::int64_t r = f.rotary_dim(), h = r / 2;
  std::vector<float> cos_t(std::size_t(v.tokens * r)), sin_t(std::size_t(v.tokens * r));
  for (std::int64_t t = 0; t < v.tokens; ++t)
    for (std::int64_t i = 0; i < r; ++i) {
      const float angle = float(pos[std::size_t(t)]) * f.inv_freq[std::size_t(i % h)];
      cos_t[std::size_t(t * r + i)] = std::cos(angle) * f.attention_factor;
      sin_t[std::size_t(t * r + i)] = std::sin(angle) * f.attention_factor;
    }
  for (std::int64_t t = 0; t < v.tokens; ++t)
    for (std::int64_t hd = 0; hd < v.heads; ++hd) {
      T* x = v.at(t, hd);
      std::vector<float> xf(static_cast<std::size_t>(r)), rotated(xf.size()), out(xf.size());
      for (std::int64_t i = 0; i < r; ++i) xf[std::size_t(i)] = ropekit::to_float(x[i]);
      for (std::int64_t i = 0; i < h; ++i) {
        rotated[std::size_t(i)] = -xf[std::size_t(i + h)];
        rotated[std::size_t(i + h)] = xf[std::size_t(i)];
      }
      for (std::int64_t i = 0; i < r; ++i)
        out[std::size_t(i)] = xf[std::size_t(i)] * cos_t[std::size_t(t * r + i)] +
                              rotated[std::size_t(i)] * sin_t[std::size_t(t * r + i)];
      for (std::int64_t i = 0; i < r; ++i) x[i] = ropekit::from_float<T>(out[std::size_t(i)]);
    }
}

/// Runs ropekit over Q and K, split by token ranges over `threads` threads.
template <class T>
void run_kernel(Pairing pairing, const ropekit::Frequencies& f, HeadsView<T> q, HeadsView<T> k,
                const std::vector<std::int64_t>& pos, int threads) {
  if (threads <= 1) {
    ropekit::apply(pairing, f, q, k, pos.data());
    return;
  }
  std::vector<std::thread> pool;
  const std::int64_t n = q.tokens;
  for (int i = 0; i < threads; ++i) {
    const std::int64_t b = n * i / threads, e = n * (i + 1) / threads;
    pool.emplace_back(
        [&, b, e] { ropekit::apply(pairing, f, q.slice_tokens(b, e - b), k.slice_tokens(b, e - b), pos.data() + b); });
  }
  for (auto& t : pool) t.join();
}

template <class T>
void bm_rope(benchmark::State& state, Model m, Size size, Pairing pairing, int threads) {
  const std::int64_t tokens = size_tokens(size);
  const auto f = ropekit::frequencies(m.spec);
  const auto pos = positions_for(size);
  std::vector<T> qb(std::size_t(tokens * m.q_heads * m.head_dim)), kb(std::size_t(tokens * m.k_heads * m.head_dim));
  std::mt19937 g(1);
  std::normal_distribution<float> nd;
  for (auto& x : qb) x = ropekit::from_float<T>(nd(g));
  for (auto& x : kb) x = ropekit::from_float<T>(nd(g));
  const auto q = HeadsView<T>::token_major(qb.data(), tokens, m.q_heads, m.head_dim);
  const auto k = HeadsView<T>::token_major(kb.data(), tokens, m.k_heads, m.head_dim);
  const std::size_t bytes = (qb.size() + kb.size()) * sizeof(T);

  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    run_kernel(pairing, f, q, k, pos, threads);
    benchmark::ClobberMemory();
  }
  const auto t1 = std::chrono::steady_clock::now();
  const double kernel_ns =
      double(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) / double(state.iterations());

  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(2 * bytes));
  state.counters["ns_per_token"] = kernel_ns / double(tokens);
  const int reps = size == Size::prefill4096 ? 5 : 50;
  Stream stream(bytes);
  state.counters["x_stream"] = kernel_ns / time_ns([&] { stream.run(); }, reps);
  if (threads > 1) {
    state.counters["vs_1_thread"] = time_ns([&] { run_kernel(pairing, f, q, k, pos, 1); }, reps) / kernel_ns;
    state.counters["x_stream_mt"] = kernel_ns / time_ns([&] { stream.run(threads); }, reps);
    return;
  }
  if (pairing == Pairing::neox) {
    state.counters["vs_naive"] = time_ns(
                                     [&] {
                                       naive(f, q, pos);
                                       naive(f, k, pos);
                                     },
                                     reps) /
                                 kernel_ns;
  }
  if (size != Size::prefill4096) {
    state.counters["vs_reference"] = time_ns(
                                         [&] {
                                           ropekit::reference::apply(pairing, f, q, pos.data());
                                           ropekit::reference::apply(pairing, f, k, pos.data());
                                         },
                                         size == Size::prefill512 ? 1 : 10) /
                                     kernel_ns;
  }
}

/// The streaming pass alone, over the bytes of a row (the rows' x_stream
/// divides by this).
void bm_stream(benchmark::State& state, std::size_t bytes) {
  Stream s(bytes);
  for (auto _ : state) s.run();
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(2 * bytes));
}

/// Cost of building a frequency table and a CosSinCache.
void bm_frequencies(benchmark::State& state, ropekit::RopeSpec spec) {
  for (auto _ : state) benchmark::DoNotOptimize(ropekit::frequencies(spec, 65536));
}
void bm_cache(benchmark::State& state, ropekit::RopeSpec spec) {
  const auto f = ropekit::frequencies(spec);
  for (auto _ : state) benchmark::DoNotOptimize(ropekit::CosSinCache(f, 4096));
  state.counters["ns_per_position"] =
      benchmark::Counter(double(state.iterations()) * 4096, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <class T>
const char* type_name() {
  return std::is_same<T, float>::value ? "f32" : std::is_same<T, bf16>::value ? "bf16" : "f16";
}

template <class T>
void register_type(const Model& m) {
  for (Size size : {Size::decode1, Size::decode_batch32, Size::prefill512, Size::prefill4096}) {
    const std::string base = std::string(m.name) + "/" + size_name(size) + "/" + type_name<T>();
    const std::size_t bytes = std::size_t(size_tokens(size) * (m.q_heads + m.k_heads) * m.head_dim) * sizeof(T);
    benchmark::RegisterBenchmark(("BM_Stream/" + base).c_str(), bm_stream, bytes);
    benchmark::RegisterBenchmark(("BM_Rope/" + base + "/neox").c_str(), bm_rope<T>, m, size, Pairing::neox, 1);
    benchmark::RegisterBenchmark(("BM_Rope/" + base + "/interleaved").c_str(), bm_rope<T>, m, size,
                                 Pairing::interleaved, 1);
    if (size == Size::prefill4096)
      benchmark::RegisterBenchmark(("BM_Rope/" + base + "/neox/threads:2").c_str(), bm_rope<T>, m, size, Pairing::neox,
                                   2)
          ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (const Model& m : models()) {
    register_type<float>(m);
    register_type<bf16>(m);
    register_type<f16>(m);
    benchmark::RegisterBenchmark((std::string("BM_Frequencies/") + m.name).c_str(), bm_frequencies, m.spec);
    benchmark::RegisterBenchmark((std::string("BM_CosSinCache4096/") + m.name).c_str(), bm_cache, m.spec);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
