// Prints, as CSV, what a RoPE spec does to each pair (inverse frequency,
// wavelength in positions, regime against the unscaled table) and RoPE's
// long-range decay bound over relative distance.
//
//   example_rope_analysis [--method none|linear|ntk|dynamic|ntk-by-parts|yarn|llama3|proportional]
//                         [--dim 128] [--base 10000] [--factor 8] [--original 8192]
//                         [--low-freq-factor 1] [--high-freq-factor 4] (llama3)
//                         [--seq-len 0] [--partial 0.25] [--max-distance 4096] [--step 16]
// The defaults are Llama 3.1's. An invalid spec is reported on stderr (exit code 1).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <ropekit/encodings.hpp>

int main(int argc, char** argv) {
  std::string method = "llama3";
  double base = 500000.0, factor = 8.0, partial = 0.25, low_freq_factor = 1.0, high_freq_factor = 4.0;
  std::int64_t dim = 128, original = 8192, seq_len = 0, max_distance = 4096, step = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--method")
      method = value;
    else if (key == "--dim")
      dim = std::atoll(value.c_str());
    else if (key == "--base")
      base = std::atof(value.c_str());
    else if (key == "--factor")
      factor = std::atof(value.c_str());
    else if (key == "--low-freq-factor")
      low_freq_factor = std::atof(value.c_str());
    else if (key == "--high-freq-factor")
      high_freq_factor = std::atof(value.c_str());
    else if (key == "--original")
      original = std::atoll(value.c_str());
    else if (key == "--seq-len")
      seq_len = std::atoll(value.c_str());
    else if (key == "--partial")
      partial = std::atof(value.c_str());
    else if (key == "--max-distance")
      max_distance = std::atoll(value.c_str());
    else if (key == "--step")
      step = std::atoll(value.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  ropekit::RopeSpec spec;
  spec.rotary_dim = dim;
  spec.base = base;
  if (method == "linear") {
    ropekit::scaling::Linear s;
    s.factor = factor;
    spec.scaling = s;
  } else if (method == "ntk") {
    ropekit::scaling::NtkAware s;
    s.alpha = factor;
    spec.scaling = s;
  } else if (method == "dynamic") {
    ropekit::scaling::DynamicNtk s;
    s.factor = factor;
    s.original_max_position_embeddings = original;
    spec.scaling = s;
  } else if (method == "ntk-by-parts") {
    ropekit::scaling::NtkByParts s;
    s.factor = factor;
    s.original_max_position_embeddings = original;
    spec.scaling = s;
  } else if (method == "yarn") {
    ropekit::scaling::Yarn s;
    s.factor = factor;
    s.original_max_position_embeddings = original;
    spec.scaling = s;
  } else if (method == "llama3") {
    spec.scaling = ropekit::scaling::Llama3{factor, low_freq_factor, high_freq_factor, original};
  } else if (method == "proportional") {
    ropekit::scaling::Proportional s;
    s.partial_rotary_factor = partial;
    spec.scaling = s;
  } else if (method != "none") {
    std::fprintf(stderr, "unknown method %s\n", method.c_str());
    return 2;
  }
  ropekit::Frequencies freq;
  std::vector<ropekit::PairRegime> regime;
  std::vector<double> wavelength, decay;
  try {
    freq = ropekit::frequencies(spec, seq_len);
    wavelength = ropekit::wavelengths(freq);
    regime = ropekit::pair_regimes(spec, seq_len);
    decay = ropekit::rope_decay_bound(freq, max_distance);
  } catch (const ropekit::error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::printf("pair,inv_freq,wavelength,regime\n");
  for (std::size_t i = 0; i < freq.inv_freq.size(); ++i)
    std::printf("%zu,%.9g,%.9g,%s\n", i, double(freq.inv_freq[i]), wavelength[i], ropekit::to_string(regime[i]));
  std::printf("\ndistance,decay_bound\n");
  for (std::int64_t m = 0; m <= max_distance; m += step > 0 ? step : 1)
    std::printf("%lld,%.9g\n", static_cast<long long>(m), decay[std::size_t(m)]);
  return 0;
}
