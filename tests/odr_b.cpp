// Second translation unit including the umbrella header; runs both.
#include <cstdio>

#include <ropekit/encodings.hpp>
#include <ropekit/ropekit.hpp>

float odr_a();

int main() {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 8;
  const float b = ropekit::frequencies(spec).inv_freq[1];
  const bool ok = b == odr_a() && b == 0.1f && ropekit::alibi_slopes(2)[0] == 0.0625f;  // 10000^(-2/8) = 0.1; 2^(-8/2)
  std::printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}
