// LUT64 (lut64.hpp): the tables, the group layout, and lut64_rows against a direct dot product of
// the offsets, on GEMM rows (row_base m * stride) and on rows pointing into a shared index image;
// the conv's triple k order and index image (conv_lut64.hpp) against their definitions.
#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "../src/conv_lut64.hpp"
#include "../src/cpu_features.hpp"
#include "../src/fast/lut64.hpp"
#include "../src/fast/lut64_tile_shape.hpp"
#include "kernel_gen.hpp"

namespace fast = samd::kernels::detail::fast;
using samd::Layout;

TEST_CASE("lut64: the tables hold lut64_entry and the groups cover each k once") {
  const std::uint8_t *t = fast::lut64_tables();
  for (unsigned a = 0; a < 64; ++a)
    for (unsigned w = 0; w < 64; ++w) {
      unsigned want = 0;
      for (unsigned s = 0; s < 3; ++s)
        want += ((a >> (2 * s)) & 3u) * ((w >> (2 * s)) & 3u);
      REQUIRE(t[a * 64 + w] == want);
    }
  std::vector<int> seen(48, 0);
  for (std::int64_t j = 0; j < 16; ++j)
    for (unsigned s = 0; s < 3; ++s)
      ++seen[static_cast<std::size_t>(fast::lut64_group_k(j, s))];
  for (int c : seen)
    REQUIRE(c == 1);
}

namespace {
struct Case {
  std::int64_t M, N, K;
};

// Raw sums through an epilogue with zero corrections.
std::vector<std::int32_t> run(const fast::Lut64Rows &r, const fast::FastWeights &w, std::int64_t M,
                              std::int64_t N) {
  std::vector<std::int64_t> zeros(static_cast<std::size_t>(std::max<std::int64_t>(M, N)), 0);
  std::vector<std::int32_t> out(static_cast<std::size_t>(M * N), -1);
  std::atomic<int> bad{0};
  fast::Epilogue e;
  e.rowsum = zeros.data();
  e.dz = zeros.data();
  e.fixed = zeros.data();
  e.out = out.data();
  e.n = N;
  e.ld = N;
  e.bad = &bad;
  fast::lut64_rows(r, w, e, 0, N);
  REQUIRE(bad.load() == 0);
  return out;
}
} // namespace

TEST_CASE("lut64: lut64_rows is the exact dot product of the offsets") {
  std::mt19937_64 rng(64);
  const Layout wl = samd::kernels::test::layout(2, true),
               al = samd::kernels::test::layout(2, false);
  for (Case c : {Case{1, 1, 1}, Case{3, 65, 12}, Case{5, 64, 13}, Case{7, 33, 35},
                 Case{2, 130, 100}, Case{9, 200, 576}, Case{4, 31, 4097}})
    for (auto fill : {samd::kernels::test::Fill::Random, samd::kernels::test::Fill::AllMax}) {
      INFO("M=" << c.M << " N=" << c.N << " K=" << c.K);
      fast::FastWeights w = fast::weight_params(wl, c.N, c.K);
      fast::allocate_format(w, fast::WeightFormat::Nibbles);
      std::vector<std::vector<std::int64_t>> wrows;
      for (std::int64_t n = 0; n < c.N; ++n) {
        wrows.push_back(samd::kernels::test::values(rng, wl, static_cast<std::size_t>(c.K), fill));
        fast::put_row(w, fast::WeightFormat::Nibbles, n, wrows.back().data());
      }
      std::vector<std::vector<std::int64_t>> arows;
      for (std::int64_t m = 0; m < c.M; ++m)
        arows.push_back(samd::kernels::test::values(rng, al, static_cast<std::size_t>(c.K), fill));
      // GEMM rows: index[m * stride + j], groups past K index table 63 (any table is valid there).
      const std::int64_t G = fast::lut64_groups(w), stride = G + 1;
      std::vector<std::uint16_t> index(static_cast<std::size_t>(c.M * stride), 63 * 64);
      std::vector<std::int64_t> row_base, group_off;
      for (std::int64_t m = 0; m < c.M; ++m) {
        row_base.push_back(m * stride);
        for (std::int64_t j = 0; j < G; ++j) {
          unsigned a = 0;
          bool inside = false;
          for (unsigned s = 0; s < 3; ++s) {
            const std::int64_t k = fast::lut64_group_k(j, s);
            if (k < c.K) {
              a |= static_cast<unsigned>(arows[m][k] - al.min_value()) << (2 * s);
              inside = true;
            }
          }
          if (inside)
            index[static_cast<std::size_t>(m * stride + j)] = static_cast<std::uint16_t>(64 * a);
        }
      }
      for (std::int64_t j = 0; j < G; ++j)
        group_off.push_back(j);
      const fast::Lut64Rows r{index.data(), row_base.data(), group_off.data(), c.M};
      const std::vector<std::int32_t> got = run(r, w, c.M, c.N);
      for (std::int64_t m = 0; m < c.M; ++m)
        for (std::int64_t n = 0; n < c.N; ++n) {
          std::int64_t want = 0;
          for (std::int64_t k = 0; k < c.K; ++k)
            want += (arows[m][k] - al.min_value()) * (wrows[n][k] - wl.min_value());
          REQUIRE(got[static_cast<std::size_t>(m * c.N + n)] == want);
        }
      // The rows in reverse order through row_base alone give the rows reversed.
      std::vector<std::int64_t> reversed(row_base.rbegin(), row_base.rend());
      const std::vector<std::int32_t> rev =
          run(fast::Lut64Rows{index.data(), reversed.data(), group_off.data(), c.M}, w, c.M, c.N);
      for (std::int64_t m = 0; m < c.M; ++m)
        for (std::int64_t n = 0; n < c.N; ++n)
          REQUIRE(rev[static_cast<std::size_t>(m * c.N + n)] ==
                  got[static_cast<std::size_t>((c.M - 1 - m) * c.N + n)]);
    }
}

