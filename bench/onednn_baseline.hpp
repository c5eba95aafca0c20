// oneDNN baselines for the benchmarks: u8 x s8 -> s32 and f32 matmul / convolution, primitives
// created once, executed in the timed loop.
#pragma once

#include <cstdint>
#include <memory>

namespace samd::bench {

struct OnednnMatmul {
  virtual ~OnednnMatmul() = default;
  virtual void run() = 0;
};

// C {M, N} = A {M, K} x B {K, N}; int8: u8 x s8 -> s32, else f32. Random operands.
std::unique_ptr<OnednnMatmul> make_onednn_matmul(std::int64_t M, std::int64_t N, std::int64_t K,
                                                 bool int8);
// NHWC convolution u8 x s8 -> s32 (or f32), batch 1, square kernel, symmetric padding.
std::unique_ptr<OnednnMatmul> make_onednn_conv(std::int64_t C, std::int64_t H, std::int64_t W,
                                               std::int64_t O, std::int64_t KHW,
                                               std::int64_t stride, std::int64_t pad, bool int8);
// The ISA oneDNN dispatches to (e.g. "avx512_core_vnni"), for the report.
const char *onednn_isa();

} // namespace samd::bench
