// conv2d: Swar (im2col + SAMD GEMM) is bit-exact with the direct Reference loops for every width
// pair, both data formats, stride / padding / dilation / groups / depthwise, tails and extremes.
#include <catch2/catch.hpp>

#include "../src/conv_geometry.hpp"
#include "../src/conv_lut64.hpp"
#include "../src/cpu_features.hpp"
#include "conv_algos.hpp"
#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

namespace {

struct ConvCase {
  std::int64_t n, c, h, w, o, kh, kw, groups;
  Conv2dParams p;
};

ConvCase random_case(std::mt19937_64 &rng) {
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

void check_conv(std::mt19937_64 &rng, const Layout &al, const Layout &wl, const ConvCase &c,
                Fill f) {
  const Shape xs =
      c.p.format == DataFormat::NCHW ? Shape{c.n, c.c, c.h, c.w} : Shape{c.n, c.h, c.w, c.c};
  const QTensor x = tensor(rng, xs, al, f);
  const QTensor w = tensor(rng, {c.o, c.c / c.groups, c.kh, c.kw}, wl, f,
                           uniform(rng, 0, 1) ? static_cast<std::size_t>(c.o) : 0, 0);
  std::vector<std::int32_t> bias;
  if (uniform(rng, 0, 1))
    for (std::int64_t i = 0; i < c.o; ++i)
      bias.push_back(static_cast<std::int32_t>(uniform(rng, -5000, 5000)));
  const PackedConvWeights pw = PackedConvWeights::prepack(w, bias, al, c.groups);
  INFO(describe(al, wl) << " fill=" << name(f) << " x=" << to_string(xs) << " o=" << c.o
                        << " k=" << c.kh << "x" << c.kw << " stride=" << c.p.stride_h << ","
                        << c.p.stride_w << " pad=" << c.p.pad_top << "," << c.p.pad_left << ","
                        << c.p.pad_bottom << "," << c.p.pad_right << " dil=" << c.p.dilation_h
                        << "," << c.p.dilation_w << " groups=" << c.groups
                        << " format=" << (c.p.format == DataFormat::NCHW ? "NCHW" : "NHWC"));
  const Int32Tensor ref = conv2d_s32(x, pw, c.p, KernelOptions{Path::Reference});
  for (Path path : optimized_paths())
    for (ConvAlgo a : algos(path)) {
      INFO("path " << to_string(path) << " " << algo_name(a));
      const ForceAlgo force(a);
      // Into a reused tensor of the result's size holding other values: every element must be
      // written (conv2d_s32 does not clear a reused buffer; the by-value form wraps this one).
      Int32Tensor got{{1}, std::vector<std::int32_t>(ref.data.size(), INT32_MIN + 7)};
      conv2d_s32(x, pw, c.p, got, KernelOptions{path});
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
          for (Fill f : kFills)
            check_conv(rng, layout(ab, as), layout(wb, ws), random_case(rng), f);
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
      for (const ConvCase &c : {dw, pw, rn}) {
        check_conv(rng, layout(4, false), layout(2, true), c, f);
        check_conv(rng, layout(8, false), layout(8, true), c, f);
        check_conv(rng, layout(1, false), layout(1, true), c, f);
      }
  }
}

TEST_CASE("conv2d: known values with padding") {
  // 1x1x2x2 input [[1, 2], [3, 4]], one 2x2 all-ones filter, pad 1 on every side, za = 0:
  // the 3x3 output holds the sums of each window over the zero-padded input.
  const QTensor x =
      QTensor::from_ints({1, 1, 2, 2}, layout(3, false), std::vector<std::int64_t>{1, 2, 3, 4});
  const QTensor w =
      QTensor::from_ints({1, 1, 2, 2}, layout(2, true), std::vector<std::int64_t>{1, 1, 1, 1});
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
    const Shape xs =
        c.p.format == DataFormat::NCHW ? Shape{c.n, c.c, c.h, c.w} : Shape{c.n, c.h, c.w, c.c};
    const QTensor x = tensor(rng, xs, al, Fill::Random);
    const QTensor w = tensor(rng, {c.o, c.c / c.groups, c.kh, c.kw}, wl, Fill::Random,
                             static_cast<std::size_t>(c.o), 0);
    const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, al, c.groups);
    Requant rq;
    rq.out_layout = layout(static_cast<unsigned>(uniform(rng, 1, 8)), false);
    rq.out_scale = 0.1f;
    rq.out_zero_point = 0;
    for (Path path : optimized_paths())
      for (ConvAlgo a : algos(path)) {
        const ForceAlgo force(a);
        CHECK(conv2d(x, pw, c.p, rq, KernelOptions{Path::Reference}).to_ints() ==
              conv2d(x, pw, c.p, rq, KernelOptions{path}).to_ints());
      }
  }
}

