// The functions tests/fast_math_probe.cpp defines; that file is compiled twice
// into one test binary, once with -ffast-math (namespace probe_fast) and once
// without (namespace probe_strict). ropekit's functions in the two objects are
// distinct symbols (the ABI namespace spells the FP flags), so each object
// runs its own machine code.
#ifndef ROPEKIT_TESTS_FAST_MATH_PROBE_HPP
#define ROPEKIT_TESTS_FAST_MATH_PROBE_HPP

#include <cstdint>
#include <string>
#include <vector>

#include <ropekit/spec.hpp>

namespace fast_math_probe {

/// What a call gave: its values, or the text of the error it reported.
struct Outcome {
  std::vector<float> values;
  std::vector<std::int64_t> integers;
  std::string error;
};

}  // namespace fast_math_probe

#define ROPEKIT_DECLARE_PROBE(ns)                                                                                      \
  namespace ns {                                                                                                       \
  /* True when the object was compiled with -ffast-math. */                                                            \
  bool fast_math();                                                                                                    \
  /* ropekit::frequencies: inv_freq then attention_factor in values. */                                                \
  fast_math_probe::Outcome frequencies(const ropekit::RopeSpec& spec, std::int64_t seq_len);                           \
  /* ropekit::validate of a caller's table. */                                                                         \
  fast_math_probe::Outcome validate(const std::vector<float>& inv_freq, float attention_factor);                       \
  /* ropekit::t5_relative_position_bucket for each relative position. */                                               \
  fast_math_probe::Outcome t5_buckets(const std::vector<std::int64_t>& rel, bool bidirectional,                        \
                                      std::int64_t num_buckets, std::int64_t max_distance);                            \
  /* ropekit::deberta_log_bucket_position for each relative position. */                                               \
  fast_math_probe::Outcome deberta_buckets(const std::vector<std::int64_t>& rel, std::int64_t bucket_size,             \
                                           std::int64_t max_position);                                                 \
  /* ropekit::alibi_slopes. */                                                                                         \
  fast_math_probe::Outcome alibi_slopes(std::int64_t n_heads);                                                         \
  /* ropekit::sinusoidal_table (layout 0 interleaved, 1 concatenated, other values invalid). */                        \
  fast_math_probe::Outcome sinusoidal(std::int64_t n, std::int64_t dim, int layout, double base, std::int64_t offset); \
  /* ropekit::leaky_rerope_position for each relative position. */                                                     \
  fast_math_probe::Outcome leaky_rerope(const std::vector<std::int64_t>& rel, std::int64_t window, double leak);       \
  }

ROPEKIT_DECLARE_PROBE(probe_strict)
ROPEKIT_DECLARE_PROBE(probe_fast)

#endif  // ROPEKIT_TESTS_FAST_MATH_PROBE_HPP