TEST_CASE("lut64: a table offset that is not 64 * (index < 64) is refused") {
  const Layout wl = samd::kernels::test::layout(2, false);
  fast::FastWeights w = fast::weight_params(wl, 1, 3);
  fast::allocate_format(w, fast::WeightFormat::Nibbles);
  const std::vector<std::int64_t> row{1, 2, 3};
  fast::put_row(w, fast::WeightFormat::Nibbles, 0, row.data());
  const std::int64_t base = 0;
  std::vector<std::int64_t> off(static_cast<std::size_t>(fast::lut64_groups(w)), 0);
  for (std::uint16_t bad : {std::uint16_t{4096}, std::uint16_t{65}}) {
    const std::uint16_t index[1] = {bad};
    REQUIRE_THROWS_AS(run(fast::Lut64Rows{index, &base, off.data(), 1}, w, 1, 1), std::logic_error);
  }
}

// ---- The AVX-512 VBMI kernel (gemm_lut64_avx512.cpp) and the GEMM's Lut64 method ----

namespace {
using samd::kernels::test::Fill;

// force_lut64(use) while alive (Never: as on a CPU without VBMI; Always: Lut64 at any shape).
struct ForceLut64 {
  explicit ForceLut64(fast::Lut64Use use) { fast::force_lut64(use); }
  ~ForceLut64() { fast::force_lut64(fast::Lut64Use::Auto); }
  ForceLut64(const ForceLut64 &) = delete;
  ForceLut64 &operator=(const ForceLut64 &) = delete;
};

// The parameters of N x K weights of 2 bits (a conv's if conv), for fast::gemm_method.
fast::FastWeights w2_params(std::int64_t N, std::int64_t K, bool conv = false) {
  fast::FastWeights w = fast::weight_params(samd::kernels::test::layout(2, true), N, K);
  w.conv = conv;
  return w;
}

// N x K weights of 2 bits in the Lut format, and M rows of table offsets in the GEMM layout
// (row_base m * stride, group_off the identity), every offset random (or table 63 for AllMax:
// the largest entries), also past K, where any table is valid.
struct KernelCase {
  fast::FastWeights w;
  std::vector<std::uint16_t> index;
  std::vector<std::int64_t> row_base, group_off;
  std::vector<std::int64_t> rowsum, dz, fixed;
  std::int64_t M = 0, N = 0;
};

KernelCase kernel_case(std::mt19937_64 &rng, std::int64_t M, std::int64_t N, std::int64_t K,
                       Fill fill) {
  KernelCase c;
  c.M = M, c.N = N;
  const Layout wl = samd::kernels::test::layout(2, false);
  c.w = fast::weight_params(wl, N, K);
  fast::allocate_format(c.w, fast::WeightFormat::Nibbles);
  for (std::int64_t n = 0; n < N; ++n) {
    const auto row = samd::kernels::test::values(rng, wl, static_cast<std::size_t>(K), fill);
    fast::put_row(c.w, fast::WeightFormat::Nibbles, n, row.data());
  }
  const std::int64_t G = fast::lut64_groups(c.w), stride = G + 3;
  c.index.resize(static_cast<std::size_t>(M * stride));
  for (auto &x : c.index)
    x = static_cast<std::uint16_t>(64 * (fill == Fill::AllMax ? 63 : rng() % 64));
  for (std::int64_t m = 0; m < M; ++m)
    c.row_base.push_back(m * stride);
  for (std::int64_t j = 0; j < G; ++j)
    c.group_off.push_back(j);
  // Epilogue terms (any values: the kernel adds them as Epilogue::put does).
  for (std::int64_t m = 0; m < M; ++m)
    c.rowsum.push_back(samd::kernels::test::uniform(rng, 0, 3 * K));
  for (std::int64_t n = 0; n < N; ++n) {
    c.dz.push_back(samd::kernels::test::uniform(rng, -3, 3));
    c.fixed.push_back(samd::kernels::test::uniform(rng, -100000, 100000));
  }
  return c;
}

// Columns [n0, n1) of every row through kernel (lut64_avx512 or lut64_reference); every other
// output stays -7.
template <class Kernel>
std::vector<std::int32_t> run_kernel(Kernel kernel, const KernelCase &c, const fast::Lut64Rows &r,
                                     bool int32_exact, std::int64_t n0, std::int64_t n1) {
  std::vector<std::int32_t> out(static_cast<std::size_t>(c.M * c.N + 1), -7);
  std::atomic<int> bad{0};
  fast::Epilogue e;
  e.rowsum = c.rowsum.data();
  e.dz = c.dz.data();
  e.fixed = c.fixed.data();
  e.out = out.data();
  e.n = c.N;
  e.ld = c.N;
  e.int32_exact = int32_exact;
  e.bad = &bad;
  kernel(r, c.w, e, n0, n1);
  REQUIRE(bad.load() == 0);
  return out;
}

// kernel (lut64_avx512 unless given) against the reference on case c: all columns, and a range
// starting and ending inside panels (as a thread's), int32 and int64 sums.
template <class Kernel = decltype(&fast::lut64_avx512)>
void check_kernel(const KernelCase &c, Kernel kernel = &fast::lut64_avx512) {
  const fast::Lut64Rows r{c.index.data(), c.row_base.data(), c.group_off.data(), c.M};
  for (bool int32 : {true, false}) {
    INFO("int32_exact=" << int32);
    const std::int64_t ranges[][2] = {{0, c.N}, {c.N / 3, c.N - c.N / 5}, {c.N - 1, c.N}};
    for (const auto &rg : ranges) {
      INFO("columns [" << rg[0] << ", " << rg[1] << ")");
      REQUIRE(run_kernel(kernel, c, r, int32, rg[0], rg[1]) ==
              run_kernel(fast::lut64_reference, c, r, int32, rg[0], rg[1]));
    }
  }
}
} // namespace

