// AVX2 table-lookup GEMM (Method::Lut, the T-MAC / DeepGEMM family) for weights of 1 or 2 bits.
// Compiled with -mavx2 -mfma; called only when the CPU has AVX2.
//
// A weight nibble holds g = 4 / wb offset weights u of one column (g consecutive k, one "step");
// the g activation offsets of a row at that step form the index a of one of the pair's 16-byte
// tables (lut_tables), whose entry nib is sum_t ua_t * u_t. So per step and row one table is
// broadcast to both 128-bit halves and vpshufb looks up 32 columns' nibbles at once; the entries
// are added in u8 lanes for at most lut_u8_steps steps, widened into u16 lanes at most
// kLutU16Widenings times, then added into int64 sums (fast_bounds.hpp, proven in proofs/).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {
namespace {

inline constexpr std::int64_t kHalf = 32; // columns per ymm (half a kLutPanel panel)

// One block: R rows from m0 x C halves (32 columns each) from half h0, over all of K.
// pre: m0 + R <= a.m, h0 + C <= halves of w (ceil(N / 64) * 2), pairs_per_chunk >= 1 with
// 2 * pairs_per_chunk <= lut_u8_steps(a.ab, w.wb). post: e.put(m, n, D[m][n]) for the block's
// rows and its columns in [n0, n1) (columns past N are padding and never put).
template <int R, int C>
void lut_block(const FastActs &a, const FastWeights &w, const Epilogue &e,
               const std::uint8_t *tables, std::int64_t pairs_per_chunk, std::int64_t m0,
               std::int64_t h0, std::int64_t n0, std::int64_t n1) {
  const std::int64_t V = w.lut_vectors, S2 = a.lut_steps;
  const std::uint8_t *wp[C];
  std::int64_t ws[C]; // the bytes from one vector of the half's panel to the next
  const std::uint8_t *ip[R];
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) {
    const std::int64_t h = h0 + c;
    wp[c] = w.nibbles.data() + (h / 2) * V * kLutPanel + (h % 2) * kHalf;
    ws[c] = lut_panel_width(w, h / 2);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
    ip[r] = a.lut.data() + (m0 + r) * S2;
  const __m256i low = _mm256_set1_epi8(0x0F);
  const __m256i even = _mm256_set1_epi16(0x00FF);
  // u16 stage: [r][c][0] the even bytes' (columns 2j) sums, [1] the odd bytes' (2j + 1).
  __m256i acc16[R][C][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c)
      acc16[r][c][0] = acc16[r][c][1] = _mm256_setzero_si256();
  std::int64_t total[R][C * kHalf] = {};
  std::int64_t widenings = 0;
  // u16 lanes into the int64 sums (before a lane could exceed kLutU16Widenings * 255).
  const auto flush16 = [&] {
    alignas(32) std::uint16_t t[2][16];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) {
        _mm256_store_si256(reinterpret_cast<__m256i *>(t[0]), acc16[r][c][0]);
        _mm256_store_si256(reinterpret_cast<__m256i *>(t[1]), acc16[r][c][1]);
        for (int j = 0; j < 16; ++j) {
          total[r][c * kHalf + 2 * j] += t[0][j];
          total[r][c * kHalf + 2 * j + 1] += t[1][j];
        }
        acc16[r][c][0] = acc16[r][c][1] = _mm256_setzero_si256();
      }
    widenings = 0;
  };
  for (std::int64_t v0 = 0; v0 < V; v0 += pairs_per_chunk) {
    const std::int64_t v1 = std::min(V, v0 + pairs_per_chunk);
    // u8 stage: each lane adds 2 entries per vector (steps 2v and 2v + 1), at most
    // 2 * pairs_per_chunk <= lut_u8_steps entries in all.
    __m256i acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c)
        acc[r][c] = _mm256_setzero_si256();
    for (std::int64_t v = v0; v < v1; ++v) {
      __m256i lo[C], hi[C];
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(wp[c] + v * ws[c]));
        lo[c] = _mm256_and_si256(x, low); // step 2v; bit 7 clear, so vpshufb looks it up
        hi[c] = _mm256_and_si256(_mm256_srli_epi16(x, 4), low); // step 2v + 1
      }
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m256i t0 = _mm256_broadcastsi128_si256(
            _mm_load_si128(reinterpret_cast<const __m128i *>(tables + ip[r][2 * v] * 16)));
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c)
          acc[r][c] = _mm256_add_epi8(acc[r][c], _mm256_shuffle_epi8(t0, lo[c]));
        const __m256i t1 = _mm256_broadcastsi128_si256(
            _mm_load_si128(reinterpret_cast<const __m128i *>(tables + ip[r][2 * v + 1] * 16)));
#pragma GCC unroll 8
        for (int c = 0; c < C; ++c)
          acc[r][c] = _mm256_add_epi8(acc[r][c], _mm256_shuffle_epi8(t1, hi[c]));
      }
    }
    // One widening: each u8 lane (<= 255) into its own u16 lane.
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        acc16[r][c][0] = _mm256_add_epi16(acc16[r][c][0], _mm256_and_si256(acc[r][c], even));
        acc16[r][c][1] = _mm256_add_epi16(acc16[r][c][1], _mm256_srli_epi16(acc[r][c], 8));
      }
    if (++widenings == kLutU16Widenings)
      flush16();
  }
  flush16();
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c)
      for (std::int64_t l = 0; l < kHalf; ++l) {
        const std::int64_t n = (h0 + c) * kHalf + l;
        if (n >= n0 && n < n1)
          e.put(m0 + r, n, total[r][c * kHalf + l]);
      }
}

template <int C>
void lut_rows(const FastActs &a, const FastWeights &w, const Epilogue &e,
              const std::uint8_t *tables, std::int64_t pairs, std::int64_t h, std::int64_t n0,
              std::int64_t n1) {
  constexpr int R = 4;
  std::int64_t m = 0;
  for (; m + R <= a.m; m += R)
    lut_block<R, C>(a, w, e, tables, pairs, m, h, n0, n1);
  switch (a.m - m) { // the rows of a partial block
  case 3:
    return lut_block<3, C>(a, w, e, tables, pairs, m, h, n0, n1);
  case 2:
    return lut_block<2, C>(a, w, e, tables, pairs, m, h, n0, n1);
  case 1:
    return lut_block<1, C>(a, w, e, tables, pairs, m, h, n0, n1);
  default:
    return;
  }
}

} // namespace

void lut_avx2(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
              std::int64_t n1) {
  if (a.m == 0 || n0 >= n1)
    return;
  const std::uint8_t *tables = lut_tables(a.ab, w.wb);
  // Vectors of 2 steps per u8 chunk: 2 * pairs <= lut_u8_steps (>= 2 for every lut_pair).
  const std::int64_t pairs = lut_u8_steps(a.ab, w.wb) / 2;
  // The halves holding columns [n0, n1): n0 need not be a multiple of 32 (gemm_raw's threads
  // split N in panels of 16), so a boundary half is computed by both neighbours and each puts its
  // own columns only.
  constexpr int C = 2;
  const std::int64_t h1 = (n1 + kHalf - 1) / kHalf;
  std::int64_t h = n0 / kHalf;
  for (; h + C <= h1; h += C)
    lut_rows<C>(a, w, e, tables, pairs, h, n0, n1);
  for (; h < h1; ++h)
    lut_rows<1>(a, w, e, tables, pairs, h, n0, n1);
}

} // namespace samd::kernels::detail::fast
