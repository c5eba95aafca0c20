// AVX-512 kernels (F, BW, VL, VNNI, VPOPCNTDQ). Compiled with those target flags; called only
// when the CPU has them (cpu_features).
//
// Both methods use layouts in which one vector lane accumulates one output, so no horizontal
// reduction is needed, and apply the zero-point corrections in their epilogue (Epilogue), writing
// int32 results:
//  - Bitserial: a vector holds one 64-bit plane word of 8 weight columns (FastWeights::iplanes);
//    an activation word is broadcast; MR rows x 8 * NRV columns per register block.
//  - Dot8 GEMM (M >= kInterleaveMinRows): a vector holds 4 k of 16 activation rows
//    (FastActs::inter); a weight column's 4 bytes are broadcast from a panel of 16 columns
//    unpacked (FastWeights::pstreams) into L1 in chunks of K.
//  - Dot8 GEMV (fewer rows): the panel format streamed once, unpacked in registers, and the
//    activations' 4 bytes broadcast: one vector accumulates 16 outputs.
// Tails are handled by clamping a row or column index to the last valid one (the duplicate is
// computed and not stored), so one instantiation serves every shape.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"
#include "transpose_avx512.hpp"

namespace samd::kernels::detail::fast {
namespace {

// Row m, columns [n, n + valid): out = sums + dz * rowsum[m] + fixed (Epilogue::put, 8 at a time).
inline void store_row(const Epilogue &e, std::int64_t m, std::int64_t n, __m512i sums, int valid) {
  const __mmask8 k = static_cast<__mmask8>((1u << valid) - 1u);
  if (!e.rowsum_fits_int32) {
    alignas(64) std::int64_t s[8];
    _mm512_store_si512(s, sums);
    for (int c = 0; c < valid; ++c)
      e.put(m, n + c, s[c]);
    return;
  }
  const __m512i dz = _mm512_maskz_loadu_epi64(k, e.dz + n);
  const __m512i fixed = _mm512_maskz_loadu_epi64(k, e.fixed + n);
  // dz and rowsum fit int32 (checked by the caller): vpmuldq forms their exact int64 product.
  const __m512i s = _mm512_add_epi64(_mm512_add_epi64(sums, fixed),
                                     _mm512_mul_epi32(dz, _mm512_set1_epi64(e.rowsum[m])));
  const __mmask8 out_of_range = _mm512_mask_cmpgt_epi64_mask(k, s, _mm512_set1_epi64(INT32_MAX)) |
                                _mm512_mask_cmplt_epi64_mask(k, s, _mm512_set1_epi64(INT32_MIN));
  if (out_of_range != 0)
    e.bad->store(1, std::memory_order_relaxed);
  _mm512_mask_cvtepi64_storeu_epi32(e.out + m * e.ld + n, k, s);
}

// ---- Bitserial: D = sum_ij 2^(i+j) popcount(A_i & W_j), one accumulator per shift i + j. ----

// Where a block's activation words are: plane i, word x = q * run + u (u < run) of row m at
// row(m)[i * plane + run_start(q) + u].
// The GEMM's rows (FastActs::planes): each row's planes one after another, one run starting at 0
// and no padding (bitserial_body reads run_start, pad_runs and pad_sums only when kOneRun is
// false).
struct GemmRows {
  static constexpr bool kOneRun = true;
  const FastActs &a;
  std::int64_t m, plane, run;
  const std::uint64_t *row(std::int64_t r) const { return a.planes.data() + r * a.ab * plane; }
};
// The implicit conv's rows (ConvRows): the plane image read in place, runs from the tap table.
struct ImageRows {
  static constexpr bool kOneRun = false;
  const ConvRows &c;
  std::int64_t m, plane, run;
  const std::uint64_t *row(std::int64_t r) const { return c.image + c.row_base[r]; }
  std::int64_t run_start(std::int64_t q) const { return c.run_start[q]; }
  std::uint64_t pad_runs(std::int64_t r) const { return c.pad_runs ? c.pad_runs[r] : 0; }
  const std::int64_t *pad_sums() const { return c.pad_sums; }
};

// A whole block's results (MR rows, 8 * NRV columns from n0) when every result is known to fit
// int32 (Epilogue::known_int32): D packed to int32 two column vectors at a time (D <= K (2^ab -
// 1)(2^wb - 1) fits int32, part of the caller's bound), then + fixed + dz * rowsum in int32 lanes
// mod 2^32, 16 results a store: half the epilogue's vector operations, no range check.
template <unsigned S, int MR, int NRV>
[[gnu::always_inline]] inline void block_int32(const __m512i (&acc)[S][MR][NRV], const Epilogue &e,
                                               std::int64_t m0, std::int64_t n0) {
  const std::int64_t *const rowsum = e.rowsum + m0;
  std::int32_t *const out = e.out + m0 * e.ld + n0;
  const std::int64_t ld = e.ld;
  const __m512i evens =
      _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  auto total = [&](int r, int c) {
    __m512i t = acc[0][r][c];
#pragma GCC unroll 8
    for (unsigned s = 1; s < S; ++s)
      t = _mm512_add_epi64(t, _mm512_slli_epi64(acc[s][r][c], s));
    return t;
  };
#pragma GCC unroll 8
  for (int c = 0; c + 1 < NRV; c += 2) {
    const __m512i dz = _mm512_loadu_si512(e.dz32 + n0 + 8 * c);
    const __m512i fixed = _mm512_loadu_si512(e.fixed32 + n0 + 8 * c);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512i d = _mm512_permutex2var_epi32(total(r, c), evens, total(r, c + 1));
      const __m512i rs = _mm512_set1_epi32(static_cast<std::int32_t>(rowsum[r]));
      _mm512_storeu_si512(out + r * ld + 8 * c,
                          _mm512_add_epi32(_mm512_add_epi32(d, fixed), _mm512_mullo_epi32(dz, rs)));
    }
  }
  if constexpr (NRV % 2 == 1) { // the last column vector alone
    constexpr int c = NRV - 1;
    const __m256i dz = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(e.dz32 + n0 + 8 * c));
    const __m256i fixed =
        _mm256_loadu_si256(reinterpret_cast<const __m256i *>(e.fixed32 + n0 + 8 * c));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256i rs = _mm256_set1_epi32(static_cast<std::int32_t>(rowsum[r]));
      _mm256_storeu_si256(
          reinterpret_cast<__m256i *>(out + r * ld + 8 * c),
          _mm256_add_epi32(_mm256_add_epi32(_mm512_cvtepi64_epi32(total(r, c)), fixed),
                           _mm256_mullo_epi32(dz, rs)));
    }
  }
}

