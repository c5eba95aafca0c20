// Pooling: Swar (lanes = output positions; verified max_lanes, sums in guard headroom) equals the
// Reference loops for every width 1–8, both signednesses, both formats, padding and dilation.
#include <catch2/catch.hpp>

#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

namespace {

Pool2dParams random_pool(std::mt19937_64 &rng) {
  Pool2dParams p;
  p.kernel_h = uniform(rng, 1, 4);
  p.kernel_w = uniform(rng, 1, 4);
  p.stride_h = uniform(rng, 1, 3);
  p.stride_w = uniform(rng, 1, 3);
  p.dilation_h = uniform(rng, 1, 2);
  p.dilation_w = uniform(rng, 1, 2);
  p.pad_top = uniform(rng, 0, p.kernel_h - 1);
  p.pad_bottom = uniform(rng, 0, p.kernel_h - 1);
  p.pad_left = uniform(rng, 0, p.kernel_w - 1);
  p.pad_right = uniform(rng, 0, p.kernel_w - 1);
  p.count_include_pad = uniform(rng, 0, 1) == 1;
  p.format = uniform(rng, 0, 1) ? DataFormat::NHWC : DataFormat::NCHW;
  return p;
}

} // namespace

TEST_CASE("pooling: Swar equals Reference for every width and signedness") {
  std::mt19937_64 rng(21);
  int ran = 0;
  for (unsigned bits = 1; bits <= 8; ++bits)
    for (bool s : {false, true})
      for (Fill f : kFills)
        for (int rep = 0; rep < 6; ++rep) {
          const Pool2dParams p = random_pool(rng);
          const std::int64_t n = uniform(rng, 1, 2), c = uniform(rng, 1, 5);
          const std::int64_t h = p.dilation_h * (p.kernel_h - 1) + 1 + uniform(rng, 0, 6);
          const std::int64_t w = p.dilation_w * (p.kernel_w - 1) + 1 + uniform(rng, 0, 6);
          const Shape xs = p.format == DataFormat::NCHW ? Shape{n, c, h, w} : Shape{n, h, w, c};
          const bool per_channel = uniform(rng, 0, 1) == 1;
          const QTensor x =
              tensor(rng, xs, layout(bits, s), f, per_channel ? static_cast<std::size_t>(c) : 0,
                     p.format == DataFormat::NCHW ? 1 : 3);
          INFO("bits=" << bits << " signed=" << s << " fill=" << name(f) << " x=" << to_string(xs)
                       << " k=" << p.kernel_h << "x" << p.kernel_w << " stride=" << p.stride_h
                       << "," << p.stride_w << " dil=" << p.dilation_h << "," << p.dilation_w
                       << " pads=" << p.pad_top << "," << p.pad_left << "," << p.pad_bottom << ","
                       << p.pad_right << " include_pad=" << p.count_include_pad);
          std::string err;
          try {
            const QTensor mr = max_pool2d(x, p, KernelOptions{Path::Reference});
            for (Path path : optimized_paths()) {
              INFO("path " << to_string(path));
              const QTensor ms = max_pool2d(x, p, KernelOptions{path});
              REQUIRE(mr.shape() == ms.shape());
              REQUIRE(mr.to_ints() == ms.to_ints());
              REQUIRE(avg_pool2d(x, p, KernelOptions{Path::Reference}).to_ints() ==
                      avg_pool2d(x, p, KernelOptions{path}).to_ints());
              REQUIRE(global_avg_pool(x, p.format, KernelOptions{Path::Reference}).to_ints() ==
                      global_avg_pool(x, p.format, KernelOptions{path}).to_ints());
            }
            ++ran;
          } catch (const std::invalid_argument &e) {
            // Dilated windows that see only padding are refused, on both paths alike.
            CHECK_THAT(std::string(e.what()), Catch::Contains("covers only padding"));
            CHECK_THROWS(max_pool2d(x, p, KernelOptions{Path::Swar}));
          }
        }
  CHECK(ran > 300);
}

