// AVX2 kernels. Compiled with -mavx2 -mfma; called only when the CPU has AVX2.
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {
namespace {

inline std::int64_t sum_epi64(__m256i v) {
  alignas(32) std::int64_t t[4];
  _mm256_store_si256(reinterpret_cast<__m256i *>(t), v);
  return t[0] + t[1] + t[2] + t[3];
}
// Per-64-bit-lane popcount: nibble lookup (pshufb), then vpsadbw sums the byte counts.
inline __m256i popcnt_epi64(__m256i x) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0F);
  const __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(x, low));
  const __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
  return _mm256_sad_epu8(_mm256_add_epi8(lo, hi), _mm256_setzero_si256());
}

template <int MR, int NR>
void bitserial_block(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t m0,
                     std::int64_t n0) {
  const std::int64_t words = a.kpad / 64;
  __m256i acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c)
      acc[r][c] = _mm256_setzero_si256();
  const std::int64_t needed = (w.k + 63) / 64; // words holding k < K
  std::int64_t x = 0;
  for (; x + 4 <= needed; x += 4)
    for (unsigned i = 0; i < a.ab; ++i) {
      __m256i av[MR];
      for (int r = 0; r < MR; ++r)
        av[r] = _mm256_loadu_si256(
            reinterpret_cast<const __m256i *>(a.planes.data() + ((m0 + r) * a.ab + i) * words + x));
      for (unsigned j = 0; j < w.wb; ++j)
        for (int c = 0; c < NR; ++c) {
          const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
              w.planes.data() + ((n0 + c) * w.wb + j) * words + x));
          for (int r = 0; r < MR; ++r) {
            __m256i t = popcnt_epi64(_mm256_and_si256(av[r], wv));
            if (i + j != 0)
              t = _mm256_slli_epi64(t, static_cast<int>(i + j));
            acc[r][c] = _mm256_add_epi64(acc[r][c], t);
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
            tail[r][c] += static_cast<std::int64_t>(
                              std::popcount(a.planes[((m0 + r) * a.ab + i) * words + x] &
                                            w.planes[((n0 + c) * w.wb + j) * words + x]))
                          << (i + j);
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c)
      D[(m0 + r) * w.n + n0 + c] = sum_epi64(acc[r][c]) + tail[r][c];
}

// Bitserial with fused epilogue: a vector holds one plane word of 4 weight columns (half a panel of
// FastWeights::iplanes), an activation word is broadcast, so each 64-bit lane counts for one
// output. Popcount per byte by nibble lookup (vpshufb), added in u8 lanes for at most
// kAvx2CntU8Words words (fast_bounds.hpp), then summed into int64 lanes with vpsadbw.
template <int MR, int NRV>
void bitserial_fused_block(const FastActs &a, const FastWeights &w, const Epilogue &e,
                           std::int64_t m0, std::int64_t n0, std::int64_t n1) {
  const std::int64_t words = a.kpad / 64;
  const std::int64_t needed = (w.k + 63) / 64;
  const std::int64_t halves = (w.n + 7) / 8 * 2;
  const std::uint64_t *ap[MR];
  const std::uint64_t *wp[NRV];
  for (int r = 0; r < MR; ++r)
    ap[r] = a.planes.data() + std::min<std::int64_t>(m0 + r, a.m - 1) * words;
  for (int c = 0; c < NRV; ++c) {
    const std::int64_t h = std::min<std::int64_t>(n0 / 4 + c, halves - 1);
    wp[c] = w.iplanes.data() + (h / 2) * w.iwords * 8 + (h % 2) * 4;
  }
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0F);
  alignas(32) std::int64_t total[MR][NRV][4] = {};
  for (std::int64_t x0 = 0; x0 < needed; x0 += kAvx2CntU8Words) {
    const std::int64_t x1 = std::min<std::int64_t>(needed, x0 + kAvx2CntU8Words);
    __m256i acc[MR][NRV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < NRV; ++c)
        acc[r][c] = _mm256_setzero_si256();
    for (std::int64_t x = x0; x < x1; ++x) {
      __m256i wv[NRV];
#pragma GCC unroll 8
      for (int c = 0; c < NRV; ++c)
        wv[c] = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(wp[c] + x * 8));
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m256i av = _mm256_set1_epi64x(static_cast<long long>(ap[r][x]));
#pragma GCC unroll 8
        for (int c = 0; c < NRV; ++c) {
          const __m256i t = _mm256_and_si256(av, wv[c]);
          const __m256i cnt = _mm256_add_epi8(
              _mm256_shuffle_epi8(lut, _mm256_and_si256(t, low)),
              _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(t, 4), low)));
          acc[r][c] = _mm256_add_epi8(acc[r][c], cnt);
        }
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < NRV; ++c) {
        __m256i *t = reinterpret_cast<__m256i *>(total[r][c]);
        _mm256_store_si256(t, _mm256_add_epi64(_mm256_load_si256(t),
                                               _mm256_sad_epu8(acc[r][c], _mm256_setzero_si256())));
      }
  }
  for (int r = 0; r < MR; ++r) {
    if (m0 + r >= a.m)
      break;
    for (int c = 0; c < NRV; ++c)
      for (int l = 0; l < 4; ++l) {
        const std::int64_t n = n0 + 4 * c + l;
        if (n < n1)
          e.put(m0 + r, n, total[r][c][l]);
      }
  }
}

