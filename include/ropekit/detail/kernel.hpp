// ropekit: the rotation kernel, written once over an instruction-set tag.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DETAIL_KERNEL_HPP
#define ROPEKIT_DETAIL_KERNEL_HPP

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "../arch/all.hpp"
#include "../kernel_call.hpp"
#include "../query_scale.hpp"
#include "fp.hpp"
#include "sincos.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// The type kernels compute in: double if either storage type is double,
/// float otherwise (f16 and bf16 are widened exactly to float).
template <class S, class D>
using compute_t = std::conditional_t<std::is_same<S, double>::value || std::is_same<D, double>::value, double, float>;

template <class T>
constexpr bool is_half = std::is_same<T, f16>::value || std::is_same<T, bf16>::value;
template <class T>
constexpr bool is_fp8 = std::is_same<T, e4m3>::value || std::is_same<T, e5m2>::value;

/// Lanes of the widest batch (16 floats of AVX-512): coefficient rows are
/// padded to a multiple of it, so any batch may read whole batches of them.
constexpr std::int64_t kMaxLanes = 16;
/// n rounded up to a multiple of kMaxLanes.
constexpr std::int64_t padded_to_lanes(std::int64_t n) { return (n + kMaxLanes - 1) / kMaxLanes * kMaxLanes; }

/// Most pairs whose coefficients are computed at once; larger rotary dims are
/// done in chunks of this many pairs.
constexpr std::int64_t kChunkPairs = 512;
/// Elements of each of the cos and sin scratch blocks (on the stack).
constexpr std::int64_t kScratch = 2048;
/// Most tokens whose coefficients are computed at once.
constexpr std::int64_t kMaxBlockTokens = 16;

/// Position component `axis` of token t.
inline std::int64_t position_at(const kernel::PositionStream& p, std::int64_t t, int axis = 0) {
  const std::int64_t i = axis * p.axis_stride + t;
  switch (p.kind) {
    case kernel::PositionKind::i64: {
      std::int64_t v;
      std::memcpy(&v, static_cast<const char*>(p.data) + 8 * i, 8);
      return v;
    }
    case kernel::PositionKind::i32: {
      std::int32_t v;
      std::memcpy(&v, static_cast<const char*>(p.data) + 4 * i, 4);
      return v;
    }
    default:
      return p.start + p.step * t;
  }
}

// ---------------------------------------------------------------------------
// Loads and stores of any storage type as batches of C, whole or the first
// n lanes, through the instruction set's pieces.
// ---------------------------------------------------------------------------

template <class Isa, class C, class S>
ROPEKIT_INLINE batch_t<Isa, C> load_whole(const S* p) {
  if constexpr (std::is_same<S, C>::value) {
    return batch_t<Isa, C>::load_unaligned(p);
  } else if constexpr (std::is_same<C, float>::value && is_half<S>) {
    return widen<Isa>(p, Isa{});
  } else {
    return load_lanes<Isa, C>(p, lanes<Isa, C>);
  }
}

template <class Isa, class C, class S>
ROPEKIT_INLINE batch_t<Isa, C> load_first(const S* p, std::int64_t n) {
  if constexpr (std::is_same<S, C>::value) {
    return load_partial<Isa>(p, n, Isa{});
  } else if constexpr (std::is_same<C, float>::value && is_half<S>) {
    return widen_partial<Isa>(p, n, Isa{});
  } else {
    return load_lanes<Isa, C>(p, n);
  }
}

template <class Isa, class C, class D>
ROPEKIT_INLINE void store_whole(D* p, const batch_t<Isa, C>& v) {
  if constexpr (std::is_same<D, C>::value) {
    v.store_unaligned(p);
  } else if constexpr (std::is_same<C, float>::value && is_half<D>) {
    narrow<Isa>(p, v, Isa{});
  } else {
    store_lanes<Isa, C>(p, v, lanes<Isa, C>);
  }
}

template <class Isa, class C, class D>
ROPEKIT_INLINE void store_first(D* p, const batch_t<Isa, C>& v, std::int64_t n) {
  if constexpr (std::is_same<D, C>::value) {
    store_partial<Isa>(p, v, n, Isa{});
  } else if constexpr (std::is_same<C, float>::value && is_half<D>) {
    narrow_partial<Isa>(p, v, n, Isa{});
  } else {
    store_lanes<Isa, C>(p, v, n);
  }
}

/// Streaming stores where an instruction set has none: regular ones.
template <class Isa, class D>
inline void stream_whole(D* p, const batch_t<Isa, float>& v, const isa::generic&) {
  store_whole<Isa, float>(p, v);
}

/// How computed values reach a destination: the cache scale an 8-bit float
/// destination's values are divided by (1 for every other destination),
/// with its float reciprocal for the fast path of store_fp8, and whether
/// whole batches are written with non-temporal (streaming) stores.
struct Destination {
  double scale = 1.0;
  float inverse = 1.0f;
  bool bracket = true;  ///< inverse is a float well inside the normal range
  bool stream = false;
  static Destination of(double scale, bool stream = false) {
    Destination d;
    d.scale = scale;
    d.inverse = float(1.0 / scale);
    d.bracket = d.inverse > 1e-37f && d.inverse < 1e37f;
    d.stream = stream;
    return d;
  }
};

/// The 8-bit float codes (e4m3 or e5m2, in the low byte of each lane) of a
/// batch of floats, rounded to nearest even as to_e4m3 / to_e5m2 do: e4m3
/// saturates to +-448 (infinities too), e5m2 overflows to infinity, NaN
/// stays NaN. Normal results come from the float's bits re-biased and
/// rounded on the integer; results below the smallest normal from adding
/// 2^(23 - M) times the smallest subnormal, whose float addition rounds to
/// the subnormal grid (the sum's low bits are then the code). `near`, when
/// given, marks the lanes within 8 float ulps of a rounding boundary, and
/// every nonzero lane below the smallest normal.
template <class Isa, class D>
ROPEKIT_INLINE ibatch_t<Isa> fp8_codes(const batch_t<Isa, float>& v, ibatch_t<Isa>* near = nullptr) {
  // Integer arithmetic only (no comparisons or selects, which xsimd may
  // leave out of line, shared between instruction sets): a condition is a
  // lane mask, -1 or 0, from the sign of a difference of values below 2^31,
  // and "m ? x : y" is y ^ ((x ^ y) & m).
  using I = ibatch_t<Isa>;
  using F = batch_t<Isa, float>;
  constexpr bool e4 = std::is_same<D, e4m3>::value;
  constexpr int M = e4 ? 3 : 2, Bias = e4 ? 7 : 15;
  constexpr float magic = e4 ? 16384.0f : 128.0f;  // 2^(1 - Bias - M + 23)
  constexpr std::int32_t magic_bits = e4 ? 0x46800000 : 0x43000000;
  constexpr std::int32_t min_normal = (128 - Bias) << 23, top = e4 ? 0x7e : 0x7c, nan_code = e4 ? 0x7f : 0x7e;
  auto choose = [](const I& mask, const I& x, const I& y) { return y ^ ((x ^ y) & mask); };
  const I u = lane_bits<Isa>(v, Isa{});
  const I sign = (u >> 24) & I(0x80);
  const I a = u & I(0x7fffffff);
  const I r = a - I((127 - Bias) << 23);
  const I normal = (r + I((1 << (22 - M)) - 1) + ((r >> (23 - M)) & I(1))) >> (23 - M);
  const I subnormal = lane_bits<Isa>(lane_floats<Isa>(a, Isa{}) + F(magic), Isa{}) - I(magic_bits);
  const I is_normal = (I(min_normal - 1) - a) >> 31;
  I code = choose(is_normal, normal, subnormal);
  code = choose((I(top) - code) >> 31, I(top), code);           // saturate / overflow
  code = choose((I(0x7f800000) - a) >> 31, I(nan_code), code);  // NaN
  if (near != nullptr) {
    const I from_half = (r & I((1 << (23 - M)) - 1)) - I((1 << (22 - M)) - 8);  // in [0, 16] when near
    const I outside = ((I(16) - from_half) | from_half) >> 31;
    *near = (is_normal & (outside ^ I(-1))) | ((is_normal ^ I(-1)) & ((I(0) - a) >> 31));
  }
  return sign | code;
}

/// x / s rounded once into D (an 8-bit float): the double quotient made
/// round-to-odd with its exact remainder (fma: q * s - x is exact for a
/// correctly rounded quotient), then rounded through round-to-odd float, so
/// no step rounds twice.
template <class D>
inline D divided_exactly(double x, double s) {
  const double xd = x;
  double q = xd / s;
  if (is_finite(q) && q != 0.0) {
    const double r = std::fma(q, s, -xd);
    std::uint64_t bits;
    std::memcpy(&bits, &q, sizeof bits);
    if (r != 0.0 && (bits & 1u) == 0) {
      bits = (r > 0.0) == (q > 0.0) ? bits - 1 : bits + 1;  // one step toward the exact quotient
      std::memcpy(&q, &bits, sizeof q);
    }
  }
  return from_double<D>(q);
}

