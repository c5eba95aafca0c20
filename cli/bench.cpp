// samd bench: kernel speed against baselines measured in the same run (see bench/).
#include "commands.hpp"

#include <unistd.h>

#include <climits>

#include <bench.hpp>

namespace samd::cli {

void register_bench(CLI::App &app) {
  auto *sub = app.add_subcommand(
      "bench", "effective MAC/s of samd's kernels vs oneDNN int8/f32 and a plain C++ "
               "int8 loop, measured in the same run");
  static bench::Options o;
  static bool no_avx2 = false;
  sub->add_option("--json", o.json, "write one JSON record per measurement to this file");
  sub->add_option("--isa", o.isa, "native, or avx2 (samd's AVX2 path vs oneDNN limited to AVX2)")
      ->capture_default_str();
  sub->add_flag("--no-avx2", no_avx2, "skip the avx2-mode measurements (run in a child process)");
  sub->add_option("--min-time", o.min_time, "seconds per repetition")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  sub->add_option("--repetitions", o.repetitions, "repetitions; the median is reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  sub->add_option("--only", o.only, "run only the cases whose name contains this text");
  sub->add_option("--gemm", o.gemm,
                  "measure these GEMM shapes (MxNxK, repeatable; M = 1 is a GEMV) at every width "
                  "pair, against oneDNN and the plain loop, instead of the standard set");
  sub->callback([] {
    o.with_avx2 = !no_avx2;
    char self[PATH_MAX] = {};
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    o.self = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : "samd";
    if (const int rc = bench::run(o); rc != 0) // errors: main() prints them
      throw CLI::RuntimeError(rc);
  });
}

} // namespace samd::cli
