// ropekit: the rotary embedding kernels.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_APPLY_HPP
#define ROPEKIT_APPLY_HPP

#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "angles.hpp"
#include "cache.hpp"
#include "config.hpp"
#include "detail/simd.hpp"
#include "frequencies.hpp"
#include "views.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {

/// Options of a rotation call.
struct ApplyOptions {
  Direction direction = Direction::forward;
  /// Used when angles come from a Frequencies table (caches fix theirs when built).
  AngleMode angle_mode = AngleMode::accurate;
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// Where the cos/sin of (position, pair) come from, resolved once per call.
struct AngleSource {
  std::int64_t pairs = 0;
  bool inverse = false;
  // On the fly from a frequency table.
  const float* inv_freq = nullptr;
  double scale = 1.0;  // attention factor, or its inverse
  AngleMode mode = AngleMode::accurate;
  // From a table of rows (CosSinCache or CosSinTable).
  const float* cos = nullptr;
  const float* sin = nullptr;
  std::int64_t rows = 0;
  std::int64_t row_stride = 0;
  float table_scale = 1.0f;        // attention factor of a CosSinCache
  bool per_entry_inverse = false;  // caller tables: (c, -s) / (c^2 + s^2)
};

inline bool angle_source_of(const char* function, const Frequencies& f, const ApplyOptions& o, AngleSource& a) {
  if (!validate(f, function)) return false;
  a.pairs = std::int64_t(f.inv_freq.size());
  a.inverse = o.direction == Direction::inverse;
  a.inv_freq = f.inv_freq.data();
  a.scale = a.inverse ? 1.0 / double(f.attention_factor) : double(f.attention_factor);
  a.mode = o.angle_mode;
  return true;
}

inline bool angle_source_of(const char* function, const CosSinCache& c, const ApplyOptions& o, AngleSource& a) {
  if (c.empty()) {
    fail(function, "cache.max_position()", c.max_position(), "must be >= 1 (the cache is empty)");
    return false;
  }
  a.pairs = c.pairs();
  a.inverse = o.direction == Direction::inverse;
  a.cos = c.cos_row(0);
  a.sin = c.sin_row(0);
  a.rows = c.max_position();
  a.row_stride = c.pairs();
  a.table_scale = a.inverse ? 1.0f / c.attention_factor() : c.attention_factor();
  return true;
}

inline bool angle_source_of(const char* function, const CosSinTable& t, const ApplyOptions& o, AngleSource& a) {
  if (t.pairs <= 0) return fail(function, "table.pairs", t.pairs, "must be > 0"), false;
  if (t.rows <= 0) return fail(function, "table.rows", t.rows, "must be > 0"), false;
  if (t.row_stride != 0 && t.row_stride < t.pairs) {
    fail(function, "table.row_stride", t.row_stride,
         ("must be 0 or >= table.pairs = " + std::to_string(t.pairs)).c_str());
    return false;
  }
  if (t.cos == nullptr) return fail(function, "table.cos", std::string("nullptr"), "must point to the table"), false;
  if (t.sin == nullptr) return fail(function, "table.sin", std::string("nullptr"), "must point to the table"), false;
  a.pairs = t.pairs;
  a.inverse = o.direction == Direction::inverse;
  a.cos = t.cos;
  a.sin = t.sin;
  a.rows = t.rows;
  a.row_stride = t.stride();
  a.per_entry_inverse = true;
  return true;
}

/// Table rows exist for every position: checked before anything is written.
template <class P>
inline bool check_rows(const char* function, const AngleSource& a, const P& positions, std::int64_t tokens) {
  if (a.inv_freq != nullptr) return true;
  const PositionSource pos = positions_of(positions);
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t p = pos[t];
    if (p < 0 || p >= a.rows) {
      fail(function, ("positions[" + std::to_string(t) + "]").c_str(), p,
           ("is outside the cos/sin table rows [0, " + std::to_string(a.rows) + ")").c_str());
      return false;
    }
  }
  return true;
}

/// Most pairs whose coefficients are held at once (per token); larger rotary
/// dims are processed in chunks of this many pairs.
constexpr std::int64_t kChunkPairs = 256;

/// Lanes of the widest batch (16 floats of AVX-512): coefficient rows are
/// padded to a multiple of it so any batch may read whole batches.
constexpr std::int64_t kMaxLanes = 16;

/// n rounded up to a multiple of kMaxLanes.
constexpr std::int64_t padded_to_lanes(std::int64_t n) { return (n + kMaxLanes - 1) / kMaxLanes * kMaxLanes; }

