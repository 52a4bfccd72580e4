// One translation unit of an engine that does its own instruction-set
// dispatch: compiled twice, once for the x86-64 baseline and once for
// x86-64-v3, each copy defining its own entry point (ROPEKIT_TEST_ENTRY).
// Both use ropekit's header-only API; nothing either copy instantiates may be
// taken by the linker for the other.
#include <cstdint>
#include <vector>

#include <ropekit/ropekit.hpp>

double ROPEKIT_TEST_ENTRY(int variant) {
  ropekit::RopeSpec spec;
  spec.rotary_dim = 64;
  spec.base = 500000.0;
  if (variant == 1) spec.scaling = ropekit::scaling::Llama3{8.0, 1.0, 4.0, 8192};
  const ropekit::Frequencies f = ropekit::frequencies(spec);
  const bool valid = ropekit::validate(f);
  const ropekit::CosSinCache cache(f, 64);
  std::vector<float> q(5 * 4 * 64), k(5 * 2 * 64);
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = float(i % 17) * 0.125f - 1.0f;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = float(i % 13) * 0.25f - 1.5f;
  const std::vector<std::int64_t> pos = {0, 1, 2, 1000000, 63};
  auto qv = ropekit::HeadsView<float>::token_major(q.data(), 5, 4, 64);
  auto kv = ropekit::HeadsView<float>::token_major(k.data(), 5, 2, 64);
  ropekit::apply(ropekit::Pairing::neox, f, qv, kv, pos);
  ropekit::apply(ropekit::Pairing::interleaved, cache, qv.slice_tokens(1, 3), ropekit::PositionRange{10});
  std::vector<ropekit::bf16> out(k.size());
  ropekit::apply_into(ropekit::Pairing::neox, f, kv,
                      ropekit::HeadsView<ropekit::bf16>::token_major(out.data(), 5, 2, 64), pos);
  std::vector<double> ref(q.size());
  ropekit::reference::apply_into(ropekit::Pairing::neox, f, ropekit::HeadsView<const float>(qv),
                                 ropekit::HeadsView<double>::token_major(ref.data(), 5, 4, 64), pos.data());
  std::string message;
  try {
    ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(q.data(), 5, 4, 32), pos);
  } catch (const ropekit::error& e) {
    message = e.what();
  }
  double sum = valid ? 1.0 : 0.0;
  for (float v : q) sum += v;
  for (auto v : out) sum += ropekit::to_float(v);
  for (double v : ref) sum += v;
  return sum + double(message.size());
}