// Blocks of 2 x 2, 1 x 2, 2 x 1 and 1 x 1 (rows x columns) over M x [n0, n1).
template <class B22, class B12, class B21, class B11>
void tile(std::int64_t M, std::int64_t n0, std::int64_t n1, B22 b22, B12 b12, B21 b21, B11 b11) {
  std::int64_t n = n0;
  for (; n + 2 <= n1; n += 2) {
    std::int64_t m = 0;
    for (; m + 2 <= M; m += 2)
      b22(m, n);
    for (; m < M; ++m)
      b12(m, n);
  }
  for (; n < n1; ++n) {
    std::int64_t m = 0;
    for (; m + 2 <= M; m += 2)
      b21(m, n);
    for (; m < M; ++m)
      b11(m, n);
  }
}

// Half H (32 bytes) of vector S of a packed group of 8 (a panel's, FastWeights::pstreams),
// unpacked to bytes.
template <unsigned WB, unsigned S, unsigned H>
[[gnu::always_inline]] inline __m256i unpack_half(const std::uint8_t *block) {
  __m256i v = _mm256_setzero_si256();
  unsigned off = 0;
  for (unsigned part = 0; part < 3; ++part) {
    const unsigned p = dot8_parts(WB)[part];
    if (p == 0)
      break;
    const unsigned per = 8 / p, t = S / per, sh = (S % per) * p;
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(block + t * 64 + H * 32));
    if (sh > off)
      x = _mm256_srli_epi16(x, static_cast<int>(sh - off));
    else if (off > sh)
      x = _mm256_slli_epi16(x, static_cast<int>(off - sh));
    if (p == 8)
      return x;
    v = _mm256_or_si256(
        v, _mm256_and_si256(x, _mm256_set1_epi8(static_cast<char>(((1u << p) - 1) << off))));
    off += p;
    block += 64 * p;
  }
  return v;
}

// ---- Dot8 over the panel format (GEMVs, and GEMMs of the pairs without an int16 schedule): half
// H of vector q of a FastWeights::pstreams panel holds k = 4q..4q+3 of columns 8H..8H+7 (byte
// 4c + t), unpacked in registers; a row's 4 bytes of k are broadcast, so one int32 lane
// accumulates one output (no horizontal sum) and gets at most 4 products ua * v a vector: the
// AVX-512 broadcast schedule (fast_bounds.hpp kDot8BcastFlushGroups), then int64. The panel
// format holds K in groups of 32 k, so unlike a 512-k super-block it needs no padding past K.