/// inv_freq[p0, p0 + n) widened to double and zero-padded to whole batches:
/// the input of the on-the-fly sincos, prepared once per call (per chunk).
struct WideInv {
  alignas(64) double values[kChunkPairs];
  void load(const AngleSource& a, std::int64_t p0, std::int64_t n) {
    for (std::int64_t i = 0; i < padded_to_lanes(n); ++i) values[i] = i < n ? double(a.inv_freq[p0 + i]) : 0.0;
  }
};

/// Fills cos/sin coefficients for pairs [p0, p0 + n) of `position`, with the
/// attention factor and direction applied. Interleaved layouts get them
/// expanded per channel: c = (c0, c0, c1, c1, ...), s = (-s0, s0, -s1, s1, ...).
template <class Arch, class C>
inline void fill_coefficients(const AngleSource& a, const WideInv& inv, std::int64_t position, std::int64_t p0,
                              std::int64_t n, Pairing pairing, C* c_out, C* s_out) {
  alignas(64) C c_row[kChunkPairs];
  alignas(64) C s_row[kChunkPairs];
  const bool expand = pairing == Pairing::interleaved;
  C* c = expand ? c_row : c_out;
  C* s = expand ? s_row : s_out;
  if (a.inv_freq != nullptr) {
    using BD = xsimd::batch<double, Arch>;
    constexpr std::int64_t W = std::int64_t(BD::size);
    alignas(64) double cd[kChunkPairs];
    alignas(64) double sd[kChunkPairs];
    const BD cos_scale(a.scale), sin_scale(a.inverse ? -a.scale : a.scale);
    for (std::int64_t i = 0; i < n; i += W) {
      BD sb, cb;
      sincos_position<Arch>(position, inv.values + i, a.mode, sb, cb);
      (cb * cos_scale).store_aligned(cd + i);
      (sb * sin_scale).store_aligned(sd + i);
    }
    for (std::int64_t i = 0; i < n; ++i) c[i] = C(cd[i]);
    for (std::int64_t i = 0; i < n; ++i) s[i] = C(sd[i]);
  } else {
    const float* cr = a.cos + position * a.row_stride + p0;
    const float* sr = a.sin + position * a.row_stride + p0;
    if (a.per_entry_inverse && a.inverse) {
      for (std::int64_t i = 0; i < n; ++i) {
        const double m = double(cr[i]) * cr[i] + double(sr[i]) * sr[i];
        c[i] = m > 0 ? C(cr[i] / m) : C(0);
        s[i] = m > 0 ? C(-sr[i] / m) : C(0);
      }
    } else {
      const C scale = a.per_entry_inverse ? C(1) : C(a.table_scale);
      const C sin_scale = a.inverse ? -scale : scale;
      for (std::int64_t i = 0; i < n; ++i) c[i] = C(cr[i]) * scale;
      for (std::int64_t i = 0; i < n; ++i) s[i] = C(sr[i]) * sin_scale;
    }
  }
  if (expand) {
    for (std::int64_t i = 0; i < n; ++i) {
      c_out[2 * i] = c[i];
      c_out[2 * i + 1] = c[i];
      s_out[2 * i] = -s[i];
      s_out[2 * i + 1] = s[i];
    }
  }
  // A partial batch reads a whole batch of coefficients: define the padding.
  const std::int64_t used = expand ? 2 * n : n;
  for (std::int64_t i = used; i < padded_to_lanes(used); ++i) c_out[i] = s_out[i] = C(0);
}

/// The next narrower instruction set (AVX-512 -> AVX2+FMA, AVX -> SSE2), for
/// vectors shorter than one batch; void when there is none.
#if defined(__AVX2__) && defined(__FMA__)
using half_of_avx512 = xsimd::fma3<xsimd::avx2>;
#else
using half_of_avx512 = void;
#endif
#if defined(__SSE2__)
using half_of_avx = xsimd::sse2;
#else
using half_of_avx = void;
#endif
template <class Arch>
using half_arch_t = std::conditional_t<arch_is<Arch, xsimd::avx512f>, half_of_avx512,
                                       std::conditional_t<arch_is<Arch, xsimd::avx>, half_of_avx, void>>;

// The three loops below share one shape over n elements (pairs or channels):
//  - n >= N (the batch size): whole batches, and a remainder done as one
//    batch ending at n that overlaps the last whole one. Its inputs are
//    loaded and its results computed before any store, so in-place calls
//    recompute the overlap from the original values, bit-identically;
//  - otherwise the next narrower instruction set, and below the narrowest a
//    partial batch (see load_batch).

