// ropekit's benchmark report: real model shapes, each kernel case timed in
// the same process as its baselines, repetitions interleaved (kernel,
// baseline, kernel, baseline, ...) and every ratio formed from the medians of
// the two. Writes a Markdown summary (stdout and --markdown FILE) and an SVG
// chart of x_stream per case (--svg FILE).
//
// Columns:
//   ns/token   kernel time per token (median)
//   GB/s       bytes the kernel reads and writes per second
//   x_stream   kernel time / a streaming pass over the same bytes: in place
//              `x = x * a + b`, or out of place `y = convert(x * a + b)`, with
//              as many threads as the kernel (1.0 is the memory-bandwidth limit)
//   x_naive    naive time / kernel time: float32 angles, materialized cos/sin
//              tables, rotate_half through temporaries (what most Python code does)
//   x_ref      scalar double reference time / kernel time
//
// Usage: rope_report [--quick] [--filter SUBSTRING] [--markdown FILE] [--svg FILE] [--csv FILE]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <ropekit/ropekit.hpp>
#if defined(ROPEKIT_DISPATCH)
#  include <ropekit/dispatch.hpp>
#endif

#ifndef ROPEKIT_BENCH_FLAGS
#  define ROPEKIT_BENCH_FLAGS "(unknown)"
#endif

namespace {

using ropekit::bf16;
using ropekit::f16;
using ropekit::HeadsView;
using ropekit::Pairing;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Buffers and threads
// ---------------------------------------------------------------------------

/// A 64-byte aligned array (as engines allocate tensors).
template <class T>
struct Buffer {
  std::unique_ptr<T[], void (*)(void*)> data{nullptr, std::free};
  std::size_t size = 0;
  explicit Buffer(std::size_t n)
      : data(static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64)), std::free), size(n) {}
  T* get() const { return data.get(); }
};