// Rows [m0, m0 + MR) (clamped to the last row: those past M are computed, not stored) x the 16
// columns of the panel starting at n (< n1), into D. Maddubs (maddubs_exact): vpmaddubsw pairs,
// then vpmaddwd x 1, one lane a column. Otherwise the weights are widened to int16 and vpmaddwd
// forms pairs of products (exact in int32), columns c and c + 1 in adjacent lanes of the half's
// low (c < 4) and high accumulator, added pairwise when flushed.
template <unsigned WB, int MR, bool Maddubs>
void dot8_panel_rows(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t m0,
                     std::int64_t n, std::int64_t n1, const std::uint16_t *wide) {
  constexpr int kAcc = Maddubs ? 2 : 4; // accumulators a row: per half, (low, high) unless Maddubs
  const std::uint8_t *const panel =
      w.pstreams.data() + static_cast<std::size_t>(n / kPanel) * w.pstream_panel_bytes;
  const std::int64_t groups = (w.k + 31) / 32; // groups of 8 vectors holding k < K
  const std::uint8_t *ar[MR];
  [[maybe_unused]] const std::uint16_t *wr[MR]; // the rows widened (not Maddubs)
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    const std::int64_t m = std::min<std::int64_t>(m0 + r, a.m - 1);
    ar[r] = a.bytes.data() + m * a.kpad;
    if constexpr (!Maddubs)
      wr[r] = wide + m * groups * 32;
  }
  std::int64_t total[MR][kPanel] = {};
  __m256i acc[MR][kAcc];
  const auto zero = [&] {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int i = 0; i < kAcc; ++i)
        acc[r][i] = _mm256_setzero_si256();
  };
  const auto flush = [&] {
    for (int r = 0; r < MR; ++r)
      for (int i = 0; i < kAcc; ++i) {
        alignas(32) std::int32_t lanes[8];
        _mm256_store_si256(reinterpret_cast<__m256i *>(lanes), acc[r][i]);
        for (int l = 0; l < 8; ++l) // Maddubs: half i, column l; else half i / 2, column pairs
          total[r][Maddubs ? 8 * i + l : 4 * i + l / 2] += lanes[l];
      }
    zero();
  };
  const __m256i ones = _mm256_set1_epi16(1);
  // Vector S of a group: both halves unpacked, then each row's 4 bytes times them.
  const auto vec = [&]<unsigned S>(const std::uint8_t *block, std::int64_t k) {
    const __m256i wv[2] = {unpack_half<WB, S, 0>(block), unpack_half<WB, S, 1>(block)};
    // Without vpmaddubsw: the weights widened once for the MR rows (columns 0-3, 4-7 of a half).
    __m256i w16[4];
    if constexpr (!Maddubs)
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        w16[2 * h] = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(wv[h]));
        w16[2 * h + 1] = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(wv[h], 1));
      }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      if constexpr (Maddubs) {
        std::uint32_t bytes;
        std::memcpy(&bytes, ar[r] + k, 4);
        const __m256i a4 = _mm256_set1_epi32(static_cast<int>(bytes));
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h)
          acc[r][h] =
              _mm256_add_epi32(acc[r][h], _mm256_madd_epi16(_mm256_maddubs_epi16(a4, wv[h]), ones));
      } else {
        long long four; // the 4 activations widened to u16, one broadcast load
        std::memcpy(&four, wr[r] + k, 8);
        const __m256i a16 = _mm256_set1_epi64x(four);
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i)
          acc[r][i] = _mm256_add_epi32(acc[r][i], _mm256_madd_epi16(a16, w16[i]));
      }
    }
  };
  zero();
  std::int64_t since_flush = 0;
  for (std::int64_t g = 0; g < groups; ++g) {
    const std::uint8_t *block = panel + g * 64 * WB;
    [&]<unsigned... S>(std::integer_sequence<unsigned, S...>) {
      (vec.template operator()<S>(block, 32 * g + 4 * S), ...);
    }
    (std::make_integer_sequence<unsigned, 8>{});
    since_flush += 8;
    if (since_flush == kDot8BcastFlushGroups) { // before an int32 lane could overflow
      flush();
      since_flush = 0;
    }
  }
  flush();
  const std::int64_t valid = std::min<std::int64_t>(kPanel, n1 - n);
  for (int r = 0; r < MR && m0 + r < a.m; ++r)
    for (std::int64_t c = 0; c < valid; ++c)
      D[(m0 + r) * w.n + n + c] = total[r][c];
}

// Row blocks of MR (4 rows with vpmaddubsw, 2 with widened weights: 8 accumulators either way);
// the last M % MR rows as one block of exactly that many, since a GEMV's single row would
// otherwise compute MR.
template <unsigned WB, bool Maddubs>
void dot8_panels(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                 std::int64_t n1) {
  constexpr int MR = Maddubs ? 4 : 2;
  const std::int64_t full = a.m / MR * MR;
  const int rest = static_cast<int>(a.m - full);
  // Without vpmaddubsw the activations are widened to u16 once (32 k a group, zero past K), so a
  // row's 4 of them are one broadcast load in the loop, not a widen and a broadcast each time.
  const std::int64_t kw = (w.k + 31) / 32 * 32;
  thread_local std::vector<std::uint16_t> wide;
  if constexpr (!Maddubs) {
    wide.resize(static_cast<std::size_t>(a.m * kw));
    for (std::int64_t m = 0; m < a.m; ++m) // kw <= kpad: the bytes past K are zero
      for (std::int64_t k = 0; k < kw; k += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(wide.data() + m * kw + k),
                            _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(
                                a.bytes.data() + m * a.kpad + k))));
  }
  for (std::int64_t n = n0; n < n1; n += kPanel) { // n0 is a multiple of kPanel (gemm_raw)
    for (std::int64_t m = 0; m < full; m += MR)
      dot8_panel_rows<WB, MR, Maddubs>(a, w, D, m, n, n1, wide.data());
    [&]<int... R>(std::integer_sequence<int, R...>) {
      ((rest == R + 1 ? dot8_panel_rows<WB, R + 1, Maddubs>(a, w, D, full, n, n1, wide.data())
                      : void()),
       ...);
    }
    (std::make_integer_sequence<int, MR - 1>{});
  }
}

