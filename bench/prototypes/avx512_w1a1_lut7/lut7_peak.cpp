// W1A1 by 7-bit table lookup, against the bit-serial mix, register-only: how many MACs a cycle
// each op mix allows. Not part of the CMake build; see README.md.
//
//   g++ -O2 -mavx512f -mavx512bw -mavx512vbmi -mavx512vpopcntdq lut7_peak.cpp -o lut7_peak
//
// Each loop is 16 steps on 16 accumulators (zmm0-15). A step is one output vector's work:
//   bit-serial: vpandq + vpopcntq + vpaddq          512 MAC (64 bits x 8 outputs)
//   lut7:       copy + vpermi2b (128-entry table) + vpaddb   448 MAC (64 lanes x 7 bits)
//   lut7-mem:   as lut7 with the table's second half from memory
//   lut6:       vpermb (64-entry table) + vpaddb            384 MAC (64 lanes x 6 bits)
// A lane's byte holds 7 (6) weight bits of one column; the table maps them to their popcount
// with one row's 7 (6) activation bits, so the sum needs no popcount.
#include <chrono>
#include <cstdio>

alignas(64) static unsigned char table_half[64];

#define CLOBBERS                                                                                   \
  "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",  \
      "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19",    \
      "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29",    \
      "xmm30", "xmm31"

// 4 rows (tables or activation words in zmm20-23) x 4 column vectors (zmm16-19), temps zmm24-31.
#define BITSERIAL(acc, w, a, t)                                                                    \
  "vpandq %%zmm" #a ", %%zmm" #w ", %%zmm" #t "\n\t"                                               \
  "vpopcntq %%zmm" #t ", %%zmm" #t "\n\t"                                                          \
  "vpaddq %%zmm" #t ", %%zmm" #acc ", %%zmm" #acc "\n\t"
#define LUT7(acc, idx, t1, t2, t)                                                                  \
  "vmovdqa64 %%zmm" #idx ", %%zmm" #t "\n\t"                                                       \
  "vpermi2b %%zmm" #t2 ", %%zmm" #t1 ", %%zmm" #t "\n\t"                                           \
  "vpaddb %%zmm" #t ", %%zmm" #acc ", %%zmm" #acc "\n\t"
#define LUT7MEM(acc, idx, t1, t)                                                                   \
  "vmovdqa64 %%zmm" #idx ", %%zmm" #t "\n\t"                                                       \
  "vpermi2b (%[tab]), %%zmm" #t1 ", %%zmm" #t "\n\t"                                               \
  "vpaddb %%zmm" #t ", %%zmm" #acc ", %%zmm" #acc "\n\t"
#define LUT6(acc, idx, tab, t)                                                                     \
  "vpermb %%zmm" #tab ", %%zmm" #idx ", %%zmm" #t "\n\t"                                           \
  "vpaddb %%zmm" #t ", %%zmm" #acc ", %%zmm" #acc "\n\t"

void bitserial(long n) {
  asm volatile("1:\n\t" BITSERIAL(0, 16, 20, 24) BITSERIAL(1, 17, 20, 25) BITSERIAL(2, 18, 20, 26)
                   BITSERIAL(3, 19, 20, 27) BITSERIAL(4, 16, 21, 28) BITSERIAL(5, 17, 21, 29)
                       BITSERIAL(6, 18, 21, 30) BITSERIAL(7, 19, 21, 31) BITSERIAL(8, 16, 22, 24)
                           BITSERIAL(9, 17, 22, 25) BITSERIAL(10, 18, 22, 26)
                               BITSERIAL(11, 19, 22, 27) BITSERIAL(12, 16, 23, 28)
                                   BITSERIAL(13, 17, 23, 29) BITSERIAL(14, 18, 23, 30)
                                       BITSERIAL(15, 19, 23, 31) "dec %[n]\n\tjnz 1b"
               : [n] "+r"(n)
               : [tab] "r"(table_half)
               : CLOBBERS);
}

