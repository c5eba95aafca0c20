#include "cpu_features.hpp"

namespace samd::kernels::detail {

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = [] {
    CpuFeatures c;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    c.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    c.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
               __builtin_cpu_supports("avx512vpopcntdq");
    c.avx512_vbmi = __builtin_cpu_supports("avx512vbmi");
#elif defined(__aarch64__)
    c.neon = true; // Advanced SIMD is mandatory on AArch64
#else
    // Neither x86-64 nor AArch64: only the portable paths.
#endif
    return c;
  }();
  return f;
}

} // namespace samd::kernels::detail
