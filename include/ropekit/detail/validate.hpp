// ropekit: validation of a rotation call's arguments, into a kernel::Call.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_DETAIL_VALIDATE_HPP
#define ROPEKIT_DETAIL_VALIDATE_HPP

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

#include "../angle_set.hpp"
#include "../angles.hpp"
#include "../cache.hpp"
#include "../config.hpp"
#include "../frequencies.hpp"
#include "../head_norm.hpp"
#include "../kernel_call.hpp"
#include "../multi_axis.hpp"
#include "../options.hpp"
#include "../positions.hpp"
#include "../query_scale.hpp"
#include "../views.hpp"
#include "checked.hpp"
#include "fp.hpp"
#include "kernel.hpp"
#include "sincos.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// The largest |position| of the accurate range (every int32 position).
constexpr std::int64_t kMaxPosition = std::int64_t(1) << 31;

inline std::string field(const char* name, const char* member) { return std::string(name) + member; }

inline bool check_enums(const char* function, Pairing pairing, const ApplyOptions& options) {
  if (pairing != Pairing::neox && pairing != Pairing::interleaved)
    return fail(function, "pairing", int(pairing), "is not a Pairing (neox or interleaved)"), false;
  if (options.direction != Direction::forward && options.direction != Direction::inverse)
    return fail(function, "options.direction", int(options.direction), "is not a Direction"), false;
  if (options.angle_mode && *options.angle_mode != AngleMode::accurate &&
      *options.angle_mode != AngleMode::float32_compatible)
    return fail(function, "options.angle_mode", int(*options.angle_mode), "is not an AngleMode"), false;
  return true;
}

// ---------------------------------------------------------------------------
// Angle sources: each validates itself and describes itself for the kernel
// (forward scales, and the largest inv_freq, which bounds the positions the
// accurate angles support).
// ---------------------------------------------------------------------------

/// One pass over a table's bits: true when every inv_freq is finite and >= 0
/// (for those, the order of the bit patterns is the order of the values, so
/// the largest pattern is the largest value) and the attention factor is
/// finite and > 0. Vectorizes; the detailed report is validate()'s.
inline bool quick_table_check(const std::vector<float>& inv_freq, float attention_factor, double& max_inv) {
  const std::size_t n = inv_freq.size();
  if (n == 0) return false;
  const float* v = inv_freq.data();
  // Eight independent maxima (one vector register's worth), then one.
  std::uint32_t lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t k = 0; k < 8; ++k) {
      std::uint32_t bits;
      std::memcpy(&bits, v + i + k, 4);
      lanes[k] = bits > lanes[k] ? bits : lanes[k];
    }
  for (; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, v + i, 4);
    lanes[0] = bits > lanes[0] ? bits : lanes[0];
  }
  std::uint32_t largest = 0;
  for (std::uint32_t l : lanes) largest = l > largest ? l : largest;
  if (largest >= 0x7f800000u) return false;  // inf, NaN or a sign bit
  if (!is_positive_finite(attention_factor)) return false;
  float m;
  std::memcpy(&m, &largest, 4);
  max_inv = double(m);
  return true;
}

inline bool no_angle_mode(const char* function, const ApplyOptions& o, const char* source) {
  if (!o.angle_mode) return true;
  return fail(function, "options.angle_mode", int(*o.angle_mode),
              ("must be unset with a " + std::string(source) +
               " (a cache fixes its angle mode when it is built; a caller's table holds its own values)")
                  .c_str()),
         false;
}

inline bool resolve_angles(const char* function, const Frequencies& f, const ApplyOptions& o, kernel::Angles& a) {
  double max_inv = 0;
  if (!quick_table_check(f.inv_freq, f.attention_factor, max_inv)) {
    if (!validate(f, function)) return false;
    max_inv = max_inv_freq(f);
  }
  a = describe(f);
  a.max_inv_freq = max_inv;
  a.mode = o.angle_mode.value_or(AngleMode::accurate);
  return true;
}