/// Rotate-half pairs (x1[i], x2[i]) -> (y1[i], y2[i]), i in [0, n).
template <class Arch, class C, class S, class D>
inline void rotate_neox_pairs(const S* x1, const S* x2, D* y1, D* y2, const C* c, const C* s, std::int64_t n) {
  using B = xsimd::batch<C, Arch>;
  constexpr std::int64_t N = std::int64_t(B::size);
  auto rotate = [&](std::int64_t i, std::int64_t count, B& r1, B& r2) {
    const B a = load_batch<Arch, C>(x1 + i, count);
    const B b = load_batch<Arch, C>(x2 + i, count);
    const B cc = B::load_unaligned(c + i);
    const B ss = B::load_unaligned(s + i);
    r1 = xsimd::fms(a, cc, b * ss);
    r2 = xsimd::fma(a, ss, b * cc);
  };
  B r1, r2;
  if (n >= N) {
    const std::int64_t whole = n - n % N;
    B t1, t2;
    if (whole < n) rotate(n - N, N, t1, t2);
    for (std::int64_t i = 0; i < whole; i += N) {
      rotate(i, N, r1, r2);
      store_batch<Arch>(y1 + i, r1);
      store_batch<Arch>(y2 + i, r2);
    }
    if (whole < n) {
      store_batch<Arch>(y1 + n - N, t1);
      store_batch<Arch>(y2 + n - N, t2);
    }
    return;
  }
  if constexpr (!std::is_void<half_arch_t<Arch>>::value) {
    rotate_neox_pairs<half_arch_t<Arch>, C>(x1, x2, y1, y2, c, s, n);
  } else {
    rotate(0, n, r1, r2);
    store_batch<Arch>(y1, r1, n);
    store_batch<Arch>(y2, r2, n);
  }
}

/// Rotate-half pairs (p0 + i, half + p0 + i), i in [0, n), of one vector.
template <class Arch, class C, class S, class D>
inline void rotate_neox(const S* x, D* y, const C* c, const C* s, std::int64_t p0, std::int64_t n, std::int64_t half) {
  rotate_neox_pairs<Arch, C>(x + p0, x + half + p0, y + p0, y + half + p0, c, s, n);
}

/// Interleaved channels [0, m) (m even) with expanded coefficients.
template <class Arch, class C, class S, class D>
inline void rotate_interleaved_channels(const S* x, D* y, const C* c, const C* s, std::int64_t m) {
  using B = xsimd::batch<C, Arch>;
  constexpr std::int64_t N = std::int64_t(B::size);
  auto rotate = [&](std::int64_t j, std::int64_t count) {
    const B v = load_batch<Arch, C>(x + j, count);
    return xsimd::fma(v, B::load_unaligned(c + j), swap_pairs<Arch>(v) * B::load_unaligned(s + j));
  };
  if (m >= N) {
    const std::int64_t whole = m - m % N;
    const B tail = whole < m ? rotate(m - N, N) : B(C(0));
    for (std::int64_t j = 0; j < whole; j += N) store_batch<Arch>(y + j, rotate(j, N));
    if (whole < m) store_batch<Arch>(y + m - N, tail);
    return;
  }
  if constexpr (!std::is_void<half_arch_t<Arch>>::value) {
    rotate_interleaved_channels<half_arch_t<Arch>, C>(x, y, c, s, m);
  } else {
    store_batch<Arch>(y, rotate(0, m), m);
  }
}

/// Interleaved pairs (2(p0 + i), 2(p0 + i) + 1), i in [0, n), of one vector.
template <class Arch, class C, class S, class D>
inline void rotate_interleaved(const S* x, D* y, const C* c, const C* s, std::int64_t p0, std::int64_t n) {
  rotate_interleaved_channels<Arch, C>(x + 2 * p0, y + 2 * p0, c, s, 2 * n);
}

/// Copies channels [from, head_dim) of one vector, converting (out of place
/// only, so an overlapping last batch just writes the same values again).
template <class Arch, class C, class S, class D>
inline void copy_channels(const S* x, D* y, std::int64_t from, std::int64_t head_dim) {
  using B = xsimd::batch<C, Arch>;
  constexpr std::int64_t N = std::int64_t(B::size);
  const std::int64_t m = head_dim - from;
  if (m >= N) {
    for (std::int64_t d = from; d < head_dim; d += N) {
      const std::int64_t at = d + N <= head_dim ? d : head_dim - N;
      store_batch<Arch>(y + at, load_batch<Arch, C>(x + at));
    }
    return;
  }
  if constexpr (!std::is_void<half_arch_t<Arch>>::value) {
    copy_channels<half_arch_t<Arch>, C>(x, y, from, head_dim);
  } else {
    if (m > 0) store_batch<Arch>(y + from, load_batch<Arch, C>(x + from, m), m);
  }
}

