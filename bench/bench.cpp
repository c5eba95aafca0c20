#include "bench.hpp"

#include <benchmark/benchmark.h>
#include <omp.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <samd/kernels/kernels.hpp>

#include "onednn_baseline.hpp"
#include "plain_int8.hpp"

namespace samd::bench {
namespace {

using namespace samd::kernels;

// A measurement: its record, and how to build its operands (only when it is selected).
struct Prepared {
  std::function<void()> body; // one timed run
  std::shared_ptr<void> keep; // the operands
  long long weight_bytes = 0;
  std::string weight_format;
  std::function<long long()> resident; // bytes the weights hold, asked after the runs
};
struct Case {
  Record rec; // everything but gmacs and the weights' bytes
  std::function<Prepared()> make;
};

// Median real time per iteration of every benchmark, by name.
class Collector : public benchmark::BenchmarkReporter {
public:
  bool ReportContext(const Context &) override { return true; }
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs)
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median")
        seconds[r.run_name.function_name] = r.GetAdjustedRealTime() * 1e-9; // default unit: ns
      else if (r.run_type == Run::RT_Iteration) // a single repetition has no aggregates
        single[r.run_name.function_name] = r.GetAdjustedRealTime() * 1e-9;
  }
  std::map<std::string, double> seconds, single;
};

Layout act_layout(int bits) { return Layout{static_cast<unsigned>(bits), 0, Signedness::Unsigned}; }
Layout weight_layout(int bits) {
  return Layout{static_cast<unsigned>(bits), 0, Signedness::Signed};
}

QTensor random_tensor(Shape shape, const Layout &L, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::size_t n = 1;
  for (auto d : shape)
    n *= static_cast<std::size_t>(d);
  std::vector<std::int64_t> v(n);
  const std::uint64_t span = static_cast<std::uint64_t>(L.max_value() - L.min_value()) + 1;
  for (auto &x : v)
    x = L.min_value() + static_cast<std::int64_t>(rng() % span);
  return QTensor::from_ints(std::move(shape), L, v);
}

// samd GEMM on prepared operands, as oneDNN's matmul is timed on ready operands.
Case samd_gemm(const std::string &op, std::int64_t M, std::int64_t N, std::int64_t K, int wb,
               int ab, int threads, Path path, const std::string &isa) {
  struct Ops {
    PackedWeights w;
    PreparedActivations a;
    KernelOptions opt;
    Int32Tensor out; // allocated once, as oneDNN's destination
  };
  Record r{op, M, N,  K, "", wb, ab, threads, isa, "samd", to_string(resolve_path(path)),
           0,  0, "", 0, 0,  ""};
  return {r, [=] {
            auto ops = std::make_shared<Ops>();
            // Prepacked for the measured path, so the object holds that path's format only, with
            // the rows it will be multiplied with (as a caller who knows its batch passes them).
            ops->w = PackedWeights::prepack(random_tensor({N, K}, weight_layout(wb), 1), {},
                                            act_layout(ab), 5, path, M);
            ops->a = prepare_activations(random_tensor({M, K}, act_layout(ab), 2), ops->w, path);
            ops->opt = KernelOptions{path};
            ops->opt.threads = threads;
            gemm_s32(ops->a, ops->w, ops->out, ops->opt);
            return Prepared{[ops] {
                              gemm_s32(ops->a, ops->w, ops->out, ops->opt);
                              benchmark::DoNotOptimize(ops->out.data.data());
                              benchmark::ClobberMemory();
                            },
                            ops, static_cast<long long>(ops->w.weight_bytes(path, M)),
                            ops->w.weight_format(path, M),
                            [ops] { return static_cast<long long>(ops->w.resident_bytes()); }};
          }};
}

struct ConvLayer {
  const char *name;
  std::int64_t c, hw, o, k, stride, pad;
};
// ResNet-18's 3x3 convolutions, one per stage (batch 1, 224x224 input).
constexpr ConvLayer kResnet18[] = {{"conv2_x", 64, 56, 64, 3, 1, 1},
                                   {"conv3_x", 128, 28, 128, 3, 1, 1},
                                   {"conv4_x", 256, 14, 256, 3, 1, 1},
                                   {"conv5_x", 512, 7, 512, 3, 1, 1}};

