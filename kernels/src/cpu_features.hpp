// What this CPU can run, read once.
#pragma once

namespace samd::kernels::detail {

struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false; // F + BW + VL + VNNI + VPOPCNTDQ: what the Avx512 path uses
  // VBMI (CPUID leaf 7 ECX bit 1): vpermb, the LUT64 kernels.
  bool avx512_vbmi = false;
  bool neon = false;
};

const CpuFeatures& cpu_features();

} // namespace samd::kernels::detail