/// Stores the first n lanes of float v into an 8-bit float type D, each
/// divided by dest.scale and correctly rounded. The quotient is formed in
/// float (v * fl(1 / scale): within 3 ulps of the exact one), and its code
/// is the answer except within 8 ulps of a rounding boundary, or below the
/// smallest normal: those rare lanes are done exactly.
template <class Isa, class D>
ROPEKIT_INLINE void store_fp8(D* p, const batch_t<Isa, float>& v, std::int64_t n, const Destination& dest) {
  using F = batch_t<Isa, float>;
  using I = ibatch_t<Isa>;
  std::uint8_t* out = reinterpret_cast<std::uint8_t*>(p);
  // 8-bit stores are regular ones: a batch fills a quarter of a cache line
  // at most, too little for non-temporal stores to pay.
  auto store_codes = [&](const I& codes) { store_low_bytes<Isa>(out, codes, n, Isa{}); };
  if (dest.scale == 1.0) return store_codes(fp8_codes<Isa, D>(v));
  alignas(64) float x[F::size];
  if (!dest.bracket) {  // the reciprocal is no normal float: every lane exactly
    v.store_aligned(x);
    for (std::int64_t i = 0; i < n; ++i) p[i] = divided_exactly<D>(double(x[i]), dest.scale);
    return;
  }
  I near;
  store_codes(fp8_codes<Isa, D>(v * F(dest.inverse), &near));
  if (!any_lane<Isa>(near, Isa{})) return;
  alignas(64) std::int32_t flag[F::size];
  near.store_aligned(flag);
  v.store_aligned(x);
  for (std::int64_t i = 0; i < n; ++i)
    if (flag[i] != 0) p[i] = divided_exactly<D>(double(x[i]), dest.scale);
}

/// Stores n lanes (a whole batch when n is its size) of a computed value:
/// through the instruction set's conversions; an 8-bit float destination
/// divided by its cache scale; whole batches of float, f16 or bf16 streamed
/// past the caches when the destination says so.
template <class Isa, class C, class D>
ROPEKIT_INLINE void put(D* p, const batch_t<Isa, C>& v, std::int64_t n, const Destination& dest) {
  if constexpr (is_fp8<D>) {
    if constexpr (std::is_same<C, float>::value) {
      store_fp8<Isa, D>(p, v, n, dest);
    } else {
      alignas(64) C buffer[batch_t<Isa, C>::size];
      v.store_aligned(buffer);
      for (std::int64_t i = 0; i < n; ++i) p[i] = divided_exactly<D>(double(buffer[i]), dest.scale);
    }
  } else {
    if (n == lanes<Isa, C>) {
      if constexpr (std::is_same<C, float>::value && (std::is_same<D, float>::value || is_half<D>))
        if (ROPEKIT_UNLIKELY(dest.stream)) return stream_whole<Isa>(p, v, Isa{});
      return store_whole<Isa, C>(p, v);
    }
    store_first<Isa, C>(p, v, n);
  }
}

/// put(p, a, n, dest) and put(q, b, n, dest): whole batches of 16-bit
/// destinations through narrow_two.
template <class Isa, class C, class D>
ROPEKIT_INLINE void put_two(D* p, D* q, const batch_t<Isa, C>& a, const batch_t<Isa, C>& b, std::int64_t n,
                            const Destination& dest) {
  if constexpr (std::is_same<C, float>::value && is_half<D>) {
    if (n == lanes<Isa, C> && !dest.stream && narrow_two<Isa>(p, q, a, b, Isa{})) return;
  }
  put<Isa, C>(p, a, n, dest);
  put<Isa, C>(q, b, n, dest);
}

// ---------------------------------------------------------------------------
// Angle sources: coefficient rows for a block of tokens.
// Row t of `cos_rows` / `sin_rows` (row_len elements apart) receives, for
// pairs [p0, p0 + n) of the token's position, either (neox) c[i], s[i], or
// (interleaved, `expand`) the per-channel c = (c0, c0, c1, c1, ...) and
// s = (-s0, s0, -s1, s1, ...), with cos and sin already scaled and signed for
// the direction. Padding up to row_len is zero.
// ---------------------------------------------------------------------------

/// out[0, n) = the n floats at p widened to double, then zeros up to a whole
/// number of kMaxLanes (nothing past p + n is read).
template <class Isa>
inline void widen_to_double(double* out, const float* p, std::int64_t n) {
  constexpr std::int64_t W = lanes<Isa, double>;
  std::int64_t i = 0;
  for (; i + W <= n; i += W) load_as_double<Isa>(p + i, Isa{}).store_aligned(out + i);
  for (; i < n; ++i) out[i] = double(p[i]);
  for (; i < padded_to_lanes(n); ++i) out[i] = 0.0;
}

/// Writes n coefficients c, s into a row, expanded per channel when needed
/// (whole batches of float with spread_pairs; c and s are padded to whole
/// batches, the row to kMaxLanes).
template <class Isa, class C>
inline void put_row(const C* c, const C* s, std::int64_t n, bool expand, C* c_row, C* s_row, std::int64_t row_len) {
  std::int64_t used = n;
  if (expand) {
    std::int64_t i = 0;
    if constexpr (std::is_same<C, float>::value) {
      using B = batch_t<Isa, float>;
      constexpr std::int64_t N = lanes<Isa, float>;
      alignas(64) float signs[N];
      for (std::int64_t j = 0; j < N; ++j) signs[j] = j % 2 == 0 ? -1.0f : 1.0f;
      const B sign = B::load_aligned(signs);
      for (; i + N <= n; i += N) {
        B lo, hi;
        spread_pairs<Isa>(B::load_aligned(c + i), lo, hi, Isa{});
        lo.store_aligned(c_row + 2 * i);
        hi.store_aligned(c_row + 2 * i + N);
        spread_pairs<Isa>(B::load_aligned(s + i), lo, hi, Isa{});
        (lo * sign).store_aligned(s_row + 2 * i);
        (hi * sign).store_aligned(s_row + 2 * i + N);
      }
    }
    for (; i < n; ++i) {
      c_row[2 * i] = c[i];
      c_row[2 * i + 1] = c[i];
      s_row[2 * i] = -s[i];
      s_row[2 * i + 1] = s[i];
    }
    used = 2 * n;
  } else if (c != c_row) {
    for (std::int64_t i = 0; i < n; ++i) c_row[i] = c[i];
    for (std::int64_t i = 0; i < n; ++i) s_row[i] = s[i];
  }
  for (std::int64_t i = used; i < row_len; ++i) c_row[i] = s_row[i] = C(0);
}

/// sin and cos of pos[j] * inv[j] for each lane j (positions differing per
/// lane: pairs of different axes in one batch), as sincos_position does for
/// one position.
template <class Isa, class C>
inline void sincos_lanes(const std::int64_t* pos, const double* inv, AngleMode mode, batch_t<Isa, double>& sin_out,
                         batch_t<Isa, double>& cos_out) {
  using B = batch_t<Isa, double>;
  alignas(64) double hi[B::size], lo[B::size];
  if (mode == AngleMode::float32_compatible) {
    for (std::size_t j = 0; j < B::size; ++j) {
      hi[j] = double(static_cast<float>(pos[j]) * static_cast<float>(inv[j]));
      lo[j] = 0.0;
    }
    sincos_split<Isa, C>(B::load_aligned(hi), B::load_aligned(lo), sin_out, cos_out);
    return;
  }
  for (std::size_t j = 0; j < B::size; ++j) {
    const std::int64_t low = pos[j] & 0xffff;
    hi[j] = double(pos[j] - low);
    lo[j] = double(low);
  }
  const B v = B::load_unaligned(inv);
  sincos_split<Isa, C>(B::load_aligned(hi) * v, B::load_aligned(lo) * v, sin_out, cos_out);
}

/// How the pairs of a chunk read the position axes, for the on-the-fly fill:
/// per batch of the double lanes, the axis all its pairs read (or -1 when
/// they differ), and per pair its axis as a double (to select lanes), made
/// when a token first needs it (a decode step whose components are equal,
/// as a multimodal model's text tokens are, never does).
template <class Isa>
struct LaneAxes {
  static constexpr std::int64_t W = lanes<Isa, double>;
  std::int8_t batch[kChunkPairs / W + 2];
  /// Prepares pairs [p0, p0 + n) of a source whose pair j reads axes[j].
  void prepare(const std::uint8_t* axes, std::int64_t p0, std::int64_t n) {
    source_ = axes + p0;
    n_ = n;
    have_doubles_ = false;
    for (std::int64_t i = 0, b = 0; i < n; i += W, ++b) {
      const std::int64_t last = n - i < W ? n - i : W;
      const std::uint8_t first = source_[i];
      std::uint8_t differ = 0;
      for (std::int64_t j = 0; j < last; ++j) differ |= std::uint8_t(source_[i + j] ^ first);
      batch[b] = differ ? std::int8_t(-1) : std::int8_t(first);
    }
  }
  /// Each pair's axis as a double, zero-padded to whole batches.
  const double* doubles() const {
    if (!have_doubles_) {
      for (std::int64_t i = 0; i < n_; ++i) axis_[i] = double(source_[i]);
      for (std::int64_t i = n_; i < padded_to_lanes(n_); ++i) axis_[i] = 0.0;
      have_doubles_ = true;
    }
    return axis_;
  }

