// Packed weights hold only the formats their paths read: prepack builds the prepared path's format,
// a gemm on another path builds its own on first use (decoded from the one held, exactly, also
// when several threads ask at once), and resident_bytes() stays within b/8 of int8's bytes + 5 %
// on the SIMD paths.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>

#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

namespace {

bool simd(Path p) { return p != Path::Reference && p != Path::Swar; }

// The goal for b-bit weights: at most b/8 of int8's N * K bytes plus 5 %.
double weight_goal(const PackedWeights &w) {
  return w.weight_layout().bits / 8.0 * 1.05 * static_cast<double>(w.n() * w.k());
}
// What resident_bytes() counts besides formats and per-channel data: the C++ objects themselves
// (PackedWeights, its shared store), a few hundred bytes whatever the size.
constexpr std::size_t kObjects = 1024;

// The oracle on weights prepared for the Reference path (w's own words, nothing decoded).
Int32Tensor oracle(const QTensor &a, const QTensor &w, const std::vector<std::int32_t> &bias) {
  return gemm_s32(a, PackedWeights::prepack(w, bias, a.layout(), 5, Path::Reference),
                  KernelOptions{Path::Reference});
}

} // namespace

TEST_CASE("gemm memory: after gemm on the prepared path only its format is held, <= b/8 + 5 %") {
  std::mt19937_64 rng(61);
  const std::int64_t N = 64, K = 4096;
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (unsigned wb = 1; wb <= 8; ++wb) {
      const QTensor w = tensor(rng, {N, K}, layout(wb, wb % 2 == 0), Fill::Random);
      for (std::int64_t M : {1, 16}) {
        const QTensor a = tensor(rng, {M, K}, layout(ab, false), Fill::Random);
        const Int32Tensor want = oracle(a, w, {});
        const std::string pair = describe(a.layout(), w.layout());
        for (Path p : supported_paths()) {
          INFO(pair << " M=" << M << " path " << to_string(p));
          const PackedWeights pw = PackedWeights::prepack(w, {}, a.layout(), 5, p);
          REQUIRE(gemm_s32(a, pw, KernelOptions{p}).data == want.data);
          // The format this call read and the per-channel data, plus the objects themselves.
          INFO("format " << pw.weight_format(p, M) << ": reads " << pw.weight_bytes(p, M)
                         << " B, holds " << pw.resident_bytes() << " B");
          // A GEMV reads the GEMM's format on every path (the AVX2 GEMV too), so one is held.
          CHECK(std::string(pw.weight_format(p, M)) == pw.weight_format(p, 16));
          CHECK(pw.resident_bytes() <= pw.weight_bytes(p, M) + kObjects);
          if (simd(p)) {
            CHECK(static_cast<double>(pw.weight_bytes(p, M)) <= weight_goal(pw));
            CHECK(static_cast<double>(pw.resident_bytes()) <= weight_goal(pw));
          }
        }
      }
    }
}

TEST_CASE("gemm memory: the panel formats are not padded to 512 k (conv-sized K)") {
  // ResNet-18 conv2_x as a GEMM: K = 64 * 9 = 576 (kpad 1024). The AVX-512 and AVX2 formats hold
  // ceil(K / 64) plane words, ceil(K / 32) byte groups or ceil(K / 12) nibbles per row, for GEMMs
  // and GEMVs alike (the AVX2 GEMV and W8A8 GEMM read the panel format too).
  // One case and its oracle for both paths (the scalar oracle is most of this test's time).
  std::mt19937_64 rng(62);
  std::vector<Path> paths;
  for (Path p : {Path::Avx512, Path::Avx2})
    if (supported(p))
      paths.push_back(p);
  if (paths.empty())
    return;
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (unsigned wb = 1; wb <= 8; ++wb)
      for (std::int64_t K : {576, 1152, 2304})
        for (std::int64_t M : {49, 1}) {
          const QTensor w = tensor(rng, {64, K}, layout(wb, true), Fill::Random);
          const QTensor a = tensor(rng, {M, K}, layout(ab, false), Fill::Random);
          const Int32Tensor want = oracle(a, w, {});
          for (Path p : paths) {
            const PackedWeights pw = PackedWeights::prepack(w, {}, a.layout(), 5, p);
            INFO(to_string(p) << " W" << wb << "A" << ab << " M=" << M << " K=" << K << " "
                              << pw.weight_format(p, M) << " holds " << pw.resident_bytes());
            CHECK(gemm_s32(a, pw, KernelOptions{p}).data == want.data);
            CHECK(static_cast<double>(pw.weight_bytes(p, M)) <= weight_goal(pw));
            CHECK(static_cast<double>(pw.resident_bytes()) <= weight_goal(pw) + kObjects);
          }
        }
}

