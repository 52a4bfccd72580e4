// Built with -fno-exceptions: errors go through the installable handler, the
// failing call writes nothing, and the library works normally otherwise.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <ropekit/encodings.hpp>
#include <ropekit/ropekit.hpp>

namespace {
std::string last_error;
void record(const char* message) { last_error = message; }
int failures = 0, passes = 0;
void check(bool ok, const char* what) {
  if (ok) {
    ++passes;
  } else {
    ++failures;
    std::printf("FAILED: %s\n", what);
  }
}
}  // namespace

int main() {
  ropekit::set_error_handler(&record);
  ropekit::RopeSpec spec;
  spec.rotary_dim = 63;
  const auto bad = ropekit::frequencies(spec);
  check(bad.inv_freq.empty(), "invalid spec gives an empty table");
  check(last_error.find("rotary_dim = 63") != std::string::npos, "message names rotary_dim");

  spec.rotary_dim = 64;
  const auto f = ropekit::frequencies(spec);
  std::vector<float> x(2 * 64, 1.0f);
  const std::vector<float> before = x;
  const std::int64_t pos[2] = {5, 6};
  last_error.clear();
  ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(x.data(), 2, 1, 32), pos);
  check(last_error.find("x.head_dim = 32") != std::string::npos, "message names head_dim");
  check(x == before, "nothing written after an error");

  last_error.clear();
  check(ropekit::alibi_slopes(0).empty() && last_error.find("n_heads = 0") != std::string::npos,
        "encodings report through the handler");

  last_error.clear();
  ropekit::apply(ropekit::Pairing::neox, f, ropekit::HeadsView<float>::token_major(x.data(), 2, 1, 64), pos);
  check(last_error.empty(), "valid call reports nothing");
  check(x != before, "valid call rotates");
  std::printf("%d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