 private:
  const std::uint8_t* source_ = nullptr;
  std::int64_t n_ = 0;
  mutable bool have_doubles_ = false;
  alignas(64) mutable double axis_[kChunkPairs + kMaxLanes];
};

/// One token's coefficients for pairs [p0, p0 + n) from an on-the-fly source
/// `s`: cos and sin of position * inv_freq, times the attention factor
/// (forward) or its inverse with the sine negated. `inv` holds s.inv_freq[p0,
/// p0 + n) widened to double, zero-padded to whole batches; `axes` (null for
/// one axis) says which position component each pair reads: a batch whose
/// pairs all read one takes the one-position path, the others select each
/// lane's split position among the token's components.
template <class Isa, class C>
inline void fill_token_frequencies(const kernel::Angles& s, bool inverse, const std::int64_t* position, int n_axes,
                                   const double* inv, const LaneAxes<Isa>* axes, std::int64_t n, C* c_out, C* s_out) {
  using BD = batch_t<Isa, double>;
  constexpr std::int64_t W = lanes<Isa, double>;
  const double scale = inverse ? 1.0 / s.scale : s.scale;
  const BD cos_scale(scale), sin_scale(inverse ? -scale : scale);
  const bool unit = scale == 1.0;
  double hi[kernel::kMaxAxes] = {}, lo[kernel::kMaxAxes] = {};
  for (int a = 0; a < n_axes; ++a) {
    const std::int64_t low = position[a] & 0xffff;
    hi[a] = double(position[a] - low);
    lo[a] = double(low);
  }
  for (std::int64_t i = 0; i < n; i += W) {
    BD sb, cb;
    const std::int8_t uniform = axes != nullptr ? axes->batch[i / W] : 0;
    if (uniform >= 0) {
      sincos_position<Isa, C>(position[uniform], inv + i, s.mode, sb, cb);
    } else if (s.mode == AngleMode::float32_compatible) {
      alignas(64) std::int64_t lane_pos[W];
      const double* lane_axis = axes->doubles() + i;
      for (std::int64_t j = 0; j < W; ++j) lane_pos[j] = position[std::int64_t(lane_axis[j])];
      sincos_lanes<Isa, C>(lane_pos, inv + i, s.mode, sb, cb);
    } else {
      const BD lane_axis = BD::load_aligned(axes->doubles() + i);
      BD h(hi[0]), l(lo[0]);
      for (int a = 1; a < n_axes; ++a) {
        const auto here = lane_axis == BD(double(a));
        h = xsimd::select(here, BD(hi[a]), h);
        l = xsimd::select(here, BD(lo[a]), l);
      }
      const BD v = BD::load_unaligned(inv + i);
      sincos_split<Isa, C>(h * v, l * v, sb, cb);
    }
    if (!unit || inverse) {
      cb = cb * cos_scale;
      sb = sb * sin_scale;
    }
    if constexpr (std::is_same<C, double>::value) {
      cb.store_aligned(c_out + i);
      sb.store_aligned(s_out + i);
    } else {
      store_as_float<Isa>(c_out + i, cb, Isa{});
      store_as_float<Isa>(s_out + i, sb, Isa{});
    }
  }
}

/// a + b as s + e exactly (Knuth's TwoSum); every step is one rounding
/// between opaque values, so -ffast-math can not reassociate it.
template <class Isa>
inline void two_sum(const batch_t<Isa, double>& a, const batch_t<Isa, double>& b, batch_t<Isa, double>& s,
                    batch_t<Isa, double>& e) {
  s = opaque<Isa>(a + b, Isa{});
  const batch_t<Isa, double> bb = opaque<Isa>(s - a, Isa{});
  const batch_t<Isa, double> t1 = opaque<Isa>(s - bb, Isa{});
  const batch_t<Isa, double> t2 = opaque<Isa>(a - t1, Isa{});
  const batch_t<Isa, double> t3 = opaque<Isa>(b - bb, Isa{});
  e = t2 + t3;
}

/// One token's coefficients of a change of tables: the angle position *
/// (inv_new - inv_old) formed from the four exact products p_hi * inv and
/// p_lo * inv (see sincos_position) as a double-double, so it is exact to
/// 2^-100 relative, not the difference of two rounded angles; cos and sin
/// scaled by s.scale (the ratio of the attention factors) or, inverse, its
/// inverse with the sine negated.
template <class Isa, class C>
inline void fill_token_difference(const kernel::Angles& s, bool inverse, std::int64_t position, const double* inv_new,
                                  const double* inv_old, std::int64_t n, C* c_out, C* s_out) {
  using BD = batch_t<Isa, double>;
  constexpr std::int64_t W = lanes<Isa, double>;
  const double scale = inverse ? 1.0 / s.scale : s.scale;
  const BD cos_scale(scale), sin_scale(inverse ? -scale : scale);
  const std::int64_t low = position & 0xffff;
  const BD p_hi = BD(double(position - low)), p_lo = BD(double(low));
  for (std::int64_t i = 0; i < n; i += W) {
    const BD vn = BD::load_unaligned(inv_new + i), vo = BD::load_unaligned(inv_old + i);
    BD hi, e;
    two_sum<Isa>(p_hi * vn, -(p_hi * vo), hi, e);
    const BD lo = opaque<Isa>(p_lo * vn - p_lo * vo, Isa{}) + e;
    BD sb, cb;
    sincos_split<Isa, C>(hi, lo, sb, cb);
    cb = cb * cos_scale;
    sb = sb * sin_scale;
    if constexpr (std::is_same<C, double>::value) {
      cb.store_aligned(c_out + i);
      sb.store_aligned(s_out + i);
    } else {
      store_as_float<Isa>(c_out + i, cb, Isa{});
      store_as_float<Isa>(s_out + i, sb, Isa{});
    }
  }
}

/// One token's coefficients from table rows (a CosSinCache or a caller's
/// table) selected by position (per pair, with several axes): scaled by
/// table_scale, or for a caller's table in the inverse direction the inverse
/// of the 2x2 map, (c, -s) / (c^2 + s^2) (NaN when that map is singular or
/// the entries are NaN).
template <class Isa, class C>
inline void fill_token_table(const kernel::Angles& s, bool inverse, const std::int64_t* position, std::int64_t p0,
                             std::int64_t n, C* c_out, C* s_out) {
  const C scale = C(inverse ? 1.0f / s.table_scale : s.table_scale);
  const C sin_scale = inverse ? -scale : scale;
  // Validation keeps every row in [0, rows); stay inside the table anyway.
  auto row_of = [&](std::int64_t p) { return p < 0 ? 0 : p >= s.rows ? s.rows - 1 : p; };
  if constexpr (std::is_same<C, float>::value) {
    if (s.axis == nullptr && !(inverse && s.exact_inverse)) {
      // One row, read in batches (the last one partial: tables are not padded).
      using B = batch_t<Isa, float>;
      constexpr std::int64_t N = lanes<Isa, float>;
      const std::int64_t at = row_of(position[0]) * s.row_stride + p0;
      const float* cr = s.cos + at;
      const float* sr = s.sin + at;
      const B k(scale), ks(sin_scale);
      for (std::int64_t i = 0; i < n; i += N) {
        const std::int64_t m = n - i < N ? n - i : N;
        const B c = m == N ? B::load_unaligned(cr + i) : load_partial<Isa>(cr + i, m, Isa{});
        const B v = m == N ? B::load_unaligned(sr + i) : load_partial<Isa>(sr + i, m, Isa{});
        (c * k).store_aligned(c_out + i);
        (v * ks).store_aligned(s_out + i);
      }
      return;
    }
  }
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t j = p0 + i;
    const std::int64_t at = row_of(position[s.axis != nullptr ? s.axis[j] : 0]) * s.row_stride + j;
    if (inverse && s.exact_inverse) {
      const double c = s.cos[at], v = s.sin[at];
      const double m = c * c + v * v;
      c_out[i] = C(c / m);
      s_out[i] = C(-v / m);
    } else {
      c_out[i] = C(s.cos[at]) * scale;
      s_out[i] = C(s.sin[at]) * sin_scale;
    }
  }
}

