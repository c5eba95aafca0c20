// GEMM / fully connected: the Swar path is bit-exact with the Reference path for every width pair
// 1–8 x 1–8, both signednesses, tails (M = 1, N = 3, K = 65 ...), extremes, split reductions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <exception>
#include <limits>
#include <string>
#include <thread>
#include <utility>

#include <samd/kernels/eltwise.hpp>
#include <samd/kernels/fast_bounds.hpp>
#include <samd/kernels/pool.hpp>

#include "../src/fast/fast_gemm.hpp"
#include "../src/fast/lut64.hpp"
#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

namespace {

const KernelOptions kRef{Path::Reference, true, 5};

struct GemmCase {
  std::int64_t m, n, k;
};

void check_pair(std::mt19937_64 &rng, const Layout &al, const Layout &wl, const GemmCase &c, Fill f,
                unsigned guard, bool per_channel, bool with_bias, int threads = 1) {
  const QTensor a = tensor(rng, {c.m, c.k}, al, f);
  const QTensor w =
      tensor(rng, {c.n, c.k}, wl, f, per_channel ? static_cast<std::size_t>(c.n) : 0, 0);
  std::vector<std::int32_t> bias;
  if (with_bias)
    for (std::int64_t i = 0; i < c.n; ++i)
      bias.push_back(static_cast<std::int32_t>(uniform(rng, -100000, 100000)));
  const PackedWeights pw = PackedWeights::prepack(w, bias, al, guard);
  INFO(describe(al, wl) << " M=" << c.m << " N=" << c.n << " K=" << c.k << " fill=" << name(f)
                        << " guard=" << guard << " per_channel=" << per_channel
                        << " bias=" << with_bias);
  const Int32Tensor ref = gemm_s32(a, pw, kRef);
  REQUIRE(ref.shape == Shape{c.m, c.n});
  for (Path p : optimized_paths()) {
    INFO("path " << to_string(p));
    const Int32Tensor got = gemm_s32(a, pw, KernelOptions{p, true, guard, threads});
    REQUIRE(got.shape == ref.shape);
    REQUIRE(got.data == ref.data);
  }
}

} // namespace

TEST_CASE("gemm: the SIMD paths this machine has are tested") {
  for (Path p : supported_paths())
    WARN("kernel path available: " << to_string(p));
  CHECK(supported(Path::Swar));
#if defined(__aarch64__)
  // An AArch64 build (tools/test-arm.sh, under qemu) must exercise the NEON kernels, never skip
  // them.
  const std::vector<Path> paths = supported_paths();
  REQUIRE(std::find(paths.begin(), paths.end(), Path::Neon) != paths.end());
  CHECK(paths.back() == Path::Neon); // the fastest: what Auto picks
#else
  CHECK_FALSE(supported(Path::Neon)); // only AArch64 builds have the NEON kernels
#endif
}

TEST_CASE("gemm: Swar equals Reference for every width pair, signedness and fill") {
  std::mt19937_64 rng(20261125);
  const GemmCase fixed[] = {{1, 3, 65}, {1, 1, 1}, {2, 5, 7}, {3, 17, 130}, {4, 9, 64}};
  std::size_t checked = 0;
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (unsigned wb = 1; wb <= 8; ++wb)
      for (bool as : {false, true})
        for (bool ws : {false, true}) {
          const Layout al = layout(ab, as), wl = layout(wb, ws);
          for (const GemmCase &c : fixed)
            for (Fill f : kFills) {
              check_pair(rng, al, wl, c, f, 5, (checked % 2) == 0, (checked % 3) == 0);
              ++checked;
            }
          const GemmCase r{uniform(rng, 1, 6), uniform(rng, 1, 24), uniform(rng, 1, 300)};
          check_pair(rng, al, wl, r, Fill::Random, static_cast<unsigned>(uniform(rng, 1, 8)), true,
                     true);
          ++checked;
        }
  CHECK(checked == 256 * 21);
}

TEST_CASE("gemm: reductions longer than the accumulator capacity are split exactly") {
  std::mt19937_64 rng(7);
  // guard 1 at W8A8: capacity floor((2^17 - 1) / 255^2) = 2, so K = 1000 flushes hundreds of times.
  REQUIRE(gemm_capacity(8, 8, 1) == 2);
  for (Fill f : kFills)
    check_pair(rng, layout(8, false), layout(8, false), {2, 3, 1000}, f, 1, false, false);
  for (Fill f : kFills)
    check_pair(rng, layout(1, false), layout(1, true), {1, 70, 997}, f, 1, true, false);
}

TEST_CASE("gemm: reductions past the SIMD int32 flush points (Dot8 65536 k, NEON 131072 k) stay "
          "exact") {
  // Small activation widths keep K * max|a - za| * max|w - zw| within int32 for K > 131072.
  std::mt19937_64 rng(10);
  for (Fill f : {Fill::AllMax, Fill::AllMin, Fill::Random})
    for (auto [ab, wb] : {std::pair{2u, 8u}, std::pair{1u, 8u}, std::pair{3u, 5u}})
      check_pair(rng, layout(ab, false), layout(wb, true), {1, 2, 140000}, f, 5, false, false);
  // W8A8 GEMVs: AVX2's widened (not vpmaddubsw) lanes flushed mid-K (16384 groups = 65536 k).
  // Zero points 0 keep K = 70000 within the int32 bound (131071 for s8 x s8); the extremes -128
  // and 127 make each lane's partial sums as large as the bound allows.
  const Layout s8 = layout(8, true);
  const std::int64_t K = 70000, N = 17;
  for (std::int64_t m : {1, 3})
    for (int fill = 0; fill < 3; ++fill) {
      const auto value = [&](std::size_t i) -> std::int64_t {
        if (fill == 2)
          return uniform(rng, -128, 127);
        return (fill == 0) == (i % 3 != 0) ? 127 : -128;
      };
      std::vector<std::int64_t> av(static_cast<std::size_t>(m * K)),
          wv(static_cast<std::size_t>(N * K));
      for (std::size_t i = 0; i < av.size(); ++i)
        av[i] = value(i);
      for (std::size_t i = 0; i < wv.size(); ++i)
        wv[i] = fill == 2 ? uniform(rng, -128, 127) : 127;
      const QTensor a = QTensor::from_ints({m, K}, s8, av, QuantParams{});
      const QTensor w = QTensor::from_ints({N, K}, s8, wv, QuantParams{});
      const PackedWeights pw = PackedWeights::prepack(w, {}, s8, 5);
      const Int32Tensor ref = gemm_s32(a, pw, kRef);
      for (Path p : optimized_paths()) {
        INFO("path " << to_string(p) << " M=" << m << " fill " << fill);
        CHECK(gemm_s32(a, pw, KernelOptions{p, true, 5}).data == ref.data);
      }
    }
}

