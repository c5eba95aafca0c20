// AVX2 kernels. Compiled with -mavx2 -mfma; called only when the CPU has AVX2.
#include <immintrin.h>

#include <algorithm>
#include <bit>

#include <samd/kernels/fast_bounds.hpp>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {
namespace {

inline std::int64_t sum_epi64(__m256i v) {
  alignas(32) std::int64_t t[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), v);
  return t[0] + t[1] + t[2] + t[3];
}
inline std::int64_t sum_epi32(__m256i v) {
  const __m256i lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v));
  const __m256i hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1));
  return sum_epi64(_mm256_add_epi64(lo, hi));
}

// Per-64-bit-lane popcount: nibble lookup (pshufb), then vpsadbw sums the byte counts.
inline __m256i popcnt_epi64(__m256i x) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2,
                                       3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0F);
  const __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(x, low));
  const __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
  return _mm256_sad_epu8(_mm256_add_epi8(lo, hi), _mm256_setzero_si256());
}

template <int MR, int NR>
void bitserial_block(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t m0, std::int64_t n0) {
  const std::int64_t words = a.kpad / 64;
  __m256i acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_setzero_si256();
  const std::int64_t needed = (w.k + 63) / 64; // words holding k < K
  std::int64_t x = 0;
  for (; x + 4 <= needed; x += 4)
    for (unsigned i = 0; i < a.ab; ++i) {
      __m256i av[MR];
      for (int r = 0; r < MR; ++r)
        av[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.planes.data() + ((m0 + r) * a.ab + i) * words + x));
      for (unsigned j = 0; j < w.wb; ++j)
        for (int c = 0; c < NR; ++c) {
          const __m256i wv =
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.planes.data() + ((n0 + c) * w.wb + j) * words + x));
          for (int r = 0; r < MR; ++r) {
            __m256i t = popcnt_epi64(_mm256_and_si256(av[r], wv));
            if (i + j != 0) t = _mm256_slli_epi64(t, static_cast<int>(i + j));
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
            tail[r][c] += static_cast<std::int64_t>(std::popcount(a.planes[((m0 + r) * a.ab + i) * words + x] &
                                                                  w.planes[((n0 + c) * w.wb + j) * words + x]))
                          << (i + j);
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) D[(m0 + r) * w.n + n0 + c] = sum_epi64(acc[r][c]) + tail[r][c];
}

template <unsigned WB> constexpr unsigned kParts[3] = {WB == 8 ? 8u : (WB & 4u ? 4u : (WB & 2u ? 2u : 1u)),
                                                        WB == 8 ? 0u : (WB & 4u ? (WB & 2u ? 2u : (WB & 1u ? 1u : 0u))
                                                                                : (WB & 2u ? (WB & 1u ? 1u : 0u) : 0u)),
                                                        WB == 7 ? 1u : 0u};

// Half H (32 bytes) of slot S of one super-block, unpacked to bytes.
template <unsigned WB, unsigned S, unsigned H> inline __m256i unpack_half(const std::uint8_t* block) {
  __m256i v = _mm256_setzero_si256();
  unsigned off = 0;
  for (unsigned part = 0; part < 3; ++part) {
    const unsigned p = kParts<WB>[part];
    if (p == 0) break;
    const unsigned per = 8 / p, t = S / per, sh = (S % per) * p;
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + t * 64 + H * 32));
    if (sh > off) x = _mm256_srli_epi16(x, static_cast<int>(sh - off));
    else if (off > sh) x = _mm256_slli_epi16(x, static_cast<int>(off - sh));
    if (p == 8) return x;
    v = _mm256_or_si256(v, _mm256_and_si256(x, _mm256_set1_epi8(static_cast<char>(((1u << p) - 1) << off))));
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
inline void dot8_half(const FastActs& a, const FastWeights& w, std::int64_t m0, std::int64_t n0, std::int64_t b,
                      __m256i (&acc)[MR][NR]) {
  constexpr std::size_t block_bytes = 64 * WB;
  __m256i wv[NR];
  for (int c = 0; c < NR; ++c)
    wv[c] = unpack_half<WB, S, H>(w.streams.data() + static_cast<std::size_t>(n0 + c) * w.stream_row_bytes +
                                  b * block_bytes);
  for (int r = 0; r < MR; ++r) {
    const __m256i av = _mm256_loadu_si256(
        reinterpret_cast<const __m256i*>(a.bytes.data() + (m0 + r) * a.kpad + b * kSuperBlock + S * 64 + H * 32));
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_add_epi32(acc[r][c], dot_half<Maddubs>(av, wv[c]));
  }
}

template <unsigned WB, int MR, int NR, bool Maddubs, unsigned S>
inline void dot8_slot(const FastActs& a, const FastWeights& w, std::int64_t m0, std::int64_t n0, std::int64_t b,
                      __m256i (&acc)[MR][NR]) {
  dot8_half<WB, MR, NR, Maddubs, S, 0>(a, w, m0, n0, b, acc);
  dot8_half<WB, MR, NR, Maddubs, S, 1>(a, w, m0, n0, b, acc);
}

