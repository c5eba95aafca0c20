// AVX2 table-lookup GEMM (Method::Lut, the T-MAC / DeepGEMM family) for weights of 1 or 2 bits.
// Compiled with -mavx2 -mfma; called only when the CPU has AVX2.
//
// A weight nibble holds g = 4 / wb offset weights u of one column (g consecutive k, one "step");
// the g activation offsets of a row at that step form the index a of one of the pair's 16-byte
// tables (lut_tables), whose entry nib is sum_t ua_t * u_t. So per step and row one table is
// broadcast to both 128-bit halves and vpshufb looks up 32 columns' nibbles at once; the entries
// are added in u8 lanes for at most lut_u8_steps steps, widened into u16 lanes at most
// kLutU16Widenings times, then added into int64 sums (fast_bounds.hpp, proven in proofs/). With
// at least kLutExpandMinRows rows, a column block's nibbles are first expanded to one index byte
// per column and step, so the inner loop needs no nibble masks; and W1A1 then looks two rows up
// with one vpshufb (paired rows: fast_bounds.hpp lut_fields_entry, proven in proofs/), 10 vector
// ops per 3 steps of a row pair and 32 columns where unpaired rows take 12.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {
namespace {

inline constexpr std::int64_t kHalf = 32; // columns per ymm (half a kLutPanel panel)
// From this many rows on, each column block's nibbles are expanded to index bytes first
// (expand_block), so the inner loop is one vpshufb + vpaddb per lookup with no nibble masks; below
// it they are masked in registers. Measured (1 thread, K = 4096, expanded / in-register time
// ratio): the expansion (64 KB a block for W1A1, 128 KB for W2A2, past L1) costs about 3 rows of
// lookups, so W1A1 N = 4096 gains from M = 32 (M = 16: 0.92x, 32: 1.02x), N = 256 from M = 24
// (16: 0.95x, 32: 1.04x, 256: 1.12x); W2A2 N = 256 from M = 24 (16: 0.99x, 256: 1.13x).
static_assert(kLutExpandMinRows == 32, "the measurements above");

// acc += the lookup, kept in acc's register: without the (empty) asm GCC reassociates the adds of
// the two steps of a vector into one and keeps more temporaries live than there are ymm registers,
// spilling the accumulators.
inline void add_lookup(__m256i &acc, __m256i table, __m256i nibbles) {
  __m256i sum = _mm256_add_epi8(acc, _mm256_shuffle_epi8(table, nibbles));
  asm("" : "+x"(sum)); // on a local: an array element in an asm operand would stay in memory
  acc = sum;
}

// acc += x (u8 lanes), written into acc's own register: with the intrinsic (and add_lookup's empty
// asm) GCC put the sum of the paired rows' split into x's register and copied it back, 7 register
// moves a phase.
inline void add_kept(__m256i &acc, __m256i x) {
  __m256i sum = acc;
  asm("vpaddb %1, %0, %0" : "+x"(sum) : "x"(x));
  acc = sum;
}

// acc = the lookup (a phase's first step), kept in its register as add_lookup's sum.
inline void set_lookup(__m256i &acc, __m256i table, __m256i nibbles) {
  __m256i entries = _mm256_shuffle_epi8(table, nibbles);
  asm("" : "+x"(entries));
  acc = entries;
}

#define SAMD_LUT_INLINE __attribute__((always_inline))

// f(0), ..., f(N - 1) with compile-time indices (std::integral_constant), inlined: the blocks'
// register arrays are then indexed by constants before GCC's scalar replacement runs, so they
// live in ymm registers (with `#pragma GCC unroll` loops GCC kept them on the stack).
template <int N, class F> SAMD_LUT_INLINE inline void unrolled(F &&f) {
  [&]<int... I>(std::integer_sequence<int, I...>) SAMD_LUT_INLINE {
    (f(std::integral_constant<int, I>{}), ...);
  }
  (std::make_integer_sequence<int, N>{});
}

template <int R, int C> struct Acc { __m256i v[R][C]; };

// Where a block's C halves of nibbles come from. Packed (X false): the nibbles format itself,
// vector v of half c at wp[c] + v * ws[c] (bytes from one vector of the half's panel to the next),
// two steps a byte, masked to 0..15 in registers. Expanded (X true): a scratch of one index byte
// per column and step, idx[(s * C + c) * 32 + l] = the nibble (0..15) of column l of half c at
// step s (expand_block), so a step's index vectors are plain loads.
template <int C> struct Src {
  const std::uint8_t *wp[C];
  std::int64_t ws[C];
  const std::uint8_t *idx;
};

// The u8 stage of one chunk, vectors [v0, v1) (steps 2 v0 .. 2 v1 - 1) of C halves' nibbles
// (src) against R rows' indices ip. pre: v1 - v0 <= lut_u8_steps / 2; X: src.idx holds those
// steps. post: acc.v[r][c] byte l = the sum of the 2 (v1 - v0) entries of row r, column l of
// half c (each <= lut_max_entry, the sum <= 255).
template <int R, int C, bool X>
SAMD_LUT_INLINE inline void lut_chunk(Acc<R, C> &acc, const std::uint8_t *tables, const Src<C> &src,
                                      const std::uint16_t *const (&ip)[R], std::int64_t v0,
                                      std::int64_t v1) {
  const __m256i low = _mm256_set1_epi8(0x0F);
  unrolled<R>([&](auto r) SAMD_LUT_INLINE {
    unrolled<C>([&](auto c) SAMD_LUT_INLINE { acc.v[r][c] = _mm256_setzero_si256(); });
  });
  for (std::int64_t v = v0; v < v1; ++v) {
    // Step 2v (low nibbles), then step 2v + 1 (high nibbles, the vectors loaded again): only C
    // index vectors live at a time, so the R x C accumulators stay in registers. Packed: the
    // nibbles are masked to 0..15 (vpshufb would zero a lane whose bit 7 is set).
    for (int step = 0; step < 2; ++step) {
      __m256i wv[C];
      unrolled<C>([&](auto c) SAMD_LUT_INLINE {
        if constexpr (X) {
          wv[c] = _mm256_load_si256(
              reinterpret_cast<const __m256i *>(src.idx + ((2 * v + step) * C + c) * kHalf));
        } else {
          __m256i x =
              _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src.wp[c] + v * src.ws[c]));
          if (step == 1)
            x = _mm256_srli_epi16(x, 4);
          wv[c] = _mm256_and_si256(x, low);
        }
      });
      unrolled<R>([&](auto r) SAMD_LUT_INLINE {
        const __m256i t =
            _mm256_load_si256(reinterpret_cast<const __m256i *>(tables + ip[r][2 * v + step]));
        unrolled<C>([&](auto c) SAMD_LUT_INLINE { add_lookup(acc.v[r][c], t, wv[c]); });
      });
    }
  }
}