TEST_CASE("lut64: the AVX-512 VBMI kernel equals lut64_reference at every edge") {
  if (!fast::lut64_vbmi()) {
    WARN("no AVX-512 VBMI here: lut64_avx512 not tested");
    return;
  }
  std::mt19937_64 rng(6464);
  // Rows: 1..13, around multiples of 5, 31-35, 64 (every tile shape: the loop below).
  const std::vector<std::int64_t> Ms = {1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                                        11, 12, 13, 31, 32, 33, 34, 35, 64};
  // Columns: panel and tile tails, 32-wide last panels (N = 32, 96, 33 is 64 wide).
  const std::vector<std::int64_t> Ns = {1, 31, 32, 33, 63, 64, 65, 96, 100, 129, 256, 257, 300};
  // K: no group, partial blocks and chunks (4 k a vector, 12 a block, 24 a chunk), u8 stages.
  const std::vector<std::int64_t> Ks = {0,  1,  2,   3,   11,   12,   13,  35,
                                        36, 37, 575, 576, 4095, 4096, 4097};
  std::size_t t = 0;
  for (std::int64_t K : Ks)
    for (std::int64_t M : Ms) {
      const std::int64_t N = Ns[t++ % Ns.size()];
      const Fill fill = t % 4 == 0 ? Fill::AllMax : Fill::Random;
      INFO("M=" << M << " N=" << N << " K=" << K << " fill=" << samd::kernels::test::name(fill));
      check_kernel(kernel_case(rng, M, N, K, fill));
    }
  // Every tile shape (lut64_tile_shape.hpp): C panels (N = 64 C, and a 32-wide last panel), each
  // height 1 .. lut64_max_rows(C), and one more row (two blocks).
  for (int C = 1; C <= fast::kLut64MaxCols; ++C)
    for (std::int64_t N : {64 * C, 64 * C - 32})
      for (std::int64_t M = 1; M <= fast::lut64_max_rows(C) + 1; ++M)
        for (std::int64_t K : {std::int64_t{37}, std::int64_t{576}}) {
          const Fill fill = M % 3 == 0 ? Fill::AllMax : Fill::Random;
          INFO("M=" << M << " N=" << N << " K=" << K
                    << " fill=" << samd::kernels::test::name(fill));
          check_kernel(kernel_case(rng, M, N, K, fill));
        }
  // u16 windows: 256 chunks of 24 k each, then a flush. K = 6140: 255 chunks and a tail (5
  // vectors), so a u16 lane takes exactly the 257 widenings of a GEMM window; 6144: exactly one
  // window; 2 * 6144 (+ tails): two flushes before the last; all-max: the largest u8 and u16 sums.
  static_assert(samd::kernels::kLut64GemmWindowChunks == 256 &&
                    samd::kernels::lut64_gemm_schedule().window_widenings == 257,
                "the K below are chosen for this window");
  for (std::int64_t K :
       {std::int64_t{6140}, std::int64_t{6144}, std::int64_t{6145}, std::int64_t{2 * 6144},
        std::int64_t{2 * 6144 + 5}, std::int64_t{2 * 6144 + 23}, std::int64_t{3 * 6144 - 4}})
    for (auto [M, N] : {std::pair<std::int64_t, std::int64_t>{6, 257}, {1, 33}, {11, 64}})
      for (Fill fill : {Fill::AllMax, Fill::Random}) {
        INFO("M=" << M << " N=" << N << " K=" << K << " fill=" << samd::kernels::test::name(fill));
        check_kernel(kernel_case(rng, M, N, K, fill));
      }
}