// Activation words broadcast (one row, one word), weight vectors holding one word of 8 columns
// (FastWeights::iplanes): each int64 lane accumulates one output, no horizontal reduction.
template <unsigned AB, unsigned WB, int MR, int NRV, class Rows>
[[gnu::always_inline]] inline void bitserial_body(const Rows &a, const FastWeights &w,
                                                  const Epilogue &e, std::int64_t m0,
                                                  std::int64_t n0, std::int64_t n1) {
  constexpr unsigned S = AB + WB - 1;
  const std::int64_t words = a.plane;          // between one plane's words and the next's
  const std::int64_t needed = (w.k + 63) / 64; // words holding k < K (<= w.iwords)
  const std::int64_t panels = (w.n + 7) / 8;
  const std::uint64_t *ap[MR];
  const std::uint64_t *wp[NRV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    ap[r] = a.row(std::min<std::int64_t>(m0 + r, a.m - 1));
#pragma GCC unroll 8
  for (int c = 0; c < NRV; ++c)
    wp[c] = w.iplanes.data() + std::min<std::int64_t>(n0 / 8 + c, panels - 1) * WB * w.iwords * 8;
  __m512i acc[S][MR][NRV];
  // Word x of the rows at rp[r][i * words + u] (u: x's place in its run): its products added to
  // the accumulators, or for the block's first word (First) set into them, each accumulator by its
  // first product (shift i + j first met at j = 0 or i = AB - 1), so no accumulator is zeroed
  // first (at conv2_x W1A1, K = 576 is 9 words: zeroing and the first adds were 1 op in 14).
  const auto word = [&]<bool First>(const std::uint64_t *const(&rp)[MR], std::int64_t x,
                                    std::int64_t u) {
#pragma GCC unroll 8
    for (unsigned j = 0; j < WB; ++j) {
      __m512i wv[NRV];
#pragma GCC unroll 8
      for (int c = 0; c < NRV; ++c)
        wv[c] = _mm512_loadu_si512(wp[c] + (j * w.iwords + x) * 8);
#pragma GCC unroll 8
      for (unsigned i = 0; i < AB; ++i)
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
          const __m512i av = _mm512_set1_epi64(static_cast<long long>(rp[r][i * words + u]));
#pragma GCC unroll 8
          for (int c = 0; c < NRV; ++c) {
            const __m512i p = _mm512_popcnt_epi64(_mm512_and_si512(av, wv[c]));
            if (First && (j == 0 || i == AB - 1))
              acc[i + j][r][c] = p;
            else
              acc[i + j][r][c] = _mm512_add_epi64(acc[i + j][r][c], p);
          }
        }
    }
  };
  // The words in runs of consecutive words (the GEMM's row: one run; the conv's: a tap's or a
  // kernel row's words), so that within a run the addresses step as in a plain GEMM row (a table
  // lookup per word cost the W2A1 conv5_x kernel a quarter of its speed).
  const auto zero = [&] {
#pragma GCC unroll 8
    for (unsigned s = 0; s < S; ++s)
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
        for (int c = 0; c < NRV; ++c)
          acc[s][r][c] = _mm512_setzero_si512();
  };
  if (needed == 0) { // K = 0: no word to set the accumulators from
    zero();
  } else if constexpr (Rows::kOneRun) { // the GEMM's loop as it was tuned
    word.template operator()<true>(ap, 0, 0);
    for (std::int64_t x = 1; x < needed; ++x)
      word.template operator()<false>(ap, x, x);
  } else {
    // The runs that every row of the block reads in padding only (ConvRows::pad_runs) are left
    // out: pad x the run's weight sums is added per column instead, the same part of the same raw
    // D (a padding pixel's offsets are all pad), so the epilogue and its bounds are unchanged.
    std::uint64_t skip = ~std::uint64_t{0};
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
      skip &= a.pad_runs(std::min<std::int64_t>(m0 + r, a.m - 1));
    if (skip != 0)
      zero();
    for (std::int64_t q = 0, x0 = 0; x0 < needed; ++q, x0 += a.run) {
      if (skip != 0 && q < 64 && ((skip >> q) & 1) != 0) {
#pragma GCC unroll 8
        for (int c = 0; c < NRV; ++c) {
          const __m512i sums = _mm512_loadu_si512(
              a.pad_sums() + q * panels * 8 + std::min<std::int64_t>(n0 / 8 + c, panels - 1) * 8);
#pragma GCC unroll 8
          for (int r = 0; r < MR; ++r)
            acc[0][r][c] = _mm512_add_epi64(acc[0][r][c], sums);
        }
        continue;
      }
      const std::uint64_t *rp[MR];
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r)
        rp[r] = ap[r] + a.run_start(q);
      const std::int64_t len = std::min<std::int64_t>(a.run, needed - x0);
      std::int64_t u = 0;
      if (x0 == 0 && skip == 0)
        word.template operator()<true>(rp, x0, u++);
      for (; u < len; ++u)
        word.template operator()<false>(rp, x0 + u, u);
    }
  }
  // The epilogue, per column vector: its dz and fixed loaded once for the block's rows, and the
  // block's largest and smallest result kept in vectors, checked against int32 once (at K = 576
  // the epilogue cost as much as the products; per-vector compares to masks, and e's fields read
  // again after every store, cost 40 % of a conv2_x block).
  const int rows = static_cast<int>(std::min<std::int64_t>(MR, a.m - m0));
  if (e.known_int32 && rows == MR && n0 + 8 * NRV <= n1) {
    block_int32<S, MR, NRV>(acc, e, m0, n0);
    return;
  }
  const std::int64_t *const rowsum = e.rowsum + m0;
  const std::int64_t *const dzs = e.dz, *const fixeds = e.fixed;
  std::int32_t *const out = e.out + m0 * e.ld;
  const std::int64_t ld = e.ld;
  __m512i most = _mm512_setzero_si512(), least = _mm512_setzero_si512(); // 0 is in range
#pragma GCC unroll 8
  for (int c = 0; c < NRV; ++c) {
    const std::int64_t n = n0 + 8 * c;
    if (n >= n1)
      break;
    const int valid = static_cast<int>(std::min<std::int64_t>(8, n1 - n));
    __m512i total[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      total[r] = acc[0][r][c];
#pragma GCC unroll 8
      for (unsigned s = 1; s < S; ++s)
        total[r] = _mm512_add_epi64(total[r], _mm512_slli_epi64(acc[s][r][c], s));
    }
    if (!e.rowsum_fits_int32) {
      for (int r = 0; r < rows; ++r)
        store_row(e, m0 + r, n, total[r], valid);
      continue;
    }
    const __mmask8 k = static_cast<__mmask8>((1u << valid) - 1u);
    const __m512i dz = _mm512_maskz_loadu_epi64(k, dzs + n);
    const __m512i fixed = _mm512_maskz_loadu_epi64(k, fixeds + n);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      if (r >= rows)
        break;
      // dz and rowsum fit int32 (rowsum_fits_int32): vpmuldq forms their exact int64 product.
      const __m512i v = _mm512_add_epi64(_mm512_add_epi64(total[r], fixed),
                                         _mm512_mul_epi32(dz, _mm512_set1_epi64(rowsum[r])));
      most = _mm512_mask_max_epi64(most, k, most, v);
      least = _mm512_mask_min_epi64(least, k, least, v);
      _mm512_mask_cvtepi64_storeu_epi32(out + r * ld + n, k, v);
    }
  }
  if ((_mm512_cmpgt_epi64_mask(most, _mm512_set1_epi64(INT32_MAX)) |
       _mm512_cmplt_epi64_mask(least, _mm512_set1_epi64(INT32_MIN))) != 0)
    e.bad->store(1, std::memory_order_relaxed);
}

// One block per call (bitserial_body out of line), or, for 1-bit pairs, inlined into the walk so
// that the block's setup is shared: measured 1.02-1.04x at W1A1 conv2_x (K = 576), while W2A2
// lost 3-4 % inlined.
template <unsigned AB, unsigned WB, int MR, int NRV, class Rows>
void bitserial_block(const Rows &a, const FastWeights &w, const Epilogue &e, std::int64_t m0,
                     std::int64_t n0, std::int64_t n1) {
  bitserial_body<AB, WB, MR, NRV>(a, w, e, m0, n0, n1);
}

