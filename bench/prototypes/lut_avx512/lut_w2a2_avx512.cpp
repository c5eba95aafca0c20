// Prototype: table-lookup (LUT) W2A2 GEMM kernel for AVX-512 (VBMI vpermb / BW vpshufb).
//   D[m][n] = sum_k a[m][k] * u[n][k],  a, u in 0..3 (2-bit unsigned), D int32.
// Not integrated into samd; a standalone measurement (see README.md here).
//
// Schedule (kernels/include/samd/kernels/fast_bounds.hpp, LUT block, ab = wb = 2):
//   - a weight nibble holds g = 2 weights (u0 | u1 << 2); the index a = a0 | a1 << 2;
//     entry TT[a][nib] = lut_entry(2, 2, a, nib) = a0 * u0 + a1 * u1 <= 18;
//   - u8 stage: a byte lane adds at most lut_u8_steps(2, 2) = 14 entries (14 * 18 = 252);
//   - u16 stage: a widening adds one u8 lane to one u16 lane (even bytes: and 0x00FF, odd
//     bytes: srli 8), at most kLutU16Widenings = 257 widenings (257 * 255 = 65,535), then the
//     u16 lanes are added to int32 sums. int32 is exact while K * 9 < 2^31, i.e. K <= 238,609,294
//     (asserted by the driver); a production kernel would use int64 past that.
// Weight format "Nibbles": panels of 64 columns; vector v of panel P (64 bytes), byte l:
//   bits 0-3 = nib(col 64P + l, step 2v), bits 4-7 = nib(col 64P + l, step 2v + 1);
//   step s covers k = 2s, 2s + 1; zero past K and N.
// Activations: idx[m * S2 + s] = a(m, s), S2 = steps rounded up to even (zero past K).
//
// Kernels (see README.md for the numbers):
//   - gemm<Op, flags, R, C>: intrinsics, R rows x C panels, vpermb (4x-replicated 64-byte table,
//     low nibble unmasked, high nibble vpsrlw 4) or vpshufb (and 0x0F); all lanes widen together.
//   - gemm_asm<R>: generated inline asm, R x 4 panels, u8 lane q widens after vector q % 7 of each
//     14-step chunk (staggered); the production candidate within the schedule.
//   - gemm_asm<R, true>: the same for W1A2 (wb = 1: 256 tables, 20-step u8 chunks).
//   - gemm_g3<R>: EXPERIMENTAL, outside the g = 2 schedule (3 weights per 64-entry lookup).
//
// Build: python3 gen_lut_asm.py > lut_w2a2_asm.inc   (optional: without it, intrinsics only)
//        g++ -O3 -std=c++20 -march=native -Wall -Wextra -Werror lut_w2a2_avx512.cpp -ldnnl -lgomp
//        (-DNO_DNNL: without oneDNN; the ratio then uses 525 GMAC/s)
// Run:   ./a.out            tests, then timings at 256x256x4096
//        ./a.out bench [reps] [M] [N] [K]
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on _mm512_undefined_* (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#ifndef NO_DNNL
#include <dnnl.hpp>
#endif

namespace {

// ---- the schedule (copied from fast_bounds.hpp so the prototype builds alone) ----
constexpr unsigned kAb = 2, kWb = 2, kG = 4 / kWb;
template <class T> constexpr T lut_entry(unsigned ab, unsigned wb, const T &a, const T &nib) {
  const unsigned amask = (1u << ab) - 1, wmask = (1u << wb) - 1;
  T s = a - a;
  for (unsigned t = 0; t < 4 / wb; ++t)
    s = s + ((a >> (t * ab)) & amask) * ((nib >> (t * wb)) & wmask);
  return s;
}
constexpr std::int64_t kLutMaxEntry = std::int64_t{kG} * 3 * 3;
constexpr int kU8Steps = int(255 / kLutMaxEntry); // lut_u8_steps(2, 2)
constexpr int kU16Widenings = 257;                // kLutU16Widenings
static_assert(kU8Steps == 14 && kU8Steps * kLutMaxEntry <= 255 && kU16Widenings * 255 <= 65535);
constexpr int kU8Vectors = kU8Steps / 2; // a weight vector holds 2 steps
static_assert(kU8Steps % 2 == 0);

struct Tables {
  alignas(64) std::uint8_t t64[16][64]; // TT[a] replicated 4x (vpermb)
  alignas(64) std::uint8_t t16[16][16]; // TT[a] once (vbroadcasti32x4 + vpshufb)
  Tables() {
    for (unsigned a = 0; a < 16; ++a)
      for (unsigned nib = 0; nib < 16; ++nib) {
        const auto e = static_cast<std::uint8_t>(lut_entry<unsigned>(kAb, kWb, a, nib));
        t16[a][nib] = e;
        for (int r = 0; r < 4; ++r)
          t64[a][16 * r + nib] = e;
      }
  }
};
const Tables kT;

// W1A2 (ab = 2, wb = 1): TT1[a][nib] = lut_entry(2, 1, a, nib) <= 12, replicated 4x; 16 KB.
struct Tables1 {
  alignas(64) std::uint8_t t64[256][64];
  Tables1() {
    for (unsigned a = 0; a < 256; ++a)
      for (unsigned nib = 0; nib < 16; ++nib)
        for (int r = 0; r < 4; ++r)
          t64[a][16 * r + nib] = static_cast<std::uint8_t>(lut_entry<unsigned>(2, 1, a, nib));
  }
};
const Tables1 kT1;
constexpr int kU8StepsW1 = 255 / (4 * 3 * 1); // lut_u8_steps(2, 1) = 21
static_assert(kU8StepsW1 == 21);

// ---- packing ----
struct Packed {
  int M = 0, N = 0, K = 0, S = 0, V = 0, S2 = 0, P = 0, wb = 2;
  std::vector<std::uint8_t, std::allocator<std::uint8_t>> w_raw, idx;
  std::vector<std::uint16_t> off6; // experimental g = 3 activation format (g3_offsets)
  int groups6 = 0;
  std::uint8_t *w = nullptr; // 64-byte aligned into w_raw
};

// wb = 2 (W2A2, the format above) or 1 (W1A2: a nibble holds 4 one-bit weights, weight t at bit
// t; step s covers k = 4s..4s+3; idx = a0 | a1 << 2 | a2 << 4 | a3 << 6, 256 tables).
void pack(const std::vector<std::uint8_t> &a, const std::vector<std::uint8_t> &u, int M, int N,
          int K, Packed &p, int wb = 2) {
  const int g = 4 / wb; // weights per nibble = k per step
  p.M = M, p.N = N, p.K = K, p.wb = wb;
  p.S = (K + g - 1) / g;
  p.V = (p.S + 1) / 2;
  p.S2 = 2 * p.V;
  p.P = (N + 63) / 64;
  p.w_raw.assign(std::size_t(p.P) * p.V * 64 + 64, 0);
  auto base = reinterpret_cast<std::uintptr_t>(p.w_raw.data());
  p.w = p.w_raw.data() + ((64 - base % 64) % 64);
  auto uw = [&](int n, int k) -> unsigned {
    return (n < N && k < K) ? u[std::size_t(n) * K + k] : 0;
  };
  auto ua = [&](int m, int k) -> unsigned { return k < K ? a[std::size_t(m) * K + k] : 0; };
  for (int P = 0; P < p.P; ++P)
    for (int v = 0; v < p.V; ++v)
      for (int l = 0; l < 64; ++l) {
        const int n = 64 * P + l;
        unsigned b = 0;
        for (int h = 0; h < 2; ++h) {
          const int s = 2 * v + h;
          unsigned nib = 0;
          for (int t = 0; t < g; ++t)
            nib |= uw(n, g * s + t) << (t * wb);
          b |= nib << (4 * h);
        }
        p.w[(std::size_t(P) * p.V + v) * 64 + l] = static_cast<std::uint8_t>(b);
      }
  p.idx.assign(std::size_t(M) * p.S2, 0);
  for (int m = 0; m < M; ++m)
    for (int s = 0; s < p.S2; ++s) {
      unsigned x = 0;
      for (int t = 0; t < g; ++t)
        x |= ua(m, g * s + t) << (2 * t);
      p.idx[std::size_t(m) * p.S2 + s] = static_cast<std::uint8_t>(x);
    }
}

void g3_offsets(const Packed &p, int &groups, std::vector<std::uint16_t> &off);
void pack_g3(Packed &p) { g3_offsets(p, p.groups6, p.off6); }

void reference(const std::vector<std::uint8_t> &a, const std::vector<std::uint8_t> &u, int M, int N,
               int K, std::vector<std::int64_t> &D) {
  D.assign(std::size_t(M) * N, 0);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      std::int64_t s = 0;
      for (int k = 0; k < K; ++k)
        s += std::int64_t{a[std::size_t(m) * K + k]} * u[std::size_t(n) * K + k];
      D[std::size_t(m) * N + n] = s;
    }
}

// ---- kernel ----
enum class Op { Permb, Shufb };

// Adds the u16 accumulators (even / odd columns of 64) to 64 int32 sums in column order.
inline void flush_u16(const std::uint16_t *even, const std::uint16_t *odd, std::int32_t *acc32) {
  const __m512i e = _mm512_load_si512(even), o = _mm512_load_si512(odd);
  // interleave: word 2w = e[w], word 2w+1 = o[w]; lo holds columns 0..31, hi 32..63
  alignas(64) static constexpr std::uint16_t lo_i[32] = {0,  32, 1,  33, 2,  34, 3,  35, 4,  36, 5,
                                                         37, 6,  38, 7,  39, 8,  40, 9,  41, 10, 42,
                                                         11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
  alignas(64) static constexpr std::uint16_t hi_i[32] = {16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21,
                                                         53, 22, 54, 23, 55, 24, 56, 25, 57, 26, 58,
                                                         27, 59, 28, 60, 29, 61, 30, 62, 31, 63};
  const __m512i lo = _mm512_permutex2var_epi16(e, _mm512_load_si512(lo_i), o);
  const __m512i hi = _mm512_permutex2var_epi16(e, _mm512_load_si512(hi_i), o);
  const __m512i parts[4] = {_mm512_cvtepu16_epi32(_mm512_castsi512_si256(lo)),
                            _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(lo, 1)),
                            _mm512_cvtepu16_epi32(_mm512_castsi512_si256(hi)),
                            _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(hi, 1))};
  for (int q = 0; q < 4; ++q)
    _mm512_store_si512(acc32 + 16 * q,
                       _mm512_add_epi32(_mm512_load_si512(acc32 + 16 * q), parts[q]));
}