namespace {
// A conv column's rows for lut64_conv3_rows: K = 9 cp weights in the conv's group order (j = ky *
// cp + c), an index image of M + 2 input rows ct >= cp entries apart (the entries past cp as a
// conv's other groups: never read), and the same rows for lut64_rows (row_base m ct, group_off
// ky ct + c).
KernelCase conv3_case(std::mt19937_64 &rng, std::int64_t M, std::int64_t N, std::int64_t cp,
                      std::int64_t ct, Fill fill) {
  KernelCase c = kernel_case(rng, M, N, 9 * cp, fill);
  c.index.assign(static_cast<std::size_t>((M + 2) * ct), 0);
  for (std::int64_t yy = 0; yy < M + 2; ++yy)
    for (std::int64_t ch = 0; ch < ct; ++ch)
      c.index[static_cast<std::size_t>(yy * ct + ch)] =
          ch >= cp ? 1 // not a table offset: a read would throw
                   : static_cast<std::uint16_t>(64 * (fill == Fill::AllMax ? 63 : rng() % 64));
  c.row_base.clear();
  c.group_off.clear();
  for (std::int64_t m = 0; m < M; ++m)
    c.row_base.push_back(m * ct);
  for (std::int64_t j = 0; j < 3 * cp; ++j)
    c.group_off.push_back(j / cp * ct + j % cp);
  return c;
}

void check_conv3(const KernelCase &c, std::int64_t ct) {
  const fast::Lut64Conv3Rows r3{c.index.data(), ct, c.M};
  check_kernel(c, [&](const fast::Lut64Rows &, const fast::FastWeights &w, const fast::Epilogue &e,
                      std::int64_t n0,
                      std::int64_t n1) { fast::lut64_conv3_avx512(r3, w, e, n0, n1); });
}
} // namespace

TEST_CASE("lut64: the conv kernel with 3 kernel rows equals lut64_reference on its rows") {
  if (!fast::lut64_vbmi()) {
    WARN("no AVX-512 VBMI here: lut64_conv3_avx512 not tested");
    return;
  }
  std::mt19937_64 rng(3333);
  // Every tile shape: C = 1, 2 panels (N = 64 C and 32 less), heights 1 .. max and one more; the
  // narrow last panel next to full ones (N = 96, 160); one and several chunks.
  std::size_t t = 0;
  for (int C = 1; C <= fast::kLut64Conv3MaxCols; ++C)
    for (std::int64_t N : {64 * C, 64 * C - 32})
      for (std::int64_t M = 1; M <= fast::lut64_conv3_max_rows(C) + 1; ++M) {
        const std::int64_t cp = t % 2 == 0 ? 8 : 24, ct = t % 3 == 0 ? cp : cp + 8;
        const Fill fill = ++t % 4 == 0 ? Fill::AllMax : Fill::Random;
        INFO("M=" << M << " N=" << N << " cp=" << cp << " ct=" << ct
                  << " fill=" << samd::kernels::test::name(fill));
        check_conv3(conv3_case(rng, M, N, cp, ct, fill), ct);
      }
  for (auto [M, N] :
       {std::pair<std::int64_t, std::int64_t>{56, 64}, {28, 128}, {14, 96}, {7, 160}, {33, 257}})
    for (std::int64_t cp : {std::int64_t{64}, std::int64_t{128}}) {
      INFO("M=" << M << " N=" << N << " cp=" << cp);
      check_conv3(conv3_case(rng, M, N, cp, cp, Fill::Random), cp);
    }
  // u16 windows of 85 chunks (3 widenings each: lut64_conv3_schedule): cp = 680 is exactly one,
  // 688 one and a flush, 1368 two flushes; all-max: the largest sums.
  static_assert(samd::kernels::kLut64Conv3WindowChunks == 85 &&
                    samd::kernels::kLut64Conv3ChunkWidenings == 3,
                "the cp below are chosen for this window");
  for (std::int64_t cp : {std::int64_t{680}, std::int64_t{688}, std::int64_t{1368}})
    for (Fill fill : {Fill::AllMax, Fill::Random}) {
      INFO("cp=" << cp << " fill=" << samd::kernels::test::name(fill));
      check_conv3(conv3_case(rng, 9, 65, cp, cp, fill), cp);
    }
}

