// NEON kernels (AArch64 Advanced SIMD, baseline: no dotprod / i8mm extensions needed). Compiled
// only for aarch64 targets (kernels/CMakeLists.txt); Advanced SIMD is mandatory there, so the path
// is always supported on such a CPU. Same contracts as the AVX2 kernels: for n in [n0, n1),
// D[m * N + n] = sum_k ua[m][k] * v[n][k] exactly. Accumulation bounds: fast_bounds.hpp.
#if !defined(__aarch64__)
#error "gemm_neon.cpp is for AArch64 targets only (kernels/CMakeLists.txt adds it there)"
#endif

#include <arm_neon.h>

#include <algorithm>
#include <cstdint>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {
namespace {

// Walk [0, M) x [n0, n1) in 2 x 2 blocks, with smaller blocks for the tails.
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

// ---------------------------------------------------------------------------------------------
// Bitserial: D = sum_ij 2^(i+j) popcount(A_i & W_j), one plane pair (i, j) at a time over all k.
// Counts go u8 -> u16 -> u64 in three stages, each flushed before a lane can overflow:
//   u8:  vcntq_u8 <= 8 per byte, at most kNeonCntU8Vectors = 31 vectors: <= 248
//   u16: vpadalq_u8 folds byte pairs, <= 16 per vector, at most kNeonCntU16Vectors = 4092: <=
//   65,472 u64: vpaddlq_u16 + vpadalq_u32.
// ---------------------------------------------------------------------------------------------
template <int MR, int NR>
void bitserial_block(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t m0,
                     std::int64_t n0) {
  const std::int64_t words = a.kpad / 64;
  // 128-bit vectors holding k < K. kpad is a multiple of 512, so the vector holding the last word
  // is inside the row; both sides are zero past K, so the AND is zero there.
  const std::int64_t vecs = ((w.k + 63) / 64 + 1) / 2;
  std::int64_t total[MR][NR] = {};
  for (unsigned i = 0; i < a.ab; ++i)
    for (unsigned j = 0; j < w.wb; ++j) {
      const std::uint64_t *ap[MR];
      const std::uint64_t *wp[NR];
      for (int r = 0; r < MR; ++r)
        ap[r] = a.planes.data() + ((m0 + r) * a.ab + i) * words;
      for (int c = 0; c < NR; ++c)
        wp[c] = w.planes.data() + ((n0 + c) * w.wb + j) * words;
      uint64x2_t acc64[MR][NR];
      for (int r = 0; r < MR; ++r)
        for (int c = 0; c < NR; ++c)
          acc64[r][c] = vdupq_n_u64(0);
      for (std::int64_t x16 = 0; x16 < vecs; x16 += kNeonCntU16Vectors) {
        const std::int64_t e16 = std::min(vecs, x16 + kNeonCntU16Vectors);
        uint16x8_t acc16[MR][NR];
        for (int r = 0; r < MR; ++r)
          for (int c = 0; c < NR; ++c)
            acc16[r][c] = vdupq_n_u16(0);
        for (std::int64_t x8 = x16; x8 < e16; x8 += kNeonCntU8Vectors) {
          const std::int64_t e8 = std::min(e16, x8 + kNeonCntU8Vectors);
          uint8x16_t acc8[MR][NR];
          for (int r = 0; r < MR; ++r)
            for (int c = 0; c < NR; ++c)
              acc8[r][c] = vdupq_n_u8(0);
          for (std::int64_t x = x8; x < e8; ++x) {
            uint64x2_t av[MR];
            for (int r = 0; r < MR; ++r)
              av[r] = vld1q_u64(ap[r] + 2 * x);
            for (int c = 0; c < NR; ++c) {
              const uint64x2_t wv = vld1q_u64(wp[c] + 2 * x);
              for (int r = 0; r < MR; ++r)
                acc8[r][c] =
                    vaddq_u8(acc8[r][c], vcntq_u8(vreinterpretq_u8_u64(vandq_u64(av[r], wv))));
            }
          }
          for (int r = 0; r < MR; ++r)
            for (int c = 0; c < NR; ++c)
              acc16[r][c] = vpadalq_u8(acc16[r][c], acc8[r][c]);
        }
        for (int r = 0; r < MR; ++r)
          for (int c = 0; c < NR; ++c)
            acc64[r][c] = vpadalq_u32(acc64[r][c], vpaddlq_u16(acc16[r][c]));
      }
      for (int r = 0; r < MR; ++r)
        for (int c = 0; c < NR; ++c)
          total[r][c] += static_cast<std::int64_t>(vaddvq_u64(acc64[r][c])) << (i + j);
    }
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c)
      D[(m0 + r) * w.n + n0 + c] = total[r][c];
}

// ---------------------------------------------------------------------------------------------
// Dot8: weights unpacked from their byte streams to bytes, products formed exactly in wider lanes.
// ---------------------------------------------------------------------------------------------