TEST_CASE("gemm: K = 0 gives the epilogue alone on every path and width pair") {
  // The Dot8 kernels run no group (the panel format still holds one, zero), bit-serial no word.
  std::mt19937_64 rng(15);
  for (unsigned ab = 1; ab <= 8; ab += 3)
    for (unsigned wb = 1; wb <= 8; ++wb)
      for (std::int64_t m : {1, 3, 9})
        check_pair(rng, layout(ab, wb % 2 == 0), layout(wb, true), {m, 19, 0}, Fill::Random, 5,
                   wb % 3 == 0, true);
}

TEST_CASE("gemm: register-blocked SIMD kernels are exact on every tail of M, N and K") {
  // The blocked kernels work on MR x NR tiles (up to 6 x 8) with N panels and K in 64-k slots and
  // 512-k super-blocks: shapes around those sizes exercise every clamped row / column and slot
  // tail.
  std::mt19937_64 rng(11);
  const GemmCase shapes[] = {{7, 19, 513}, {13, 37, 1100},     {4, 8, 64},
                             {6, 25, 577}, {33, 9, 4096 + 63}, {2, 17, 1024}};
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (unsigned wb = 1; wb <= 8; ++wb) {
      const GemmCase &c = shapes[(ab * 8 + wb) % std::size(shapes)];
      check_pair(rng, layout(ab, (ab + wb) % 2 == 0), layout(wb, wb % 2 == 1), c, Fill::Random, 5,
                 wb % 2 == 0, ab % 3 == 0);
    }
  for (Fill f : kFills)
    for (auto [ab, wb] :
         {std::pair{1u, 1u}, std::pair{2u, 2u}, std::pair{3u, 3u}, std::pair{4u, 4u},
          std::pair{8u, 8u}, std::pair{8u, 4u}, std::pair{8u, 2u}})
      check_pair(rng, layout(ab, false), layout(wb, true), {9, 21, 700}, f, 5, true, true);
  // The Dot8 panel kernels' int32 flush (M >= 4) past 16384 groups (65536 k).
  for (Fill f : {Fill::AllMax, Fill::AllMin})
    check_pair(rng, layout(2, false), layout(8, true), {5, 3, 140000}, f, 5, false, false);
}

TEST_CASE("gemm: the AVX-512 Dot8 kernel's row steps (group pairs, a lone group, the rows of a "
          "partial group) are exact on every M") {
  // dot8_gemm: 16-row groups in pairs, an odd count of 3 or more ending in a triple, a last whole
  // group alone, the M % 16 rows of a partial group row by row (4, 2, 1 at a time), blocks of 16
  // groups (M > 256), several 1024-k chunks of K (the first stores, the others add), N not a
  // multiple of the 16-column panel.
  std::mt19937_64 rng(13);
  const std::pair<unsigned, unsigned> widths[] = {{4, 4}, {8, 8}, {5, 3}, {3, 7}};
  // 49, 113 and 561 end in a triple of whole groups plus one row (bcast_block's Tail; 561 in a
  // block of groups from 32, so at gb0 > 0).
  const std::int64_t ms[] = {8,  12, 15,  16,  17,  31,  39,  48,  49,
                             63, 80, 113, 196, 255, 257, 287, 529, 561};
  const std::int64_t ks[] = {576, 1100, 2100};
  int rep = 0;
  for (std::int64_t m : ms)
    for (std::int64_t k : ks) {
      const auto [ab, wb] = widths[static_cast<std::size_t>(rep++) % std::size(widths)];
      check_pair(rng, layout(ab, rep % 2 == 0), layout(wb, rep % 3 != 0), {m, 16 + rep % 19, k},
                 kFills[static_cast<std::size_t>(rep) % 4], 5, rep % 2 == 1, rep % 5 == 0);
    }
  // Raw sums past int32 though every result fits (K * 255 * 255 just under 2^31; the offset
  // weights' sums and dz * rowsum add up past it): the int64 partial sums, not the int32 ones
  // (Epilogue::int32_exact false).
  for (std::int64_t m : {9, 40})
    check_pair(rng, layout(8, false), layout(8, true), {m, 5, 33000}, Fill::AllMax, 5, false,
               false);
}

// The table-lookup pairs (lut_pair: W1A1, W1A2, W2A1, W2A2, W2A3, W2A4), which the AVX2 path runs
// with Method::Lut where choose_method picks it (and every other path by its own method).
constexpr std::pair<unsigned, unsigned> kLutPairs[] = {{1, 1}, {2, 1}, {1, 2},
                                                       {2, 2}, {3, 2}, {4, 2}}; // {ab, wb}

TEST_CASE("gemm: the table-lookup kernel is exact on every tail of M, N and K") {
  // lut_avx2: blocks of 4 rows (then 3, 2, 1) x 2 halves of 32 columns (then 1), panels of 64
  // columns, 2 steps of g = 4 / wb k per weight byte, u8 chunks of lut_u8_steps / 2 vectors: K
  // below g, odd step counts, K not a multiple of g, N around 32 and 64.
  std::mt19937_64 rng(14);
  const std::int64_t ms[] = {1, 2, 3, 4, 5, 7, 9};
  const std::int64_t ns[] = {1, 5, 31, 32, 33, 63, 64, 65, 100, 129};
  const std::int64_t ks[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 17, 63, 65, 130, 513, 1001};
  int rep = 0;
  for (auto [ab, wb] : kLutPairs)
    for (std::int64_t k : ks) {
      ++rep;
      const std::int64_t m = ms[static_cast<std::size_t>(rep) % std::size(ms)];
      const std::int64_t n = ns[static_cast<std::size_t>(rep * 7) % std::size(ns)];
      check_pair(rng, layout(ab, rep % 2 == 0), layout(wb, rep % 3 == 0), {m, n, k},
                 kFills[static_cast<std::size_t>(rep) % 4], 5, rep % 2 == 1, rep % 5 == 0);
    }
  for (auto [ab, wb] : kLutPairs)
    for (Fill f : kFills)
      check_pair(rng, layout(ab, false), layout(wb, true), {13, 70, 301}, f, 5, true, true);
  // Both sides of the expanded index bytes' row threshold (kLutExpandMinRows = 32: 31 rows mask
  // the nibbles in registers, 32 and more expand each column block first), with the row tails of
  // 4-row blocks (33, 35, 38) and column blocks of 2 halves and of 1.
  const std::int64_t ems[] = {31, 32, 33, 35, 38};
  const std::int64_t ens[] = {1, 33, 64, 100, 129};
  const std::int64_t eks[] = {1, 5, 17, 130, 1001};
  rep = 0;
  for (auto [ab, wb] : kLutPairs)
    for (std::int64_t m : ems)
      for (std::int64_t n : ens)
        for (std::int64_t k : eks) {
          ++rep;
          check_pair(rng, layout(ab, rep % 2 == 0), layout(wb, rep % 3 == 0), {m, n, k},
                     kFills[static_cast<std::size_t>(rep) % 4], 5, rep % 2 == 1, rep % 5 == 0);
        }
  // The AVX2 path really reads the nibbles for the pairs it runs by table lookup (GEMM and GEMV).
  namespace fast = samd::kernels::detail::fast;
  if (supported(Path::Avx2))
    for (auto [ab, wb] : kLutPairs) {
      const bool lut = fast::choose_method(Path::Avx2, ab, wb) == fast::Method::Lut;
      const PackedWeights pw =
          PackedWeights::prepack(tensor(rng, {5, 9}, layout(wb, false), Fill::Random), {},
                                 layout(ab, false), 5, Path::Avx2);
      for (std::int64_t m : {1, 16})
        CHECK((std::string(pw.weight_format(Path::Avx2, m)) == "nibbles") == lut);
    }
}