TEST_CASE("lut64: the conv kernel with 3 kernel rows refuses weights of another shape and bad "
          "offsets") {
  std::mt19937_64 rng(33);
  KernelCase c = conv3_case(rng, 3, 64, 8, 8, Fill::Random);
  std::vector<std::int32_t> out(static_cast<std::size_t>(3 * 64));
  fast::Epilogue e;
  e.rowsum = c.rowsum.data(), e.dz = c.dz.data(), e.fixed = c.fixed.data();
  e.out = out.data(), e.n = 64, e.ld = 64;
  std::atomic<int> bad{0};
  e.bad = &bad;
  // K = 36: not 3 kernel rows of whole chunks of 8 channels.
  const KernelCase other = kernel_case(rng, 3, 64, 36, Fill::Random);
  REQUIRE_THROWS_AS(
      fast::lut64_conv3_rows(fast::Lut64Conv3Rows{c.index.data(), 8, 3}, other.w, e, 0, 64),
      std::logic_error);
  // An offset that is not 64 * table in the last input row read (row M + 1).
  c.index[static_cast<std::size_t>(4 * 8 + 5)] = 65;
  REQUIRE_THROWS_AS(
      fast::lut64_conv3_rows(fast::Lut64Conv3Rows{c.index.data(), 8, 3}, c.w, e, 0, 64),
      std::logic_error);
}

TEST_CASE("lut64: the AVX-512 kernel reads rows through row_base and group_off, and refuses bad "
          "offsets") {
  if (!fast::lut64_vbmi()) {
    WARN("no AVX-512 VBMI here: lut64_avx512 not tested");
    return;
  }
  std::mt19937_64 rng(646);
  for (std::int64_t K : {std::int64_t{13}, std::int64_t{100}, std::int64_t{577}}) {
    KernelCase c = kernel_case(rng, 7, 100, K, Fill::Random);
    const std::int64_t G = static_cast<std::int64_t>(c.group_off.size());
    // An image of groups x rows (group_off j * M, row_base m), not the GEMM layout: gathered.
    std::vector<std::uint16_t> image(static_cast<std::size_t>(G * c.M));
    std::vector<std::int64_t> base, off;
    for (std::int64_t m = 0; m < c.M; ++m)
      base.push_back(m);
    for (std::int64_t j = 0; j < G; ++j) {
      off.push_back(j * c.M);
      for (std::int64_t m = 0; m < c.M; ++m)
        image[static_cast<std::size_t>(j * c.M + m)] =
            c.index[static_cast<std::size_t>(c.row_base[static_cast<std::size_t>(m)] + j)];
    }
    const fast::Lut64Rows direct{c.index.data(), c.row_base.data(), c.group_off.data(), c.M};
    const fast::Lut64Rows gathered{image.data(), base.data(), off.data(), c.M};
    INFO("K=" << K);
    REQUIRE(run_kernel(fast::lut64_avx512, c, gathered, true, 0, c.N) ==
            run_kernel(fast::lut64_reference, c, direct, true, 0, c.N));
    // Rows in an order that no stride gives (gathered), against the reference on the same rows.
    std::vector<std::int64_t> shuffled = c.row_base;
    std::swap(shuffled[1], shuffled[4]);
    const fast::Lut64Rows mixed{c.index.data(), shuffled.data(), c.group_off.data(), c.M};
    REQUIRE(run_kernel(fast::lut64_avx512, c, mixed, false, 5, 77) ==
            run_kernel(fast::lut64_reference, c, mixed, false, 5, 77));
    // A bad offset in a whole chunk (if any) and in the tail chunk, in place and gathered.
    for (std::int64_t j : {std::int64_t{0}, G - 1})
      for (std::uint16_t bad : {std::uint16_t{4096}, std::uint16_t{65}}) {
        KernelCase b = c;
        b.index[static_cast<std::size_t>(b.row_base[3] + j)] = bad;
        const fast::Lut64Rows rb{b.index.data(), b.row_base.data(), b.group_off.data(), b.M};
        REQUIRE_THROWS_AS(run_kernel(fast::lut64_avx512, b, rb, true, 0, b.N), std::logic_error);
        std::vector<std::uint16_t> bimage = image;
        bimage[static_cast<std::size_t>(j * c.M + 3)] = bad;
        const fast::Lut64Rows gb{bimage.data(), base.data(), off.data(), c.M};
        REQUIRE_THROWS_AS(run_kernel(fast::lut64_avx512, b, gb, true, 0, b.N), std::logic_error);
      }
  }
}

