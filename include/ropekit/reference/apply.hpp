// ropekit: the scalar double-precision reference of rotary embedding.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_REFERENCE_APPLY_HPP
#define ROPEKIT_REFERENCE_APPLY_HPP

#include <cmath>
#include <cstdint>

#include "../angles.hpp"
#include "../cache.hpp"
#include "../frequencies.hpp"
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

/// Rotates src into dst (shapes equal; may be the same view) with the
/// coefficients cs(t, i) -> {cos, sin} for token t and pair i. Channels at and
/// beyond 2 * pairs are copied (a no-op when in place).
template <class S, class D, class CosSin>
inline void rotate(Pairing pairing, std::int64_t pairs, const HeadsView<S>& src, const HeadsView<D>& dst, CosSin&& cs) {
  for (std::int64_t t = 0; t < src.tokens; ++t) {
    for (std::int64_t i = 0; i < pairs; ++i) {
      double c, s;
      cs(t, i, c, s);
      const std::int64_t a = pairing == Pairing::neox ? i : 2 * i;
      const std::int64_t b = pairing == Pairing::neox ? i + pairs : 2 * i + 1;
      for (std::int64_t h = 0; h < src.heads; ++h) {
        const double x = to_double(src.at(t, h)[a]);
        const double y = to_double(src.at(t, h)[b]);
        dst.at(t, h)[a] = from_double<std::remove_const_t<D>>(x * c - y * s);
        dst.at(t, h)[b] = from_double<std::remove_const_t<D>>(y * c + x * s);
      }
    }
    for (std::int64_t h = 0; h < src.heads; ++h)
      for (std::int64_t d = 2 * pairs; d < src.head_dim; ++d)
        dst.at(t, h)[d] = from_double<std::remove_const_t<D>>(to_double(src.at(t, h)[d]));
  }
}

/// Reference of ropekit::apply_into: rotates each (token, head) vector of src
/// by position[t] * inv_freq (pair i by angle position * inv_freq[i]) with
/// cos and sin scaled by attention_factor (forward), or by the negated angle
/// with cos and sin divided by it (inverse), and writes dst. Preconditions
/// (unchecked): shapes equal, rotary_dim <= head_dim, positions has
/// src.tokens entries.
template <class S, class D>
inline void apply_into(Pairing pairing, const Frequencies& freq, const HeadsView<S>& src, const HeadsView<D>& dst,
                       const std::int64_t* positions, Direction direction = Direction::forward,
                       AngleMode mode = AngleMode::accurate) {
  const double af = freq.attention_factor;
  const double scale = direction == Direction::forward ? af : 1.0 / af;
  const double sign = direction == Direction::forward ? 1.0 : -1.0;
  rotate(pairing, std::int64_t(freq.inv_freq.size()), src, dst,
         [&](std::int64_t t, std::int64_t i, double& c, double& s) {
           cos_sin(positions[t], freq.inv_freq[std::size_t(i)], mode, c, s);
           c *= scale;
           s *= sign * scale;
         });
}

/// Reference of ropekit::apply: in place.
template <class T>
inline void apply(Pairing pairing, const Frequencies& freq, const HeadsView<T>& x, const std::int64_t* positions,
                  Direction direction = Direction::forward, AngleMode mode = AngleMode::accurate) {
  apply_into(pairing, freq, x, x, positions, direction, mode);
}

/// Reference of the caller-table path: row rows[t] of the table gives (c, s)
/// for token t; the inverse uses (c, -s) / (c^2 + s^2).
template <class S, class D>
inline void apply_table_into(Pairing pairing, const CosSinTable& table, const HeadsView<S>& src,
                             const HeadsView<D>& dst, const std::int64_t* rows,
                             Direction direction = Direction::forward) {
  rotate(pairing, table.pairs, src, dst, [&](std::int64_t t, std::int64_t i, double& c, double& s) {
    c = table.cos[rows[t] * table.stride() + i];
    s = table.sin[rows[t] * table.stride() + i];
    if (direction == Direction::inverse) {
      const double m = c * c + s * s;
      c = m > 0 ? c / m : 0.0;
      s = m > 0 ? -s / m : 0.0;
    }
  });
}

}  // namespace reference
}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_REFERENCE_APPLY_HPP
