// Consumer check: frequencies of a Llama-3 spec, one rotation, and a result
// compared with the scalar reference.
#include <cmath>
#include <cstdio>
#include <vector>

#include <ropekit/ropekit.hpp>

int main() {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 64;
  spec.base = 500000.0;
  spec.scaling = ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192};
  const ropekit::Frequencies freq = ropekit::frequencies(spec);

  std::vector<float> q(3 * 2 * 64);
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = float(std::sin(double(i)));
  const std::vector<float> original = q;
  const std::int64_t positions[3] = {0, 7, 100000};
  ropekit::apply(ropekit::Pairing::neox, freq, ropekit::HeadsView<float>::token_major(q.data(), 3, 2, 64), positions);

  std::vector<double> expected(q.size());
  ropekit::reference::apply_into(ropekit::Pairing::neox, freq,
                                 ropekit::HeadsView<const float>::token_major(original.data(), 3, 2, 64),
                                 ropekit::HeadsView<double>::token_major(expected.data(), 3, 2, 64), positions);
  double worst = 0;
  for (std::size_t i = 0; i < q.size(); ++i) worst = std::fmax(worst, std::fabs(q[i] - expected[i]));
  const bool ok = freq.inv_freq.size() == 32 && worst < 1e-5 && q[0] == original[0];
  std::printf("ropekit %d.%d.%d consumer: max error %.3g: %s\n", ROPEKIT_VERSION_MAJOR, ROPEKIT_VERSION_MINOR,
              ROPEKIT_VERSION_PATCH, worst, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
