// libFuzzer target: views, positions, angle sources and options from the
// input, on buffers allocated to exactly the size the view says (so AddressSanitizer
// catches any access outside), hostile sizes and strides included. A call
// ropekit accepts must match the scalar reference; a call it rejects must
// leave every buffer unchanged. Findings: crashes, sanitizer reports,
// exceptions other than ropekit::error, mismatches.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include <ropekit/ropekit.hpp>

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_apply: %s\n", what);
  std::abort();
}

/// A size or stride: usually small and sensible, sometimes hostile.
std::int64_t pick(FuzzedDataProvider& in, std::int64_t small_max) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
    case 0:
      return in.ConsumeIntegral<std::int64_t>();
    case 1:
      return std::int64_t(1) << in.ConsumeIntegralInRange<int>(30, 62);
    case 2:
      return -in.ConsumeIntegralInRange<std::int64_t>(0, 1000);
    default:
      return in.ConsumeIntegralInRange<std::int64_t>(0, small_max);
  }
}

/// Elements spanned by a view; -1 when the view is invalid (negative sizes,
/// or bytes beyond what a pointer can address: ropekit must reject it); -2
/// when it is valid but too large to allocate here (the input is skipped).
std::int64_t span_of(std::int64_t tokens, std::int64_t heads, std::int64_t dim, std::int64_t ts, std::int64_t hs) {
  if (tokens < 0 || heads < 0 || dim < 0 || ts < 0 || hs < 0) return -1;
  if (tokens == 0 || heads == 0) return 0;
  using u128 = unsigned __int128;
  const u128 s = u128(tokens - 1) * u128(ts) + u128(heads - 1) * u128(hs) + u128(dim);  // < 2^128
  if (s > u128(std::numeric_limits<std::ptrdiff_t>::max() / 4)) return -1;
  return s > (std::int64_t(1) << 22) ? -2 : std::int64_t(s);
}

struct Buffer {
  std::vector<float> storage;
  ropekit::HeadsView<float> view;
  bool too_large = false;
};