// One phase of the paired-row lookup (W1A1, fast_bounds.hpp lut_fields_entry): steps [s, s + L)
// of R / 2 row pairs (rows 2p, 2p + 1 of the block) x C halves, from the expanded index bytes.
// pre: L <= lut_field_steps(1, 1); R even; ptables = lut_paired_tables(); pp[p] row pair p's
// FastActs::lut_paired (its tables' offsets, one a step). post:
// acc.v[2p][c] (u8 lanes) += the sum of row 2p's L entries, acc.v[2p + 1][c] += row 2p + 1's (a
// field's phase sum is exact: proof lut_fields).
template <int L, int R, int C>
SAMD_LUT_INLINE inline void paired_phase(Acc<R, C> &acc, const std::uint8_t *ptables,
                                         const std::uint8_t *idx,
                                         const std::uint16_t *const (&pp)[R / 2], std::int64_t s) {
  static_assert(L >= 1 && L <= lut_field_steps(1, 1), "the first step sets the fields");
  __m256i fields[R / 2][C];
  unrolled<L>([&](auto i) SAMD_LUT_INLINE {
    __m256i wv[C];
    unrolled<C>([&](auto c) SAMD_LUT_INLINE {
      wv[c] = _mm256_load_si256(reinterpret_cast<const __m256i *>(idx + ((s + i) * C + c) * kHalf));
    });
    unrolled<R / 2>([&](auto p) SAMD_LUT_INLINE {
      const __m256i t =
          _mm256_load_si256(reinterpret_cast<const __m256i *>(ptables + pp[p][s + i]));
      unrolled<C>([&](auto c) SAMD_LUT_INLINE {
        if constexpr (i == 0)
          set_lookup(fields[p][c], t, wv[c]);
        else
          add_lookup(fields[p][c], t, wv[c]);
      });
    });
  });
  const __m256i low = _mm256_set1_epi8(0x0F);
  unrolled<R / 2>([&](auto p) SAMD_LUT_INLINE {
    unrolled<C>([&](auto c) SAMD_LUT_INLINE {
      add_kept(acc.v[2 * p][c], _mm256_and_si256(fields[p][c], low));
      add_kept(acc.v[2 * p + 1][c], _mm256_and_si256(_mm256_srli_epi16(fields[p][c], 4), low));
    });
  });
}

