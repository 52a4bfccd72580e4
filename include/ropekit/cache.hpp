// ropekit: precomputed cos/sin tables, built by ropekit or given by the caller.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_CACHE_HPP
#define ROPEKIT_CACHE_HPP

#include <cstdint>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "angles.hpp"
#include "config.hpp"
#include "detail/simd.hpp"
#include "frequencies.hpp"

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {

/// A caller-owned cos/sin table: row r holds cos[r * row_stride + i] and
/// sin[r * row_stride + i] for pairs i in [0, pairs). Rows are selected by the
/// positions passed to apply (the ONNX RotaryEmbedding `cos_cache`/`sin_cache`
/// and vLLM's `cos_sin_cache` gathered by position ids), or, with
/// PositionRange{0}, one row per token. The values are used as given (no
/// attention factor is applied); the inverse direction applies the inverse of
/// the 2x2 map, (c, -s) / (c^2 + s^2).
struct CosSinTable {
  const float* cos = nullptr;
  const float* sin = nullptr;
  std::int64_t rows = 0;        ///< number of rows; positions must lie in [0, rows)
  std::int64_t pairs = 0;       ///< rotary_dim / 2
  std::int64_t row_stride = 0;  ///< elements between rows; 0 means `pairs`

  /// Elements between rows: row_stride, or pairs when row_stride is 0.
  std::int64_t stride() const { return row_stride ? row_stride : pairs; }
};

/// cos and sin of position * inv_freq for positions [0, max_position), built
/// once from a frequency table with ropekit's accurate angles (or the float32
/// compatible ones) and rounded to float. The kernels scale them by the
/// table's attention factor when they rotate. Immutable after construction,
/// so one cache may be shared by many threads.
class CosSinCache {
 public:
  CosSinCache() = default;

  /// Builds the cache. Preconditions: `freq` is valid (see validate) and
  /// max_position >= 1; otherwise the error names the argument and the cache
  /// stays empty. Memory: 2 * max_position * rotary_dim/2 floats.
  ROPEKIT_ABI_KEYED
  CosSinCache(const Frequencies& freq, std::int64_t max_position, AngleMode mode = AngleMode::accurate) {
    if (!validate(freq, "ropekit::CosSinCache")) return;
    if (max_position < 1) {
      detail::fail("ropekit::CosSinCache", "max_position", max_position, "must be >= 1");
      return;
    }
    using B = xsimd::batch<double, detail::narrow_arch>;
    pairs_ = std::int64_t(freq.inv_freq.size());
    const std::int64_t padded = (pairs_ + std::int64_t(B::size) - 1) / std::int64_t(B::size) * std::int64_t(B::size);
    // inv_freq widened to double and zero-padded to whole batches, once.
    std::vector<double> inv(std::size_t(padded), 0.0);
    for (std::int64_t i = 0; i < pairs_; ++i) inv[std::size_t(i)] = double(freq.inv_freq[std::size_t(i)]);
    cos_.resize(std::size_t(max_position * pairs_));
    sin_.resize(std::size_t(max_position * pairs_));
    alignas(64) double s[B::size], c[B::size];
    for (std::int64_t p = 0; p < max_position; ++p) {
      for (std::int64_t i = 0; i < padded; i += std::int64_t(B::size)) {
        B sb, cb;
        detail::sincos_position(p, inv.data() + i, mode, sb, cb);
        sb.store_aligned(s);
        cb.store_aligned(c);
        for (std::int64_t j = 0; j < std::int64_t(B::size) && i + j < pairs_; ++j) {
          cos_[std::size_t(p * pairs_ + i + j)] = float(c[j]);
          sin_[std::size_t(p * pairs_ + i + j)] = float(s[j]);
        }
      }
    }
    max_position_ = max_position;
    attention_factor_ = freq.attention_factor;
  }

  /// Positions covered: [0, max_position()).
  std::int64_t max_position() const { return max_position_; }
  /// rotary_dim / 2.
  std::int64_t pairs() const { return pairs_; }
  /// The attention factor of the table it was built from.
  float attention_factor() const { return attention_factor_; }
  /// Row of cos values (unscaled) for a position in [0, max_position()).
  const float* cos_row(std::int64_t position) const { return cos_.data() + position * pairs_; }
  /// Row of sin values (unscaled) for a position in [0, max_position()).
  const float* sin_row(std::int64_t position) const { return sin_.data() + position * pairs_; }
  /// True when default-constructed or built from invalid arguments.
  bool empty() const { return max_position_ == 0; }

 private:
  std::vector<float> cos_, sin_;
  std::int64_t max_position_ = 0;
  std::int64_t pairs_ = 0;
  float attention_factor_ = 1.0f;
};

}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_CACHE_HPP