// Quarter q (16 bytes) of slot S of one super-block, unpacked to bytes. NEON shifts are per byte
// (zero fill), so no bits cross from a neighbouring byte; the mask keeps this part's bits.
template <unsigned WB, unsigned S>
inline uint8x16_t unpack_quarter(const std::uint8_t *block, unsigned q) {
  uint8x16_t v = vdupq_n_u8(0);
  unsigned off = 0;
  for (unsigned part = 0; part < 3; ++part) {
    const unsigned p = dot8_parts(WB)[part];
    if (p == 0)
      break;
    const unsigned per = 8 / p, t = S / per, sh = (S % per) * p;
    uint8x16_t x = vld1q_u8(block + t * 64 + q * 16);
    if (p == 8)
      return x;
    x = vshlq_u8(x, vdupq_n_s8(static_cast<std::int8_t>(static_cast<int>(off) -
                                                        static_cast<int>(sh)))); // < 0: right
    v = vorrq_u8(v, vandq_u8(x, vdupq_n_u8(static_cast<std::uint8_t>(((1u << p) - 1) << off))));
    off += p;
    block += 64 * p;
  }
  return v;
}

// One slot (64 k) of an MR x NR block. Per (row, column) two int32x4 accumulators; each lane of
// each receives 8 products per slot (kNeonDot8ProductsPerSlot):
//  WB < 8 (v in [0, 127]): vmull_u8 -> one product per u16 lane (<= 255 * 127 = 32,385), then
//         vpadalq_u16 adds 2 per u32 lane; 4 quarters -> 8 per lane.
//  WB = 8 (v in [-128, 127]): both widened to s16, vmlal_s16 / vmlal_high_s16 -> 1 per lane per
//         instruction, 2 per quarter per accumulator; 4 quarters -> 8 per lane.
template <unsigned WB, int MR, int NR, unsigned S>
inline void dot8_slot(const FastActs &a, const FastWeights &w, std::int64_t m0, std::int64_t n0,
                      std::int64_t b, int32x4_t (&acc)[MR][NR][2]) {
  constexpr std::size_t block_bytes = 64 * WB;
  for (unsigned q = 0; q < 4; ++q) {
    uint8x16_t wv[NR];
    for (int c = 0; c < NR; ++c)
      wv[c] = unpack_quarter<WB, S>(w.streams.data() +
                                        static_cast<std::size_t>(n0 + c) * w.stream_row_bytes +
                                        static_cast<std::size_t>(b) * block_bytes,
                                    q);
    if constexpr (WB < 8) {
      static_assert(neon_umull_exact(8, WB), "one u8 x u8 product per u16 lane must be exact");
      for (int r = 0; r < MR; ++r) {
        const uint8x16_t av =
            vld1q_u8(a.bytes.data() + (m0 + r) * a.kpad + b * kSuperBlock + S * 64 + q * 16);
        for (int c = 0; c < NR; ++c) {
          const uint16x8_t lo = vmull_u8(vget_low_u8(av), vget_low_u8(wv[c]));
          const uint16x8_t hi = vmull_high_u8(av, wv[c]);
          // u32 lanes stay below 2^31 (fast_bounds.hpp), so reading them as int32 is exact.
          acc[r][c][0] =
              vreinterpretq_s32_u32(vpadalq_u16(vreinterpretq_u32_s32(acc[r][c][0]), lo));
          acc[r][c][1] =
              vreinterpretq_s32_u32(vpadalq_u16(vreinterpretq_u32_s32(acc[r][c][1]), hi));
        }
      }
    } else {
      int16x8_t wlo[NR], whi[NR];
      for (int c = 0; c < NR; ++c) {
        const int8x16_t ws = vreinterpretq_s8_u8(wv[c]);
        wlo[c] = vmovl_s8(vget_low_s8(ws));
        whi[c] = vmovl_high_s8(ws);
      }
      for (int r = 0; r < MR; ++r) {
        const uint8x16_t av =
            vld1q_u8(a.bytes.data() + (m0 + r) * a.kpad + b * kSuperBlock + S * 64 + q * 16);
        const int16x8_t alo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(av))); // 0..255 fits s16
        const int16x8_t ahi = vreinterpretq_s16_u16(vmovl_high_u8(av));
        for (int c = 0; c < NR; ++c) {
          acc[r][c][0] = vmlal_s16(acc[r][c][0], vget_low_s16(alo), vget_low_s16(wlo[c]));
          acc[r][c][1] = vmlal_high_s16(acc[r][c][1], alo, wlo[c]);
          acc[r][c][0] = vmlal_s16(acc[r][c][0], vget_low_s16(ahi), vget_low_s16(whi[c]));
          acc[r][c][1] = vmlal_high_s16(acc[r][c][1], ahi, whi[c]);
        }
      }
    }
  }
}