namespace {
using samd::kernels::KernelOptions;
using samd::kernels::PackedWeights;
using samd::kernels::Path;

// gemm_s32 on Path::Avx512 (threads) against Path::Reference, W2A2 with zero points and a bias.
void check_gemm(std::mt19937_64 &rng, std::int64_t M, std::int64_t N, std::int64_t K, Fill fill,
                int threads) {
  namespace t = samd::kernels::test;
  const Layout al = t::layout(2, false), wl = t::layout(2, true);
  const samd::kernels::QTensor a = t::tensor(rng, {M, K}, al, fill);
  const samd::kernels::QTensor w = t::tensor(rng, {N, K}, wl, fill, static_cast<std::size_t>(N), 0);
  std::vector<std::int32_t> bias;
  for (std::int64_t n = 0; n < N; ++n)
    bias.push_back(static_cast<std::int32_t>(t::uniform(rng, -1000, 1000)));
  const PackedWeights pw = PackedWeights::prepack(w, bias, al, 5, Path::Avx512);
  INFO("M=" << M << " N=" << N << " K=" << K << " fill=" << t::name(fill)
            << " threads=" << threads);
  const auto ref = samd::kernels::gemm_s32(a, pw, KernelOptions{Path::Reference, true, 5});
  KernelOptions opt{Path::Avx512, true, 5};
  opt.threads = threads;
  REQUIRE(samd::kernels::gemm_s32(a, pw, opt).data == ref.data);
}
} // namespace

TEST_CASE("lut64: the AVX-512 W2A2 GEMM and GEMV (Method::Lut64 with VBMI) equal Reference") {
  if (!samd::kernels::supported(Path::Avx512)) {
    WARN("no AVX-512 here");
    return;
  }
  const bool vbmi = fast::lut64_vbmi();
  const fast::Method lut = vbmi ? fast::Method::Lut64 : fast::Method::Bitserial;
  // By shape: from kLut64MinN columns and kLut64MinK k, where it was measured faster.
  REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(256, 4096)) == lut);
  REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(fast::kLut64MinN, fast::kLut64MinK)) == lut);
  REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(fast::kLut64MinN - 1, 4096)) ==
          fast::Method::Bitserial);
  REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(4096, fast::kLut64MinK - 1)) ==
          fast::Method::Bitserial);
  std::mt19937_64 rng(4096);
  for (auto [M, N, K] :
       {std::tuple<std::int64_t, std::int64_t, std::int64_t>{1, 8192 + 33, 2049}, {13, 257, 4097}})
    for (int threads : {1, 2})
      check_gemm(rng, M, N, K, Fill::Random, threads);
  // Every edge, at shapes below the thresholds too (force_lut64(Always)).
  const ForceLut64 always(fast::Lut64Use::Always);
  REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(5, 35)) == lut);
  for (auto [M, N, K] : {std::tuple<std::int64_t, std::int64_t, std::int64_t>{1, 8192 + 33, 1000},
                         {1, 100, 4097},
                         {2, 300, 576},
                         {5, 65, 35},
                         {13, 129, 4096},
                         {34, 96, 37},
                         {64, 257, 13},
                         {7, 33, 0}})
    for (Fill fill : {Fill::Random, Fill::AllMax, Fill::AllMin})
      for (int threads : {1, 2, 3})
        check_gemm(rng, M, N, K, fill, threads);
  check_gemm(rng, 3, 70, 2 * 6144 + 7, Fill::AllMax, 2); // two u16 flushes before the last
}

TEST_CASE("lut64: without VBMI the AVX-512 GEMM keeps bit-serial, and a conv never takes Lut64") {
  if (!samd::kernels::supported(Path::Avx512)) {
    WARN("no AVX-512 here");
    return;
  }
  namespace t = samd::kernels::test;
  std::mt19937_64 rng(1);
  const Layout al = t::layout(2, false), wl = t::layout(2, true);
  const std::int64_t N = fast::kLut64MinN, K = fast::kLut64MinK; // Lut64's shape
  const samd::kernels::QTensor w = t::tensor(rng, {N, K}, wl, Fill::Random);
  {
    const ForceLut64 off(fast::Lut64Use::Never);
    REQUIRE_FALSE(fast::lut64_vbmi());
    REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(N, K)) == fast::Method::Bitserial);
    const PackedWeights pw = PackedWeights::prepack(w, {}, al, 5, Path::Avx512);
    REQUIRE(std::string(pw.weight_format(Path::Avx512)) == "iplanes");
    for (std::int64_t M : {1, 9})
      check_gemm(rng, M, N, K, Fill::Random, 1);
  }
  if (fast::lut64_vbmi()) {
    const PackedWeights pw = PackedWeights::prepack(w, {}, al, 5, Path::Avx512);
    REQUIRE(std::string(pw.weight_format(Path::Avx512)) == "nibbles");
  }
  // A conv's GEMM weights keep choose_method's method (bit-serial for W2A2 on AVX-512), even
  // under force_lut64(Always).
  REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(N, K, true)) == fast::Method::Bitserial);
  const ForceLut64 always(fast::Lut64Use::Always);
  REQUIRE(fast::gemm_method(Path::Avx512, 2, w2_params(N, K, true)) == fast::Method::Bitserial);
  const samd::kernels::QTensor k = t::tensor(rng, {64, 64, 3, 3}, wl, Fill::Random);
  const auto pk = samd::kernels::PackedConvWeights::prepack(k, {}, al, 1);
  for (auto fmt : {samd::kernels::DataFormat::NCHW, samd::kernels::DataFormat::NHWC}) {
    const bool nhwc = fmt == samd::kernels::DataFormat::NHWC;
    const samd::kernels::QTensor x =
        t::tensor(rng, nhwc ? samd::kernels::Shape{1, 8, 8, 64} : samd::kernels::Shape{1, 64, 8, 8},
                  al, Fill::Random);
    samd::kernels::Conv2dParams p{1, 1, 1, 1, 1, 1};
    p.format = fmt;
    const std::string f = pk.weight_format(x, p, KernelOptions{Path::Avx512});
    INFO("conv weight format " << f << (nhwc ? " NHWC" : " NCHW"));
    REQUIRE(f.find("nibbles") == std::string::npos);
    REQUIRE(samd::kernels::conv2d_s32(x, pk, p, KernelOptions{Path::Avx512}).data ==
            samd::kernels::conv2d_s32(x, pk, p, KernelOptions{Path::Reference}).data);
  }
}

