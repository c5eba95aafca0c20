// LUT64 on AVX-512 VBMI (lut64.hpp): W2A2 by 64-entry vpermb lookups of 3 weights each. Compiled
// with AVX-512 F / BW / VL / VBMI flags; called only when the CPU has them (lut64_rows).
//
// A tile is R rows x C <= 4 panels of 64 columns (lut64_tile_shape.hpp: R <= 5 at 4 panels, <= 16
// at one): R x C u8 accumulators, C weight vectors and C gathered index vectors, the table, a
// lookup and a temporary (31 zmm at 5 x 4). Its hot loop is generated asm with fixed registers
// (gen_lut64_asm.cpp: why, and the staggered u8 widening); here the driver: tiles over rows and
// panels, u16 windows, the K tail, and the fused epilogue. Schedule (fast_bounds.hpp, the LUT64
// kernels' schedules, proven by lut64_schedule): a u8 lane adds kLut64StageEntries = 8 entries per
// widening; a u16 lane takes lut64_gemm_schedule().window_widenings (kWindowChunks chunks of one
// widening each, plus the final one) before it is added to int32 lanes (Epilogue::int32_exact) or
// int64 sums.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "lut64.hpp"
#include "lut64_tile_shape.hpp"

namespace samd::kernels::detail::fast {
namespace {

// Operands of the generated asm (lut64_asm.inc).
alignas(64) const std::uint16_t kLo8[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
const std::uint32_t kSel03 = 0x03030303u, kSel0F = 0x0F0F0F0Fu;

// n >= 1 chunks of an R x C tile (gen_lut64_asm.cpp states the contract and the buffer layout).
template <int R, int C>
void lut64_chunks(const std::uint8_t *wp, std::int64_t ps, const std::uint16_t *op, std::int64_t g2,
                  const std::uint8_t *tab, std::uint8_t *buf, long n);
// n >= 1 chunks of 8 channels of the conv kernel with 3 kernel rows, R rows x C panels (the
// generator's gen_conv3 states the contract and the buffer layout).
template <int R, int C>
void lut64_conv3_chunks(const std::uint8_t *wp, std::int64_t ps, std::int64_t ks,
                        const std::uint16_t *op, std::int64_t g2, const std::uint8_t *tab,
                        std::uint8_t *buf, long n);
#include "lut64_asm.inc"

constexpr int kCols = kLut64MaxCols, kRows = lut64_max_rows(1), kLanes = kLut64MaxLanes;
// A chunk is one u8 stage of 8 groups (fast_bounds.hpp, the GEMM tiles' schedule).
constexpr std::int64_t kChunkVectors = 6, kChunkGroups = kLut64StageEntries,
                       kChunkBytes = kChunkVectors * 64;
static_assert(kChunkGroups == 8, "a chunk is 2 blocks of 4 groups");
// Chunks per u16 window: each widens every u8 lane once, and the tile's final widening adds one.
constexpr std::int64_t kWindowChunks = kLut64GemmWindowChunks;

using ChunkFn = void (*)(const std::uint8_t *, std::int64_t, const std::uint16_t *, std::int64_t,
                         const std::uint8_t *, std::uint8_t *, long);
// The tile R x C's function at (C - 1) * kRows + R - 1; null past lut64_max_rows(C).
template <int I> constexpr ChunkFn chunk_fn() {
  constexpr int R = I % kRows + 1, C = I / kRows + 1;
  if constexpr (R <= lut64_max_rows(C))
    return &lut64_chunks<R, C>;
  else
    return nullptr;
}
template <int... I>
constexpr std::array<ChunkFn, sizeof...(I)> chunk_fns(std::integer_sequence<int, I...>) {
  return {chunk_fn<I>()...};
}
constexpr auto kChunkFns = chunk_fns(std::make_integer_sequence<int, kRows * kCols>{});

// What every tile of one call shares.
struct Ctx {
  const Epilogue &e;
  std::int64_t n0, n1;
  std::int64_t full, rem; // whole chunks, and vectors of the last partial one (0..5)
  const std::uint8_t *tab;
  const std::int32_t *dz32, *fixed32; // Epilogue::int32_exact: dz and fixed as int32; else null
};

// R rows: row i's offsets of the full chunks at op + i * g2 (bytes), those of the tail chunk (8
// groups, zero past the row's groups) at tail + 8 i; m0: the first row's index in Lut64Rows.
struct RowBlock {
  std::int64_t m0 = 0;
  int r = 0;
  const std::uint16_t *op = nullptr;
  std::int64_t g2 = 0;
  alignas(64) std::uint16_t tail[kRows * kChunkGroups] = {};
};

// C panels from P0: panel j's vector t at wp + j * ps + 64 t; the tail chunk's 6 vectors (zero past
// the weights) at tailw + j * kChunkBytes.
struct ColBlock {
  std::int64_t p0 = 0;
  int c = 0;
  const std::uint8_t *wp = nullptr;
  std::int64_t ps = 0;
  const std::uint8_t *tailw = nullptr;
};

// The 64 columns of u16 lane q (even, odd vectors) in column order, as 4 x 16 u32 in cols.
inline void lane_columns(const std::uint8_t *buf, int q, __m512i (&cols)[4]) {
  alignas(64) static constexpr std::uint16_t lo_i[32] = {0,  32, 1,  33, 2,  34, 3,  35, 4,  36, 5,
                                                         37, 6,  38, 7,  39, 8,  40, 9,  41, 10, 42,
                                                         11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
  const __m512i ilo = _mm512_load_si512(lo_i);
  const __m512i ihi = _mm512_add_epi16(ilo, _mm512_set1_epi16(16));
  const __m512i ev = _mm512_load_si512(buf + 128 * q), od = _mm512_load_si512(buf + 128 * q + 64);
  const __m512i lo = _mm512_permutex2var_epi16(ev, ilo, od);
  const __m512i hi = _mm512_permutex2var_epi16(ev, ihi, od);
  cols[0] = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(lo));
  cols[1] = _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(lo, 1));
  cols[2] = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(hi));
  cols[3] = _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(hi, 1));
}

