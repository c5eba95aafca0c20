// samd bench's output: the table of effective MAC/s with ratios to the baselines of the same run,
// the goals checked against those ratios, and the JSON records.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "bench.hpp"
#include "cpu_id.hpp"
#include "output_file.hpp"

namespace samd::bench {
namespace {

nlohmann::json to_json(const Record &r) {
  return {{"op", r.op},
          {"m", r.m},
          {"n", r.n},
          {"k", r.k},
          {"layer", r.layer},
          {"wbits", r.wbits},
          {"abits", r.abits},
          {"threads", r.threads},
          {"isa", r.isa},
          {"impl", r.impl},
          {"path", r.path},
          {"gmacs", r.gmacs},
          {"weight_bytes", r.weight_bytes},
          {"weight_format", r.weight_format},
          {"weight_ratio", weight_ratio(r)},
          {"resident_bytes", r.resident_bytes},
          {"resident_ratio",
           r.n * r.k > 0 ? static_cast<double>(r.resident_bytes) / static_cast<double>(r.n * r.k)
                         : 0.0},
          {"within_weight_goal", within_weight_goal(r)},
          {"padding_taps", r.padding_taps},
          {"cpu", r.cpu}};
}

Record from_json(const nlohmann::json &j) {
  Record r;
  r.op = j.at("op");
  r.m = j.at("m");
  r.n = j.at("n");
  r.k = j.at("k");
  r.layer = j.at("layer");
  r.wbits = j.at("wbits");
  r.abits = j.at("abits");
  r.threads = j.at("threads");
  r.isa = j.at("isa");
  r.impl = j.at("impl");
  r.path = j.at("path");
  r.gmacs = j.at("gmacs");
  r.weight_bytes = j.at("weight_bytes");
  r.weight_format = j.at("weight_format");
  r.resident_bytes = j.at("resident_bytes");
  r.padding_taps = j.at("padding_taps");
  r.cpu = j.at("cpu");
  return r;
}

// The avx2 mode in a child process: oneDNN reads DNNL_MAX_CPU_ISA once, at its first use.
std::vector<Record> run_avx2_child(const Options &o) {
  char tmpl[] = "/tmp/samd-bench-avx2-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0)
    throw std::runtime_error("samd bench: cannot create a temporary file");
  close(fd);
  const std::string min_time = std::to_string(o.min_time), reps = std::to_string(o.repetitions);
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("DNNL_MAX_CPU_ISA", "AVX2", 1);
    std::vector<const char *> args = {o.self.c_str(),   "bench",         "--isa",     "avx2",
                                      "--no-avx2",      "--json",        tmpl,        "--min-time",
                                      min_time.c_str(), "--repetitions", reps.c_str()};
    if (!o.only.empty()) {
      args.push_back("--only");
      args.push_back(o.only.c_str());
    }
    for (const std::string &shape : o.gemm) {
      args.push_back("--gemm");
      args.push_back(shape.c_str());
    }
    args.push_back(nullptr);
    execv(o.self.c_str(), const_cast<char *const *>(args.data()));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::remove(tmpl);
    throw std::runtime_error("samd bench: the avx2 child process failed");
  }
  std::ifstream in(tmpl);
  const nlohmann::json j = nlohmann::json::parse(in);
  std::remove(tmpl);
  std::vector<Record> out;
  for (const auto &x : j)
    out.push_back(from_json(x));
  return out;
}

// M x N x K of a record; the goals' shapes.
struct Dims {
  long long m, n, k;
};
constexpr Dims kGemmGoal{256, 256, 4096}, kGemvGoal{1, 8192, 8192};
Dims dims_of(const Record &r) { return {r.m, r.n, r.k}; }
Dims goal_dims(const std::string &op) { return op == "gemv" ? kGemvGoal : kGemmGoal; }

// The measurement of op at this shape (a conv's: its layer), impl, widths, threads and isa.
std::optional<double> find(const std::vector<Record> &rs, const std::string &op, Dims d,
                           const std::string &impl, int wb, int ab, int threads,
                           const std::string &isa, const std::string &layer = "") {
  for (const Record &r : rs)
    if (r.op == op && r.m == d.m && r.n == d.n && r.k == d.k && r.impl == impl &&
        (impl != "samd" || (r.wbits == wb && r.abits == ab)) && r.threads == threads &&
        r.isa == isa && r.layer == layer)
      return r.gmacs;
  return std::nullopt;
}

void print_table(const std::vector<Record> &rs) {
  std::printf("\nCPU: %s\n", rs.empty() ? cpu_description().c_str() : rs.front().cpu.c_str());
  std::printf("\n%-5s %-8s %-17s %-6s %3s %-6s %-11s %-9s %10s %9s %8s %12s %-14s %6s %6s %s\n",
              "op", "layer", "m x n x k", "W/A", "thr", "isa", "impl", "path", "GMAC/s", "x int8",
              "x plain", "weight B", "format", "w/int8", "res/i8", "<=b/8+5%");
  for (const Record &r : rs) {
    const auto base = find(rs, r.op, dims_of(r), "onednn-int8", 8, 8, 1, r.isa, r.layer);
    const auto plain = find(rs, r.op, dims_of(r), "plain-int8", 8, 8, 1, "native");
    char dims[64];
    std::snprintf(dims, sizeof dims, "%lldx%lldx%lld", r.m, r.n, r.k);
    char wa[16];
    std::snprintf(wa, sizeof wa, "W%dA%d", r.wbits, r.abits);
    const double resident =
        r.n * r.k > 0 ? static_cast<double>(r.resident_bytes) / static_cast<double>(r.n * r.k) : 0;
    std::printf("%-5s %-8s %-17s %-6s %3d %-6s %-11s %-9s %10.1f %8.2fx %7.2fx %12lld %-14s %6.3f "
                "%6.3f %s\n",
                r.op.c_str(), r.layer.empty() ? "-" : r.layer.c_str(), dims, wa, r.threads,
                r.isa.c_str(), r.impl.c_str(), r.path.c_str(), r.gmacs,
                base ? r.gmacs / *base : 0.0, plain && r.op != "conv" ? r.gmacs / *plain : 0.0,
                r.weight_bytes, r.weight_format.c_str(), weight_ratio(r), resident,
                within_weight_goal(r) ? "yes" : "NO");
  }
}

// Which format each path reads, and the memory goal over samd's records.
void print_weight_note(const std::vector<Record> &rs) {
  std::printf(
      "\nWeights (w/int8: bytes the kernel reads / N*K; res/i8: bytes the packed object holds "
      "after\n"
      "the runs / N*K; goal: <= b/8 + 5 %%, b = weight bits). Formats: iplanes = bit planes of 8\n"
      "columns (AVX-512 bit-serial), nibbles = 1- or 2-bit weights, 4 / b of them a nibble, in\n"
      "64-column panels (AVX2 table lookup: W1A1, W1A2, W2A1, W2A2; AVX-512 VBMI: W2A2),\n"
      "pstreams = b-bit byte\n"
      "groups of 16-row panels, unpacked to bytes in the kernel (AVX-512 and AVX2 Dot8, GEMM and\n"
      "GEMV), streams = b-bit row streams padded to 512 k (NEON Dot8), planes = per-row bit "
      "planes\n"
      "padded to 512 k (NEON), swar = guarded words (b + a + guard bits a lane), source = the "
      "QTensor lanes\n"
      "(Reference). Per channel: column sums (2, 4 or 8 bytes, the narrowest holding K (2^b - "
      "1)),\n"
      "zero point and scale, bias. res/i8 may exceed the goal by 1 KiB, the C++ objects "
      "themselves.\n"
      "conv rows: gemm:... = im2col's GEMM weights per group (taps:... the same, read by the\n"
      "Dot8 conv that skips padding taps), bits = b bit planes per output\n"
      "channel (exactly b bits a weight), which the direct kernels decode per call, lut64 = the\n"
      "implicit LUT64 conv's 2-bit nibbles per group (channels padded to 4); res/i8 is\n"
      "PackedConvWeights::resident_bytes(), everything the conv weights hold.\n");
  int met = 0, all = 0;
  std::string over;
  for (const Record &r : rs) {
    if (r.impl != "samd")
      continue;
    ++all;
    if (within_weight_goal(r))
      ++met;
    else
      over += "\n    " + r.op + (r.layer.empty() ? "" : " " + r.layer) + " W" +
              std::to_string(r.wbits) + "A" + std::to_string(r.abits) + " " + r.isa + " " +
              r.weight_format;
  }
  std::printf("  packed weights <= b/8 + 5 %%: %d of %d samd records%s%s\n", met, all,
              over.empty() ? "" : "; over:", over.c_str());
}

struct Goal {
  const char *what;
  std::string op, isa;
  int wb, ab, threads;
  double ratio;
};

void print_goals(const std::vector<Record> &rs) {
  const Goal goals[] = {{"GEMM W1A1 >= 6x oneDNN int8", "gemm", "native", 1, 1, 1, 6.0},
                        {"GEMM W2A2 >= 1.5x", "gemm", "native", 2, 2, 1, 1.5},
                        {"GEMM W3A3 >= 0.9x", "gemm", "native", 3, 3, 1, 0.9},
                        {"GEMM W4A4 >= 0.9x", "gemm", "native", 4, 4, 1, 0.9},
                        {"GEMV W4A8 >= 1.7x", "gemv", "native", 4, 8, 1, 1.7},
                        {"GEMV W2A8 >= 2x", "gemv", "native", 2, 8, 1, 2.0},
                        {"AVX2 mode W1A1 >= 6x", "gemm", "avx2", 1, 1, 1, 6.0},
                        {"AVX2 mode W2A2 >= 2x", "gemm", "avx2", 2, 2, 1, 2.0}};
  std::printf("\nGoals (ratios of effective MAC/s to oneDNN u8s8s32 in this run):\n");
  for (const Goal &g : goals) {
    const auto s = find(rs, g.op, goal_dims(g.op), "samd", g.wb, g.ab, g.threads, g.isa),
               b = find(rs, g.op, goal_dims(g.op), "onednn-int8", 8, 8, 1, g.isa);
    if (!s || !b) {
      std::printf("  %-32s not measured in this run\n", g.what);
      continue;
    }
    const double r = *s / *b;
    std::printf("  %-32s %6.2fx  %s\n", g.what, r, r >= g.ratio ? "met" : "NOT met");
  }
  // Where a goal exceeds what the instructions allow (per 512 k and output, bit-serial costs
  // wb * ab plane products of AND + VPOPCNTQ + ADD = 3 vector ops; oneDNN's vpdpbusd does 64 MACs
  // per op on 2 of the 4 vector pipes). AVX2 W1/W2 weights use table lookup (Method::Lut): per
  // step of g = 4 / wb k, one vpshufb + vpaddb per 32 columns and row, plus amortized table loads
  // (the nibbles pre-expanded to index bytes from 32 rows), against oneDNN's vpmaddubsw +
  // vpmaddwd + vpaddd per 32 MACs.
  std::printf(
      "  (bounds: AVX-512 bit-serial <= 4 pipes / 3 ops x 512 MAC = 683 MAC/cycle vs 2 x 64 for\n"
      "   vpdpbusd: W1A1 <= 5.3x, W2A2 <= 5.3x / 4 = 1.33x with bit-serial (scalar popcnt on the\n"
      "   integer pipes beside it: ~5.5x at best, bench/prototypes/avx512_w1a1_hybrid;\n"
      "   full adders over XORs take 18 ops per 7 words, a mix 1.11x faster, 1.23x with scalar\n"
      "   popcnt beside it, but as a kernel no faster: bench/prototypes/avx512_w1a1_carry;\n"
      "   7-bit vpermi2b lookups, 448 MAC a pair, 1.01-1.05x the mix:\n"
      "   bench/prototypes/avx512_w1a1_lut7). These are Zen 4's. Intel server cores with two\n"
      "   512-bit FMA units (Sapphire / Emerald Rapids) run vpdpbusd zmm on both ports 0 and 5,\n"
      "   128 MAC/cycle, but the 3 bit-serial ops on the same 2 ports: 341 MAC/cycle, W1A1 <=\n"
      "   2.67x, W2A2 <= 0.67x bit-serial; the carry mix (18 ops per 7 words) <= 3.1x; W4A4 by\n"
      "   unpack + vpdpbusd < 1x (each unpack op takes a vpdpbusd slot). W2A2 on\n"
      "   VBMI uses vpermb table lookup with 3 weights a lookup (Lut64, README): ~1.7x measured;\n"
      "   lookups run at <= ~1.85 vpermb + vpaddb pairs a cycle, so W1A1 lookups (256 MAC a pair)\n"
      "   stay below bit-serial. AVX2 vs oneDNN's vpmaddubsw+vpmaddwd+vpaddd (3 ops per 32 MAC):\n"
      "   table lookup does 2 ops (vpshufb+vpaddb) per 32 x g MAC, g = 4 / wb, plus ~0.25 op of\n"
      "   index and table loads (no nibble masks from 32 rows): ~5.3x (wb = 1) and ~2.7x (wb = 2)\n"
      "   at equal ops per cycle; W1A1 from 32 rows looks two rows up a vpshufb (entries\n"
      "   e + 16 e', split after 3 lookups: 10 ops per 768 MAC), ~7.2x before loads; measured on\n"
      "   Zen 5 W1A1 5.96-6.45x (unpaired), W1A2 5.42-5.53x, W2A2 2.55-2.65x, W2A1 3.07-3.13x)\n");
  for (auto [wb, ab] : {std::pair{1, 1}, std::pair{2, 2}, std::pair{4, 4}, std::pair{8, 8}}) {
    const auto t1 = find(rs, "gemm", kGemmGoal, "samd", wb, ab, 1, "native"),
               t2 = find(rs, "gemm", kGemmGoal, "samd", wb, ab, 2, "native");
    if (t1 && t2)
      std::printf(
          "  %-32s %6.2fx  %s\n",
          ("2 threads vs 1, GEMM W" + std::to_string(wb) + "A" + std::to_string(ab) + " >= 1.8x")
              .c_str(),
          *t2 / *t1, *t2 / *t1 >= 1.8 ? "met" : "NOT met");
  }
  // Conv ratios should be within 20 % of the GEMM ratio at the same widths.
  for (const Record &r : rs) {
    if (r.op != "conv" || r.impl != "samd")
      continue;
    const auto cb = find(rs, "conv", dims_of(r), "onednn-int8", 8, 8, 1, r.isa, r.layer);
    const auto gs = find(rs, "gemm", kGemmGoal, "samd", r.wbits, r.abits, 1, r.isa),
               gb = find(rs, "gemm", kGemmGoal, "onednn-int8", 8, 8, 1, r.isa);
    if (!cb || !gs || !gb)
      continue;
    const double conv_ratio = r.gmacs / *cb, gemm_ratio = *gs / *gb;
    std::printf("  conv %-8s W%dA%d ratio %5.2fx vs GEMM %5.2fx: %-15s (padding taps %4.1f %%)\n",
                r.layer.c_str(), r.wbits, r.abits, conv_ratio, gemm_ratio,
                conv_ratio >= 0.8 * gemm_ratio ? "within 20 %" : "NOT within 20 %",
                100 * r.padding_taps);
  }
  if (std::any_of(rs.begin(), rs.end(), [](const Record &r) { return r.op == "conv"; }))
    std::printf(
        "  (padding taps: the share p of a layer's M x N x K whose activation is a padding pixel.\n"
        "   Both sides' effective MAC/s count them, but oneDNN's direct conv skips them where\n"
        "   samd's im2col GEMM, bit-serial and LUT64 convs multiply them (its tap conv, taps:...,\n"
        "   skips them too), so oneDNN's conv can read "
        "up\n"
        "   to 1 / (1 - p) of the rate it computes at: on a Zen 4 machine its conv5_x (p = 18.1 "
        "%%)\n"
        "   read 265-278 GMAC/s against a measured vpdpbusd peak of 235 GMAC/s.)\n");
}

} // namespace

