// ropekit: precomputed cos/sin tables, built by ropekit or given by the caller.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_CACHE_HPP
#define ROPEKIT_CACHE_HPP

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "angles.hpp"
#include "config.hpp"
#include "detail/checked.hpp"
#include "detail/fp.hpp"
#include "detail/sincos.hpp"
#include "frequencies.hpp"
#include "multi_axis.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {

/// A caller-owned cos/sin table: row r holds cos[r * row_stride + i] and
/// sin[r * row_stride + i] for pairs i in [0, pairs). Rows are selected by the
/// positions passed to apply (the ONNX RotaryEmbedding `cos_cache`/`sin_cache`
/// and vLLM's `cos_sin_cache` gathered by position ids), or, with
/// PositionRange{0}, one row per token. The values are used as given (no
/// attention factor is applied); the inverse direction applies the inverse of
/// the 2x2 map, (c, -s) / (c^2 + s^2) (NaN where that map is singular).
/// With several position axes (vLLM's multimodal cos_sin_cache), pair i of a
/// token reads row positions[axis[i]].
struct CosSinTable {
  const float* cos = nullptr;
  const float* sin = nullptr;
  std::int64_t rows = 0;               ///< number of rows; positions must lie in [0, rows)
  std::int64_t pairs = 0;              ///< rotary_dim / 2
  std::int64_t row_stride = 0;         ///< elements between rows; 0 means `pairs`
  const std::uint8_t* axis = nullptr;  ///< position component of each pair (nullptr: one axis)
  int n_axes = 1;                      ///< position components per token when axis is set

  /// Elements between rows: row_stride, or pairs when row_stride is 0.
  std::int64_t stride() const { return row_stride ? row_stride : pairs; }
};

/// cos and sin of position * inv_freq for positions [0, max_position), built
/// once from a frequency table with ropekit's accurate angles (or the float32
/// compatible ones) and rounded to float. The kernels scale them by the
/// table's attention factor when they rotate. Immutable after construction:
/// one cache may be shared by many threads, and copies share the table.
class CosSinCache {
 public:
  CosSinCache() = default;

  /// Builds the cache. Preconditions (reported naming the argument, leaving
  /// the cache empty): `freq` is valid (see validate), max_position >= 1, the
  /// table's size 2 * max_position * pairs floats is addressable and can be
  /// allocated, and every angle (max_position - 1) * inv_freq lies in the
  /// accurate range (see AngleMode). Memory: 8 * max_position * pairs bytes.
  ROPEKIT_ABI_KEYED
  CosSinCache(const Frequencies& freq, std::int64_t max_position, AngleMode mode = AngleMode::accurate) {
    build(freq, max_position, mode);
  }

  /// The same for a table over several position axes (see AxisFrequencies):
  /// row p holds pair j's cos and sin of p * inv_freq[j]; a token's pair j
  /// reads the row of its position component axis[j].
  ROPEKIT_ABI_KEYED
  CosSinCache(const AxisFrequencies& freq, std::int64_t max_position, AngleMode mode = AngleMode::accurate) {
    if (!validate(freq, "ropekit::CosSinCache")) return;
    Frequencies f;
    f.inv_freq = freq.inv_freq;
    f.attention_factor = freq.attention_factor;
    build(f, max_position, mode);
    if (empty()) return;
    axis_ = std::make_shared<const std::vector<std::uint8_t>>(freq.axis);
    n_axes_ = freq.n_axes;
  }

  /// Positions covered: [0, max_position()).
  std::int64_t max_position() const { return max_position_; }
  /// rotary_dim / 2.
  std::int64_t pairs() const { return pairs_; }
  /// The attention factor of the table it was built from.
  float attention_factor() const { return attention_factor_; }
  /// The angle mode it was built with.
  AngleMode mode() const { return mode_; }
  /// Row of cos values (unscaled) for a position in [0, max_position()).
  const float* cos_row(std::int64_t position) const { return data_.get() + position * pairs_; }
  /// Row of sin values (unscaled) for a position in [0, max_position()).
  const float* sin_row(std::int64_t position) const { return data_.get() + (max_position_ + position) * pairs_; }
  /// True when default-constructed or built from invalid arguments.
  bool empty() const { return max_position_ == 0; }
  /// Position component of each pair (nullptr for a one-axis cache).
  const std::uint8_t* axis() const { return axis_ ? axis_->data() : nullptr; }
  /// Position components per token.
  int n_axes() const { return n_axes_; }

