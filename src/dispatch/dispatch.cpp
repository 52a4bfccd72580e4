// ropekit::dispatch: CPU detection and the choice of the kernel table.
// Compiled with the baseline flags of the architecture (x86-64 or
// armv8-a): it must run on every CPU, including those it then rules out.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "table.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#  include <cpuid.h>
#  define ROPEKIT_DISPATCH_X86 1
#elif defined(__aarch64__)
#  include <sys/auxv.h>
#  define ROPEKIT_DISPATCH_ARM 1
#endif

namespace ropekit {
namespace dispatch_impl {
namespace {

constexpr int kTargets = 6;

/// What the CPU and the operating system allow, from cpuid / xgetbv
/// (x86-64) or the auxiliary vector's HWCAP bits (AArch64).
struct Features {
  bool target[kTargets] = {};
};

#if defined(ROPEKIT_DISPATCH_X86)
Features detect() {
  Features f;
  unsigned a, b, c, d;
  f.target[int(dispatch::Target::sse2)] = true;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
  unsigned long long xcr0 = 0;
  if (osxsave) {
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
  }
  const bool os_avx = (xcr0 & 0x6) == 0x6;       // XMM and YMM state
  const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;  // and opmask, ZMM_Hi256, Hi16_ZMM
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512cd = (b >> 28) & 1,
             avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
  unsigned a1 = 0, b1, c1, d1;
  const bool leaf71 = __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);
  const bool avx512bf16 = leaf71 && ((a1 >> 5) & 1);
  const bool has_avx2 = os_avx && avx && avx2 && fma && f16c;
  const bool has_avx512 = has_avx2 && os_avx512 && avx512f && avx512cd && avx512bw && avx512dq && avx512vl;
  f.target[int(dispatch::Target::avx2)] = has_avx2;
  f.target[int(dispatch::Target::avx512)] = has_avx512;
  f.target[int(dispatch::Target::avx512_bf16)] = has_avx512 && avx512bf16;
  return f;
}
#elif defined(ROPEKIT_DISPATCH_ARM)
Features detect() {
  Features f;
  const unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
  const bool asimd = (hwcap >> 1) & 1;   // HWCAP_ASIMD
  const bool bf16 = (hwcap2 >> 14) & 1;  // HWCAP2_BF16
  f.target[int(dispatch::Target::neon)] = asimd;
  f.target[int(dispatch::Target::neon_bf16)] = asimd && bf16;
  return f;
}
#else
Features detect() { return Features{}; }
#endif

const Features& features() {
  static const Features f = detect();
  return f;
}

/// The table of a target, or nullptr when the library does not hold it.
const KernelTable* table_of(dispatch::Target t) {
  switch (t) {
#if defined(ROPEKIT_DISPATCH_X86)
    case dispatch::Target::sse2:
      return &table_sse2;
    case dispatch::Target::avx2:
      return &table_avx2;
    case dispatch::Target::avx512:
      return &table_avx512;
    case dispatch::Target::avx512_bf16:
      return &table_avx512_bf16;
#elif defined(ROPEKIT_DISPATCH_ARM)
    case dispatch::Target::neon:
      return &table_neon;
    case dispatch::Target::neon_bf16:
      return &table_neon_bf16;
#endif
    default:
      return nullptr;
  }
}

constexpr dispatch::Target kPreference[] = {dispatch::Target::avx512_bf16, dispatch::Target::avx512,
                                            dispatch::Target::avx2,        dispatch::Target::sse2,
                                            dispatch::Target::neon_bf16,   dispatch::Target::neon};

dispatch::Target initial_target() {
  const char* forced = std::getenv("ROPEKIT_TARGET");
  if (forced != nullptr && *forced != '\0') {
    for (dispatch::Target t : kPreference) {
      if (std::strcmp(forced, dispatch::name(t)) != 0) continue;
      if (dispatch::supported(t)) return t;
      std::fprintf(stderr, "ropekit: ROPEKIT_TARGET=%s is not supported by this CPU or build; using %s\n", forced,
                   dispatch::name(dispatch::best()));
      return dispatch::best();
    }
    std::fprintf(stderr, "ropekit: ROPEKIT_TARGET=%s is not a target name; using %s\n", forced,
                 dispatch::name(dispatch::best()));
  }
  return dispatch::best();
}

/// The selected target and its table, chosen at the first use.
struct State {
  std::atomic<int> target;
  std::atomic<const KernelTable*> table;
  explicit State(dispatch::Target t) : target(int(t)), table(table_of(t)) {}
};

State& state() {
  static State s(initial_target());
  return s;
}

const KernelTable& table() { return *state().table.load(std::memory_order_acquire); }

}  // namespace
}  // namespace dispatch_impl

