// conv2d: Swar (im2col + SAMD GEMM) is bit-exact with the direct Reference loops for every width
// pair, both data formats, stride / padding / dilation / groups / depthwise, tails and extremes.
#include <catch2/catch.hpp>

#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

namespace {

struct ConvCase {
  std::int64_t n, c, h, w, o, kh, kw, groups;
  Conv2dParams p;
};

ConvCase random_case(std::mt19937_64& rng) {
  ConvCase c{};
  c.groups = uniform(rng, 1, 3);
  c.c = c.groups * uniform(rng, 1, 3);
  c.o = c.groups * uniform(rng, 1, 3);
  c.n = uniform(rng, 1, 2);
  c.kh = uniform(rng, 1, 3);
  c.kw = uniform(rng, 1, 3);
  c.p.stride_h = uniform(rng, 1, 3);
  c.p.stride_w = uniform(rng, 1, 3);
  c.p.dilation_h = uniform(rng, 1, 2);
  c.p.dilation_w = uniform(rng, 1, 2);
  c.p.pad_top = uniform(rng, 0, 2);
  c.p.pad_bottom = uniform(rng, 0, 2);
  c.p.pad_left = uniform(rng, 0, 2);
  c.p.pad_right = uniform(rng, 0, 2);
  c.h = c.p.dilation_h * (c.kh - 1) + 1 + uniform(rng, 0, 5);
  c.w = c.p.dilation_w * (c.kw - 1) + 1 + uniform(rng, 0, 5);
  c.p.groups = c.groups;
  c.p.format = uniform(rng, 0, 1) ? DataFormat::NHWC : DataFormat::NCHW;
  return c;
}

void check_conv(std::mt19937_64& rng, const Layout& al, const Layout& wl, const ConvCase& c, Fill f) {
  const Shape xs = c.p.format == DataFormat::NCHW ? Shape{c.n, c.c, c.h, c.w} : Shape{c.n, c.h, c.w, c.c};
  const QTensor x = tensor(rng, xs, al, f);
  const QTensor w = tensor(rng, {c.o, c.c / c.groups, c.kh, c.kw}, wl, f, uniform(rng, 0, 1) ? static_cast<std::size_t>(c.o) : 0, 0);
  std::vector<std::int32_t> bias;
  if (uniform(rng, 0, 1))
    for (std::int64_t i = 0; i < c.o; ++i) bias.push_back(static_cast<std::int32_t>(uniform(rng, -5000, 5000)));
  const PackedConvWeights pw = PackedConvWeights::prepack(w, bias, al, c.groups);
  INFO(describe(al, wl) << " fill=" << name(f) << " x=" << to_string(xs) << " o=" << c.o << " k=" << c.kh << "x" << c.kw
                        << " stride=" << c.p.stride_h << "," << c.p.stride_w << " pad=" << c.p.pad_top << ","
                        << c.p.pad_left << "," << c.p.pad_bottom << "," << c.p.pad_right << " dil=" << c.p.dilation_h
                        << "," << c.p.dilation_w << " groups=" << c.groups
                        << " format=" << (c.p.format == DataFormat::NCHW ? "NCHW" : "NHWC"));
  const Int32Tensor ref = conv2d_s32(x, pw, c.p, KernelOptions{Path::Reference});
  for (Path path : optimized_paths()) {
    INFO("path " << to_string(path));
    const Int32Tensor got = conv2d_s32(x, pw, c.p, KernelOptions{path});
    REQUIRE(got.shape == ref.shape);
    REQUIRE(got.data == ref.data);
  }
}

} // namespace

TEST_CASE("conv2d: Swar equals Reference for every width pair") {
  std::mt19937_64 rng(11);
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (unsigned wb = 1; wb <= 8; ++wb)
      for (bool as : {false, true})
        for (bool ws : {false, true})
          for (Fill f : kFills) check_conv(rng, layout(ab, as), layout(wb, ws), random_case(rng), f);
}

TEST_CASE("conv2d: depthwise (groups = channels), 1x1 and a ResNet-like 3x3 block") {
  std::mt19937_64 rng(12);
  for (DataFormat fmt : {DataFormat::NCHW, DataFormat::NHWC}) {
    ConvCase dw{1, 6, 7, 9, 6, 3, 3, 6, {}};
    dw.p = Conv2dParams{2, 1, 1, 1, 1, 1, 1, 1, 6, fmt};
    ConvCase pw{2, 5, 4, 3, 7, 1, 1, 1, {}};
    pw.p.format = fmt;
    ConvCase rn{1, 16, 8, 8, 16, 3, 3, 1, {}};
    rn.p = Conv2dParams{1, 1, 1, 1, 1, 1, 1, 1, 1, fmt};
    for (Fill f : kFills)
      for (const ConvCase& c : {dw, pw, rn}) {
        check_conv(rng, layout(4, false), layout(2, true), c, f);
        check_conv(rng, layout(8, false), layout(8, true), c, f);
        check_conv(rng, layout(1, false), layout(1, true), c, f);
      }
  }
}

