// ropekit: the scalar double-precision reference of rotary embedding.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_REFERENCE_APPLY_HPP
#define ROPEKIT_REFERENCE_APPLY_HPP

#include <cmath>
#include <cstdint>
#include <optional>

#include "../angles.hpp"
#include "../cache.hpp"
#include "../frequencies.hpp"
#include "../head_norm.hpp"
#include "../multi_axis.hpp"
#include "../query_scale.hpp"
#include "../types.hpp"
#include "../views.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {
/// Plain scalar versions of every step, in double precision: slow on purpose
/// and written to be obviously right. The tests compare every fast path with
/// these.
namespace reference {

/// cos and sin of position * inv_freq, correctly rounded to double for
/// |position| < 2^31: the product is exact in long double (64-bit mantissa on
/// x86; 31 + 24 bits are needed), and cosl/sinl reduce their argument exactly.
/// In float32_compatible mode the angle is fl32(fl32(position) * inv_freq).
inline void cos_sin(std::int64_t position, float inv_freq, AngleMode mode, double& c, double& s) {
  long double angle;
  if (mode == AngleMode::float32_compatible) {
    angle = static_cast<long double>(static_cast<float>(static_cast<float>(position) * inv_freq));
  } else {
    angle = static_cast<long double>(position) * static_cast<long double>(inv_freq);
  }
  c = static_cast<double>(std::cos(angle));
  s = static_cast<double>(std::sin(angle));
}

/// What the reference does around the rotation (the defaults are those of
/// ropekit::apply's ApplyOptions).
struct Options {
  Direction direction = Direction::forward;
  AngleMode mode = AngleMode::accurate;
  std::int64_t rotary_offset = 0;
  std::optional<PositionQueryScale> query_scale;
};

/// Rotates src into dst (shapes equal; may be the same view): for token t and
/// pair i, cs(t, i) gives {cos, sin}; the pair is channels (off + i, off + i +
/// pairs) (neox) or (off + 2i, off + 2i + 1) (interleaved), off the rotary
/// offset; every channel of token t is then multiplied by scale(t) (the query
/// scale, 1 otherwise); the channels outside the rotated slice are copied
/// (times scale(t)). Each stored value is rounded once from double.
template <class S, class D, class CosSin, class Scale>
inline void rotate(Pairing pairing, std::int64_t pairs, std::int64_t offset, const HeadsView<S>& src,
                   const HeadsView<D>& dst, CosSin&& cs, Scale&& scale) {
  using DV = std::remove_const_t<D>;
  for (std::int64_t t = 0; t < src.tokens; ++t) {
    const double m = scale(t);
    for (std::int64_t i = 0; i < pairs; ++i) {
      double c, s;
      cs(t, i, c, s);
      const std::int64_t a = offset + (pairing == Pairing::neox ? i : 2 * i);
      const std::int64_t b = offset + (pairing == Pairing::neox ? i + pairs : 2 * i + 1);
      for (std::int64_t h = 0; h < src.heads; ++h) {
        const double x = to_double(src.at(t, h)[a]);
        const double y = to_double(src.at(t, h)[b]);
        dst.at(t, h)[a] = from_double<DV>((x * c - y * s) * m);
        dst.at(t, h)[b] = from_double<DV>((y * c + x * s) * m);
      }
    }
    for (std::int64_t h = 0; h < src.heads; ++h)
      for (std::int64_t d = 0; d < src.head_dim; ++d)
        if (d < offset || d >= offset + 2 * pairs) dst.at(t, h)[d] = from_double<DV>(to_double(src.at(t, h)[d]) * m);
  }
}

/// Reference of ropekit::apply_into with an axis table: token t's pair i
/// turns by positions[axis[i] * axis_stride + t] * inv_freq[i], cos and sin
/// scaled by the attention factor (forward), or by the negated angle with cos
/// and sin divided by it (inverse); see rotate for the offset and the query
/// scale (of component 0 of each position). Preconditions (unchecked): shapes
/// equal, rotary_offset + rotary_dim <= head_dim, positions has n_axes
/// components of src.tokens entries.
template <class S, class D>
inline void apply_into(Pairing pairing, const AxisFrequencies& freq, const HeadsView<S>& src, const HeadsView<D>& dst,
                       const std::int64_t* positions, std::int64_t axis_stride, const Options& options = {}) {
  const double af = freq.attention_factor;
  const bool forward = options.direction == Direction::forward;
  const double scale = forward ? af : 1.0 / af;
  const double sign = forward ? 1.0 : -1.0;
  rotate(
      pairing, std::int64_t(freq.inv_freq.size()), options.rotary_offset, src, dst,
      [&](std::int64_t t, std::int64_t i, double& c, double& s) {
        const std::int64_t p = positions[std::int64_t(freq.axis[std::size_t(i)]) * axis_stride + t];
        cos_sin(p, freq.inv_freq[std::size_t(i)], options.mode, c, s);
        c *= scale;
        s *= sign * scale;
      },
      [&](std::int64_t t) { return options.query_scale ? options.query_scale->at(positions[t]) : 1.0; });
}

/// Reference of ropekit::apply_into with one position per token: as above
/// with every pair on axis 0 (positions has src.tokens entries).
template <class S, class D>
inline void apply_into(Pairing pairing, const Frequencies& freq, const HeadsView<S>& src, const HeadsView<D>& dst,
                       const std::int64_t* positions, const Options& options) {
  AxisFrequencies a;
  a.inv_freq = freq.inv_freq;
  a.attention_factor = freq.attention_factor;
  a.axis.assign(freq.inv_freq.size(), 0);
  apply_into(pairing, a, src, dst, positions, 0, options);
}

/// The same with the direction and angle mode only.
template <class S, class D>
inline void apply_into(Pairing pairing, const Frequencies& freq, const HeadsView<S>& src, const HeadsView<D>& dst,
                       const std::int64_t* positions, Direction direction = Direction::forward,
                       AngleMode mode = AngleMode::accurate) {
  Options o;
  o.direction = direction;
  o.mode = mode;
  apply_into(pairing, freq, src, dst, positions, o);
}

/// Reference of ropekit::apply: in place.
template <class T>
inline void apply(Pairing pairing, const Frequencies& freq, const HeadsView<T>& x, const std::int64_t* positions,
                  Direction direction = Direction::forward, AngleMode mode = AngleMode::accurate) {
  apply_into(pairing, freq, x, x, positions, direction, mode);
}

/// Reference of the caller-table path: row rows[t] of the table gives (c, s)
/// for token t (row rows[axis[i] * axis_stride + t] for pair i of a table
/// with axes); the inverse uses (c, -s) / (c^2 + s^2), NaN when that is 0.
template <class S, class D>
inline void apply_table_into(Pairing pairing, const CosSinTable& table, const HeadsView<S>& src,
                             const HeadsView<D>& dst, const std::int64_t* rows,
                             Direction direction = Direction::forward, std::int64_t axis_stride = 0) {
  rotate(
      pairing, table.pairs, 0, src, dst,
      [&](std::int64_t t, std::int64_t i, double& c, double& s) {
        const std::int64_t row = rows[(table.axis ? std::int64_t(table.axis[i]) : 0) * axis_stride + t];
        c = table.cos[row * table.stride() + i];
        s = table.sin[row * table.stride() + i];
        if (direction == Direction::inverse) {
          const double m = c * c + s * s;
          c = c / m;
          s = -s / m;
        }
      },
      [](std::int64_t) { return 1.0; });
}

/// Reference of the head norm (ropekit::RmsNorm) of src into dst (shapes
/// equal): per (token, head) r = 1 / sqrt(mean of x^2 + eps), y = x * r, then
/// times weight[i] (or 1 + weight[i]); with round_to_storage each of the two
/// products is rounded to S (the source type), as an unfused pipeline that
/// stores the normalized tensor does. In double; rounded once into D.
template <class S, class D>
inline void rms_norm_heads(const HeadsView<S>& src, const HeadsView<D>& dst, const RmsNorm& norm) {
  using SV = std::remove_const_t<S>;
  using DV = std::remove_const_t<D>;
  for (std::int64_t t = 0; t < src.tokens; ++t)
    for (std::int64_t h = 0; h < src.heads; ++h) {
      double sum = 0;
      for (std::int64_t d = 0; d < src.head_dim; ++d) sum += to_double(src.at(t, h)[d]) * to_double(src.at(t, h)[d]);
      const double r = 1.0 / std::sqrt(sum / double(src.head_dim) + norm.eps);
      for (std::int64_t d = 0; d < src.head_dim; ++d) {
        double y = to_double(src.at(t, h)[d]) * r;
        if (norm.round_to_storage) y = to_double(from_double<SV>(y));
        const double w = (norm.weight != nullptr ? double(norm.weight[d]) : 0.0) + (norm.gemma_offset ? 1.0 : 0.0);
        if (norm.weight != nullptr || norm.gemma_offset) {
          y *= w;
          if (norm.round_to_storage) y = to_double(from_double<SV>(y));
        }
        dst.at(t, h)[d] = from_double<DV>(y);
      }
    }
}

}  // namespace reference
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_REFERENCE_APPLY_HPP
