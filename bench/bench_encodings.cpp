// Encoding benchmarks, each beside a naive version in the same binary:
// T5's relative bias (one bucket per diagonal vs one logarithm per element)
// and (Leaky) ReRoPE logits (two RoPE passes and two matrix products vs
// rotating every (query, key) pair by its mapped angle).
#include <cmath>
#include <limits>
#include <vector>

#include <benchmark/benchmark.h>

#include <ropekit/encodings.hpp>
#include <ropekit/ropekit.hpp>

ROPEKIT_INTRINSICS_BEGIN

namespace {

void bm_t5_bias(benchmark::State& state) {
  const std::int64_t n = state.range(0), heads = 12, buckets = 32;
  std::vector<float> table(std::size_t(buckets * heads), 0.5f), out(std::size_t(heads * n * n));
  for (auto _ : state) {
    ropekit::t5_relative_position_bias(table.data(), buckets, heads, true, 128, n, n, 0, 0, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * heads * n * n);
}

void bm_t5_bias_naive(benchmark::State& state) {
  const std::int64_t n = state.range(0), heads = 12, buckets = 32;
  std::vector<float> table(std::size_t(buckets * heads), 0.5f), out(std::size_t(heads * n * n));
  for (auto _ : state) {
    for (std::int64_t h = 0; h < heads; ++h)
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j)
          out[std::size_t((h * n + i) * n + j)] =
              table[std::size_t(ropekit::t5_relative_position_bucket(j - i, true, buckets, 128) * heads + h)];
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * heads * n * n);
}

struct ReropeInputs {
  ropekit::Frequencies freq;
  ropekit::RowMatrixXf q, k;
  std::vector<std::int64_t> qp, kp;
  explicit ReropeInputs(std::int64_t n)
      : q(ropekit::RowMatrixXf::Random(n, 128)), k(ropekit::RowMatrixXf::Random(n, 128)) {
    ropekit::RopeSpec spec;
    freq = ropekit::frequencies(spec);
    for (std::int64_t i = 0; i < n; ++i) qp.push_back(i), kp.push_back(i);
  }
};

void bm_rerope_logits(benchmark::State& state) {
  ReropeInputs in(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(
        ropekit::rerope_logits(ropekit::Pairing::neox, in.freq, in.q, in.qp.data(), in.k, in.kp.data(), 64, 16.0));
  state.SetItemsProcessed(std::int64_t(state.iterations()) * state.range(0) * state.range(0));
}

void bm_rerope_logits_naive(benchmark::State& state) {
  ReropeInputs in(state.range(0));
  const std::int64_t n = state.range(0);
  ropekit::RowMatrixXf out(n, n);
  std::vector<float> rotated(128);
  for (auto _ : state) {
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        if (j > i) {
          out(i, j) = -std::numeric_limits<float>::infinity();
          continue;
        }
        const double mapped = ropekit::leaky_rerope_position(in.qp[std::size_t(i)] - in.kp[std::size_t(j)], 64, 16.0);
        for (int p = 0; p < 64; ++p) {  // rotate k_j by the mapped angle, then dot with q_i
          const float c = std::cos(float(mapped) * in.freq.inv_freq[std::size_t(p)]);
          const float s = std::sin(float(mapped) * in.freq.inv_freq[std::size_t(p)]);
          rotated[std::size_t(p)] = in.k(j, p) * c + in.k(j, p + 64) * s;
          rotated[std::size_t(p + 64)] = in.k(j, p + 64) * c - in.k(j, p) * s;
        }
        float dot = 0;
        for (int d = 0; d < 128; ++d) dot += in.q(i, d) * rotated[std::size_t(d)];
        out(i, j) = dot;
      }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * n * n);
}

}  // namespace

BENCHMARK(bm_t5_bias)->Arg(128)->Arg(512);
BENCHMARK(bm_t5_bias_naive)->Arg(128)->Arg(512);
BENCHMARK(bm_rerope_logits)->Arg(128)->Arg(512);
BENCHMARK(bm_rerope_logits_naive)->Arg(128)->Arg(512);

ROPEKIT_INTRINSICS_END

BENCHMARK_MAIN();
