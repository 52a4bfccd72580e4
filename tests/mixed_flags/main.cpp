// Chooses one of the two copies of part.cpp: by the CPU (no argument), or as
// the argument says ("generic" or "v3"). Prints the result; both copies must
// agree to within rounding.
#include <cstdio>
#include <cstring>

double generic_path(int variant);
double v3_path(int variant);

int main(int argc, char** argv) {
  bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
  if (argc > 1) v3 = std::strcmp(argv[1], "v3") == 0;
  double r = 0;
  for (int variant = 0; variant < 2; ++variant) r += v3 ? v3_path(variant) : generic_path(variant);
  std::printf("%s path: %.3f\n", v3 ? "v3" : "generic", r);
  return r > 0 ? 0 : 1;
}