/// Fills the coefficient rows of tokens [t0, t0 + nt) for pairs [p0, p0 +
/// n) (see above). `inv` and `axes` are the call's on-the-fly table widened
/// to double and its lane axes (for AngleKind::frequencies); a selection
/// prepares each token's own.
template <class Isa, class C>
inline void fill_rows(const kernel::Angles& a, const double* inv, const double* inv_old, const LaneAxes<Isa>* axes,
                      std::int64_t t0, std::int64_t nt, std::int64_t p0, std::int64_t n, bool expand, C* cos_rows,
                      C* sin_rows, std::int64_t row_len) {
  alignas(64) C c_tmp[kChunkPairs + kMaxLanes];
  alignas(64) C s_tmp[kChunkPairs + kMaxLanes];
  alignas(64) double own_inv[kChunkPairs + kMaxLanes];
  LaneAxes<Isa> own_axes;
  std::int64_t position[kernel::kMaxAxes] = {0, 0, 0, 0};
  for (std::int64_t t = 0; t < nt; ++t) {
    bool one_position = true;  // every component equal (a text token of a multimodal model)
    for (int axis = 0; axis < a.positions.n_axes; ++axis) {
      position[axis] = position_at(a.positions, t0 + t, axis);
      one_position = one_position && position[axis] == position[0];
    }
    const kernel::Angles& s = a.kind == kernel::AngleKind::select ? a.sources[a.index[t0 + t]] : a;
    C* c_row = cos_rows + t * row_len;
    C* s_row = sin_rows + t * row_len;
    C* c_out = expand ? c_tmp : c_row;
    C* s_out = expand ? s_tmp : s_row;
    if (s.kind == kernel::AngleKind::difference) {
      fill_token_difference<Isa, C>(s, a.inverse, position[0], inv, inv_old, n, c_out, s_out);
    } else if (s.kind == kernel::AngleKind::frequencies) {
      const double* table_inv = inv;
      const LaneAxes<Isa>* table_axes = axes;
      if (a.kind == kernel::AngleKind::select) {
        for (std::int64_t i = 0; i < n; ++i) own_inv[i] = double(s.inv_freq[p0 + i]);
        for (std::int64_t i = n; i < padded_to_lanes(n); ++i) own_inv[i] = 0.0;
        table_inv = own_inv;
        table_axes = nullptr;
        if (s.axis != nullptr) {
          own_axes.prepare(s.axis, p0, n);
          table_axes = &own_axes;
        }
      }
      // Equal components: every pair reads the same position, whatever its axis.
      fill_token_frequencies<Isa, C>(s, a.inverse, position, a.positions.n_axes, table_inv,
                                     one_position ? nullptr : table_axes, n, c_out, s_out);
    } else {
      fill_token_table<Isa, C>(s, a.inverse, position, p0, n, c_out, s_out);
    }
    put_row<Isa>(c_out, s_out, n, expand, c_row, s_row, row_len);
  }
}

/// put(p, a, N, dest) and put(p + N, b, N, dest) for two whole batches
/// streamed to a 16-bit destination: by one wide store where the
/// instruction set has one (stream_joined).
template <class Isa, class C, class D>
ROPEKIT_INLINE void stream_two(D* p, const batch_t<Isa, C>& a, const batch_t<Isa, C>& b, const Destination& dest) {
  constexpr std::int64_t N = lanes<Isa, C>;
  if constexpr (std::is_same<C, float>::value && is_half<D>) {
    if (stream_joined<Isa>(p, a, b, Isa{})) return;
  }
  put<Isa, C>(p, a, N, dest);
  put<Isa, C>(p + N, b, N, dest);
}

// ---------------------------------------------------------------------------
// Rotations of one vector. In place, y aliases x exactly: every batch is
// loaded before it is stored, and partial batches touch only their lanes.
// ---------------------------------------------------------------------------

/// Copies channels [0, m) converting S to D, multiplying by `scale` (when
/// not 1) and dividing by dest.scale for an 8-bit float destination. In
/// place (y == x) each batch is loaded before it is stored. Between equal
/// types unscaled, the bytes are copied (V into a cache: a 16-bit NaN keeps
/// its payload bits, as a conversion through float would not).
template <class Isa, class C, class S, class D>
inline void copy_channels(const S* x, D* y, std::int64_t m, C scale, const Destination& dest) {
  using B = batch_t<Isa, C>;
  constexpr std::int64_t N = lanes<Isa, C>;
  const bool scaled = scale != C(1);
  if constexpr (std::is_same<S, D>::value) {
    if (!scaled) {
      if (static_cast<const void*>(x) != static_cast<const void*>(y))
        copy_bytes<Isa>(y, x, m * std::int64_t(sizeof(S)), dest.stream, Isa{});
      return;
    }
  }
  const B k(scale);
  std::int64_t j = 0;
  for (; j + N <= m; j += N) {
    const B v = load_whole<Isa, C>(x + j);
    put<Isa, C>(y + j, scaled ? v * k : v, N, dest);
  }
  if (j < m) {
    const B v = load_first<Isa, C>(x + j, m - j);
    put<Isa, C>(y + j, scaled ? v * k : v, m - j, dest);
  }
}

/// Batches of coefficients held in registers while they are applied to every
/// head of a token: 8 with 32 vector registers (AVX-512, AArch64: a 128-dim
/// head of 16-bit elements, or 256 dims in neox pairs, in one block); with
/// 16, 4 for float and double destinations and 2 for 16-bit ones, whose
/// conversions need registers of their own; 1 for 8-bit float destinations.
template <class Isa, class D = float>
constexpr std::int64_t kHeldBatches =
    is_fp8<D>                                                                            ? 1
    : std::is_base_of<isa::avx512, Isa>::value || std::is_base_of<isa::neon, Isa>::value ? 8
    : is_half<D>                                                                         ? 2
                                                                                         : 4;

/// A run of vectors: `count` vectors at x + j * x_step (y + j * y_step), the
/// rotated slice of each starting at the pointer. All share one coefficient
/// row, or (row_step > 0: a head of a head-major view, one vector per token)
/// vector j reads the rows row_step elements after vector j - 1's, and
/// vectors up to `ahead` (>= count) exist to be prefetched.
template <class S, class D>
struct VectorRun {
  const S* x;
  D* y;
  std::int64_t x_step, y_step, count;
  double scale;      ///< multiplies the rotated vectors (query scale, 1 / cache scale; 1 otherwise)
  Destination dest;  ///< the cache scale of an 8-bit float destination, streaming stores
  std::int64_t row_step = 0;
  std::int64_t ahead = 0;
  /// Shared rows only, when later_bytes > 0: as vector j is rotated, the
  /// later_bytes bytes at x + j * x_step + later (the same vector of a later
  /// token) are prefetched for reading, and when later_y_bytes > 0 those at
  /// y + j * y_step + later_y for writing.
  std::int64_t later = 0, later_bytes = 0, later_y = 0, later_y_bytes = 0;
};

/// Calls f(std::integral_constant<std::int64_t, k>) for k = 0 .. K-1, unrolled
/// (arrays of batches indexed by constants stay in registers).
template <class F, std::int64_t... k>
ROPEKIT_INLINE void unrolled_impl(F& f, std::integer_sequence<std::int64_t, k...>) {
  (f(std::integral_constant<std::int64_t, k>{}), ...);
}
template <std::int64_t K, class F>
ROPEKIT_INLINE void unrolled(F&& f) {
  unrolled_impl(f, std::make_integer_sequence<std::int64_t, K>{});
}

/// Token-major calls prefetch the tokens at least this many bytes of a view
/// ahead (at least 1, at most 16 tokens).
constexpr std::int64_t kBytesAhead = 2048;

/// Calls reading at least this many bytes (twice a current server core's L2)
/// prefetch in token order: their vectors come from the last-level cache or
/// memory, and hardware prefetchers keep too few lines in flight to hide
/// that behind the arithmetic (in-place prefill of 4096 tokens in 16-bit ran
/// at 1.5 to 2 times a streaming pass without, 1.0 to 1.3 with). Smaller
/// calls (a decode batch) find their vectors in L2, where the prefetches only
/// cost (DeepSeek-V3's decode batch of 32, 1 MB in f32, took 30% longer).
constexpr std::int64_t kPrefetchAbove = std::int64_t(4) << 20;