inline bool resolve_angles(const char* function, const AxisFrequencies& f, const ApplyOptions& o, kernel::Angles& a) {
  if (!validate(f, function)) return false;
  a = describe(f);
  a.mode = o.angle_mode.value_or(AngleMode::accurate);
  return true;
}

inline bool resolve_angles(const char* function, const CosSinCache& c, const ApplyOptions& o, kernel::Angles& a) {
  if (!no_angle_mode(function, o, "CosSinCache")) return false;
  if (c.empty())
    return fail(function, "cache.max_position()", c.max_position(), "must be >= 1 (the cache is empty)"), false;
  a = describe(c);
  return true;
}

inline bool resolve_angles(const char* function, const CosSinTable& t, const ApplyOptions& o, kernel::Angles& a) {
  if (!no_angle_mode(function, o, "CosSinTable")) return false;
  if (t.pairs <= 0) return fail(function, "table.pairs", t.pairs, "must be > 0"), false;
  if (t.rows <= 0) return fail(function, "table.rows", t.rows, "must be > 0"), false;
  if (t.row_stride != 0 && t.row_stride < t.pairs)
    return fail(function, "table.row_stride", t.row_stride,
                ("must be 0 or >= table.pairs = " + std::to_string(t.pairs)).c_str()),
           false;
  if (t.cos == nullptr) return fail(function, "table.cos", std::string("nullptr"), "must point to the table"), false;
  if (t.sin == nullptr) return fail(function, "table.sin", std::string("nullptr"), "must point to the table"), false;
  std::int64_t extent = 0;
  if (!checked_mul(t.rows - 1, t.stride(), extent) || !checked_add(extent, t.pairs, extent) ||
      extent > std::int64_t(PTRDIFF_MAX / std::int64_t(sizeof(float))) ||
      reinterpret_cast<std::uintptr_t>(t.cos) > UINTPTR_MAX - std::uintptr_t(extent) * sizeof(float) ||
      reinterpret_cast<std::uintptr_t>(t.sin) > UINTPTR_MAX - std::uintptr_t(extent) * sizeof(float))
    return fail(function, "table.row_stride", t.stride(),
                ("times table.rows = " + std::to_string(t.rows) + " exceeds the address space").c_str()),
           false;
  if (t.axis != nullptr) {
    if (t.n_axes < 1 || t.n_axes > kMaxAxes)
      return fail(function, "table.n_axes", t.n_axes, "must be in [1, 4]"), false;
    for (std::int64_t j = 0; j < t.pairs; ++j)
      if (t.axis[j] >= t.n_axes)
        return fail(function, ("table.axis[" + std::to_string(j) + "]").c_str(), int(t.axis[j]),
                    ("must be < table.n_axes = " + std::to_string(t.n_axes)).c_str()),
               false;
  } else if (t.n_axes != 1) {
    return fail(function, "table.n_axes", t.n_axes, "must be 1 when table.axis is null"), false;
  }
  a = kernel::Angles{};
  a.kind = kernel::AngleKind::table;
  a.pairs = t.pairs;
  a.cos = t.cos;
  a.sin = t.sin;
  a.rows = t.rows;
  a.row_stride = t.stride();
  a.table_scale = 1.0f;
  a.exact_inverse = true;
  a.axis = t.axis;
  a.n_axes = t.axis != nullptr ? t.n_axes : 1;
  return true;
}

/// No rotation at all (layers without RoPE): only the query scale applies.
struct NoRotation {};

inline bool resolve_angles(const char*, const NoRotation&, const ApplyOptions& o, kernel::Angles& a) {
  a = kernel::Angles{};
  a.kind = kernel::AngleKind::frequencies;
  a.pairs = 0;
  a.mode = o.angle_mode.value_or(AngleMode::accurate);
  return true;
}