// A tile's sums of the u16 windows flushed so far: int32 lanes when the epilogue is int32-exact
// (every partial raw sum fits), else int64. Lane q (row q / C, panel q % C), column l at [q][l].
struct Sums {
  alignas(64) std::int32_t s32[kLanes][64];
  alignas(64) std::int64_t s64[kLanes][64];
  bool any = false; // whether a window was flushed (else the sums are not set)
};

// The u16 lanes of a tile of NL lanes into its sums, then zero. pre: every u16 lane holds at most
// one window of its kernel's schedule (fast_bounds.hpp).
void flush_u16(std::uint8_t *buf, int NL, bool int32, Sums &s) {
  for (int q = 0; q < NL; ++q) {
    __m512i cols[4];
    lane_columns(buf, q, cols);
    for (int p = 0; p < 4; ++p) {
      if (int32) {
        std::int32_t *d = s.s32[q] + 16 * p;
        _mm512_store_si512(d, s.any ? _mm512_add_epi32(_mm512_load_si512(d), cols[p]) : cols[p]);
      } else {
        std::int64_t *d = s.s64[q] + 16 * p;
        __m512i lo = _mm512_cvtepu32_epi64(_mm512_castsi512_si256(cols[p]));
        __m512i hi = _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(cols[p], 1));
        if (s.any) {
          lo = _mm512_add_epi64(_mm512_load_si512(d), lo);
          hi = _mm512_add_epi64(_mm512_load_si512(d + 8), hi);
        }
        _mm512_store_si512(d, lo);
        _mm512_store_si512(d + 8, hi);
      }
    }
    std::memset(buf + 128 * q, 0, 128);
  }
  s.any = true;
}

void finish(const Ctx &c, std::int64_t m0, int R, const ColBlock &cb, std::uint8_t *buf, Sums &s);