/// The loop both pairings share: coefficient lanes [0, extent) of rows c, s
/// (times `scale`) against the vectors of a run (see VectorRun; `bytes` of
/// each vector are read), op(x, y, cc, ss, lanes_used) per batch of lanes;
/// with 16-bit destinations and an op2 (not nullptr), two consecutive whole
/// batches go to op2(x, y, cc0, ss0, cc1, ss1) instead (converted together).
/// Blocks of up to kHeldBatches coefficient batches are loaded once and
/// applied to all the vectors sharing them; the last block may hold fewer
/// batches, its last one partial. So each vector is read in as few passes as
/// there are blocks (one for the common head sizes: prefetchers see whole
/// vectors), and for short calls (decode) the loop issues the loads and
/// stores of the vectors only. No pointer is formed past the last vector,
/// and coefficient rows are read only up to their padding.
template <class Isa, class C, class S, class D, class Op, class Op2>
ROPEKIT_INLINE void sweep_run(const VectorRun<S, D>& run, std::int64_t start, std::int64_t extent, std::int64_t bytes,
                              const C* c, const C* s, const Op& op, const Op2& op2) {
  using B = batch_t<Isa, C>;
  constexpr std::int64_t N = lanes<Isa, C>;
  constexpr std::int64_t K = kHeldBatches<Isa, D>;
  constexpr bool kPairs = is_half<D> && !std::is_null_pointer<Op2>::value;
  // Locals: stores through y may alias `run` as far as the compiler knows.
  const S* x0 = run.x + start;
  D* y0 = run.y + start;
  const std::int64_t x_step = run.x_step, y_step = run.y_step, count = run.count, row_step = run.row_step;
  const bool scaled = run.scale != 1.0;
  const B factor = B(C(run.scale));
  auto coefficient = [&](const C* p)
                         ROPEKIT_INLINE_LAMBDA { return scaled ? B::load_aligned(p) * factor : B::load_aligned(p); };
  const std::int64_t ahead = run.ahead;
  // A run with rows per vector (one head of a head-major view, a block of
  // tokens) prefetches each vector's counterpart in the next block: every
  // head is a stream of its own, more than hardware prefetchers follow, and
  // the other heads are done before it is read. (Prefetching 2 KB ahead
  // within the head, f32 Qwen2.5-7B prefill ran at 1.5-1.6 times a
  // streaming pass; with this, at 1.0-1.4.)
  const std::int64_t distance = row_step != 0 ? count : 0;
  auto prefetch = [&](std::int64_t j) ROPEKIT_INLINE_LAMBDA {
    if (j + distance >= ahead) return;
    const char* line = reinterpret_cast<const char*>(x0 + (j + distance) * x_step);
    for (std::int64_t b = 0; b < bytes; b += 64) ROPEKIT_PREFETCH_READ(line + b);
  };
  // A block of `m` batches (at most K) from lane i, its last one with `last`
  // lanes: constants for whole blocks, so their loop has no guards and no
  // partial path; for vectors [j0, j1) sharing the rows at cr, sr.
  auto block = [&](auto m, std::int64_t i, auto last, std::int64_t j0, std::int64_t j1, const C* cr, const C* sr)
                   ROPEKIT_INLINE_LAMBDA {
                     B cc[K], ss[K];
                     unrolled<K>([&](auto k) ROPEKIT_INLINE_LAMBDA {
                       if (k < m) cc[k] = coefficient(cr + i + k * N), ss[k] = coefficient(sr + i + k * N);
                     });
                     // The first block prefetches the later vectors.
                     const bool later = i == 0 && run.later_bytes > 0;
                     for (std::int64_t j = j0; j < j1; ++j) {
                       const S* x = x0 + i + j * x_step;
                       D* y = y0 + i + j * y_step;
                       if (later) {
                         const char* line = reinterpret_cast<const char*>(x + run.later);
                         for (std::int64_t b = 0; b < run.later_bytes; b += 64) ROPEKIT_PREFETCH_READ(line + b);
                         line = reinterpret_cast<const char*>(y + run.later_y);
                         for (std::int64_t b = 0; b < run.later_y_bytes; b += 64) ROPEKIT_PREFETCH_WRITE(line + b);
                       }
                       unrolled<K>([&](auto k) ROPEKIT_INLINE_LAMBDA {
                         if constexpr (kPairs) {
                           // Batches k and k + 1 (k even), both whole: one op2.
                           constexpr std::int64_t first = decltype(k)::value / 2 * 2;
                           if (first + 2 < m || (first + 2 == m && last == N)) {
                             if constexpr (first == decltype(k)::value && first + 1 < K)
                               op2(x + k * N, y + k * N, cc[k], ss[k], cc[k + 1], ss[k + 1]);
                             return;
                           }
                         }
                         if (k + 1 < m) op(x + k * N, y + k * N, cc[k], ss[k], N);
                         if (k + 1 == m) op(x + k * N, y + k * N, cc[k], ss[k], std::int64_t(last));
                       });
                     }
                   };
  auto blocks = [&](std::int64_t j0, std::int64_t j1, const C* cr, const C* sr) ROPEKIT_INLINE_LAMBDA {
    const std::integral_constant<std::int64_t, N> whole;
    std::int64_t i = 0;
    for (; i + K * N <= extent; i += K * N) block(std::integral_constant<std::int64_t, K>{}, i, whole, j0, j1, cr, sr);
    if (i < extent) {
      // Half a block of whole batches (a 128-dim head in neox pairs with 32
      // registers) without guards; any other rest guarded.
      const std::int64_t m = (extent - i + N - 1) / N, last = extent - i - (m - 1) * N;
      if (K % 2 == 0 && 2 * m == K && last == N)
        return block(std::integral_constant<std::int64_t, K / 2>{}, i, whole, j0, j1, cr, sr);
      block(m, i, last, j0, j1, cr, sr);
    }
  };
  // Shared rows: one group of all the vectors; else a group per vector (one
  // call site: the block bodies are compiled once).
  const std::int64_t groups = row_step == 0 ? 1 : count;
  for (std::int64_t g = 0; g < groups; ++g) {
    if (row_step != 0) prefetch(g);
    blocks(g, row_step == 0 ? count : g + 1, c + g * row_step, s + g * row_step);
  }
}

/// Rotate-half pairs [p0, p0 + n) of every vector of a run (pairs `half`
/// apart).
template <class Isa, class C, class S, class D>
inline void rotate_run_neox(const VectorRun<S, D>& run, std::int64_t half, std::int64_t p0, std::int64_t n, const C* c,
                            const C* s) {
  using B = batch_t<Isa, C>;
  constexpr std::int64_t N = lanes<Isa, C>;
  // A local: stores through y may not alias it, so nothing is reloaded.
  const Destination dest = run.dest;
  auto pair = [&](const S* x, D* y, const B& cc, const B& ss, std::int64_t lanes_used) ROPEKIT_INLINE_LAMBDA {
    const B a = lanes_used == N ? load_whole<Isa, C>(x) : load_first<Isa, C>(x, lanes_used);
    const B b = lanes_used == N ? load_whole<Isa, C>(x + half) : load_first<Isa, C>(x + half, lanes_used);
    if constexpr (is_half<D>) {
      put_two<Isa, C>(y, y + half, fmsub<Isa, C>(a, cc, b * ss), fmadd<Isa, C>(a, ss, b * cc), lanes_used, dest);
    } else {
      // Each result stored before the next is computed: through put_two,
      // g++ -O2 keeps four pointers live and spills (f32 decode ~25 ns slower).
      put<Isa, C>(y, fmsub<Isa, C>(a, cc, b * ss), lanes_used, dest);
      put<Isa, C>(y + half, fmadd<Isa, C>(a, ss, b * cc), lanes_used, dest);
    }
  };
  const std::int64_t bytes = (half + n) * std::int64_t(sizeof(S));
  if constexpr (is_half<D>) {
    // Streamed 16-bit results (K into a cache): two batches of each half
    // make one wide non-temporal store (a whole line with AVX-512).
    if (dest.stream) {
      auto pairs_two = [&](const S* x, D* y, const B& cc0, const B& ss0, const B& cc1,
                           const B& ss1) ROPEKIT_INLINE_LAMBDA {
        const B a0 = load_whole<Isa, C>(x), a1 = load_whole<Isa, C>(x + N);
        const B b0 = load_whole<Isa, C>(x + half), b1 = load_whole<Isa, C>(x + half + N);
        stream_two<Isa, C>(y, fmsub<Isa, C>(a0, cc0, b0 * ss0), fmsub<Isa, C>(a1, cc1, b1 * ss1), dest);
        stream_two<Isa, C>(y + half, fmadd<Isa, C>(a0, ss0, b0 * cc0), fmadd<Isa, C>(a1, ss1, b1 * cc1), dest);
      };
      return sweep_run<Isa, C>(run, p0, n, bytes, c, s, pair, pairs_two);
    }
  }
  sweep_run<Isa, C>(run, p0, n, bytes, c, s, pair, nullptr);
}

/// Interleaved pairs [p0, p0 + n) of every vector of a run, with per-channel
/// coefficients (channels [2 p0, 2 p0 + 2 n)): y = x * c + swap_pairs(x) * s.
template <class Isa, class C, class S, class D>
inline void rotate_run_interleaved(const VectorRun<S, D>& run, std::int64_t p0, std::int64_t n, const C* c,
                                   const C* s) {
  using B = batch_t<Isa, C>;
  constexpr std::int64_t N = lanes<Isa, C>;
  const Destination dest = run.dest;
  auto turned = [](const B& v, const B& cc, const B& ss)
                    ROPEKIT_INLINE_LAMBDA { return fmadd<Isa, C>(v, cc, swap_pairs<Isa, C>(v, Isa{}) * ss); };
  auto channels = [&](const S* x, D* y, const B& cc, const B& ss, std::int64_t lanes_used) ROPEKIT_INLINE_LAMBDA {
    const B v = lanes_used == N ? load_whole<Isa, C>(x) : load_first<Isa, C>(x, lanes_used);
    put<Isa, C>(y, turned(v, cc, ss), lanes_used, dest);
  };
  auto channels_two = [&](const S* x, D* y, const B& cc0, const B& ss0, const B& cc1, const B& ss1)
                          ROPEKIT_INLINE_LAMBDA {
                            put_two<Isa, C>(y, y + N, turned(load_whole<Isa, C>(x), cc0, ss0),
                                            turned(load_whole<Isa, C>(x + N), cc1, ss1), N, dest);
                          };
  sweep_run<Isa, C>(run, 2 * p0, 2 * n, 2 * n * std::int64_t(sizeof(S)), c, s, channels, channels_two);
}