template <unsigned WB, int MR, int NR, bool Maddubs>
void dot8_block(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t m0, std::int64_t n0) {
  const std::int64_t blocks = a.kpad / kSuperBlock;
  std::int64_t total[MR][NR] = {};
  __m256i acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_setzero_si256();
  std::int64_t slots = 0;
  const std::int64_t slots_needed = (w.k + 63) / 64; // the padding past K is never multiplied
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t used = std::min<std::int64_t>(8, slots_needed - b * 8);
    if (0 < used) dot8_slot<WB, MR, NR, Maddubs, 0>(a, w, m0, n0, b, acc);
    if (1 < used) dot8_slot<WB, MR, NR, Maddubs, 1>(a, w, m0, n0, b, acc);
    if (2 < used) dot8_slot<WB, MR, NR, Maddubs, 2>(a, w, m0, n0, b, acc);
    if (3 < used) dot8_slot<WB, MR, NR, Maddubs, 3>(a, w, m0, n0, b, acc);
    if (4 < used) dot8_slot<WB, MR, NR, Maddubs, 4>(a, w, m0, n0, b, acc);
    if (5 < used) dot8_slot<WB, MR, NR, Maddubs, 5>(a, w, m0, n0, b, acc);
    if (6 < used) dot8_slot<WB, MR, NR, Maddubs, 6>(a, w, m0, n0, b, acc);
    if (7 < used) dot8_slot<WB, MR, NR, Maddubs, 7>(a, w, m0, n0, b, acc);
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
    for (int c = 0; c < NR; ++c) D[(m0 + r) * w.n + n0 + c] = total[r][c] + sum_epi32(acc[r][c]);
}

template <class B22, class B12, class B21, class B11>
void tile(std::int64_t M, std::int64_t n0, std::int64_t n1, B22 b22, B12 b12, B21 b21, B11 b11) {
  std::int64_t n = n0;
  for (; n + 2 <= n1; n += 2) {
    std::int64_t m = 0;
    for (; m + 2 <= M; m += 2) b22(m, n);
    for (; m < M; ++m) b12(m, n);
  }
  for (; n < n1; ++n) {
    std::int64_t m = 0;
    for (; m + 2 <= M; m += 2) b21(m, n);
    for (; m < M; ++m) b11(m, n);
  }
}

template <unsigned WB, bool Maddubs>
void dot8_all(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1) {
  tile(
      a.m, n0, n1, [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 2, 2, Maddubs>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 2, Maddubs>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 2, 1, Maddubs>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { dot8_block<WB, 1, 1, Maddubs>(a, w, D, m, n); });
}

template <unsigned WB>
void dot8_width(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1) {
  if (maddubs_exact(a.ab, WB)) dot8_all<WB, true>(a, w, D, n0, n1);
  else dot8_all<WB, false>(a, w, D, n0, n1);
}

} // namespace

void planes_avx2(const std::uint8_t* bytes, std::int64_t M, std::int64_t kpad, unsigned ab, std::uint64_t* planes) {
  const std::int64_t words = kpad / 64;
  for (std::int64_t m = 0; m < M; ++m)
    for (std::int64_t x = 0; x < words; ++x) {
      const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + m * kpad + x * 64));
      const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + m * kpad + x * 64 + 32));
      for (unsigned i = 0; i < ab; ++i) { // move bit i to the sign bit of each byte, then movemask
        const __m128i sh = _mm_cvtsi32_si128(static_cast<int>(7 - i));
        const auto l = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_sll_epi16(lo, sh)));
        const auto h = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_sll_epi16(hi, sh)));
        planes[(m * ab + i) * words + x] = (std::uint64_t{h} << 32) | l;
      }
    }
}

void bitserial_avx2(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1) {
  tile(
      a.m, n0, n1, [&](std::int64_t m, std::int64_t n) { bitserial_block<2, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 2>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<2, 1>(a, w, D, m, n); },
      [&](std::int64_t m, std::int64_t n) { bitserial_block<1, 1>(a, w, D, m, n); });
}

void dot8_avx2(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1) {
  switch (w.wb) {
  case 1: return dot8_width<1>(a, w, D, n0, n1);
  case 2: return dot8_width<2>(a, w, D, n0, n1);
  case 3: return dot8_width<3>(a, w, D, n0, n1);
  case 4: return dot8_width<4>(a, w, D, n0, n1);
  case 5: return dot8_width<5>(a, w, D, n0, n1);
  case 6: return dot8_width<6>(a, w, D, n0, n1);
  case 7: return dot8_width<7>(a, w, D, n0, n1);
  default: return dot8_width<8>(a, w, D, n0, n1);
  }
}

} // namespace samd::kernels::detail::fast