// One tile over all of K: e.put (or its int32 form) for rows rb, columns of cb in [n0, n1).
void tile(const Ctx &c, const RowBlock &rb, const ColBlock &cb) {
  const int R = rb.r, C = cb.c, NL = R * C;
  alignas(64) std::uint8_t buf[kLanes * 192];
  std::memset(buf, 0, static_cast<std::size_t>(NL) * 192);
  const bool int32 = c.dz32 != nullptr;
  Sums s;
  const ChunkFn run = kChunkFns[static_cast<std::size_t>((C - 1) * kRows + (R - 1))];
  std::int64_t done = 0, window = 0;
  while (done < c.full) {
    const std::int64_t n = std::min(c.full - done, kWindowChunks - window);
    run(cb.wp + done * kChunkBytes, cb.ps, rb.op + done * kChunkGroups, rb.g2, c.tab, buf, n);
    done += n;
    window += n;
    if (window == kWindowChunks) {
      flush_u16(buf, NL, int32, s);
      window = 0;
    }
  }
  if (c.rem > 0) // window < kWindowChunks here
    run(cb.tailw, kChunkBytes, rb.tail, 2 * kChunkGroups, c.tab, buf, 1);
  // The final widening: lane q was last widened after lookup q % 8 of the last chunk and holds
  // the lookups after it (none for q % 8 = 7).
  for (int q = 0; q < NL; ++q)
    if (q % kChunkGroups != kChunkGroups - 1) {
      const __m512i a8 = _mm512_load_si512(buf + 128 * NL + 64 * q);
      std::uint8_t *ev = buf + 128 * q, *od = ev + 64;
      _mm512_store_si512(ev, _mm512_add_epi16(_mm512_load_si512(ev),
                                              _mm512_and_si512(a8, _mm512_set1_epi16(0xFF))));
      _mm512_store_si512(od, _mm512_add_epi16(_mm512_load_si512(od), _mm512_srli_epi16(a8, 8)));
    }
  finish(c, rb.m0, R, cb, buf, s);
}

// The epilogue of a tile of R rows from m0 x the panels of cb: its last u16 window (buf, every
// lane widened for the last time) and the sums of the earlier ones (s) through c.e, columns [n0,
// n1) of each panel.
void finish(const Ctx &c, std::int64_t m0, int R, const ColBlock &cb, std::uint8_t *buf, Sums &s) {
  const int C = cb.c, NL = R * C;
  const bool int32 = c.dz32 != nullptr;
  // With one u16 window (K up to ~4,000) and int32 lanes, the window is the sums.
  const bool one_window = int32 && !s.any;
  if (!one_window)
    flush_u16(buf, NL, int32, s);
  const Epilogue &e = c.e;
  if (!int32) {
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j) {
        const std::int64_t col0 = (cb.p0 + j) * kLutPanel;
        const std::int64_t lo = std::max(c.n0, col0), hi = std::min(c.n1, col0 + kLutPanel);
        for (std::int64_t n = lo; n < hi; ++n)
          e.put(m0 + i, n, s.s64[i * C + j][n - col0]);
      }
    return;
  }
  // int32_exact: D + dz * rowsum + fixed mod 2^32 is the exact result (exact_sums.hpp). Panel by
  // panel, its columns' masks, dz and fixed once for the R rows.
  for (int j = 0; j < C; ++j) {
    const std::int64_t col0 = (cb.p0 + j) * kLutPanel;
    const std::int64_t lo = std::max(c.n0, col0), hi = std::min(c.n1, col0 + kLutPanel);
    __mmask16 k[4];
    __m512i dz[4], fx[4];
    for (int p = 0; p < 4; ++p) {
      const std::int64_t b = col0 + 16 * p;
      const std::int64_t a0 = std::max(lo, b), a1 = std::min(hi, b + 16);
      k[p] = 0, dz[p] = fx[p] = _mm512_setzero_si512();
      if (a1 <= a0)
        continue; // no column of [n0, n1) here (nor maybe of dz32: no pointer formed)
      k[p] = static_cast<__mmask16>(((1u << (a1 - a0)) - 1u) << (a0 - b));
      dz[p] = _mm512_maskz_loadu_epi32(k[p], c.dz32 + b);
      fx[p] = _mm512_maskz_loadu_epi32(k[p], c.fixed32 + b);
    }
    for (int i = 0; i < R; ++i) {
      const std::int64_t m = m0 + i;
      const __m512i rs = _mm512_set1_epi32(static_cast<std::int32_t>(e.rowsum[m]));
      __m512i d[4];
      if (one_window)
        lane_columns(buf, i * C + j, d);
      else
        for (int p = 0; p < 4; ++p)
          d[p] = _mm512_load_si512(s.s32[i * C + j] + 16 * p);
      std::int32_t *o = e.out + m * e.ld;
      for (int p = 0; p < 4; ++p)
        if (k[p] != 0)
          _mm512_mask_storeu_epi32(
              o + col0 + 16 * p, k[p],
              _mm512_add_epi32(_mm512_add_epi32(d[p], _mm512_mullo_epi32(dz[p], rs)), fx[p]));
    }
  }
}