TEST_CASE("conv2d: known values with padding") {
  // 1x1x2x2 input [[1, 2], [3, 4]], one 2x2 all-ones filter, pad 1 on every side, za = 0:
  // the 3x3 output holds the sums of each window over the zero-padded input.
  const QTensor x = QTensor::from_ints({1, 1, 2, 2}, layout(3, false), std::vector<std::int64_t>{1, 2, 3, 4});
  const QTensor w = QTensor::from_ints({1, 1, 2, 2}, layout(2, true), std::vector<std::int64_t>{1, 1, 1, 1});
  const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, x.layout(), 1);
  Conv2dParams p;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  for (Path path : supported_paths()) {
    const Int32Tensor r = conv2d_s32(x, pw, p, KernelOptions{path});
    CHECK(r.shape == Shape{1, 1, 3, 3});
    CHECK(r.data == std::vector<std::int32_t>{1, 3, 2, 4, 10, 6, 3, 7, 4});
  }
}

TEST_CASE("conv2d: requantized outputs agree on both paths") {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 50; ++i) {
    ConvCase c = random_case(rng);
    const Layout al = layout(static_cast<unsigned>(uniform(rng, 1, 8)), false);
    const Layout wl = layout(static_cast<unsigned>(uniform(rng, 1, 8)), true);
    const Shape xs = c.p.format == DataFormat::NCHW ? Shape{c.n, c.c, c.h, c.w} : Shape{c.n, c.h, c.w, c.c};
    const QTensor x = tensor(rng, xs, al, Fill::Random);
    const QTensor w = tensor(rng, {c.o, c.c / c.groups, c.kh, c.kw}, wl, Fill::Random, static_cast<std::size_t>(c.o), 0);
    const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, al, c.groups);
    Requant rq;
    rq.out_layout = layout(static_cast<unsigned>(uniform(rng, 1, 8)), false);
    rq.out_scale = 0.1f;
    rq.out_zero_point = 0;
    for (Path path : optimized_paths())
      CHECK(conv2d(x, pw, c.p, rq, KernelOptions{Path::Reference}).to_ints() ==
            conv2d(x, pw, c.p, rq, KernelOptions{path}).to_ints());
  }
}

TEST_CASE("conv2d: bad input names the problem") {
  const Layout u4 = layout(4, false);
  const QTensor x = QTensor::from_ints({1, 4, 5, 5}, u4, std::vector<std::int64_t>(100, 1));
  const QTensor w = QTensor::from_ints({2, 2, 3, 3}, u4, std::vector<std::int64_t>(36, 1));
  CHECK_THAT(error_of([&] { PackedConvWeights::prepack(w, {}, u4, 3); }), Catch::Contains("groups = 3"));
  const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, u4, 2);
  Conv2dParams p;
  p.groups = 2;
  CHECK_NOTHROW(conv2d_s32(x, pw, p));
  Conv2dParams g1 = p;
  g1.groups = 1;
  CHECK_THAT(error_of([&] { conv2d_s32(x, pw, g1); }), Catch::Contains("groups = 1"));
  const QTensor x3 = QTensor::from_ints({1, 3, 5, 5}, u4, std::vector<std::int64_t>(75, 1));
  CHECK_THAT(error_of([&] { conv2d_s32(x3, pw, p); }), Catch::Contains("input has 3 channels"));
  const QTensor small = QTensor::from_ints({1, 4, 2, 2}, u4, std::vector<std::int64_t>(16, 1));
  CHECK_THAT(error_of([&] { conv2d_s32(small, pw, p); }), Catch::Contains("window does not fit"));
  Conv2dParams s0 = p;
  s0.stride_h = 0;
  CHECK_THAT(error_of([&] { conv2d_s32(x, pw, s0); }), Catch::Contains("stride 0x1"));
  const QTensor x3d = QTensor::from_ints({4, 5, 5}, u4, std::vector<std::int64_t>(100, 1));
  CHECK_THAT(error_of([&] { conv2d_s32(x3d, pw, p); }), Catch::Contains("must be 4-D"));
}