/// One (src, dst) pair of views to rotate with the shared coefficients.
template <class S, class D>
struct ViewPair {
  HeadsView<const S> src;
  HeadsView<D> dst;
};

/// The kernel: for each token, coefficients once per chunk of pairs, applied to
/// every head of every view. Preconditions checked by the callers.
template <class Arch, class S, class D>
inline void run(Pairing pairing, const AngleSource& a, const PositionSource& pos, const ViewPair<S, D>* views,
                int n_views) {
  using C = compute_t<S, D>;
  alignas(64) C c[2 * kChunkPairs];
  alignas(64) C s[2 * kChunkPairs];
  const std::int64_t pairs = a.pairs;
  const std::int64_t tokens = views[0].src.tokens;
  const bool one_chunk = pairs <= kChunkPairs;
  WideInv inv;
  if (a.inv_freq != nullptr && one_chunk) inv.load(a, 0, pairs);
  // With partial rotary only part of each head is touched, a strided pattern
  // hardware prefetchers follow poorly: prefetch the next token's rotated
  // channels (one request per cache line) while this token is processed.
  const std::int64_t rotated_bytes = 2 * pairs * std::int64_t(sizeof(S));
  const bool prefetch = 2 * pairs < views[0].src.head_dim;
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t position = pos[t];
    if (prefetch && t + 1 < tokens) {
      for (int v = 0; v < n_views; ++v)
        for (std::int64_t h = 0; h < views[v].src.heads; ++h) {
          const char* line = reinterpret_cast<const char*>(views[v].src.at(t + 1, h));
          for (std::int64_t b = 0; b < rotated_bytes; b += 64) ROPEKIT_PREFETCH_WRITE(line + b);
        }
    }
    for (std::int64_t p0 = 0; p0 < pairs; p0 += kChunkPairs) {
      const std::int64_t n = pairs - p0 < kChunkPairs ? pairs - p0 : kChunkPairs;
      if (a.inv_freq != nullptr && !one_chunk) inv.load(a, p0, n);
      fill_coefficients<Arch, C>(a, inv, position, p0, n, pairing, c, s);
      for (int v = 0; v < n_views; ++v) {
        const ViewPair<S, D>& vp = views[v];
        for (std::int64_t h = 0; h < vp.src.heads; ++h) {
          const S* x = vp.src.at(t, h);
          D* y = vp.dst.at(t, h);
          if (pairing == Pairing::neox) {
            rotate_neox<Arch, C>(x, y, c, s, p0, n, pairs);
          } else {
            rotate_interleaved<Arch, C>(x, y, c, s, p0, n);
          }
        }
      }
    }
    for (int v = 0; v < n_views; ++v) {
      const ViewPair<S, D>& vp = views[v];
      if (static_cast<const void*>(vp.src.data) == static_cast<const void*>(vp.dst.data)) continue;
      for (std::int64_t h = 0; h < vp.src.heads; ++h)
        copy_channels<Arch, C>(vp.src.at(t, h), vp.dst.at(t, h), 2 * pairs, vp.src.head_dim);
    }
  }
}

/// Validates and runs one or two (src, dst) view pairs.
template <class Arch, class Angles, class P, class S, class D>
inline void dispatch(const char* function, Pairing pairing, const Angles& angles, const P& positions,
                     const ApplyOptions& options, const ViewPair<S, D>* views, int n_views, const char* const* names) {
  AngleSource a;
  if (!angle_source_of(function, angles, options, a)) return;
  if (!check_positions_pointer(function, positions)) return;
  for (int v = 0; v < n_views; ++v) {
    if (!check_view(function, names[2 * v], views[v].src, 2 * a.pairs)) return;
    if (!check_view(function, names[2 * v + 1], views[v].dst, 2 * a.pairs)) return;
    if (!check_pair(function, names[2 * v], views[v].src, names[2 * v + 1], views[v].dst)) return;
    if (views[v].src.tokens != views[0].src.tokens) {
      fail(function, (std::string(names[2 * v]) + ".tokens").c_str(), views[v].src.tokens,
           ("must equal " + std::string(names[0]) + ".tokens = " + std::to_string(views[0].src.tokens)).c_str());
      return;
    }
  }
  if (!check_rows(function, a, positions, views[0].src.tokens)) return;
  run<Arch, S, D>(pairing, a, positions_of(positions), views, n_views);
}

