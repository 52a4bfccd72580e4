// ropekit: sinusoidal absolute position encodings.
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_SINUSOIDAL_HPP
#define ROPEKIT_ENCODINGS_SINUSOIDAL_HPP

#include <cmath>
#include <cstdint>
#include <string>

#include "common.hpp"

// Eigen's templates are defined inside the region so that the GCC 12.2
// intrinsics warning (see ROPEKIT_INTRINSICS_BEGIN) is silenced in them too.
ROPEKIT_INTRINSICS_BEGIN
#include <Eigen/Core>
ROPEKIT_INTRINSICS_END

ROPEKIT_INTRINSICS_BEGIN

namespace ropekit {

/// Row-major float matrix, the shape of position tables and embeddings.
using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Column layout of a sinusoidal table.
enum class SinusoidalLayout {
  /// Vaswani et al. 2017 ("Attention Is All You Need", section 3.5):
  ///   PE(p, 2i) = sin(p / base^(2i/dim)),  PE(p, 2i+1) = cos(p / base^(2i/dim)).
  /// dim must be even (an odd dim is an error).
  interleaved,
  /// fairseq's layout, used by M2M100, Whisper, Speech2Text and others: with
  /// h = dim / 2 and w_i = base^(-i / (h - 1)),
  ///   PE(p, i) = sin(p w_i),  PE(p, h + i) = cos(p w_i),  i in [0, h),
  /// and, for an odd dim, a last column of zeros (as fairseq pads). dim >= 4.
  concatenated,
};

inline namespace ROPEKIT_ABI_NAMESPACE {
namespace detail {
inline bool check_sinusoidal(const char* function, std::int64_t dim, SinusoidalLayout layout, double base) {
  if (layout != SinusoidalLayout::interleaved && layout != SinusoidalLayout::concatenated) {
    fail(function, "layout", layout, "must be SinusoidalLayout::interleaved (0) or SinusoidalLayout::concatenated (1)");
    return false;
  }
  if (layout == SinusoidalLayout::interleaved && (dim <= 0 || dim % 2 != 0)) {
    fail(function, "dim", dim, "must be even and > 0 for the interleaved layout");
    return false;
  }
  if (layout == SinusoidalLayout::concatenated && dim < 4) {
    fail(function, "dim", dim, "must be >= 4 for the concatenated layout (its exponent divides by dim/2 - 1)");
    return false;
  }
  if (!positive_finite_bits(base) || !(base > 1)) {
    fail(function, "base", base, "must be finite and > 1");
    return false;
  }
  return true;
}

/// Checks the sizes and offset of a table of n_positions rows starting at
/// position offset: n_positions >= 0, n_positions x dim elements at most
/// `limit`, and the last position within int64.
inline bool check_sinusoidal_rows(const char* function, std::int64_t n_positions, std::int64_t dim, std::int64_t offset,
                                  std::int64_t limit, const char* what) {
  if (n_positions < 0) {
    fail(function, "n_positions", n_positions, "must be >= 0");
    return false;
  }
  std::int64_t total = 0, last = 0;
  if (!elements_within(n_positions, dim, 1, limit, total)) {
    fail_elements(function, "n_positions x dim", {n_positions, dim}, limit, what);
    return false;
  }
  if (n_positions > 0 && !check_position_range(function, "offset", offset, "n_positions", n_positions, last))
    return false;
  return true;
}

/// Value of column `c` at position `p` (double, before rounding), one IEEE
/// operation at a time (the same whatever the caller's floating-point flags).
inline double sinusoidal_value(double p, std::int64_t c, std::int64_t dim, SinusoidalLayout layout, double base) {
  if (layout == SinusoidalLayout::interleaved) {
    const double angle = mul_f64(p, pow_f64(base, div_f64(-double(c - c % 2), double(dim))));
    return c % 2 == 0 ? sin_f64(angle) : cos_f64(angle);
  }
  const std::int64_t half = dim / 2;
  if (c >= 2 * half) return 0.0;  // the odd dim's zero column
  const std::int64_t i = c % half;
  const double angle = mul_f64(p, pow_f64(base, div_f64(-double(i), double(half - 1))));
  return c < half ? sin_f64(angle) : cos_f64(angle);
}
}  // namespace detail

/// Fills `out` (row-major [n_positions][dim], row stride `dim`) with the
/// sinusoidal table of positions offset, offset + 1, ..., offset + n_positions - 1
/// (fairseq-derived models start at padding_idx + 1: pass it as offset).
/// Values are computed in double and rounded once to float. Errors (nothing
/// is written): layout not a SinusoidalLayout, dim (see SinusoidalLayout),
/// n_positions < 0, base not finite or <= 1, n_positions x dim larger than an
/// array can be, offset + n_positions - 1 beyond int64, null out.
inline void sinusoidal_table(float* out, std::int64_t n_positions, std::int64_t dim,
                             SinusoidalLayout layout = SinusoidalLayout::interleaved, double base = 10000.0,
                             std::int64_t offset = 0) {
  const char* function = "ropekit::sinusoidal_table";
  if (!detail::check_sinusoidal(function, dim, layout, base)) return;
  if (!detail::check_sinusoidal_rows(function, n_positions, dim, offset, detail::max_array_elements<float>,
                                     "is larger than an array can be"))
    return;
  if (n_positions > 0 && out == nullptr)
    return detail::fail(function, "out", std::string("nullptr"), "must be non-null");
  for (std::int64_t p = 0; p < n_positions; ++p)
    for (std::int64_t c = 0; c < dim; ++c)
      out[p * dim + c] = float(detail::sinusoidal_value(double(p + offset), c, dim, layout, base));
}

/// The same table as an Eigen matrix (n_positions x dim). The arguments are
/// checked before anything is allocated; n_positions x dim may be at most 2^30
/// elements. On error (without exceptions) an empty 0 x 0 matrix is returned
/// after the error handler.
inline RowMatrixXf sinusoidal_table(std::int64_t n_positions, std::int64_t dim,
                                    SinusoidalLayout layout = SinusoidalLayout::interleaved, double base = 10000.0,
                                    std::int64_t offset = 0) {
  const char* function = "ropekit::sinusoidal_table";
  if (!detail::check_sinusoidal(function, dim, layout, base)) return RowMatrixXf();
  if (!detail::check_sinusoidal_rows(function, n_positions, dim, offset, detail::max_encoding_elements,
                                     "is too large to allocate"))
    return RowMatrixXf();
  RowMatrixXf table(n_positions, dim);
  sinusoidal_table(table.data(), n_positions, dim, layout, base, offset);
  return table;
}

/// Adds the encoding of positions[t] to row t of `embeddings` in place
/// ([tokens][dim]; the number of rows is the number of positions read; any
/// int64 position). Errors (nothing is written): as sinusoidal_table, and a
/// null positions pointer.
inline void add_sinusoidal(Eigen::Ref<RowMatrixXf> embeddings, const std::int64_t* positions,
                           SinusoidalLayout layout = SinusoidalLayout::interleaved, double base = 10000.0) {
  const char* function = "ropekit::add_sinusoidal";
  const std::int64_t dim = embeddings.cols();
  if (!detail::check_sinusoidal(function, dim, layout, base)) return;
  if (embeddings.rows() > 0 && positions == nullptr)
    return detail::fail(function, "positions", std::string("nullptr"), "must point to one position per row");
  for (Eigen::Index t = 0; t < embeddings.rows(); ++t)
    for (std::int64_t c = 0; c < dim; ++c)
      embeddings(t, c) += float(detail::sinusoidal_value(double(positions[t]), c, dim, layout, base));
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

ROPEKIT_INTRINSICS_END

#endif  // ROPEKIT_ENCODINGS_SINUSOIDAL_HPP