TEST_CASE("gemm: the table-lookup kernel's u8 and u16 flushes are exact (K past 2 u16 flushes)") {
  // A u16 lane takes kLutU16Widenings widenings of one u8 chunk (at most lut_u8_steps steps of g
  // k), then goes to int64: K = 2 g lut_u8_steps kLutU16Widenings + 5 passes two such flushes,
  // all-max entries fill every lane to its bound.
  std::mt19937_64 rng(15);
  for (auto [ab, wb] : kLutPairs) {
    const std::int64_t g = kernels::lut_group(wb);
    const std::int64_t K = 2 * g * kernels::lut_u8_steps(ab, wb) * kernels::kLutU16Widenings + 5;
    for (Fill f : {Fill::AllMax, Fill::Random})
      for (std::int64_t m : {1, 3, 33}) // 33: the expanded index bytes (kLutExpandMinRows)
        check_pair(rng, layout(ab, false), layout(wb, false), {m, 3, K}, f, 5, false, false);
  }
}

TEST_CASE("gemm: the paired-row table lookup (W1A1 from 32 rows) is exact on every phase "
          "remainder, row tail and full field") {
  // lut_avx2 looks W1A1 up in row pairs from kLutExpandMinRows rows: blocks of 4 rows (2 pairs),
  // then a pair, then a last odd row unpaired; phases of lut_field_steps = 3 steps (g = 4 k each)
  // inside u8 chunks of 62 steps. K gives step counts of each remainder mod 3 within a first chunk
  // (1-5 steps, 62) and past it (63, 64, 68: 2, 0 and 0 + a full phase into the second chunk;
  // 187 = 3 chunks + 1), and all-max entries (4 in both fields: 12 of 15 after a phase) fill the
  // fields. Fill, N and the layouts cycle on separate counters, so that each fill meets both N
  // (a column block of 2 halves, 64, and one of 1, 33) and signed and unsigned operands.
  namespace fast = samd::kernels::detail::fast;
  static_assert(kernels::lut_field_steps(1, 1) == 3 && fast::kLutExpandMinRows == 32);
  std::mt19937_64 rng(20);
  const std::int64_t g = kernels::lut_group(1), chunk = 2 * (kernels::lut_u8_steps(1, 1) / 2);
  static_assert(2 * (kernels::lut_u8_steps(1, 1) / 2) == 62);
  const std::int64_t ks[] = {1,
                             g,
                             2 * g,
                             3 * g,
                             4 * g + 1,
                             chunk * g,
                             (chunk + 1) * g,
                             (chunk + 2) * g - 3,
                             (chunk + 6) * g,
                             3 * chunk * g + 1};
  int shape = 0;
  for (std::int64_t m : {32, 34, 35, 37, 39})
    for (std::int64_t k : ks) {
      ++shape;
      for (Fill f : {Fill::AllMax, Fill::Random})
        check_pair(rng, layout(1, shape % 2 == 0), layout(1, shape % 3 == 0),
                   {m, shape % 4 < 2 ? 33 : 64, k}, f, 5, shape % 5 < 2, shape % 7 == 0);
    }
}

TEST_CASE("gemm: the table-lookup kernel's thread ranges (n0 inside a 64-column panel)") {
  // gemm_raw splits N in panels of 16 columns: N = 100 in 2 threads starts the second at n0 = 48,
  // in 3 at 32 and 64.
  std::mt19937_64 rng(16);
  for (auto [ab, wb] : kLutPairs)
    for (int threads : {2, 3})
      for (std::int64_t m : {1, 6, 34}) // 34: the expanded index bytes (kLutExpandMinRows)
        check_pair(rng, layout(ab, true), layout(wb, true), {m, 100, 333}, Fill::Random, 5, true,
                   true, threads);
  // A last panel of at most 32 columns (32 wide) after whole ones, a thread's range ending in it or
  // lying in it alone: N = 96 in 4 threads puts [64, 96), N = 129 in 3 threads [96, 129).
  for (auto [ab, wb] : kLutPairs)
    for (auto [n, threads] : {std::pair<std::int64_t, int>{96, 4}, {129, 3}})
      for (std::int64_t m : {3, 34})
        check_pair(rng, layout(ab, false), layout(wb, true), {m, n, 77}, Fill::Random, 5, true,
                   true, threads);
}

