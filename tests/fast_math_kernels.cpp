// Built with -ffast-math (see tests/CMakeLists.txt): ropekit's kernels and
// validation as an engine compiled that way sees them. The strict translation
// unit test_fast_math_kernels.cpp checks the results.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <ropekit/ropekit.hpp>

#if !defined(__FAST_MATH__)
#  error "this file must be compiled with -ffast-math"
#endif

/// cos and sin of position * inv_freq[i] for every pair of the table, as the
/// kernel computes them (rotating (1, 0) pairs), rounded to float.
void fast_math_cos_sin(const std::vector<float>& inv_freq, std::int64_t position, std::vector<float>& cos_out,
                       std::vector<float>& sin_out) {
  ropekit::Frequencies f;
  f.inv_freq = inv_freq;
  const std::int64_t pairs = std::int64_t(inv_freq.size());
  std::vector<float> x(std::size_t(2 * pairs), 0.0f);
  for (std::int64_t i = 0; i < pairs; ++i) x[std::size_t(i)] = 1.0f;
  const std::int64_t pos[1] = {position};
  ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(x.data(), 1, 1, 2 * pairs), pos);
  cos_out.assign(x.begin(), x.begin() + pairs);
  sin_out.assign(x.begin() + pairs, x.end());
}

/// The error message apply reports for a table with a NaN (empty if none).
std::string fast_math_nan_rejection(bool in_attention_factor) {
  ropekit::Frequencies f;
  f.inv_freq = {1.0f, 0.5f, 0.25f, 0.125f};
  if (in_attention_factor) {
    f.attention_factor = std::numeric_limits<float>::quiet_NaN();
  } else {
    f.inv_freq[2] = std::numeric_limits<float>::quiet_NaN();
  }
  std::vector<float> x(8, 1.0f);
  const std::int64_t pos[1] = {3};
  try {
    ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(x.data(), 1, 1, 8), pos);
  } catch (const ropekit::error& e) {
    return e.what();
  }
  return std::string();
}
