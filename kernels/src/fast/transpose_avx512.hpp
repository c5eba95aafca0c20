// A 16 x 16 transpose of 32-bit elements held in 16 AVX-512 registers: the Dot8 row interleave,
// its int32 panel epilogue and the conv quad image all turn 16 rows of 16 dwords into 16 columns.
#pragma once

#include "../x86_intrinsics.hpp"

#if defined(SAMD_HAVE_X86_KERNELS)
namespace samd::kernels::detail::fast {

// post: lane c of v[i] before is lane i of v[c] after. Unpacks of dwords, then of qwords (within
// 128-bit lanes), then two rounds of 128-bit lane shuffles.
__attribute__((target("avx512f"))) inline void transpose16x16(__m512i v[16]) {
  __m512i a[16], b[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    a[2 * i] = _mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) { // rows 4j..4j+3; b[4j + s]: 128-bit lane L holds column 4L + s
    b[4 * j + 0] = _mm512_unpacklo_epi64(a[4 * j], a[4 * j + 2]);
    b[4 * j + 1] = _mm512_unpackhi_epi64(a[4 * j], a[4 * j + 2]);
    b[4 * j + 2] = _mm512_unpacklo_epi64(a[4 * j + 1], a[4 * j + 3]);
    b[4 * j + 3] = _mm512_unpackhi_epi64(a[4 * j + 1], a[4 * j + 3]);
  }
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    const __m512i c0 = _mm512_shuffle_i32x4(b[s], b[4 + s], 0x44),
                  c1 = _mm512_shuffle_i32x4(b[s], b[4 + s], 0xEE);
    const __m512i c2 = _mm512_shuffle_i32x4(b[8 + s], b[12 + s], 0x44),
                  c3 = _mm512_shuffle_i32x4(b[8 + s], b[12 + s], 0xEE);
    v[0 * 4 + s] = _mm512_shuffle_i32x4(c0, c2, 0x88);
    v[1 * 4 + s] = _mm512_shuffle_i32x4(c0, c2, 0xDD);
    v[2 * 4 + s] = _mm512_shuffle_i32x4(c1, c3, 0x88);
    v[3 * 4 + s] = _mm512_shuffle_i32x4(c1, c3, 0xDD);
  }
}

} // namespace samd::kernels::detail::fast
#endif