/// Rotates pairs [p0, p0 + n) of every vector of a run with coefficient rows c, s.
template <class Isa, class C, class S, class D>
inline void rotate_run(Pairing pairing, const VectorRun<S, D>& run, std::int64_t pairs, std::int64_t p0, std::int64_t n,
                       const C* c, const C* s) {
  if (pairing == Pairing::neox) {
    rotate_run_neox<Isa, C>(run, pairs, p0, n, c, s);
  } else {
    rotate_run_interleaved<Isa, C>(run, p0, n, c, s);
  }
}

/// The query scale of a token at `position` (see PositionQueryScale;
/// validated finite).
inline double query_factor(const kernel::QueryScale& q, std::int64_t position) {
  return PositionQueryScale{q.scale, q.offset, q.interval}.at(position);
}

/// Element offset of token t of a view (see kernel::TokenMap), or -1 when
/// the token is skipped (a negative slot). Validation keeps every offset of
/// an accepted call inside its buffer.
template <class T>
inline std::int64_t token_offset(const kernel::Heads<T>& h, std::int64_t t) {
  const kernel::TokenMap& m = h.map;
  switch (m.kind) {
    case kernel::TokenMapKind::slots: {
      const std::int64_t slot = m.slots[t];
      if (slot < 0) return -1;
      return (slot / m.page_size) * m.page_stride + (slot % m.page_size) * m.entry_stride;
    }
    case kernel::TokenMapKind::pages: {
      const std::int64_t position = position_at(m.cache_positions, t);
      const std::int64_t page = m.indices[m.indptr[m.batch[t]] + position / m.page_size];
      return page * m.page_stride + (position % m.page_size) * m.entry_stride;
    }
    default:
      return t * h.token_stride;
  }
}

/// Rounds a batch through the storage type S and back (a no-op when S is
/// the compute type): what storing and reloading the value would give.
template <class Isa, class C, class S>
inline batch_t<Isa, C> through(const batch_t<Isa, C>& v) {
  if constexpr (std::is_same<S, C>::value) {
    return v;
  } else {
    alignas(64) S buffer[batch_t<Isa, C>::size];
    store_whole<Isa, C>(buffer, v);
    return load_whole<Isa, C>(buffer);
  }
}

/// One view of a call as the driver sees it.
template <class S, class D>
struct ViewWork {
  const kernel::Heads<const S>* src = nullptr;
  const kernel::Heads<D>* dst = nullptr;
  bool rotate = true;      ///< false: channels copied only (V into a cache)
  bool query = false;      ///< takes the per-token query factor
  bool normalize = false;  ///< the head norm applies
  Destination dest;        ///< the cache scale of an 8-bit destination, streaming stores
  /// Heads farther apart than tokens: walk heads outside tokens (never with
  /// a head norm: a normalized vector is done whole, token by token).
  bool head_outer = false;
  bool in_place = false;
  bool active() const { return src != nullptr && src->heads > 0; }
  /// Whether the channels outside the rotated slice are written as well
  /// (copied, converted or scaled), for a token with query factor `scale`.
  bool writes_rest(double scale) const { return !rotate || !in_place || scale != 1.0 || dest.scale != 1.0; }
};

template <class Isa, class C, class S, class D>
inline ViewWork<S, D> view_work(const kernel::Heads<const S>& src, const kernel::Heads<D>& dst, std::int64_t tokens,
                                bool rotate, bool query, bool normalize, double scale, bool stream = false) {
  ViewWork<S, D> v;
  v.src = &src;
  v.dst = &dst;
  v.rotate = rotate;
  v.query = query;
  v.normalize = normalize;
  v.dest = Destination::of(scale, stream);
  v.in_place = static_cast<const void*>(src.data) == static_cast<const void*>(dst.data);
  v.head_outer = !normalize && tokens > 1 && src.heads > 1 && src.map.kind == kernel::TokenMapKind::linear &&
                 dst.map.kind == kernel::TokenMapKind::linear && src.head_stride > src.token_stride;
  return v;
}

/// Prefetches for writing the vectors of token t in a view's destination
/// when that is a paged cache (slots or a page table) written with regular
/// stores: its entries are scattered, so hardware prefetchers do not see
/// them coming, and each store into a line not in cache waits for the line.
/// Only addresses are formed, from the validated offsets.
template <class S, class D>
inline void prefetch_cache_entries(const ViewWork<S, D>& v, std::int64_t t) {
  if (!v.active() || v.dst->map.kind == kernel::TokenMapKind::linear || v.dest.stream) return;
  const std::int64_t at = token_offset(*v.dst, t);
  if (at < 0) return;
  const std::uintptr_t bytes = std::uintptr_t(v.dst->head_dim) * sizeof(D);
  for (std::int64_t h = 0; h < v.dst->heads; ++h) {
    const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(v.dst->data + at + h * v.dst->head_stride);
    for (std::uintptr_t line = first & ~std::uintptr_t(63); line < first + bytes; line += 64)
      ROPEKIT_PREFETCH_WRITE(reinterpret_cast<const void*>(line));
  }
}

/// The normalized channels [from, to) of one vector x (RMS factor r; per
/// channel weight or 1 + weight), rounded through the storage type S when
/// the norm says so, as a batch of lanes starting at channel j.
template <class Isa, class C, class S>
inline batch_t<Isa, C> normalized(const batch_t<Isa, C>& v, std::int64_t j, std::int64_t count, C r,
                                  const kernel::HeadNorm& norm) {
  using B = batch_t<Isa, C>;
  B n = v * B(r);
  if (norm.round_to_storage) n = through<Isa, C, S>(n);
  if (norm.weight != nullptr || norm.gemma) {
    B w(C(1));  // Gemma's 1 + weight without a weight
    if (norm.weight != nullptr) {
      if constexpr (std::is_same<C, float>::value) {
        w = count == std::int64_t(B::size) ? load_whole<Isa, C>(norm.weight + j)
                                           : load_first<Isa, C>(norm.weight + j, count);
      } else {
        alignas(64) C lanes_w[B::size] = {};
        for (std::int64_t i = 0; i < count; ++i) lanes_w[i] = C(norm.weight[j + i]);
        w = B::load_aligned(lanes_w);
      }
      if (norm.gemma) w = w + B(C(1));
    }
    n = n * w;
    if (norm.round_to_storage) n = through<Isa, C, S>(n);
  }
  return n;
}

/// 1 / sqrt(mean of the squares of x's head_dim channels + eps).
template <class Isa, class C, class S>
inline C rms_factor(const S* x, std::int64_t head_dim, double eps) {
  using B = batch_t<Isa, C>;
  constexpr std::int64_t N = lanes<Isa, C>;
  B acc(C(0));
  std::int64_t j = 0;
  for (; j + N <= head_dim; j += N) {
    const B v = load_whole<Isa, C>(x + j);
    acc = fmadd<Isa, C>(v, v, acc);
  }
  if (j < head_dim) {
    const B v = load_first<Isa, C>(x + j, head_dim - j);
    acc = fmadd<Isa, C>(v, v, acc);
  }
  alignas(64) C lanes_sum[B::size];
  acc.store_aligned(lanes_sum);
  C sum = 0;
  for (std::size_t i = 0; i < B::size; ++i) sum += lanes_sum[i];
  const C mean = sum / C(head_dim);
  return C(1) / std::sqrt(mean + C(eps));
}

/// A whole vector with the head norm: normalized, its pairs [0, pairs)
/// rotated with full coefficient rows c, s (rotated slice at offset off),
/// the other channels normalized only; times `scale`, stored as D.
template <class Isa, class C, class S, class D>
inline void rotate_vector_normed(Pairing pairing, const S* x, D* y, std::int64_t head_dim, std::int64_t off,
                                 std::int64_t pairs, const C* c, const C* s, const kernel::HeadNorm& norm, C scale,
                                 const Destination& dest) {
  using B = batch_t<Isa, C>;
  constexpr std::int64_t N = lanes<Isa, C>;
  const C r = rms_factor<Isa, C>(x, head_dim, norm.eps);
  const B k(scale);
  // Everything is read before anything is written: in place is safe. The
  // rotated slice's results: its first channels in `out`, for neox the
  // second half's in `out_high` (a batch of the first half may reach into
  // the second when the pairs are not a multiple of the lanes).
  alignas(64) C values[2 * kChunkPairs + 2 * kMaxLanes];
  alignas(64) C out[2 * kChunkPairs + 2 * kMaxLanes];
  alignas(64) C out_high[kChunkPairs + kMaxLanes];
  const std::int64_t m = 2 * pairs;
  for (std::int64_t j = 0; j < m; j += N) {
    const std::int64_t count = m - j < N ? m - j : N;
    const B v = count == N ? load_whole<Isa, C>(x + off + j) : load_first<Isa, C>(x + off + j, count);
    normalized<Isa, C, S>(v, off + j, count, r, norm).store_aligned(values + j);
  }
  const bool neox = pairing == Pairing::neox;
  if (neox) {
    for (std::int64_t i = 0; i < pairs; i += N) {
      const B a = B::load_unaligned(values + i), b = B::load_unaligned(values + pairs + i);
      const B cc = B::load_aligned(c + i), ss = B::load_aligned(s + i);
      fmsub<Isa, C>(a, cc, b * ss).store_aligned(out + i);
      fmadd<Isa, C>(a, ss, b * cc).store_aligned(out_high + i);
    }
  } else {
    for (std::int64_t j = 0; j < m; j += N) {
      const B v = B::load_aligned(values + j);
      fmadd<Isa, C>(v, B::load_aligned(c + j), swap_pairs<Isa, C>(v, Isa{}) * B::load_aligned(s + j))
          .store_aligned(out + j);
    }
  }
  auto rest = [&](std::int64_t from, std::int64_t to) {
    for (std::int64_t j = from; j < to; j += N) {
      const std::int64_t count = to - j < N ? to - j : N;
      const B v = count == N ? load_whole<Isa, C>(x + j) : load_first<Isa, C>(x + j, count);
      put<Isa, C>(y + j, normalized<Isa, C, S>(v, j, count, r, norm) * k, count, dest);
    }
  };
  auto slice = [&](const C* from, D* to, std::int64_t n) {
    for (std::int64_t j = 0; j < n; j += N)
      put<Isa, C>(to + j, B::load_aligned(from + j) * k, n - j < N ? n - j : N, dest);
  };
  // Channels outside the slice first (in place they were read above only
  // for the slice; the slice's own stores come last).
  rest(0, off);
  rest(off + m, head_dim);
  if (neox) {
    slice(out, y + off, pairs);
    slice(out_high, y + off + pairs, pairs);
  } else {
    slice(out, y + off, m);
  }
}