// The u8 stage of one chunk, steps [s0, s1), by paired rows in phases of lut_field_steps(1, 1).
// pre: s1 - s0 <= lut_u8_steps(1, 1); as paired_phase's. post: as lut_chunk<R, C, true>'s for
// the same steps (each row's u8 lanes hold the same sums of the same entries).
template <int R, int C>
SAMD_LUT_INLINE inline void
lut_chunk_paired(Acc<R, C> &acc, const std::uint8_t *ptables, const std::uint8_t *idx,
                 const std::uint16_t *const (&pp)[R / 2], std::int64_t s0, std::int64_t s1) {
  static_assert(R % 2 == 0 && lut_field_steps(1, 1) == 3, "phases of 3, remainders of 1 and 2");
  unrolled<R>([&](auto r) SAMD_LUT_INLINE {
    unrolled<C>([&](auto c) SAMD_LUT_INLINE { acc.v[r][c] = _mm256_setzero_si256(); });
  });
  std::int64_t s = s0;
  for (; s + 3 <= s1; s += 3)
    paired_phase<3>(acc, ptables, idx, pp, s);
  if (s1 - s == 2)
    paired_phase<2>(acc, ptables, idx, pp, s);
  else if (s1 - s == 1)
    paired_phase<1>(acc, ptables, idx, pp, s);
}

// The index bytes of C halves from h0, all steps, as lut_chunk<R, C, true> and lut_chunk_paired
// read them.
// pre: h0 + C <= ceil(w.n / 32); out 32-byte aligned with room for 2 * w.lut_vectors * C * 32
// bytes. post: out[(s * C + c) * 32 + l] = the nibble of column (h0 + c) * 32 + l at step s, for
// s < 2 * w.lut_vectors (0 past N and K, as in the nibbles format).
template <int C> void expand_block(const FastWeights &w, std::int64_t h0, std::uint8_t *out) {
  const std::int64_t V = w.lut_vectors;
  const __m256i low = _mm256_set1_epi8(0x0F);
  for (int c = 0; c < C; ++c) {
    const std::int64_t h = h0 + c;
    const std::uint8_t *wp = w.nibbles.data() + (h / 2) * V * kLutPanel + (h % 2) * kHalf;
    const std::int64_t ws = lut_panel_width(w, h / 2);
    for (std::int64_t v = 0; v < V; ++v) {
      const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(wp + v * ws));
      _mm256_store_si256(reinterpret_cast<__m256i *>(out + ((2 * v) * C + c) * kHalf),
                         _mm256_and_si256(x, low));
      _mm256_store_si256(reinterpret_cast<__m256i *>(out + ((2 * v + 1) * C + c) * kHalf),
                         _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
    }
  }
}

// lut_tables with each 16-byte table twice (32 bytes, both 128-bit halves of a ymm): a table
// is then one plain load, where vbroadcasti128 would also take a shuffle slot from the vpshufbs.
// pre: lut_pair(ab, wb). post: table a at (wide_tables(ab, wb) + kLutTableBytes a), 32-byte
// aligned.
const std::uint8_t *wide_tables(unsigned ab, unsigned wb) {
  struct Wide {
    alignas(64) std::uint8_t t[kLutPairs][256 * kLutTableBytes] = {};
    Wide() {
      for (unsigned b = 1; b <= 2; ++b)
        for (unsigned x = 1; x <= 4; ++x)
          if (lut_pair(x, b)) {
            const std::uint8_t *src = lut_tables(x, b);
            for (unsigned i = 0; i < (1u << (lut_group(b) * x)); ++i)
              for (unsigned j = 0; j < kLutTableBytes; ++j)
                t[lut_slot(x, b)][i * kLutTableBytes + j] = src[i * 16 + j % 16];
          }
    }
  };
  static const Wide wide;
  return wide.t[lut_slot(ab, wb)];
}