 private:
  ROPEKIT_ABI_KEYED
  void build(const Frequencies& freq, std::int64_t max_position, AngleMode mode);

  std::shared_ptr<const float> data_;
  std::shared_ptr<const std::vector<std::uint8_t>> axis_;
  int n_axes_ = 1;
  std::int64_t max_position_ = 0;
  std::int64_t pairs_ = 0;
  float attention_factor_ = 1.0f;
  AngleMode mode_ = AngleMode::accurate;
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {

/// The largest inv_freq of a valid table.
inline double max_inv_freq(const Frequencies& f) {
  return double(largest_nonnegative(f.inv_freq.data(), f.inv_freq.size()));
}

/// Fills rows [0, max_position) of cos (and sin, max_position rows later)
/// with the instruction set Isa.
template <class Isa>
inline void fill_cos_sin_rows(float* out, const Frequencies& freq, std::int64_t max_position, AngleMode mode) {
  using B = batch_t<Isa, double>;
  constexpr std::int64_t W = std::int64_t(B::size);
  const std::int64_t pairs = std::int64_t(freq.inv_freq.size());
  float* sin_base = out + max_position * pairs;
  alignas(64) double inv[W];
  alignas(64) float s[W], c[W];
  for (std::int64_t i = 0; i < pairs; i += W) {
    const std::int64_t n = pairs - i < W ? pairs - i : W;
    for (std::int64_t j = 0; j < W; ++j) inv[j] = j < n ? double(freq.inv_freq[std::size_t(i + j)]) : 0.0;
    for (std::int64_t p = 0; p < max_position; ++p) {
      B sb, cb;
      sincos_position<Isa, float>(p, inv, mode, sb, cb);
      store_as_float<Isa>(s, sb, Isa{});
      store_as_float<Isa>(c, cb, Isa{});
      for (std::int64_t j = 0; j < n; ++j) {
        out[p * pairs + i + j] = c[j];
        sin_base[p * pairs + i + j] = s[j];
      }
    }
  }
}

}  // namespace detail
}  // namespace ROPEKIT_ABI_NAMESPACE

template <class RopekitAbi>
inline void CosSinCache::build(const Frequencies& freq, std::int64_t max_position, AngleMode mode) {
  const char* function = "ropekit::CosSinCache";
  if (!validate(freq, function)) return;
  if (max_position < 1) return detail::fail(function, "max_position", max_position, "must be >= 1");
  if (mode != AngleMode::accurate && mode != AngleMode::float32_compatible)
    return detail::fail(function, "mode", int(mode), "is not an AngleMode");
  const std::int64_t pairs = std::int64_t(freq.inv_freq.size());
  std::int64_t elements = 0;
  if (!detail::checked_mul(max_position, 2 * pairs, elements) ||
      elements > std::int64_t(PTRDIFF_MAX / std::int64_t(sizeof(float)))) {
    return detail::fail(
        function, "max_position", max_position,
        ("times 2 * pairs = " + std::to_string(2 * pairs) + " floats exceeds the address space").c_str());
  }
  const double largest = double(max_position - 1) * detail::max_inv_freq(freq);
  if (largest > detail::kMaxExactAngle) {
    return detail::fail(function, "max_position", max_position,
                        ("gives angles up to " + detail::format_floating(largest) +
                         " radians, beyond the accurate range 2^31 pi/2 (see AngleMode)")
                            .c_str());
  }
  float* storage = new (std::nothrow) float[std::size_t(elements)];
  if (storage == nullptr) {
    return detail::fail(
        function, "max_position", max_position,
        ("needs " + std::to_string(elements * std::int64_t(sizeof(float))) + " bytes, which could not be allocated")
            .c_str());
  }
  std::shared_ptr<const float> data(storage, std::default_delete<const float[]>());
  detail::fill_cos_sin_rows<isa::best_compiled>(storage, freq, max_position, mode);
  data_ = std::move(data);
  max_position_ = max_position;
  pairs_ = pairs;
  attention_factor_ = freq.attention_factor;
  mode_ = mode;
}

}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_CACHE_HPP