TEST_CASE("gemm: the table-lookup kernel at K = 0 (empty nibbles and index bytes) puts the "
          "epilogue alone") {
  // K = 0 leaves w.nibbles and a.lut empty (null data): the kernel must neither form the
  // expanded scratch's address through an empty vector (M >= kLutExpandMinRows) nor offset a
  // null nibbles pointer to a second half (N > 32): undefined behaviour, which the sanitized build
  // (SAMD_SANITIZE) reports. The AVX2 calls run on a new thread, whose thread_local expansion
  // scratch is still empty whatever ran before; the results are the epilogue's alone.
  if (!supported(Path::Avx2))
    return;
  std::mt19937_64 rng(19);
  std::vector<QTensor> as;
  std::vector<PackedWeights> pws;
  std::vector<Int32Tensor> refs;
  for (auto [ab, wb] : kLutPairs)
    for (std::int64_t m : {1, 33})
      for (std::int64_t n : {5, 65}) {
        const Layout al = layout(ab, m == 1), wl = layout(wb, n == 5);
        as.push_back(tensor(rng, {m, 0}, al, Fill::Random));
        std::vector<std::int32_t> bias;
        for (std::int64_t i = 0; i < n; ++i)
          bias.push_back(static_cast<std::int32_t>(uniform(rng, -100000, 100000)));
        pws.push_back(PackedWeights::prepack(
            tensor(rng, {n, 0}, wl, Fill::Random, static_cast<std::size_t>(n), 0), bias, al, 5));
        refs.push_back(gemm_s32(as.back(), pws.back(), kRef));
      }
  std::vector<Int32Tensor> got(as.size());
  std::exception_ptr error;
  std::thread([&] {
    try {
      for (std::size_t i = 0; i < as.size(); ++i)
        got[i] = gemm_s32(as[i], pws[i], KernelOptions{Path::Avx2, true, 5});
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error)
    std::rethrow_exception(error);
  for (std::size_t i = 0; i < as.size(); ++i) {
    INFO("case " << i << " M=" << as[i].shape()[0] << " N=" << pws[i].n());
    REQUIRE(got[i].shape == refs[i].shape);
    REQUIRE(got[i].data == refs[i].data);
  }
}

TEST_CASE("gemm: the nibbles weight format round-trips and holds the documented bytes") {
  namespace fast = samd::kernels::detail::fast;
  std::mt19937_64 rng(17);
  for (unsigned wb : {1u, 2u})
    for (bool is_signed : {false, true})
      for (auto [N, K] : {std::pair<std::int64_t, std::int64_t>{1, 1},
                          {3, 3},
                          {64, 8},
                          {65, 9},
                          {32, 5},
                          {96, 17},
                          {97, 3},
                          {130, 1001},
                          {7, 4096}}) {
        const Layout wl = layout(wb, is_signed);
        fast::FastWeights w = fast::weight_params(wl, N, K);
        const std::int64_t g = 4 / wb;
        INFO("wb=" << wb << " signed=" << is_signed << " N=" << N << " K=" << K);
        REQUIRE(w.lut_vectors == ((K + g - 1) / g + 1) / 2);
        // Panels of 64 columns, a last one of at most 32 columns 32 wide.
        const std::int64_t width = N % 64 == 0 ? N : N / 64 * 64 + (N % 64 <= 32 ? 32 : 64);
        REQUIRE(fast::format_bytes(w, fast::WeightFormat::Nibbles) ==
                static_cast<std::size_t>(width * w.lut_vectors));
        fast::allocate_format(w, fast::WeightFormat::Nibbles);
        std::vector<std::vector<std::int64_t>> rows;
        for (std::int64_t n = 0; n < N; ++n) {
          rows.push_back(values(rng, wl, static_cast<std::size_t>(K), Fill::Random));
          fast::put_row(w, fast::WeightFormat::Nibbles, n, rows.back().data());
        }
        std::vector<std::int64_t> back(static_cast<std::size_t>(K));
        for (std::int64_t n = 0; n < N; ++n) {
          fast::get_row(w, fast::WeightFormat::Nibbles, n, back.data());
          REQUIRE(back == rows[static_cast<std::size_t>(n)]);
        }
        // Byte l of vector v of panel P (W bytes): bits 0-3 the nibble of column 64 P + l at
        // step 2 v, bits 4-7 at step 2 v + 1; a nibble holds u = w - min of k = g s + t at bits
        // t * wb; zero past N and past K.
        const std::int64_t panels = (N + 63) / 64;
        for (std::int64_t P = 0; P < panels; ++P)
          for (std::int64_t v = 0; v < w.lut_vectors; ++v)
            for (std::int64_t l = 0; l < std::min<std::int64_t>(64, width - 64 * P); ++l) {
              unsigned want = 0;
              const std::int64_t n = 64 * P + l;
              for (std::int64_t half = 0; half < 2 && n < N; ++half)
                for (std::int64_t t = 0; t < g; ++t) {
                  const std::int64_t k = (2 * v + half) * g + t;
                  if (k < K)
                    want |= static_cast<unsigned>(
                                rows[static_cast<std::size_t>(n)][static_cast<std::size_t>(k)] -
                                wl.min_value())
                            << (half * 4 + t * wb);
                }
              const std::int64_t W = std::min<std::int64_t>(64, width - 64 * P);
              REQUIRE(w.nibbles[static_cast<std::size_t>(P * w.lut_vectors * 64 + v * W + l)] ==
                      want);
            }
      }
}

TEST_CASE(
    "gemm: the table-lookup tables hold lut_entry, and the index bytes the documented steps") {
  namespace fast = samd::kernels::detail::fast;
  for (auto [ab, wb] : kLutPairs) {
    const std::uint8_t *t = fast::lut_tables(ab, wb);
    const unsigned g = 4 / wb;
    for (unsigned a = 0; a < (1u << (g * ab)); ++a)
      for (unsigned nib = 0; nib < 16; ++nib) {
        unsigned want = 0;
        for (unsigned i = 0; i < g; ++i)
          want += ((a >> (i * ab)) & ((1u << ab) - 1)) * ((nib >> (i * wb)) & ((1u << wb) - 1));
        REQUIRE(t[a * 16 + nib] == want);
      }
  }
  // idx[m * S2 + s] = sum_t ua[m][g s + t] << (t * ab), zero past K, S2 = steps rounded up to even.
  std::mt19937_64 rng(18);
  for (auto [ab, wb] : kLutPairs)
    for (std::int64_t K : {1, 3, 5, 8, 77}) {
      const std::int64_t M = 3, g = 4 / wb, kpad = 512;
      std::vector<std::uint8_t> ua(static_cast<std::size_t>(M * K));
      for (auto &x : ua)
        x = static_cast<std::uint8_t>(uniform(rng, 0, (1 << ab) - 1));
      const fast::FastActs x =
          fast::build_acts(Path::Avx2, ua.data(), M, K, kpad, ab, wb, fast::Method::Lut);
      const std::int64_t steps = (K + g - 1) / g;
      INFO("ab=" << ab << " wb=" << wb << " K=" << K);
      REQUIRE(x.lut_steps == (steps + 1) / 2 * 2);
      REQUIRE(x.lut.size() == static_cast<std::size_t>(M * x.lut_steps));
      for (std::int64_t m = 0; m < M; ++m)
        for (std::int64_t s = 0; s < x.lut_steps; ++s) {
          unsigned want = 0;
          for (std::int64_t t = 0; t < g && s * g + t < K; ++t)
            want |= static_cast<unsigned>(ua[static_cast<std::size_t>(m * K + s * g + t)])
                    << (t * ab);
          REQUIRE(x.lut[static_cast<std::size_t>(m * x.lut_steps + s)] ==
                  want * fast::kLutTableBytes);
        }
    }
}

TEST_CASE("gemm: the paired rows' table offsets and the paired tables (W1A1 from 32 rows)") {
  namespace fast = samd::kernels::detail::fast;
  // lut_paired[p * S + s] = lut[2p][s] + 16 lut[2p + 1][s] for W1A1 from kLutExpandMinRows rows
  // (an odd last row has none), empty below it and for every other pair.
  std::mt19937_64 rng(21);
  for (auto [ab, wb] : kLutPairs)
    for (std::int64_t M : {fast::kLutExpandMinRows - 1, fast::kLutExpandMinRows, std::int64_t{35}})
      for (std::int64_t K : {5, 77}) {
        std::vector<std::uint8_t> ua(static_cast<std::size_t>(M * K));
        for (auto &x : ua)
          x = static_cast<std::uint8_t>(uniform(rng, 0, (1 << ab) - 1));
        const fast::FastActs x =
            fast::build_acts(Path::Avx2, ua.data(), M, K, 512, ab, wb, fast::Method::Lut);
        INFO("ab=" << ab << " wb=" << wb << " M=" << M << " K=" << K);
        if (!kernels::lut_paired_rows(ab, wb) || M < fast::kLutExpandMinRows) {
          CHECK(x.lut_paired.empty());
          continue;
        }
        const std::int64_t S = x.lut_steps;
        REQUIRE(x.lut_paired.size() == static_cast<std::size_t>(M / 2 * S));
        for (std::int64_t p = 0; p < M / 2; ++p)
          for (std::int64_t s = 0; s < S; ++s)
            REQUIRE(x.lut_paired[static_cast<std::size_t>(p * S + s)] ==
                    x.lut[static_cast<std::size_t>(2 * p * S + s)] +
                        16 * x.lut[static_cast<std::size_t>((2 * p + 1) * S + s)]);
      }
  // The paired tables' bytes (table a0 + 16 a1, entry nib, both 128-bit halves) are the two rows'
  // entries in the fields of lut_fields_entry, so the fields' sums are each row's.
  const std::uint8_t *t = fast::lut_paired_tables();
  for (unsigned a0 = 0; a0 < 16; ++a0)
    for (unsigned a1 = 0; a1 < 16; ++a1)
      for (unsigned j = 0; j < fast::kLutTableBytes; ++j) {
        const unsigned nib = j % 16;
        const unsigned e0 = static_cast<unsigned>(std::popcount(a0 & nib)),
                       e1 = static_cast<unsigned>(std::popcount(a1 & nib));
        REQUIRE(t[(a0 + 16 * a1) * fast::kLutTableBytes + j] == e0 + 16 * e1);
      }
}

TEST_CASE("gemm: multi-threaded SIMD paths give the same integers on ragged N") {
  std::mt19937_64 rng(12);
  for (auto [ab, wb] : {std::pair{1u, 1u}, std::pair{2u, 2u}, std::pair{4u, 4u}, std::pair{8u, 4u}})
    for (std::int64_t n : {1, 7, 9, 23, 65}) {
      check_pair(rng, layout(ab, false), layout(wb, true), {1, n, 300}, Fill::Random, 5, true, true,
                 2);
      check_pair(rng, layout(ab, false), layout(wb, true), {11, n, 300}, Fill::Random, 5, true,
                 true, 2);
    }
}

TEST_CASE("gemm: multi-threaded SIMD paths give the same integers") {
  std::mt19937_64 rng(8);
  for (unsigned ab : {1u, 2u, 4u, 8u})
    for (unsigned wb : {1u, 3u, 8u})
      check_pair(rng, layout(ab, false), layout(wb, true), {5, 70, 600}, Fill::Random, 5, true,
                 true, 2);
}

TEST_CASE("gemm: prepared activations give the same integers on every path") {
  std::mt19937_64 rng(9);
  for (Path p : supported_paths())
    for (unsigned ab : {1u, 2u, 5u, 8u}) {
      const QTensor a = tensor(rng, {3, 777}, layout(ab, ab % 2 == 0), Fill::Random);
      const QTensor w = tensor(rng, {9, 777}, layout(9 - ab, true), Fill::Random, 9, 0);
      const PackedWeights pw = PackedWeights::prepack(w, {}, a.layout());
      const PreparedActivations pa = prepare_activations(a, pw, p);
      INFO("path " << to_string(p) << " ab " << ab);
      CHECK(pa.path() == p);
      CHECK(gemm_s32(pa, pw, KernelOptions{p}).data ==
            gemm_s32(a, pw, KernelOptions{Path::Reference}).data);
    }
  const QTensor a = tensor(rng, {1, 5}, layout(4, false), Fill::Random);
  const PackedWeights pw =
      PackedWeights::prepack(tensor(rng, {2, 5}, layout(4, false), Fill::Random), {}, a.layout());
  const PreparedActivations pa = prepare_activations(a, pw, Path::Reference);
  CHECK_THAT(error_of([&] { gemm_s32(pa, pw, KernelOptions{Path::Swar}); }),
             Catch::Contains("prepared for path reference, not swar"));
}

TEST_CASE("gemm: prepared activations with other weights: refused or exact, never misread") {
  // Activations prepared for W1 weights and multiplied with W8 ones (same K and layout) segfaulted
  // on AVX2 / AVX-512: their format (planes, bytes, table indices) depends on the weights.
  std::mt19937_64 rng(19);
  for (Path p : supported_paths())
    for (unsigned ab : {1u, 2u, 4u, 8u})
      for (unsigned wb1 : {1u, 2u, 8u})
        for (unsigned wb2 : {1u, 2u, 8u}) {
          const QTensor a = tensor(rng, {4, 300}, layout(ab, false), Fill::Random);
          const PackedWeights w1 = PackedWeights::prepack(
              tensor(rng, {7, 300}, layout(wb1, true), Fill::Random), {}, a.layout());
          const PackedWeights w2 = PackedWeights::prepack(
              tensor(rng, {5, 300}, layout(wb2, true), Fill::Random), {}, a.layout());
          const PreparedActivations pa = prepare_activations(a, w1, p);
          INFO("path " << to_string(p) << " ab " << ab << " wb " << wb1 << " then " << wb2);
          const std::vector<std::int32_t> want =
              gemm_s32(a, w2, KernelOptions{Path::Reference}).data;
          Int32Tensor out{{1}, {42}};
          try {
            gemm_s32(pa, w2, out, KernelOptions{p});
            CHECK(out.data == want); // a format that fits these weights too
          } catch (const std::invalid_argument &e) {
            CHECK_THAT(e.what(), Catch::Contains("prepared for other weights"));
            CHECK(out.data == std::vector<std::int32_t>{42}); // untouched
            CHECK(p != Path::Reference);
            CHECK(p != Path::Swar);
            CHECK(wb1 != wb2); // the same widths and shapes are the same format
          }
          // Other weights of the same width and K: always exact.
          const PackedWeights w3 = PackedWeights::prepack(
              tensor(rng, {7, 300}, layout(wb1, true), Fill::Random), {}, a.layout());
          CHECK(gemm_s32(pa, w3, KernelOptions{p}).data ==
                gemm_s32(a, w3, KernelOptions{Path::Reference}).data);
        }
}

TEST_CASE("gemm: prepared activations with other weights whose sums leave int32: refused") {
  // Fails today: gemm_s32 on prepared activations checks K, the layout, the width and method
  // against the weights, but not check_k_bound, which prepare_activations ran for the weights it
  // was given. Weights of the same widths and K with a larger bias or weight zero-point magnitude
  // reached the kernels' internal std::logic_error ("int32 bound violated"), after setting out.
  const Layout u8 = layout(8, false);
  const std::int64_t K = 40000; // 40000 * 255 * 128 fits int32, 40000 * 255 * 255 does not
  const QTensor a = QTensor::from_ints({1, K}, u8, std::vector<std::int64_t>(K, 255));
  const QTensor a1 = QTensor::from_ints({1, 1}, u8, std::vector<std::int64_t>{255});
  const auto weights = [&](std::int64_t k, std::int32_t zero_point, std::int32_t bias) {
    return PackedWeights::prepack(
        QTensor::from_ints({1, k}, u8, std::vector<std::int64_t>(k, 255),
                           QuantParams{{1.0f}, {zero_point}, -1}),
        bias == 0 ? std::vector<std::int32_t>{} : std::vector<std::int32_t>{bias}, u8);
  };
  struct Case {
    const QTensor &x;
    PackedWeights prepared_for, other;
  };
  const Case cases[] = {{a, weights(K, 128, 0), weights(K, 0, 0)},          // a larger |w - zw|
                        {a1, weights(1, 0, 0), weights(1, 0, 2147483647)}}; // a larger bias
  for (Path p : supported_paths())
    for (const Case &c : cases) {
      INFO("path " << to_string(p) << " K " << c.x.shape()[1]);
      CHECK_THROWS_AS(gemm_s32(c.x, c.other, KernelOptions{p}), std::invalid_argument);
      const PreparedActivations pa = prepare_activations(c.x, c.prepared_for, p);
      Int32Tensor out{{1}, {42}};
      CHECK_THROWS_AS(gemm_s32(pa, c.other, out, KernelOptions{p}), std::invalid_argument);
      CHECK(out.shape == Shape{1});
      CHECK(out.data == std::vector<std::int32_t>{42});
      // The direct call's message (check_k_bound: K, its limit, the layouts).
      CHECK(error_of([&] { gemm_s32(pa, c.other, out, KernelOptions{p}); }) ==
            error_of([&] { gemm_s32(c.x, c.other, KernelOptions{p}); }));
    }
}

TEST_CASE("gemm: prepared activations with other weights of more than 2^40 outputs: refused") {
  // gemm_s32 on prepared activations did not bound M x N for the weights it was given: {2^21, 0}
  // activations prepared for {1, 0} weights, then {2^20, 0} ones (2^41 outputs) threw bad_alloc
  // after setting out.shape, and {2^40, 0} with {2^24, 0} (2^64 outputs, wrapped to 0) wrote past
  // an empty vector on Reference and Swar (a segfault).
  const Layout u4 = layout(4, false), s4 = layout(4, true);
  const PackedWeights w1 = PackedWeights::prepack(QTensor({1, 0}, s4), {}, u4);
  for (Path p : supported_paths())
    for (int m : {21, 40}) {
      if (m == 40 && p != Path::Reference && p != Path::Swar)
        continue; // (the SIMD formats hold a row sum per row: 2^40 of them)
      const int n = m == 21 ? 20 : 24;
      INFO("path " << to_string(p) << " M = 2^" << m << ", N = 2^" << n);
      const QTensor a({std::int64_t{1} << m, 0}, u4);
      const PackedWeights w2 =
          PackedWeights::prepack(QTensor({std::int64_t{1} << n, 0}, s4), {}, u4);
      const PreparedActivations pa = prepare_activations(a, w1, p);
      Int32Tensor out{{1}, {42}};
      CHECK_THAT(error_of([&] { gemm_s32(pa, w2, out, KernelOptions{p}); }),
                 Catch::Contains("gemm: output: shape {" + std::to_string(std::int64_t{1} << m) +
                                 ", " + std::to_string(std::int64_t{1} << n) +
                                 "} has more than 2^40"));
      CHECK(out.shape == Shape{1});
      CHECK(out.data == std::vector<std::int32_t>{42});
    }
}

TEST_CASE("gemm: prepared activations into out: allow_split = false refused before out is set") {
  // Fails today: the Swar GEMM refuses a K past its capacity only after gemm_s32 set out.shape.
  const Layout u8 = layout(8, false);
  const QTensor a = QTensor::from_ints({1, 64}, u8, std::vector<std::int64_t>(64, 1));
  const PackedWeights pw = PackedWeights::prepack(
      QTensor::from_ints({2, 64}, u8, std::vector<std::int64_t>(128, 1)), {}, u8); // capacity 32
  const PreparedActivations pa = prepare_activations(a, pw, Path::Swar);
  Int32Tensor out{{1}, {42}};
  CHECK_THROWS_WITH(gemm_s32(pa, pw, out, KernelOptions{Path::Swar, false}),
                    Catch::Contains("splitting is disabled"));
  CHECK(out.shape == Shape{1});
  CHECK(out.data == std::vector<std::int32_t>{42});
}

TEST_CASE("gemm: an output of more than 2^40 elements is refused, also with K = 0") {
  // a {2^21, 0} and weights {2^20, 0}: M * N = 2^41 (2^64 with a {2^40, 0} and {2^24, 0} wrapped
  // to 0, and the reference wrote into an empty vector).
  const QTensor a({std::int64_t{1} << 21, 0}, layout(4, false));
  const PackedWeights pw =
      PackedWeights::prepack(QTensor({std::int64_t{1} << 20, 0}, layout(4, true)), {}, a.layout());
  for (Path p : supported_paths()) {
    INFO("path " << to_string(p));
    CHECK_THAT(error_of([&] { gemm_s32(a, pw, KernelOptions{p}); }),
               Catch::Contains("gemm: output: shape {2097152, 1048576} has more than 2^40"));
  }
  // A 0 dimension does not hide others beyond the bound.
  CHECK_THAT(error_of([] {
               QTensor({0, std::int64_t{1} << 62}, layout(4, false));
             }),
             Catch::Contains("nonzero dimensions whose product exceeds 2^40"));
  CHECK(element_count({0, std::int64_t{1} << 40}, "t") == 0);
  CHECK(element_count({std::int64_t{1} << 20, 0, std::int64_t{1} << 20}, "t") == 0);
}

TEST_CASE("gemm: the Swar guard is the weights' (KernelOptions::swar_guard is not read)") {
  // The review found opt.swar_guard documented as the Swar headroom but never read; it is
  // documented so now. Capacity and the allow_split refusal follow prepack's guard.
  std::mt19937_64 rng(23);
  const QTensor a = tensor(rng, {2, 10}, layout(8, false), Fill::Random);
  const QTensor w = tensor(rng, {3, 10}, layout(8, true), Fill::Random);
  const PackedWeights g1 = PackedWeights::prepack(w, {}, a.layout(), 1); // capacity 2 < K
  const PackedWeights g5 = PackedWeights::prepack(w, {}, a.layout(), 5);
  const std::vector<std::int32_t> want = gemm_s32(a, g5, KernelOptions{Path::Reference}).data;
  for (unsigned opt_guard : {0u, 1u, 5u, 1000u}) {
    INFO("opt.swar_guard " << opt_guard);
    CHECK(gemm_s32(a, g5, KernelOptions{Path::Swar, false, opt_guard}).data == want);
    CHECK_THAT(error_of([&] {
                 gemm_s32(a, g1, KernelOptions{Path::Swar, false, opt_guard});
               }),
               Catch::Contains("splitting is disabled"));
    CHECK(gemm_s32(a, g1, KernelOptions{Path::Swar, true, opt_guard}).data == want);
  }
}

TEST_CASE("gemm: known values") {
  // A = [[1, 2, 3]], B rows = [1, 0, -1] and [2, 2, 2]; za = 1, zw = 0: (0, 1, 2) . rows = -2, 6.
  const QTensor a = QTensor::from_ints({1, 3}, layout(4, false), std::vector<std::int64_t>{1, 2, 3},
                                       {{1.0f}, {1}, -1});
  const QTensor w =
      QTensor::from_ints({2, 3}, layout(3, true), std::vector<std::int64_t>{1, 0, -1, 2, 2, 2});
  const PackedWeights pw = PackedWeights::prepack(w, {10, -10}, a.layout());
  for (Path p : supported_paths()) {
    const Int32Tensor c = gemm_s32(a, pw, KernelOptions{p, true, 5});
    CHECK(c.data == std::vector<std::int32_t>{-2 + 10, 6 - 10});
  }
}

TEST_CASE("gemm: requantized output is identical on both paths for every output width") {
  std::mt19937_64 rng(99);
  for (unsigned ob = 1; ob <= 8; ++ob)
    for (bool os : {false, true}) {
      const QTensor a = tensor(rng, {3, 40}, layout(4, false), Fill::Random);
      const QTensor w = tensor(rng, {7, 40}, layout(3, true), Fill::Random, 7, 0);
      const PackedWeights pw = PackedWeights::prepack(w, {}, a.layout());
      Requant rq;
      rq.out_layout = layout(ob, os);
      rq.out_scale = 0.05f;
      rq.out_zero_point = static_cast<std::int32_t>(rq.out_layout.min_value() + (os ? 0 : 1) * 0);
      rq.clamp_min = rq.out_zero_point; // fused ReLU
      const QTensor r = gemm(a, pw, rq, KernelOptions{Path::Reference});
      INFO("out " << samd::to_string(rq.out_layout));
      for (Path p : optimized_paths())
        CHECK(r.to_ints() == gemm(a, pw, rq, KernelOptions{p}).to_ints());
      for (std::int64_t v : r.to_ints())
        CHECK(v >= rq.out_zero_point);
    }
}

TEST_CASE(
    "gemm: prepack's rows hint picks the table lookup for batched W2A2 shapes, exact at any M") {
  // fast::lut64_shape: N >= 192 and K >= 2048 whatever M; with the hint also K >= 288 at N >= 192
  // from 8 rows and at N >= 128 from 64 rows; never at N = 64 or K < 288.
  namespace fast = samd::kernels::detail::fast;
  using fast::lut64_shape;
  CHECK(lut64_shape(192, 2048, 0));
  CHECK_FALSE(lut64_shape(192, 2047, 0));
  CHECK_FALSE(lut64_shape(256, 576, 7));
  CHECK(lut64_shape(192, 288, 8));
  CHECK_FALSE(lut64_shape(191, 288, 63));
  CHECK(lut64_shape(128, 288, 64));
  CHECK_FALSE(lut64_shape(128, 287, 64));
  CHECK_FALSE(lut64_shape(64, 4096, 1024));
  if (!supported(Path::Avx512) || !fast::lut64_vbmi()) {
    WARN("no AVX-512 VBMI: the hint picks nothing here (Lut64 needs vpermb)");
    return;
  }
  std::mt19937_64 rng(71);
  const Layout a2 = layout(2, false), w2 = layout(2, true);
  struct Want {
    std::int64_t n, k, rows;
    const char *format;
  };
  for (const Want &c :
       {Want{256, 576, 0, "iplanes"}, Want{256, 576, 8, "nibbles"}, Want{128, 576, 8, "iplanes"},
        Want{128, 576, 64, "nibbles"}, Want{256, 256, 64, "iplanes"},
        Want{64, 1152, 256, "iplanes"}, Want{200, 300, 8, "nibbles"}}) {
    const QTensor w = tensor(rng, {c.n, c.k}, w2, Fill::Random, static_cast<std::size_t>(c.n), 0);
    std::vector<std::int32_t> bias;
    for (std::int64_t i = 0; i < c.n; ++i)
      bias.push_back(static_cast<std::int32_t>(uniform(rng, -5000, 5000)));
    const PackedWeights pw = PackedWeights::prepack(w, bias, a2, 5, Path::Avx512, c.rows);
    INFO("N=" << c.n << " K=" << c.k << " rows hint " << c.rows);
    CHECK(std::string(pw.weight_format(Path::Avx512, c.rows)) == c.format);
    const PackedWeights ref = PackedWeights::prepack(w, bias, a2, 5, Path::Reference);
    for (std::int64_t m : {1, 7, 8, 65}) { // any M is exact, hinted or not
      const QTensor a = tensor(rng, {m, c.k}, a2, Fill::Random);
      INFO("M=" << m);
      CHECK(gemm_s32(a, pw, KernelOptions{Path::Avx512}).data ==
            gemm_s32(a, ref, KernelOptions{Path::Reference}).data);
    }
    // The GEMMs of every M read the format the hint chose: it is the only one held.
    CHECK(pw.resident_bytes() <= pw.weight_bytes(Path::Avx512, c.rows) + 1024);
  }
}

TEST_CASE("gemm: bad input names the argument, the value and the limit") {
  const Layout u4 = layout(4, false);
  const QTensor a = QTensor::from_ints({2, 3}, u4, std::vector<std::int64_t>(6, 1));
  const QTensor w = QTensor::from_ints({4, 3}, u4, std::vector<std::int64_t>(12, 1));
  const PackedWeights pw = PackedWeights::prepack(w, {}, u4);
  const QTensor a_bad_k = QTensor::from_ints({2, 5}, u4, std::vector<std::int64_t>(10, 1));
  {
    const std::string msg = error_of([&] { (void)gemm_s32(a_bad_k, pw); });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("activation K = 5"));
    CHECK_THAT(msg, Catch::Contains("K = 3"));
  }
  const QTensor a_s4 = QTensor::from_ints({2, 3}, layout(4, true), std::vector<std::int64_t>(6, 1));
  {
    const std::string msg = error_of([&] { (void)gemm_s32(a_s4, pw); });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("does not match the layout"));
  }
  const QTensor w9 = QTensor::from_ints({1, 1}, layout(9, false), std::vector<std::int64_t>{1});
  {
    const std::string msg = error_of([&] { (void)PackedWeights::prepack(w9, {}, u4); });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("9 bits"));
    CHECK_THAT(msg, Catch::Contains("1..8"));
  }
  {
    const std::string msg =
        error_of([&] { (void)PackedWeights::prepack(w, {}, layout(12, false)); });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("12 bits"));
  }
  {
    const std::string msg = error_of([&] { (void)PackedWeights::prepack(w, {1, 2}, u4); });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("2 bias values for N = 4"));
  }
  {
    const std::string msg =
        error_of([&] { (void)PackedWeights::prepack(w, {}, u4, 5, Path::Auto, -3); });
    CHECK_THAT(msg, Catch::Contains("rows = -3 is negative"));
  }
  // K beyond the proven Swar bound with splitting disabled.
  const QTensor a8 =
      QTensor::from_ints({1, 10}, layout(8, false), std::vector<std::int64_t>(10, 255));
  const QTensor w8 =
      QTensor::from_ints({1, 10}, layout(8, false), std::vector<std::int64_t>(10, 255));
  const PackedWeights pw8 = PackedWeights::prepack(w8, {}, layout(8, false), 1);
  {
    const std::string msg = error_of([&] {
      (void)gemm_s32(a8, pw8, KernelOptions{Path::Swar, false, 1});
    });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("K = 10"));
    CHECK_THAT(msg, Catch::Contains("bound 2"));
    CHECK_THAT(msg, Catch::Contains("splitting is disabled"));
  }
  // K whose exact sums cannot fit int32: 255 * 255 * K > 2^31 - 1 for K > 33025.
  const std::int64_t K = 40000;
  const QTensor abig =
      QTensor::from_ints({1, K}, layout(8, false), std::vector<std::int64_t>(K, 255));
  const QTensor wbig =
      QTensor::from_ints({1, K}, layout(8, false), std::vector<std::int64_t>(K, 255));
  const PackedWeights pbig = PackedWeights::prepack(wbig, {}, layout(8, false));
  CHECK(max_k_int32(layout(8, false), 0, pbig) == 33025);
  {
    const std::string msg = error_of([&] { (void)gemm_s32(abig, pbig); });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("K = 40000"));
    CHECK_THAT(msg, Catch::Contains("33025"));
  }
  Requant rq;
  rq.out_layout = layout(4, false);
  rq.out_zero_point = 20;
  {
    const std::string msg = error_of([&] { (void)gemm(a, pw, rq); });
    CHECK_FALSE(msg.empty());
    CHECK_THAT(msg, Catch::Contains("zero point 20"));
  }
}