// What every block of one lut_avx2 call shares.
struct Ctx {
  const FastActs &a;
  const FastWeights &w;
  const Epilogue &e;
  const std::uint8_t *tables;  // wide_tables of the pair
  const std::uint8_t *ptables; // lut_paired_tables() where the rows are paired, else null
  std::int64_t chunk_vectors;  // vectors (2 steps each) a u8 chunk, 2 chunk_vectors <= lut_u8_steps
  std::int64_t n0, n1;         // the columns this call puts
  // Epilogue::int32_exact: dz and fixed mod 2^32 (= their values), indexed by column; else null.
  const std::int32_t *dz32, *fixed32;
};

// The results of 32 columns of row m from the u16 sums (even: columns 2j, odd: 2j + 1) of a block
// that never flushed its u16 lanes. pre: c.dz32 (every partial sum of every result fits int32, so
// the int32 lane arithmetic is exact: exact_sums.hpp's ring argument). post: out[m][col] for the
// columns col = col0 .. col0 + 31 in [n0, n1).
inline void put_half_int32(const Ctx &c, std::int64_t m, std::int64_t col0, __m256i even,
                           __m256i odd) {
  const __m256i lo = _mm256_unpacklo_epi16(even, odd); // columns 0-7 | 16-23
  const __m256i hi = _mm256_unpackhi_epi16(even, odd); // columns 8-15 | 24-31
  const __m256i q[4] = {_mm256_cvtepu16_epi32(_mm256_castsi256_si128(lo)),
                        _mm256_cvtepu16_epi32(_mm256_castsi256_si128(hi)),
                        _mm256_cvtepu16_epi32(_mm256_extracti128_si256(lo, 1)),
                        _mm256_cvtepu16_epi32(_mm256_extracti128_si256(hi, 1))};
  const __m256i rs = _mm256_set1_epi32(static_cast<std::int32_t>(c.e.rowsum[m]));
  std::int32_t *out = c.e.out + m * c.e.ld;
  for (int i = 0; i < 4; ++i) {
    const std::int64_t b = col0 + 8 * i;
    if (b >= c.n0 && b + 8 <= c.n1) {
      const __m256i dz = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(c.dz32 + b));
      const __m256i fx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(c.fixed32 + b));
      _mm256_storeu_si256(reinterpret_cast<__m256i *>(out + b),
                          _mm256_add_epi32(_mm256_add_epi32(q[i], _mm256_mullo_epi32(dz, rs)), fx));
    } else if (b + 8 > c.n0 && b < c.n1) { // a range edge: column by column
      alignas(32) std::int32_t d[8];
      _mm256_store_si256(reinterpret_cast<__m256i *>(d), q[i]);
      for (std::int64_t l = 0; l < 8; ++l)
        if (b + l >= c.n0 && b + l < c.n1)
          c.e.put(m, b + l, d[l]);
    }
  }
}