inline bool resolve_angles(const char* function, const AngleSet::PerToken& choice, const ApplyOptions& o,
                           kernel::Angles& a) {
  if (choice.set == nullptr || choice.set->size() == 0)
    return fail(function, "angles.set->size()", choice.set ? choice.set->size() : 0,
                "must be >= 1 (an empty or invalid AngleSet)"),
           false;
  const kernel::Angles* sources = choice.set->sources();
  for (std::int64_t i = 0; i < choice.set->size(); ++i)
    if (sources[i].kind == kernel::AngleKind::table && o.angle_mode && !no_angle_mode(function, o, "CosSinCache"))
      return false;
  a = kernel::Angles{};
  a.kind = kernel::AngleKind::select;
  a.pairs = choice.set->pairs();
  a.n_axes = sources[0].n_axes;
  a.sources = sources;
  a.source_count = choice.set->size();
  a.index = choice.index;
  a.mode = o.angle_mode.value_or(AngleMode::accurate);
  return true;
}

// ---------------------------------------------------------------------------
// Positions.
// ---------------------------------------------------------------------------

/// The range a position may take for a source: the rows of a table, or the
/// accurate range of on-the-fly angles (|position| <= 2^31 and |position *
/// inv_freq| <= 2^31 pi/2, see AngleMode).
inline void position_range(const kernel::Angles& s, std::int64_t& lo, std::int64_t& hi, const char*& what) {
  if (s.kind == kernel::AngleKind::table) {
    lo = 0;
    hi = s.rows - 1;
    what = "the rows of the cos/sin table";
    return;
  }
  hi = kMaxPosition;
  if (s.max_inv_freq > 0 && double(hi) * s.max_inv_freq > kMaxExactAngle)
    hi = std::int64_t(kMaxExactAngle / s.max_inv_freq);
  lo = -hi;
  what = "the accurate range of angles (|position| <= 2^31 and |position * inv_freq| <= 2^31 pi/2)";
}