TEST_CASE("lut64: the AVX-512 index builder gives each group's table offset (bytes past kpad 0)") {
  if (!fast::lut64_vbmi()) {
    WARN("no AVX-512 VBMI here: lut64_index_avx512 not tested");
    return;
  }
  std::mt19937_64 rng(12);
  for (std::int64_t K : {std::int64_t{1}, std::int64_t{12}, std::int64_t{100}, std::int64_t{512},
                         std::int64_t{4096}, std::int64_t{4097}}) {
    const std::int64_t M = 3, kpad = (K + 511) / 512 * 512, G = fast::lut64_groups_of_k(K);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(M * kpad), 0);
    for (std::int64_t m = 0; m < M; ++m)
      for (std::int64_t k = 0; k < K; ++k)
        bytes[static_cast<std::size_t>(m * kpad + k)] = static_cast<std::uint8_t>(rng() % 4);
    const std::int64_t stride = G + 5;
    std::vector<std::uint16_t> out(static_cast<std::size_t>(M * stride), 0xABCD);
    fast::lut64_index_avx512(bytes.data(), M, kpad, G, stride, out.data());
    INFO("K=" << K);
    for (std::int64_t m = 0; m < M; ++m)
      for (std::int64_t j = 0; j < stride; ++j) {
        unsigned a = 0;
        for (unsigned s = 0; s < 3; ++s) {
          const std::int64_t k = fast::lut64_group_k(j, s);
          a |= (k < kpad ? bytes[static_cast<std::size_t>(m * kpad + k)] : 0u) << (2 * s);
        }
        REQUIRE(out[static_cast<std::size_t>(m * stride + j)] == (j < G ? 64 * a : 0xABCD));
      }
  }
}
TEST_CASE("conv lut64: the triple k order covers each k once, a group's weights are one channel's "
          "kx = 0, 1, 2") {
  namespace d = samd::kernels::detail;
  for (std::int64_t cg : {1, 3, 4, 5, 64}) {
    const std::int64_t cp = d::lut64_conv_channels(cg);
    REQUIRE(cp % 4 == 0);
    REQUIRE(cp - cg < 4);
    for (std::int64_t kh : {1, 3, 5}) {
      std::vector<int> seen(static_cast<std::size_t>(kh * cp * 3), 0);
      for (std::int64_t ky = 0; ky < kh; ++ky)
        for (std::int64_t c = 0; c < cp; ++c)
          for (std::int64_t kx = 0; kx < 3; ++kx) {
            const std::int64_t k = d::lut64_conv_k(cp, ky, c, kx);
            REQUIRE(k == fast::lut64_group_k(ky * cp + c, static_cast<unsigned>(kx)));
            ++seen[static_cast<std::size_t>(k)];
          }
      for (int c : seen)
        REQUIRE(c == 1);
    }
  }
}