// Variant knobs.
enum : unsigned {
  kPre = 1,  // high nibbles pre-shifted once per GEMM call into a scratch copy (loads instead of
             // vpsrlw)
  kMemT = 2, // vpermb reads its table from memory (no table register; C table loads per row-step)
};

struct Ctx {
  const Packed &p;
  const std::uint8_t (*t64)[64]; // kT.t64 (W2A2) or kT1.t64 (W1A2)
  const std::uint8_t *hi;        // kPre: vector v of panel P = (that weight vector) >> 4 (vpsrlw)
};

// One tile: R rows x C panels (64 columns each), all of K.
template <Op OP, unsigned F, int R, int C>
__attribute__((noinline)) void tile(const Ctx &ctx, int m0, int P0, std::int32_t *D, int ldd) {
  const Packed &p = ctx.p;
  alignas(64) std::uint16_t acc16[R][C][2][32];
  alignas(64) std::int32_t acc32[R][C * 64];
  std::memset(acc16, 0, sizeof acc16);
  std::memset(acc32, 0, sizeof acc32);
  const std::size_t pstride = std::size_t(p.V) * 64;
  const std::uint8_t *wp = p.w + std::size_t(P0) * pstride;
  const std::uint8_t *hp = (F & kPre) ? ctx.hi + std::size_t(P0) * pstride : nullptr;
  const std::uint8_t *ip = p.idx.data() + std::size_t(m0) * p.S2;
  const std::size_t S2 = p.S2;
  const __m512i lo8 = _mm512_set1_epi16(0x00FF), nib_mask = _mm512_set1_epi8(0x0F);
  int widenings = 0;
  for (int v0 = 0; v0 < p.V; v0 += kU8Vectors) {
    const int v1 = std::min(p.V, v0 + kU8Vectors);
    __m512i a8[R][C];
    // One weight vector = 2 steps; the first step of a chunk sets the u8 lanes instead of adding.
    auto vec = [&]<bool First>(int v, std::bool_constant<First>) __attribute__((always_inline)) {
      for (int h = 0; h < 2; ++h) {
        __m512i x[C];
        for (int j = 0; j < C; ++j) {
          const std::size_t off = j * pstride + std::size_t(v) * 64;
          if constexpr (OP == Op::Permb) {
            // vpermb reads index bits 0-5: bits 4-5 pick one of the 4 equal replicas, 6-7 are
            // ignored
            if (h == 0)
              x[j] = _mm512_load_si512(wp + off);
            else if constexpr (F & kPre)
              x[j] = _mm512_load_si512(hp + off);
            else
              x[j] = _mm512_srli_epi16(_mm512_load_si512(wp + off), 4);
          } else { // vpshufb zeroes a lane whose index has bit 7 set: mask to the nibble
            const __m512i w = _mm512_load_si512(wp + off);
            x[j] = _mm512_and_si512(h == 0 ? w : _mm512_srli_epi16(w, 4), nib_mask);
          }
        }
        for (int i = 0; i < R; ++i) {
          const unsigned a = ip[i * S2 + 2 * v + h];
          __m512i tb;
          if constexpr (OP == Op::Permb)
            tb = _mm512_load_si512(ctx.t64[a]);
          else
            tb = _mm512_broadcast_i32x4(
                _mm_load_si128(reinterpret_cast<const __m128i *>(kT.t16[a])));
          for (int j = 0; j < C; ++j) {
            if (First && h == 0) {
              a8[i][j] = OP == Op::Permb ? _mm512_permutexvar_epi8(x[j], tb)
                                         : _mm512_shuffle_epi8(tb, x[j]);
              continue;
            }
            // lookup + add as one asm block: with intrinsics GCC 12 reassociates the adds and
            // adds a register move per add (measured ~1.1 instead of ~1.4 lookups per cycle).
            __m512i e;
            if constexpr (OP == Op::Permb && (F & kMemT))
              asm("vpermb %[t], %[x], %[e]\n\tvpaddb %[e], %[a], %[a]"
                  : [a] "+v"(a8[i][j]), [e] "=&v"(e)
                  : [t] "m"(ctx.t64[a]), [x] "v"(x[j]));
            else if constexpr (OP == Op::Permb)
              asm("vpermb %[t], %[x], %[e]\n\tvpaddb %[e], %[a], %[a]"
                  : [a] "+v"(a8[i][j]), [e] "=&v"(e)
                  : [t] "v"(tb), [x] "v"(x[j]));
            else
              asm("vpshufb %[x], %[t], %[e]\n\tvpaddb %[e], %[a], %[a]"
                  : [a] "+v"(a8[i][j]), [e] "=&v"(e)
                  : [t] "v"(tb), [x] "v"(x[j]));
          }
        }
      }
    };
    // u8 stage: at most kU8Vectors vectors = kU8Steps steps, one entry per step and lane.
    vec(v0, std::true_type{});
    if (v1 - v0 == kU8Vectors) {
#pragma GCC unroll 16
      for (int t = 1; t < kU8Vectors; ++t)
        vec(v0 + t, std::false_type{});
    } else {
      for (int v = v0 + 1; v < v1; ++v)
        vec(v, std::false_type{});
    }
    // u16 stage: one widening of each u8 lane into one u16 lane.
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j) {
        __m512i *ev = reinterpret_cast<__m512i *>(acc16[i][j][0]);
        __m512i *od = reinterpret_cast<__m512i *>(acc16[i][j][1]);
        // even bytes (and 0x00FF) and odd bytes (srli 8) into the L1-resident u16 lanes
        __m512i t;
        asm("vpandd %[m], %[a], %[t]\n\tvpaddw %[ev], %[t], %[t]\n\tvmovdqa64 %[t], %[ev]\n\t"
            "vpsrlw $8, %[a], %[t]\n\tvpaddw %[od], %[t], %[t]\n\tvmovdqa64 %[t], %[od]"
            : [ev] "+m"(*ev), [od] "+m"(*od), [t] "=&v"(t)
            : [a] "v"(a8[i][j]), [m] "v"(lo8));
      }
    if (++widenings == kU16Widenings) {
      for (int i = 0; i < R; ++i)
        for (int j = 0; j < C; ++j)
          flush_u16(acc16[i][j][0], acc16[i][j][1], acc32[i] + 64 * j);
      std::memset(acc16, 0, sizeof acc16);
      widenings = 0;
    }
  }
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < C; ++j)
      flush_u16(acc16[i][j][0], acc16[i][j][1], acc32[i] + 64 * j);
  const int ncols = std::min(C * 64, p.N - 64 * P0);
  for (int i = 0; i < R; ++i)
    std::memcpy(D + std::size_t(m0 + i) * ldd + 64 * P0, acc32[i], sizeof(std::int32_t) * ncols);
}