template <unsigned AB, unsigned WB, int MR, int NRV, class Rows>
void bitserial_walk(const Rows &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                    std::int64_t n1) {
  // The last a.m % MR rows as one block of exactly that many rows: a block of MR rows would
  // compute MR (at conv5_x, 49 rows, the 6-row blocks computed 54).
  const std::int64_t full = a.m / MR * MR;
  const int rest = static_cast<int>(a.m - full);
  for (std::int64_t n = n0; n < n1; n += 8 * NRV) {
    for (std::int64_t m = 0; m < full; m += MR)
      if constexpr (AB + WB == 2)
        bitserial_body<AB, WB, MR, NRV>(a, w, e, m, n, n1);
      else
        bitserial_block<AB, WB, MR, NRV>(a, w, e, m, n, n1);
    [&]<int... R>(std::integer_sequence<int, R...>) {
      ((rest == R + 1 ? bitserial_block<AB, WB, R + 1, NRV>(a, w, e, full, n, n1) : void()), ...);
    }
    (std::make_integer_sequence<int, MR - 1>{});
  }
}

// Register budget (32 zmm): S * MR * NRV accumulators + NRV weight vectors + 1 broadcast. Measured
// for W2A2 against 3 x 4 / 4 x 3 / 6 x 2 blocks with two accumulators (the shift-2 product added
// twice) and 4 x 2 with three: 2 x 4 with three accumulators per output is best.
template <unsigned AB, unsigned WB, class Rows>
void bitserial_widths(const Rows &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                      std::int64_t n1) {
  constexpr unsigned S = AB + WB - 1;
  if constexpr (S == 1) {
    if (a.m >= 6)
      return bitserial_walk<AB, WB, 6, 4>(a, w, e, n0, n1);
    return bitserial_walk<AB, WB, 1, 8>(a, w, e, n0, n1);
  } else if constexpr (S == 2 && !Rows::kOneRun) {
    // The implicit conv (W1A2 / W2A1): 3 x 4 blocks (24 accumulators) measured 1.02-1.07x the
    // 2 x 4 blocks at conv2_x and conv3_x, even at conv5_x.
    if (a.m >= 3)
      return bitserial_walk<AB, WB, 3, 4>(a, w, e, n0, n1);
    return bitserial_walk<AB, WB, 1, 6>(a, w, e, n0, n1);
  } else if constexpr (S <= 3) {
    if (a.m >= 2)
      return bitserial_walk<AB, WB, 2, 4>(a, w, e, n0, n1);
    return bitserial_walk<AB, WB, 1, 6>(a, w, e, n0, n1);
  } else {
    return bitserial_walk<AB, WB, 1, 3>(a, w, e, n0, n1);
  }
}

// ---- Dot8: activation bytes x weight bytes with vpdpbusd. ----

// Slot S (64 consecutive k) of one super-block of a weight row, unpacked to bytes.
template <unsigned WB, unsigned S> inline __m512i unpack_slot(const std::uint8_t *block) {
  __m512i v = _mm512_setzero_si512();
  unsigned off = 0;
  for (unsigned part = 0; part < 3; ++part) {
    const unsigned p = dot8_parts(WB)[part];
    if (p == 0)
      break;
    const unsigned per = 8 / p, t = S / per, sh = (S % per) * p;
    __m512i x = _mm512_loadu_si512(block + t * 64);
    if (sh > off)
      x = _mm512_srli_epi16(x, sh - off);
    else if (off > sh)
      x = _mm512_slli_epi16(x, off - sh);
    if (p == 8)
      return x;
    const __m512i mask = _mm512_set1_epi8(static_cast<char>(((1u << p) - 1) << off));
    v = _mm512_ternarylogic_epi32(v, x, mask, 0xF8); // v | (x & mask)
    off += p;
    block += 64 * p;
  }
  return v;
}

template <unsigned WB, unsigned S = 0>
inline void unpack_block(const std::uint8_t *block, std::uint8_t *out, std::int64_t stride) {
  _mm512_storeu_si512(out + S * stride, unpack_slot<WB, S>(block));
  if constexpr (S + 1 < 8)
    unpack_block<WB, S + 1>(block, out, stride);
}

// Panel P of the weights, vectors [q0, q1) (multiples of 8) unpacked to bytes at out.
template <unsigned WB>
inline void unpack_panel(const FastWeights &w, std::int64_t P, std::int64_t q0, std::int64_t q1,
                         std::uint8_t *out) {
  const std::uint8_t *base =
      w.pstreams.data() + static_cast<std::size_t>(P) * w.pstream_panel_bytes;
  for (std::int64_t q = q0; q < q1; q += 8)
    unpack_block<WB>(base + q / 8 * 64 * WB, out + (q - q0) * 64, 64);
}