TEST_CASE("kernel options: threads outside 1..kMaxKernelThreads are refused by every kernel") {
  // threads <= 0 ran silently on one thread, and any huge count was handed to OpenMP.
  std::mt19937_64 rng(17);
  const QTensor a = tensor(rng, {3, 40}, layout(4, false), Fill::Random);
  const PackedWeights pw =
      PackedWeights::prepack(tensor(rng, {5, 40}, layout(4, true), Fill::Random), {}, a.layout());
  const QTensor x = tensor(rng, {1, 2, 6, 6}, layout(4, false), Fill::Random);
  const PackedConvWeights cw = PackedConvWeights::prepack(
      tensor(rng, {3, 2, 3, 3}, layout(4, true), Fill::Random), {}, x.layout(), 1);
  const Conv2dParams cp;
  Pool2dParams pool;
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride_h = pool.stride_w = 2;
  const Requant rq;
  const Requantizer r(x.quant().scale[0], cw.weight_quant(), 3, rq);
  for (Path path : supported_paths())
    for (int threads : {0, -1, kMaxKernelThreads + 1, std::numeric_limits<int>::min()}) {
      INFO("path " << to_string(path) << " threads " << threads);
      const KernelOptions opt{path, true, 5, threads};
      const std::string says = "KernelOptions::threads is " + std::to_string(threads) +
                               "; it must be 1.." + std::to_string(kMaxKernelThreads);
      const PreparedActivations pa = prepare_activations(a, pw, path);
      CHECK_THAT(error_of([&] { gemm_s32(a, pw, opt); }), Catch::Contains("gemm: " + says));
      CHECK_THAT(error_of([&] { gemm_s32(pa, pw, opt); }), Catch::Contains("gemm: " + says));
      CHECK_THAT(error_of([&] { gemm(a, pw, rq, opt); }), Catch::Contains("gemm: " + says));
      CHECK_THAT(error_of([&] { conv2d_s32(x, cw, cp, opt); }), Catch::Contains("conv2d: " + says));
      CHECK_THAT(error_of([&] { conv2d(x, cw, cp, r, opt); }), Catch::Contains("conv2d: " + says));
      CHECK_THAT(error_of([&] { conv2d_max_pool(x, cw, cp, r, pool, opt); }),
                 Catch::Contains("conv2d_max_pool: " + says));
      CHECK_THAT(error_of([&] { max_pool2d(x, pool, opt); }),
                 Catch::Contains("max_pool2d: " + says));
      CHECK_THAT(error_of([&] { avg_pool2d(x, pool, opt); }),
                 Catch::Contains("avg_pool2d: " + says));
      CHECK_THAT(error_of([&] { global_avg_pool(x, DataFormat::NCHW, opt); }),
                 Catch::Contains("global_avg_pool: " + says));
      CHECK_THAT(error_of([&] { add(x, x, rq, opt); }), Catch::Contains("add: " + says));
    }
  // The limits themselves are accepted, and every thread count gives the same integers.
  const std::vector<std::int32_t> want = gemm_s32(a, pw, KernelOptions{Path::Reference}).data;
  for (Path path : supported_paths())
    for (int threads : {1, 2, kMaxKernelThreads}) {
      INFO("path " << to_string(path) << " threads " << threads);
      CHECK(gemm_s32(a, pw, KernelOptions{path, true, 5, threads}).data == want);
    }
}