// Whether the u16 offsets p[0, n) are all 64 * (index < 64).
bool offsets_valid(const std::uint16_t *p, std::int64_t n) {
  __m512i bad = _mm512_setzero_si512();
  const __m512i mask = _mm512_set1_epi16(static_cast<short>(0xF03F));
  std::int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    bad = _mm512_or_si512(bad, _mm512_and_si512(_mm512_loadu_si512(p + i), mask));
  if (i < n)
    bad = _mm512_or_si512(
        bad,
        _mm512_and_si512(
            _mm512_maskz_loadu_epi16(static_cast<__mmask32>((1u << (n - i)) - 1u), p + i), mask));
  return _mm512_test_epi16_mask(bad, bad) == 0;
}

[[noreturn]] void bad_offset() {
  throw std::logic_error("samd: lut64: a table offset is not 64 * (index < 64)");
}

// The tail chunk's offsets of row block rb: groups 8 full .. G - 1 of each row, zero past G.
void tail_offsets(const Lut64Rows &r, std::int64_t full, std::int64_t G, RowBlock &rb) {
  for (int i = 0; i < rb.r; ++i)
    for (std::int64_t g = 0; g < kChunkGroups; ++g) {
      const std::int64_t j = kChunkGroups * full + g;
      const std::uint16_t v = j < G ? r.index[r.row_base[rb.m0 + i] + r.group_off[j]] : 0;
      if (v % 64 != 0 || v >= kLut64TableBytes)
        bad_offset();
      rb.tail[i * kChunkGroups + g] = v;
    }
}

// A thread's scratch, kept from call to call: 64-byte aligned bytes.
struct alignas(64) Line {
  std::uint8_t b[64];
};
std::uint8_t *scratch(std::vector<Line> &v, std::size_t bytes) {
  if (v.empty() || v.size() * 64 < bytes)
    v.resize(std::max<std::size_t>(1, (bytes + 63) / 64));
  return v.data()->b;
}

// Panels [pa, pb) of 64 columns hold the columns [n0, n1); a last panel 32 wide (lut_panel_width)
// is copied 64 wide (upper half zero) into a thread's scratch, so every panel's vectors are 64
// bytes apart.
struct Panels {
  std::int64_t pa = 0, pb = 0, pfull = 0; // [pa, pfull): 64 wide, in place
  std::int64_t stride = 0;                // bytes from a panel's vectors to the next panel's
  const std::uint8_t *base = nullptr, *narrow = nullptr;
  const std::uint8_t *vectors(std::int64_t P) const {
    return P < pfull ? base + P * stride : narrow;
  }
  // In blocks of at most max_c panels (the narrow one a block of its own: it is not stride away).
  std::vector<ColBlock> blocks(int max_c) const {
    std::vector<ColBlock> cols;
    for (std::int64_t P = pa; P < pfull; P += max_c)
      cols.push_back(ColBlock{P, static_cast<int>(std::min<std::int64_t>(max_c, pfull - P)),
                              vectors(P), stride, nullptr});
    if (pfull < pb)
      cols.push_back(ColBlock{pfull, 1, narrow, stride, nullptr});
    return cols;
  }
};
Panels panels_of(const FastWeights &w, std::int64_t n0, std::int64_t n1, std::vector<Line> &wide) {
  const std::int64_t V = w.lut_vectors;
  Panels p;
  p.pa = n0 / kLutPanel, p.pb = (n1 + kLutPanel - 1) / kLutPanel;
  const std::int64_t panels = (w.n + kLutPanel - 1) / kLutPanel;
  const bool narrow = p.pb == panels && lut_panel_width(w, panels - 1) < kLutPanel;
  p.pfull = narrow ? p.pb - 1 : p.pb;
  p.stride = V * kLutPanel;
  p.base = w.nibbles.data();
  if (narrow) {
    std::uint8_t *d = scratch(wide, static_cast<std::size_t>(V * 64));
    const std::uint8_t *src = p.base + (panels - 1) * p.stride;
    for (std::int64_t v = 0; v < V; ++v) {
      std::memcpy(d + 64 * v, src + 32 * v, 32);
      std::memset(d + 64 * v + 32, 0, 32);
    }
    p.narrow = d;
  }
  return p;
}

} // namespace