// One block: R rows from m0 x C halves (32 columns each) from half h0, over all of K.
// pre: m0 + R <= a.m, h0 + C <= ceil(N / 32); X: idx = expand_block<C>(w, h0). post: e.put(m, n,
// D[m][n]) (or its int32 form) for the block's rows and its columns in [n0, n1); columns past N are
// padding and never written.
// Paired: the rows' u8 stage by paired rows (lut_chunk_paired: pre R even, X, c.ptables).
template <int R, int C, bool X, bool Paired>
void lut_block(const Ctx &c, std::int64_t m0, std::int64_t h0, const std::uint8_t *idx) {
  const FastWeights &w = c.w;
  const std::int64_t V = w.lut_vectors, S2 = c.a.lut_steps;
  Src<C> src;
  src.idx = idx;
  const std::uint16_t *ip[R];
  for (int j = 0; j < C; ++j) {
    const std::int64_t h = h0 + j;
    src.wp[j] = w.nibbles.data() + (h / 2) * V * kLutPanel + (h % 2) * kHalf;
    src.ws[j] = lut_panel_width(w, h / 2);
  }
  for (int r = 0; r < R; ++r)
    ip[r] = c.a.lut.data() + (m0 + r) * S2;
  const std::uint16_t *pp[(R + 1) / 2]; // Paired: m0 is even (blocks of 4, then of 2, from row 0)
  if constexpr (Paired)
    for (int p = 0; p < R / 2; ++p)
      pp[p] = c.a.lut_paired.data() + (m0 / 2 + p) * S2;
  const __m256i even = _mm256_set1_epi16(0x00FF);
  // u16 stage: [r][j][0] the even bytes' (columns 2i) sums, [1] the odd bytes' (2i + 1).
  __m256i acc16[R][C][2];
  unrolled<R>([&](auto r) SAMD_LUT_INLINE {
    unrolled<C>([&](auto j)
                    SAMD_LUT_INLINE { acc16[r][j][0] = acc16[r][j][1] = _mm256_setzero_si256(); });
  });
  std::int64_t total[R][C * kHalf] = {};
  bool flushed = false;
  std::int64_t widenings = 0;
  // u16 lanes into the int64 sums (before a lane could exceed kLutU16Widenings * 255).
  const auto flush16 = [&] {
    alignas(32) std::uint16_t t[2][16];
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < C; ++j) {
        _mm256_store_si256(reinterpret_cast<__m256i *>(t[0]), acc16[r][j][0]);
        _mm256_store_si256(reinterpret_cast<__m256i *>(t[1]), acc16[r][j][1]);
        for (int i = 0; i < 16; ++i) {
          total[r][j * kHalf + 2 * i] += t[0][i];
          total[r][j * kHalf + 2 * i + 1] += t[1][i];
        }
        acc16[r][j][0] = acc16[r][j][1] = _mm256_setzero_si256();
      }
    widenings = 0;
    flushed = true;
  };
  for (std::int64_t v0 = 0; v0 < V; v0 += c.chunk_vectors) {
    const std::int64_t v1 = std::min(V, v0 + c.chunk_vectors);
    // u8 stage: each lane adds 2 entries per vector (steps 2v and 2v + 1), at most
    // 2 * chunk_vectors <= lut_u8_steps entries in all.
    Acc<R, C> acc;
    if constexpr (Paired)
      lut_chunk_paired<R, C>(acc, c.ptables, idx, pp, 2 * v0, 2 * v1);
    else
      lut_chunk<R, C, X>(acc, c.tables, src, ip, v0, v1);
    // One widening: each u8 lane (<= 255) into its own u16 lane.
    unrolled<R>([&](auto r) SAMD_LUT_INLINE {
      unrolled<C>([&](auto j) SAMD_LUT_INLINE {
        acc16[r][j][0] = _mm256_add_epi16(acc16[r][j][0], _mm256_and_si256(acc.v[r][j], even));
        acc16[r][j][1] = _mm256_add_epi16(acc16[r][j][1], _mm256_srli_epi16(acc.v[r][j], 8));
      });
    });
    if (++widenings == kLutU16Widenings)
      flush16();
  }
  if (c.dz32 && !flushed) { // the raw sums are the u16 lanes: the int32 epilogue, 8 at a time
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < C; ++j)
        put_half_int32(c, m0 + r, (h0 + j) * kHalf, acc16[r][j][0], acc16[r][j][1]);
    return;
  }
  flush16();
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < C; ++j)
      for (std::int64_t l = 0; l < kHalf; ++l) {
        const std::int64_t n = (h0 + j) * kHalf + l;
        if (n >= c.n0 && n < c.n1)
          c.e.put(m0 + r, n, total[r][j * kHalf + l]);
      }
}

// Rows [m, a.m) of halves [h, h + C): blocks of R rows, the rest in blocks of fewer (Paired: of 2
// rows, a last odd row unpaired). pre: as lut_block's.
template <int R, int C, bool X, bool Paired>
void lut_rows(const Ctx &c, std::int64_t m, std::int64_t h, const std::uint8_t *idx) {
  for (; m + R <= c.a.m; m += R)
    lut_block<R, C, X, Paired>(c, m, h, idx);
  if constexpr (Paired) {
    if constexpr (R > 2)
      if (m + 2 <= c.a.m) {
        lut_block<2, C, X, true>(c, m, h, idx);
        m += 2;
      }
    if (m < c.a.m)
      lut_block<1, C, X, false>(c, m, h, idx);
  } else if constexpr (R > 1) {
    if (m < c.a.m)
      lut_rows<R - 1, C, X, false>(c, m, h, idx);
  }
}

struct alignas(32) Bytes32 {
  std::uint8_t b[32];
};

