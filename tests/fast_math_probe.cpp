// Compiled twice into test_fast_math: with -ffast-math as probe_fast and
// without as probe_strict (ROPEKIT_PROBE names the namespace). Each function
// calls ropekit and records what it returned or the error it reported.
#include "fast_math_probe.hpp"

#include <cstring>

#include <ropekit/encodings/alibi.hpp>
#include <ropekit/encodings/deberta.hpp>
#include <ropekit/encodings/rerope.hpp>
#include <ropekit/encodings/sinusoidal.hpp>
#include <ropekit/encodings/t5.hpp>
#include <ropekit/frequencies.hpp>

#ifndef ROPEKIT_PROBE
#  error "compile with -DROPEKIT_PROBE=probe_strict or probe_fast"
#endif

using fast_math_probe::Outcome;

namespace ROPEKIT_PROBE {

bool fast_math() {
#if defined(__FAST_MATH__)
  return true;
#else
  return false;
#endif
}

Outcome frequencies(const ropekit::RopeSpec& spec, std::int64_t seq_len) {
  Outcome o;
  try {
    const ropekit::Frequencies f = ropekit::frequencies(spec, seq_len);
    o.values = f.inv_freq;
    o.values.push_back(f.attention_factor);
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

Outcome validate(const std::vector<float>& inv_freq, float attention_factor) {
  Outcome o;
  try {
    o.integers.push_back(ropekit::validate(ropekit::Frequencies{inv_freq, attention_factor}) ? 1 : 0);
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

Outcome t5_buckets(const std::vector<std::int64_t>& rel, bool bidirectional, std::int64_t num_buckets,
                   std::int64_t max_distance) {
  Outcome o;
  try {
    for (std::int64_t r : rel)
      o.integers.push_back(ropekit::t5_relative_position_bucket(r, bidirectional, num_buckets, max_distance));
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

Outcome deberta_buckets(const std::vector<std::int64_t>& rel, std::int64_t bucket_size, std::int64_t max_position) {
  Outcome o;
  try {
    for (std::int64_t r : rel) o.integers.push_back(ropekit::deberta_log_bucket_position(r, bucket_size, max_position));
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

Outcome alibi_slopes(std::int64_t n_heads) {
  Outcome o;
  try {
    o.values = ropekit::alibi_slopes(n_heads);
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

Outcome sinusoidal(std::int64_t n, std::int64_t dim, int layout, double base, std::int64_t offset) {
  Outcome o;
  try {
    // A buffer of exactly n x dim floats when that is small, else none (the
    // call must then report an invalid argument or the null pointer).
    const bool small = n >= 0 && dim >= 0 && n <= 64 && dim <= 256;
    if (small) o.values.assign(std::size_t(n * dim), -7.0f);
    ropekit::sinusoidal_table(small ? o.values.data() : nullptr, n, dim, static_cast<ropekit::SinusoidalLayout>(layout),
                              base, offset);
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

Outcome leaky_rerope(const std::vector<std::int64_t>& rel, std::int64_t window, double leak) {
  Outcome o;
  try {
    for (std::int64_t r : rel) o.values.push_back(float(ropekit::leaky_rerope_position(r, window, leak)));
    for (std::int64_t r : rel) {  // the double result, bit for bit
      const double v = ropekit::leaky_rerope_position(r, window, leak);
      std::int64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      o.integers.push_back(bits);
    }
  } catch (const ropekit::error& e) {
    o.error = e.what();
  }
  return o;
}

}  // namespace ROPEKIT_PROBE
