// The throughput ceiling of the AVX2 table-lookup GEMM's inner loop (Method::Lut,
// kernels/src/fast/gemm_lut_avx2.cpp), on registers only (no table, index or offset loads, no
// epilogue), for its two W1A1 schedules:
//  - unpaired: the 4 x 2 block, one vpshufb and one vpaddb per lookup (32 columns x 4 k = 128
//    MACs), 8 lookups a step;
//  - paired rows (from 32 rows since 1bfa4bb): 2 row pairs x 2 halves, one vpshufb per pair and
//    32 columns (256 MACs), phases of 3 steps (the first sets the lane, two add), then 5 ops to
//    split each of the 4 paired lanes into its two rows' u8 sums.
// What it prints is an upper bound on the kernel's GMAC/s on this CPU. Build and run by hand (not
// part of the CMake build):
//   g++ -O2 -std=c++20 -mavx2 lut_mix_peak.cpp -o lut_mix_peak && ./lut_mix_peak
#include <immintrin.h>

#include <chrono>
#include <cstdio>

namespace {

// acc += vpshufb(table, index), kept in a register (the kernel's add_lookup).
inline void add_lookup(__m256i &acc, __m256i table, __m256i index) {
  __m256i sum = _mm256_add_epi8(acc, _mm256_shuffle_epi8(table, index));
  asm("" : "+x"(sum));
  acc = sum;
}

// acc = vpshufb(table, index) (a phase's first step), kept in a register.
inline void set_lookup(__m256i &acc, __m256i table, __m256i index) {
  __m256i entries = _mm256_shuffle_epi8(table, index);
  asm("" : "+x"(entries));
  acc = entries;
}

// lo += x & 15, hi += (x >> 4) & 15 (the kernel's split of a paired lane; vpaddb in place).
inline void split(__m256i x, __m256i &lo, __m256i &hi, __m256i mask) {
  asm("vpaddb %1, %0, %0" : "+x"(lo) : "x"(_mm256_and_si256(x, mask)));
  asm("vpaddb %1, %0, %0" : "+x"(hi) : "x"(_mm256_and_si256(_mm256_srli_epi16(x, 4), mask)));
}

double gmacs_of_lut_mix(long steps) {
  __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
          a30 = a00, a31 = a00;
  __m256i t0 = _mm256_set1_epi8(1), t1 = _mm256_set1_epi8(2), t2 = _mm256_set1_epi8(3),
          t3 = _mm256_set1_epi8(4);
  __m256i i0 = _mm256_set1_epi8(5), i1 = _mm256_set1_epi8(6);
  const auto start = std::chrono::steady_clock::now();
  for (long s = 0; s < steps; ++s) {
    add_lookup(a00, t0, i0), add_lookup(a01, t0, i1);
    add_lookup(a10, t1, i0), add_lookup(a11, t1, i1);
    add_lookup(a20, t2, i0), add_lookup(a21, t2, i1);
    add_lookup(a30, t3, i0), add_lookup(a31, t3, i1);
    asm("" : "+x"(t0), "+x"(t1), "+x"(t2), "+x"(t3), "+x"(i0), "+x"(i1)); // no hoisting
  }
  const double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  __m256i all =
      _mm256_add_epi8(_mm256_add_epi8(_mm256_add_epi8(a00, a01), _mm256_add_epi8(a10, a11)),
                      _mm256_add_epi8(_mm256_add_epi8(a20, a21), _mm256_add_epi8(a30, a31)));
  volatile int sink = _mm256_extract_epi8(all, 0);
  (void)sink;
  return 8.0 * 128.0 * static_cast<double>(steps) / sec / 1e9;
}

double gmacs_of_paired_mix(long phases) {
  __m256i s[8];
  for (auto &x : s)
    x = _mm256_setzero_si256();
  __m256i f00, f01, f10, f11;
  __m256i t0 = _mm256_set1_epi8(1), t1 = _mm256_set1_epi8(2);
  __m256i i0 = _mm256_set1_epi8(5), i1 = _mm256_set1_epi8(6);
  const __m256i mask = _mm256_set1_epi8(15);
  const auto start = std::chrono::steady_clock::now();
  for (long p = 0; p < phases; ++p) {
    set_lookup(f00, t0, i0), set_lookup(f01, t0, i1), set_lookup(f10, t1, i0),
        set_lookup(f11, t1, i1);
    asm("" : "+x"(t0), "+x"(t1), "+x"(i0), "+x"(i1)); // no hoisting
    for (int step = 1; step < 3; ++step) {
      add_lookup(f00, t0, i0), add_lookup(f01, t0, i1), add_lookup(f10, t1, i0),
          add_lookup(f11, t1, i1);
      asm("" : "+x"(t0), "+x"(t1), "+x"(i0), "+x"(i1));
    }
    split(f00, s[0], s[1], mask), split(f01, s[2], s[3], mask);
    split(f10, s[4], s[5], mask), split(f11, s[6], s[7], mask);
  }
  const double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  __m256i all = s[0];
  for (int i = 1; i < 8; ++i)
    all = _mm256_add_epi8(all, s[i]);
  volatile int sink = _mm256_extract_epi8(all, 0);
  (void)sink;
  return 3.0 * 4.0 * 256.0 * static_cast<double>(phases) / sec / 1e9;
}

} // namespace

int main() {
  double best = 0, best_paired = 0;
  for (int run = 0; run < 5; ++run) {
    const double g = gmacs_of_lut_mix(200'000'000), p = gmacs_of_paired_mix(67'000'000);
    best = g > best ? g : best;
    best_paired = p > best_paired ? p : best_paired;
    std::printf("run %d: unpaired %.1f GMAC/s (128 MACs a lookup), paired rows %.1f GMAC/s (256 "
                "MACs a lookup)\n",
                run, g, p);
  }
  std::printf("best: unpaired %.1f, paired rows %.1f GMAC/s\n", best, best_paired);
}