// An 8 x 8 transpose of int32 in each 256-bit half: lane i of half h of v[c] goes to lane c of
// half h of v[i] (unpacks within 128-bit lanes, then the 128-bit lanes paired).
inline void transpose8x8_halves(__m512i v[8]) {
  __m512i t[8], u[8];
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm512_unpacklo_epi32(v[2 * k], v[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_epi32(v[2 * k], v[2 * k + 1]);
  }
  // u[4 g + j], per 128-bit lane L: element j (L even) or j + 4 (L odd) of v[4 g .. 4 g + 3].
#pragma GCC unroll 2
  for (int g = 0; g < 2; ++g) {
    u[4 * g + 0] = _mm512_unpacklo_epi64(t[4 * g + 0], t[4 * g + 2]);
    u[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g + 0], t[4 * g + 2]);
    u[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
    u[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
  }
  const __m512i even = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i odd = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm512_permutex2var_epi64(u[j], even, u[4 + j]);
    v[j + 4] = _mm512_permutex2var_epi64(u[j], odd, u[4 + j]);
  }
}

// Results of one panel (16 columns from n0, valid_n of them) for rows [r0, r1) from int64 raw sums
// part[c * mpad + m - r0]: the corrections 8 rows x 16 columns at a time, transposed in registers
// and written row-major (element by element it cost 22 % of a K = 576 GEMM).
inline void panel_epilogue(const Epilogue &e, const std::int64_t *part, std::int64_t mpad,
                           std::int64_t r0, std::int64_t r1, std::int64_t n0, int valid_n) {
  static_assert(kPanel == 16);
  for (std::int64_t m0 = r0; m0 < r1; m0 += 8) {
    const int rows = static_cast<int>(std::min<std::int64_t>(8, r1 - m0));
    if (!e.rowsum_fits_int32) {
      for (int c = 0; c < valid_n; ++c)
        for (int i = 0; i < rows; ++i)
          e.put(m0 + i, n0 + c, part[c * mpad + m0 - r0 + i]);
      continue;
    }
    const __mmask8 k = static_cast<__mmask8>((1u << rows) - 1u);
    const __m512i rs = _mm512_maskz_loadu_epi64(k, e.rowsum + m0);
    __m256i col[kPanel]; // column c's 8 rows as int32
    __mmask8 out_of_range = 0;
#pragma GCC unroll 16
    for (int c = 0; c < kPanel; ++c) {
      if (c >= valid_n) {
        col[c] = _mm256_setzero_si256();
        continue;
      }
      const std::int64_t n = n0 + c;
      const __m512i s =
          _mm512_add_epi64(_mm512_add_epi64(_mm512_loadu_si512(part + c * mpad + m0 - r0),
                                            _mm512_set1_epi64(e.fixed[n])),
                           _mm512_mul_epi32(rs, _mm512_set1_epi64(e.dz[n])));
      out_of_range |= _mm512_mask_cmpgt_epi64_mask(k, s, _mm512_set1_epi64(INT32_MAX)) |
                      _mm512_mask_cmplt_epi64_mask(k, s, _mm512_set1_epi64(INT32_MIN));
      col[c] = _mm512_cvtepi64_epi32(s);
    }
    if (out_of_range != 0)
      e.bad->store(1, std::memory_order_relaxed);
    __m512i v[8]; // columns c (low half) and c + 8 (high half), then rows
#pragma GCC unroll 8
    for (int c = 0; c < 8; ++c)
      v[c] = _mm512_inserti64x4(_mm512_castsi256_si512(col[c]), col[c + 8], 1);
    transpose8x8_halves(v);
    const __mmask16 cols = static_cast<__mmask16>((1u << valid_n) - 1u);
    for (int i = 0; i < rows; ++i)
      _mm512_mask_storeu_epi32(e.out + (m0 + i) * e.ld + n0, cols, v[i]);
  }
}

// panel_epilogue for int32 raw sums part[c * mpad + m - r0], when e.int32_exact: every term and
// every result fits int32 (Epilogue), so the corrections are int32 adds and one vpmulld per 16
// outputs, no range check, and 16 rows x 16 columns are transposed at a time.
inline void panel_epilogue32(const Epilogue &e, const std::int32_t *part, std::int64_t mpad,
                             std::int64_t r0, std::int64_t r1, std::int64_t n0, int valid_n) {
  static_assert(kPanel == 16);
  for (std::int64_t m0 = r0; m0 < r1; m0 += 16) {
    const int rows = static_cast<int>(std::min<std::int64_t>(16, r1 - m0));
    const unsigned rm = (1u << rows) - 1u;
    const __m256i rlo = _mm512_cvtepi64_epi32(
                      _mm512_maskz_loadu_epi64(static_cast<__mmask8>(rm), e.rowsum + m0)),
                  rhi = _mm512_cvtepi64_epi32(
                      _mm512_maskz_loadu_epi64(static_cast<__mmask8>(rm >> 8), e.rowsum + m0 + 8));
    const __m512i rs = _mm512_inserti64x4(_mm512_castsi256_si512(rlo), rhi, 1);
    __m512i v[kPanel]; // column c's 16 rows, then (transposed) row i's 16 columns
#pragma GCC unroll 16
    for (int c = 0; c < kPanel; ++c) {
      if (c >= valid_n) {
        v[c] = _mm512_setzero_si512();
        continue;
      }
      const std::int64_t n = n0 + c;
      v[c] = _mm512_add_epi32(
          _mm512_add_epi32(_mm512_loadu_si512(part + c * mpad + m0 - r0),
                           _mm512_set1_epi32(static_cast<std::int32_t>(e.fixed[n]))),
          _mm512_mullo_epi32(rs, _mm512_set1_epi32(static_cast<std::int32_t>(e.dz[n]))));
    }
    transpose16x16(v);
    const __mmask16 cols = static_cast<__mmask16>((1u << valid_n) - 1u);
    for (int i = 0; i < rows; ++i)
      _mm512_mask_storeu_epi32(e.out + (m0 + i) * e.ld + n0, cols, v[i]);
  }
}

// GEMM (M >= kInterleaveMinRows): one vector holds 4 k of 16 rows (FastActs::inter); a weight
// column's 4 bytes are broadcast from the unpacked panel, so each int32 lane accumulates one
// output and no horizontal reduction is needed. K is walked in chunks of kQChunk vectors whose
// unpacked panel stays in L1; the int32 lanes are added to int64 sums after every chunk
// (kQChunk <= kDot8BcastFlushGroups, fast_bounds.hpp).
inline constexpr std::int64_t kQChunk = 256;
static_assert(kQChunk <= kDot8BcastFlushGroups && kQChunk % 8 == 0);
// The byte offsets of a chunk's vectors q in a group of FastActs::inter: q * 64.
inline constexpr std::array<std::int64_t, kQChunk> kInterOffsets = [] {
  std::array<std::int64_t, kQChunk> t{};
  for (std::int64_t q = 0; q < kQChunk; ++q)
    t[static_cast<std::size_t>(q)] = q * 64;
  return t;
}();

// One row's int32 sums of a panel's 16 columns into part, column c at dst[c * mpad] (first:
// stored, else added).
template <class P> inline void put_row_sums(__m512i sum, P *dst, std::int64_t mpad, bool first) {
  alignas(64) std::int32_t lane[kPanel];
  _mm512_store_si512(lane, sum);
  for (int c = 0; c < kPanel; ++c)
    dst[c * mpad] = first ? P{lane[c]} : static_cast<P>(dst[c * mpad] + lane[c]);
}

// Groups [g0, g0 + MRV) (those below a.groups) x columns [c0, c0 + NR) of a panel, vectors
// [q0, q1): their sums added to part (first: stored, so part needs no zero-fill). Meanwhile the
// pf_lines <= q1 - q0 cache lines from pf are prefetched, one per vector (the next chunk's packed
// weights, which unpack_panel would otherwise wait for: conv5_x's 2.4 MB of W8 weights come from
// L3 on every call).
// Q: a.quads is set (a conv's groups read in place where a.quads->org[g] >= 0, FastActs): each
// group's vector q at its own base + offset table (the image's tap offsets, or kInterOffsets for
// a group in inter); the GEMM's loop (Q false) is left as it was tuned.
// Tail (c0 = 0 only): one more row, a last partial group's single row, as row_block<1> computes
// it: its dword q at trow[q] broadcast against the panel's whole vector q (16 columns), summed
// into tdst[c * mpad] (first: stored). Alone, row_block<1> costs a load and a broadcast per
// vpdpbusd; here its vector shares the block's loads (conv5_x, M = 49 = 3 x 16 + 1: the one row
// took 5-6 % of the layer's time).
template <int MRV, int NR, bool Q, class P, bool Tail = false>
inline void bcast_block(const FastActs &a, const std::uint8_t *panel, std::int64_t q0,
                        std::int64_t q1, std::int64_t g0, int c0, P *part, std::int64_t mpad,
                        std::int64_t gbase, bool first, const std::uint8_t *pf = nullptr,
                        std::int64_t pf_lines = 0, const std::uint32_t *trow = nullptr,
                        P *tdst = nullptr) {
  const std::int64_t qall = a.kpad / 4;
  const std::uint8_t *ap[MRV];
  [[maybe_unused]] const std::int64_t *off[MRV];
#pragma GCC unroll 8
  for (int j = 0; j < MRV; ++j) {
    const std::int64_t g = std::min<std::int64_t>(g0 + j, a.groups - 1);
    ap[j] = a.inter.data() + (g * qall + q0) * 64;
    if constexpr (Q) {
      const std::int64_t o = a.quads->org[g];
      off[j] = o >= 0 ? a.quads->qoff + q0 : kInterOffsets.data();
      if (o >= 0)
        ap[j] = a.quads->image + 4 * o;
    }
  }
  __m512i acc[MRV][NR];
#pragma GCC unroll 32
  for (int j = 0; j < MRV; ++j)
#pragma GCC unroll 32
    for (int c = 0; c < NR; ++c)
      acc[j][c] = _mm512_setzero_si512();
  [[maybe_unused]] __m512i tacc = _mm512_setzero_si512();
#pragma GCC unroll 2
  for (std::int64_t q = 0; q < q1 - q0; ++q) {
    if (q < pf_lines)
      _mm_prefetch(reinterpret_cast<const char *>(pf + q * 64), _MM_HINT_T0);
    if constexpr (Tail)
      tacc = _mm512_dpbusd_epi32(tacc, _mm512_set1_epi32(static_cast<std::int32_t>(trow[q])),
                                 _mm512_loadu_si512(panel + q * 64));
    __m512i av[MRV];
#pragma GCC unroll 8
    for (int j = 0; j < MRV; ++j)
      if constexpr (Q)
        av[j] = _mm512_loadu_si512(ap[j] + off[j][q]);
      else
        av[j] = _mm512_loadu_si512(ap[j] + q * 64);
    const std::uint8_t *wq = panel + q * 64 + c0 * 4;
#pragma GCC unroll 32
    for (int c = 0; c < NR; ++c) {
      std::int32_t wv;
      std::memcpy(&wv, wq + c * 4, 4);
      const __m512i wb = _mm512_set1_epi32(wv);
#pragma GCC unroll 8
      for (int j = 0; j < MRV; ++j)
        acc[j][c] = _mm512_dpbusd_epi32(acc[j][c], av[j], wb);
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < MRV; ++j) {
    if (g0 + j >= a.groups)
      break;
#pragma GCC unroll 32
    for (int c = 0; c < NR; ++c) {
      P *dst = part + (c0 + c) * mpad + (g0 + j - gbase) * 16;
      if constexpr (sizeof(P) == 4) { // int32 sums (Epilogue::int32_exact)
        _mm512_storeu_si512(dst, first ? acc[j][c]
                                       : _mm512_add_epi32(_mm512_loadu_si512(dst), acc[j][c]));
        continue;
      }
      const __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc[j][c])),
                    hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc[j][c], 1));
      _mm512_storeu_si512(dst, first ? lo : _mm512_add_epi64(_mm512_loadu_si512(dst), lo));
      _mm512_storeu_si512(dst + 8, first ? hi : _mm512_add_epi64(_mm512_loadu_si512(dst + 8), hi));
    }
  }
  if constexpr (Tail)
    put_row_sums(tacc, tdst, mpad, first);
}