TEST_CASE("conv2d: bad input names the problem") {
  const Layout u4 = layout(4, false);
  const QTensor x = QTensor::from_ints({1, 4, 5, 5}, u4, std::vector<std::int64_t>(100, 1));
  const QTensor w = QTensor::from_ints({2, 2, 3, 3}, u4, std::vector<std::int64_t>(36, 1));
  CHECK_THAT(error_of([&] { PackedConvWeights::prepack(w, {}, u4, 3); }),
             Catch::Contains("groups = 3"));
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

namespace {

// Wide-channel cases, where the AVX-512 path runs its direct kernels (tap-wise bit-serial on
// 1-bit activations, row-padded Dot8): every path against Reference, plain sums, requantized to
// narrow (thresholds) and wide outputs, and fused with a 2x2 max pool.
void check_direct(std::mt19937_64 &rng, const Layout &al, const Layout &wl, std::int64_t C,
                  std::int64_t groups, const Conv2dParams &base, Fill f) {
  ConvCase c{uniform(rng, 1, 3),
             C,
             uniform(rng, 5, 9),
             uniform(rng, 5, 20),
             groups * uniform(rng, 1, 9),
             3,
             3,
             groups,
             base};
  c.p.groups = groups;
  const Shape xs =
      c.p.format == DataFormat::NCHW ? Shape{c.n, c.c, c.h, c.w} : Shape{c.n, c.h, c.w, c.c};
  const QTensor x = tensor(rng, xs, al, f);
  const QTensor w =
      tensor(rng, {c.o, c.c / groups, c.kh, c.kw}, wl, f, static_cast<std::size_t>(c.o), 0);
  std::vector<std::int32_t> bias;
  for (std::int64_t i = 0; i < c.o; ++i)
    bias.push_back(static_cast<std::int32_t>(uniform(rng, -3000, 3000)));
  const PackedConvWeights pw = PackedConvWeights::prepack(w, bias, al, groups);
  INFO(describe(al, wl) << " fill=" << name(f) << " x=" << to_string(xs) << " o=" << c.o
                        << " groups=" << groups << " stride=" << c.p.stride_h << "," << c.p.stride_w
                        << " dil=" << c.p.dilation_h << "," << c.p.dilation_w
                        << " format=" << (c.p.format == DataFormat::NCHW ? "NCHW" : "NHWC"));
  const Int32Tensor ref = conv2d_s32(x, pw, c.p, KernelOptions{Path::Reference});
  Pool2dParams pool;
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  pool.format = c.p.format;
  const bool poolable = ref.shape[c.p.format == DataFormat::NCHW ? 2 : 1] >= 2 &&
                        ref.shape[c.p.format == DataFormat::NCHW ? 3 : 2] >= 2;
  for (unsigned ob : {1u, 2u, 8u}) {
    const Requant rq{layout(ob, false),
                     0.05f * static_cast<float>(1 + uniform(rng, 0, 40)),
                     static_cast<std::int32_t>(uniform(rng, 0, (1 << ob) - 1)),
                     {},
                     {}};
    const Requantizer r(x.quant().scale[0], w.quant(), static_cast<std::size_t>(c.o), rq);
    const QTensor qref = conv2d(x, pw, c.p, rq, KernelOptions{Path::Reference});
    for (Path path : optimized_paths())
      for (ConvAlgo a : algos(path)) {
        INFO("path " << to_string(path) << " " << algo_name(a) << " out bits " << ob);
        const ForceAlgo force(a);
        REQUIRE(conv2d_s32(x, pw, c.p, KernelOptions{path}).data == ref.data);
        const QTensor q = conv2d(x, pw, c.p, r, KernelOptions{path});
        REQUIRE(q.shape() == qref.shape());
        REQUIRE(q.to_ints() == qref.to_ints());
        if (poolable)
          REQUIRE(conv2d_max_pool(x, pw, c.p, r, pool, KernelOptions{path}).to_ints() ==
                  max_pool2d(qref, pool, KernelOptions{Path::Reference}).to_ints());
      }
  }
}

} // namespace

TEST_CASE("conv2d: direct kernels on wide channels equal Reference (sums, requantized, pooled)") {
  std::mt19937_64 rng(14);
  const std::pair<unsigned, unsigned> widths[] = {{1, 1}, {1, 2}, {2, 1}, {1, 8},
                                                  {2, 2}, {8, 1}, {8, 8}, {4, 3}};
  for (const auto &[ab, wb] : widths)
    for (bool as : {false, true})
      for (std::int64_t C : {16, 24, 32, 40})
        for (Fill f : kFills) {
          Conv2dParams p;
          p.format = uniform(rng, 0, 1) ? DataFormat::NHWC : DataFormat::NCHW;
          p.stride_h = uniform(rng, 1, 2), p.stride_w = uniform(rng, 1, 2);
          p.dilation_h = uniform(rng, 1, 2), p.dilation_w = uniform(rng, 1, 2);
          p.pad_top = uniform(rng, 0, 2), p.pad_left = uniform(rng, 0, 2);
          p.pad_bottom = uniform(rng, 0, 2), p.pad_right = uniform(rng, 0, 2);
          const std::int64_t groups = C % 16 == 0 && uniform(rng, 0, 3) == 0 ? 2 : 1;
          check_direct(rng, layout(ab, as), layout(wb, uniform(rng, 0, 1) == 1), C, groups, p, f);
        }
}

TEST_CASE("conv2d: two-level weights equal the convolution with the real weights") {
  std::mt19937_64 rng(15);
  for (int rep = 0; rep < 40; ++rep) {
    const Layout al = layout(static_cast<unsigned>(uniform(rng, 1, 8)), uniform(rng, 0, 1) == 1);
    const std::int64_t N = uniform(rng, 1, 2), C = uniform(rng, 1, 3) * 8, H = uniform(rng, 3, 8),
                       W = uniform(rng, 3, 9), O = uniform(rng, 1, 9);
    Conv2dParams p;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = uniform(rng, 0, 1);
    p.format = uniform(rng, 0, 1) ? DataFormat::NHWC : DataFormat::NCHW;
    const Shape xs = p.format == DataFormat::NCHW ? Shape{N, C, H, W} : Shape{N, H, W, C};
    const QTensor x = tensor(rng, xs, al, Fill::Random);
    // Real weights in {v0, v1}, zero point zw: stored as u in {0, 1} with an all-ones channel last.
    const std::int64_t v0 = uniform(rng, -3, 0), v1 = v0 + uniform(rng, 1, 3);
    const std::int32_t zw = static_cast<std::int32_t>(uniform(rng, -2, 2));
    const std::int64_t K = C * 9;
    std::vector<std::int64_t> u(static_cast<std::size_t>((O + 1) * K), 1),
        real(static_cast<std::size_t>(O * K));
    for (std::size_t i = 0; i < real.size(); ++i) {
      u[i] = uniform(rng, 0, 1);
      real[i] = u[i] ? v1 : v0;
    }
    std::vector<std::int32_t> bias;
    TwoLevel two;
    two.d = v1 - v0;
    for (std::int64_t o = 0; o < O; ++o) {
      bias.push_back(static_cast<std::int32_t>(uniform(rng, -500, 500)));
      two.bias.push_back(bias.back());
      two.v0_minus_zp.push_back(v0 - zw);
    }
    const QTensor wr =
        QTensor::from_ints({O, C, 3, 3}, layout(4, true), real, QuantParams{{0.1f}, {zw}, -1});
    const QTensor wu =
        QTensor::from_ints({O + 1, C, 3, 3}, layout(1, false), u, QuantParams{{1.0f}, {0}, -1});
    const PackedConvWeights pr = PackedConvWeights::prepack(wr, bias, al, 1);
    const PackedConvWeights pu = PackedConvWeights::prepack(wu, {}, al, 1);
    const Int32Tensor ref = conv2d_s32(x, pr, p, KernelOptions{Path::Reference});
    const int axis = p.format == DataFormat::NCHW ? 1 : 3;
    const Requant rq{layout(static_cast<unsigned>(uniform(rng, 1, 8)), false), 0.3f, 0, {}, {}};
    const Requantizer r(x.quant().scale[0], QuantParams{{0.1f}, {zw}, -1},
                        static_cast<std::size_t>(O), rq);
    const std::vector<std::int64_t> qref = requantize_with(r, ref, axis).to_ints();
    for (Path path : supported_paths())
      for (ConvAlgo a : algos(path)) {
        INFO("path " << to_string(path) << " " << algo_name(a) << " " << samd::to_string(al)
                     << " C=" << C << " O=" << O);
        const ForceAlgo force(a);
        const Int32Tensor got =
            combine_two_level(conv2d_s32(x, pu, p, KernelOptions{path}), two, axis);
        REQUIRE(got.shape == ref.shape);
        REQUIRE(got.data == ref.data);
        REQUIRE(conv2d(x, pu, p, r, KernelOptions{path}, &two).to_ints() == qref);
      }
  }
}

TEST_CASE("conv2d: two-level parameters fewer than the channels are refused on every path") {
  // The AVX-512 direct kernels' bound (two_level_fits) and the few-tap kernel read v0_minus_zp[o]
  // and bias[o] before combine_two_level's check: a segfault on the Auto path.
  const QTensor x =
      QTensor::from_ints({1, 3, 6, 6}, layout(4, false), std::vector<std::int64_t>(108, 5));
  const QTensor wu =
      QTensor::from_ints({9, 3, 3, 3}, layout(1, false), std::vector<std::int64_t>(243, 1));
  const PackedConvWeights pu = PackedConvWeights::prepack(wu, {}, x.layout(), 1);
  const Requantizer r(1.0f, QuantParams{}, 8, Requant{});
  const Conv2dParams p{1, 1, 1, 1, 1, 1};
  for (const TwoLevel &two : {TwoLevel{1, {}, {}}, TwoLevel{1, std::vector<std::int64_t>(8, 0),
                                                            std::vector<std::int64_t>(7, 0)}})
    for (Path path : supported_paths())
      for (ConvAlgo a : algos(path)) {
        INFO("path " << to_string(path) << " " << algo_name(a));
        const ForceAlgo force(a);
        CHECK_THROWS_WITH(conv2d(x, pu, p, r, KernelOptions{path}, &two),
                          Catch::Contains("channel parameters for 8 channels"));
        CHECK_THROWS_WITH(conv2d_max_pool(x, pu, p, r, Pool2dParams{}, KernelOptions{path}, &two),
                          Catch::Contains("channel parameters for 8 channels"));
      }
}

TEST_CASE("combine_two_level: sums fewer than the shape, and an exact result beyond int32") {
  const TwoLevel two{1, {0, 0}, {0, 0}};
  // 3 sums for a {1, 3, 64, 64} shape: it read past them.
  CHECK_THROWS_WITH(combine_two_level(Int32Tensor{{1, 3, 64, 64}, {1, 2, 3}}, two, 1),
                    Catch::Contains("3 sums for shape {1, 3, 64, 64} of 12288 elements"));
  CHECK_THROWS_WITH(combine_two_level(Int32Tensor{{1, -3}, {}}, two, 1),
                    Catch::Contains("dimension 1 is -3"));
  CHECK_THROWS_WITH(combine_two_level(Int32Tensor{{1, 0}, {}}, two, 1),
                    Catch::Contains("all-ones channel"));
  // d * A = 2^62 * 4 = 2^64 wrapped to 0 in int64: the documented overflow_error instead.
  const TwoLevel big{std::int64_t{1} << 62, {0}, {0}};
  CHECK_THROWS_AS(combine_two_level(Int32Tensor{{1, 2}, {4, 0}}, big, 1), std::overflow_error);
  const TwoLevel cancel{std::int64_t{1} << 40, {-(std::int64_t{1} << 40)}, {7}};
  // 2^40 * 3 - 2^40 * 3 + 7 = 7: large parts, an exact result inside int32.
  CHECK(combine_two_level(Int32Tensor{{1, 2}, {3, 3}}, cancel, 1).data ==
        std::vector<std::int32_t>{7});
  CHECK(
      combine_two_level(Int32Tensor{{2, 3}, {1, 2, 10, 3, 4, 20}}, TwoLevel{2, {1, -1}, {5, 6}}, 1)
          .data == std::vector<std::int32_t>{2 + 10 + 5, 4 - 10 + 6, 6 + 20 + 5, 8 - 20 + 6});
}

TEST_CASE("conv2d: no input channel (K = 0) gives the bias on every path and algorithm") {
  // NCHW with C = 0 went to the kernel for few taps on AVX-512 (K = 0 <= its limit), which read
  // the first of no taps.
  for (DataFormat f : {DataFormat::NCHW, DataFormat::NHWC}) {
    Conv2dParams p{1, 1, 1, 1, 1, 1};
    p.format = f;
    const Shape xs = f == DataFormat::NCHW ? Shape{2, 0, 5, 5} : Shape{2, 5, 5, 0};
    const QTensor x = QTensor::from_ints(xs, layout(4, false), std::vector<std::int64_t>{});
    const QTensor w =
        QTensor::from_ints({4, 0, 3, 3}, layout(3, true), std::vector<std::int64_t>{});
    const PackedConvWeights pw = PackedConvWeights::prepack(w, {3, -1, 0, 9}, x.layout(), 1);
    const Int32Tensor ref = conv2d_s32(x, pw, p, KernelOptions{Path::Reference});
    REQUIRE(ref.data.size() == 2 * 4 * 25);
    CHECK(ref.data[25] == -1); // image 0, channel 1 (NCHW) or position 6, channel 1 (NHWC)
    const Requantizer r(1.0f, QuantParams{}, 4, Requant{layout(8, true), 1.0f, 0, {}, {}});
    const std::vector<std::int64_t> qref =
        conv2d(x, pw, p, r, KernelOptions{Path::Reference}).to_ints();
    for (Path path : optimized_paths())
      for (ConvAlgo a : algos(path)) {
        INFO("path " << to_string(path) << " " << algo_name(a)
                     << (f == DataFormat::NCHW ? " NCHW" : " NHWC"));
        const ForceAlgo force(a);
        const Int32Tensor got = conv2d_s32(x, pw, p, KernelOptions{path});
        CHECK(got.shape == ref.shape);
        CHECK(got.data == ref.data);
        CHECK(conv2d(x, pw, p, r, KernelOptions{path}).to_ints() == qref);
      }
  }
}

TEST_CASE("conv2d: shape and window arithmetic beyond int64 or 2^40 is refused, naming it") {
  const QTensor x =
      QTensor::from_ints({1, 1, 4, 4}, layout(4, false), std::vector<std::int64_t>(16, 3));
  const QTensor w =
      QTensor::from_ints({1, 1, 3, 3}, layout(4, true), std::vector<std::int64_t>(9, 1));
  const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, x.layout(), 1);
  // Dilation 2^62: a result of shape {1, 1, -9223372036854775804, 2} came back.
  Conv2dParams dil;
  dil.dilation_h = std::int64_t{1} << 62;
  // Pads of INT64_MAX: the message showed a wrapped padded size.
  Conv2dParams pads;
  pads.pad_top = pads.pad_bottom = INT64_MAX;
  // Padding much wider than an image: 2^21 x 2^21 output positions of 1 input pixel.
  Conv2dParams wide;
  wide.pad_top = wide.pad_bottom = wide.pad_left = wide.pad_right = std::int64_t{1} << 20;
  // More than 2^40 outputs from an input and weights that are not: 2^20 channels x 2^21 pixels.
  const QTensor x2 = QTensor({1, 1, 1024, 2048}, layout(1, false));
  const PackedConvWeights many =
      PackedConvWeights::prepack(QTensor({1 << 20, 1, 1, 1}, layout(1, true)), {}, x2.layout(), 1);
  for (Path path : supported_paths())
    for (ConvAlgo a : algos(path)) {
      INFO("path " << to_string(path) << " " << algo_name(a));
      const ForceAlgo force(a);
      const KernelOptions opt{path};
      CHECK_THAT(error_of([&] { conv2d_s32(x, pw, dil, opt); }),
                 Catch::Contains("conv2d: dilation_h x (kernel_h - 1) = 4611686018427387904 x 2 "
                                 "exceeds 2^63 - 1"));
      CHECK_THAT(error_of([&] { conv2d_s32(x, pw, pads, opt); }),
                 Catch::Contains("conv2d: input height + pad_top = 4 + 9223372036854775807"));
      CHECK_THAT(error_of([&] { conv2d_s32(x, pw, wide, opt); }),
                 Catch::Contains("conv2d: padded input height x width = 2097156 x 2097156 "
                                 "exceeds 2^40"));
      CHECK_THAT(error_of([&] { conv2d_s32(x2, many, Conv2dParams{}, opt); }),
                 Catch::Contains("conv2d: output: shape {1, 1048576, 1024, 2048} has more than "
                                 "2^40 elements"));
    }
  // No input channel but 2^40 x 2^40 pixels: it passed the input check (0 elements) and
  // conv2d's output count wrapped (a segfault).
  CHECK_THAT(error_of([&] {
               QTensor({1, 0, std::int64_t{1} << 40, std::int64_t{1} << 40}, layout(4, false));
             }),
             Catch::Contains("nonzero dimensions whose product exceeds 2^40"));
}