using TileFn = void (*)(const Ctx &, int, int, std::int32_t *, int);
template <Op OP, unsigned F, int R, int C>
constexpr std::array<std::array<TileFn, C>, R> make_tiles() {
  std::array<std::array<TileFn, C>, R> t{};
  auto row = [&]<int I>(std::integral_constant<int, I>) {
    [&]<int... J>(std::integer_sequence<int, J...>) {
      ((t[I][J] = &tile<OP, F, I + 1, J + 1>), ...);
    }
    (std::make_integer_sequence<int, C>{});
  };
  [&]<int... I>(std::integer_sequence<int, I...>) { (row(std::integral_constant<int, I>{}), ...); }
  (std::make_integer_sequence<int, R>{});
  return t;
}

// Column blocks outer (C panels = C*64 columns, reused from L2), row blocks inner.
template <Op OP, unsigned F, int R, int C> void gemm(const Packed &p, std::int32_t *D) {
  assert(std::int64_t{p.K} * 9 < (std::int64_t{1} << 31));
  static constexpr auto tiles = make_tiles<OP, F, R, C>();
  std::unique_ptr<std::uint8_t[], void (*)(void *)> hi(nullptr, std::free);
  if constexpr ((F & kPre) != 0) {
    const std::size_t n = std::size_t(p.P) * p.V;
    hi.reset(static_cast<std::uint8_t *>(std::aligned_alloc(64, 64 * n + 64)));
    for (std::size_t q = 0; q < n; ++q)
      _mm512_store_si512(hi.get() + 64 * q, _mm512_srli_epi16(_mm512_load_si512(p.w + 64 * q), 4));
  }
  const Ctx ctx{p, p.wb == 1 ? kT1.t64 : kT.t64, hi.get()};
  for (int P0 = 0; P0 < p.P; P0 += C) {
    const int c = std::min(C, p.P - P0);
    for (int m0 = 0; m0 < p.M; m0 += R) {
      const int r = std::min(R, p.M - m0);
      tiles[r - 1][c - 1](ctx, m0, P0, D, p.N);
    }
  }
}

