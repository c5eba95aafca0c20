// AVX-512 kernels (F, BW, VL, VNNI, VPOPCNTDQ). Compiled with those target flags; called only
// when the CPU has them (cpu_features).
#include <immintrin.h>

#include <algorithm>
#include <bit>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {
namespace {

// Sum of the 16 int32 lanes, exactly (in int64).
inline std::int64_t sum_epi32(__m512i v) {
  const __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v));
  const __m512i hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1));
  return _mm512_reduce_add_epi64(_mm512_add_epi64(lo, hi));
}

template <int MR, int NR>
void bitserial_block(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t m0, std::int64_t n0) {
  const std::int64_t words = a.kpad / 64;
  __m512i acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_setzero_si512();
  const std::int64_t needed = (w.k + 63) / 64; // words holding k < K
  std::int64_t x = 0;
  for (; x + 8 <= needed; x += 8)
    for (unsigned i = 0; i < a.ab; ++i) {
      __m512i av[MR];
      for (int r = 0; r < MR; ++r)
        av[r] = _mm512_loadu_si512(a.planes.data() + ((m0 + r) * a.ab + i) * words + x);
      for (unsigned j = 0; j < w.wb; ++j) {
        const unsigned shift = i + j;
        for (int c = 0; c < NR; ++c) {
          const __m512i wv = _mm512_loadu_si512(w.planes.data() + ((n0 + c) * w.wb + j) * words + x);
          for (int r = 0; r < MR; ++r) {
            __m512i t = _mm512_popcnt_epi64(_mm512_and_si512(av[r], wv));
            if (shift != 0) t = _mm512_slli_epi64(t, shift);
            acc[r][c] = _mm512_add_epi64(acc[r][c], t);
          }
        }
      }
    }
  // Tail words past the last full vector: scalar popcount.
  std::int64_t tail[MR][NR] = {};
  for (; x < needed; ++x)
    for (unsigned i = 0; i < a.ab; ++i)
      for (unsigned j = 0; j < w.wb; ++j)
        for (int r = 0; r < MR; ++r)
          for (int c = 0; c < NR; ++c)
            tail[r][c] += static_cast<std::int64_t>(std::popcount(a.planes[((m0 + r) * a.ab + i) * words + x] &
                                                                  w.planes[((n0 + c) * w.wb + j) * words + x]))
                          << (i + j);
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) D[(m0 + r) * w.n + n0 + c] = _mm512_reduce_add_epi64(acc[r][c]) + tail[r][c];
}

// The parts a WB-bit weight is stored in (fast_gemm.cpp parts_of), known at compile time.
template <unsigned WB> constexpr unsigned kParts[3] = {WB == 8 ? 8u : (WB & 4u ? 4u : (WB & 2u ? 2u : 1u)),
                                                        WB == 8 ? 0u : (WB & 4u ? (WB & 2u ? 2u : (WB & 1u ? 1u : 0u))
                                                                                : (WB & 2u ? (WB & 1u ? 1u : 0u) : 0u)),
                                                        WB == 7 ? 1u : 0u};

// Slot S (64 consecutive k) of one super-block of a weight row, unpacked to bytes.
template <unsigned WB, unsigned S> inline __m512i unpack_slot(const std::uint8_t* block) {
  __m512i v = _mm512_setzero_si512();
  unsigned off = 0;
  for (unsigned part = 0; part < 3; ++part) {
    const unsigned p = kParts<WB>[part];
    if (p == 0) break;
    const unsigned per = 8 / p, t = S / per, sh = (S % per) * p;
    __m512i x = _mm512_loadu_si512(block + t * 64);
    if (sh > off) x = _mm512_srli_epi16(x, sh - off);
    else if (off > sh) x = _mm512_slli_epi16(x, off - sh);
    if (p == 8) return x;
    const __m512i mask = _mm512_set1_epi8(static_cast<char>(((1u << p) - 1) << off));
    v = _mm512_ternarylogic_epi32(v, x, mask, 0xF8); // v | (x & mask)
    off += p;
    block += 64 * p;
  }
  return v;
}

template <unsigned WB, int MR, int NR, unsigned S>
inline void dot8_slot(const FastActs& a, const FastWeights& w, std::int64_t m0, std::int64_t n0, std::int64_t b,
                      __m512i (&acc)[MR][NR]) {
  constexpr std::size_t block_bytes = 64 * WB;
  __m512i wv[NR];
  for (int c = 0; c < NR; ++c)
    wv[c] = unpack_slot<WB, S>(w.streams.data() + static_cast<std::size_t>(n0 + c) * w.stream_row_bytes + b * block_bytes);
  for (int r = 0; r < MR; ++r) {
    const __m512i av = _mm512_loadu_si512(a.bytes.data() + (m0 + r) * a.kpad + b * kSuperBlock + S * 64);
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], av, wv[c]);
  }
}

