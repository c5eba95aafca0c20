// Packed quantized tensors: quantize / dequantize semantics, packing, parameter validation.
#include <catch2/catch.hpp>

#include <cmath>

#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

TEST_CASE("quantize rounds half to even and saturates (ONNX QuantizeLinear)") {
  const std::vector<float> x{0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 100.0f, -100.0f, 0.26f};
  const QTensor q = QTensor::quantize({8}, layout(4, true), x, {{1.0f}, {0}, -1});
  CHECK(q.to_ints() == std::vector<std::int64_t>{0, 2, 2, 0, -2, 7, -8, 0});
  const QTensor u = QTensor::quantize({3}, layout(2, false), std::vector<float>{0.0f, 0.1f, 9.0f}, {{0.1f}, {1}, -1});
  CHECK(u.to_ints() == std::vector<std::int64_t>{1, 2, 3});
  const std::vector<float> back = u.dequantize();
  CHECK(back[0] == Approx(0.0f));
  CHECK(back[2] == Approx(0.2f));
}

TEST_CASE("per-channel quantization follows the axis") {
  QuantParams q{{1.0f, 2.0f}, {0, 1}, 1};
  const QTensor t = QTensor::quantize({2, 2}, layout(4, true), std::vector<float>{2.0f, 2.0f, -2.0f, -2.0f}, q);
  CHECK(t.to_ints() == std::vector<std::int64_t>{2, 2, -2, 0});
  CHECK(t.channel_of(1) == 1);
  CHECK(t.channel_of(2) == 0);
}

TEST_CASE("from_ints / to_ints round-trip at every width, with tails") {
  std::mt19937_64 rng(41);
  for (unsigned bits = 1; bits <= 16; ++bits)
    for (bool s : {false, true}) {
      const Layout L = layout(bits, s);
      const std::size_t n = static_cast<std::size_t>(uniform(rng, 0, 200));
      const std::vector<std::int64_t> v = values(rng, L, n, Fill::Random);
      const QTensor t = QTensor::from_ints({static_cast<std::int64_t>(n)}, L, v);
      CHECK(t.to_ints() == v);
      CHECK(t.words().size() == (n + L.lanes() - 1) / L.lanes());
    }
}

TEST_CASE("tensor bad input") {
  CHECK_THAT(error_of([] { QTensor({-1}, layout(4, false)); }), Catch::Contains("dimension 0 is -1"));
  CHECK_THAT(error_of([] { QTensor({2}, layout(17, false)); }), Catch::Contains("bits = 17"));
  CHECK_THAT(error_of([] { QTensor({2}, layout(4, false), {{0.0f}, {0}, -1}); }), Catch::Contains("scale[0]"));
  CHECK_THAT(error_of([] { QTensor({2}, layout(4, false), {{1.0f}, {16}, -1}); }), Catch::Contains("zero_point[0] = 16"));
  CHECK_THAT(error_of([] { QTensor({2, 3}, layout(4, false), {{1.0f, 1.0f}, {0, 0}, 1}); }),
             Catch::Contains("2 quantization channels for axis 1 of size 3"));
  CHECK_THAT(error_of([] { QTensor::from_ints({2}, layout(4, false), std::vector<std::int64_t>{1, 99}); }),
             Catch::Contains("value 99 at index 1"));
  CHECK_THAT(error_of([] { QTensor::from_ints({3}, layout(4, false), std::vector<std::int64_t>{1}); }),
             Catch::Contains("1 values for shape {3}"));
  CHECK_THAT(error_of([] { QTensor::quantize({1}, layout(4, false), std::vector<float>{NAN}, {}); }),
             Catch::Contains("index 0 is NaN"));
  CHECK_THAT(error_of([] { parse_path("fast"); }), Catch::Contains("unknown kernel path 'fast'"));
}