TEST_CASE("conv2d: a requantizer for the wrong channel count is refused") {
  const QTensor x =
      QTensor::from_ints({1, 2, 4, 4}, layout(4, false), std::vector<std::int64_t>(32, 1));
  const QTensor w =
      QTensor::from_ints({3, 2, 3, 3}, layout(4, true), std::vector<std::int64_t>(54, 1));
  const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, x.layout(), 1);
  const Requantizer r(1.0f, QuantParams{}, 2, Requant{});
  CHECK_THROWS_WITH(conv2d(x, pw, Conv2dParams{}, r), Catch::Contains("made for 2 channels"));
}

TEST_CASE(
    "conv2d: one input channel on wide rows (an image network's first layer) equals Reference") {
  std::mt19937_64 rng(16);
  for (int rep = 0; rep < 120; ++rep) {
    const Layout al = layout(static_cast<unsigned>(uniform(rng, 1, 8)), uniform(rng, 0, 1) == 1);
    const Layout wl = layout(static_cast<unsigned>(uniform(rng, 1, 8)), uniform(rng, 0, 1) == 1);
    ConvCase c{uniform(rng, 1, 2),
               1,
               uniform(rng, 6, 12),
               uniform(rng, 16, 45),
               uniform(rng, 1, 20),
               uniform(rng, 1, 5),
               uniform(rng, 1, 5),
               1,
               {}};
    c.p.stride_h = uniform(rng, 1, 2);
    c.p.dilation_h = uniform(rng, 1, 2);
    c.h = c.p.dilation_h * (c.kh - 1) + 1 + uniform(rng, 0, 5);
    c.p.pad_top = uniform(rng, 0, 2), c.p.pad_bottom = uniform(rng, 0, 2);
    c.p.pad_left = uniform(rng, 0, 2), c.p.pad_right = uniform(rng, 0, 2);
    c.p.format = uniform(rng, 0, 1) ? DataFormat::NHWC : DataFormat::NCHW;
    const Fill f = kFills[rep % 4];
    check_conv(rng, al, wl, c, f);
    const Shape xs =
        c.p.format == DataFormat::NCHW ? Shape{c.n, 1, c.h, c.w} : Shape{c.n, c.h, c.w, 1};
    const QTensor x = tensor(rng, xs, al, f);
    const QTensor w = tensor(rng, {c.o, 1, c.kh, c.kw}, wl, f, static_cast<std::size_t>(c.o), 0);
    const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, al, 1);
    const Requant rq{layout(static_cast<unsigned>(uniform(rng, 1, 8)), false), 0.2f, 0, {}, {}};
    const std::vector<std::int64_t> want =
        conv2d(x, pw, c.p, rq, KernelOptions{Path::Reference}).to_ints();
    for (Path path : optimized_paths())
      CHECK(conv2d(x, pw, c.p, rq, KernelOptions{path}).to_ints() == want);
  }
}

TEST_CASE(
    "conv2d: AVX-512 direct kernels and im2col + GEMM at odd shapes and tails equal Reference") {
  // Channel counts around the dword / 64-byte / 512-k steps of both formats (K = C * KH * KW of 27,
  // 333, 513, 1107 ...), pixel counts that are not multiples of 16, several images (im2col batches
  // them into one GEMM for NHWC), groups, strides and the requantized and two-level-free outputs.
  std::mt19937_64 rng(17);
  const std::pair<unsigned, unsigned> widths[] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {8, 8},
                                                  {1, 8}, {8, 1}, {2, 4}, {5, 7}};
  const std::int64_t channels[] = {3, 37, 57, 64, 123};
  int rep = 0;
  for (const auto &[ab, wb] : widths)
    for (std::int64_t C : channels) {
      ++rep;
      const std::int64_t groups = C % 2 == 0 && rep % 3 == 0 ? 2 : 1;
      ConvCase c{uniform(rng, 1, 3),
                 C,
                 uniform(rng, 3, 9),
                 uniform(rng, 3, 11),
                 groups * uniform(rng, 1, 21),
                 uniform(rng, 1, 3),
                 3,
                 groups,
                 {}};
      c.p.groups = groups;
      c.p.format = rep % 2 ? DataFormat::NHWC : DataFormat::NCHW;
      c.p.stride_h = uniform(rng, 1, 2), c.p.stride_w = uniform(rng, 1, 2);
      c.p.pad_top = c.p.pad_bottom = c.p.pad_left = c.p.pad_right = uniform(rng, 0, 1);
      c.p.dilation_w = rep % 5 == 0 ? 2 : 1;
      c.w = std::max(c.w, c.p.dilation_w * 2 + 1);
      const Layout al = layout(ab, rep % 4 == 0), wl = layout(wb, rep % 3 != 0);
      const Fill f = kFills[static_cast<std::size_t>(rep) % 4];
      check_conv(rng, al, wl, c, f);
      const Shape xs =
          c.p.format == DataFormat::NCHW ? Shape{c.n, c.c, c.h, c.w} : Shape{c.n, c.h, c.w, c.c};
      const QTensor x = tensor(rng, xs, al, f);
      const QTensor w =
          tensor(rng, {c.o, c.c / groups, c.kh, c.kw}, wl, f, static_cast<std::size_t>(c.o), 0);
      const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, al, groups);
      const Requant rq{layout(static_cast<unsigned>(uniform(rng, 1, 8)), false), 0.5f, 1, {}, {}};
      const std::vector<std::int64_t> want =
          conv2d(x, pw, c.p, rq, KernelOptions{Path::Reference}).to_ints();
      INFO(describe(al, wl) << " C=" << C);
      for (Path path : optimized_paths())
        for (ConvAlgo a : algos(path)) {
          INFO("path " << to_string(path) << " " << algo_name(a));
          const ForceAlgo force(a);
          CHECK(conv2d(x, pw, c.p, rq, KernelOptions{path}).to_ints() == want);
        }
    }
}

namespace {

// Random stride and dilation (1-2; stride_w 1 when unit_stride_w) and padding (0-2) for c, its
// input grown to fit the window.
void random_window(std::mt19937_64 &rng, ConvCase &c, bool unit_stride_w) {
  c.p.stride_h = uniform(rng, 1, 2), c.p.stride_w = unit_stride_w ? 1 : uniform(rng, 1, 2);
  c.p.dilation_h = uniform(rng, 1, 2), c.p.dilation_w = uniform(rng, 1, 2);
  c.p.pad_top = uniform(rng, 0, 2), c.p.pad_left = uniform(rng, 0, 2);
  c.p.pad_bottom = uniform(rng, 0, 2), c.p.pad_right = uniform(rng, 0, 2);
  c.h = std::max(c.h, c.p.dilation_h * (c.kh - 1) + 1);
  c.w = std::max(c.w, c.p.dilation_w * (c.kw - 1) + 1);
}

// One case of the im2col-format tests (bit planes, channel quads): `rep` picks two groups (every
// third), the format (odd: NHWC), the signedness and the fill; 1-2 images of h x w pixels from the
// given ranges, cg channels and 1-40 outputs per group, a random 1-3 x 1-3 window.
void check_group_case(std::mt19937_64 &rng, int rep, unsigned ab, unsigned wb, std::int64_t cg,
                      std::pair<std::int64_t, std::int64_t> h,
                      std::pair<std::int64_t, std::int64_t> w, bool unit_stride_w) {
  const std::int64_t groups = rep % 3 == 0 ? 2 : 1;
  ConvCase c{uniform(rng, 1, 2),
             cg * groups,
             uniform(rng, h.first, h.second),
             uniform(rng, w.first, w.second),
             groups * uniform(rng, 1, 40),
             uniform(rng, 1, 3),
             uniform(rng, 1, 3),
             groups,
             {}};
  c.p.groups = groups;
  c.p.format = rep % 2 ? DataFormat::NHWC : DataFormat::NCHW;
  random_window(rng, c, unit_stride_w);
  check_conv(rng, layout(ab, rep % 4 == 1), layout(wb, rep % 2 == 0), c,
             kFills[static_cast<std::size_t>(rep) % 4]);
}

// 2 x 1,369 output pixels of K = 576 (rows in several chunks, images batched for NHWC), both
// formats: unsigned b1-bit activations x signed b1-bit weights (random), then signed b2 x unsigned
// b2 (all max).
void check_many_pixels(std::mt19937_64 &rng, unsigned b1, unsigned b2) {
  for (DataFormat fmt : {DataFormat::NHWC, DataFormat::NCHW}) {
    ConvCase c{2, 64, 37, 37, 33, 3, 3, 1, {}};
    c.p.pad_top = c.p.pad_left = c.p.pad_bottom = c.p.pad_right = 1;
    c.p.format = fmt;
    check_conv(rng, layout(b1, false), layout(b1, true), c, Fill::Random);
    check_conv(rng, layout(b2, true), layout(b2, false), c, Fill::AllMax);
  }
}

} // namespace

