// Streams the group loops of carry_scalar.inc (gen_carry_scalar.py) over operands of a
// 256 x 256 x 4096 GEMM's sizes (43 row blocks, 9 groups of K), 64-byte aligned, timed in thread
// CPU time (the machine is shared), the three loops alternating, 9 runs each. Not built by CMake.
//   python3 gen_carry_scalar.py SCOLS [SROWS]
//   g++ -O2 -std=c++20 -mavx512f -mavx512vpopcntdq -mbmi carry_scalar_harness.cpp -o harness
//   ./harness ORDER [GROUPS]
// ORDER 1: row blocks outer; 0: column blocks outer; 2: one block, L1-resident.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <time.h>
#include <vector>

static double cpu_now() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

#include "carry_scalar.inc"

using Loop = void (*)(const unsigned long *, const unsigned long *, const unsigned long *,
                      const unsigned long *, long, unsigned long *, void *);

template <class T> struct Al {
  using value_type = T;
  Al() = default;
  template <class U> Al(const Al<U> &) {}
  T *allocate(std::size_t n) {
    return static_cast<T *>(::operator new (n * sizeof(T), std::align_val_t{64}));
  }
  void deallocate(T *p, std::size_t) { ::operator delete (p, std::align_val_t{64}); }
  friend bool operator==(const Al &, const Al &) { return true; }
};
using Vec = std::vector<unsigned long, Al<unsigned long>>;

struct Setup {
  long a_words, w_words, x_words, y_words, blocks;
  double cols;
};

int main(int argc, char **argv) {
  const int order = argc > 1 ? std::atoi(argv[1]) : 1;
  const long G = argc > 2 ? std::atol(argv[2]) : 9, MB = 43;
  const Setup setups[3] = {
      {42, 224, 0, 0, 8, 32},
      {60, 320, 0, 0, 8, 32},
      kScalarRows
          ? Setup{60, 320, 7L * kScalarRows, 56, 8, 32 + 8 * kScalarRows / 6.0}
          : Setup{60, 320, 42, 7L * kScalarCols, 256 / (32 + kScalarCols), 32 + kScalarCols}};
  const Loop loops[3] = {loop_and, loop_carry, loop_carry_s};
  const char *names[3] = {"and", "carry", "carry+s"};
  std::vector<double> res[3];
  alignas(64) static unsigned long z[24 * 8];
  alignas(64) static unsigned long s[64];
  for (int run = 0; run < 9; ++run)
    for (int v = 0; v < 3; ++v) {
      const Setup &u = setups[v];
      Vec a(MB * G * u.a_words + 64), w(u.blocks * G * u.w_words + 64), x(MB * G * u.x_words + 64),
          y(u.blocks * G * u.y_words + 64);
      for (auto *vec : {&a, &w, &x, &y})
        for (auto &e : *vec)
          e = (static_cast<unsigned long>(std::rand()) << 32) ^
              static_cast<unsigned long>(std::rand());
      auto call = [&](long m, long q) {
        const long mm = order == 2 ? 0 : m, qq = order == 2 ? 0 : q;
        loops[v](a.data() + mm * G * u.a_words, w.data() + qq * G * u.w_words,
                 x.data() + mm * G * u.x_words, y.data() + qq * G * u.y_words, G, s, z);
      };
      const int reps = 200;
      const double t0 = cpu_now();
      for (int rep = 0; rep < reps; ++rep) {
        if (order == 0) {
          for (long q = 0; q < u.blocks; ++q)
            for (long m = 0; m < MB; ++m)
              call(m, q);
        } else {
          for (long m = 0; m < MB; ++m)
            for (long q = 0; q < u.blocks; ++q)
              call(m, q);
        }
      }
      const double sec = cpu_now() - t0;
      res[v].push_back(1.0 * reps * MB * u.blocks * G * 7 * 64 * 6 * u.cols / sec / 1e9);
    }
  for (int v = 0; v < 3; ++v) {
    std::sort(res[v].begin(), res[v].end());
    std::printf("%-8s median %5.0f  min %5.0f  max %5.0f GMAC/s\n", names[v], res[v][4], res[v][0],
                res[v][8]);
  }
  std::printf("ratio to and (medians): carry %.3f carry+s %.3f\n", res[1][4] / res[0][4],
              res[2][4] / res[0][4]);
}