std::int64_t out_hw(const ConvLayer &l) { return (l.hw + 2 * l.pad - l.k) / l.stride + 1; }

// The fraction of the layer's M * N * K products whose tap reads a padding pixel: per axis, the
// taps of the output positions that fall inside the image, the 2-D fraction their square.
double padding_tap_fraction(const ConvLayer &l) {
  const std::int64_t ohw = out_hw(l);
  std::int64_t inside = 0;
  for (std::int64_t o = 0; o < ohw; ++o)
    for (std::int64_t t = 0; t < l.k; ++t) {
      const std::int64_t x = o * l.stride - l.pad + t;
      inside += x >= 0 && x < l.hw;
    }
  const double f = static_cast<double>(inside) / static_cast<double>(ohw * l.k);
  return 1.0 - f * f;
}

Case samd_conv(const ConvLayer &l, int wb, int ab, Path path, const std::string &isa) {
  struct Ops {
    QTensor x;
    PackedConvWeights w;
    Conv2dParams p;
    KernelOptions opt;
    Int32Tensor out; // allocated once, as oneDNN's destination (and samd_gemm's)
  };
  const std::int64_t ohw = out_hw(l);
  Record r{"conv",
           ohw * ohw,
           l.o,
           l.c * l.k * l.k,
           l.name,
           wb,
           ab,
           1,
           isa,
           "samd",
           to_string(resolve_path(path)),
           0,
           0,
           "",
           0,
           0,
           ""};
  r.padding_taps = padding_tap_fraction(l);
  return {r, [=] {
            auto ops = std::make_shared<Ops>();
            ops->x = random_tensor({1, l.hw, l.hw, l.c}, act_layout(ab), 3);
            ops->w = PackedConvWeights::prepack(
                random_tensor({l.o, l.c, l.k, l.k}, weight_layout(wb), 4), {}, act_layout(ab), 1);
            ops->p = Conv2dParams{l.stride, l.stride, l.pad, l.pad, l.pad,
                                  l.pad,    1,        1,     1,     DataFormat::NHWC};
            ops->opt = KernelOptions{path};
            // The format the chosen kernel reads ("bits": the bit planes the direct kernels decode
            // per call; "gemm:...": im2col's GEMM weights), built by a first call as the runs
            // would.
            conv2d_s32(ops->x, ops->w, ops->p, ops->out, ops->opt);
            return Prepared{[ops] {
                              conv2d_s32(ops->x, ops->w, ops->p, ops->out, ops->opt);
                              benchmark::DoNotOptimize(ops->out.data.data());
                              benchmark::ClobberMemory();
                            },
                            ops,
                            static_cast<long long>(ops->w.weight_bytes(ops->x, ops->p, ops->opt)),
                            ops->w.weight_format(ops->x, ops->p, ops->opt),
                            [ops] { return static_cast<long long>(ops->w.resident_bytes()); }};
          }};
}

Case onednn_case(const std::string &op, std::int64_t M, std::int64_t N, std::int64_t K, bool int8,
                 const std::string &isa, const std::string &layer = "",
                 const ConvLayer *conv = nullptr) {
  Record r{op,           M, N, K,  layer, 8, 8, 1, isa, int8 ? "onednn-int8" : "onednn-f32",
           onednn_isa(), 0, 0, "", 0,     0, ""};
  if (!int8)
    r.wbits = r.abits = 32;
  const std::optional<ConvLayer> cl = conv ? std::optional<ConvLayer>(*conv) : std::nullopt;
  if (cl)
    r.padding_taps = padding_tap_fraction(*cl);
  return {r, [=] {
            std::shared_ptr<OnednnMatmul> p =
                cl ? make_onednn_conv(cl->c, cl->hw, cl->hw, cl->o, cl->k, cl->stride, cl->pad,
                                      int8)
                   : make_onednn_matmul(M, N, K, int8);
            const long long bytes = N * K * (int8 ? 1 : 4);
            return Prepared{[p] { p->run(); }, p, bytes, int8 ? "s8" : "f32",
                            [bytes] { return bytes; }};
          }};
}