// ---- the hand-scheduled vpermb kernel (R rows x 4 panels, staggered widening) ----
// Its inline asm is generated: python3 gen_lut_asm.py > lut_w2a2_asm.inc (not committed, 350 KB).
// Without the file the prototype builds with the intrinsics kernels only.
#if __has_include("lut_w2a2_asm.inc")
#define LUT_HAVE_ASM 1
alignas(64) const std::uint16_t kLo8[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
template <int R>
void run_chunks(const std::uint8_t *wp, std::size_t ps, const std::uint8_t *ip, std::size_t s2,
                const std::uint8_t *tab, std::uint8_t *a16, long n);
template <int R>
void run_chunks_w1(const std::uint8_t *wp, std::size_t ps, const std::uint8_t *ip, std::size_t s2,
                   const std::uint8_t *tab, std::uint8_t *a16, long n);
// experimental g = 3 kernel (see gen_lut_asm.py gen_g3)
alignas(4) const std::uint32_t kSel03 = 0x03030303u, kSel0F = 0x0F0F0F0Fu;
template <int R>
void run_chunks_g3(const std::uint8_t *wp, std::size_t ps, const std::uint16_t *op, std::size_t g2,
                   const std::uint8_t *tab, std::uint8_t *a16, long n);
#include "lut_w2a2_asm.inc"

// Full tile R x 4 panels: run_chunks over the full chunks (at most 255 per u16 window), then the
// tail vectors (< 7) with intrinsics. Per u16 window a lane is widened <= 255 times by
// run_chunks + once before and once after the tail: <= 257 = kLutU16Widenings.
// W1 = false: W2A2, 7 vectors (14 steps, entries <= 18) per u8 stage; W1 = true: W1A2, 10 vectors
// (20 steps <= lut_u8_steps(2, 1) = 21, entries <= 12).
template <int R, bool W1 = false>
__attribute__((noinline)) void tile_asm(const Ctx &ctx, int m0, int P0, std::int32_t *D, int ldd) {
  constexpr int NV = W1 ? 10 : kU8Vectors;
  constexpr int C = 4, NL = R * C;
  const Packed &p = ctx.p;
  alignas(64)
      std::uint8_t buf[NL * 128 + NL * 64]; // u16 lanes (even, odd) per lane, then the a8 state
  alignas(64) std::int32_t acc32[R][C * 64];
  std::memset(buf, 0, sizeof buf);
  std::memset(acc32, 0, sizeof acc32);
  auto *a16 = reinterpret_cast<std::uint16_t *>(buf);
  std::uint8_t *st = buf + NL * 128;
  const std::size_t ps = std::size_t(p.V) * 64, S2 = p.S2;
  const std::uint8_t *wp = p.w + std::size_t(P0) * ps;
  const std::uint8_t *ip = p.idx.data() + std::size_t(m0) * S2;
  auto flush = [&] {
    for (int q = 0; q < NL; ++q)
      flush_u16(a16 + 64 * q, a16 + 64 * q + 32, acc32[q / C] + 64 * (q % C));
    std::memset(buf, 0, NL * 128);
  };
  auto widen = [&](int q) {
    const __m512i a = _mm512_load_si512(st + 64 * q);
    __m512i *ev = reinterpret_cast<__m512i *>(a16 + 64 * q), *od = ev + 1;
    _mm512_store_si512(ev, _mm512_add_epi16(*ev, _mm512_and_si512(a, _mm512_set1_epi16(0xFF))));
    _mm512_store_si512(od, _mm512_add_epi16(*od, _mm512_srli_epi16(a, 8)));
  };
  long chunks = p.V / NV;
  int v = 0;
  while (chunks > 0) {
    const long n = std::min(chunks, long{kU16Widenings - 2});
    if constexpr (W1)
      run_chunks_w1<R>(wp + std::size_t(v) * 64, ps, ip + 2 * v, S2, ctx.t64[0], buf, n);
    else
      run_chunks<R>(wp + std::size_t(v) * 64, ps, ip + 2 * v, S2, ctx.t64[0], buf, n);
    v += int(n) * NV;
    chunks -= n;
    if (chunks > 0)
      flush();
  }
  // lanes of phase < NV-1 hold unwidened steps (phase NV-1: already widened)
  for (int q = 0; q < NL; ++q)
    if (q % NV != NV - 1)
      widen(q);
  std::memset(st, 0, NL * 64);
  if (v < p.V) { // tail: < NV vectors, then one widening
    for (; v < p.V; ++v)
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < R; ++i) {
          const __m512i tb = _mm512_load_si512(ctx.t64[ip[i * S2 + 2 * v + h]]);
          for (int j = 0; j < C; ++j) {
            __m512i x = _mm512_load_si512(wp + j * ps + std::size_t(v) * 64);
            if (h)
              x = _mm512_srli_epi16(x, 4);
            __m512i *a = reinterpret_cast<__m512i *>(st + 64 * (i * C + j));
            _mm512_store_si512(a, _mm512_add_epi8(*a, _mm512_permutexvar_epi8(x, tb)));
          }
        }
    for (int q = 0; q < NL; ++q)
      widen(q);
  }
  flush();
  const int ncols = std::min(C * 64, p.N - 64 * P0);
  for (int i = 0; i < R; ++i)
    std::memcpy(D + std::size_t(m0 + i) * ldd + 64 * P0, acc32[i], sizeof(std::int32_t) * ncols);
}