template <unsigned WB, int MR, int NR>
void dot8_block(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t m0, std::int64_t n0) {
  const std::int64_t blocks = a.kpad / kSuperBlock;
  std::int64_t total[MR][NR] = {};
  __m512i acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm512_setzero_si512();
  std::int64_t slots = 0;
  const std::int64_t slots_needed = (w.k + 63) / 64; // the padding past K is never multiplied
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t used = std::min<std::int64_t>(8, slots_needed - b * 8);
    if (0 < used) dot8_slot<WB, MR, NR, 0>(a, w, m0, n0, b, acc);
    if (1 < used) dot8_slot<WB, MR, NR, 1>(a, w, m0, n0, b, acc);
    if (2 < used) dot8_slot<WB, MR, NR, 2>(a, w, m0, n0, b, acc);
    if (3 < used) dot8_slot<WB, MR, NR, 3>(a, w, m0, n0, b, acc);
    if (4 < used) dot8_slot<WB, MR, NR, 4>(a, w, m0, n0, b, acc);
    if (5 < used) dot8_slot<WB, MR, NR, 5>(a, w, m0, n0, b, acc);
    if (6 < used) dot8_slot<WB, MR, NR, 6>(a, w, m0, n0, b, acc);
    if (7 < used) dot8_slot<WB, MR, NR, 7>(a, w, m0, n0, b, acc);
    slots += 8;
    if (slots >= kDot8FlushSlots) { // before an int32 lane could overflow (fast_bounds.hpp)
      for (int r = 0; r < MR; ++r)
        for (int c = 0; c < NR; ++c) {
          total[r][c] += sum_epi32(acc[r][c]);
          acc[r][c] = _mm512_setzero_si512();
        }
      slots = 0;
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) D[(m0 + r) * w.n + n0 + c] = total[r][c] + sum_epi32(acc[r][c]);
}

// Walk [0, M) x [n0, n1) in MR x NR blocks, with smaller blocks for the tails.

template <class Block4x4, class Block1x4, class Block4x1, class Block1x1>
void tile(std::int64_t M, std::int64_t n0, std::int64_t n1, Block4x4 b44, Block1x4 b14, Block4x1 b41, Block1x1 b11) {
  std::int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    std::int64_t m = 0;
    for (; m + 4 <= M; m += 4) b44(m, n);
    for (; m < M; ++m) b14(m, n);
  }
  for (; n < n1; ++n) {
    std::int64_t m = 0;
    for (; m + 4 <= M; m += 4) b41(m, n);
    for (; m < M; ++m) b11(m, n);
  }
}

} // namespace

void planes_avx512(const std::uint8_t* bytes, std::int64_t M, std::int64_t kpad, unsigned ab, std::uint64_t* planes) {
  const std::int64_t words = kpad / 64;
  for (std::int64_t m = 0; m < M; ++m)
    for (std::int64_t x = 0; x < words; ++x) {
      const __m512i v = _mm512_loadu_si512(bytes + m * kpad + x * 64);
      for (unsigned i = 0; i < ab; ++i) // bit i of 64 bytes -> one 64-bit mask
        planes[(m * ab + i) * words + x] = _mm512_test_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(1u << i)));
    }
}

void bitserial_avx512(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1) {
  tile(
      a.m, n0, n1, [&](std::int64_t m, std::int64_t n) { bitserial_block<4, 4>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 4>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<4, 1>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 1>(a, w, D, m, n); });
}

template <unsigned WB>
void dot8_all(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1) {
  tile(
      a.m, n0, n1, [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 4, 4>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 4>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 4, 1>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 1>(a, w, D, m, n); });
}

void dot8_avx512(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1) {
  switch (w.wb) {
  case 1: return dot8_all<1>(a, w, D, n0, n1);
  case 2: return dot8_all<2>(a, w, D, n0, n1);
  case 3: return dot8_all<3>(a, w, D, n0, n1);
  case 4: return dot8_all<4>(a, w, D, n0, n1);
  case 5: return dot8_all<5>(a, w, D, n0, n1);
  case 6: return dot8_all<6>(a, w, D, n0, n1);
  case 7: return dot8_all<7>(a, w, D, n0, n1);
  default: return dot8_all<8>(a, w, D, n0, n1);
  }
}

} // namespace samd::kernels::detail::fast