TEST_CASE("conv2d: bit-serial im2col from the image's bit planes (channels per group a multiple "
          "of 64) equals Reference") {
  // conv_planes.hpp: every bit-serial width pair of the AVX-512 path (ab * wb <= 4), signed and
  // unsigned, 64 or 128 channels per group, one or two groups, both formats, stride, dilation,
  // asymmetric padding (padding taps hold the zero point's bits), several images and a layer whose
  // rows go in several chunks.
  std::mt19937_64 rng(21);
  const std::pair<unsigned, unsigned> widths[] = {{1, 1}, {1, 2}, {2, 1}, {2, 2},
                                                  {1, 3}, {3, 1}, {1, 4}, {4, 1}};
  int rep = 0;
  for (const auto &[ab, wb] : widths)
    for (std::int64_t cg : {64, 128}) {
      ++rep;
      check_group_case(rng, rep, ab, wb, cg, {3, 9}, {3, 9}, false);
    }
  check_many_pixels(rng, 1, 2);
}

// One edge of a forced-algorithm conv test: its shape and parameters.
struct ConvEdge {
  std::int64_t n, cg, groups, h, w, o, kh, kw, stride, dil_w, pad;
  DataFormat f;
};
// The case of edge `ed` at widths ab x wb, repetition rep: its parameters, layouts (signedness
// and fill from rep) and random input and weights (x first, then w, from rng).
struct EdgeCase {
  ConvCase c;
  Layout al, wl;
  QTensor x, w;
};
EdgeCase edge_case(std::mt19937_64 &rng, const ConvEdge &ed, unsigned ab, unsigned wb, int rep) {
  ConvCase c{ed.n, ed.cg * ed.groups, ed.h, ed.w, ed.o, ed.kh, ed.kw, ed.groups, {}};
  c.p.groups = ed.groups;
  c.p.format = ed.f;
  c.p.stride_h = c.p.stride_w = ed.stride;
  c.p.dilation_w = ed.dil_w;
  c.p.pad_top = c.p.pad_left = ed.pad;
  c.p.pad_bottom = c.p.pad_right = ed.pad == 2 ? 0 : ed.pad;
  const Layout al = layout(ab, rep % 2 == 0), wl = layout(wb, rep % 3 != 0);
  const Fill f = kFills[static_cast<std::size_t>(rep) % 4];
  const Shape xs =
      c.p.format == DataFormat::NCHW ? Shape{c.n, c.c, c.h, c.w} : Shape{c.n, c.h, c.w, c.c};
  QTensor x = tensor(rng, xs, al, f);
  QTensor w = tensor(rng, {c.o, ed.cg, c.kh, c.kw}, wl, f, static_cast<std::size_t>(c.o), 0);
  return {c, al, wl, std::move(x), std::move(w)};
}
// Biases for edge case e: for odd reps +-(2^31 - 1 - K * ma * mw), the largest the K bound admits
// (every result fits int32, the bounds of its terms taken one by one do not); for even reps small
// random ones from rng.
std::vector<std::int32_t> edge_biases(std::mt19937_64 &rng, const EdgeCase &e, int rep) {
  const std::int64_t za = e.x.quant().zero_point[0], K = e.c.c / e.c.groups * e.c.kh * e.c.kw;
  const std::int64_t ma = std::max(za - e.al.min_value(), e.al.max_value() - za);
  std::int64_t mw = 0;
  for (std::int64_t zw : e.w.quant().zero_point)
    mw = std::max({mw, zw - e.wl.min_value(), e.wl.max_value() - zw});
  const std::int64_t edge = std::int64_t{2147483647} - K * ma * mw;
  std::vector<std::int32_t> bias;
  for (std::int64_t i = 0; i < e.c.o; ++i)
    bias.push_back(
        static_cast<std::int32_t>(rep % 2 ? (i % 2 ? edge : -edge) : uniform(rng, -5000, 5000)));
  return bias;
}
// Whether conv2d runs a forced algorithm (conv_geometry.hpp conv_uses_planes, conv_uses_lut64).
using Uses = bool (*)(const QTensor &, const PackedConvWeights &, const Conv2dParams &, Path);
// e's conv with these biases, on the AVX-512 path with algorithm a forced (which it must run when
// uses is given) and 1, 2 and 3 threads, equals Reference.
void check_forced(const EdgeCase &e, const std::vector<std::int32_t> &bias, ConvAlgo a, Uses uses,
                  int rep) {
  const PackedConvWeights pw = PackedConvWeights::prepack(e.w, bias, e.al, e.c.groups);
  const Int32Tensor ref = conv2d_s32(e.x, pw, e.c.p, KernelOptions{Path::Reference});
  const ForceAlgo force(a);
  if (uses)
    REQUIRE(uses(e.x, pw, e.c.p, Path::Avx512));
  for (int threads : {1, 2, 3}) {
    INFO(describe(e.al, e.wl) << " edge " << rep << " threads " << threads);
    KernelOptions opt{Path::Avx512};
    opt.threads = threads;
    const Int32Tensor got = conv2d_s32(e.x, pw, e.c.p, opt);
    REQUIRE(got.shape == ref.shape);
    CHECK(got.data == ref.data);
  }
}

TEST_CASE("conv2d: the implicit GEMM on the image's bit planes at its edges equals Reference") {
  // conv.cpp conv_planes_implicit, forced: fewer output pixels than a register block's rows (1,
  // 5), output widths around the 8-row sums' vectors, output channels around its 8-column
  // vectors and 16-column thread panels, runs of one tap (dilation, groups) or of a kernel row, 3
  // words per tap (192 channels), stride 2 (the row sums' gathered path), several images, both
  // formats, and 1-3 threads (the output channels split as the GEMM splits them).
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(23);
  const ConvEdge edges[] = {
      {1, 64, 1, 1, 1, 1, 1, 1, 1, 1, 0, DataFormat::NHWC},
      {2, 64, 1, 3, 3, 9, 3, 3, 1, 1, 0, DataFormat::NHWC},
      {1, 128, 1, 5, 1, 17, 3, 1, 1, 1, 1, DataFormat::NHWC},
      {3, 64, 2, 9, 17, 34, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 192, 1, 7, 9, 33, 3, 3, 2, 1, 1, DataFormat::NHWC},
      {2, 64, 1, 8, 16, 48, 2, 3, 1, 2, 2, DataFormat::NHWC},
      {2, 64, 2, 6, 10, 16, 3, 2, 2, 1, 0, DataFormat::NCHW},
      {1, 128, 1, 4, 25, 40, 1, 3, 1, 2, 1, DataFormat::NCHW},
  };
  const std::pair<unsigned, unsigned> widths[] = {{1, 1}, {2, 2}, {1, 4}, {3, 1}};
  int rep = 0;
  for (const ConvEdge &ed : edges)
    for (const auto &[ab, wb] : widths) {
      ++rep;
      const EdgeCase e = edge_case(rng, ed, ab, wb, rep);
      std::vector<std::int32_t> bias;
      for (std::int64_t i = 0; i < e.c.o; ++i)
        bias.push_back(static_cast<std::int32_t>(uniform(rng, -5000, 5000)));
      check_forced(e, bias, ConvAlgo::Planes, samd::kernels::detail::conv_uses_planes, rep);
    }
}

TEST_CASE("conv2d: the implicit GEMM at biases on the int32 bound equals Reference") {
  // Biases of +-(2^31 - 1 - K * ma * mw), the largest the K bound admits: every result still
  // fits int32, but the bounds of its terms taken one by one do not, so the kernel forms and
  // checks the results in int64 (Epilogue::known_int32 false) on whole blocks too.
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(24);
  for (const auto &[ab, wb] : {std::pair{1u, 1u}, {2u, 2u}, {1u, 2u}}) {
    const Layout al = layout(ab, false), wl = layout(wb, true);
    const std::int64_t C = 64, O = 40, H = 7, W = 13, K = C * 9;
    const QTensor x = tensor(rng, {2, H, W, C}, al, Fill::Random);
    const QTensor w = tensor(rng, {O, C, 3, 3}, wl, Fill::Random);
    const std::int64_t za = x.quant().zero_point[0], zw = w.quant().zero_point[0];
    const std::int64_t ma = std::max(za - al.min_value(), al.max_value() - za);
    const std::int64_t mw = std::max(zw - wl.min_value(), wl.max_value() - zw);
    const std::int64_t edge = std::int64_t{2147483647} - K * ma * mw;
    std::vector<std::int32_t> bias;
    for (std::int64_t o = 0; o < O; ++o)
      bias.push_back(static_cast<std::int32_t>(o % 2 ? edge : -edge));
    const PackedConvWeights pw = PackedConvWeights::prepack(w, bias, al, 1);
    Conv2dParams p;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    p.format = DataFormat::NHWC;
    INFO(describe(al, wl));
    const Int32Tensor ref = conv2d_s32(x, pw, p, KernelOptions{Path::Reference});
    const ForceAlgo force(ConvAlgo::Planes);
    CHECK(conv2d_s32(x, pw, p, KernelOptions{Path::Avx512}).data == ref.data);
  }
}