#if defined(__x86_64__) // lut64_index_image: the x86-64 builds' AVX-512 code
TEST_CASE("conv lut64: the index image and pixel sums equal their scalar model") {
  // conv_lut64.hpp lut64_index_image (AVX-512): channels per group around the 32-channel steps and
  // the padding to 4 (1, 5, 32, 33, 64), groups 1-3, dilation 1-3, all-max offsets too.
  namespace d = samd::kernels::detail;
  if (!samd::kernels::supported(samd::kernels::Path::Avx512))
    return;
  std::mt19937_64 rng(65);
  for (std::int64_t cg : {1, 5, 32, 33, 64})
    for (std::int64_t groups : {1, 3})
      for (std::int64_t dw : {1, 3})
        for (bool all_max : {false, true}) {
          const std::int64_t hp = 3, wp = 2 * dw + 4, c = cg * groups,
                             cp = d::lut64_conv_channels(cg);
          std::vector<std::uint8_t> bytes(static_cast<std::size_t>(hp * wp * c));
          for (std::uint8_t &v : bytes)
            v = all_max ? 3 : static_cast<std::uint8_t>(rng() % 4);
          d::Lut64Image img;
          img.index.assign(7, 999); // a previous image's entries are overwritten
          d::lut64_index_image(bytes.data(), hp, wp, c, groups, dw, img);
          INFO("cg " << cg << " groups " << groups << " dw " << dw);
          const std::int64_t wx = wp - 2 * dw;
          REQUIRE(img.wx == wx);
          REQUIRE(img.ct == groups * cp);
          REQUIRE(img.index.size() ==
                  static_cast<std::size_t>(hp * wx * groups * cp + d::kLut64Slack));
          const auto ua = [&](std::int64_t y, std::int64_t x, std::int64_t ch) {
            return unsigned{bytes[static_cast<std::size_t>((y * wp + x) * c + ch)]};
          };
          for (std::int64_t y = 0; y < hp; ++y)
            for (std::int64_t x = 0; x < wp; ++x)
              for (std::int64_t g = 0; g < groups; ++g) {
                std::int64_t sum = 0;
                for (std::int64_t ch = 0; ch < cg; ++ch)
                  sum += ua(y, x, g * cg + ch);
                REQUIRE(img.sums[static_cast<std::size_t>((y * wp + x) * groups + g)] == sum);
                for (std::int64_t ch = 0; x < wx && ch < cp; ++ch) {
                  const unsigned want =
                      ch < cg ? 64 * (ua(y, x, g * cg + ch) | ua(y, x + dw, g * cg + ch) << 2 |
                                      ua(y, x + 2 * dw, g * cg + ch) << 4)
                              : 0;
                  REQUIRE(
                      img.index[static_cast<std::size_t>((x * hp + y) * img.ct + g * cp + ch)] ==
                      want);
                }
              }
          for (std::int64_t i = 0; i < d::kLut64Slack; ++i)
            REQUIRE(img.index[static_cast<std::size_t>(hp * wx * img.ct + i)] == 0);
        }
}

TEST_CASE("conv lut64: the index image from the packed words equals the one from the bytes") {
  // lut64_index_image_words (AVX-512 VBMI) against lut64_index_image on the padded offset bytes:
  // 32-96 channels, groups 1-2, signed and unsigned, all-max and all-min too, asymmetric padding
  // (the zero point's offset), dilation 1-2, the second image of a batch (its first word).
  namespace d = samd::kernels::detail;
  namespace k = samd::kernels;
  if (!k::supported(k::Path::Avx512) || !d::cpu_features().avx512_vbmi)
    return;
  std::mt19937_64 rng(66);
  int rep = 0;
  for (std::int64_t c : {32, 64, 96})
    for (std::int64_t groups : {1, 2})
      for (bool is_signed : {false, true})
        for (std::int64_t dw : {1, 2}) {
          if (c % (32 * groups) != 0)
            continue;
          const auto fill = samd::kernels::test::kFills[static_cast<std::size_t>(rep++) % 4];
          const Layout al = samd::kernels::test::layout(2, is_signed);
          const std::int64_t h = 3 + rep % 3, w = 2 * dw + 2 + rep % 4;
          const k::QTensor x = samd::kernels::test::tensor(rng, {2, h, w, c}, al, fill);
          k::Conv2dParams p;
          p.format = k::DataFormat::NHWC;
          p.pad_top = rep % 3, p.pad_left = 1, p.pad_bottom = 2 - rep % 3, p.pad_right = rep % 2;
          const d::Geometry g{2, c, h, w, 1, 1, k::DataFormat::NHWC};
          const auto pad = static_cast<std::uint8_t>(rng() % 4);
          const std::vector<std::uint8_t> off = x.to_offsets();
          d::PaddedImage padded;
          d::pad_image(off.data() + h * w * c, g, p, pad, padded);
          d::Lut64Image want, got;
          d::lut64_index_image(padded.bytes.data(), padded.hp, padded.wp, c, groups, dw, want);
          d::lut64_index_image_words(x.words().data() + h * w * c / 32, h, w, c,
                                     {p.pad_top, p.pad_left, p.pad_bottom, p.pad_right}, groups, dw,
                                     is_signed, pad, got);
          INFO("c " << c << " groups " << groups << " signed " << is_signed << " dw " << dw);
          REQUIRE(got.hp == want.hp);
          REQUIRE(got.wp == want.wp);
          REQUIRE(got.wx == want.wx);
          REQUIRE(got.ct == want.ct);
          REQUIRE(got.cp == want.cp);
          CHECK(got.index == want.index);
          CHECK(got.sums == want.sums);
        }
}
#endif