void lut64_avx512(const Lut64Rows &r, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                  std::int64_t n1) {
  if (w.wb != 2 || (w.lut_vectors > 0 && w.nibbles.empty()))
    throw std::logic_error("samd: lut64: weights are not W2 in the Lut format");
  if (n0 < 0 || n0 > n1 || n1 > w.n)
    throw std::logic_error("samd: lut64: column range outside [0, N]");
  if (r.m <= 0 || n0 == n1)
    return;
  const std::int64_t V = w.lut_vectors, G = lut64_groups(w);
  if (V == 0) { // K = 0: every raw sum is 0 (and there are no weights to point at)
    for (std::int64_t m = 0; m < r.m; ++m)
      for (std::int64_t n = n0; n < n1; ++n)
        e.put(m, n, 0);
    return;
  }
  Ctx c{e, n0, n1, V / kChunkVectors, V % kChunkVectors, lut64_tables(), nullptr, nullptr};
  if (e.int32_exact) { // dz and fixed fit int32 (Epilogue::int32_exact)
    const Int32Columns k = int32_columns(e, n0, n1);
    c.dz32 = k.dz;
    c.fixed32 = k.fixed;
  }

  thread_local std::vector<Line> wide, tails, gathered;
  const Panels ps = panels_of(w, n0, n1, wide);
  const std::int64_t pa = ps.pa, pb = ps.pb;
  // The tail chunk's vectors of each panel, zero past V (never read past the weights).
  std::uint8_t *tailw = nullptr;
  if (c.rem > 0) {
    tailw = scratch(tails, static_cast<std::size_t>((pb - pa) * kChunkBytes));
    std::memset(tailw, 0, static_cast<std::size_t>((pb - pa) * kChunkBytes));
    for (std::int64_t P = pa; P < pb; ++P)
      std::memcpy(tailw + (P - pa) * kChunkBytes, ps.vectors(P) + c.full * kChunkBytes,
                  static_cast<std::size_t>(c.rem * 64));
  }
  std::vector<ColBlock> cols = ps.blocks(kCols);
  for (ColBlock &cb : cols)
    cb.tailw = tailw ? tailw + (cb.p0 - pa) * kChunkBytes : nullptr;

  // Rows in nb blocks of at most rmax (the tile height of the widest column block), as equal as
  // possible. A GEMM's rows (group_off the identity, each block's rows equally spaced) are read in
  // place; other rows are gathered per block into a scratch of G offsets a row.
  int widest = 1;
  for (const ColBlock &cb : cols)
    widest = std::max(widest, cb.c);
  const std::int64_t rmax = lut64_max_rows(widest), nb = (r.m + rmax - 1) / rmax;
  auto block_rows = [&](std::int64_t b, RowBlock &rb) {
    rb.m0 = r.m * b / nb;
    rb.r = static_cast<int>(r.m * (b + 1) / nb - rb.m0);
    if (c.rem > 0)
      tail_offsets(r, c.full, G, rb);
  };
  bool identity = true;
  for (std::int64_t j = 0; j < G && identity; ++j)
    identity = r.group_off[j] == j;
  std::vector<RowBlock> blocks(static_cast<std::size_t>(nb));
  bool direct = identity;
  for (std::int64_t b = 0; b < nb && direct; ++b) {
    RowBlock &rb = blocks[static_cast<std::size_t>(b)];
    block_rows(b, rb);
    const std::int64_t s = rb.r > 1 ? r.row_base[rb.m0 + 1] - r.row_base[rb.m0] : 0;
    for (int i = 0; i < rb.r; ++i)
      direct = direct && r.row_base[rb.m0 + i] == r.row_base[rb.m0] + i * s;
    rb.op = r.index + r.row_base[rb.m0];
    rb.g2 = 2 * s;
  }
  if (direct) { // the rows in place: check every offset the tiles read, then panels outer
    for (std::int64_t m = 0; m < r.m; ++m)
      if (!offsets_valid(r.index + r.row_base[m], kChunkGroups * c.full))
        bad_offset();
    for (const ColBlock &cb : cols)
      for (const RowBlock &rb : blocks)
        tile(c, rb, cb);
    return;
  }
  // The whole chunks' groups as runs of consecutive offsets (a conv tap's channels are one), so a
  // row is gathered by a few copies.
  const std::int64_t G8 = kChunkGroups * c.full;
  std::vector<std::int64_t> run_start;
  for (std::int64_t j = 0; j < G8; ++j)
    if (j == 0 || r.group_off[j] != r.group_off[j - 1] + 1)
      run_start.push_back(j);
  run_start.push_back(G8);
  std::uint16_t *g =
      reinterpret_cast<std::uint16_t *>(scratch(gathered, static_cast<std::size_t>(rmax * G8 * 2)));
  for (std::int64_t b = 0; b < nb; ++b) {
    RowBlock &rb = blocks[static_cast<std::size_t>(b)];
    block_rows(b, rb);
    for (int i = 0; i < rb.r; ++i) {
      const std::uint16_t *row = r.index + r.row_base[rb.m0 + i];
      for (std::size_t q = 0; q + 1 < run_start.size(); ++q) {
        const std::int64_t j0 = run_start[q], j1 = run_start[q + 1];
        std::memcpy(g + i * G8 + j0, row + r.group_off[j0],
                    static_cast<std::size_t>(2 * (j1 - j0)));
      }
      if (!offsets_valid(g + i * G8, G8))
        bad_offset();
    }
    rb.op = g;
    rb.g2 = 2 * G8;
    for (const ColBlock &cb : cols)
      tile(c, rb, cb);
  }
}