template <unsigned WB>
void dot8_width(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                std::int64_t n1) {
  if (maddubs_exact(a.ab, WB))
    dot8_panels<WB, true>(a, w, D, n0, n1);
  else
    dot8_panels<WB, false>(a, w, D, n0, n1);
}

// ---- Dot8, fused (M >= kInterleaveMinRows): a vector holds 4 k of 8 rows (half a row group of
// FastActs::inter), a weight column's 4 bytes are broadcast from a panel of FastWeights::pstreams
// unpacked into L1 in chunks of K; vpmaddubsw sums go into int16 lanes for maddubs_i16_steps steps
// (fast_bounds.hpp), then vpmaddwd x 1 to int32 and into int64 sums per output.
inline constexpr std::int64_t kQChunkAvx2 = 256;

template <unsigned WB, unsigned S = 0>
inline void unpack_pblock(const std::uint8_t *block, std::uint8_t *out) {
  _mm256_storeu_si256(reinterpret_cast<__m256i *>(out + S * 64), unpack_half<WB, S, 0>(block));
  _mm256_storeu_si256(reinterpret_cast<__m256i *>(out + S * 64 + 32), unpack_half<WB, S, 1>(block));
  if constexpr (S + 1 < 8)
    unpack_pblock<WB, S + 1>(block, out);
}

template <int MRH, int NR>
void dot8_fused_block(const FastActs &a, const std::uint8_t *panel, std::int64_t q0,
                      std::int64_t q1, std::int64_t h0, int c0, std::int64_t steps,
                      std::int64_t *part, std::int64_t mpad) {
  const std::int64_t qall = a.kpad / 4, halves = a.groups * 2;
  const std::uint8_t *ap[MRH];
  for (int j = 0; j < MRH; ++j) {
    const std::int64_t hh = std::min<std::int64_t>(h0 + j, halves - 1);
    ap[j] = a.inter.data() + ((hh / 2) * qall + q0) * 64 + (hh % 2) * 32;
  }
  const __m256i ones = _mm256_set1_epi16(1);
  for (std::int64_t s0 = 0; s0 < q1 - q0; s0 += steps) {
    const std::int64_t s1 = std::min<std::int64_t>(q1 - q0, s0 + steps);
    __m256i acc[MRH][NR];
#pragma GCC unroll 8
    for (int j = 0; j < MRH; ++j)
#pragma GCC unroll 8
      for (int c = 0; c < NR; ++c)
        acc[j][c] = _mm256_setzero_si256();
    for (std::int64_t q = s0; q < s1; ++q) {
      __m256i av[MRH];
#pragma GCC unroll 8
      for (int j = 0; j < MRH; ++j)
        av[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(ap[j] + q * 64));
#pragma GCC unroll 8
      for (int c = 0; c < NR; ++c) {
        std::int32_t wv;
        std::memcpy(&wv, panel + q * 64 + (c0 + c) * 4, 4);
        const __m256i wb = _mm256_set1_epi32(wv);
#pragma GCC unroll 8
        for (int j = 0; j < MRH; ++j)
          acc[j][c] = _mm256_add_epi16(acc[j][c], _mm256_maddubs_epi16(av[j], wb));
      }
    }
#pragma GCC unroll 8
    for (int j = 0; j < MRH; ++j) {
      if (h0 + j >= halves)
        break;
#pragma GCC unroll 8
      for (int c = 0; c < NR; ++c) {
        const __m256i v32 = _mm256_madd_epi16(acc[j][c], ones);
        std::int64_t *dst = part + (c0 + c) * mpad + (h0 + j) * 8;
        __m256i *d0 = reinterpret_cast<__m256i *>(dst);
        __m256i *d1 = reinterpret_cast<__m256i *>(dst + 4);
        _mm256_storeu_si256(d0,
                            _mm256_add_epi64(_mm256_loadu_si256(d0),
                                             _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v32))));
        _mm256_storeu_si256(
            d1, _mm256_add_epi64(_mm256_loadu_si256(d1),
                                 _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v32, 1))));
      }
    }
  }
}