TEST_CASE("pooling: known values and rounding") {
  // 1x1x2x3 input [[1, 2, 4], [3, 5, -8]] signed 5-bit.
  const QTensor x = QTensor::from_ints({1, 1, 2, 3}, layout(5, true),
                                       std::vector<std::int64_t>{1, 2, 4, 3, 5, -8});
  Pool2dParams p;
  p.kernel_h = 2;
  p.kernel_w = 2;
  for (Path path : supported_paths()) {
    const KernelOptions o{path};
    CHECK(max_pool2d(x, p, o).to_ints() == std::vector<std::int64_t>{5, 5});
    // means 11/4 = 2.75 -> 3 and 3/4 = 0.75 -> 1 (half away from zero)
    CHECK(avg_pool2d(x, p, o).to_ints() == std::vector<std::int64_t>{3, 1});
    // global mean 7/6 = 1.17 -> 1
    CHECK(global_avg_pool(x, DataFormat::NCHW, o).to_ints() == std::vector<std::int64_t>{1});
  }
  const QTensor neg =
      QTensor::from_ints({1, 1, 1, 2}, layout(4, true), std::vector<std::int64_t>{-2, -3});
  Pool2dParams q;
  q.kernel_w = 2;
  for (Path path : supported_paths())
    CHECK(avg_pool2d(neg, q, KernelOptions{path}).to_ints() ==
          std::vector<std::int64_t>{-3}); // -2.5 -> -3
}

TEST_CASE("pooling: bad input") {
  const QTensor x =
      QTensor::from_ints({1, 1, 3, 3}, layout(4, false), std::vector<std::int64_t>(9, 1));
  Pool2dParams p;
  p.kernel_h = p.kernel_w = 2;
  p.pad_top = 2;
  CHECK_THAT(error_of([&] { max_pool2d(x, p); }), Catch::Contains("padding must be smaller"));
  const QTensor x9 =
      QTensor::from_ints({1, 1, 1, 1}, layout(9, false), std::vector<std::int64_t>{1});
  CHECK_THAT(error_of([&] { avg_pool2d(x9, Pool2dParams{}); }), Catch::Contains("9 bits"));
  CHECK_THAT(error_of([&] {
               global_avg_pool(QTensor({2, 2}, layout(4, false)), DataFormat::NCHW);
             }),
             Catch::Contains("4-D"));
  // An empty image has nothing to average (the message spoke of a "kernel size 0x5").
  for (DataFormat f : {DataFormat::NCHW, DataFormat::NHWC})
    CHECK_THAT(error_of([&] {
                 global_avg_pool(QTensor({1, 3, 0, 5}, layout(4, false)), f);
               }),
               Catch::Contains("global_avg_pool: the input (shape {1, 3, 0, 5}, ") &&
                   Catch::Contains("pixels: there is nothing to average"));
}

TEST_CASE("pooling: window arithmetic beyond int64 or 2^40 is refused, naming the parameter") {
  const QTensor x =
      QTensor::from_ints({1, 1, 4, 4}, layout(4, false), std::vector<std::int64_t>(16, 3));
  for (Path path : supported_paths()) {
    INFO("path " << to_string(path));
    const KernelOptions opt{path};
    // Dilation 2^62 x (3 - 1) wrapped: the message showed a -9223372036854775807x1 window.
    Pool2dParams p;
    p.kernel_h = 3;
    p.dilation_h = std::int64_t{1} << 62;
    CHECK_THAT(error_of([&] { max_pool2d(x, p, opt); }),
               Catch::Contains("max_pool2d: dilation_h x (kernel_h - 1) = 4611686018427387904 x 2 "
                               "exceeds 2^63 - 1"));
    // A 2^31 x 2^33 window over padding (< the window on each side): its taps wrapped to 0 and
    // the average divided by them (SIGFPE), or the reference looped ~2^64 times.
    Pool2dParams big;
    big.kernel_h = std::int64_t{1} << 31;
    big.kernel_w = std::int64_t{1} << 33;
    big.pad_top = big.pad_bottom = (std::int64_t{1} << 30) - 2;
    big.pad_left = big.pad_right = (std::int64_t{1} << 32) - 2;
    big.count_include_pad = true;
    CHECK_THAT(error_of([&] { avg_pool2d(x, big, opt); }),
               Catch::Contains("avg_pool2d: padded input height x width = 2147483648 x "
                               "8589934592 exceeds 2^40"));
    Pool2dParams pads;
    pads.pad_top = INT64_MAX;
    CHECK_THAT(error_of([&] { avg_pool2d(x, pads, opt); }),
               Catch::Contains("input height + pad_top = 4 + 9223372036854775807 exceeds"));
  }
}