/// Checks the positions against the call: their count and axes, and the
/// range of each (per source, see position_range): one pass over the array
/// unless the caller gave bounds, or the check can not fail (int32
/// positions with inv_freq <= pi/2).
inline bool resolve_positions(const char* function, const Positions& p, std::int64_t tokens, kernel::Angles& a) {
  kernel::PositionStream& s = a.positions;
  switch (p.kind()) {
    case Positions::Kind::i64:
      s.kind = kernel::PositionKind::i64;
      break;
    case Positions::Kind::i32:
      s.kind = kernel::PositionKind::i32;
      break;
    case Positions::Kind::range:
      s.kind = kernel::PositionKind::range;
      break;
    default:
      return fail(function, "positions.kind()", int(p.kind()), "is not a Positions::Kind"), false;
  }
  s.data = p.data();
  s.start = p.start();
  s.step = p.step();
  s.n_axes = p.n_axes();
  s.axis_stride = p.axis_stride();
  if (p.n_axes() < 1 || p.n_axes() > kMaxAxes)
    return fail(function, "positions.n_axes()", p.n_axes(), "must be in [1, 4]"), false;
  if (p.n_axes() != a.n_axes && !(s.kind == kernel::PositionKind::range && p.n_axes() == 1))
    return fail(function, "positions.n_axes()", p.n_axes(),
                ("must equal the position axes the angle source reads, " + std::to_string(a.n_axes)).c_str()),
           false;
  if (s.kind == kernel::PositionKind::range) s.n_axes = a.n_axes;  // every axis start + t
  if (tokens == 0) return true;
  if (s.kind != kernel::PositionKind::range && s.data == nullptr)
    return fail(function, "positions", std::string("nullptr"), "must point to one position per token"), false;
  if (p.count() >= 0 && p.count() != tokens)
    return fail(function, "positions.count()", p.count(),
                ("must equal the number of tokens, " + std::to_string(tokens)).c_str()),
           false;
  if (s.kind != kernel::PositionKind::range && s.n_axes > 1 && s.axis_stride < 0)
    return fail(function, "positions.axis_stride()", s.axis_stride, "must be >= 0"), false;
  if (a.kind == kernel::AngleKind::select) {
    if (a.index == nullptr)
      return fail(function, "angles.index", std::string("nullptr"), "must point to one source index per token"), false;
  }
  auto name_of = [&](std::int64_t t, int axis) {
    std::string n = "positions[" + std::to_string(t) + "]";
    if (s.n_axes > 1) n = "positions axis " + std::to_string(axis) + " [" + std::to_string(t) + "]";
    return n;
  };
  auto out_of_range = [&](const std::string& name, std::int64_t value, std::int64_t lo, std::int64_t hi,
                          const char* what) {
    fail(function, name.c_str(), value,
         ("is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "], " + what).c_str());
    return false;
  };
  if (a.kind == kernel::AngleKind::select) {
    for (std::int64_t t = 0; t < tokens; ++t) {
      const std::int32_t i = a.index[t];
      if (i < 0 || i >= a.source_count)
        return fail(function, ("angles.index[" + std::to_string(t) + "]").c_str(), i,
                    ("must be in [0, " + std::to_string(a.source_count) + ")").c_str()),
               false;
      std::int64_t lo, hi;
      const char* what;
      position_range(a.sources[i], lo, hi, what);
      for (int axis = 0; axis < s.n_axes; ++axis) {
        std::int64_t v;
        if (s.kind == kernel::PositionKind::range) {
          if (!checked_add(s.start, s.step * t, v))
            return fail(function, "positions.start()", s.start, "plus the token index overflows int64"), false;
        } else {
          v = position_at(s, t, axis);
        }
        if (v < lo || v > hi) return out_of_range(name_of(t, axis), v, lo, hi, what);
      }
    }
    return true;
  }
  std::int64_t lo, hi;
  const char* what;
  position_range(a, lo, hi, what);
  if (s.kind == kernel::PositionKind::range) {
    std::int64_t last = s.start;
    if (s.step != 0 && !checked_add(s.start, tokens - 1, last))
      return fail(function, "positions.start()", s.start,
                  ("plus the number of tokens, " + std::to_string(tokens) + ", overflows int64").c_str()),
             false;
    if (s.start < lo || s.start > hi) return out_of_range("positions.start()", s.start, lo, hi, what);
    if (last > hi) return out_of_range("positions.start() + tokens - 1", last, lo, hi, what);
    return true;
  }
  if (p.bounded()) {
    if (p.min() < lo) return out_of_range("positions.min()", p.min(), lo, hi, what);
    if (p.max() > hi) return out_of_range("positions.max()", p.max(), lo, hi, what);
    return true;
  }
  if (s.kind == kernel::PositionKind::i32 && lo <= -kMaxPosition && hi >= kMaxPosition - 1) return true;
  for (int axis = 0; axis < s.n_axes; ++axis)
    for (std::int64_t t = 0; t < tokens; ++t) {
      const std::int64_t v = position_at(s, t, axis);
      if (v < lo || v > hi) return out_of_range(name_of(t, axis), v, lo, hi, what);
    }
  return true;
}

// ---------------------------------------------------------------------------
// Views.
// ---------------------------------------------------------------------------

/// Checks that a view is well formed for rotating channels [0, needed):
/// non-negative sizes and strides, head_dim >= needed, non-null data unless
/// empty, an extent that fits the address space (computed without overflow),
/// and distinct (token, head) vectors that do not overlap each other.
template <class T>
inline bool check_view(const char* function, const char* name, const HeadsView<T>& v, std::int64_t needed,
                       const char* needed_name) {
  if (v.tokens < 0) return fail(function, field(name, ".tokens").c_str(), v.tokens, "must be >= 0"), false;
  if (v.heads < 0) return fail(function, field(name, ".heads").c_str(), v.heads, "must be >= 0"), false;
  if (v.heads > 0 && v.head_dim < needed)  // a view of no heads (none to rotate) may have any head_dim
    return fail(function, field(name, ".head_dim").c_str(), v.head_dim,
                ("must be >= " + std::string(needed_name) + " = " + std::to_string(needed)).c_str()),
           false;
  if (v.token_stride < 0)
    return fail(function, field(name, ".token_stride").c_str(), v.token_stride, "must be >= 0"), false;
  if (v.head_stride < 0)
    return fail(function, field(name, ".head_stride").c_str(), v.head_stride, "must be >= 0"), false;
  if (v.tokens == 0 || v.heads == 0) return true;
  if (v.data == nullptr)
    return fail(function, field(name, ".data").c_str(), std::string("nullptr"), "must point to the viewed elements"),
           false;
  std::int64_t a = 0, b = 0, extent = 0;
  const bool fits = checked_mul(v.tokens - 1, v.token_stride, a) && checked_mul(v.heads - 1, v.head_stride, b) &&
                    checked_add(a, b, extent) && checked_add(extent, v.head_dim, extent) &&
                    extent <= std::int64_t(PTRDIFF_MAX / std::int64_t(sizeof(T))) &&
                    reinterpret_cast<std::uintptr_t>(v.data) <= UINTPTR_MAX - std::uintptr_t(extent) * sizeof(T);
  if (!fits) {
    const bool tokens_worse = v.token_stride >= v.head_stride;
    return fail(function, field(name, tokens_worse ? ".token_stride" : ".head_stride").c_str(),
                tokens_worse ? v.token_stride : v.head_stride,
                ("makes the view's extent (tokens = " + std::to_string(v.tokens) +
                 ", heads = " + std::to_string(v.heads) + ") exceed the address space")
                    .c_str()),
           false;
  }
  // Vectors must not overlap: with the smaller-stride dimension inner, its
  // stride must cover head_dim and the outer stride must cover the inner span.
  std::int64_t inner_n = v.heads, inner_s = v.head_stride, outer_n = v.tokens, outer_s = v.token_stride;
  const char* inner_name = ".head_stride";
  const char* outer_name = ".token_stride";
  if (v.heads == 1 || (v.tokens > 1 && v.token_stride < v.head_stride)) {
    std::swap(inner_n, outer_n);
    std::swap(inner_s, outer_s);
    std::swap(inner_name, outer_name);
  }
  if (inner_n > 1 && inner_s < v.head_dim)
    return fail(function, field(name, inner_name).c_str(), inner_s,
                ("overlaps vectors of head_dim = " + std::to_string(v.head_dim)).c_str()),
           false;
  const std::int64_t inner_span = (inner_n - 1) * inner_s + v.head_dim;
  if (outer_n > 1 && outer_s < inner_span)
    return fail(function, field(name, outer_name).c_str(), outer_s,
                ("overlaps the previous " + std::string(inner_name + 1) + " span of " + std::to_string(inner_span) +
                 " elements")
                    .c_str()),
           false;
  return true;
}

/// A validated view in bytes.
struct ByteView {
  std::uintptr_t base = 0;
  std::int64_t tokens = 0, heads = 0, vector = 0, token_stride = 0, head_stride = 0, extent = 0;
};

template <class T>
inline ByteView bytes_of(const HeadsView<T>& v) {
  ByteView b;
  if (v.tokens <= 0 || v.heads <= 0 || v.head_dim <= 0) return b;
  const std::int64_t size = std::int64_t(sizeof(T));
  b.base = reinterpret_cast<std::uintptr_t>(v.data);
  b.tokens = v.tokens;
  b.heads = v.heads;
  b.vector = v.head_dim * size;
  // A stride along a dimension of one element is never used (and need not
  // be small); the others are bounded by the validated extent.
  b.token_stride = v.tokens > 1 ? v.token_stride * size : 0;
  b.head_stride = v.heads > 1 ? v.head_stride * size : 0;
  b.extent = v.required_span_size() * size;
  return b;
}

/// True when some byte belongs to a vector of both views. Exact when both
/// step over tokens by the same stride (or one of them has a single token),
/// or over heads by the same stride (or a single head), and the other
/// dimension is small enough to enumerate; otherwise (views interleaving
/// with different strides) true as soon as their byte spans meet.
inline bool views_meet(const ByteView& a, const ByteView& b) {
  if (a.extent == 0 || b.extent == 0) return false;
  if (a.base + std::uintptr_t(a.extent) <= b.base || b.base + std::uintptr_t(b.extent) <= a.base) return false;
#if defined(__SIZEOF_INT128__)
  __extension__ typedef __int128 wide;
  // Walk the pairs of the dimension that is enumerated (m), solving for the
  // difference of indices along the other (k): vector (ka, ma) of a and
  // (kb, mb) of b meet iff -b.vector < x0 + (kb - ka) * stride < a.vector.
  auto solve = [&](std::int64_t a_m, std::int64_t a_ms, std::int64_t b_m, std::int64_t b_ms, std::int64_t a_k,
                   std::int64_t b_k, std::int64_t stride) {
    const wide delta = wide(b.base) - wide(a.base);
    const wide k_lo = -wide(a_k - 1), k_hi = wide(b_k - 1);
    for (std::int64_t ma = 0; ma < a_m; ++ma)
      for (std::int64_t mb = 0; mb < b_m; ++mb) {
        const wide x0 = delta + wide(mb) * b_ms - wide(ma) * a_ms;
        if (stride == 0 || k_lo == k_hi) {
          if (x0 > -wide(b.vector) && x0 < wide(a.vector)) return true;
          continue;
        }
        // Smallest k with x0 + k * stride > -b.vector.
        const wide num = -wide(b.vector) - x0;
        const wide floor_div = num >= 0 ? num / stride : -((-num + stride - 1) / stride);
        wide k = floor_div + 1;
        if (k < k_lo) k = k_lo;
        if (k <= k_hi && x0 + k * stride < wide(a.vector)) return true;
      }
    return false;
  };
  constexpr std::int64_t kMaxPairs = std::int64_t(1) << 20;
  const bool same_token_steps = a.tokens == 1 || b.tokens == 1 || a.token_stride == b.token_stride;
  const bool same_head_steps = a.heads == 1 || b.heads == 1 || a.head_stride == b.head_stride;
  if (same_token_steps && a.heads <= kMaxPairs / b.heads) {
    const std::int64_t stride = a.tokens == 1 ? b.token_stride : a.token_stride;
    return solve(a.heads, a.head_stride, b.heads, b.head_stride, a.tokens, b.tokens, stride);
  }
  if (same_head_steps && a.tokens <= kMaxPairs / b.tokens) {
    const std::int64_t stride = a.heads == 1 ? b.head_stride : a.head_stride;
    return solve(a.tokens, a.token_stride, b.tokens, b.token_stride, a.heads, b.heads, stride);
  }
#endif
  return true;
}

/// True when y is x itself: the same element type, data, sizes and strides
/// (the destination of an in-place rotation).
template <class S, class D>
inline bool same_view(const HeadsView<const S>& x, const HeadsView<D>& y) {
  return std::is_same<std::remove_const_t<S>, std::remove_const_t<D>>::value &&
         static_cast<const void*>(x.data) == static_cast<const void*>(y.data) && x.tokens == y.tokens &&
         x.heads == y.heads && x.head_dim == y.head_dim && x.token_stride == y.token_stride &&
         x.head_stride == y.head_stride;
}

/// The views written by one call must not share memory with any other view
/// of the call, except that a destination may be exactly its own source
/// (in-place rotation: same data, type and strides). n <= kernel::kMaxViews.
template <class S, class D>
inline bool check_disjoint(const char* function, const HeadsView<const S>* src, const HeadsView<D>* dst,
                           const char* const* names, int n) {
  auto report = [&](const char* written, const char* other, const char* why) {
    fail_message(std::string(function) + ": " + written + " and " + other + " share memory; " + why);
    return false;
  };
  ByteView s[kernel::kMaxViews], d[kernel::kMaxViews];
  bool in_place[kernel::kMaxViews];
  for (int i = 0; i < n; ++i) {
    s[i] = bytes_of(src[i]);
    d[i] = bytes_of(dst[i]);
    in_place[i] = same_view(src[i], dst[i]);
  }
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i == j) {
        if (!in_place[i] && views_meet(d[i], s[i]))
          return report(names[2 * i + 1], names[2 * i],
                        "an output must be disjoint from its input, or the very same view (in-place rotation "
                        "needs the same data, type and strides)");
        continue;
      }
      // Both in place: this pair's bytes were compared once already (i < j).
      if (j < i && in_place[i] && in_place[j]) continue;
      if (views_meet(d[i], s[j]))
        return report(names[2 * i + 1], names[2 * j], "the views of one call must be disjoint");
      if (j > i && !in_place[j] && views_meet(d[i], d[j]))
        return report(names[2 * i + 1], names[2 * j + 1], "the views of one call must be disjoint");
    }
  }
  return true;
}