TEST_CASE("conv2d: Dot8 im2col from the image's channel quads (channels per group a multiple of "
          "4) equals Reference") {
  // conv_quads.hpp: Dot8 width pairs of the AVX-512 path, signed and unsigned, 4 / 12 / 64 / 68
  // channels per group, one or two groups, both formats, stride, dilation, asymmetric padding
  // (padding taps hold the zero point's offset), several images, output rows shorter and longer
  // than a 16-row group (runs of dwords, gathers), outputs of fewer than 8 pixels (the byte rows of
  // the GEMV) and a layer whose rows go in several chunks, M not a multiple of 16.
  std::mt19937_64 rng(22);
  const std::pair<unsigned, unsigned> widths[] = {{4, 4}, {8, 8}, {5, 3}, {4, 8}};
  int rep = 0;
  for (const auto &[ab, wb] : widths)
    for (std::int64_t cg : {4, 12, 64, 68}) {
      ++rep;
      const bool wide = rep % 4 == 2; // output rows of 16 pixels and more
      if (wide)
        check_group_case(rng, rep, ab, wb, cg, {3, 12}, {20, 40}, true);
      else
        check_group_case(rng, rep, ab, wb, cg, {2, 9}, {2, 9}, false);
    }
  check_many_pixels(rng, 4, 8);
}