Case plain_case(const std::string &op, std::int64_t M, std::int64_t N, std::int64_t K,
                const std::string &isa) {
  Record r{op, M, N, K, "", 8, 8, 1, isa, "plain-int8", "c++", 0, 0, "", 0, 0, ""};
  return {r, [=] {
            auto p = std::make_shared<PlainInt8Gemm>(M, N, K);
            return Prepared{[p] {
                              p->run();
                              benchmark::DoNotOptimize(p->checksum());
                            },
                            p, static_cast<long long>(N * K), "s8",
                            [N, K] { return static_cast<long long>(N * K); }};
          }};
}

std::string case_name(const Record &r) {
  std::ostringstream o;
  o << r.op << "/" << (r.layer.empty() ? "" : r.layer + "/") << r.m << "x" << r.n << "x" << r.k
    << "/W" << r.wbits << "A" << r.abits << "/t" << r.threads << "/" << r.isa << "/" << r.impl;
  return o.str();
}

// "MxNxK" as three positive sizes; invalid_argument naming the text otherwise.
std::array<std::int64_t, 3> parse_shape(const std::string &text) {
  std::array<std::int64_t, 3> d{};
  std::size_t at = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(text.substr(at), &used);
    } catch (const std::exception &) {
      used = 0;
    }
    const bool sep_ok =
        i == 2 ? at + used == text.size() : at + used < text.size() && text[at + used] == 'x';
    if (used == 0 || !std::isdigit(static_cast<unsigned char>(text[at])) || !sep_ok || v <= 0 ||
        v > (1LL << 24))
      throw std::invalid_argument("samd bench: --gemm " + text +
                                  " is not MxNxK with sizes from 1 to 16777216");
    d[static_cast<std::size_t>(i)] = v;
    at += used + 1;
  }
  return d;
}

std::vector<Case> cases(const Options &o) {
  std::vector<Case> cs;
  const bool avx2 = o.isa == "avx2";
  const Path path = avx2 ? Path::Avx2 : Path::Auto;
  const std::string isa = o.isa;
  const std::pair<int, int> gemm_pairs[] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {8, 8}, {4, 8}, {2, 8}};
  if (!o.gemm.empty()) { // the user's shapes instead of the standard set
    for (const std::string &text : o.gemm) {
      const auto [M, N, K] = parse_shape(text);
      const std::string op = M == 1 ? "gemv" : "gemm";
      for (auto [wb, ab] : gemm_pairs)
        cs.push_back(samd_gemm(op, M, N, K, wb, ab, 1, path, isa));
      for (auto [wb, ab] : {std::pair{1, 2}, std::pair{2, 1}})
        cs.push_back(samd_gemm(op, M, N, K, wb, ab, 1, path, isa));
      cs.push_back(onednn_case(op, M, N, K, true, isa));
      if (!avx2) {
        cs.push_back(onednn_case(op, M, N, K, false, isa));
        cs.push_back(plain_case(op, M, N, K, isa));
      }
    }
    if (!o.only.empty())
      std::erase_if(
          cs, [&](const Case &c) { return case_name(c.rec).find(o.only) == std::string::npos; });
    return cs;
  }
  // GEMM 256 x 256 x 4096
  for (auto [wb, ab] : gemm_pairs)
    cs.push_back(samd_gemm("gemm", 256, 256, 4096, wb, ab, 1, path, isa));
  cs.push_back(onednn_case("gemm", 256, 256, 4096, true, isa));
  if (avx2) {
    // The table-lookup pairs' other two (Method::Lut), and the GEMV rows of the Lut pairs.
    for (auto [wb, ab] : {std::pair{1, 2}, std::pair{2, 1}})
      cs.push_back(samd_gemm("gemm", 256, 256, 4096, wb, ab, 1, path, isa));
    for (auto [wb, ab] : {std::pair{1, 1}, std::pair{2, 2}})
      cs.push_back(samd_gemm("gemv", 1, 8192, 8192, wb, ab, 1, path, isa));
    cs.push_back(onednn_case("gemv", 1, 8192, 8192, true, isa));
  } else {
    // The mixed 1- / 2-bit pairs too (bit-serial here, table lookup in the AVX2 mode).
    for (auto [wb, ab] : {std::pair{1, 2}, std::pair{2, 1}})
      cs.push_back(samd_gemm("gemm", 256, 256, 4096, wb, ab, 1, path, isa));
    for (auto [wb, ab] : {std::pair{1, 1}, std::pair{2, 2}, std::pair{4, 4}, std::pair{8, 8}})
      cs.push_back(samd_gemm("gemm", 256, 256, 4096, wb, ab, 2, path, isa));
    cs.push_back(onednn_case("gemm", 256, 256, 4096, false, isa));
    cs.push_back(plain_case("gemm", 256, 256, 4096, isa));
    // GEMV 1 x 8192 x 8192
    for (auto [wb, ab] :
         {std::pair{4, 8}, std::pair{2, 8}, std::pair{8, 8}, std::pair{1, 1}, std::pair{2, 2}})
      cs.push_back(samd_gemm("gemv", 1, 8192, 8192, wb, ab, 1, path, isa));
    cs.push_back(onednn_case("gemv", 1, 8192, 8192, true, isa));
    cs.push_back(onednn_case("gemv", 1, 8192, 8192, false, isa));
    cs.push_back(plain_case("gemv", 1, 8192, 8192, isa));
    // ResNet-18 convolutions
    for (const ConvLayer &l : kResnet18) {
      for (auto [wb, ab] : {std::pair{1, 1}, std::pair{2, 2}, std::pair{4, 4}, std::pair{8, 8}})
        cs.push_back(samd_conv(l, wb, ab, path, isa));
      const std::int64_t ohw = out_hw(l);
      cs.push_back(onednn_case("conv", ohw * ohw, l.o, l.c * l.k * l.k, true, isa, l.name, &l));
    }
  }
  if (!o.only.empty())
    std::erase_if(
        cs, [&](const Case &c) { return case_name(c.rec).find(o.only) == std::string::npos; });
  return cs;
}

} // namespace