template <int R, bool W1 = false> void gemm_asm(const Packed &p, std::int32_t *D) {
  assert(std::int64_t{p.K} * 9 < (std::int64_t{1} << 31));
  static constexpr auto tiles = make_tiles<Op::Permb, 0, R, 4>(); // edges (fewer rows / panels)
  const Ctx ctx{p, p.wb == 1 ? kT1.t64 : kT.t64, nullptr};
  for (int P0 = 0; P0 < p.P; P0 += 4) {
    const int c = std::min(4, p.P - P0);
    for (int m0 = 0; m0 < p.M; m0 += R) {
      const int r = std::min(R, p.M - m0);
      if (r == R && c == 4)
        tile_asm<R, W1>(ctx, m0, P0, D, p.N);
      else
        tiles[r - 1][c - 1](ctx, m0, P0, D, p.N);
    }
  }
}

#endif // LUT_HAVE_ASM

// ---- experimental g = 3 (6-bit index, 3 weights per lookup; NOT the fast_bounds g = 2 schedule)
// ---- Entry T6[a][w] = sum_t a_t * w_t over 3 weights (<= 27); u8 lanes add 8 lookups (<= 216).
struct Tables6 {
  alignas(64) std::uint8_t t[64][64];
  Tables6() {
    for (unsigned a = 0; a < 64; ++a)
      for (unsigned w = 0; w < 64; ++w) {
        unsigned e = 0;
        for (unsigned q = 0; q < 3; ++q)
          e += ((a >> (2 * q)) & 3) * ((w >> (2 * q)) & 3);
        t[a][w] = static_cast<std::uint8_t>(e);
      }
  }
};
const Tables6 kT6;

// Activation pre-pass (per GEMM call, O(M K)): per row and block of 3 weight vectors (12 k), the
// table byte offsets (index * 64) of the 4 lookups: k = 12b + 4t + {0, 1, 2} for t = 0..2, and
// k = 12b + {3, 7, 11}.
void g3_offsets(const Packed &p, int &groups, std::vector<std::uint16_t> &off) {
  // AVX-512 VBMI: 8 blocks (48 index bytes) -> 32 offsets per iteration. Word w (block b = w / 4,
  // t = w % 4): A = (lo, hi) index bytes (6b + 2t, 6b + 2t + 1) for t < 3, (6b + 1, 6b + 3) for
  // t = 3; B.lo = byte 6b + 5. Groups past V read bytes of no used vector (masked load at the end).
  const int nb = (p.V + 2) / 3;
  groups = 4 * nb;
  off.resize(std::size_t(p.M) * groups + 32);
  alignas(64) std::uint8_t ia[64], ib[64];
  for (int w = 0; w < 32; ++w) {
    const int b = w / 4, t = w % 4;
    ia[2 * w] = static_cast<std::uint8_t>(6 * b + (t < 3 ? 2 * t : 1));
    ia[2 * w + 1] = static_cast<std::uint8_t>(6 * b + (t < 3 ? 2 * t + 1 : 3));
    ib[2 * w] = ib[2 * w + 1] = static_cast<std::uint8_t>(6 * b + 5);
  }
  const __m512i pa = _mm512_load_si512(ia), pb = _mm512_load_si512(ib);
  const __mmask32 t3 = 0x88888888u;
  for (int m = 0; m < p.M; ++m) {
    const std::uint8_t *in = p.idx.data() + std::size_t(m) * p.S2;
    std::uint16_t *o = off.data() + std::size_t(m) * groups;
    for (int b = 0; b < nb; b += 8) {
      const long left = long(p.S2) - 6L * b;
      const __mmask64 lm = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
      const __m512i x = _mm512_maskz_loadu_epi8(lm, in + 6 * b);
      const __m512i A = _mm512_permutexvar_epi8(pa, x), B = _mm512_permutexvar_epi8(pb, x);
      const __m512i v012 =
          _mm512_or_si512(_mm512_and_si512(A, _mm512_set1_epi16(0x0F)),
                          _mm512_and_si512(_mm512_srli_epi16(A, 4), _mm512_set1_epi16(0x30)));
      const __m512i v3 = _mm512_or_si512(
          _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(A, 2), _mm512_set1_epi16(0x03)),
                          _mm512_and_si512(_mm512_srli_epi16(A, 8), _mm512_set1_epi16(0x0C))),
          _mm512_and_si512(_mm512_slli_epi16(B, 2), _mm512_set1_epi16(0x30)));
      const __m512i r = _mm512_slli_epi16(_mm512_mask_blend_epi16(t3, v012, v3), 6);
      const int n = std::min(32, groups - 4 * b);
      _mm512_mask_storeu_epi16(o + 4 * b, n >= 32 ? ~__mmask32{0} : (__mmask32{1} << n) - 1, r);
    }
  }
}