namespace {

using Conv3Fn = void (*)(const std::uint8_t *, std::int64_t, std::int64_t, const std::uint16_t *,
                         std::int64_t, const std::uint8_t *, std::uint8_t *, long);
constexpr int kConv3Rows = lut64_conv3_max_rows(1);
// The conv3 tile R x C's function at (C - 1) * kConv3Rows + R - 1; null past its height.
template <int I> constexpr Conv3Fn conv3_fn() {
  constexpr int R = I % kConv3Rows + 1, C = I / kConv3Rows + 1;
  if constexpr (R <= lut64_conv3_max_rows(C))
    return &lut64_conv3_chunks<R, C>;
  else
    return nullptr;
}
template <int... I>
constexpr std::array<Conv3Fn, sizeof...(I)> conv3_fns(std::integer_sequence<int, I...>) {
  return {conv3_fn<I>()...};
}
constexpr auto kConv3Fns =
    conv3_fns(std::make_integer_sequence<int, kConv3Rows * kLut64Conv3MaxCols>{});
// Chunks per u16 window of the conv3 schedule (fast_bounds.hpp; gen_conv3 widens every lane
// kLut64Conv3ChunkWidenings times a chunk).
constexpr std::int64_t kConv3WindowChunks = kLut64Conv3WindowChunks;

} // namespace

void lut64_conv3_avx512(const Lut64Conv3Rows &r, const FastWeights &w, const Epilogue &e,
                        std::int64_t n0, std::int64_t n1) {
  if (!lut64_conv3_weights(w) || w.nibbles.empty())
    throw std::logic_error("samd: lut64_conv3: weights are not 3 kernel rows of W2 in the Lut "
                           "format with K % 72 == 0");
  if (n0 < 0 || n0 > n1 || n1 > w.n)
    throw std::logic_error("samd: lut64_conv3: column range outside [0, N]");
  const std::int64_t cp = w.k / 9;
  if (r.ct < cp)
    throw std::logic_error("samd: lut64_conv3: input rows closer than the channels (ct < K / 9)");
  if (r.m <= 0 || n0 == n1)
    return;
  // Every offset the tiles read: input rows 0 .. m + 1, channels 0 .. cp - 1 (one run when the
  // rows are adjacent).
  if (r.ct == cp ? !offsets_valid(r.index, (r.m + 2) * cp) : [&] {
        for (std::int64_t yy = 0; yy < r.m + 2; ++yy)
          if (!offsets_valid(r.index + yy * r.ct, cp))
            return true;
        return false;
      }())
    bad_offset();
  Ctx c{e, n0, n1, 0, 0, lut64_tables(), nullptr, nullptr};
  if (e.int32_exact) {
    const Int32Columns k = int32_columns(e, n0, n1);
    c.dz32 = k.dz;
    c.fixed32 = k.fixed;
  }
  thread_local std::vector<Line> wide;
  const std::vector<ColBlock> cols = panels_of(w, n0, n1, wide).blocks(kLut64Conv3MaxCols);
  int widest = 1;
  for (const ColBlock &cb : cols)
    widest = std::max(widest, cb.c);
  const std::int64_t rmax = lut64_conv3_max_rows(widest), nb = (r.m + rmax - 1) / rmax;
  const std::int64_t chunks = cp / 8,
                     ks = 48 * cp; // ks: bytes from a kernel row's vectors to the next
  const bool int32 = c.dz32 != nullptr;
  for (const ColBlock &cb : cols)
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::int64_t m0 = r.m * b / nb;
      const int R = static_cast<int>(r.m * (b + 1) / nb - m0), NL = R * cb.c;
      alignas(64) std::uint8_t buf[kLanes * 192];
      std::memset(buf, 0, static_cast<std::size_t>(NL) * 128);
      Sums s;
      const Conv3Fn run = kConv3Fns[static_cast<std::size_t>((cb.c - 1) * kConv3Rows + (R - 1))];
      const std::uint16_t *op = r.index + m0 * r.ct;
      for (std::int64_t done = 0; done < chunks;) {
        const std::int64_t n = std::min(chunks - done, kConv3WindowChunks);
        run(cb.wp + done * kChunkBytes, cb.ps, ks, op + done * 8, 2 * r.ct, c.tab, buf, n);
        done += n;
        if (done < chunks)
          flush_u16(buf, NL, int32, s);
      }
      finish(c, m0, R, cb, buf, s);
    }
}