bool any_case(const Options &o) { return !cases(o).empty(); }

std::vector<Record> measure(const Options &o) {
  if (o.isa != "native" && o.isa != "avx2")
    throw std::invalid_argument("samd bench: --isa " + o.isa + " is not one of native, avx2");
  if (o.repetitions < 1 || !(o.min_time > 0))
    throw std::invalid_argument("samd bench: --repetitions must be at least 1 and --min-time "
                                "positive");
  if (o.isa == "avx2" && !supported(Path::Avx2))
    throw std::invalid_argument("samd bench: --isa avx2 needs a CPU with AVX2");
  omp_set_num_threads(1); // baselines single-threaded; samd's threads come from KernelOptions
  std::vector<Case> cs = cases(o);
  int argc = 1;
  char arg0[] = "samd-bench";
  char *argv[] = {arg0, nullptr};
  benchmark::Initialize(&argc, argv);
  Collector col;
  // One case at a time: its operands exist only while it is measured.
  for (Case &c : cs) {
    Prepared prepared = c.make();
    c.rec.weight_bytes = prepared.weight_bytes;
    c.rec.weight_format = prepared.weight_format;
    const std::string name = case_name(c.rec);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [body = prepared.body](benchmark::State &st) {
                                   for (auto _ : st)
                                     body();
                                 })
        ->MinTime(o.min_time)
        ->Repetitions(o.repetitions)
        ->ReportAggregatesOnly(o.repetitions > 1)
        ->UseRealTime();
    benchmark::RunSpecifiedBenchmarks(&col, "^" + name + "(/|$)"); // + /min_time:…/real_time
    c.rec.resident_bytes = prepared.resident(); // formats built on first use included
  }
  std::vector<Record> out;
  for (Case &c : cs) {
    const std::string name = case_name(c.rec);
    auto it = col.seconds.find(name);
    if (it == col.seconds.end())
      it = col.single.find(name);
    if (it == col.single.end())
      throw std::runtime_error("samd bench: no result for " + name);
    c.rec.gmacs = static_cast<double>(c.rec.m * c.rec.n * c.rec.k) / it->second / 1e9;
    out.push_back(c.rec);
  }
  return out;
}

} // namespace samd::bench