TEST_CASE("conv2d: the Dot8 GEMM reading its 16-row groups in place from the quad image equals "
          "Reference") {
  // conv_quads.hpp quad_rows + fast::QuadSource, forced (im2col): output rows of exactly 16
  // pixels (every group in place), 17-56 pixels (groups wrapping to the next row or image are
  // copied, the rest in place), stride 2 (all copied), dilation, asymmetric padding, groups, 1-3
  // images, M % 16 != 0 (a partial last group), a 1 x 1 window whose K is not a multiple of 32
  // (vectors past K / 4), rows in two chunks, output channels around the 16-column panels, both
  // formats, biases on the int32 bound (int64 partial sums) and small ones, 1-3 threads.
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(25);
  const ConvEdge edges[] = {
      {1, 64, 1, 5, 16, 16, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {2, 8, 1, 6, 17, 33, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {3, 12, 2, 4, 40, 20, 3, 3, 1, 1, 0, DataFormat::NHWC},
      {2, 64, 1, 9, 56, 24, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 16, 1, 7, 35, 17, 3, 3, 2, 1, 1, DataFormat::NHWC},
      {2, 4, 1, 5, 36, 9, 2, 3, 1, 2, 2, DataFormat::NHWC},
      {2, 20, 2, 5, 33, 10, 3, 1, 1, 1, 1, DataFormat::NCHW},
      {1, 68, 1, 3, 48, 40, 1, 1, 1, 1, 0, DataFormat::NHWC},
  };
  const std::pair<unsigned, unsigned> widths[] = {{4, 4}, {8, 8}, {3, 5}, {8, 2}};
  int rep = 0;
  for (const ConvEdge &ed : edges)
    for (const auto &[ab, wb] : widths) {
      ++rep;
      const EdgeCase e = edge_case(rng, ed, ab, wb, rep);
      check_forced(e, edge_biases(rng, e, rep), ConvAlgo::Im2col, nullptr, rep);
    }
}

TEST_CASE("conv2d: the implicit LUT64 GEMM on the index image equals Reference") {
  // conv_lut64.hpp, forced (W2A2, KW = 3, AVX-512 VBMI): 4, 8, 64 channels per group and 5, 7, 33
  // (padding channels), 32, 64, 96 in NHWC (the index image from the packed words), KH 1, 3 and 5,
  // stride 1 and 2, dilation 1 and 2 in x and in y, asymmetric padding (padding taps hold the zero
  // point's offset), one or two groups, 1-3 images, both formats, output rows of 7, 14 and 17
  // pixels, output channels around the 64-column panels (threads split panels, or output columns
  // when there are fewer panels), signed and unsigned layouts, every fill (all-max: the largest
  // sums), biases on the int32 bound and small ones, 1-3 threads.
  if (!supported(Path::Avx512) || !samd::kernels::detail::cpu_features().avx512_vbmi)
    return;
  std::mt19937_64 rng(26);
  const ConvEdge edges[] = {
      {1, 4, 1, 5, 7, 9, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {2, 8, 1, 6, 14, 33, 3, 3, 2, 1, 1, DataFormat::NCHW},
      {3, 5, 1, 4, 17, 20, 1, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 7, 2, 9, 9, 16, 5, 3, 1, 2, 2, DataFormat::NHWC},
      {2, 64, 1, 5, 14, 70, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 64, 2, 6, 17, 40, 3, 3, 2, 2, 0, DataFormat::NCHW},
      {3, 12, 1, 3, 7, 130, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 33, 1, 9, 9, 8, 5, 3, 1, 1, 2, DataFormat::NCHW},
      {2, 32, 2, 5, 9, 20, 3, 3, 1, 2, 1, DataFormat::NHWC},
      {3, 96, 1, 4, 7, 12, 3, 3, 2, 1, 2, DataFormat::NHWC},
      // 3 kernel rows at stride 1 (lut64_conv3_rows) on tall columns: 30 output rows at 64
      // channels (one-panel tiles of 15), 20 at 128 in NCHW (two-panel tiles of 6-7), 5 channels
      // padded to 8.
      {1, 64, 1, 30, 6, 64, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 16, 1, 20, 5, 128, 3, 3, 1, 1, 1, DataFormat::NCHW},
      {2, 5, 1, 12, 6, 64, 3, 3, 1, 1, 1, DataFormat::NHWC},
  };
  int rep = 0;
  for (const ConvEdge &ed : edges)
    for (int variant = 0; variant < 4; ++variant) {
      ++rep;
      EdgeCase e = edge_case(rng, ed, 2, 2, rep);
      if (variant == 1 && e.c.h + e.c.p.pad_top + e.c.p.pad_bottom >= 2 * (e.c.kh - 1) + 1)
        e.c.p.dilation_h = 2; // the window still fits
      check_forced(e, edge_biases(rng, e, rep), ConvAlgo::Lut64,
                   samd::kernels::detail::conv_uses_lut64, rep);
    }
}

TEST_CASE("conv2d: the Dot8 tap kernel that skips padding taps equals Reference") {
  // conv_taps.hpp, forced (a Dot8 pair, channels per group a multiple of 4): pixels whose padding
  // taps differ (corners, edges, interior: runs of 1-6 rows and more, so every block size runs),
  // outputs lying wholly in the padding (a 1 x 1 kernel on 2 pixels of padding: every tap skipped,
  // the result the tap sums' correction alone), a 1 x 1 image (the centre tap only), 5 x 5 and 1 x
  // 3 kernels and an 8 x 8 one (64 taps, the mask's last bit), stride 2, dilation 2 in x,
  // asymmetric padding, two groups, 1-3 images, both formats, output channels around the 16-column
  // panels and 64-column blocks (1-4 panels a block), K up to 2304, signed and unsigned layouts,
  // every fill, biases on the int32 bound (the int64 epilogue) and small ones (int32), 1-3 threads.
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(27);
  const ConvEdge edges[] = {
      {1, 64, 1, 7, 7, 64, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {2, 8, 1, 5, 9, 70, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 4, 2, 6, 6, 20, 3, 3, 2, 1, 1, DataFormat::NCHW},
      {3, 12, 1, 4, 4, 33, 5, 5, 1, 1, 2, DataFormat::NHWC},
      {1, 16, 1, 3, 8, 16, 3, 3, 1, 2, 1, DataFormat::NHWC},
      {1, 8, 1, 1, 1, 17, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {2, 4, 1, 2, 3, 8, 1, 1, 1, 1, 2, DataFormat::NHWC},
      {2, 32, 1, 9, 5, 48, 1, 3, 1, 1, 1, DataFormat::NCHW},
      {1, 256, 1, 3, 3, 50, 3, 3, 1, 1, 1, DataFormat::NHWC},
      {1, 4, 1, 9, 9, 20, 8, 8, 1, 1, 2, DataFormat::NHWC}, // 64 taps: mask bit 63
  };
  // (ab, wb): every weight width 1-8 among them, each a vpdpbusd pair.
  const std::pair<unsigned, unsigned> widths[] = {{4, 4}, {8, 8}, {3, 5}, {8, 2},
                                                  {7, 6}, {5, 1}, {2, 7}, {6, 3}};
  const Uses uses = [](const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                       Path path) {
    return samd::kernels::detail::conv_uses_taps(
        x, w, p, samd::kernels::detail::conv_geometry(x, w, p), path);
  };
  int rep = 0;
  for (const ConvEdge &ed : edges)
    for (const auto &[ab, wb] : widths) {
      ++rep;
      const EdgeCase e = edge_case(rng, ed, ab, wb, rep);
      check_forced(e, edge_biases(rng, e, rep), ConvAlgo::Taps, uses, rep);
    }
}

TEST_CASE("conv2d: Auto runs the tap kernel on layers with many padding taps") {
  // conv.cpp conv_uses_taps: K >= 512 and at least 4 % of the products on padding taps (ResNet-18
  // conv3_x-conv5_x: 4.7-18.1 %), not conv2_x (2.4 %); never for a bit-serial or table-lookup pair,
  // channels per group not a multiple of 4, more than 64 taps or K above 65,536, not even forced.
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(28);
  const auto uses = [&](std::int64_t c, std::int64_t hw, unsigned ab, unsigned wb, std::int64_t pad,
                        std::int64_t k = 3) {
    const Layout al = layout(ab, false), wl = layout(wb, true);
    Conv2dParams p;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = pad;
    p.format = DataFormat::NHWC;
    const QTensor x = tensor(rng, {1, hw, hw, c}, al, Fill::Random);
    const PackedConvWeights w =
        PackedConvWeights::prepack(tensor(rng, {8, c, k, k}, wl, Fill::Random, 8, 0), {}, al, 1);
    return samd::kernels::detail::conv_uses_taps(
        x, w, p, samd::kernels::detail::conv_geometry(x, w, p), Path::Avx512);
  };
  CHECK(uses(512, 7, 4, 4, 1));  // conv5_x: 18.1 %
  CHECK(uses(128, 28, 8, 8, 1)); // conv3_x: 4.7 %
  CHECK(!uses(64, 56, 4, 4, 1)); // conv2_x: 2.4 %
  CHECK(!uses(512, 7, 4, 4, 0)); // no padding
  CHECK(!uses(512, 7, 1, 1, 1)); // bit-serial
  CHECK(!uses(30, 7, 8, 8, 1));  // 30 channels: not whole quads
  CHECK(!uses(32, 7, 8, 8, 1));  // K = 288 < 512
  {
    const ForceAlgo force(ConvAlgo::Im2col);
    CHECK(!uses(512, 7, 4, 4, 1));
  }
  const ForceAlgo force(ConvAlgo::Taps);
  CHECK(uses(8, 9, 8, 8, 3, 8));  // 64 taps
  CHECK(!uses(8, 9, 8, 8, 4, 9)); // 81 taps
  CHECK(uses(7280, 3, 4, 4, 1));  // K = 65,520
  CHECK(!uses(7288, 3, 4, 4, 1)); // K = 65,592
}

TEST_CASE("conv2d: the LUT64 conv is refused where it does not apply, and Auto's choice") {
  // Forced on a kernel width other than 3 or a pair other than W2A2 it leaves the choice to Auto
  // (the results stay exact: every test forces it through algos()); Auto picks it where it
  // applies (256 output channels here) on a CPU with VBMI; then Auto's choice by shape.
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(27);
  const bool vbmi = samd::kernels::detail::cpu_features().avx512_vbmi;
  struct Refusal {
    unsigned ab, wb;
    std::int64_t kw;
    bool applies;
  };
  for (const Refusal &r :
       {Refusal{2, 2, 3, true}, Refusal{2, 2, 2, false}, Refusal{2, 2, 1, false},
        Refusal{2, 3, 3, false}, Refusal{3, 2, 3, false}, Refusal{1, 2, 3, false}}) {
    const Layout al = layout(r.ab, false), wl = layout(r.wb, true);
    const QTensor x = tensor(rng, {1, 6, 6, 64}, al, Fill::Random);
    const PackedConvWeights pw =
        PackedConvWeights::prepack(tensor(rng, {256, 64, 3, r.kw}, wl, Fill::Random), {}, al, 1);
    Conv2dParams p;
    p.format = DataFormat::NHWC;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    INFO(describe(al, wl) << " kw " << r.kw);
    CHECK(samd::kernels::detail::conv_uses_lut64(x, pw, p, Path::Avx512) == (r.applies && vbmi));
    const ForceAlgo force(ConvAlgo::Lut64);
    CHECK(samd::kernels::detail::conv_uses_lut64(x, pw, p, Path::Avx512) == (r.applies && vbmi));
    CHECK_FALSE(samd::kernels::detail::conv_uses_lut64(x, pw, p, Path::Avx2));
    CHECK(conv2d_s32(x, pw, p, KernelOptions{Path::Avx512}).data ==
          conv2d_s32(x, pw, p, KernelOptions{Path::Reference}).data);
  }
  // Auto's choice by output channels: from 64 where the 3-kernel-row kernel applies (KH 3, stride
  // and dilation 1 in y, channels padded to a multiple of 8), from 256 otherwise.
  struct Choice {
    std::int64_t o, cg, kh, stride;
    bool picked;
  };
  for (const Choice &ch :
       {Choice{64, 64, 3, 1, true}, Choice{63, 64, 3, 1, false}, Choice{64, 12, 3, 1, false},
        Choice{64, 64, 3, 2, false}, Choice{64, 64, 1, 1, false}, Choice{256, 64, 3, 2, true}}) {
    const Layout al = layout(2, false), wl = layout(2, true);
    const QTensor x = tensor(rng, {1, 7, 7, ch.cg}, al, Fill::Random);
    const PackedConvWeights pw = PackedConvWeights::prepack(
        tensor(rng, {ch.o, ch.cg, ch.kh, 3}, wl, Fill::Random), {}, al, 1);
    Conv2dParams p;
    p.format = DataFormat::NHWC;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    p.stride_h = p.stride_w = ch.stride;
    INFO("O " << ch.o << " cg " << ch.cg << " KH " << ch.kh << " stride " << ch.stride);
    CHECK(samd::kernels::detail::conv_uses_lut64(x, pw, p, Path::Avx512) == (ch.picked && vbmi));
  }
}

TEST_CASE("conv2d: Dot8 quad image straight from the packed words of NHWC byte and nibble lanes "
          "equals Reference") {
  // conv_quads.hpp quad_image_put_words: field 8 and field 4 activations (guard bits too), signed
  // and unsigned, several images (an image's first nibble in the middle of a word), widths that
  // are not a multiple of 16 pixels, 4-68 channels per group (quad blocks of 1-17), one or two
  // groups, asymmetric padding; fields 2 and 3 (offset bytes) beside them.
  std::mt19937_64 rng(23);
  struct Act {
    unsigned bits, guard;
    bool is_signed;
    unsigned wb;
  };
  const Act acts[] = {{4, 0, false, 4}, {4, 0, true, 8}, {3, 1, false, 5}, {2, 2, true, 8},
                      {8, 0, false, 8}, {8, 0, true, 4}, {5, 3, false, 3}, {7, 1, true, 7},
                      {3, 0, false, 6}, {6, 2, true, 4}, {2, 0, false, 8}};
  int rep = 0;
  for (const Act &act : acts)
    for (std::int64_t cg : {4, 20, 68}) {
      ++rep;
      const std::int64_t groups = rep % 3 == 0 ? 2 : 1;
      ConvCase c{uniform(rng, 1, 3),
                 cg * groups,
                 uniform(rng, 3, 9),
                 rep % 2 ? uniform(rng, 17, 37) : uniform(rng, 3, 9),
                 groups * uniform(rng, 1, 24),
                 3,
                 3,
                 groups,
                 {}};
      c.p.groups = groups;
      c.p.format = DataFormat::NHWC;
      c.p.pad_top = uniform(rng, 0, 2), c.p.pad_bottom = uniform(rng, 0, 2);
      c.p.pad_left = uniform(rng, 0, 2), c.p.pad_right = uniform(rng, 0, 2);
      c.p.stride_h = c.p.stride_w = rep % 4 == 3 ? 2 : 1;
      const Layout al{act.bits, act.guard,
                      act.is_signed ? Signedness::Signed : Signedness::Unsigned};
      check_conv(rng, al, layout(act.wb, rep % 2 == 0), c,
                 kFills[static_cast<std::size_t>(rep) % 4]);
    }
}

TEST_CASE("conv2d_s32 into a reused tensor: any previous size and shape") {
  std::mt19937_64 rng(24);
  const Layout al = layout(4, false), wl = layout(4, true);
  Int32Tensor out{{3}, {1, 2, 3}};
  for (std::int64_t hw : {9, 5, 9, 12}) { // grows, shrinks, grows again
    const QTensor x = tensor(rng, {2, hw, hw, 8}, al, Fill::Random);
    const PackedConvWeights pw =
        PackedConvWeights::prepack(tensor(rng, {16, 8, 3, 3}, wl, Fill::Random), {}, al, 1);
    Conv2dParams p;
    p.format = DataFormat::NHWC;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    const Int32Tensor ref = conv2d_s32(x, pw, p, KernelOptions{Path::Reference});
    for (Path path : supported_paths()) {
      INFO("path " << to_string(path) << " hw " << hw);
      conv2d_s32(x, pw, p, out, KernelOptions{path});
      REQUIRE(out.shape == ref.shape);
      REQUIRE(out.data == ref.data);
      // Bad input is refused before out is touched: a 3-channel image, a window that does not fit.
      const Int32Tensor before = out;
      CHECK_THROWS_WITH(conv2d_s32(tensor(rng, {1, hw, hw, 3}, al, Fill::Random), pw, p, out,
                                   KernelOptions{path}),
                        Catch::Contains("channels"));
      Conv2dParams unpadded = p;
      unpadded.pad_top = unpadded.pad_left = unpadded.pad_bottom = unpadded.pad_right = 0;
      CHECK_THROWS_WITH(conv2d_s32(tensor(rng, {1, 2, 2, 8}, al, Fill::Random), pw, unpadded, out,
                                   KernelOptions{path}),
                        Catch::Contains("window does not fit"));
      CHECK(out.shape == before.shape);
      CHECK(out.data == before.data);
    }
  }
}

TEST_CASE("conv2d_s32 into a reused tensor: allow_split = false is refused before out is touched") {
  // Fails today: the Swar im2col GEMM refuses a K past its capacity (u8 x u8 at guard 5: 32) only
  // after conv2d_s32 set out.shape, against its contract (bad input leaves out unchanged).
  const Layout u8 = layout(8, false);
  const QTensor x = QTensor::from_ints({1, 64, 1, 1}, u8, std::vector<std::int64_t>(64, 1));
  const PackedConvWeights pw = PackedConvWeights::prepack(
      QTensor::from_ints({2, 64, 1, 1}, u8, std::vector<std::int64_t>(128, 1)), {}, u8, 1);
  Int32Tensor out{{1}, {42}};
  CHECK_THROWS_WITH(conv2d_s32(x, pw, {}, out, KernelOptions{Path::Swar, false}),
                    Catch::Contains("splitting is disabled"));
  CHECK(out.shape == Shape{1});
  CHECK(out.data == std::vector<std::int32_t>{42});
  // Named as conv2d's, with K and the capacity (it said "gemm (swar)").
  CHECK_THAT(error_of([&] {
               conv2d_s32(x, pw, {}, out, KernelOptions{Path::Swar, false});
             }),
             Catch::StartsWith("samd: conv2d (swar): K = 64 exceeds the proven accumulation "
                               "bound 32 for 8-bit weights x 8-bit activations with guard 5"));
}

TEST_CASE(
    "conv2d: im2col + GEMM over many output pixels (rows in several chunks) equals Reference") {
  std::mt19937_64 rng(18);
  const std::pair<unsigned, unsigned> widths[] = {{1, 1}, {2, 2}, {4, 4}, {8, 8}, {3, 5}};
  for (DataFormat fmt : {DataFormat::NCHW, DataFormat::NHWC})
    for (const auto &[ab, wb] : widths) {
      ConvCase c{2, 7, 41, 43, 5, 3, 3, 1, {}}; // 2 x 1763 pixels, K = 63
      c.p.pad_top = c.p.pad_left = c.p.pad_bottom = c.p.pad_right = 1;
      c.p.format = fmt;
      check_conv(rng, layout(ab, false), layout(wb, true), c, Fill::Random);
    }
}

TEST_CASE("conv2d: the AVX-512 path keeps small-channel layers direct and runs wide ones as im2col "
          "+ GEMM") {
  if (!supported(Path::Avx512))
    return;
  auto uses_direct = [](std::int64_t n, std::int64_t c, std::int64_t hw, std::int64_t o,
                        unsigned ab, unsigned wb, DataFormat f) {
    const Shape xs = f == DataFormat::NCHW ? Shape{n, c, hw, hw} : Shape{n, hw, hw, c};
    const QTensor x =
        QTensor::from_ints(xs, layout(ab, false),
                           std::vector<std::int64_t>(static_cast<std::size_t>(n * c * hw * hw), 0));
    const QTensor w =
        QTensor::from_ints({o, c, 3, 3}, layout(wb, true),
                           std::vector<std::int64_t>(static_cast<std::size_t>(o * c * 9), 0));
    const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, x.layout(), 1);
    Conv2dParams p;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    p.format = f;
    samd::kernels::detail::Geometry g; // 3x3, pad 1, stride 1: the output is hw x hw
    g.n = n, g.c = c, g.h = g.w = g.oh = g.ow = hw, g.format = f;
    return samd::kernels::detail::conv_uses_direct(x, pw, p, g, Path::Avx512);
  };
  // Fashion-MNIST's convolutions (K = 9, 144), batch 64: direct at every width pair.
  for (unsigned b : {1u, 2u, 4u, 8u}) {
    CHECK(uses_direct(64, 1, 28, 16, 8, b, DataFormat::NCHW));
    CHECK(uses_direct(64, 16, 14, 32, b, b, DataFormat::NCHW));
  }
  // ... and among the direct kernels, the one for few taps wherever the others would use Dot8:
  // the first layer (K = 9) at every width pair, conv2 except the bit-serial W1A1.
  auto uses_small = [](std::int64_t c, unsigned ab, unsigned wb, DataFormat f) {
    const QTensor x =
        QTensor::from_ints({1, c, 8, 8}, layout(ab, false),
                           std::vector<std::int64_t>(static_cast<std::size_t>(c * 64), 0));
    const QTensor w =
        QTensor::from_ints({4, c, 3, 3}, layout(wb, true),
                           std::vector<std::int64_t>(static_cast<std::size_t>(36 * c), 0));
    Conv2dParams p;
    p.format = f;
    return samd::kernels::detail::conv_uses_small(
        x, PackedConvWeights::prepack(w, {}, x.layout(), 1), p, Path::Avx512);
  };
  for (unsigned b : {1u, 2u, 4u, 8u})
    CHECK(uses_small(1, 8, b, DataFormat::NCHW));
  for (unsigned b : {2u, 4u, 8u})
    CHECK(uses_small(16, b, b, DataFormat::NCHW));
  CHECK_FALSE(uses_small(16, 1, 1, DataFormat::NCHW));
  CHECK_FALSE(uses_small(1, 8, 8, DataFormat::NHWC));
  CHECK_FALSE(uses_small(128, 8, 8, DataFormat::NCHW));
  // ResNet-18 conv4_x / conv5_x: im2col + GEMM at every width pair.
  for (unsigned b : {1u, 2u, 4u, 8u}) {
    CHECK_FALSE(uses_direct(1, 256, 14, 256, b, b, DataFormat::NHWC));
    CHECK_FALSE(uses_direct(1, 512, 7, 512, b, b, DataFormat::NHWC));
  }
  // conv2_x W1A1: im2col from the image's bit planes (64 channels) in NHWC; NCHW, whose output
  // im2col transposes, keeps the direct bit-serial kernel; 48 channels (not whole words) too.
  CHECK_FALSE(uses_direct(1, 64, 56, 64, 1, 1, DataFormat::NHWC));
  CHECK(uses_direct(1, 64, 56, 64, 1, 1, DataFormat::NCHW));
  CHECK(uses_direct(1, 48, 56, 64, 1, 1, DataFormat::NHWC));
  CHECK_FALSE(uses_direct(1, 128, 28, 128, 1, 1, DataFormat::NCHW));
  CHECK_FALSE(uses_direct(1, 64, 56, 64, 8, 8, DataFormat::NHWC));
  // The implicit GEMM on the image's bit planes: NHWC layers of whole 64-channel words at the
  // bit-serial pairs (every ResNet-18 stage; with weights wider than the activations only at 64
  // channels); not NCHW, not 48 channels, not a Dot8 pair.
  auto uses_planes = [](std::int64_t c, std::int64_t hw, unsigned ab, unsigned wb, DataFormat f) {
    const Shape xs = f == DataFormat::NCHW ? Shape{1, c, hw, hw} : Shape{1, hw, hw, c};
    const QTensor x = QTensor::from_ints(
        xs, layout(ab, false), std::vector<std::int64_t>(static_cast<std::size_t>(c * hw * hw), 0));
    const QTensor w =
        QTensor::from_ints({c, c, 3, 3}, layout(wb, true),
                           std::vector<std::int64_t>(static_cast<std::size_t>(c * c * 9), 0));
    Conv2dParams p;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    p.format = f;
    return samd::kernels::detail::conv_uses_planes(
        x, PackedConvWeights::prepack(w, {}, x.layout(), 1), p, Path::Avx512);
  };
  for (const auto &[ab, wb] : {std::pair{1u, 1u}, {1u, 2u}, {2u, 1u}, {2u, 2u}, {1u, 4u}}) {
    CHECK(uses_planes(64, 56, ab, wb, DataFormat::NHWC));
    CHECK(uses_planes(512, 7, ab, wb, DataFormat::NHWC) == (wb <= ab));
    CHECK_FALSE(uses_planes(64, 56, ab, wb, DataFormat::NCHW));
  }
  CHECK(uses_planes(128, 28, 3, 1, DataFormat::NHWC));
  CHECK_FALSE(uses_planes(48, 56, 1, 1, DataFormat::NHWC));
  CHECK_FALSE(uses_planes(64, 56, 8, 8, DataFormat::NHWC));
}

namespace {

// The direct kernel for few taps (conv_small.cpp), forced: NCHW, groups = 1, any stride, padding,
// dilation and width pair; rows of up to 45 outputs (tails of the 16-pixel vectors and of the
// 32-column pooled blocks), odd heights, output channels that are not a multiple of its blocks.
// Sums, requantized outputs (1 to 8 bits: the threshold and the 64-bit forms), and the fused 2x2
// max pool (and another window, which runs the unfused pool), with plain or two-level weights.
void check_small(std::mt19937_64 &rng, const Layout &al, const Layout &wl, bool two_level, Fill f) {
  ConvCase c{uniform(rng, 1, 2), uniform(rng, 1, 4), 0, 0, uniform(rng, 1, 21),
             uniform(rng, 1, 5), uniform(rng, 1, 5), 1, {}};
  c.p.stride_h = uniform(rng, 1, 3), c.p.stride_w = uniform(rng, 1, 3);
  c.p.dilation_h = uniform(rng, 1, 2), c.p.dilation_w = uniform(rng, 1, 2);
  c.p.pad_top = uniform(rng, 0, 2), c.p.pad_bottom = uniform(rng, 0, 2);
  c.p.pad_left = uniform(rng, 0, 2), c.p.pad_right = uniform(rng, 0, 2);
  c.h = c.p.dilation_h * (c.kh - 1) + 1 + uniform(rng, 0, 9);
  c.w = c.p.dilation_w * (c.kw - 1) + 1 + uniform(rng, 0, 44);
  const Shape xs{c.n, c.c, c.h, c.w};
  const QTensor x = tensor(rng, xs, al, f);
  const std::int64_t K = c.c * c.kh * c.kw;
  PackedConvWeights pw;
  TwoLevel two;
  QuantParams wq;
  if (!two_level) {
    const QTensor w = tensor(rng, {c.o, c.c, c.kh, c.kw}, wl, f,
                             uniform(rng, 0, 1) ? static_cast<std::size_t>(c.o) : 0, 0);
    std::vector<std::int32_t> bias;
    if (uniform(rng, 0, 1))
      for (std::int64_t i = 0; i < c.o; ++i)
        bias.push_back(static_cast<std::int32_t>(uniform(rng, -5000, 5000)));
    pw = PackedConvWeights::prepack(w, bias, al, 1);
    wq = w.quant();
  } else { // values {v0, v1} as 1-bit u plus the all-ones channel (the importer's encoding)
    std::vector<std::int64_t> u(static_cast<std::size_t>((c.o + 1) * K), 1);
    for (std::int64_t i = 0; i < c.o * K; ++i)
      u[static_cast<std::size_t>(i)] = uniform(rng, 0, 1);
    const std::int64_t v0 = uniform(rng, -3, 0), v1 = v0 + uniform(rng, 1, 3);
    const std::int32_t zw = static_cast<std::int32_t>(uniform(rng, -2, 2));
    two.d = v1 - v0;
    for (std::int64_t o = 0; o < c.o; ++o) {
      two.v0_minus_zp.push_back(v0 - zw);
      two.bias.push_back(uniform(rng, -500, 500));
    }
    pw = PackedConvWeights::prepack(
        QTensor::from_ints({c.o + 1, c.c, c.kh, c.kw}, layout(1, false), u), {}, al, 1);
    wq = QuantParams{{0.1f}, {zw}, -1};
  }
  const TwoLevel *tp = two_level ? &two : nullptr;
  INFO(describe(al, wl) << (two_level ? " two-level" : "") << " fill=" << name(f)
                        << " x=" << to_string(xs) << " o=" << c.o << " k=" << c.kh << "x" << c.kw
                        << " stride=" << c.p.stride_h << "," << c.p.stride_w << " pad="
                        << c.p.pad_top << "," << c.p.pad_left << "," << c.p.pad_bottom << ","
                        << c.p.pad_right << " dil=" << c.p.dilation_h << "," << c.p.dilation_w);
  const KernelOptions ref{Path::Reference};
  const ForceAlgo force(ConvAlgo::Small);
  const Int32Tensor sums = conv2d_s32(x, pw, c.p, ref);
  REQUIRE(conv2d_s32(x, pw, c.p, KernelOptions{Path::Avx512}).data == sums.data);
  const int ob = static_cast<int>(uniform(rng, 1, 8));
  const Requant rq{layout(static_cast<unsigned>(ob), uniform(rng, 0, 3) == 0),
                   0.02f * static_cast<float>(1 + uniform(rng, 0, 60)),
                   0,
                   {},
                   {}};
  const Requantizer r(x.quant().scale[0], wq, static_cast<std::size_t>(c.o), rq);
  const std::vector<std::int64_t> q = conv2d(x, pw, c.p, r, ref, tp).to_ints();
  REQUIRE(conv2d(x, pw, c.p, r, KernelOptions{Path::Avx512}, tp).to_ints() == q);
  Pool2dParams pool;
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  if (uniform(rng, 0, 3) == 0)
    pool.kernel_w = 3, pool.stride_h = 1;
  const bool poolable = sums.shape[2] >= pool.kernel_h && sums.shape[3] >= pool.kernel_w;
  if (poolable)
    REQUIRE(conv2d_max_pool(x, pw, c.p, r, pool, KernelOptions{Path::Avx512}, tp).to_ints() ==
            conv2d_max_pool(x, pw, c.p, r, pool, ref, tp).to_ints());
}

} // namespace

TEST_CASE("conv2d: the direct kernel for few taps equals Reference at every width pair, odd "
          "shapes, tails, padding, stride and dilation") {
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(19);
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (unsigned wb = 1; wb <= 8; ++wb)
      for (bool as : {false, true})
        for (bool ws : {false, true})
          for (Fill f : kFills)
            check_small(rng, layout(ab, as), layout(wb, ws), false, f);
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (bool as : {false, true})
      for (int rep = 0; rep < 8; ++rep)
        check_small(rng, layout(ab, as), layout(1, false), true, kFills[rep % 4]);
}

TEST_CASE("conv2d: the direct kernel for few taps on wider channels (up to K = 576, where Auto "
          "runs it for Dot8 widths) equals Reference") { // check_direct tries every algorithm
  if (!supported(Path::Avx512))
    return;
  std::mt19937_64 rng(20);
  const std::pair<unsigned, unsigned> widths[] = {{8, 8}, {4, 4}, {2, 2}, {8, 1}, {3, 5}};
  for (const auto &[ab, wb] : widths)
    for (std::int64_t C : {16, 37, 64}) {
      Conv2dParams p;
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
      p.stride_w = uniform(rng, 1, 2);
      check_direct(rng, layout(ab, false), layout(wb, true), C, 1, p, Fill::Random);
    }
}

TEST_CASE("conv2d_max_pool: the few-tap kernel pools the exact sums, also where sum ua * e leaves "
          "int32 (two-level weights, mid-range activation zero point)") {
  // u8 activations with za = 128: |a - za| <= 128, but ua = a - a_min reaches 255, so with e =
  // 1,500,001 on 9 taps C stays within +-1.73e9 while D + c * R = sum ua * e reaches 3.4e9. The
  // kernel used to take the max on that partial sum (wrapped) and pick the wrong pixel.
  const Layout al{8, 0, Signedness::Unsigned};
  std::mt19937_64 rng(21);
  for (int rep = 0; rep < 20; ++rep) {
    std::vector<std::int64_t> xv(16);
    for (std::int64_t &v : xv)
      v = (rng() & 1) ? 255 : 128 + static_cast<std::int64_t>(rng() % 128);
    const QTensor x = QTensor::from_ints({1, 1, 4, 4}, al, xv, QuantParams{{0.5f}, {128}, -1});
    const std::vector<std::int64_t> u(18, 1); // one channel of ones, and the all-ones channel
    TwoLevel two;
    two.d = 1, two.v0_minus_zp = {1500000}, two.bias = {0};
    const PackedConvWeights pw = PackedConvWeights::prepack(
        QTensor::from_ints({2, 1, 3, 3}, layout(1, false), u), {}, al, 1);
    Conv2dParams p;
    p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
    const Requant rq{layout(8, false), 1.0e8f, 0, {}, {}};
    const Requantizer r(x.quant().scale[0], QuantParams{{0.1f}, {0}, -1}, 1, rq);
    Pool2dParams pool;
    pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
    const std::vector<std::int64_t> want =
        conv2d_max_pool(x, pw, p, r, pool, KernelOptions{Path::Reference}, &two).to_ints();
    for (Path path : supported_paths()) {
      INFO("path " << to_string(path) << " rep " << rep);
      CHECK(conv2d_max_pool(x, pw, p, r, pool, KernelOptions{path}, &two).to_ints() == want);
    }
  }
}

TEST_CASE("conv2d_max_pool: the fused 1-bit kernel writes every channel's pooled bits, at every "
          "bit offset, for planes longer than a word") {
  // 1-bit NCHW activations, a 3x3 pad-1 window, 1-bit outputs, a 2x2 / 2 pool: on AVX-512 the
  // channel-lane kernel (tap_pool_cl) writes each channel's plane of pooled bits at channel *
  // plane, so planes of 49 and 81 bits start at many offsets within a word and cross words.
  std::mt19937_64 rng(23);
  const Layout al = layout(1, false);
  for (const std::int64_t hw : {14, 18, 11})
    for (const std::int64_t c : {16, 24, 7})
      for (const std::int64_t o : {33, 20, 1})
        for (const bool two_level : {false, true})
          for (const unsigned wb : {1u, 2u}) {
            if (two_level && wb != 1)
              continue;
            const QTensor x = tensor(rng, {3, c, hw, hw}, al, Fill::Random);
            PackedConvWeights pw;
            TwoLevel two;
            QuantParams wq{{0.05f}, {0}, -1};
            if (!two_level) {
              const QTensor w =
                  tensor(rng, {o, c, 3, 3}, layout(wb, true), Fill::Random, std::size_t(o), 0);
              std::vector<std::int32_t> bias;
              for (std::int64_t i = 0; i < o; ++i)
                bias.push_back(static_cast<std::int32_t>(uniform(rng, -40, 40)));
              pw = PackedConvWeights::prepack(w, bias, al, 1);
              wq = w.quant();
            } else { // +-1 weights: 1-bit u plus the all-ones channel (the importer's encoding)
              std::vector<std::int64_t> u(static_cast<std::size_t>((o + 1) * c * 9), 1);
              for (std::int64_t i = 0; i < o * c * 9; ++i)
                u[static_cast<std::size_t>(i)] = uniform(rng, 0, 1);
              two.d = 2;
              for (std::int64_t i = 0; i < o; ++i) {
                two.v0_minus_zp.push_back(-1);
                two.bias.push_back(uniform(rng, -20, 20));
              }
              pw = PackedConvWeights::prepack(
                  QTensor::from_ints({o + 1, c, 3, 3}, layout(1, false), u), {}, al, 1);
            }
            Conv2dParams p;
            p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
            // q = 1 where the pooled sum reaches about t (channel 0's weight scale; the others
            // shift it), so both values occur.
            const double t = static_cast<double>(uniform(rng, 2, 10)) + 0.5;
            const Requant rq{layout(1, false),
                             static_cast<float>(2 * t * x.quant().scale[0] * wq.scale_of(0)),
                             0,
                             {},
                             {}};
            const Requantizer r(x.quant().scale[0], wq, static_cast<std::size_t>(o), rq);
            Pool2dParams pool;
            pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
            const TwoLevel *tp = two_level ? &two : nullptr;
            const QTensor want =
                conv2d_max_pool(x, pw, p, r, pool, KernelOptions{Path::Reference}, tp);
            std::int64_t ones = 0;
            for (const std::int64_t v : want.to_ints())
              ones += v;
            if (hw == 14 && o == 33)
              CHECK((ones > 0 && ones < static_cast<std::int64_t>(want.size())));
            INFO("hw " << hw << " c " << c << " o " << o << " two-level " << two_level << " wb "
                       << wb << " ones " << ones << " of " << want.size());
            for (Path path : optimized_paths()) {
              INFO("path " << to_string(path));
              const QTensor got = conv2d_max_pool(x, pw, p, r, pool, KernelOptions{path}, tp);
              REQUIRE(got.shape() == want.shape());
              REQUIRE(got.to_ints() == want.to_ints());
            }
          }
}