// Rows 16 g + i0 .. 16 g + i0 + RB - 1 (all below a.m) x the panel's 16 columns, vectors
// [q0, q1) (q1 - q0 a multiple of 8): the activation dword of a row broadcast against the panel
// vector (16 columns x 4 k), so a group's few valid rows cost only their own vpdpbusd, not a
// whole group's. Row 16 g + i's dword q is tail[i * qv + q] (copied out of FastActs::inter, where
// consecutive q of a row are 64 bytes apart: read there, every vpdpbusd waited on its own cache
// line). Their sums added to part (first: stored). A lane's CH chains together add the products
// of q1 - q0 <= kQChunk vectors of one output, as one bcast_block lane does, so their int32 sum
// stays within the same bound (kDot8BcastFlushGroups).
template <int RB, class P>
inline void row_block(const std::uint32_t *tail, std::int64_t qv, const std::uint8_t *panel,
                      std::int64_t q0, std::int64_t q1, std::int64_t g, int i0, P *part,
                      std::int64_t mpad, std::int64_t gbase, bool first) {
  // Chains per row, so that the vpdpbusd latencies overlap (8 in all; q1 - q0 is a multiple of 8).
  constexpr int CH = 8 / RB;
  const std::uint32_t *ap = tail + i0 * qv + q0;
  __m512i acc[RB][CH];
#pragma GCC unroll 8
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 8
    for (int h = 0; h < CH; ++h)
      acc[r][h] = _mm512_setzero_si512();
  for (std::int64_t q = 0; q < q1 - q0; q += CH)
#pragma GCC unroll 8
    for (int h = 0; h < CH; ++h) {
      const __m512i wv = _mm512_loadu_si512(panel + (q + h) * 64);
#pragma GCC unroll 8
      for (int r = 0; r < RB; ++r) {
        const auto av = static_cast<std::int32_t>(ap[r * qv + q + h]);
        acc[r][h] = _mm512_dpbusd_epi32(acc[r][h], _mm512_set1_epi32(av), wv);
      }
    }
#pragma GCC unroll 8
  for (int r = 0; r < RB; ++r) {
    __m512i sum = acc[r][0];
#pragma GCC unroll 8
    for (int h = 1; h < CH; ++h)
      sum = _mm512_add_epi32(sum, acc[r][h]);
    put_row_sums(sum, part + (g - gbase) * 16 + i0 + r, mpad, first);
  }
}