#ifdef LUT_HAVE_ASM
template <int R>
__attribute__((noinline)) void tile_g3(const Ctx &ctx, const std::uint16_t *off, int groups, int m0,
                                       int P0, std::int32_t *D, int ldd) {
  constexpr int C = 4, NL = R * C, NP = 8;
  const Packed &p = ctx.p;
  alignas(64) std::uint8_t buf[NL * 128 + NL * 64];
  alignas(64) std::int32_t acc32[R][C * 64];
  std::memset(buf, 0, sizeof buf);
  std::memset(acc32, 0, sizeof acc32);
  auto *a16 = reinterpret_cast<std::uint16_t *>(buf);
  std::uint8_t *st = buf + NL * 128;
  const std::size_t ps = std::size_t(p.V) * 64, S2 = p.S2;
  const std::uint8_t *wp = p.w + std::size_t(P0) * ps;
  const std::uint8_t *ip = p.idx.data() + std::size_t(m0) * S2;
  const std::uint16_t *op = off + std::size_t(m0) * groups;
  auto flush = [&] {
    for (int q = 0; q < NL; ++q)
      flush_u16(a16 + 64 * q, a16 + 64 * q + 32, acc32[q / C] + 64 * (q % C));
    std::memset(buf, 0, NL * 128);
  };
  auto widen = [&](int q) {
    const __m512i a = _mm512_load_si512(st + 64 * q);
    __m512i *ev = reinterpret_cast<__m512i *>(a16 + 64 * q), *od = ev + 1;
    _mm512_store_si512(ev, _mm512_add_epi16(*ev, _mm512_and_si512(a, _mm512_set1_epi16(0xFF))));
    _mm512_store_si512(od, _mm512_add_epi16(*od, _mm512_srli_epi16(a, 8)));
  };
  long chunks = p.V / 6;
  int v = 0;
  while (chunks > 0) {
    const long n = std::min(chunks, long{kU16Widenings - 2});
    run_chunks_g3<R>(wp + std::size_t(v) * 64, ps, op + (v / 6) * NP, 2 * std::size_t(groups),
                     kT6.t[0], buf, n);
    v += int(n) * 6;
    chunks -= n;
    if (chunks > 0)
      flush();
  }
  for (int q = 0; q < NL; ++q)
    if (q % NP != NP - 1)
      widen(q);
  std::memset(st, 0, NL * 64);
  if (v < p.V) { // tail (< 6 vectors = < 12 steps) with the g = 2 nibble tables, then one widening
    for (; v < p.V; ++v)
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < R; ++i) {
          const __m512i tb = _mm512_load_si512(ctx.t64[ip[i * S2 + 2 * v + h]]);
          for (int j = 0; j < C; ++j) {
            __m512i x = _mm512_load_si512(wp + j * ps + std::size_t(v) * 64);
            if (h)
              x = _mm512_srli_epi16(x, 4);
            __m512i *a = reinterpret_cast<__m512i *>(st + 64 * (i * C + j));
            _mm512_store_si512(a, _mm512_add_epi8(*a, _mm512_permutexvar_epi8(x, tb)));
          }
        }
    for (int q = 0; q < NL; ++q)
      widen(q);
  }
  flush();
  const int ncols = std::min(C * 64, p.N - 64 * P0);
  for (int i = 0; i < R; ++i)
    std::memcpy(D + std::size_t(m0 + i) * ldd + 64 * P0, acc32[i], sizeof(std::int32_t) * ncols);
}

template <int R>
void gemm_g3_core(const Packed &p, const std::vector<std::uint16_t> &off, int groups,
                  std::int32_t *D) {
  assert(std::int64_t{p.K} * 9 < (std::int64_t{1} << 31));
  static constexpr auto tiles = make_tiles<Op::Permb, 0, R, 4>(); // edges: g = 2 intrinsics tiles
  const Ctx ctx{p, p.wb == 1 ? kT1.t64 : kT.t64, nullptr};
  for (int P0 = 0; P0 < p.P; P0 += 4) {
    const int c = std::min(4, p.P - P0);
    for (int m0 = 0; m0 < p.M; m0 += R) {
      const int r = std::min(R, p.M - m0);
      if (r == R && c == 4)
        tile_g3<R>(ctx, off.data(), groups, m0, P0, D, p.N);
      else
        tiles[r - 1][c - 1](ctx, m0, P0, D, p.N);
    }
  }
}
// Activation offsets built by pack_g3 (an activation quantizer would emit them directly).
template <int R> void gemm_g3(const Packed &p, std::int32_t *D) {
  gemm_g3_core<R>(p, p.off6, p.groups6, D);
}
// The same, rebuilding the activation offsets from idx in every call.
template <int R> void gemm_g3_prepass(const Packed &p, std::int32_t *D) {
  static std::vector<std::uint16_t> off;
  int groups = 0;
  g3_offsets(p, groups, off);
  gemm_g3_core<R>(p, off, groups, D);
}
#endif // LUT_HAVE_ASM