template <unsigned WB, int MR, int NR>
void dot8_block(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t m0,
                std::int64_t n0) {
  static_assert(neon_dot8_lane_max(8, WB) <= 2147483647,
                "an int32 lane could overflow before the flush");
  const std::int64_t blocks = a.kpad / kSuperBlock;
  std::int64_t total[MR][NR] = {};
  int32x4_t acc[MR][NR][2];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c)
      acc[r][c][0] = acc[r][c][1] = vdupq_n_s32(0);
  std::int64_t slots = 0;
  const std::int64_t slots_needed = (w.k + 63) / 64; // the padding past K is never multiplied
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t used = std::min<std::int64_t>(8, slots_needed - b * 8);
    if (0 < used)
      dot8_slot<WB, MR, NR, 0>(a, w, m0, n0, b, acc);
    if (1 < used)
      dot8_slot<WB, MR, NR, 1>(a, w, m0, n0, b, acc);
    if (2 < used)
      dot8_slot<WB, MR, NR, 2>(a, w, m0, n0, b, acc);
    if (3 < used)
      dot8_slot<WB, MR, NR, 3>(a, w, m0, n0, b, acc);
    if (4 < used)
      dot8_slot<WB, MR, NR, 4>(a, w, m0, n0, b, acc);
    if (5 < used)
      dot8_slot<WB, MR, NR, 5>(a, w, m0, n0, b, acc);
    if (6 < used)
      dot8_slot<WB, MR, NR, 6>(a, w, m0, n0, b, acc);
    if (7 < used)
      dot8_slot<WB, MR, NR, 7>(a, w, m0, n0, b, acc);
    slots += 8;
    if (slots >= kNeonDot8FlushSlots) { // before an int32 lane could overflow (fast_bounds.hpp)
      for (int r = 0; r < MR; ++r)
        for (int c = 0; c < NR; ++c) {
          total[r][c] += vaddlvq_s32(acc[r][c][0]) + vaddlvq_s32(acc[r][c][1]);
          acc[r][c][0] = acc[r][c][1] = vdupq_n_s32(0);
        }
      slots = 0;
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c)
      D[(m0 + r) * w.n + n0 + c] =
          total[r][c] + vaddlvq_s32(acc[r][c][0]) + vaddlvq_s32(acc[r][c][1]);
}

template <unsigned WB>
void dot8_width(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                std::int64_t n1) {
  tile(
      a.m, n0, n1, [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 2, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 2, 1>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 1>(a, w, D, m, n); });
}

} // namespace

// Bit i of each of 64 bytes -> one word. NEON has no movemask: vtstq_u8 marks the bytes whose bit
// i is set, AND with each byte's bit position (1, 2, 4 ... 128 per 8 bytes), and three pairwise
// adds (distinct powers of two: an OR, never a carry) gather each 8 bytes into one output byte.
void planes_neon(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad, unsigned ab,
                 std::uint64_t *planes) {
  static constexpr std::uint8_t kPos[16] = {1, 2, 4, 8, 16, 32, 64, 128,
                                            1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t pos = vld1q_u8(kPos);
  const std::int64_t words = kpad / 64;
  for (std::int64_t m = 0; m < M; ++m)
    for (std::int64_t x = 0; x < words; ++x) {
      const std::uint8_t *src = bytes + m * kpad + x * 64;
      const uint8x16_t q0 = vld1q_u8(src), q1 = vld1q_u8(src + 16), q2 = vld1q_u8(src + 32),
                       q3 = vld1q_u8(src + 48);
      for (unsigned i = 0; i < ab; ++i) {
        const uint8x16_t bit = vdupq_n_u8(static_cast<std::uint8_t>(1u << i));
        const uint8x16_t t0 = vandq_u8(vtstq_u8(q0, bit), pos),
                         t1 = vandq_u8(vtstq_u8(q1, bit), pos);
        const uint8x16_t t2 = vandq_u8(vtstq_u8(q2, bit), pos),
                         t3 = vandq_u8(vtstq_u8(q3, bit), pos);
        uint8x16_t p =
            vpaddq_u8(vpaddq_u8(t0, t1), vpaddq_u8(t2, t3)); // 4-byte sums: t0 t0 t0 t0 t1 ... t3
        p = vpaddq_u8(p, p);                                 // bytes 0..7: 8-byte sums in order
        planes[(m * ab + i) * words + x] = vgetq_lane_u64(vreinterpretq_u64_u8(p), 0);
      }
    }
}

void bitserial_neon(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                    std::int64_t n1) {
  tile(
      a.m, n0, n1, [&](std::int64_t m, std::int64_t n) { bitserial_block<2, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<2, 1>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 1>(a, w, D, m, n); });
}

void dot8_neon(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
               std::int64_t n1) {
  by_weight_bits(w.wb, [&]<unsigned WB>() { dot8_width<WB>(a, w, D, n0, n1); });
}

} // namespace samd::kernels::detail::fast
