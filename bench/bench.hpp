// samd bench: effective MAC/s of samd's kernels against baselines measured in the same run
// (oneDNN u8s8s32 at the native ISA and limited to AVX2, oneDNN f32, a plain C++ int8 loop).
#pragma once

#include <string>
#include <vector>

namespace samd::bench {

struct Options {
  std::string json;           // write one record per measurement here ("" = none)
  std::string isa = "native"; // native | avx2 (avx2: samd's AVX2 path vs oneDNN limited to AVX2)
  bool with_avx2 = true;      // native run: also run the avx2 mode in a child process
  double min_time = 0.2;      // seconds per repetition
  int repetitions = 3;        // the median is reported
  std::string only;           // run only cases whose name contains this
  std::string self;           // path of the samd executable (for the avx2 child)
};

struct Record {
  std::string op; // gemm | gemv | conv
  long long m = 0, n = 0, k = 0;
  std::string layer;
  int wbits = 0, abits = 0, threads = 1;
  std::string isa, impl, path;
  double gmacs = 0;
  long long weight_bytes = 0;
};

// Runs the benchmarks for o.isa; returns the records.
std::vector<Record> measure(const Options& o);
// The whole command: measure, the avx2 child if asked, the table, the JSON. Returns the exit code.
int run(const Options& o);

} // namespace samd::bench
