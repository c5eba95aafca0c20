// Element-wise add with requantization: both paths agree for every input / output width pair.
#include <catch2/catch.hpp>

#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

namespace {
// One signed `bits`-bit value v with the given scale and zero point 0.
QTensor single(unsigned bits, float scale, std::int64_t v) {
  return QTensor::from_ints({1}, layout(bits, true), std::vector<std::int64_t>{v},
                            {{scale}, {0}, -1});
}
} // namespace

TEST_CASE("add: Swar equals Reference for every width combination") {
  std::mt19937_64 rng(31);
  for (unsigned ab = 1; ab <= 8; ++ab)
    for (unsigned bb = 1; bb <= 8; ++bb)
      for (Fill f : kFills) {
        const Layout al = layout(ab, (ab + bb) % 2 == 0), bl = layout(bb, ab % 2 == 0);
        const Shape s{uniform(rng, 1, 3), uniform(rng, 1, 40)};
        const QTensor a = tensor(rng, s, al, f), b = tensor(rng, s, bl, f);
        Requant rq;
        rq.out_layout = layout(static_cast<unsigned>(uniform(rng, 1, 8)), uniform(rng, 0, 1) == 1);
        rq.out_scale = 0.01f * static_cast<float>(uniform(rng, 1, 100));
        rq.out_zero_point = static_cast<std::int32_t>(
            uniform(rng, rq.out_layout.min_value(), rq.out_layout.max_value()));
        if (uniform(rng, 0, 1))
          rq.clamp_min = rq.out_zero_point;
        INFO(describe(al, bl) << " out=" << samd::to_string(rq.out_layout) << " fill=" << name(f));
        const QTensor r = add(a, b, rq, KernelOptions{Path::Reference});
        for (Path p : optimized_paths())
          REQUIRE(r.to_ints() == add(a, b, rq, KernelOptions{p}).to_ints());
      }
}

TEST_CASE("add: known values") {
  // a: scale 0.5, zp 2; b: scale 0.25, zp 0; out: scale 0.5, zp 1.
  // a = 6 -> 2.0, b = 3 -> 0.75, sum 2.75 -> 5.5 -> 6 (half away) + 1 = 7.
  const QTensor a =
      QTensor::from_ints({1}, layout(4, false), std::vector<std::int64_t>{6}, {{0.5f}, {2}, -1});
  const QTensor b =
      QTensor::from_ints({1}, layout(3, true), std::vector<std::int64_t>{3}, {{0.25f}, {0}, -1});
  Requant rq;
  rq.out_layout = layout(4, false);
  rq.out_scale = 0.5f;
  rq.out_zero_point = 1;
  for (Path p : supported_paths())
    CHECK(add(a, b, rq, KernelOptions{p}).to_ints() == std::vector<std::int64_t>{7});
}

TEST_CASE("add: bad input") {
  const QTensor a = QTensor({2, 3}, layout(4, false)), b = QTensor({3, 2}, layout(4, false));
  CHECK_THAT(error_of([&] { add(a, b, Requant{}); }), Catch::Contains("{2, 3} and {3, 2} differ"));
}

TEST_CASE("add: scale ratios from 2^31 - 1/2 are refused, the largest float ratio below is exact") {
  // Input scale 2^31 - 128 (the float below 2^31) over output scale 1: mantissa 2^31 - 128 at
  // shift 0; 2^31 itself would need a mantissa of 2^31, past the contract's "below 2^31".
  const auto one = [](float scale, std::int64_t v) { return single(2, scale, v); };
  Requant rq;
  rq.out_layout = layout(16, true);
  rq.out_scale = 1.0f;
  for (Path p : supported_paths()) {
    // 1 x (2^31 - 128) + 0 clamps to the 16-bit top
    CHECK(add(one(2147483520.0f, 1), one(1.0f, 0), rq, KernelOptions{p}).to_ints() ==
          std::vector<std::int64_t>{32767});
    CHECK(add(one(2147483520.0f, 0), one(1.0f, -1), rq, KernelOptions{p}).to_ints() ==
          std::vector<std::int64_t>{-1});
    CHECK_THAT(error_of([&] { add(one(2147483648.0f, 1), one(1.0f, 0), rq, KernelOptions{p}); }),
               Catch::Contains("ratios 2147483648 and 1 must be finite, > 0 and < 2^31 - 1/2"));
  }
}

TEST_CASE("add: a ratio below the common shift's step rounds to a zero multiplier, as stated") {
  // Ratios 1.5 and 2^-30 share S = 30 (1.5 * 2^31 > 2^31): Ma = 1.5 * 2^30 and Mb = 1. At a = 1,
  // b = -1 the sum 1.5 - 2^-30 rounds to 1, where a alone (1.5) rounds to 2: b counts. At 2^-32,
  // Mb = round(2^-2) = 0 and b adds nothing, the tie then rounds to 2, whatever b's integer.
  const auto one = [](float scale, std::int64_t v) { return single(8, scale, v); };
  Requant rq;
  rq.out_layout = layout(8, true);
  rq.out_scale = 1.0f;
  for (Path p : supported_paths()) {
    CHECK(add(one(1.5f, 1), one(0x1p-30f, -1), rq, KernelOptions{p}).to_ints() ==
          std::vector<std::int64_t>{1});
    CHECK(add(one(1.5f, 1), one(0x1p-32f, -1), rq, KernelOptions{p}).to_ints() ==
          std::vector<std::int64_t>{2});
    CHECK(add(one(1.5f, 1), one(0x1p-32f, -128), rq, KernelOptions{p}).to_ints() ==
          std::vector<std::int64_t>{2});
    // Both below 2^-63: both multipliers are 0 at S = 62 and the output is the zero point.
    rq.out_zero_point = 3;
    CHECK(add(one(0x1p-64f, 127), one(0x1p-70f, 127), rq, KernelOptions{p}).to_ints() ==
          std::vector<std::int64_t>{3});
    rq.out_zero_point = 0;
  }
}