// P: the partial sums' type, int32 when e.int32_exact (every partial sum of a row and column is
// within the bound that makes it exact), else int64.
template <unsigned WB, int MRV, int NR, bool Q, class P>
void dot8_gemm(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
               std::int64_t n1) {
  static_assert(kPanel % NR == 0);
  const std::int64_t qv =
      (w.k + 31) / 32 * 8; // vectors holding k < K, whole groups of 8 (the rest is zero)
  thread_local std::vector<std::uint8_t> panel;
  thread_local std::vector<P> part;
  thread_local std::vector<std::uint32_t> tail;
  if (panel.size() < static_cast<std::size_t>(kQChunk * 64))
    panel.resize(static_cast<std::size_t>(kQChunk * 64));
  // Rows in blocks of kBlockGroups 16-row groups: every panel passes over a block's activations
  // while they are in L2 (all rows at once streamed them from L3 once per panel: M x N x K =
  // 3136 x 64 x 576 ran at 0.7x the speed of 256 x 256 x 4096). A multiple of MRV, so a block's
  // bcast_block calls stay inside it (only the last block can end in a partial MRV step).
  constexpr std::int64_t kBlockGroups = 16;
  static_assert(kBlockGroups % MRV == 0);
  for (std::int64_t gb0 = 0; gb0 < a.groups; gb0 += kBlockGroups) {
    const std::int64_t gb1 = std::min<std::int64_t>(a.groups, gb0 + kBlockGroups);
    const std::int64_t mpad = (gb1 - gb0) * 16;
    // Whole MRV-group steps, then a last whole group alone (one group's rows, 16 columns), and
    // the valid rows of a last partial group (M % 16 of them) row by row: a padded group or a
    // duplicate one is not computed (conv5_x, M = 49: 64 rows' work became 49's).
    const std::int64_t rows_last = std::min<std::int64_t>(16, a.m - (gb1 - 1) * 16);
    const std::int64_t gfull = rows_last == 16 ? gb1 : gb1 - 1; // groups of 16 valid rows
    // An odd count of 3 or more whole groups ends in a triple (3 x 8 blocks: 3 loads and 8
    // broadcasts for 24 vpdpbusd) rather than a lone group (1 load and 16 broadcasts for 16,
    // ~20 % slower a group; conv5_x has 3 whole groups).
    static_assert(MRV == 2);
    const bool triple = (gfull - gb0) % 2 == 1 && gfull - gb0 >= 3;
    // A single row of a partial group rides along with the triple (bcast_block's Tail).
    const bool fold = triple && gfull < gb1 && rows_last == 1;
    const std::int64_t gpairs = triple ? gfull - 3 : gb0 + (gfull - gb0) / MRV * MRV;
    // Every part entry of a valid row is stored by the first chunk (rows past M are not read).
    if (part.size() < static_cast<std::size_t>(kPanel * mpad))
      part.resize(static_cast<std::size_t>(kPanel * mpad));
    if (qv == 0) // K = 0: no chunk stores them
      std::fill(part.begin(), part.begin() + kPanel * mpad, 0);
    if (gfull < gb1) { // the partial group's rows, each its qv dwords in a row
      tail.resize(static_cast<std::size_t>(rows_last * qv));
      const std::uint8_t *src = a.inter.data() + gfull * (a.kpad / 4) * 64;
      for (std::int64_t q = 0; q < qv; ++q)
        for (std::int64_t i = 0; i < rows_last; ++i)
          std::memcpy(&tail[static_cast<std::size_t>(i * qv + q)], src + (q * 16 + i) * 4, 4);
    }
    for (std::int64_t n = n0; n < n1; n += kPanel) { // n0 is a multiple of kPanel (gemm_raw)
      for (std::int64_t q0 = 0; q0 < qv; q0 += kQChunk) {
        const std::int64_t q1 = std::min<std::int64_t>(qv, q0 + kQChunk);
        const bool first = q0 == 0;
        // W8: the packed vectors are the bytes already (unpack_slot<8> is a load), so the kernels
        // read them in place instead of from a copy.
        const std::uint8_t *pp =
            WB == 8 ? w.pstreams.data() +
                          static_cast<std::size_t>(n / kPanel) * w.pstream_panel_bytes + q0 * 64
                    : panel.data();
        if constexpr (WB != 8)
          unpack_panel<WB>(w, n / kPanel, q0, q1, panel.data());
        // The packed weights of the chunk after this one (the same panel's next K, the next
        // panel's first, or the first panel again for the next block), prefetched by the first
        // bcast_block call of a pair or triple.
        std::int64_t pn = n, pq = q1;
        if (pq >= qv)
          pn = n + kPanel < n1 ? n + kPanel : n0, pq = 0;
        const bool more = q1 < qv || n + kPanel < n1 || gb1 < a.groups;
        const std::uint8_t *pf = w.pstreams.data() +
                                 static_cast<std::size_t>(pn / kPanel) * w.pstream_panel_bytes +
                                 pq / 8 * 64 * WB;
        std::int64_t pf_lines = more ? (std::min<std::int64_t>(qv, pq + kQChunk) - pq) * WB / 8 : 0;
        for (std::int64_t g = gb0; g < gpairs; g += MRV)
          for (int c0 = 0; c0 < kPanel; c0 += NR) {
            bcast_block<MRV, NR, Q>(a, pp, q0, q1, g, c0, part.data(), mpad, gb0, first, pf,
                                    std::min(pf_lines, q1 - q0));
            pf_lines = 0;
          }
        if (triple)
          for (int c0 = 0; c0 < kPanel; c0 += NR) {
            if (fold && c0 == 0)
              bcast_block<3, NR, Q, P, true>(a, pp, q0, q1, gpairs, c0, part.data(), mpad, gb0,
                                             first, pf, std::min(pf_lines, q1 - q0),
                                             tail.data() + q0, part.data() + (gfull - gb0) * 16);
            else
              bcast_block<3, NR, Q>(a, pp, q0, q1, gpairs, c0, part.data(), mpad, gb0, first, pf,
                                    std::min(pf_lines, q1 - q0));
            pf_lines = 0;
          }
        else
          for (std::int64_t g = gpairs; g < gfull; ++g)
            bcast_block<1, kPanel, Q>(a, pp, q0, q1, g, 0, part.data(), mpad, gb0, first);
        if (gfull < gb1 && !fold) {
          int i = 0;
          for (; i + 4 <= rows_last; i += 4)
            row_block<4>(tail.data(), qv, pp, q0, q1, gfull, i, part.data(), mpad, gb0, first);
          if (i + 2 <= rows_last)
            row_block<2>(tail.data(), qv, pp, q0, q1, gfull, i, part.data(), mpad, gb0, first),
                i += 2;
          if (i < rows_last)
            row_block<1>(tail.data(), qv, pp, q0, q1, gfull, i, part.data(), mpad, gb0, first);
        }
      }
      if constexpr (sizeof(P) == 4)
        panel_epilogue32(e, part.data(), mpad, gb0 * 16, std::min<std::int64_t>(a.m, gb1 * 16), n,
                         static_cast<int>(std::min<std::int64_t>(kPanel, n1 - n)));
      else
        panel_epilogue(e, part.data(), mpad, gb0 * 16, std::min<std::int64_t>(a.m, gb1 * 16), n,
                       static_cast<int>(std::min<std::int64_t>(kPanel, n1 - n)));
    }
  }
}

// GEMV (few rows): the weights streamed once in the panel format, unpacked in registers; the
// activations' 4 bytes broadcast; one vector accumulates 16 outputs. PP panels at a time for
// independent accumulation chains; int32 lanes flushed to int64 every kDot8BcastFlushGroups
// vectors.
template <unsigned WB, int PP>
void dot8_gemv(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
               std::int64_t n1) {
  const std::int64_t qv = (w.k + 31) / 32 * 8;
  const std::int64_t panels_total =
      static_cast<std::int64_t>(w.pstreams.size() / w.pstream_panel_bytes);
  for (std::int64_t n = n0; n < n1; n += kPanel * PP) {
    const std::uint8_t *base[PP];
    for (int p = 0; p < PP; ++p)
      base[p] = w.pstreams.data() + static_cast<std::size_t>(std::min<std::int64_t>(
                                        (n + p * kPanel) / kPanel, panels_total - 1)) *
                                        w.pstream_panel_bytes;
    for (std::int64_t m = 0; m < a.m; ++m) {
      const std::uint8_t *arow = a.bytes.data() + m * a.kpad;
      __m512i acc[PP], tot[PP][2];
      for (int p = 0; p < PP; ++p)
        acc[p] = tot[p][0] = tot[p][1] = _mm512_setzero_si512();
      for (std::int64_t f0 = 0; f0 < qv; f0 += kDot8BcastFlushGroups) {
        const std::int64_t f1 = std::min<std::int64_t>(qv, f0 + kDot8BcastFlushGroups);
        for (std::int64_t q = f0; q < f1; q += 8) {
          const std::size_t off = static_cast<std::size_t>(q / 8 * 64 * WB);
          for (int p = 0; p < PP; ++p)
            for (unsigned l = 0; l < WB; ++l) // ahead in the same stream (never past its end)
              if (off + 2048 + l * 64 < w.pstream_panel_bytes)
                _mm_prefetch(reinterpret_cast<const char *>(base[p] + off + 2048 + l * 64),
                             _MM_HINT_T0);
          alignas(64) std::uint8_t wbytes[PP][8 * 64];
          for (int p = 0; p < PP; ++p)
            unpack_block<WB>(base[p] + off, wbytes[p], 64);
          for (int s = 0; s < 8; ++s) {
            std::int32_t av;
            std::memcpy(&av, arow + (q + s) * 4, 4);
            const __m512i ab = _mm512_set1_epi32(av);
            for (int p = 0; p < PP; ++p)
              acc[p] = _mm512_dpbusd_epi32(acc[p], ab, _mm512_load_si512(wbytes[p] + s * 64));
          }
        }
        for (int p = 0; p < PP; ++p) { // flush (fast_bounds.hpp: kDot8BcastFlushGroups)
          tot[p][0] =
              _mm512_add_epi64(tot[p][0], _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc[p])));
          tot[p][1] = _mm512_add_epi64(tot[p][1],
                                       _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc[p], 1)));
          acc[p] = _mm512_setzero_si512();
        }
      }
      for (int p = 0; p < PP; ++p) {
        const std::int64_t nb = n + p * kPanel;
        if (nb >= n1)
          break;
        alignas(64) std::int64_t d[16];
        _mm512_store_si512(d, tot[p][0]);
        _mm512_store_si512(d + 8, tot[p][1]);
        const int valid = static_cast<int>(std::min<std::int64_t>(kPanel, n1 - nb));
        for (int c = 0; c < valid; ++c)
          e.put(m, nb + c, d[c]);
      }
    }
  }
}