/// Rotates (or copies) one token of a view with coefficient rows c, s for
/// pairs [p0, p0 + n).
template <class Isa, class C, class S, class D>
inline void token_chunk(Pairing pairing, const ViewWork<S, D>& v, std::int64_t t, std::int64_t pairs, std::int64_t off,
                        std::int64_t p0, std::int64_t n, const C* c, const C* s, double factor,
                        const kernel::HeadNorm& norm, bool prefetch, std::int64_t tokens) {
  const kernel::Heads<const S>& src = *v.src;
  const kernel::Heads<D>& dst = *v.dst;
  const std::int64_t xo = token_offset(src, t), yo = token_offset(dst, t);
  if (xo < 0 || yo < 0) return;
  const double scale = v.query ? factor : 1.0;
  const Destination& dest = v.dest;
  if (v.normalize) {
    for (std::int64_t h = 0; h < src.heads; ++h)
      rotate_vector_normed<Isa, C>(pairing, src.data + xo + h * src.head_stride, dst.data + yo + h * dst.head_stride,
                                   src.head_dim, off, pairs, c, s, norm, C(scale), dest);
    return;
  }
  VectorRun<S, D> run{
      src.data + xo + off, dst.data + yo + off, src.head_stride, dst.head_stride, src.heads, scale, dest};
  // The same vectors of the token kBytesAhead bytes of a view later (at most
  // 16 tokens), when it is in the call: their rotated slices, or the whole
  // vectors where the other channels are written too (out of place, scaled);
  // and the destination's out of place. Only with 16- or 8-bit elements on
  // either side, whose conversions make the arithmetic heavy, or where only
  // part of each vector is touched, a pattern hardware prefetchers follow
  // poorly: whole f32 and f64 vectors are light on arithmetic, hardware
  // prefetchers keep up, and software ones only cost (Phi-3-mini's in-place
  // f32 prefill of 4096 tokens, interleaved: 1.0 -> 1.5 times a streaming
  // pass).
  const bool whole = v.writes_rest(scale);
  const bool partial = !whole && 2 * pairs < src.head_dim;
  if ((sizeof(S) < 4 || sizeof(D) < 4 || partial) && prefetch && p0 == 0 &&
      src.map.kind == kernel::TokenMapKind::linear) {
    const std::int64_t from = whole ? -off : 0, elements = whole ? src.head_dim : 2 * pairs;
    const std::int64_t token_bytes = src.heads * elements * std::int64_t(sizeof(S));
    std::int64_t ahead = (kBytesAhead + token_bytes - 1) / token_bytes;
    ahead = ahead > 16 ? 16 : ahead;
    if (t + ahead < tokens) {
      run.later = ahead * src.token_stride + from;
      run.later_bytes = elements * std::int64_t(sizeof(S));
      if (!v.in_place && dst.map.kind == kernel::TokenMapKind::linear) {
        run.later_y = ahead * dst.token_stride + from;
        run.later_y_bytes = elements * std::int64_t(sizeof(D));
      }
    }
  }
  rotate_run<Isa, C>(pairing, run, pairs, p0, n, c, s);
}

/// The channels of one token of a view outside the rotated slice (all of
/// them for a view that is only copied): copied and converted out of place,
/// scaled by the query factor and divided for a cache scale.
template <class Isa, class C, class S, class D>
inline void token_rest(const ViewWork<S, D>& v, std::int64_t t, std::int64_t off, std::int64_t end, double factor,
                       const kernel::HeadNorm& norm) {
  const kernel::Heads<const S>& src = *v.src;
  const kernel::Heads<D>& dst = *v.dst;
  const double scale = v.query ? factor : 1.0;
  // A normalized vector that is rotated was done whole with its rotation.
  if (!v.writes_rest(scale) || (v.normalize && v.rotate)) return;
  const std::int64_t xo = token_offset(src, t), yo = token_offset(dst, t);
  if (xo < 0 || yo < 0) return;
  const C k = C(scale);
  const Destination& dest = v.dest;
  if (v.normalize) {
    for (std::int64_t h = 0; h < src.heads; ++h)
      rotate_vector_normed<Isa, C>(Pairing::neox, src.data + xo + h * src.head_stride,
                                   dst.data + yo + h * dst.head_stride, src.head_dim, 0, 0,
                                   static_cast<const C*>(nullptr), static_cast<const C*>(nullptr), norm, k, dest);
    return;
  }
  for (std::int64_t h = 0; h < src.heads; ++h) {
    const S* x = src.data + xo + h * src.head_stride;
    D* y = dst.data + yo + h * dst.head_stride;
    if (!v.rotate) {
      copy_channels<Isa, C>(x, y, src.head_dim, k, dest);
      continue;
    }
    if (off > 0) copy_channels<Isa, C>(x, y, off, k, dest);
    if (end < src.head_dim) copy_channels<Isa, C>(x + end, y + end, src.head_dim - end, k, dest);
  }
}

/// run_views for a call of one token (a decode step) whose pairs fit one
/// chunk: the same coefficient fill and the same work per view, without the
/// block machinery around them (its setup took about 10 ns of a 280-ns f32
/// decode call, Llama-3-8B's Q and K from a CosSinCache).
template <class Isa, class C, class... S, class... D>
inline void run_one_token(Pairing pairing, const kernel::Angles& a, std::int64_t off, const kernel::QueryScale& qs,
                          const kernel::HeadNorm& norm, const ViewWork<S, D>&... views) {
  const std::int64_t pairs = a.pairs;
  const double factor = qs.enabled ? query_factor(qs, position_at(a.positions, 0)) : 1.0;
  (prefetch_cache_entries(views, 0), ...);
  if (pairs > 0) {
    const bool expand = pairing == Pairing::interleaved;
    alignas(64) C cos_row[2 * kChunkPairs + kMaxLanes];
    alignas(64) C sin_row[2 * kChunkPairs + kMaxLanes];
    alignas(64) double inv[kChunkPairs + kMaxLanes];
    alignas(64) double inv_old[kChunkPairs + kMaxLanes];
    LaneAxes<Isa> lane_axes;
    const bool with_axes = a.kind == kernel::AngleKind::frequencies && a.axis != nullptr;
    if (a.kind == kernel::AngleKind::frequencies || a.kind == kernel::AngleKind::difference)
      widen_to_double<Isa>(inv, a.inv_freq, pairs);
    if (a.kind == kernel::AngleKind::difference) widen_to_double<Isa>(inv_old, a.inv_freq_old, pairs);
    if (with_axes) lane_axes.prepare(a.axis, 0, pairs);
    fill_rows<Isa, C>(a, inv, inv_old, with_axes ? &lane_axes : nullptr, 0, 1, 0, pairs, expand, cos_row, sin_row,
                      padded_to_lanes(expand ? 2 * pairs : pairs));
    auto rotate = [&](const auto& v) {
      if (v.active() && v.rotate)
        token_chunk<Isa, C>(pairing, v, 0, pairs, off, 0, pairs, cos_row, sin_row, factor, norm, false, 1);
    };
    (rotate(views), ...);
  }
  auto rest = [&](const auto& v) {
    if (v.active()) token_rest<Isa, C>(v, 0, off, off + 2 * pairs, factor, norm);
  };
  (rest(views), ...);
}

