// ropekit: analysis of frequency tables (wavelengths, regimes, long-range decay).
// SPDX-License-Identifier: Apache-2.0
#ifndef ROPEKIT_ENCODINGS_ANALYSIS_HPP
#define ROPEKIT_ENCODINGS_ANALYSIS_HPP

#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <vector>

#include "../frequencies.hpp"
#include "common.hpp"

namespace ropekit {
inline namespace ROPEKIT_ABI_NAMESPACE {

/// Wavelength of each pair in positions, 2 pi / inv_freq (infinity for a
/// pair that does not rotate). Errors: an invalid table (see validate); without
/// exceptions an empty vector is returned after the error handler.
inline std::vector<double> wavelengths(const Frequencies& f) {
  if (!validate(f, "ropekit::wavelengths")) return {};
  std::vector<double> out;
  out.reserve(f.inv_freq.size());
  for (float v : f.inv_freq)
    out.push_back(v != 0.0f ? 2.0 * 3.14159265358979323846 / double(v) : std::numeric_limits<double>::infinity());
  return out;
}

namespace detail {
/// The largest max_distance rope_decay_bound accepts (2^24 = 16777216, beyond
/// any model's context; the work is max_distance * rotary_dim / 2 sines).
inline constexpr std::int64_t max_decay_distance = std::int64_t(1) << 24;
}  // namespace detail

/// RoPE's long-range decay bound (Su et al. 2021, RoFormer section 3.4.3): the
/// attention score of vectors with |entries| <= 1 at relative distance m is
/// bounded by sum_j |S_j(m)| with S_j(m) = sum_{i<=j} e^{i m theta_i}; this
/// returns the normalized bound (1 / (r/2)) sum_{j=1}^{r/2} |S_j(m)| for
/// m = 0, 1, ..., max_distance (it is r/2 + 1 over 2 at m = 0 and decays with
/// m). Computed in double. Errors (before anything is allocated):
/// max_distance < 0 or above 2^24 = 16777216, an invalid table; without
/// exceptions an empty vector is returned after the error handler.
inline std::vector<double> rope_decay_bound(const Frequencies& f, std::int64_t max_distance) {
  const char* function = "ropekit::rope_decay_bound";
  if (max_distance < 0)
    return detail::fail(function, "max_distance", max_distance, "must be >= 0"), std::vector<double>{};
  if (max_distance > detail::max_decay_distance)
    return detail::fail(function, "max_distance", max_distance, "must be at most 16777216 (2^24)"),
           std::vector<double>{};
  if (!validate(f, function)) return {};
  const std::size_t pairs = f.inv_freq.size();
  std::vector<double> out(std::size_t(max_distance + 1));
  for (std::int64_t m = 0; m <= max_distance; ++m) {
    std::complex<double> partial = 0;
    double total = 0;
    for (std::size_t i = 0; i < pairs; ++i) {
      const double angle = double(m) * double(f.inv_freq[i]);
      partial += std::complex<double>(std::cos(angle), std::sin(angle));
      total += std::abs(partial);
    }
    out[std::size_t(m)] = total / double(pairs);
  }
  return out;
}

}  // namespace ROPEKIT_ABI_NAMESPACE

/// How a scaling method treats a pair, relative to the unscaled table.
enum class PairRegime {
  extrapolated,  ///< unchanged (high frequencies: positions beyond the training range are extrapolated)
  interpolated,  ///< divided by the method's largest divisor (the full factor)
  blended,       ///< divided by something in between
  stopped,       ///< frequency 0: the pair does not rotate
};

inline namespace ROPEKIT_ABI_NAMESPACE {

/// Name of a regime ("extrapolated", "interpolated", "blended", "stopped").
/// Errors: a value outside the enumeration; without exceptions "" is
/// returned after the error handler.
inline const char* to_string(PairRegime r) {
  switch (r) {
    case PairRegime::extrapolated:
      return "extrapolated";
    case PairRegime::interpolated:
      return "interpolated";
    case PairRegime::blended:
      return "blended";
    case PairRegime::stopped:
      return "stopped";
  }
  detail::fail("ropekit::to_string", "regime", r, "must be a PairRegime (0 to 3)");
  return "";
}

/// The regime of each pair of `spec` at seq_len: its divisor d_i =
/// default_inv_freq[i] / inv_freq[i] against the unscaled table of the same
/// rotary_dim and base is 1 (within 1e-6: extrapolated), the largest divisor
/// of the table when that exceeds 1 (within 1e-6: interpolated), something
/// else (blended), or the pair does not rotate (stopped). Linear scaling
/// interpolates everything; YaRN, NTK-by-parts and Llama 3 split the pairs
/// into the three bands; NTK-aware blends all but the first pair.
/// Errors: as frequencies(); without exceptions an empty vector is returned
/// after the error handler.
inline std::vector<PairRegime> pair_regimes(const RopeSpec& spec, std::int64_t seq_len = 0) {
  const Frequencies scaled = frequencies(spec, seq_len);
  if (scaled.inv_freq.empty()) return {};  // reported by frequencies()
  RopeSpec plain = spec;
  plain.scaling = scaling::None{};
  const Frequencies base = frequencies(plain);
  std::vector<PairRegime> out;
  if (scaled.inv_freq.size() != base.inv_freq.size()) return out;
  double largest = 1.0;
  for (std::size_t i = 0; i < base.inv_freq.size(); ++i)
    if (scaled.inv_freq[i] > 0) largest = std::max(largest, double(base.inv_freq[i]) / double(scaled.inv_freq[i]));
  for (std::size_t i = 0; i < base.inv_freq.size(); ++i) {
    if (scaled.inv_freq[i] == 0) {
      out.push_back(PairRegime::stopped);
      continue;
    }
    const double divisor = double(base.inv_freq[i]) / double(scaled.inv_freq[i]);
    if (std::abs(divisor - 1.0) <= 1e-6) {
      out.push_back(PairRegime::extrapolated);
    } else if (largest > 1.0 + 1e-6 && std::abs(divisor / largest - 1.0) <= 1e-6) {
      out.push_back(PairRegime::interpolated);
    } else {
      out.push_back(PairRegime::blended);
    }
  }
  return out;
}

}  // namespace ROPEKIT_ABI_NAMESPACE
}  // namespace ropekit

#endif  // ROPEKIT_ENCODINGS_ANALYSIS_HPP
