// The implicit LUT64 conv's parts on ResNet-18's 3x3 stages (NHWC, batch 1, stride 1, pad 1, W2A2,
// 1 thread), medians of many runs: the index image's preparation from the offset bytes
// (QTensor::to_offsets, pad_image, lut64_index_image, the row sums) and from the packed words
// (lut64_index_image_words); fast::lut64_rows on the same M x N x K' as GEMM rows in one call, in
// calls of one output column, and with a permuted group_off (rows the kernel gathers); and
// conv2d_s32 forced to Lut64 and to Planes (the implicit bit-serial conv). A measurement, not part
// of the build: see README.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include <samd/kernels/kernels.hpp>

#include "conv_geometry.hpp"
#include "conv_lut64.hpp"
#include "fast/lut64.hpp"

using namespace samd;
using namespace samd::kernels;
namespace kd = samd::kernels::detail;
namespace fast = samd::kernels::detail::fast;
using clk = std::chrono::steady_clock;

namespace {

template <class F> double median_us(F f, int reps) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto a = clk::now();
    f();
    t.push_back(std::chrono::duration<double, std::micro>(clk::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Stage {
  const char *name;
  std::int64_t hw, c;
};
const Stage kStages[] = {
    {"conv2_x", 56, 64}, {"conv3_x", 28, 128}, {"conv4_x", 14, 256}, {"conv5_x", 7, 512}};

void prep_and_conv(const Stage &l, std::mt19937_64 &rng) {
  const Layout a2{2, 0, Signedness::Unsigned}, w2{2, 0, Signedness::Signed};
  std::vector<std::int64_t> xv(static_cast<std::size_t>(l.hw * l.hw * l.c));
  for (auto &v : xv)
    v = static_cast<std::int64_t>(rng() % 4);
  const QTensor x = QTensor::from_ints({1, l.hw, l.hw, l.c}, a2, xv, QuantParams{{0.1f}, {1}, -1});
  std::vector<std::int64_t> wv(static_cast<std::size_t>(l.c * l.c * 9));
  for (auto &v : wv)
    v = static_cast<std::int64_t>(rng() % 4) - 2;
  const QTensor w = QTensor::from_ints({l.c, l.c, 3, 3}, w2, wv, QuantParams{{0.1f}, {0}, -1});
  const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, a2, 1);
  const Conv2dParams p{1, 1, 1, 1, 1, 1, 1, 1, 1, DataFormat::NHWC};
  const kd::Geometry g = kd::conv_geometry(x, pw, p);
  std::vector<std::uint8_t> off;
  kd::PaddedImage padded;
  kd::Lut64Image img, img_words;
  const int reps = 2001;
  const double t_off = median_us([&] { off = x.to_offsets(); }, reps);
  const double t_pad = median_us([&] { kd::pad_image(off.data(), g, p, 1, padded); }, reps);
  const double t_idx = median_us(
      [&] { kd::lut64_index_image(padded.bytes.data(), padded.hp, padded.wp, l.c, 1, 1, img); },
      reps);
  const double t_words = median_us(
      [&] {
        kd::lut64_index_image_words(x.words().data(), l.hw, l.hw, l.c, {1, 1, 1, 1}, 1, 1, false, 1,
                                    img_words);
      },
      reps);
  std::vector<std::int64_t> rowsum(static_cast<std::size_t>(g.oh * g.ow));
  const double t_rs = median_us(
      [&] {
        for (std::int64_t pix = 0; pix < g.oh * g.ow; ++pix) {
          std::int64_t r = 0;
          for (std::int64_t ky = 0; ky < 3; ++ky)
            for (std::int64_t kx = 0; kx < 3; ++kx)
              r += img.sums[static_cast<std::size_t>((pix / g.ow + ky) * padded.wp + pix % g.ow +
                                                     kx)];
          rowsum[static_cast<std::size_t>(pix)] = r;
        }
      },
      reps);
  const double macs = static_cast<double>(g.oh * g.ow) * static_cast<double>(l.c * l.c * 9);
  Int32Tensor out;
  double t_conv[2];
  const kd::ConvAlgo algos[2] = {kd::ConvAlgo::Lut64, kd::ConvAlgo::Planes};
  for (int a = 0; a < 2; ++a) {
    kd::force_conv_algo(algos[a]);
    t_conv[a] = median_us([&] { conv2d_s32(x, pw, p, out, KernelOptions{Path::Avx512}); }, 201);
  }
  kd::force_conv_algo(kd::ConvAlgo::Auto);
  std::printf("%s %lldx%lldx%lld: to_offsets %.1f us, pad_image %.1f us, index image %.1f us "
              "(%.0f KiB), row sums %.1f us; from the words %.1f us (same image: %s)\n",
              l.name, static_cast<long long>(l.hw), static_cast<long long>(l.hw),
              static_cast<long long>(l.c), t_off, t_pad, t_idx,
              static_cast<double>(img.index.size() * 2) / 1024, t_rs, t_words,
              img.index == img_words.index && img.sums == img_words.sums ? "yes" : "NO");
  std::printf("%s conv2d_s32: Lut64 %.1f us (%.0f GMAC/s), Planes %.1f us (%.0f GMAC/s)\n", l.name,
              t_conv[0], macs / t_conv[0] / 1e3, t_conv[1], macs / t_conv[1] / 1e3);
}

void kernel_alone(const Stage &l, std::mt19937_64 &rng) {
  const std::int64_t M = (l.hw) * (l.hw), N = l.c, K = l.c * 9;
  const Layout w2{2, 0, Signedness::Signed};
  fast::FastWeights w = fast::weight_params(w2, N, K);
  fast::allocate_format(w, fast::WeightFormat::Nibbles);
  std::vector<std::int64_t> row(static_cast<std::size_t>(K));
  for (std::int64_t n = 0; n < N; ++n) {
    for (auto &v : row)
      v = static_cast<std::int64_t>(rng() % 4) - 2;
    fast::put_row(w, fast::WeightFormat::Nibbles, n, row.data());
  }
  const std::int64_t G = fast::lut64_groups(w);
  std::vector<std::uint16_t> index(static_cast<std::size_t>(M * G + 64));
  for (auto &v : index)
    v = static_cast<std::uint16_t>(64 * (rng() % 64));
  std::vector<std::int64_t> rb(static_cast<std::size_t>(M)), go(static_cast<std::size_t>(G));
  for (std::int64_t m = 0; m < M; ++m)
    rb[static_cast<std::size_t>(m)] = m * G;
  for (std::int64_t j = 0; j < G; ++j)
    go[static_cast<std::size_t>(j)] = j;
  std::vector<std::int64_t> zeros(static_cast<std::size_t>(std::max(M, N)), 0);
  std::vector<std::int32_t> out(static_cast<std::size_t>(M * N)), z32(static_cast<std::size_t>(N));
  std::atomic<int> bad{0};
  fast::Epilogue e;
  e.rowsum = e.dz = e.fixed = zeros.data();
  e.out = out.data();
  e.n = e.ld = N;
  e.bad = &bad;
  e.int32_exact = e.known_int32 = true;
  e.dz32 = e.fixed32 = z32.data();
  const fast::Lut64Rows rows{index.data(), rb.data(), go.data(), M};
  const double t_one = median_us([&] { fast::lut64_rows(rows, w, e, 0, N); }, 301);
  const double t_cols = median_us(
      [&] {
        for (std::int64_t c0 = 0; c0 < M; c0 += l.hw) {
          fast::Epilogue ec = e;
          ec.rowsum = e.rowsum + c0, ec.out = e.out + c0 * e.ld;
          fast::lut64_rows(fast::Lut64Rows{index.data(), rb.data() + c0, go.data(), l.hw}, w, ec, 0,
                           N);
        }
      },
      301);
  const std::vector<std::int64_t> rev(go.rbegin(), go.rend());
  const double t_gather = median_us(
      [&] {
        fast::lut64_rows(fast::Lut64Rows{index.data(), rb.data(), rev.data(), M}, w, e, 0, N);
      },
      301);
  const double macs = static_cast<double>(M) * static_cast<double>(N * K);
  std::printf("%s lut64_rows %lldx%lldx%lld: one call %.1f us (%.0f GMAC/s), per output column "
              "%.1f us, gathered rows %.1f us\n",
              l.name, static_cast<long long>(M), static_cast<long long>(N),
              static_cast<long long>(K), t_one, macs / t_one / 1e3, t_cols, t_gather);
}

} // namespace

int main() {
  std::mt19937_64 rng(1);
  for (const Stage &l : kStages)
    kernel_alone(l, rng);
  for (const Stage &l : kStages)
    prep_and_conv(l, rng);
}