/// A pool of worker threads that run one function on [0, n) split in equal
/// parts, reused across calls (spawning threads per call would dominate).
class Pool {
 public:
  explicit Pool(int threads) : threads_(threads) {
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { work(i); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int threads() const { return threads_; }
  /// Runs f(part, parts) on every thread and waits for all. With one thread
  /// a plain call: a timed call costs what the work costs (a std::function
  /// made of a lambda with many captures allocates, which added about 10 ns
  /// to every decode row).
  template <class F>
  void run(const F& f) {
    if (threads_ == 1) return f(0, 1);
    const std::function<void(int, int)> job = std::cref(f);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      pending_ = threads_ - 1;
      ++generation_;
    }
    wake_.notify_all();
    f(0, threads_);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void work(int index) {
    std::uint64_t seen = 0;
    for (;;) {
      const std::function<void(int, int)>* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
        job = job_;
      }
      (*job)(index, threads_);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int, int)>* job_ = nullptr;
  int pending_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

// ---------------------------------------------------------------------------
// Models and cases
// ---------------------------------------------------------------------------

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
    m.push_back({"Llama-3-8B", 32, 8, 128, s});
  }
  {
    ropekit::RopeSpec s;  // Qwen2.5-7B with its long-context YaRN setting
    s.rotary_dim = 128;
    s.base = 1000000.0;
    ropekit::scaling::Yarn y;
    y.factor = 4.0;
    y.original_max_position_embeddings = 32768;
    s.scaling = y;
    m.push_back({"Qwen2.5-7B", 28, 4, 128, s});
  }
  {
    ropekit::RopeSpec s;  // Phi-3-mini (4k): 32 heads of 96
    s.rotary_dim = 96;
    s.base = 10000.0;
    m.push_back({"Phi-3-mini", 32, 32, 96, s});
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
    m.push_back({"DeepSeek-V3 rope", 128, 1, 64, s});
  }
  {
    ropekit::RopeSpec s;  // GPT-NeoX-20B: 64 heads of 96, 24 rotary channels
    s.rotary_dim = 24;
    s.base = 10000.0;
    m.push_back({"GPT-NeoX-20B", 64, 64, 96, s});
  }
  return m;
}

enum class Size { decode1, decode_batch32, prefill512, prefill4096 };
const char* size_name(Size s) {
  return s == Size::decode1          ? "decode"
         : s == Size::decode_batch32 ? "decode x32"
         : s == Size::prefill512     ? "prefill 512"
                                     : "prefill 4096";
}
std::int64_t size_tokens(Size s) {
  return s == Size::decode1 ? 1 : s == Size::decode_batch32 ? 32 : s == Size::prefill512 ? 512 : 4096;
}

/// What a case rotates and how.
enum class Variant {
  in_place,      ///< Q and K in place, token-major, angles on the fly
  from_cache,    ///< the same from a CosSinCache
  out_of_place,  ///< f32 Q and K rotated into a 16-bit buffer (rotate K and store it into a KV cache)
  head_major,    ///< [heads][tokens][dim] views
};
const char* variant_name(Variant v) {
  return v == Variant::in_place       ? ""
         : v == Variant::from_cache   ? " cache"
         : v == Variant::out_of_place ? " into"
                                      : " head-major";
}

struct Case {
  const Model* model;
  Size size;
  std::string type;  // f32, bf16, f16
  Pairing pairing;
  Variant variant;
  int threads;
  std::string label() const {
    return std::string(model->name) + " | " + size_name(size) + variant_name(variant) +
           (threads > 1 ? " " + std::to_string(threads) + "T" : "") + " | " + type + " | " +
           (pairing == Pairing::neox ? "neox" : "interleaved");
  }
};

struct Result {
  Case c;
  double kernel_ns = 0, stream_ns = 0, naive_ns = 0, reference_ns = 0, bytes = 0;
};

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

// ---------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------

bool g_quick = false;

/// Calls per sample so that one sample lasts about `target` seconds.
int calls_for(const std::function<void()>& f, double target) {
  f();
  const auto t0 = Clock::now();
  f();
  const double once = std::chrono::duration<double>(Clock::now() - t0).count();
  return std::max(1, std::min(100000, int(target / std::max(once, 1e-9))));
}

double sample_ns(const std::function<void()>& f, int calls) {
  const auto t0 = Clock::now();
  for (int i = 0; i < calls; ++i) f();
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / calls;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// Times the kernel and each baseline with interleaved samples; returns the
/// median ns per call of each.
std::vector<double> time_interleaved(const std::vector<std::function<void()>>& fs, int samples, double sample_seconds) {
  std::vector<int> calls;
  for (const auto& f : fs) calls.push_back(calls_for(f, sample_seconds));
  std::vector<std::vector<double>> times(fs.size());
  for (int s = 0; s < samples; ++s)
    for (std::size_t i = 0; i < fs.size(); ++i) times[i].push_back(sample_ns(fs[i], calls[i]));
  std::vector<double> out;
  for (auto& t : times) out.push_back(median(t));
  return out;
}

// ---------------------------------------------------------------------------
// Baselines
// ---------------------------------------------------------------------------

/// In-place streaming pass over n floats' worth of bytes: x = x * a + b.
void stream_in_place(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = x[i] * 0.999f + 0.001f;
}

/// Out-of-place streaming pass: y = convert(x * a + b), with ropekit's own
/// conversions (the same the kernel uses), so the baseline is not slowed by
/// a scalar conversion the kernel avoids.
template <class D>
void stream_into(const float* x, D* y, std::size_t n) {
  using Isa = ropekit::isa::best_compiled;
  using B = ropekit::detail::batch_t<Isa, float>;
  constexpr std::size_t N = B::size;
  std::size_t i = 0;
  for (; i + N <= n; i += N)
    ropekit::detail::store_whole<Isa, float>(y + i, xsimd::fma(B::load_unaligned(x + i), B(0.999f), B(0.001f)));
  for (; i < n; ++i) y[i] = ropekit::from_float<D>(x[i] * 0.999f + 0.001f);
}

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
  std::vector<float> xf(static_cast<std::size_t>(r)), rotated(xf.size()), out(xf.size());
  for (std::int64_t t = 0; t < v.tokens; ++t)
    for (std::int64_t hd = 0; hd < v.heads; ++hd) {
      T* x = v.at(t, hd);
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

// ---------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------

template <class T>
void fill_random(T* p, std::size_t n) {
  std::mt19937 g(1);
  std::normal_distribution<float> nd;
  for (std::size_t i = 0; i < n; ++i) p[i] = ropekit::from_float<T>(nd(g));
}

template <class T, class D = T>
Result run_case(const Case& c, Pool& pool) {
  const Model& m = *c.model;
  const std::int64_t tokens = size_tokens(c.size);
  const auto f = ropekit::frequencies(m.spec);
  const auto pos = positions_for(c.size);
  const std::size_t nq = std::size_t(tokens * m.q_heads * m.head_dim),
                    nk = std::size_t(tokens * m.k_heads * m.head_dim);
  Buffer<T> qb(nq), kb(nk);
  fill_random(qb.get(), nq);
  fill_random(kb.get(), nk);
  const bool head_major = c.variant == Variant::head_major;
  auto view = [&](T* p, std::int64_t heads) {
    return head_major ? HeadsView<T>::head_major(p, tokens, heads, m.head_dim)
                      : HeadsView<T>::token_major(p, tokens, heads, m.head_dim);
  };
  const auto q = view(qb.get(), m.q_heads), k = view(kb.get(), m.k_heads);
  const bool into = c.variant == Variant::out_of_place;
  Buffer<D> qd(into ? nq : 1), kd(into ? nk : 1);
  const auto qo = HeadsView<D>::token_major(qd.get(), tokens, m.q_heads, m.head_dim);
  const auto ko = HeadsView<D>::token_major(kd.get(), tokens, m.k_heads, m.head_dim);
  ropekit::CosSinCache cache;
  if (c.variant == Variant::from_cache) cache = ropekit::CosSinCache(f, 32768);

  // In place, data would grow without bound with an attention factor > 1:
  // alternate the direction (the inverse costs the same and undoes it).
  bool inverse = false;
  const std::int64_t parts_max = pool.threads();
  auto kernel = [&] {
    ropekit::ApplyOptions o;
    o.direction = inverse ? ropekit::Direction::inverse : ropekit::Direction::forward;
    inverse = !inverse;
    pool.run([&](int part, int parts) {
      const std::int64_t b = tokens * part / parts, e = tokens * (part + 1) / parts;
      const ropekit::Positions p(pos.data() + b, e - b);
      if (into) {
        ropekit::apply_into(c.pairing, f, q.slice_tokens(b, e - b), qo.slice_tokens(b, e - b), k.slice_tokens(b, e - b),
                            ko.slice_tokens(b, e - b), p);
      } else if (c.variant == Variant::from_cache) {
        ropekit::ApplyOptions oc;
        oc.direction = o.direction;
        ropekit::apply(c.pairing, cache, q.slice_tokens(b, e - b), k.slice_tokens(b, e - b), p, oc);
      } else {
        ropekit::apply(c.pairing, f, q.slice_tokens(b, e - b), k.slice_tokens(b, e - b), p, o);
      }
    });
    (void)parts_max;
  };
  // The streaming pass over the same bytes, split over the same threads (out
  // of place: read the f32 elements, write the converted ones).
  const std::size_t bytes_in = (nq + nk) * sizeof(T);
  Buffer<float> sx((bytes_in + 3) / 4);
  std::fill(sx.get(), sx.get() + sx.size, 1.0f);
  Buffer<D> sy(into ? nq + nk : 1);
  auto stream = [&] {
    pool.run([&](int part, int parts) {
      if (into) {
        const std::size_t n = nq + nk, b = n * std::size_t(part) / std::size_t(parts),
                          e = n * std::size_t(part + 1) / std::size_t(parts);
        stream_into(sx.get() + b, sy.get() + b, e - b);
      } else {
        const std::size_t n = sx.size, b = n * std::size_t(part) / std::size_t(parts),
                          e = n * std::size_t(part + 1) / std::size_t(parts);
        stream_in_place(sx.get() + b, e - b);
      }
    });
  };
  std::vector<std::function<void()>> fs = {kernel, stream};
  const bool with_naive = c.threads == 1 && c.variant == Variant::in_place && c.pairing == Pairing::neox;
  const bool with_reference = with_naive && c.size != Size::prefill4096;
  if (with_naive)
    fs.push_back([&] {
      naive(f, q, pos);
      naive(f, k, pos);
    });
  if (with_reference)
    fs.push_back([&] {
      ropekit::reference::apply(c.pairing, f, q, pos.data());
      ropekit::reference::apply(c.pairing, f, k, pos.data());
    });
  const int samples = g_quick ? 1 : 9;
  const double seconds = g_quick ? 0.0 : c.size == Size::prefill4096 ? 0.02 : 0.005;
  const auto t = time_interleaved(fs, samples, seconds);
  Result r;
  r.c = c;
  r.kernel_ns = t[0];
  r.stream_ns = t[1];
  if (with_naive) r.naive_ns = t[2];
  if (with_reference) r.reference_ns = t[3];
  r.bytes = into ? double((nq + nk) * (sizeof(T) + sizeof(D))) : double(2 * bytes_in);
  return r;
}

// ---------------------------------------------------------------------------
// Comparisons: one layout or source against another on the same shape
// ---------------------------------------------------------------------------

struct Comparison {
  std::string name, baseline;
  std::int64_t tokens = 1;
  double ns = 0, baseline_ns = 0;
  double target = 0;  ///< the ratio ns / baseline_ns the case should stay within (0: none)
};

/// Times `f` against `baseline` (interleaved medians).
Comparison compare(const std::string& name, const std::string& baseline_name, std::int64_t tokens,
                   const std::function<void()>& f, const std::function<void()>& baseline) {
  const auto t = time_interleaved({f, baseline}, g_quick ? 1 : 11, g_quick ? 0.0 : 0.005);
  Comparison c;
  c.name = name;
  c.baseline = baseline_name;
  c.tokens = tokens;
  c.ns = t[0];
  c.baseline_ns = t[1];
  std::fprintf(stderr, "%-60s %10.1f ns/token  x %s %.2f\n", name.c_str(), c.ns / double(tokens), baseline_name.c_str(),
               c.ns / c.baseline_ns);
  return c;
}

/// Multimodal and 2-D RoPE against 1-D RoPE on the same shapes, and a batch
/// with a table per request against one table.
template <class T>
std::vector<Comparison> comparisons(const char* type, const std::string& filter) {
  std::vector<Comparison> out;
  auto wanted = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  ropekit::RopeSpec spec;
  spec.rotary_dim = 128;
  spec.base = 1000000.0;
  const auto f = ropekit::frequencies(spec);
  // Qwen2.5-VL-7B: 28 q heads, 4 kv heads, head_dim 128, mrope_section [16, 24, 24].
  for (const char* layout : {"sectioned", "interleaved"}) {
    const auto axes = std::string(layout) == "sectioned" ? ropekit::mrope_sectioned(f, {16, 24, 24})
                                                         : ropekit::mrope_interleaved(f, {24, 20, 20});
    for (Size size : {Size::decode1, Size::decode_batch32, Size::prefill512}) {
      const std::string name = std::string("Qwen2.5-VL-7B ") + layout + " MRoPE | " + size_name(size) + " | " + type;
      if (!wanted(name)) continue;
      const std::int64_t tokens = size_tokens(size);
      Buffer<T> q(std::size_t(tokens * 28 * 128)), k(std::size_t(tokens * 4 * 128));
      fill_random(q.get(), q.size);
      fill_random(k.get(), k.size);
      const auto qv = HeadsView<T>::token_major(q.get(), tokens, 28, 128);
      const auto kv = HeadsView<T>::token_major(k.get(), tokens, 4, 128);
      // An image of 16 x 32 patches at temporal position 100 (prefill), or
      // scattered text positions (decode).
      std::vector<std::int64_t> pos3(std::size_t(3 * tokens)), pos1(static_cast<std::size_t>(tokens));
      for (std::int64_t t = 0; t < tokens; ++t) {
        const bool image = size == Size::prefill512;
        pos1[std::size_t(t)] = image ? 100 + t : 4000 + 37 * t;
        pos3[std::size_t(t)] = image ? 100 : pos1[std::size_t(t)];
        pos3[std::size_t(tokens + t)] = image ? 100 + t / 32 : pos1[std::size_t(t)];
        pos3[std::size_t(2 * tokens + t)] = image ? 100 + t % 32 : pos1[std::size_t(t)];
      }
      bool inverse = false;
      auto options = [&] {
        ropekit::ApplyOptions o;
        o.direction = inverse ? ropekit::Direction::inverse : ropekit::Direction::forward;
        inverse = !inverse;
        return o;
      };
      out.push_back(compare(
          name, "1-D", tokens,
          [&] {
            ropekit::apply(Pairing::neox, axes, qv, kv, ropekit::Positions::axes(pos3.data(), tokens, 3), options());
          },
          [&] { ropekit::apply(Pairing::neox, f, qv, kv, pos1, options()); }));
    }
  }
  // The ViT of Qwen2.5-VL: 16 heads of 80, axial 2-D, 1024 patches (Q and K).
  {
    const std::string name = std::string("Qwen2.5-VL ViT 2-D | 1024 patches | ") + type;
    if (wanted(name)) {
      const std::int64_t tokens = 1024;
      const auto axes = ropekit::vision_axial_2d(80);
      ropekit::RopeSpec one;
      one.rotary_dim = 80;
      const auto f80 = ropekit::frequencies(one);
      Buffer<T> q(std::size_t(tokens * 16 * 80)), k(std::size_t(tokens * 16 * 80));
      fill_random(q.get(), q.size);
      fill_random(k.get(), k.size);
      const auto qv = HeadsView<T>::token_major(q.get(), tokens, 16, 80);
      const auto kv = HeadsView<T>::token_major(k.get(), tokens, 16, 80);
      std::vector<std::int64_t> rc(std::size_t(2 * tokens)), p1(static_cast<std::size_t>(tokens));
      for (std::int64_t t = 0; t < tokens; ++t)
        rc[std::size_t(t)] = t / 32, rc[std::size_t(tokens + t)] = t % 32, p1[std::size_t(t)] = t;
      out.push_back(compare(
          name, "1-D", tokens,
          [&] { ropekit::apply(Pairing::neox, axes, qv, kv, ropekit::Positions::axes(rc.data(), tokens, 2)); },
          [&] { ropekit::apply(Pairing::neox, f80, qv, kv, p1); }));
    }
  }
  // 256 requests decoding, each with its own dynamic-NTK table (Llama-2-7B
  // shape, 32 heads of 128), against all with one table.
  {
    const std::string name = std::string("256 requests, a table each | decode x256 | ") + type;
    if (wanted(name)) {
      const std::int64_t tokens = 256;
      std::vector<ropekit::Frequencies> tables;
      std::vector<std::int32_t> which(static_cast<std::size_t>(tokens));
      std::vector<std::int64_t> pos(static_cast<std::size_t>(tokens));
      std::mt19937_64 g(7);
      for (std::int64_t t = 0; t < tokens; ++t) {
        ropekit::RopeSpec s;
        s.rotary_dim = 128;
        ropekit::scaling::DynamicNtk d;
        d.factor = 2.0;
        d.original_max_position_embeddings = 4096;
        s.scaling = d;
        pos[std::size_t(t)] = std::int64_t(g() % 16000);
        tables.push_back(ropekit::frequencies(s, pos[std::size_t(t)] + 1));
        which[std::size_t(t)] = std::int32_t(t);
      }
      const ropekit::AngleSet set(tables);
      Buffer<T> q(std::size_t(tokens * 32 * 128)), k(std::size_t(tokens * 32 * 128));
      fill_random(q.get(), q.size);
      fill_random(k.get(), k.size);
      const auto qv = HeadsView<T>::token_major(q.get(), tokens, 32, 128);
      const auto kv = HeadsView<T>::token_major(k.get(), tokens, 32, 128);
      out.push_back(compare(
          name, "one table", tokens, [&] { ropekit::apply(Pairing::neox, set.per_token(which), qv, kv, pos); },
          [&] { ropekit::apply(Pairing::neox, tables[0], qv, kv, pos); }));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// KV-cache operations: fused calls against the passes they replace
// ---------------------------------------------------------------------------

/// Rotate-and-store at Llama-3-8B's shape (32 q heads, 8 kv heads of 128)
/// into a paged NHD cache of 16-entry pages (4096 pages: far beyond the
/// last-level cache), against the two passes engines run without it: RoPE on
/// Q and K in place, then K and V copied into the cache slot by slot (vLLM's
/// reshape_and_cache: a memcpy per token and cache for same-type caches, the
/// same vectorized conversion as the fused kernel for 8-bit ones). Every call
/// writes entries the previous calls did not: decode appends each sequence's
/// next entry, prefill fills the next 512 slots.
template <class T, class KD>
std::vector<Comparison> store_comparisons(const char* type, const std::string& filter) {
  std::vector<Comparison> out;
  const std::int64_t qh = 32, kh = 8, hd = 128, page = 16, pages = 4096;
  ropekit::RopeSpec spec;
  spec.base = 500000.0;
  const auto f = ropekit::frequencies(spec);
  Buffer<KD> kc(std::size_t(pages * page * kh * hd)), vc(std::size_t(pages * page * kh * hd));
  std::fill(kc.get(), kc.get() + kc.size, KD{});
  std::fill(vc.get(), vc.get() + vc.size, KD{});
  const auto k_cache = ropekit::PagedCache<KD>::nhd(kc.get(), pages, page, kh, hd);
  const auto v_cache = ropekit::PagedCache<KD>::nhd(vc.get(), pages, page, kh, hd);
  for (Size size : {Size::decode1, Size::decode_batch32, Size::prefill512})
    for (bool streaming : {false, true}) {
      if (streaming && ropekit::detail::is_fp8<KD>) continue;  // 8-bit stores never stream
      const std::string name = std::string("Llama-3-8B rotate and store, paged NHD") +
                               (streaming ? ", streaming stores" : "") + " | " + size_name(size) + " | " + type;
      if (!filter.empty() && name.find(filter) == std::string::npos) continue;
      const std::int64_t tokens = size_tokens(size);
      Buffer<T> q(std::size_t(tokens * qh * hd)), k(std::size_t(tokens * kh * hd)), v(std::size_t(tokens * kh * hd));
      fill_random(q.get(), q.size);
      fill_random(k.get(), k.size);
      fill_random(v.get(), v.size);
      const auto pos = positions_for(size);
      const auto qv = HeadsView<T>::token_major(q.get(), tokens, qh, hd);
      const auto kv = HeadsView<T>::token_major(k.get(), tokens, kh, hd);
      const auto vv = HeadsView<T>::token_major(v.get(), tokens, kh, hd);
      ropekit::StoreOptions options;
      if (ropekit::detail::is_fp8<KD>) options.k_scale = 0.25, options.v_scale = 0.5;
      options.streaming = streaming;
      // The slots of a call's tokens, the next ones at every call.
      const std::int64_t per_sequence = pages / 32 * page;
      auto next_slots = [&](std::int64_t& step, std::vector<std::int64_t>& slots) {
        slots.resize(std::size_t(tokens));
        for (std::int64_t t = 0; t < tokens; ++t)
          slots[std::size_t(t)] =
              size == Size::prefill512 ? (step * tokens + t) % (pages * page) : t * per_sequence + step % per_sequence;
        ++step;
      };
      std::int64_t fused_step = 0, two_pass_step = 0;
      std::vector<std::int64_t> fused_slots, two_pass_slots;
      auto fused = [&] {
        next_slots(fused_step, fused_slots);
        ropekit::rotate_and_store(Pairing::neox, f, qv, qv, kv, vv, k_cache, v_cache,
                                  ropekit::CacheSlots{fused_slots.data(), tokens}, pos, options);
      };
      using Isa = ropekit::isa::best_compiled;
      constexpr std::int64_t N = ropekit::detail::lanes<Isa, float>;
      auto copy_into = [&](const T* from, KD* cache, double scale) {
        const auto divisor = ropekit::detail::Destination::of(scale);
        for (std::int64_t t = 0; t < tokens; ++t) {
          const std::int64_t s = two_pass_slots[std::size_t(t)];
          KD* to = cache + (s / page) * k_cache.page_stride + (s % page) * k_cache.entry_stride;
          const T* x = from + t * kh * hd;
          if constexpr (std::is_same<T, KD>::value) {
            std::memcpy(to, x, sizeof(T) * std::size_t(kh * hd));
          } else {
            for (std::int64_t i = 0; i < kh * hd; i += N)
              ropekit::detail::put<Isa, float>(to + i, ropekit::detail::load_whole<Isa, float>(x + i), N, divisor);
          }
        }
      };
      auto two_pass = [&] {
        next_slots(two_pass_step, two_pass_slots);
        ropekit::apply(Pairing::neox, f, qv, kv, pos);
        copy_into(k.get(), kc.get(), options.k_scale);
        copy_into(v.get(), vc.get(), options.v_scale);
      };
      Comparison c = compare(name, "RoPE, then copy into the cache", tokens, fused, two_pass);
      c.target = size == Size::decode_batch32 ? 0.6 : size == Size::prefill512 ? 0.75 : 0.0;
      out.push_back(c);
    }
  return out;
}

/// Operations on a whole cache and the fused head norm.
std::vector<Comparison> cache_comparisons(const std::string& filter) {
  std::vector<Comparison> out;
  auto wanted = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  ropekit::RopeSpec spec;
  spec.base = 500000.0;
  const auto f = ropekit::frequencies(spec);
  // K-shift of a 32k-token f16 cache (8 kv heads of 128: 64 MiB), by one
  // delta, against an in-place streaming pass over the same bytes.
  const std::int64_t tokens = 32768, kh = 8, hd = 128;
  const std::string shift_name = "Llama-3-8B K-shift, 32k-token cache | one delta | f16";
  const std::string rerotate_name = "Llama-3-8B table switch (rerotate), 32k-token cache | per-token positions | f16";
  if (wanted(shift_name) || wanted(rerotate_name)) {
    Buffer<f16> cache(std::size_t(tokens * kh * hd));
    fill_random(cache.get(), cache.size);
    const auto keys = HeadsView<f16>::token_major(cache.get(), tokens, kh, hd);
    using Isa = ropekit::isa::best_compiled;
    using B = ropekit::detail::batch_t<Isa, float>;
    auto stream = [&] {
      f16* x = cache.get();
      const std::size_t n = cache.size, N = B::size;
      for (std::size_t i = 0; i + N <= n; i += N)
        ropekit::detail::store_whole<Isa, float>(
            x + i, ropekit::detail::load_whole<Isa, float>(x + i) * B(0.999f) + B(0.001f));
    };
    std::int64_t delta = 1000;
    if (wanted(shift_name))
      out.push_back(compare(
          shift_name, "stream", tokens,
          [&] {
            ropekit::shift(Pairing::neox, f, keys, ropekit::Positions::same(delta));
            delta = -delta;
          },
          stream));
    if (wanted(shift_name)) out.back().target = 1.2;
    if (wanted(rerotate_name)) {
      ropekit::RopeSpec other = spec;
      ropekit::scaling::DynamicNtk ntk;
      ntk.factor = 4.0;
      ntk.original_max_position_embeddings = 8192;
      other.scaling = ntk;
      const auto from = ropekit::frequencies(other, 16384), to = ropekit::frequencies(other, 32768);
      bool back = false;
      out.push_back(compare(
          rerotate_name, "stream", tokens,
          [&] {
            ropekit::rerotate(Pairing::neox, back ? to : from, back ? from : to, keys, ropekit::PositionRange{0});
            back = !back;
          },
          stream));
    }
  }
  // Qwen3-8B's q_norm / k_norm (32 q heads, 8 kv heads of 128, bf16) with
  // RoPE in one pass, against the norm and then RoPE.
  for (Size size : {Size::decode_batch32, Size::prefill512}) {
    const std::string name = std::string("Qwen3-8B head RMSNorm + RoPE | ") + size_name(size) + " | bf16";
    if (!wanted(name)) continue;
    const std::int64_t n = size_tokens(size);
    Buffer<bf16> q(std::size_t(n * 32 * 128)), k(std::size_t(n * 8 * 128));
    fill_random(q.get(), q.size);
    fill_random(k.get(), k.size);
    std::vector<float> w(128, 1.0f);
    const ropekit::RmsNorm norm{w.data(), 128, 1e-6, false, true};
    const auto qv = HeadsView<bf16>::token_major(q.get(), n, 32, 128);
    const auto kv = HeadsView<bf16>::token_major(k.get(), n, 8, 128);
    const auto pos = positions_for(size);
    ropekit::ApplyOptions fused_options;
    fused_options.norm = norm;
    out.push_back(compare(
        name, "norm, then RoPE", n, [&] { ropekit::apply(Pairing::neox, f, qv, kv, pos, fused_options); },
        [&] {
          ropekit::rms_norm_heads(qv, qv, norm);
          ropekit::rms_norm_heads(kv, kv, norm);
          ropekit::apply(Pairing::neox, f, qv, kv, pos);
        }));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(':');
    if (at != std::string::npos && (line.rfind("model name", 0) == 0 || line.rfind("CPU part", 0) == 0))
      return line.substr(at + 2);
  }
  return "unknown CPU";
}

std::string fmt(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string kernel_isa() {
#if defined(ROPEKIT_DISPATCH)
  return std::string(ropekit::dispatch::name(ropekit::dispatch::selected())) +
         " (ropekit::dispatch, chosen at run time)";
#else
  return std::string(ropekit::isa::best_compiled::name) + " (header-only, from the compiler flags)";
#endif
}

/// The targets of the kernel layer, each with the worst value measured.
std::string targets(const std::vector<Result>& rs) {
  struct Target {
    std::string what;
    double limit;
    double worst = 0;
    bool seen = false;
    void take(double v) {
      worst = seen ? std::max(worst, v) : v;
      seen = true;
    }
  };
  Target decode{"decode Llama-3-8B Q+K f32, angles on the fly: ns/token", 200};
  Target decode_cache{"decode Llama-3-8B Q+K f32 from a CosSinCache: ns/token", 150};
  Target half_decode{"decode Llama-3-8B f16/bf16 / f32 time", 1.0};
  Target resident32{"cache-resident (decode x32, prefill 512) f32: x_stream", 1.5};
  Target resident16{"cache-resident (decode x32, prefill 512) f16/bf16: x_stream", 2.0};
  Target into{"out of place f32 -> f16/bf16, prefill 4096: x_stream", 1.3};
  Target prefill{"in place prefill 4096, every shape and type: x_stream", 1.10};
  Target head_major{"head-major prefill 4096: x_stream", 1.2};
  Target threads{"2 threads, prefill 4096: x_stream against a 2-thread stream", 1.15};
  double llama_f32_decode = 0;
  for (const auto& r : rs) {
    const bool llama = std::string(r.c.model->name) == "Llama-3-8B";
    const double x = r.kernel_ns / r.stream_ns, per_token = r.kernel_ns / double(size_tokens(r.c.size));
    const bool one = r.c.threads == 1;
    if (llama && r.c.size == Size::decode1 && r.c.type == "f32" && r.c.pairing == Pairing::neox && one) {
      if (r.c.variant == Variant::in_place) decode.take(per_token), llama_f32_decode = per_token;
      if (r.c.variant == Variant::from_cache) decode_cache.take(per_token);
    }
    if (r.c.variant == Variant::in_place && one && (r.c.size == Size::decode_batch32 || r.c.size == Size::prefill512))
      (r.c.type == "f32" ? resident32 : resident16).take(x);
    if (r.c.variant == Variant::out_of_place) into.take(x);
    if (r.c.variant == Variant::in_place && one && r.c.size == Size::prefill4096) prefill.take(x);
    if (r.c.variant == Variant::head_major) head_major.take(x);
    if (r.c.threads == 2) threads.take(x);
  }
  for (const auto& r : rs) {
    const bool llama = std::string(r.c.model->name) == "Llama-3-8B";
    if (llama && llama_f32_decode > 0 && r.c.size == Size::decode1 && r.c.type != "f32" &&
        r.c.variant == Variant::in_place && r.c.pairing == Pairing::neox)
      half_decode.take(r.kernel_ns / llama_f32_decode);
  }
  std::ostringstream o;
  o << "\n## Targets\n\n| target | limit | worst measured | |\n|---|---:|---:|---|\n";
  for (const Target* t :
       {&decode, &decode_cache, &half_decode, &resident32, &resident16, &into, &prefill, &head_major, &threads}) {
    if (!t->seen) continue;
    o << "| " << t->what << " | " << fmt(t->limit, 2) << " | " << fmt(t->worst, 2) << " | "
      << (t->worst <= t->limit ? "met" : "**missed**") << " |\n";
  }
  return o.str();
}

void write_svg(const std::vector<Result>& rs, const std::string& path) {
  const double bar = 14, gap = 4, left = 430, width = 460, top = 60;
  const double height = top + double(rs.size()) * (bar + gap) + 60;
  double max_ratio = 2.0;
  for (const auto& r : rs) max_ratio = std::max(max_ratio, r.kernel_ns / r.stream_ns);
  max_ratio = std::ceil(max_ratio * 2) / 2;
  std::ofstream o(path);
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << left + width + 40 << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"10\" y=\"22\" font-size=\"15\">ropekit: kernel time / streaming pass over the same bytes "
       "(1 = memory-bandwidth limit; lower is better)</text>\n";
  o << "<text x=\"10\" y=\"40\" fill=\"#555\">" << cpu_name() << ", " << kernel_isa() << "</text>\n";
  for (double g = 0; g <= max_ratio + 1e-9; g += 0.5) {
    const double x = left + g / max_ratio * width;
    o << "<line x1=\"" << x << "\" y1=\"" << top - 6 << "\" x2=\"" << x << "\" y2=\"" << height - 50 << "\" stroke=\""
      << (g == 1.0 ? "#c00" : "#ddd") << "\"/>\n";
    o << "<text x=\"" << x << "\" y=\"" << height - 36 << "\" text-anchor=\"middle\">" << fmt(g, 1) << "</text>\n";
  }
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const double y = top + double(i) * (bar + gap);
    const double ratio = rs[i].kernel_ns / rs[i].stream_ns;
    std::string label = rs[i].c.label();
    for (auto& ch : label)
      if (ch == '&' || ch == '<' || ch == '>') ch = ' ';
    o << "<text x=\"" << left - 6 << "\" y=\"" << y + bar - 3 << "\" text-anchor=\"end\">" << label << "</text>\n";
    o << "<rect x=\"" << left << "\" y=\"" << y << "\" width=\"" << std::max(1.0, ratio / max_ratio * width)
      << "\" height=\"" << bar << "\" fill=\""
      << (ratio <= 1.1   ? "#3a7"
          : ratio <= 1.5 ? "#e9b23b"
                         : "#d55")
      << "\"/>\n";
    o << "<text x=\"" << left + ratio / max_ratio * width + 4 << "\" y=\"" << y + bar - 3 << "\">" << fmt(ratio, 2)
      << "</text>\n";
  }
  o << "</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string filter, markdown_path, svg_path, csv_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "rope_report: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {
      g_quick = true;
    } else if (a == "--filter") {
      filter = next();
    } else if (a == "--markdown") {
      markdown_path = next();
    } else if (a == "--svg") {
      svg_path = next();
    } else if (a == "--csv") {
      csv_path = next();
    } else {
      std::fprintf(stderr,
                   "usage: rope_report [--quick] [--filter TEXT] [--markdown FILE] [--svg FILE] [--csv FILE]\n");
      return 2;
    }
  }
  if (std::getenv("ROPEKIT_BENCH_QUICK")) g_quick = true;

  const auto ms = models();
  std::vector<Case> cases;
  for (const Model& m : ms)
    for (Size s : {Size::decode1, Size::decode_batch32, Size::prefill512, Size::prefill4096})
      for (const char* type : {"f32", "bf16", "f16"})
        for (Pairing p : {Pairing::neox, Pairing::interleaved}) cases.push_back({&m, s, type, p, Variant::in_place, 1});
  for (const Model& m : ms) {
    for (const char* type : {"f32", "bf16"})
      cases.push_back({&m, Size::decode1, type, Pairing::neox, Variant::from_cache, 1});
    for (const char* type : {"f32->bf16", "f32->f16"})
      cases.push_back({&m, Size::prefill4096, type, Pairing::neox, Variant::out_of_place, 1});
    for (const char* type : {"f32", "bf16"})
      cases.push_back({&m, Size::prefill4096, type, Pairing::neox, Variant::head_major, 1});
    for (const char* type : {"f32", "bf16", "f16"})
      cases.push_back({&m, Size::prefill4096, type, Pairing::neox, Variant::in_place, 2});
  }

  Pool one(1), two(2);
  auto measure = [&](const Case& c) {
    Pool& pool = c.threads > 1 ? two : one;
    if (c.type == "f32") return run_case<float>(c, pool);
    if (c.type == "bf16") return run_case<bf16>(c, pool);
    if (c.type == "f16") return run_case<f16>(c, pool);
    if (c.type == "f32->bf16") return run_case<float, bf16>(c, pool);
    return run_case<float, f16>(c, pool);
  };
  std::vector<Result> results;
  bool warm = g_quick;
  for (const Case& c : cases) {
    if (!filter.empty() && c.label().find(filter) == std::string::npos) continue;
    // The first case once untimed: right after the build, the first case
    // measured up to 1.6 times slower than it did when run again.
    if (!warm) measure(c), warm = true;
    const Result r = measure(c);
    results.push_back(r);
    std::fprintf(stderr, "%-60s %10.1f ns/token  x_stream %.2f\n", c.label().c_str(),
                 r.kernel_ns / double(size_tokens(c.size)), r.kernel_ns / r.stream_ns);
  }

  std::ostringstream md;
  md << "# ropekit benchmark report\n\n";
  md << "- CPU: " << cpu_name() << " (" << std::thread::hardware_concurrency() << " hardware threads)\n";
  md << "- kernels: " << kernel_isa() << "\n";
  md << "- compiler: " << __VERSION__ << ", flags: " << ROPEKIT_BENCH_FLAGS << "\n";
  md << "- buffers 64-byte aligned; each ratio is the median of " << (g_quick ? 1 : 9)
     << " interleaved samples of the kernel over the median of as many of its baseline\n\n";
  md << "| model | case | type | pairing | ns/token | GB/s | x_stream | x_naive | x_ref |\n";
  md << "|---|---|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    const double per_token = r.kernel_ns / double(size_tokens(r.c.size));
    std::string label = r.c.label();
    for (std::size_t at; (at = label.find(" | ")) != std::string::npos;) label.replace(at, 3, "|");
    std::string cells[4];
    std::istringstream split(label);
    for (auto& cell : cells) std::getline(split, cell, '|');
    md << "| " << cells[0] << " | " << cells[1] << " | " << cells[2] << " | " << cells[3] << " | " << fmt(per_token, 1)
       << " | " << fmt(r.bytes / r.kernel_ns, 1) << " | " << fmt(r.kernel_ns / r.stream_ns, 2) << " | "
       << (r.naive_ns > 0 ? fmt(r.naive_ns / r.kernel_ns, 1) : "") << " | "
       << (r.reference_ns > 0 ? fmt(r.reference_ns / r.kernel_ns, 1) : "") << " |\n";
  }
  std::vector<Comparison> compared;
  for (auto& c : comparisons<float>("f32", filter)) compared.push_back(c);
  for (auto& c : comparisons<bf16>("bf16", filter)) compared.push_back(c);
  if (!compared.empty()) {
    md << "\n## Positions beyond one axis, a table per request\n\n";
    md << "| case | ns/token | baseline | baseline ns/token | ratio (target <= 1.10) |\n|---|---:|---|---:|---:|\n";
    for (const auto& c : compared)
      md << "| " << c.name << " | " << fmt(c.ns / double(c.tokens), 1) << " | " << c.baseline << " | "
         << fmt(c.baseline_ns / double(c.tokens), 1) << " | " << fmt(c.ns / c.baseline_ns, 2) << " |\n";
  }
  std::vector<Comparison> kv;
  for (auto& c : store_comparisons<bf16, bf16>("bf16 -> bf16 cache", filter)) kv.push_back(c);
  for (auto& c : store_comparisons<float, ropekit::e4m3>("f32 -> e4m3 cache", filter)) kv.push_back(c);
  for (auto& c : cache_comparisons(filter)) kv.push_back(c);
  if (!kv.empty()) {
    md << "\n## KV-cache operations\n\n";
    md << "| case | ns/token | baseline | baseline ns/token | ratio | target |\n|---|---:|---|---:|---:|---|\n";
    for (const auto& c : kv) {
      const double ratio = c.ns / c.baseline_ns;
      md << "| " << c.name << " | " << fmt(c.ns / double(c.tokens), 1) << " | " << c.baseline << " | "
         << fmt(c.baseline_ns / double(c.tokens), 1) << " | " << fmt(ratio, 2) << " | "
         << (c.target > 0 ? "<= " + fmt(c.target, 2) + (ratio <= c.target ? " met" : " **missed**") : std::string())
         << " |\n";
    }
  }
  md << targets(results);
  std::printf("%s", md.str().c_str());
  if (!markdown_path.empty()) std::ofstream(markdown_path) << md.str();
  if (!svg_path.empty()) write_svg(results, svg_path);
  if (!csv_path.empty()) {
    std::ofstream o(csv_path);
    o << "model,case,type,pairing,threads,kernel_ns,stream_ns,naive_ns,reference_ns,bytes\n";
    for (const auto& r : results)
      o << r.c.model->name << "," << size_name(r.c.size) << variant_name(r.c.variant) << "," << r.c.type << ","
        << (r.c.pairing == Pairing::neox ? "neox" : "interleaved") << "," << r.c.threads << "," << r.kernel_ns << ","
        << r.stream_ns << "," << r.naive_ns << "," << r.reference_ns << "," << r.bytes << "\n";
  }
  return 0;
}