Buffer make_view(FuzzedDataProvider& in, std::int64_t tokens) {
  Buffer b;
  const std::int64_t heads = pick(in, 4), dim = pick(in, 160);
  const int layout = in.ConsumeIntegralInRange<int>(0, 2);
  auto product = [](std::int64_t a, std::int64_t b) {
    const __int128 p = __int128(a) * b;
    const __int128 max = std::numeric_limits<std::int64_t>::max(), min = std::numeric_limits<std::int64_t>::min();
    return std::int64_t(p > max ? max : p < min ? min : p);
  };
  std::int64_t ts, hs;
  if (layout == 0) {
    ts = product(heads, dim), hs = dim;
  } else if (layout == 1) {
    ts = dim, hs = product(tokens, dim);
  } else {
    ts = pick(in, 1000), hs = pick(in, 400);
  }
  const std::int64_t span = span_of(tokens, heads, dim, ts, hs);
  // Exactly the span, or one element for an invalid view: ropekit must then
  // reject it, or ASan reports the access.
  b.too_large = span == -2;
  b.storage.assign(std::size_t(span > 0 ? span : 1), 0.0f);
  for (std::size_t i = 0; i < b.storage.size(); ++i) b.storage[i] = float(int(i % 23) - 11) / 8.0f;
  b.view = ropekit::HeadsView<float>{b.storage.data(), tokens, heads, dim, ts, hs};
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  ropekit::RopeSpec spec;
  spec.rotary_dim = 2 * in.ConsumeIntegralInRange<std::int64_t>(1, 80);
  spec.base = in.ConsumeBool() ? 10000.0 : 500000.0;
  ropekit::Frequencies f = ropekit::frequencies(spec);
  if (in.ConsumeBool()) f.attention_factor = in.ConsumeFloatingPoint<float>();
  if (in.ConsumeBool() && !f.inv_freq.empty()) f.inv_freq[0] = in.ConsumeFloatingPoint<float>();
  const std::int64_t tokens = pick(in, 6);
  Buffer q = make_view(in, tokens);
  const bool with_k = in.ConsumeBool();
  Buffer k = with_k ? make_view(in, tokens) : Buffer{};
  std::vector<std::int64_t> pos(std::size_t(tokens > 0 && tokens < 64 ? tokens : 1));
  for (auto& p : pos)
    p = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::int64_t>(0, 5000) : in.ConsumeIntegral<std::int64_t>();
  const ropekit::Pairing pairing = static_cast<ropekit::Pairing>(in.ConsumeIntegralInRange<int>(0, 2));
  ropekit::ApplyOptions options;
  options.direction = static_cast<ropekit::Direction>(in.ConsumeIntegralInRange<int>(0, 2));
  const int source = in.ConsumeIntegralInRange<int>(0, 2);
  if (source == 0 && in.ConsumeBool())
    options.angle_mode = static_cast<ropekit::AngleMode>(in.ConsumeIntegralInRange<int>(0, 2));
  // A caller's table allocated to exactly the extent it claims (skipped when
  // that is valid but too large to allocate here).
  const std::int64_t rows = in.ConsumeIntegralInRange<std::int64_t>(0, 64);
  const std::int64_t table_pairs = std::int64_t(f.inv_freq.size()), row_stride = in.ConsumeBool() ? 0 : pick(in, 80);
  const std::int64_t table_span = span_of(rows, 1, table_pairs, row_stride ? row_stride : table_pairs, 0);
  if (table_span == -2) return 0;
  std::vector<float> cos_t(std::size_t(table_span > 0 ? table_span : 1), 0.6f), sin_t(cos_t.size(), 0.8f);
  const ropekit::CosSinTable table{cos_t.data(), sin_t.data(), rows, table_pairs, row_stride};
  ropekit::CosSinCache cache;
  if (q.too_large || k.too_large) return 0;
  const std::vector<float> q0 = q.storage, k0 = k.storage;
  if (std::getenv("FUZZ_APPLY_VERBOSE"))
    std::fprintf(
        stderr,
        "pairs %zu tokens %lld q{heads %lld dim %lld ts %lld hs %lld, %zu elements} k %d pairing %d source %d\n",
        f.inv_freq.size(), (long long)tokens, (long long)q.view.heads, (long long)q.view.head_dim,
        (long long)q.view.token_stride, (long long)q.view.head_stride, q.storage.size(), int(with_k), int(pairing),
        source);
  bool accepted = false;
  try {
    const ropekit::Positions p(pos.data(), std::int64_t(pos.size()) == tokens ? tokens : std::int64_t(pos.size()));
    auto call = [&](const auto& angles) {
      if (with_k) {
        ropekit::apply(pairing, angles, q.view, k.view, p, options);
      } else {
        ropekit::apply(pairing, angles, q.view, p, options);
      }
    };
    if (source == 0) {
      call(f);
    } else if (source == 1) {
      cache = ropekit::CosSinCache(f, rows > 0 ? rows : 1);
      call(cache);
    } else {
      call(table);
    }
    accepted = true;
  } catch (const ropekit::error&) {
  }
  if (!accepted) {
    if (q.storage != q0 || k.storage != k0) finding("a rejected call wrote its buffers");
    return 0;
  }
  // Accepted: every rotated value must match the reference (for attention
  // factors of sensible size; others only have to stay memory-safe).
  if (source != 0 || tokens <= 0 || q.view.heads <= 0 || std::int64_t(pos.size()) != tokens ||
      !(f.attention_factor > 1e-3f && f.attention_factor < 1e3f))
    return 0;
  const std::int64_t pairs = std::int64_t(f.inv_freq.size());
  std::vector<double> ref(std::size_t(tokens * q.view.heads * q.view.head_dim));
  Buffer original = q;
  original.storage = q0;
  original.view.data = original.storage.data();
  ropekit::reference::apply_into(
      pairing, f, ropekit::HeadsView<const float>(original.view),
      ropekit::HeadsView<double>::token_major(ref.data(), tokens, q.view.heads, q.view.head_dim), pos.data(),
      options.direction, options.angle_mode.value_or(ropekit::AngleMode::accurate));
  for (std::int64_t t = 0; t < tokens; ++t)
    for (std::int64_t h = 0; h < q.view.heads; ++h)
      for (std::int64_t d = 0; d < 2 * pairs; ++d) {
        const double want = ref[std::size_t((t * q.view.heads + h) * q.view.head_dim + d)];
        const double got = q.view.at(t, h)[d];
        const double scale = std::max(1.0, std::abs(double(f.attention_factor))) * 8.0;
        if (!(std::abs(got - want) <= 1e-5 * scale * (1 + std::abs(want))) && !(std::isnan(got) && std::isnan(want)))
          finding("an accepted call differs from the reference");
      }
  return 0;
}