double weight_ratio(const Record &r) {
  return r.n * r.k > 0 ? static_cast<double>(r.weight_bytes) / static_cast<double>(r.n * r.k) : 0;
}

bool within_weight_goal(const Record &r) {
  // What the kernel reads, and what the object holds (allowing kObjectBytes for the C++ objects
  // themselves, which do not grow with N * K).
  const double bound = r.wbits / 8.0 * 1.05 * static_cast<double>(r.n * r.k);
  return static_cast<double>(r.weight_bytes) <= bound &&
         static_cast<double>(r.resident_bytes) <= bound + kObjectBytes;
}

int run(const Options &o) {
  // The avx2 mode runs in a child when it has cases to run; a run with none at all (an --only
  // that matches nothing) would report success having measured nothing.
  Options avx2 = o;
  avx2.isa = "avx2", avx2.with_avx2 = false;
  const bool with_child = o.isa == "native" && o.with_avx2 && any_case(avx2);
  if (!with_child && !any_case(o))
    throw std::invalid_argument("samd bench: --only '" + o.only +
                                "' matches no case (names are like "
                                "gemm/256x256x4096/W1A1/t1/native/samd)");
  std::vector<Record> rs = measure(o);
  const std::string cpu = cpu_description();
  for (Record &r : rs)
    r.cpu = cpu;
  if (with_child) {
    const std::vector<Record> a = run_avx2_child(o);
    rs.insert(rs.end(), a.begin(), a.end());
  }
  if (!o.json.empty()) {
    nlohmann::json j = nlohmann::json::array();
    for (const Record &r : rs)
      j.push_back(to_json(r));
    output::write_file("samd bench", o.json, j.dump(2) + "\n");
  }
  if (o.isa == "native") {
    print_table(rs);
    print_weight_note(rs);
    print_goals(rs);
  }
  return 0;
}

} // namespace samd::bench
