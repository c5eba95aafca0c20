// AVX2 kernels. Compiled with -mavx2 -mfma; called only when the CPU has AVX2.
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstring>
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
inline std::int64_t sum_epi32(__m256i v) {
  const __m256i lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v));
  const __m256i hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1));
  return sum_epi64(_mm256_add_epi64(lo, hi));
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

template <unsigned WB>
constexpr unsigned kParts[3] = {WB == 8 ? 8u : (WB & 4u ? 4u : (WB & 2u ? 2u : 1u)),
                                WB == 8 ? 0u
                                        : (WB & 4u ? (WB & 2u ? 2u : (WB & 1u ? 1u : 0u))
                                                   : (WB & 2u ? (WB & 1u ? 1u : 0u) : 0u)),
                                WB == 7 ? 1u : 0u};

// Half H (32 bytes) of slot S of one super-block, unpacked to bytes.
template <unsigned WB, unsigned S, unsigned H>
inline __m256i unpack_half(const std::uint8_t *block) {
  __m256i v = _mm256_setzero_si256();
  unsigned off = 0;
  for (unsigned part = 0; part < 3; ++part) {
    const unsigned p = kParts<WB>[part];
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

// 32 products of one half slot into 8 int32 lanes (4 products per lane), exactly.
template <bool Maddubs> inline __m256i dot_half(__m256i a, __m256i v) {
  if constexpr (Maddubs) { // no pair can saturate int16 (maddubs_exact)
    return _mm256_madd_epi16(_mm256_maddubs_epi16(a, v), _mm256_set1_epi16(1));
  } else { // widen to 16 bits first: vpmaddwd is exact in int32
    const __m256i lo = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(a)),
                                         _mm256_cvtepi8_epi16(_mm256_castsi256_si128(v)));
    const __m256i hi = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(a, 1)),
                                         _mm256_cvtepi8_epi16(_mm256_extracti128_si256(v, 1)));
    return _mm256_add_epi32(lo, hi);
  }
}

template <unsigned WB, int MR, int NR, bool Maddubs, unsigned S, unsigned H>
inline void dot8_half(const FastActs &a, const FastWeights &w, std::int64_t m0, std::int64_t n0,
                      std::int64_t b, __m256i (&acc)[MR][NR]) {
  constexpr std::size_t block_bytes = 64 * WB;
  __m256i wv[NR];
  for (int c = 0; c < NR; ++c)
    wv[c] = unpack_half<WB, S, H>(
        w.streams.data() + static_cast<std::size_t>(n0 + c) * w.stream_row_bytes + b * block_bytes);
  for (int r = 0; r < MR; ++r) {
    const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
        a.bytes.data() + (m0 + r) * a.kpad + b * kSuperBlock + S * 64 + H * 32));
    for (int c = 0; c < NR; ++c)
      acc[r][c] = _mm256_add_epi32(acc[r][c], dot_half<Maddubs>(av, wv[c]));
  }
}

template <unsigned WB, int MR, int NR, bool Maddubs, unsigned S>
inline void dot8_slot(const FastActs &a, const FastWeights &w, std::int64_t m0, std::int64_t n0,
                      std::int64_t b, __m256i (&acc)[MR][NR]) {
  dot8_half<WB, MR, NR, Maddubs, S, 0>(a, w, m0, n0, b, acc);
  dot8_half<WB, MR, NR, Maddubs, S, 1>(a, w, m0, n0, b, acc);
}

template <unsigned WB, int MR, int NR, bool Maddubs>
void dot8_block(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t m0,
                std::int64_t n0) {
  const std::int64_t blocks = a.kpad / kSuperBlock;
  std::int64_t total[MR][NR] = {};
  __m256i acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c)
      acc[r][c] = _mm256_setzero_si256();
  std::int64_t slots = 0;
  const std::int64_t slots_needed = (w.k + 63) / 64; // the padding past K is never multiplied
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t used = std::min<std::int64_t>(8, slots_needed - b * 8);
    if (0 < used)
      dot8_slot<WB, MR, NR, Maddubs, 0>(a, w, m0, n0, b, acc);
    if (1 < used)
      dot8_slot<WB, MR, NR, Maddubs, 1>(a, w, m0, n0, b, acc);
    if (2 < used)
      dot8_slot<WB, MR, NR, Maddubs, 2>(a, w, m0, n0, b, acc);
    if (3 < used)
      dot8_slot<WB, MR, NR, Maddubs, 3>(a, w, m0, n0, b, acc);
    if (4 < used)
      dot8_slot<WB, MR, NR, Maddubs, 4>(a, w, m0, n0, b, acc);
    if (5 < used)
      dot8_slot<WB, MR, NR, Maddubs, 5>(a, w, m0, n0, b, acc);
    if (6 < used)
      dot8_slot<WB, MR, NR, Maddubs, 6>(a, w, m0, n0, b, acc);
    if (7 < used)
      dot8_slot<WB, MR, NR, Maddubs, 7>(a, w, m0, n0, b, acc);
    slots += 8;
    if (slots >= kDot8FlushSlots) { // before an int32 lane could overflow (fast_bounds.hpp)
      for (int r = 0; r < MR; ++r)
        for (int c = 0; c < NR; ++c) {
          total[r][c] += sum_epi32(acc[r][c]);
          acc[r][c] = _mm256_setzero_si256();
        }
      slots = 0;
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c)
      D[(m0 + r) * w.n + n0 + c] = total[r][c] + sum_epi32(acc[r][c]);
}

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

template <unsigned WB, bool Maddubs>
void dot8_all(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
              std::int64_t n1) {
  tile(
      a.m, n0, n1,
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 2, 2, Maddubs>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 2, Maddubs>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 2, 1, Maddubs>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 1, Maddubs>(a, w, D, m, n); });
}

template <unsigned WB>
void dot8_width(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                std::int64_t n1) {
  if (maddubs_exact(a.ab, WB))
    dot8_all<WB, true>(a, w, D, n0, n1);
  else
    dot8_all<WB, false>(a, w, D, n0, n1);
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
  switch (w.wb) { // maddubs_i16_steps > 0: weights of 1..7 bits
  case 1:
    return dot8_fused_width<1>(a, w, e, n0, n1);
  case 2:
    return dot8_fused_width<2>(a, w, e, n0, n1);
  case 3:
    return dot8_fused_width<3>(a, w, e, n0, n1);
  case 4:
    return dot8_fused_width<4>(a, w, e, n0, n1);
  case 5:
    return dot8_fused_width<5>(a, w, e, n0, n1);
  case 6:
    return dot8_fused_width<6>(a, w, e, n0, n1);
  default:
    return dot8_fused_width<7>(a, w, e, n0, n1);
  }
}

void dot8_avx2(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
               std::int64_t n1) {
  switch (w.wb) {
  case 1:
    return dot8_width<1>(a, w, D, n0, n1);
  case 2:
    return dot8_width<2>(a, w, D, n0, n1);
  case 3:
    return dot8_width<3>(a, w, D, n0, n1);
  case 4:
    return dot8_width<4>(a, w, D, n0, n1);
  case 5:
    return dot8_width<5>(a, w, D, n0, n1);
  case 6:
    return dot8_width<6>(a, w, D, n0, n1);
  case 7:
    return dot8_width<7>(a, w, D, n0, n1);
  default:
    return dot8_width<8>(a, w, D, n0, n1);
  }
}

} // namespace samd::kernels::detail::fast
