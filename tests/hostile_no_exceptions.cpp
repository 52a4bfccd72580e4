// The hostile cases of hostile_cases.hpp in a -fno-exceptions build: each
// call reports exactly one error through the installed handler, the message
// names the argument and its value, and the call leaves its outputs as
// documented (poisoned buffers untouched; empty or documented return values)
// instead of going on with garbage (issue 8, defect 7).
#include <cstdio>
#include <string>
#include <vector>

#include "hostile_cases.hpp"

#if ROPEKIT_HAS_EXCEPTIONS
#  error "build this file with -fno-exceptions"
#endif

namespace {
std::vector<std::string> messages;
void record(const char* message) { messages.emplace_back(message); }
}  // namespace

// Usage: test_hostile_no_exceptions [--list | <case name>]: all cases, their
// names, or one case (to see each case's outcome separately when one crashes).
int main(int argc, char** argv) {
  ropekit::set_error_handler(&record);
  const std::string only = argc > 1 ? argv[1] : "";
  int passed = 0, failed = 0;
  for (const auto& list : {hostile::spec_cases(), hostile::encoding_cases()})
    for (const hostile::Case& c : list) {
      if (only == "--list") {
        std::printf("%s\n", c.name.c_str());
        continue;
      }
      if (!only.empty() && only != c.name) continue;
      messages.clear();
      c.call();
      std::string problem;
      if (messages.size() != 1) {
        problem = "reported " + std::to_string(messages.size()) + " errors";
      } else {
        for (const std::string& needle : c.needles)
          if (messages[0].find(needle) == std::string::npos) problem += "message lacks \"" + needle + "\"; ";
      }
      if (!c.unchanged()) problem += "outputs not as documented after the error";
      if (problem.empty()) {
        ++passed;
      } else {
        ++failed;
        std::printf("FAILED %s: %s\n  message: %s\n", c.name.c_str(), problem.c_str(),
                    messages.empty() ? "(none)" : messages[0].c_str());
        std::fflush(stdout);
      }
    }
  if (only == "--list") return 0;
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