struct Variant {
  std::string name;
  void (*fn)(const Packed &, std::int32_t *);
};
const std::vector<Variant> &variants() {
  static const std::vector<Variant> v = {
#ifdef LUT_HAVE_ASM
      {"asm g3 vpermb64 R4C4 (exp)", gemm_g3<4>},
      {"asm g3 vpermb64 R5C4 (exp)", gemm_g3<5>},
      {"asm g3 R4C4 + pre-pass (exp)", gemm_g3_prepass<4>},
      {"asm vpermb R4C4 stagger", gemm_asm<4>},
      {"asm vpermb R5C4 stagger", gemm_asm<5>},
      {"asm vpermb R6C4 stagger", gemm_asm<6>},
#endif
      {"vpermb R4C4", gemm<Op::Permb, 0, 4, 4>},
      {"vpermb R5C4", gemm<Op::Permb, 0, 5, 4>},
      {"vpermb R8C2", gemm<Op::Permb, 0, 8, 2>},
      {"vpermb R4C4 pre", gemm<Op::Permb, kPre, 4, 4>},
      {"vpermb R4C4 memT", gemm<Op::Permb, kMemT, 4, 4>},
      {"vpshufb R4C4", gemm<Op::Shufb, 0, 4, 4>},
  };
  return v;
}
// W1A2 (wb = 1): the same vpermb kernels with the 256 W1A2 tables and 10-vector u8 stages.
const std::vector<Variant> &variants_w1() {
  static const std::vector<Variant> v = {
#ifdef LUT_HAVE_ASM
      {"W1A2 asm vpermb R4C4", gemm_asm<4, true>},
      {"W1A2 asm vpermb R5C4", gemm_asm<5, true>},
      {"W1A2 asm vpermb R6C4", gemm_asm<6, true>},
#endif
      {"W1A2 vpermb R4C4 intrin", gemm<Op::Permb, 0, 4, 4>},
  };
  return v;
}

double thread_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

std::vector<std::uint8_t> random_vals(std::mt19937_64 &g, std::size_t n, unsigned mask = 3) {
  std::vector<std::uint8_t> v(n);
  for (auto &x : v)
    x = static_cast<std::uint8_t>(g() & mask);
  return v;
}

// wb = 2: W2A2 variants; wb = 1: W1A2 variants (K scaled so the same u8 / u16 flush points are
// crossed).
int run_tests(int wb) {
  std::mt19937_64 g(12345 + wb);
  const auto &vars = wb == 2 ? variants() : variants_w1();
  struct Case {
    int M, N, K;
    bool all3;
  };
  std::vector<Case> cases;
  for (int K : {0, 1, 2, 3, 4, 5, 27, 28, 29, 30, 55, 56, 57, 100, 4095, 4096})
    for (auto [M, N] : std::vector<std::pair<int, int>>{
             {1, 1}, {3, 65}, {7, 200}, {9, 63}, {17, 129}, {8, 256}, {13, 300}})
      cases.push_back({M, N, K, false});
  // crosses the u8 flush (14 steps) and the u16 flush (257 widenings) more than once
  const int kBig = 2 * 14 * 257 * 2 + 3;
  cases.push_back({3, 70, kBig, true});
  cases.push_back({9, 130, kBig, false});
  cases.push_back({2, 5, 2 * 14 * 257 + 1, true});
  // the same for the full R x 4-panel tiles of the asm kernels (M >= 6, N >= 256) and edges
  cases.push_back({7, 257, kBig, true});
  cases.push_back({13, 300, kBig, false});
  cases.push_back({6, 256, 2 * 14 * 255 * 2, true}); // 2 x 255 chunks, no tail
  cases.push_back(
      {6, 256, 4 * (255 * 7 + 3), true});          // 255 chunks + tail: 257 widenings per u16 lane
  cases.push_back({12, 256, 14 * 14 * 3, false});  // whole chunks only
  if (wb == 1) {                                   // W1A2: u8 stage = 10 vectors = 20 steps = 80 k
    cases.push_back({6, 256, 80 * 255 * 2, true}); // 2 x 255 chunks, no tail
    cases.push_back({6, 256, 8 * (255 * 10 + 3), true}); // 255 chunks + tail: 257 widenings
    cases.push_back({7, 300, 80 * 257 * 2 + 5, false});
  }
  int fails = 0, runs = 0;
  for (const auto &c : cases) {
    const unsigned wmax = wb == 2 ? 3 : 1;
    auto a = random_vals(g, std::size_t(c.M) * c.K),
         u = random_vals(g, std::size_t(c.N) * c.K, wmax);
    if (c.all3) {
      std::fill(a.begin(), a.end(), 3);
      std::fill(u.begin(), u.end(), wmax);
    } // max entries: worst case
    Packed p;
    pack(a, u, c.M, c.N, c.K, p, wb);
    if (wb == 2)
      pack_g3(p);
    std::vector<std::int64_t> ref;
    reference(a, u, c.M, c.N, c.K, ref);
    for (const auto &var : vars) {
      std::vector<std::int32_t> D(std::size_t(c.M) * c.N, -1);
      var.fn(p, D.data());
      ++runs;
      for (std::size_t i = 0; i < D.size(); ++i)
        if (D[i] != ref[i]) {
          std::printf("FAIL %s M=%d N=%d K=%d at %zu: %d != %lld\n", var.name.c_str(), c.M, c.N,
                      c.K, i, D[i], (long long)ref[i]);
          ++fails;
          break;
        }
    }
  }
  std::printf("tests W%dA2: %zu shapes x %zu variants = %d runs, %d failures\n", wb, cases.size(),
              vars.size(), runs, fails);
  return fails;
}