// Columns [n0, n1) in blocks of C halves (the last ones one at a time), each over all rows; X:
// each block's index bytes expanded first (expand_block) into a thread_local scratch.
template <int R, int C, bool X, bool Paired> void lut_cols(const Ctx &c) {
  const std::int64_t h1 = (c.n1 + kHalf - 1) / kHalf;
  std::int64_t h = c.n0 / kHalf;
  thread_local std::vector<Bytes32> scratch;
  std::uint8_t *idx = nullptr;
  if constexpr (X) {
    const std::size_t need = static_cast<std::size_t>(2 * c.w.lut_vectors * C);
    if (scratch.size() < need)
      scratch.resize(need);
    idx = scratch.data()->b;
  }
  for (; h + C <= h1; h += C) {
    if constexpr (X)
      expand_block<C>(c.w, h, idx);
    lut_rows<R, C, X, Paired>(c, 0, h, idx);
  }
  for (; h < h1; ++h) {
    if constexpr (X)
      expand_block<1>(c.w, h, idx);
    lut_rows<R, 1, X, Paired>(c, 0, h, idx);
  }
  // A thread keeps a scratch of up to kKeepScratchBytes for its next call (K up to 16,384 at W2A2);
  // a larger one, of a rare long K, is released rather than held for the thread's lifetime.
  constexpr std::size_t kKeepScratchBytes = std::size_t{1} << 19;
  if (scratch.size() * sizeof(Bytes32) > kKeepScratchBytes)
    std::vector<Bytes32>().swap(scratch);
}

} // namespace

void lut_avx2(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
              std::int64_t n1) {
  if (a.m == 0 || n0 >= n1)
    return;
  // Activations built for another K or weight width would be read past their table offsets.
  if (a.lut_steps != 2 * w.lut_vectors ||
      a.lut.size() < static_cast<std::size_t>(a.m * a.lut_steps))
    throw std::logic_error(
        "samd: lut_avx2: the activations' table indices do not match the weights' "
        "steps");
  // K = 0: every raw sum is 0, and w.nibbles and a.lut are empty (null data, which the blocks
  // below would offset and their expansion scratch dereference).
  if (w.lut_vectors == 0) {
    for (std::int64_t m = 0; m < a.m; ++m)
      for (std::int64_t n = n0; n < n1; ++n)
        e.put(m, n, 0);
    return;
  }
  // The halves holding columns [n0, n1): n0 need not be a multiple of 32 (gemm_raw's threads
  // split N in panels of 16), so a boundary half is computed by both neighbours and each puts its
  // own columns only.
  const bool paired = lut_rows_paired(a.ab, w.wb, a.m);
  if (paired && a.lut_paired.size() < static_cast<std::size_t>(a.m / 2 * a.lut_steps))
    throw std::logic_error("samd: lut_avx2: the activations lack the paired rows' table offsets");
  Ctx c{a,
        w,
        e,
        wide_tables(a.ab, w.wb),
        paired ? lut_paired_tables() : nullptr,
        lut_u8_steps(a.ab, w.wb) / 2,
        n0,
        n1,
        nullptr,
        nullptr};
  if (e.int32_exact) { // dz and fixed fit int32 (Epilogue::int32_exact)
    const Int32Columns k = int32_columns(e, n0, n1);
    c.dz32 = k.dz;
    c.fixed32 = k.fixed;
  }
  // 4 rows x 2 halves: 8 u8 accumulators, 2 nibble vectors, the table, a lookup and the mask
  // (13 of 16 ymm). Measured (256 x 256 x 4096, vs oneDNN AVX2) against 3 x 2, 5 x 2, 6 x 2,
  // 2 x 3, 2 x 4, 3 x 3, 4 x 1, 8 x 1: best or within 3 % of it for W1A1, W2A2, W1A2 and W2A1.
  // Expanded (no mask, 12 ymm), 4 x 2 again: 5 x 2 0.98x, 6 x 2 0.96x, 3 x 3 0.91x, 2 x 4 0.85x
  // its speed for W1A1 (256 x 256 x 4096; W2A2 alike).
  // Paired rows (W1A1, expanded): 4 rows x 2 halves again, 8 u8 sums and 4 paired lanes (with
  // the index vectors read from memory by the vpshufbs, 15 ymm). Measured (256 x 256 x 4096 W1A1,
  // alternating runs of both builds, max of 8 each): 727 against 594 GMAC/s unpaired.
  if (a.m < kLutExpandMinRows)
    lut_cols<4, 2, false, false>(c);
  else if (paired)
    lut_cols<4, 2, true, true>(c);
  else
    lut_cols<4, 2, true, false>(c);
}

} // namespace samd::kernels::detail::fast