void lut64_index_avx512(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad,
                        std::int64_t groups, std::int64_t stride, std::uint16_t *out) {
  // 32 groups (8 blocks of 12 k, 96 bytes) per step: vpermi2b picks each group's 3 bytes from two
  // 64-byte loads (bytes past kpad masked to 0), word w of block b = w / 4, i = w % 4 taking
  // k = 12 b + 4 i + {0, 1, 2} (i < 3) or 12 b + {3, 7, 11} (i = 3).
  alignas(64) std::uint8_t i01[64], i2[64];
  for (int w = 0; w < 32; ++w) {
    const int b = w / 4, i = w % 4;
    auto pos = [&](int s) {
      return static_cast<std::uint8_t>(12 * b + (i < 3 ? 4 * i + s : 4 * s + 3));
    };
    i01[2 * w] = pos(0);
    i01[2 * w + 1] = pos(1);
    i2[2 * w] = pos(2);
    i2[2 * w + 1] = 0;
  }
  const __m512i p01 = _mm512_load_si512(i01), p2 = _mm512_load_si512(i2);
  const __m512i m6 = _mm512_set1_epi16(0x00C0), m8 = _mm512_set1_epi16(0x0300),
                m10 = _mm512_set1_epi16(0x0C00);
  auto load = [&](const std::uint8_t *row, std::int64_t at) {
    const std::int64_t left = kpad - at;
    if (left >= 64)
      return _mm512_loadu_si512(row + at);
    if (left <= 0)
      return _mm512_setzero_si512();
    return _mm512_maskz_loadu_epi8((__mmask64{1} << left) - 1, row + at);
  };
  for (std::int64_t m = 0; m < M; ++m) {
    const std::uint8_t *row = bytes + m * kpad;
    std::uint16_t *o = out + m * stride;
    for (std::int64_t j = 0; j < groups; j += 32) {
      const std::int64_t at = j / 4 * 12;
      const __m512i x0 = load(row, at), x1 = load(row, at + 64);
      const __m512i a01 = _mm512_permutex2var_epi8(x0, p01, x1);
      const __m512i a2 = _mm512_maskz_permutex2var_epi8(0x5555555555555555ull, x0, p2, x1);
      // 64 * (ua0 | ua1 << 2 | ua2 << 4): ua0 from bits 0-1 to 6-7, ua1 at bits 8-9 as it is,
      // ua2 from bits 0-1 to 10-11.
      const __m512i v =
          _mm512_or_si512(_mm512_or_si512(_mm512_and_si512(_mm512_slli_epi16(a01, 6), m6),
                                          _mm512_and_si512(a01, m8)),
                          _mm512_and_si512(_mm512_slli_epi16(a2, 10), m10));
      const std::int64_t n = std::min<std::int64_t>(32, groups - j);
      _mm512_mask_storeu_epi16(o + j, n >= 32 ? ~__mmask32{0} : (__mmask32{1} << n) - 1, v);
    }
  }
}

} // namespace samd::kernels::detail::fast
