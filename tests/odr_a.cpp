// First of two translation units including the umbrella header: a non-inline
// definition in a header would make the link fail.
#include <ropekit/encodings.hpp>
#include <ropekit/ropekit.hpp>

float odr_a() {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 8;
  return ropekit::frequencies(spec).inv_freq[1];
}
