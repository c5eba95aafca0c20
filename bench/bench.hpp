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
  // GEMM shapes "MxNxK" to measure instead of the standard set, at every width pair, each with
  // its oneDNN int8 / f32 and plain int8 baselines (M = 1: a GEMV); empty = the standard set.
  std::vector<std::string> gemm;
  std::string self; // path of the samd executable (for the avx2 child)
};

struct Record {
  std::string op; // gemm | gemv | conv
  long long m = 0, n = 0, k = 0;
  std::string layer;
  int wbits = 0, abits = 0, threads = 1;
  std::string isa, impl, path;
  double gmacs = 0;
  // The weights: bytes the measured kernel reads (its format plus per-channel data), the format's
  // name, and bytes the packed weights object held after the runs (every format built, metadata).
  long long weight_bytes = 0;
  std::string weight_format;
  long long resident_bytes = 0;
  // conv: the fraction of M * N * K whose activation is a padding pixel (the im2col rows' taps
  // outside the image). oneDNN's direct conv skips those taps, as samd's tap conv does (Dot8
  // pairs, taps:...); samd's other convs compute them.
  double padding_taps = 0;
  std::string cpu; // cpu_description() of the machine that measured it
};

// weight_bytes as a fraction of int8's N * K bytes (for conv, of the GEMM-equivalent N * K).
double weight_ratio(const Record &r);
// The memory goal: b-bit weights take at most b/8 of int8's bytes plus 5 % (b = wbits),
// both the bytes the kernel reads and the bytes the packed object holds (plus kObjectBytes for
// the C++ objects themselves: PackedWeights and its store, a few hundred bytes at any size).
inline constexpr double kObjectBytes = 1024;
bool within_weight_goal(const Record &r);

// Whether o (its isa, --only and --gemm) selects any case to measure.
bool any_case(const Options &o);
// Runs the benchmarks for o.isa; returns the records.
std::vector<Record> measure(const Options &o);
// The whole command: measure, the avx2 child if asked, the table, the JSON. Returns the exit code.
int run(const Options &o);

} // namespace samd::bench