template <unsigned WB, int MRH, int NR>
void dot8_fused_width_t(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                        std::int64_t n1) {
  const std::int64_t qv =
      (w.k + 31) / 32 * 8; // vectors holding k < K, whole groups of 8 (the rest is zero)
  const std::int64_t mpad = a.groups * 16, halves = a.groups * 2;
  const std::int64_t steps = maddubs_i16_steps(a.ab, WB);
  thread_local std::vector<std::uint8_t> panel;
  thread_local std::vector<std::int64_t> part;
  if (panel.size() < static_cast<std::size_t>(kQChunkAvx2 * 64))
    panel.resize(static_cast<std::size_t>(kQChunkAvx2 * 64));
  for (std::int64_t n = n0; n < n1; n += kPanel) { // n0 is a multiple of kPanel (gemm_raw)
    part.assign(static_cast<std::size_t>(kPanel * mpad), 0);
    const std::uint8_t *base =
        w.pstreams.data() + static_cast<std::size_t>(n / kPanel) * w.pstream_panel_bytes;
    for (std::int64_t q0 = 0; q0 < qv; q0 += kQChunkAvx2) {
      const std::int64_t q1 = std::min<std::int64_t>(qv, q0 + kQChunkAvx2);
      for (std::int64_t q = q0; q < q1; q += 8)
        unpack_pblock<WB>(base + q / 8 * 64 * WB, panel.data() + (q - q0) * 64);
      for (std::int64_t h = 0; h < halves; h += MRH)
        for (int c0 = 0; c0 < kPanel; c0 += NR)
          dot8_fused_block<MRH, NR>(a, panel.data(), q0, q1, h, c0, steps, part.data(), mpad);
    }
    const int valid = static_cast<int>(std::min<std::int64_t>(kPanel, n1 - n));
    for (std::int64_t m = 0; m < a.m; ++m)
      for (int c = 0; c < valid; ++c)
        e.put(m, n + c, part[static_cast<std::size_t>(c * mpad + m)]);
  }
}

} // namespace

void planes_avx2(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad, unsigned ab,
                 std::uint64_t *planes) {
  const std::int64_t words = kpad / 64;
  for (std::int64_t m = 0; m < M; ++m)
    for (std::int64_t x = 0; x < words; ++x) {
      const __m256i lo =
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(bytes + m * kpad + x * 64));
      const __m256i hi =
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(bytes + m * kpad + x * 64 + 32));
      for (unsigned i = 0; i < ab; ++i) { // move bit i to the sign bit of each byte, then movemask
        const __m128i sh = _mm_cvtsi32_si128(static_cast<int>(7 - i));
        const auto l = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_sll_epi16(lo, sh)));
        const auto h = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_sll_epi16(hi, sh)));
        planes[(m * ab + i) * words + x] = (std::uint64_t{h} << 32) | l;
      }
    }
}

void bitserial_avx2(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                    std::int64_t n1) {
  tile(
      a.m, n0, n1, [&](std::int64_t m, std::int64_t n) { bitserial_block<2, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<2, 1>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 1>(a, w, D, m, n); });
}

void bitserial_avx2_fused(const FastActs &a, const FastWeights &w, const Epilogue &e,
                          std::int64_t n0, std::int64_t n1) {
  // n0 is a multiple of 16 (gemm_raw's panels); blocks of 3 rows x 12 columns (9 byte accumulators,
  // 3 weight vectors, the broadcast, the lookup table and the mask: 15 of 16 ymm registers).
  constexpr int MR = 3, NRV = 3;
  for (std::int64_t n = n0; n < n1; n += 4 * NRV) {
    if (a.m < MR)
      for (std::int64_t m = 0; m < a.m; ++m)
        bitserial_fused_block<1, NRV>(a, w, e, m, n, n1);
    else
      for (std::int64_t m = 0; m < a.m; m += MR)
        bitserial_fused_block<MR, NRV>(a, w, e, m, n, n1);
  }
}

template <unsigned WB>
void dot8_fused_width(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                      std::int64_t n1) {
  // 2 row halves x 4 columns: 8 int16 accumulators, 2 activation vectors and the broadcast;
  // measured best against 4 x 2, 3 x 4, 4 x 4 and 1 x 8 (256 x 256 x 4096, W2A2 / W4A4).
  return dot8_fused_width_t<WB, 2, 4>(a, w, e, n0, n1);
}

void dot8_avx2_fused(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                     std::int64_t n1) {
  if (a.m == 0 || n0 >= n1)
    return;
  by_weight_bits<7>(w.wb, [&]<unsigned WB>() { dot8_fused_width<WB>(a, w, e, n0, n1); });
}

void dot8_avx2(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
               std::int64_t n1) {
  by_weight_bits(w.wb, [&]<unsigned WB>() { dot8_width<WB>(a, w, D, n0, n1); });
}

} // namespace samd::kernels::detail::fast