/// Checks a query scale: every field finite, interval > 0.
inline bool check_query_scale(const char* function, const PositionQueryScale& q) {
  if (!is_finite(q.scale)) return fail(function, "options.query_scale->scale", q.scale, "must be finite"), false;
  if (!is_finite(q.offset)) return fail(function, "options.query_scale->offset", q.offset, "must be finite"), false;
  if (!is_positive_finite(q.interval))
    return fail(function, "options.query_scale->interval", q.interval, "must be finite and > 0"), false;
  return true;
}

/// Checks that the query factor of every token (component 0 of its
/// position) is a finite number: floor((p + offset) / interval) + 1 > 0.
inline bool check_query_positions(const char* function, const kernel::QueryScale& q, const kernel::PositionStream& s,
                                  std::int64_t tokens) {
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::int64_t p = position_at(s, t);
    const double inner = std::floor((double(p) + q.offset) / q.interval) + 1.0;
    if (!(inner > 0) || !is_finite(query_factor(q, p)))
      return fail(function, ("positions[" + std::to_string(t) + "]").c_str(), p,
                  "gives floor((position + offset) / interval) + 1 <= 0: the query scale's logarithm is undefined"),
             false;
  }
  return true;
}

/// Checks a head norm against the views it applies to and describes it.
inline bool resolve_norm(const char* function, const std::optional<RmsNorm>& norm, std::int64_t head_dim,
                         std::int64_t pairs, kernel::HeadNorm& out) {
  out = kernel::HeadNorm{};
  if (!norm) return true;
  if (norm->weight_size != 0 && norm->weight_size != head_dim)
    return fail(function, "options.norm->weight_size", norm->weight_size,
                ("must equal head_dim = " + std::to_string(head_dim) + " (or be 0 for unit weights)").c_str()),
           false;
  if (norm->weight_size != 0 && norm->weight == nullptr)
    return fail(function, "options.norm->weight", std::string("nullptr"), "must point to weight_size floats"), false;
  if (!is_finite(norm->eps) || norm->eps < 0)
    return fail(function, "options.norm->eps", norm->eps, "must be finite and >= 0"), false;
  if (pairs > kChunkPairs)
    return fail(function, "rotary_dim", 2 * pairs,
                ("must be <= " + std::to_string(2 * kChunkPairs) + " with a head norm").c_str()),
           false;
  out.enabled = true;
  out.weight = norm->weight_size != 0 ? norm->weight : nullptr;
  out.eps = norm->eps;
  out.gemma = norm->gemma_offset;
  out.round_to_storage = norm->round_to_storage;
  return true;
}