/// run_views for calls of several tokens, or of more pairs than one chunk.
/// Tokens go in blocks: the angle source fills the coefficient rows of a
/// block once, and every head of every view uses them; a view whose heads
/// are farther apart than its tokens (head-major) is walked head by head
/// within the block, so each head's memory is read as one stream.
template <class Isa, class C, class... S, class... D>
inline void run_blocks(Pairing pairing, const kernel::Angles& a, std::int64_t tokens, std::int64_t off,
                       const kernel::QueryScale& qs, const kernel::HeadNorm& norm, const ViewWork<S, D>&... views) {
  const std::int64_t pairs = a.pairs;
  const bool expand = pairing == Pairing::interleaved;
  const std::int64_t chunk = pairs < kChunkPairs ? pairs : kChunkPairs;
  const std::int64_t row_len = padded_to_lanes(expand ? 2 * chunk : chunk);
  std::int64_t block = row_len > 0 ? kScratch / row_len : kMaxBlockTokens;
  block = block < 1 ? 1 : block > kMaxBlockTokens ? kMaxBlockTokens : block;

  alignas(64) C cos_rows[kScratch];
  alignas(64) C sin_rows[kScratch];
  alignas(64) double inv[kChunkPairs + kMaxLanes];
  alignas(64) double inv_old[kChunkPairs + kMaxLanes];
  double factor[kMaxBlockTokens];
  const bool on_the_fly = a.kind == kernel::AngleKind::frequencies || a.kind == kernel::AngleKind::difference;
  auto widen = [&](double* out, const float* table, std::int64_t p0, std::int64_t n) {
    widen_to_double<Isa>(out, table + p0, n);
  };
  LaneAxes<Isa> lane_axes;
  const bool with_axes = a.kind == kernel::AngleKind::frequencies && a.axis != nullptr;
  auto prepare_chunk = [&](std::int64_t p0, std::int64_t n) {
    if (on_the_fly) widen(inv, a.inv_freq, p0, n);
    if (a.kind == kernel::AngleKind::difference) widen(inv_old, a.inv_freq_old, p0, n);
    if (with_axes) lane_axes.prepare(a.axis, p0, n);
  };
  if (pairs <= kChunkPairs) prepare_chunk(0, pairs);
  const std::int64_t end = off + 2 * pairs;
  // Large calls prefetch in token order (see kPrefetchAbove).
  const bool prefetch = [&] {
    std::int64_t bytes = 0;
    ((bytes += views.active() ? views.src->heads * views.src->head_dim * std::int64_t(sizeof(S)) : 0), ...);
    return bytes >= kPrefetchAbove / tokens;
  }();

  // One position for every token (Positions::same: a K-shift by one delta):
  // one row serves all of them, filled once when the pairs fit one chunk.
  const bool uniform =
      a.positions.kind == kernel::PositionKind::range && a.positions.step == 0 && a.kind != kernel::AngleKind::select;
  const std::int64_t row_step = uniform ? 0 : row_len;
  bool rows_ready = false;
  const bool one_chunk = pairs > 0 && pairs <= kChunkPairs;  // else the loop over chunks may not run
  for (std::int64_t t0 = 0; t0 < tokens; t0 += block) {
    auto rest = [&](const auto& v, std::int64_t t) {
      if (v.active()) token_rest<Isa, C>(v, t0 + t, off, end, factor[t], norm);
    };
    const std::int64_t nt = tokens - t0 < block ? tokens - t0 : block;
    for (std::int64_t t = 0; t < nt; ++t)
      factor[t] = qs.enabled ? query_factor(qs, position_at(a.positions, t0 + t)) : 1.0;
    for (std::int64_t p0 = 0; p0 < pairs; p0 += chunk) {
      const std::int64_t n = pairs - p0 < chunk ? pairs - p0 : chunk;
      if (pairs > kChunkPairs) prepare_chunk(p0, n);
      if (!rows_ready)
        fill_rows<Isa, C>(a, inv, inv_old, with_axes ? &lane_axes : nullptr, t0, uniform ? 1 : nt, p0, n, expand,
                          cos_rows, sin_rows, row_len);
      rows_ready = uniform && pairs <= kChunkPairs;
      // Head-major views: one head's tokens after another, each head one
      // run with a row per token (or, with a per-token query scale, a run
      // per token).
      auto head_outer = [&](const auto& v) {
        if (!v.active() || !v.rotate || !v.head_outer) return;
        using VS = std::remove_const_t<std::remove_pointer_t<decltype(v.src->data)>>;
        using VD = std::remove_pointer_t<decltype(v.dst->data)>;
        const bool per_token = v.query && qs.enabled;
        for (std::int64_t h = 0; h < v.src->heads; ++h) {
          const VS* x = v.src->data + t0 * v.src->token_stride + h * v.src->head_stride + off;
          VD* y = v.dst->data + t0 * v.dst->token_stride + h * v.dst->head_stride + off;
          if (!per_token) {
            const VectorRun<VS, VD> run{x,      y,        v.src->token_stride, v.dst->token_stride, nt, 1.0,
                                        v.dest, row_step, tokens - t0};
            rotate_run<Isa, C>(pairing, run, pairs, p0, n, cos_rows, sin_rows);
            continue;
          }
          for (std::int64_t t = 0; t < nt; ++t) {
            const VectorRun<VS, VD> run{
                x + t * v.src->token_stride, y + t * v.dst->token_stride, 0, 0, 1, factor[t], v.dest};
            rotate_run<Isa, C>(pairing, run, pairs, p0, n, cos_rows + t * row_step, sin_rows + t * row_step);
          }
        }
      };
      (head_outer(views), ...);
      for (std::int64_t t = 0; t < nt; ++t) {
        // Cache entries: the first token's before its work, then each next
        // one's while this one is done.
        if (p0 == 0) {
          if (t0 + t == 0) (prefetch_cache_entries(views, 0), ...);
          if (t0 + t + 1 < tokens) (prefetch_cache_entries(views, t0 + t + 1), ...);
        }
        auto token_order = [&](const auto& v) {
          if (!v.active() || !v.rotate || v.head_outer) return;
          if (v.normalize && p0 > 0) return;  // a normalized vector is done whole with the first chunk
          token_chunk<Isa, C>(pairing, v, t0 + t, pairs, off, p0, n, cos_rows + t * row_step, sin_rows + t * row_step,
                              factor[t], norm, prefetch, tokens);
        };
        (token_order(views), ...);
        // With one chunk, a token's other channels right after its rotated
        // ones, while its vectors are still in L1.
        if (one_chunk) (rest(views, t), ...);
      }
    }
    if (!one_chunk)
      for (std::int64_t t = 0; t < nt; ++t) (rest(views, t), ...);
  }
}

/// The kernel: rotates every view of a validated call (see run_one_token
/// and run_blocks). Channels outside the rotated slice are copied when out
/// of place, and scaled with the query scale; views mapped into a paged
/// cache find each token's memory through their map. Neither allocates nor
/// throws.
template <class Isa, class C, class... S, class... D>
inline void run_views(Pairing pairing, const kernel::Angles& a, std::int64_t tokens, std::int64_t off,
                      const kernel::QueryScale& qs, const kernel::HeadNorm& norm, const ViewWork<S, D>&... views) {
  static_assert(isa::compiled<Isa>,
                "this instruction set is not enabled by the compiler flags of this translation unit");
  if (tokens <= 0 || !(views.active() || ...)) return;
  if (tokens == 1 && a.pairs <= kChunkPairs) return run_one_token<Isa, C>(pairing, a, off, qs, norm, views...);
  run_blocks<Isa, C>(pairing, a, tokens, off, qs, norm, views...);
}

/// Runs a validated Call (one or two views of the same types).
template <class Isa, class S, class D>
inline void rotate_call(const kernel::Call<S, D>& call) {
  using C = compute_t<S, D>;
  const bool norm = call.norm.enabled;
  const kernel::Heads<const S> none_src{};
  const kernel::Heads<D> none_dst{};
  const auto v0 = view_work<Isa, C>(call.src[0], call.dst[0], call.tokens, call.angles.pairs > 0,
                                    call.query_scale.enabled, norm, 1.0);
  auto v1 = call.views > 1
                ? view_work<Isa, C>(call.src[1], call.dst[1], call.tokens, call.angles.pairs > 0, false, norm, 1.0)
                : view_work<Isa, C>(none_src, none_dst, 0, false, false, false, 1.0);
  if (call.views < 2) v1.src = nullptr;
  run_views<Isa, C>(call.pairing, call.angles, call.tokens, call.rotary_offset, call.query_scale, call.norm, v0, v1);
}

/// Runs a validated StoreCall: Q rotated (in place or into q_dst), K rotated
/// into its cache, V copied into its cache, in one pass.
template <class Isa, class S, class QD, class KD>
inline void store_call(const kernel::StoreCall<S, QD, KD>& call) {
  using C = compute_t<S, compute_t<QD, KD>>;
  const bool norm = call.norm.enabled;
  const auto q = view_work<Isa, C>(call.q_src, call.q_dst, call.tokens, true, call.query_scale.enabled, norm, 1.0);
  const auto k =
      view_work<Isa, C>(call.k_src, call.k_dst, call.tokens, true, false, norm, call.k_scale, call.stream_caches);
  const auto v =
      view_work<Isa, C>(call.v_src, call.v_dst, call.tokens, false, false, false, call.v_scale, call.stream_caches);
  run_views<Isa, C>(call.pairing, call.angles, call.tokens, call.rotary_offset, call.query_scale, call.norm, q, k, v);
  if (call.stream_caches) stream_fence<Isa>(Isa{});
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_DETAIL_KERNEL_HPP
