// Accumulation bounds of the SIMD schedules, as constexpr functions the kernels use and the
// proofs (proofs/) check with Z3.
#pragma once

#include <cstdint>

namespace samd::kernels {

// Dot8: per slot (64 consecutive k) an int32 accumulator lane receives at most 8 products ua * v
// (AVX-512 vpdpbusd: 4; AVX2: 8), with ua in [0, 255] and v in [-128, 127]. After
// kDot8FlushSlots slots the lanes are flushed to int64: 2048 * 8 * 255 * 128 = 534,773,760
// <= 2^31 - 1 (proofs/ checks the per-lane sum with Z3).
inline constexpr std::int64_t kDot8FlushSlots = 2048;
inline constexpr std::int64_t kDot8ProductsPerSlot = 8;
constexpr std::int64_t dot8_max_step(unsigned ab, unsigned wb) {
  const std::int64_t ua = (std::int64_t{1} << ab) - 1;
  const std::int64_t v = wb >= 8 ? 128 : (std::int64_t{1} << wb) - 1;
  return 4 * ua * v;
}

// AVX2 Dot8: vpmaddubsw adds two u8 x s8 products into an int16 with saturation. It is used only
// when no pair can saturate: 2 * max ua * max |v| <= 32767; otherwise the kernel widens to 16 bits
// first and uses vpmaddwd (exact in int32).
constexpr bool maddubs_exact(unsigned ab, unsigned wb) {
  const std::int64_t ua = (std::int64_t{1} << ab) - 1;
  const std::int64_t v = wb >= 8 ? 128 : (std::int64_t{1} << wb) - 1;
  return 2 * ua * v <= 32767;
}

} // namespace samd::kernels