void lut7(long n) {
  asm volatile("1:\n\t" LUT7(0, 16, 20, 21, 24) LUT7(1, 17, 20, 21, 25) LUT7(2, 18, 20, 21, 26)
                   LUT7(3, 19, 20, 21, 27) LUT7(4, 16, 22, 23, 28) LUT7(5, 17, 22, 23, 29)
                       LUT7(6, 18, 22, 23, 30) LUT7(7, 19, 22, 23, 31) LUT7(8, 16, 20, 22, 24)
                           LUT7(9, 17, 20, 22, 25) LUT7(10, 18, 20, 22, 26) LUT7(11, 19, 20, 22, 27)
                               LUT7(12, 16, 21, 23, 28) LUT7(13, 17, 21, 23, 29)
                                   LUT7(14, 18, 21, 23, 30)
                                       LUT7(15, 19, 21, 23, 31) "dec %[n]\n\tjnz 1b"
               : [n] "+r"(n)
               : [tab] "r"(table_half)
               : CLOBBERS);
}

void lut7_mem(long n) {
  asm volatile("1:\n\t" LUT7MEM(0, 16, 20, 24) LUT7MEM(1, 17, 20, 25) LUT7MEM(2, 18, 20, 26)
                   LUT7MEM(3, 19, 20, 27) LUT7MEM(4, 16, 21, 28) LUT7MEM(5, 17, 21, 29)
                       LUT7MEM(6, 18, 21, 30) LUT7MEM(7, 19, 21, 31) LUT7MEM(8, 16, 22, 24)
                           LUT7MEM(9, 17, 22, 25) LUT7MEM(10, 18, 22, 26) LUT7MEM(11, 19, 22, 27)
                               LUT7MEM(12, 16, 23, 28) LUT7MEM(13, 17, 23, 29)
                                   LUT7MEM(14, 18, 23, 30)
                                       LUT7MEM(15, 19, 23, 31) "dec %[n]\n\tjnz 1b"
               : [n] "+r"(n)
               : [tab] "r"(table_half)
               : CLOBBERS);
}

void lut6(long n) {
  asm volatile("1:\n\t" LUT6(0, 16, 20, 24) LUT6(1, 17, 20, 25) LUT6(2, 18, 20, 26)
                   LUT6(3, 19, 20, 27) LUT6(4, 16, 21, 28) LUT6(5, 17, 21, 29) LUT6(6, 18, 21, 30)
                       LUT6(7, 19, 21, 31) LUT6(8, 16, 22, 24) LUT6(9, 17, 22, 25)
                           LUT6(10, 18, 22, 26) LUT6(11, 19, 22, 27) LUT6(12, 16, 23, 28)
                               LUT6(13, 17, 23, 29) LUT6(14, 18, 23, 30)
                                   LUT6(15, 19, 23, 31) "dec %[n]\n\tjnz 1b"
               : [n] "+r"(n)
               : [tab] "r"(table_half)
               : CLOBBERS);
}

// Best of 7 runs, in GMAC/s.
double gmacs(void (*loop)(long), double macs_per_step) {
  constexpr long kIterations = 2000000;
  double best = 0;
  for (int run = 0; run < 7; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    loop(kIterations);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double g = 16.0 * kIterations * macs_per_step / s / 1e9;
    best = g > best ? g : best;
  }
  return best;
}

int main() {
  for (int round = 0; round < 3; ++round) {
    const double b = gmacs(bitserial, 512), l7 = gmacs(lut7, 448), m7 = gmacs(lut7_mem, 448),
                 l6 = gmacs(lut6, 384);
    std::printf("bit-serial %5.0f  lut7 %5.0f (%.2fx)  lut7-mem %5.0f (%.2fx)  lut6 %5.0f (%.2fx)"
                " GMAC/s\n",
                b, l7, l7 / b, m7, m7 / b, l6, l6 / b);
  }
}