template <class T>
inline HeadsView<const std::remove_const_t<T>> as_const(const HeadsView<T>& v) {
  return HeadsView<const std::remove_const_t<T>>{v.data, v.tokens, v.heads, v.head_dim, v.token_stride, v.head_stride};
}

}  // namespace detail

/// Rotates x in place: pair i of token t turns by positions[t] * inv_freq[i]
/// (pairs per `pairing`), cos and sin scaled by the attention factor; the
/// inverse direction turns back and divides it out. `angles` is a Frequencies
/// table (cos/sin computed on the fly once per token, shared by all heads), a
/// CosSinCache, or a caller's CosSinTable (positions select rows).
/// `positions` is `const int64_t*` or `const int32_t*` with x.tokens entries,
/// or a PositionRange. rotary_dim = 2 * pairs <= head_dim; the other channels
/// are untouched. Arch is an xsimd arch, or ropekit::auto_arch (the default:
/// chosen per element type, see auto_arch).
/// Invalid arguments are reported (naming the argument and value) before
/// anything is written; the kernel itself neither throws nor allocates.
template <class Arch = ropekit::auto_arch, class T, class Angles, class P>
inline void apply(Pairing pairing, const Angles& angles, HeadsView<T> x, P positions, ApplyOptions options = {}) {
  static_assert(!std::is_const<T>::value, "apply rotates in place: the view must be writable");
  const detail::ViewPair<T, T> views[1] = {{detail::as_const(x), x}};
  const char* const names[2] = {"x", "x"};
  detail::dispatch<typename detail::resolve_arch<Arch, T, T>::type>("ropekit::apply", pairing, angles, positions,
                                                                    options, views, 1, names);
}

/// Rotates Q and K of one layer in place with the same positions: the angles
/// are computed once per token and applied to both (the head counts may
/// differ, as in grouped-query attention; q.tokens must equal k.tokens).
template <class Arch = ropekit::auto_arch, class T, class Angles, class P>
inline void apply(Pairing pairing, const Angles& angles, HeadsView<T> q, HeadsView<T> k, P positions,
                  ApplyOptions options = {}) {
  static_assert(!std::is_const<T>::value, "apply rotates in place: the views must be writable");
  const detail::ViewPair<T, T> views[2] = {{detail::as_const(q), q}, {detail::as_const(k), k}};
  const char* const names[4] = {"q", "q", "k", "k"};
  detail::dispatch<typename detail::resolve_arch<Arch, T, T>::type>("ropekit::apply", pairing, angles, positions,
                                                                    options, views, 2, names);
}

/// Rotates src into dst (out of place), converting the element type: f32 ->
/// f16/bf16 rotates K and stores it into a KV cache in one pass. Shapes must
/// match; dst must not overlap src unless it is the very same view. Channels
/// beyond rotary_dim are copied. Rounding to nearest even on store.
template <class Arch = ropekit::auto_arch, class S, class D, class Angles, class P>
inline void apply_into(Pairing pairing, const Angles& angles, HeadsView<S> src, HeadsView<D> dst, P positions,
                       ApplyOptions options = {}) {
  static_assert(!std::is_const<D>::value, "apply_into: dst must be writable");
  using SV = std::remove_const_t<S>;
  const detail::ViewPair<SV, D> views[1] = {{detail::as_const(src), dst}};
  const char* const names[2] = {"src", "dst"};
  detail::dispatch<typename detail::resolve_arch<Arch, SV, D>::type>("ropekit::apply_into", pairing, angles, positions,
                                                                     options, views, 1, names);
}

/// Q and K out of place in one call (angles computed once per token).
template <class Arch = ropekit::auto_arch, class S, class D, class Angles, class P>
inline void apply_into(Pairing pairing, const Angles& angles, HeadsView<S> q_src, HeadsView<D> q_dst,
                       HeadsView<S> k_src, HeadsView<D> k_dst, P positions, ApplyOptions options = {}) {
  static_assert(!std::is_const<D>::value, "apply_into: dst must be writable");
  using SV = std::remove_const_t<S>;
  const detail::ViewPair<SV, D> views[2] = {{detail::as_const(q_src), q_dst}, {detail::as_const(k_src), k_dst}};
  const char* const names[4] = {"q_src", "q_dst", "k_src", "k_dst"};
  detail::dispatch<typename detail::resolve_arch<Arch, SV, D>::type>("ropekit::apply_into", pairing, angles, positions,
                                                                     options, views, 2, names);
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_APPLY_HPP
