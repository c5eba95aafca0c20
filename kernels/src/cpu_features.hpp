// What this CPU can run, read once.
#pragma once

namespace samd::kernels::detail {

struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false;      // F + BW + VL + VNNI + VPOPCNTDQ: what the Avx512 path uses
  bool avx512_vbmi = false; // F + BW + VL + VBMI: what the LUT64 kernel uses (lut64.hpp)
  bool neon = false;
};

const CpuFeatures &cpu_features();

} // namespace samd::kernels::detail