template <unsigned WB>
void dot8_width(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                std::int64_t n1) {
  if (a.m < kInterleaveMinRows || a.inter.empty())
    return dot8_gemv<WB, 4>(a, w, e, n0, n1);
  // 2 x 8 blocks (16 accumulators; per vector 2 loads + 8 broadcasts for 16 vpdpbusd): measured
  // best on Zen 5 against 3 x 8, 4 x 4, 1 x 16 and 4 x 8 (bench/, 256 x 256 x 4096).
  if (a.quads != nullptr) {
    if (e.int32_exact)
      return dot8_gemm<WB, 2, 8, true, std::int32_t>(a, w, e, n0, n1);
    return dot8_gemm<WB, 2, 8, true, std::int64_t>(a, w, e, n0, n1);
  }
  if (e.int32_exact)
    return dot8_gemm<WB, 2, 8, false, std::int32_t>(a, w, e, n0, n1);
  return dot8_gemm<WB, 2, 8, false, std::int64_t>(a, w, e, n0, n1);
}

// ---- Dot8 conv taps (dot8_taps_avx512): output channels in the lanes, rows broadcast. ----

// Rows order[i0 .. i0 + R) x C panels from column n (dot8_taps passes no more panels than are
// left before n1; columns from n1 on are not stored),
// all of K, each row's taps except those in which all R rows read padding. wp[c]: panel c's
// unpacked vectors (16 columns x 4 k each); tsum[(t * C + c) * 16 + l]: the sum of tap t's weights
// of column l of panel c. k32: e.int32_exact's columns (int32_columns), else null.
template <int R, int C>
inline void taps_block(const ConvTaps &t, std::int64_t i0, const std::uint8_t *const (&wp)[C],
                       const std::int32_t *tsum, const Epilogue &e, const Int32Columns *k32,
                       std::int64_t n, std::int64_t n1) {
  std::int64_t row[R];
  const std::uint8_t *ap[R];
  std::uint64_t skip = ~std::uint64_t{0};
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    row[r] = t.order[i0 + r];
    ap[r] = t.image + t.row_off[row[r]];
    skip &= t.pad_taps[row[r]];
  }
  __m512i acc[R][C];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c)
      acc[r][c] = _mm512_setzero_si512();
  for (std::int64_t tap = 0; tap < t.taps; ++tap) {
    if ((skip >> tap) & 1)
      continue;
    const std::int64_t q0 = tap * t.tap_quads;
    const std::uint8_t *at[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
      at[r] = ap[r] + t.tap_off[tap];
    for (std::int64_t q = 0; q < t.tap_quads; ++q) {
      __m512i wv[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c)
        wv[c] = _mm512_loadu_si512(wp[c] + (q0 + q) * 64);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        std::int32_t v;
        std::memcpy(&v, at[r] + 4 * q, 4);
        const __m512i b = _mm512_set1_epi32(v);
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c)
          acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], b, wv[c]);
      }
    }
  }
  // The skipped taps' products: pad times their weight sums (|sum| <= K * 128 < 2^31), a partial
  // sum of D's products (a skipped tap's ua are all pad).
  static_assert(4 * kDot8BcastFlushGroups * 128 <= INT32_MAX);
  __m512i tap_sums[C];
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) {
    tap_sums[c] = _mm512_setzero_si512();
    for (std::int64_t tap = 0; tap < t.taps; ++tap)
      if ((skip >> tap) & 1)
        tap_sums[c] = _mm512_add_epi32(tap_sums[c], _mm512_loadu_si512(tsum + (tap * C + c) * 16));
  }
  if (k32 != nullptr) {
    // e.int32_exact: D, its partial sums, fixed, dz * rowsum and the result all fit int32, so
    // (D + fixed) + dz * rowsum in int32 lanes is exact (as panel_epilogue32).
    const __m512i pad32 = _mm512_set1_epi32(t.pad);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512i rs = _mm512_set1_epi32(static_cast<std::int32_t>(e.rowsum[row[r]]));
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const std::int64_t col = n + c * kPanel;
        if (col >= n1)
          break;
        const int valid = static_cast<int>(std::min<std::int64_t>(kPanel, n1 - col));
        const __mmask16 k = static_cast<__mmask16>((1u << valid) - 1u);
        const __m512i d = _mm512_add_epi32(acc[r][c], _mm512_mullo_epi32(tap_sums[c], pad32));
        const __m512i v =
            _mm512_add_epi32(_mm512_add_epi32(d, _mm512_maskz_loadu_epi32(k, k32->fixed + col)),
                             _mm512_mullo_epi32(rs, _mm512_maskz_loadu_epi32(k, k32->dz + col)));
        _mm512_mask_storeu_epi32(e.out + row[r] * e.ld + col, k, v);
      }
    }
    return;
  }
  __m512i corr[C][2]; // in int64
  const __m512i pad = _mm512_set1_epi64(t.pad);
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) {
    corr[c][0] = _mm512_mul_epi32(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(tap_sums[c])), pad);
    corr[c][1] =
        _mm512_mul_epi32(_mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(tap_sums[c], 1)), pad);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const std::int64_t col = n + c * kPanel;
      if (col >= n1)
        break;
      const int valid = static_cast<int>(std::min<std::int64_t>(kPanel, n1 - col));
      const __m512i lo =
          _mm512_add_epi64(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc[r][c])), corr[c][0]);
      store_row(e, row[r], col, lo, std::min(8, valid));
      if (valid > 8) {
        const __m512i hi = _mm512_add_epi64(
            _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc[r][c], 1)), corr[c][1]);
        store_row(e, row[r], col + 8, hi, valid - 8);
      }
    }
  }
}

// The last `rows` (< 6) rows of a run from i0: one block of exactly that many (R counts down).
template <int R, int C>
inline void taps_rest(std::int64_t rows, const ConvTaps &t, std::int64_t i0,
                      const std::uint8_t *const (&wp)[C], const std::int32_t *tsum,
                      const Epilogue &e, const Int32Columns *k32, std::int64_t n, std::int64_t n1) {
  if constexpr (R >= 1) {
    if (rows == R)
      return taps_block<R, C>(t, i0, wp, tsum, e, k32, n, n1);
    taps_rest<R - 1, C>(rows, t, i0, wp, tsum, e, k32, n, n1);
  }
}

// Columns [n, n1) (at most C panels): the panels' weights unpacked once (all of K: 64 columns of
// conv5_x's 4608 k are 295 KB, read from L2 by every block of rows), their taps' weight sums,
// then the rows in blocks: each run of rows with the same padding taps (ConvTaps::order puts them
// together) in blocks of 6 and one of its remaining 1-5, so that a block never loses a skip to a
// row of another run.
template <unsigned WB, int C>
void taps_panels(const FastActs &a, const FastWeights &w, const Epilogue &e,
                 const Int32Columns *k32, std::int64_t n, std::int64_t n1) {
  const ConvTaps &t = *a.taps;
  const std::int64_t qv = (w.k + 31) / 32 * 8, panels = (w.n + kPanel - 1) / kPanel;
  thread_local std::vector<std::uint8_t> buf;
  thread_local std::vector<std::int32_t> tsum;
  if (WB != 8 && buf.size() < static_cast<std::size_t>(C * qv * 64))
    buf.resize(static_cast<std::size_t>(C * qv * 64));
  tsum.resize(static_cast<std::size_t>(t.taps * C * 16));
  const std::uint8_t *wp[C];
  for (int c = 0; c < C; ++c) {
    const std::int64_t P = std::min<std::int64_t>(n / kPanel + c, panels - 1);
    if constexpr (WB == 8) { // the packed vectors are the bytes (unpack_slot<8> is a load)
      wp[c] = w.pstreams.data() + static_cast<std::size_t>(P) * w.pstream_panel_bytes;
    } else {
      unpack_panel<WB>(w, P, 0, qv, buf.data() + c * qv * 64);
      wp[c] = buf.data() + c * qv * 64;
    }
  }
  // vpdpbusd with ones: a lane adds its column's 4 weights of each of the tap's quads.
  const __m512i ones = _mm512_set1_epi8(1);
  for (std::int64_t tap = 0; tap < t.taps; ++tap)
    for (int c = 0; c < C; ++c) {
      __m512i s = _mm512_setzero_si512();
      for (std::int64_t q = tap * t.tap_quads; q < (tap + 1) * t.tap_quads; ++q)
        s = _mm512_dpbusd_epi32(s, ones, _mm512_loadu_si512(wp[c] + q * 64));
      _mm512_storeu_si512(tsum.data() + (tap * C + c) * 16, s);
    }
  for (std::int64_t i = 0; i < a.m;) {
    const std::uint64_t mask = t.pad_taps[t.order[i]];
    std::int64_t j = i + 1;
    while (j < a.m && t.pad_taps[t.order[j]] == mask)
      ++j;
    for (; i + 6 <= j; i += 6)
      taps_block<6, C>(t, i, wp, tsum.data(), e, k32, n, n1);
    taps_rest<5, C>(j - i, t, i, wp, tsum.data(), e, k32, n, n1);
    i = j;
  }
}