namespace dispatch {

const char* name(Target target) {
  switch (target) {
    case Target::sse2:
      return "sse2";
    case Target::avx2:
      return "avx2";
    case Target::avx512:
      return "avx512";
    case Target::avx512_bf16:
      return "avx512_bf16";
    case Target::neon:
      return "neon";
    case Target::neon_bf16:
      return "neon_bf16";
  }
  return "unknown";
}

bool compiled(Target target) { return dispatch_impl::table_of(target) != nullptr; }

bool supported(Target target) {
  const int i = int(target);
  return i >= 0 && i < dispatch_impl::kTargets && compiled(target) && dispatch_impl::features().target[i];
}

Target best() {
  for (Target t : dispatch_impl::kPreference)
    if (supported(t)) return t;
  return Target::sse2;
}

Target selected() { return Target(dispatch_impl::state().target.load(std::memory_order_relaxed)); }

bool select(Target target) {
  if (!supported(target)) return false;
  dispatch_impl::State& s = dispatch_impl::state();
  s.target.store(int(target), std::memory_order_relaxed);
  s.table.store(dispatch_impl::table_of(target), std::memory_order_release);
  return true;
}

void rotate(const kernel::Call<float, float>& call) { dispatch_impl::table().f32_f32(call); }
void rotate(const kernel::Call<double, double>& call) { dispatch_impl::table().f64_f64(call); }
void rotate(const kernel::Call<f16, f16>& call) { dispatch_impl::table().f16_f16(call); }
void rotate(const kernel::Call<bf16, bf16>& call) { dispatch_impl::table().bf16_bf16(call); }
void rotate(const kernel::Call<float, f16>& call) { dispatch_impl::table().f32_f16(call); }
void rotate(const kernel::Call<float, bf16>& call) { dispatch_impl::table().f32_bf16(call); }
void rotate(const kernel::Call<f16, float>& call) { dispatch_impl::table().f16_f32(call); }
void rotate(const kernel::Call<bf16, float>& call) { dispatch_impl::table().bf16_f32(call); }

void store(const kernel::StoreCall<float, float, float>& call) { dispatch_impl::table().store_f32_f32(call); }
void store(const kernel::StoreCall<float, float, f16>& call) { dispatch_impl::table().store_f32_f16(call); }
void store(const kernel::StoreCall<float, float, bf16>& call) { dispatch_impl::table().store_f32_bf16(call); }
void store(const kernel::StoreCall<float, float, e4m3>& call) { dispatch_impl::table().store_f32_e4m3(call); }
void store(const kernel::StoreCall<float, float, e5m2>& call) { dispatch_impl::table().store_f32_e5m2(call); }
void store(const kernel::StoreCall<f16, f16, f16>& call) { dispatch_impl::table().store_f16_f16(call); }
void store(const kernel::StoreCall<f16, f16, e4m3>& call) { dispatch_impl::table().store_f16_e4m3(call); }
void store(const kernel::StoreCall<f16, f16, e5m2>& call) { dispatch_impl::table().store_f16_e5m2(call); }
void store(const kernel::StoreCall<bf16, bf16, bf16>& call) { dispatch_impl::table().store_bf16_bf16(call); }
void store(const kernel::StoreCall<bf16, bf16, e4m3>& call) { dispatch_impl::table().store_bf16_e4m3(call); }
void store(const kernel::StoreCall<bf16, bf16, e5m2>& call) { dispatch_impl::table().store_bf16_e5m2(call); }

}  // namespace dispatch
}  // namespace ropekit