#ifndef NO_DNNL
// oneDNN u8 x s8 -> s32 matmul, M x K times K x N, same process.
double time_dnnl(int M, int N, int K, int reps) {
  using namespace dnnl;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  memory::desc a_md({M, K}, memory::data_type::u8, memory::format_tag::ab);
  memory::desc b_md({K, N}, memory::data_type::s8, memory::format_tag::any);
  memory::desc c_md({M, N}, memory::data_type::s32, memory::format_tag::ab);
  matmul::desc d(a_md, b_md, c_md);
  matmul::primitive_desc pd(d, eng);
  memory A(a_md, eng), Bplain({{K, N}, memory::data_type::s8, memory::format_tag::ab}, eng),
      B(pd.weights_desc(), eng), C(c_md, eng);
  std::mt19937_64 g(7);
  auto *ap = static_cast<std::uint8_t *>(A.get_data_handle());
  for (std::size_t i = 0; i < std::size_t(M) * K; ++i)
    ap[i] = static_cast<std::uint8_t>(g() & 3);
  auto *bp = static_cast<std::int8_t *>(Bplain.get_data_handle());
  for (std::size_t i = 0; i < std::size_t(K) * N; ++i)
    bp[i] = static_cast<std::int8_t>(g() & 3);
  reorder(Bplain, B).execute(s, Bplain, B); // pre-packed weights, like our packed nibbles
  matmul mm(pd);
  std::printf("oneDNN impl: %s\n", pd.impl_info_str());
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double t0 = thread_seconds();
    mm.execute(s, {{DNNL_ARG_SRC, A}, {DNNL_ARG_WEIGHTS, B}, {DNNL_ARG_DST, C}});
    s.wait();
    best = std::min(best, thread_seconds() - t0);
  }
  return best;
}
#endif

} // namespace

#ifndef NO_DNNL
extern "C" void omp_set_num_threads(int); // oneDNN's Debian build runs on OpenMP (libgomp)
#endif

int main(int argc, char **argv) {
#ifndef NO_DNNL
  omp_set_num_threads(1); // single thread, like the LUT kernel
#endif
  const bool bench_only = argc > 1 && std::string(argv[1]) == "bench";
  if (!bench_only && run_tests(2) + run_tests(1) != 0)
    return 1;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 40, M = argc > 3 ? std::atoi(argv[3]) : 256,
            N = argc > 4 ? std::atoi(argv[4]) : 256, K = argc > 5 ? std::atoi(argv[5]) : 4096;
  const double macs = double(M) * N * K;
  std::mt19937_64 g(99);
  auto a = random_vals(g, std::size_t(M) * K), u = random_vals(g, std::size_t(N) * K);
  Packed p;
  pack(a, u, M, N, K, p);
  pack_g3(p);
  std::vector<std::int64_t> ref;
  reference(a, u, M, N, K, ref);
  std::printf("%dx%dx%d, best of %d (thread CPU time)\n", M, N, K, reps);
#ifndef NO_DNNL
  const double td = time_dnnl(M, N, K, reps);
  std::printf("%-28s %8.1f GMAC/s\n", "oneDNN u8s8s32", macs / td / 1e9);
#else
  const double td = macs / 525e9;
  std::printf("%-28s %8.1f GMAC/s (assumed)\n", "oneDNN u8s8s32", macs / td / 1e9);
#endif
  {
    double best = 1e30;
    std::vector<std::uint16_t> off;
    for (int r = 0; r < reps; ++r) {
      const double t0 = thread_seconds();
      int groups = 0;
      g3_offsets(p, groups, off);
      asm volatile("" ::"r"(off.data()) : "memory");
      best = std::min(best, thread_seconds() - t0);
    }
    std::printf("(g3 activation pre-pass alone, AVX-512, not in the g3 times: %.1f us)\n",
                best * 1e6);
  }
  for (const auto &var : variants()) {
    std::vector<std::int32_t> D(std::size_t(M) * N);
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
      const double t0 = thread_seconds();
      var.fn(p, D.data());
      best = std::min(best, thread_seconds() - t0);
    }
    bool ok = true;
    for (std::size_t i = 0; i < D.size(); ++i)
      ok &= D[i] == ref[i];
    std::printf("%-28s %8.1f GMAC/s  %.2fx oneDNN  %s\n", var.name.c_str(), macs / best / 1e9,
                td / best, ok ? "exact" : "WRONG");
  }
  // W1A2: same shape, weights 0..1
  auto u1 = random_vals(g, std::size_t(N) * K, 1);
  Packed p1;
  pack(a, u1, M, N, K, p1, 1);
  reference(a, u1, M, N, K, ref);
  for (const auto &var : variants_w1()) {
    std::vector<std::int32_t> D(std::size_t(M) * N);
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
      const double t0 = thread_seconds();
      var.fn(p1, D.data());
      best = std::min(best, thread_seconds() - t0);
    }
    bool ok = true;
    for (std::size_t i = 0; i < D.size(); ++i)
      ok &= D[i] == ref[i];
    std::printf("%-28s %8.1f GMAC/s  %.2fx oneDNN  %s\n", var.name.c_str(), macs / best / 1e9,
                td / best, ok ? "exact" : "WRONG");
  }
  return 0;
}