TEST_CASE("gemm memory: a format built on first use is decoded exactly from the one held") {
  // Prepared for one path, multiplied on every other: each format is decoded from the prepared
  // one (tails of N and K, both signednesses, per-channel zero points, bias, extremes).
  std::mt19937_64 rng(63);
  const std::pair<unsigned, unsigned> pairs[] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {8, 8},
                                                 {8, 4}, {8, 2}, {5, 7}, {1, 8}, {3, 6}};
  for (auto [ab, wb] : pairs)
    for (Fill f : kFills) {
      const std::int64_t N = uniform(rng, 1, 40), K = uniform(rng, 1, 1200);
      const QTensor w =
          tensor(rng, {N, K}, layout(wb, (ab + wb) % 2 == 0), f, static_cast<std::size_t>(N), 0);
      std::vector<std::int32_t> bias;
      for (std::int64_t i = 0; i < N; ++i)
        bias.push_back(static_cast<std::int32_t>(uniform(rng, -1000, 1000)));
      for (std::int64_t M : {1, 9}) {
        const QTensor a = tensor(rng, {M, K}, layout(ab, ab % 2 == 1), f);
        const Int32Tensor want = oracle(a, w, bias);
        for (Path first : supported_paths())
          for (Path then : supported_paths()) {
            INFO(describe(a.layout(), w.layout())
                 << " M=" << M << " N=" << N << " K=" << K << " fill=" << name(f)
                 << " prepared for " << to_string(first) << ", run on " << to_string(then));
            const PackedWeights pw = PackedWeights::prepack(w, bias, a.layout(), 5, first);
            REQUIRE(gemm_s32(a, pw, KernelOptions{then}).data == want.data);
            REQUIRE(gemm_s32(a, pw, KernelOptions{first}).data == want.data);
          }
        // The QTensor itself, decoded from each SIMD path's format.
        for (Path first : supported_paths()) {
          const PackedWeights pw = PackedWeights::prepack(w, bias, a.layout(), 5, first);
          CHECK(pw.weights().to_ints() == w.to_ints());
          CHECK(pw.weights().quant().zero_point == w.quant().zero_point);
        }
      }
    }
}

TEST_CASE("gemm memory: several threads building formats on first use get exact results") {
  // One object prepared for the Reference path, so every other format is built while threads
  // race for it; each thread runs every path a few times, starting at a different one.
  std::mt19937_64 rng(64);
  for (auto [ab, wb] : {std::pair{1u, 1u}, std::pair{2u, 2u}, std::pair{4u, 4u}, std::pair{8u, 3u}})
    for (int round = 0; round < 3; ++round) {
      const QTensor w = tensor(rng, {37, 700}, layout(wb, true), Fill::Random, 37, 0);
      const QTensor a1 = tensor(rng, {1, 700}, layout(ab, false), Fill::Random);
      const QTensor a9 = tensor(rng, {9, 700}, layout(ab, false), Fill::Random);
      const Int32Tensor want1 = oracle(a1, w, {}), want9 = oracle(a9, w, {});
      const PackedWeights pw = PackedWeights::prepack(w, {}, a1.layout(), 5, Path::Reference);
      const std::vector<Path> paths = supported_paths();
      std::atomic<int> wrong{0};
      run_together(4, [&](int t) {
        for (std::size_t i = 0; i < 2 * paths.size(); ++i) {
          const Path p = paths[(static_cast<std::size_t>(t) + i) % paths.size()];
          const KernelOptions opt{p, true, 5, 1 + t % 2}; // OpenMP inside, too
          if (gemm_s32(i % 2 ? a1 : a9, pw, opt).data != (i % 2 ? want1 : want9).data)
            wrong.fetch_add(1);
        }
      });
      INFO("W" << wb << "A" << ab);
      CHECK(wrong.load() == 0);
    }
  // OpenMP threads of the caller (as in a parallel layer loop) on one object's first use.
  const QTensor w = tensor(rng, {48, 512}, layout(4, true), Fill::Random);
  const QTensor a = tensor(rng, {8, 512}, layout(4, false), Fill::Random);
  const Int32Tensor want = oracle(a, w, {});
  const PackedWeights pw = PackedWeights::prepack(w, {}, a.layout(), 5, Path::Swar);
  int wrong = 0;
#pragma omp parallel for num_threads(4) reduction(+ : wrong)
  for (int i = 0; i < 16; ++i)
    wrong += gemm_s32(a, pw, KernelOptions{supported_paths().back()}).data == want.data ? 0 : 1;
  CHECK(wrong == 0);
}

TEST_CASE("gemm memory: formats, bytes and the empty object") {
  const PackedWeights none;
  CHECK(none.resident_bytes() <= sizeof(PackedWeights) + 64);
  CHECK(none.weight_bytes(Path::Swar) == 0);
  CHECK(none.swar_words().empty());
  std::mt19937_64 rng(65);
  const QTensor w = tensor(rng, {32, 1024}, layout(4, true), Fill::Random);
  const Layout a4 = layout(4, false);
  const PackedWeights ref = PackedWeights::prepack(w, {}, a4, 5, Path::Reference);
  CHECK(std::string(ref.weight_format(Path::Reference)) == "source");
  CHECK(std::string(ref.weight_format(Path::Swar)) == "swar");
  // Reference keeps w's words: b/8 of int8's bytes (4-bit lanes fill the words exactly).
  CHECK(ref.weight_bytes(Path::Reference) ==
        w.words().size() * 8 + w.quant().scale.size() * 4 + w.quant().zero_point.size() * 4);
  CHECK(ref.resident_bytes() <= ref.weight_bytes(Path::Reference) + kObjects);
  // The Swar words carry guard fields: more than b/8, built only when the Swar path runs.
  const std::size_t before = ref.resident_bytes();
  CHECK(ref.swar_words().size() == ref.words_per_row() * 1024);
  CHECK(ref.resident_bytes() >= before + ref.swar_words().size() * 8);
  if (supported(Path::Avx512)) {
    const PackedWeights pw = PackedWeights::prepack(w, {}, a4, 5, Path::Avx512);
    CHECK(std::string(pw.weight_format(Path::Avx512)) == "pstreams");
    CHECK(std::string(PackedWeights::prepack(w, {}, layout(1, false), 5, Path::Avx512)
                          .weight_format(Path::Avx512)) == "iplanes");
    // pstreams (4 bits a weight), 2-byte column sums (1024 * 15 fits int16), zero point + scale.
    CHECK(pw.weight_bytes(Path::Avx512) == 32 * 1024 / 2 + 32 * 2 + 8);
  }
}
