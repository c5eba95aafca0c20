// The carry-save group loop of kernel-attempt.patch alone (not part of the CMake build): apply the
// patch, build, then
//   g++ -O2 -std=c++20 -mavx512f -mavx512vpopcntdq -I BUILD/kernels/generated loop_harness.cpp \
//       -o loop_harness && ./loop_harness GROUPS ORDER CHUNK
// GROUPS groups of 7 words (9 at K = 4096) for 43 row blocks x 8 column quads (256 x 256), random
// operands of the kernel's sizes. ORDER 0: quads outer, then K in chunks of CHUNK groups, then row
// blocks; ORDER 1: row blocks outer, whole K. ORDER 2: one row block and one quad (L1-resident).
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

template <int MR>
void carry_groups(const std::uint64_t *al, const std::uint64_t *be, long n, long t,
                  const std::int64_t *hr, const std::int64_t *hc, __m512i *acc);
#include "carry_asm.inc"

int main(int argc, char **argv) {
  if (argc != 4)
    return 2;
  const long groups = std::atol(argv[1]), chunk = std::atol(argv[3]);
  const int order = std::atoi(argv[2]);
  const long MB = 43, NQ = 8;
  std::vector<std::uint64_t> al(MB * groups * 60 + 64), be(NQ * groups * 320 + 64);
  for (auto &x : al)
    x = static_cast<std::uint64_t>(std::rand());
  for (auto &x : be)
    x = static_cast<std::uint64_t>(std::rand());
  alignas(64) std::int64_t hr[8] = {}, hc[32] = {};
  alignas(64) static __m512i acc[43][24];
  for (int run = 0; run < 5; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int rep = 0; rep < 200; ++rep) {
      if (order == 0) {
        for (long q = 0; q < NQ; ++q)
          for (long c0 = 0; c0 < groups; c0 += chunk)
            for (long m = 0; m < MB; ++m)
              carry_groups<6>(al.data() + (m * groups + c0) * 60,
                              be.data() + (q * groups + c0) * 320, std::min(chunk, groups - c0), 0,
                              hr, hc, acc[m]);
      } else {
        for (long m = 0; m < MB; ++m)
          for (long q = 0; q < NQ; ++q)
            carry_groups<6>(al.data() + (order == 1 ? m * groups * 60 : 0),
                            be.data() + (order == 1 ? q * groups * 320 : 0), groups, 0, hr, hc,
                            acc[m]);
      }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%.0f ", 200.0 * MB * NQ * groups * 7 * 512 * 24 / s / 1e9);
  }
  std::printf("GMAC/s\n");
}