/// The kernel's description of a validated view, written field by field
/// into h: its map keeps what it holds (linear by default; a Heads assigned
/// whole rewrites its 112-byte map, and copying one built apart waits on
/// store forwarding). An empty view's strides are never used (and need not
/// be sensible): the kernel sees zeros, so it forms no pointer from them.
template <class H, class V>
inline void set_view_heads(kernel::Heads<H>& h, const HeadsView<V>& v) {
  h.data = v.data;
  h.heads = v.heads;
  h.head_dim = v.head_dim;
  const bool empty = v.heads == 0 || v.tokens == 0;
  h.token_stride = empty ? 0 : v.token_stride;
  h.head_stride = empty ? 0 : v.head_stride;
}

/// Validates every argument of a rotation call and fills `call` (a
/// default-constructed one: the views' maps are left linear). Reports the
/// first problem (naming the argument and its value) and returns false.
template <class S, class D, class Angles>
inline bool prepare_call(const char* function, Pairing pairing, const Angles& angles, const HeadsView<const S>* src,
                         const HeadsView<D>* dst, const char* const* names, int n, const Positions& positions,
                         const ApplyOptions& options, kernel::Call<S, D>& call) {
  if (!check_enums(function, pairing, options)) return false;
  if (!resolve_angles(function, angles, options, call.angles)) return false;
  call.angles.inverse = options.direction == Direction::inverse;
  if (options.rotary_offset < 0)
    return fail(function, "options.rotary_offset", options.rotary_offset, "must be >= 0"), false;
  if (options.query_scale && !check_query_scale(function, *options.query_scale)) return false;
  std::int64_t needed = 0;
  if (!checked_add(options.rotary_offset, 2 * call.angles.pairs, needed))
    return fail(function, "options.rotary_offset", options.rotary_offset, "plus rotary_dim overflows int64"), false;
  const char* needed_name = options.rotary_offset > 0 ? "rotary_offset + rotary_dim" : "rotary_dim";
  for (int v = 0; v < n; ++v) {
    if (!check_view(function, names[2 * v], src[v], needed, needed_name)) return false;
    // In place, the destination is the source (the same checks would pass).
    if (!same_view(src[v], dst[v]) && !check_view(function, names[2 * v + 1], dst[v], needed, needed_name))
      return false;
    auto mismatch = [&](const char* member, std::int64_t got, int other, std::int64_t want) {
      fail(function, field(names[2 * v + 1], member).c_str(), got,
           ("must equal " + field(names[2 * other], member) + " = " + std::to_string(want)).c_str());
      return false;
    };
    if (dst[v].tokens != src[v].tokens) return mismatch(".tokens", dst[v].tokens, v, src[v].tokens);
    if (dst[v].heads != src[v].heads) return mismatch(".heads", dst[v].heads, v, src[v].heads);
    if (dst[v].head_dim != src[v].head_dim) return mismatch(".head_dim", dst[v].head_dim, v, src[v].head_dim);
    if (src[v].tokens != src[0].tokens)
      return fail(function, field(names[2 * v], ".tokens").c_str(), src[v].tokens,
                  ("must equal " + field(names[0], ".tokens") + " = " + std::to_string(src[0].tokens)).c_str()),
             false;
  }
  if (!check_disjoint(function, src, dst, names, n)) return false;
  // With no vector to rotate the positions are never read: nothing to check.
  bool any_vector = false;
  for (int v = 0; v < n; ++v) any_vector = any_vector || src[v].heads > 0;
  const std::int64_t used_tokens = any_vector ? src[0].tokens : 0;
  if (!resolve_positions(function, positions, used_tokens, call.angles)) return false;
  if (options.query_scale) {
    call.query_scale = kernel::QueryScale{true, options.query_scale->scale, options.query_scale->offset,
                                          options.query_scale->interval};
    if (!check_query_positions(function, call.query_scale, call.angles.positions, used_tokens)) return false;
  }
  if (options.norm) {
    for (int v = 1; v < n; ++v)
      if (src[v].heads > 0 && src[v].head_dim != src[0].head_dim)
        return fail(function, field(names[2 * v], ".head_dim").c_str(), src[v].head_dim,
                    ("must equal " + field(names[0], ".head_dim") + " = " + std::to_string(src[0].head_dim) +
                     " with a head norm")
                        .c_str()),
               false;
    if (!resolve_norm(function, options.norm, src[0].head_dim, call.angles.pairs, call.norm)) return false;
  }
  call.pairing = pairing;
  call.tokens = src[0].tokens;
  call.rotary_offset = options.rotary_offset;
  call.views = n;
  for (int v = 0; v < n; ++v) {
    set_view_heads(call.src[v], src[v]);
    set_view_heads(call.dst[v], dst[v]);
  }
  return true;
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_DETAIL_VALIDATE_HPP