// 6 rows x 4 panels: 24 accumulators, 4 weight vectors and a broadcast (29 of 32 zmm); per quad
// 4 loads and 6 broadcasts for 24 vpdpbusd. Fewer panels for the last columns.
template <unsigned WB>
void dot8_taps(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
               std::int64_t n1) {
  Int32Columns k32{};
  if (e.int32_exact)
    k32 = int32_columns(e, n0, n1);
  const Int32Columns *k = e.int32_exact ? &k32 : nullptr;
  for (std::int64_t n = n0; n < n1; n += 4 * kPanel) {
    const std::int64_t left = (n1 - n + kPanel - 1) / kPanel, end = std::min(n1, n + 4 * kPanel);
    if (left >= 4)
      taps_panels<WB, 4>(a, w, e, k, n, end);
    else if (left == 3)
      taps_panels<WB, 3>(a, w, e, k, n, end);
    else if (left == 2)
      taps_panels<WB, 2>(a, w, e, k, n, end);
    else
      taps_panels<WB, 1>(a, w, e, k, n, end);
  }
}

} // namespace

void interleave_avx512(const std::uint8_t *bytes, std::int64_t M, std::int64_t K, std::int64_t kpad,
                       std::uint8_t *inter) {
  // Per group of 16 rows and block of 16 q (64 k): a 16 x 16 transpose of 4-byte elements.
  const std::int64_t qall = kpad / 4, groups = (M + 15) / 16;
  const std::int64_t qblocks = ((K + 3) / 4 + 15) / 16; // blocks holding k < K; the rest stays zero
  for (std::int64_t g = 0; g < groups; ++g)
    for (std::int64_t qb = 0; qb < qblocks; ++qb) {
      __m512i r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = g * 16 + i < M ? _mm512_loadu_si512(bytes + (g * 16 + i) * kpad + qb * 64)
                              : _mm512_setzero_si512();
      transpose16x16(r);
      std::uint8_t *out = inter + (g * qall + qb * 16) * 64;
      for (int c = 0; c < 16; ++c)
        _mm512_storeu_si512(out + c * 64, r[c]);
    }
}

void planes_avx512(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad, unsigned ab,
                   std::uint64_t *planes) {
  const std::int64_t words = kpad / 64;
  for (std::int64_t m = 0; m < M; ++m)
    for (std::int64_t x = 0; x < words; ++x) {
      const __m512i v = _mm512_loadu_si512(bytes + m * kpad + x * 64);
      for (unsigned i = 0; i < ab; ++i) // bit i of 64 bytes -> one 64-bit mask
        planes[(m * ab + i) * words + x] =
            _mm512_test_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(1u << i)));
    }
}

namespace {
// The kernel for the width pair ab x wb (the pairs choose_method sends here: ab * wb <= 4).
template <class Rows>
void bitserial_pairs(const Rows &a, unsigned ab, const FastWeights &w, const Epilogue &e,
                     std::int64_t n0, std::int64_t n1) {
  switch (ab * 16 + w.wb) {
  case 0x11:
    return bitserial_widths<1, 1>(a, w, e, n0, n1);
  case 0x12:
    return bitserial_widths<1, 2>(a, w, e, n0, n1);
  case 0x21:
    return bitserial_widths<2, 1>(a, w, e, n0, n1);
  case 0x22:
    return bitserial_widths<2, 2>(a, w, e, n0, n1);
  case 0x13:
    return bitserial_widths<1, 3>(a, w, e, n0, n1);
  case 0x31:
    return bitserial_widths<3, 1>(a, w, e, n0, n1);
  case 0x14:
    return bitserial_widths<1, 4>(a, w, e, n0, n1);
  case 0x41:
    return bitserial_widths<4, 1>(a, w, e, n0, n1);
  default:
    break;
  }
  throw std::logic_error("samd: bitserial_avx512: no kernel for this width pair");
}
} // namespace

void bitserial_avx512(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                      std::int64_t n1) {
  if (a.m == 0 || n0 >= n1)
    return;
  bitserial_pairs(GemmRows{a, a.m, a.kpad / 64, std::max<std::int64_t>(1, (w.k + 63) / 64)}, a.ab,
                  w, e, n0, n1);
}

void conv_bitserial_avx512(const ConvRows &c, const FastWeights &w, const Epilogue &e,
                           std::int64_t n0, std::int64_t n1) {
  if (c.m == 0 || n0 >= n1)
    return;
  bitserial_pairs(ImageRows{c, c.m, c.plane, c.run}, c.ab, w, e, n0, n1);
}

void conv_pad_run_sums(const ConvRows &c, const FastWeights &w, std::uint8_t pad,
                       std::vector<std::int64_t> &sums) {
  const std::int64_t needed = (w.k + 63) / 64, panels = (w.n + 7) / 8, npad = panels * 8;
  const std::int64_t runs = (needed + c.run - 1) / c.run;
  sums.assign(static_cast<std::size_t>(runs * npad), 0);
  if (pad == 0)
    return;
  // Per panel of 8 columns: the popcounts of plane j's words, weighted 2^j (the columns' offsets
  // u summed), times pad.
  for (std::int64_t q = 0; q < runs; ++q)
    for (std::int64_t p = 0; p < panels; ++p) {
      __m512i t = _mm512_setzero_si512();
      for (unsigned j = 0; j < w.wb; ++j)
        for (std::int64_t x = q * c.run; x < std::min<std::int64_t>((q + 1) * c.run, needed); ++x)
          t = _mm512_add_epi64(
              t, _mm512_slli_epi64(_mm512_popcnt_epi64(_mm512_loadu_si512(
                                       w.iplanes.data() + ((p * w.wb + j) * w.iwords + x) * 8)),
                                   j));
      std::int64_t *const dst = sums.data() + q * npad + p * 8;
      _mm512_storeu_si512(dst, t);
      for (int n = 0; n < 8; ++n) // < 2^8 x K (2^8 - 1): no overflow for any K the GEMM takes
        dst[n] *= pad;
    }
}

void dot8_taps_avx512(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                      std::int64_t n1) {
  if (a.m == 0 || n0 >= n1)
    return;
  by_weight_bits(w.wb, [&]<unsigned WB>() { dot8_taps<WB>(a, w, e, n0, n1); });
}

void dot8_avx512(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                 std::int64_t n1) {
  if (a.m == 0 || n0 >= n1)
    return;
  by_weight_bits(w.wb, [&]<unsigned WB>() { dot8_width<WB>(a, w, e, n0, n1); });
}

} // namespace samd::kernels::detail::fast
