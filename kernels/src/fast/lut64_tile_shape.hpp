// The tile shapes of the AVX-512 LUT64 kernel (gemm_lut64_avx512.cpp), shared with the build-time
// generator of its hot loops (gen_lut64_asm.cpp).
#pragma once

namespace samd::kernels::detail::fast {

// A tile is R rows x C panels of 64 columns, C <= kLut64MaxCols.
inline constexpr int kLut64MaxCols = 4;
// The most rows a tile of C panels has: R x C u8 accumulators fit the 32 zmm next to the C weight
// and C gathered vectors and 3 more (table, lookup, widening), and at most kLut64MaxLanes of them.
// One panel looks its tables up from memory (no table register), so narrow outputs (a conv's 64
// channels) share each weight vector and its index preparation across 16 rows.
inline constexpr int kLut64MaxLanes = 20;
constexpr int lut64_max_rows(int C) { return C == 1 ? 16 : C == 2 ? 10 : C == 3 ? 6 : 5; }
static_assert(lut64_max_rows(kLut64MaxCols) * kLut64MaxCols <= kLut64MaxLanes);

// The conv kernel with 3 kernel rows (lut64.hpp Lut64Conv3Rows): R output rows x C panels, with the
// 3 kernel rows' weight vectors and gathered vectors of each panel in registers (6 C), the table,
// a lookup and a temporary: R C + 6 C + 3 <= 32.
inline constexpr int kLut64Conv3MaxCols = 2;
constexpr int lut64_conv3_max_rows(int C) { return C == 1 ? 16 : 8; }
static_assert(lut64_conv3_max_rows(1) + 6 + 3 <= 32 && 2 * lut64_conv3_max_rows(2) + 12 + 3 <= 32);
static_assert(lut64_conv3_max_rows(1) <= kLut64MaxLanes &&
              2 * lut64_conv3_max_rows(2) <= kLut64MaxLanes);

} // namespace samd::kernels::detail::fast
