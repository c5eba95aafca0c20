// LUT64 (lut64.hpp): the tables, the group layout, and lut64_rows against a direct dot product of
// the offsets, on GEMM rows (row_base m * stride) and on rows pointing into a shared index image;
// the conv's triple k order and index image (conv_lut64.hpp) against their definitions.
#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "../src/conv_lut64.hpp"
#include "../src/cpu_features.hpp"
#include "../src/fast/lut64.hpp"
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
