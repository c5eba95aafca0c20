// The throughput ceiling of the AVX2 table-lookup GEMM's inner loop (Method::Lut,
// kernels/src/fast/gemm_lut_avx2.cpp): the same op mix as its 4 x 2 block, one vpshufb and one
// vpaddb per lookup (32 columns x 4 k = 128 W1A1 MACs), 8 lookups a step, on registers only (no
// table, index or offset loads, no epilogue). What it prints is an upper bound on the kernel's
// GMAC/s on this CPU. Build and run by hand (not part of the CMake build):
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

} // namespace

int main() {
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    const double g = gmacs_of_lut_mix(200'000'000);
    best = g > best ? g : best;
    std::printf("run %d: %.1f GMAC/s (W1A1, 128 MACs a lookup)\n", run, g);
  }
  std::printf("best: %.1f GMAC/s\n", best);
}
