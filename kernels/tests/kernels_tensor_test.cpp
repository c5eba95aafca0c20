// Packed quantized tensors: quantize / dequantize semantics, packing, parameter validation;
// requantization against its contract computed independently (plain_requant.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <iterator>

#include <samd/pack.hpp>

#include "kernel_gen.hpp"
#include "plain_requant.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;

TEST_CASE("quantize rounds half to even and saturates (ONNX QuantizeLinear)") {
  const std::vector<float> x{0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 100.0f, -100.0f, 0.26f};
  const QTensor q = QTensor::quantize({8}, layout(4, true), x, {{1.0f}, {0}, -1});
  CHECK(q.to_ints() == std::vector<std::int64_t>{0, 2, 2, 0, -2, 7, -8, 0});
  const QTensor u = QTensor::quantize({3}, layout(2, false), std::vector<float>{0.0f, 0.1f, 9.0f},
                                      {{0.1f}, {1}, -1});
  CHECK(u.to_ints() == std::vector<std::int64_t>{1, 2, 3});
  const std::vector<float> back = u.dequantize();
  CHECK(back[0] == Approx(0.0f));
  CHECK(back[2] == Approx(0.2f));
}

TEST_CASE("per-channel quantization follows the axis") {
  QuantParams q{{1.0f, 2.0f}, {0, 1}, 1};
  const QTensor t =
      QTensor::quantize({2, 2}, layout(4, true), std::vector<float>{2.0f, 2.0f, -2.0f, -2.0f}, q);
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

TEST_CASE("to_ints / to_offsets / dequantize of one lane per word (bits + guard = 64)") {
  // The loop over a word's lanes used to leave the element index behind for field 64 and read
  // past the words.
  for (unsigned bits : {1u, 4u, 8u, 16u})
    for (bool s : {false, true}) {
      const Layout L{bits, 64 - bits, s ? Signedness::Signed : Signedness::Unsigned};
      const std::vector<std::int64_t> v{L.max_value(), L.min_value(), 0, L.max_value() / 2, -1 * s};
      const QTensor t = QTensor::from_ints({5}, L, v);
      REQUIRE(t.words().size() == 5);
      CHECK(t.to_ints() == v);
      CHECK(t.dequantize() == std::vector<float>(v.begin(), v.end()));
      if (bits <= 8) {
        const std::vector<std::uint8_t> off = t.to_offsets();
        for (std::size_t i = 0; i < v.size(); ++i)
          CHECK(off[i] == v[i] - L.min_value());
      }
    }
}

TEST_CASE("tensor bad input") {
  CHECK_THAT(error_of([] { QTensor({-1}, layout(4, false)); }),
             Catch::Contains("dimension 0 is -1"));
  CHECK_THAT(error_of([] { QTensor({2}, layout(17, false)); }), Catch::Contains("bits = 17"));
  CHECK_THAT(error_of([] {
               QTensor({2}, layout(4, false), {{0.0f}, {0}, -1});
             }),
             Catch::Contains("scale[0]"));
  CHECK_THAT(error_of([] {
               QTensor({2}, layout(4, false), {{1.0f}, {16}, -1});
             }),
             Catch::Contains("zero_point[0] = 16"));
  CHECK_THAT(error_of([] {
               QTensor({2, 3}, layout(4, false), {{1.0f, 1.0f}, {0, 0}, 1});
             }),
             Catch::Contains("2 quantization channels for axis 1 of size 3"));
  CHECK_THAT(error_of([] {
               QTensor::from_ints({2}, layout(4, false), std::vector<std::int64_t>{1, 99});
             }),
             Catch::Contains("value 99 at index 1"));
  CHECK_THAT(
      error_of([] { QTensor::from_ints({3}, layout(4, false), std::vector<std::int64_t>{1}); }),
      Catch::Contains("1 values for shape {3}"));
  CHECK_THAT(
      error_of([] { QTensor::quantize({1}, layout(4, false), std::vector<float>{NAN}, {}); }),
      Catch::Contains("index 0 is NaN"));
  CHECK_THAT(error_of([] { parse_path("fast"); }), Catch::Contains("unknown kernel path 'fast'"));
}

TEST_CASE("fast packing: from_ints, to_ints, to_offsets and pack_lanes agree with the core's pack "
          "/ unpack") {
  std::mt19937_64 rng(31);
  for (unsigned bits = 1; bits <= 16; ++bits)
    for (unsigned guard : {0u, 1u, 3u})
      for (bool s : {false, true})
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64},
                              std::size_t{65}, std::size_t{200}, std::size_t{1000}}) {
          const Layout L{bits, guard, s ? Signedness::Signed : Signedness::Unsigned};
          if (bits + guard > 64)
            continue;
          const std::vector<std::int64_t> v = values(rng, L, n, Fill::Random);
          INFO(samd::to_string(L) << " n=" << n);
          const QTensor t = QTensor::from_ints({static_cast<std::int64_t>(n)}, L, v);
          CHECK(t.words() == pack(L, v));
          CHECK(t.to_ints() == v);
          CHECK(unpack(L, t.words(), n) == v);
          std::vector<std::int32_t> v32(v.begin(), v.end());
          CHECK(pack_lanes(L, v32.data(), n) == pack(L, v));
          CHECK(QTensor::from_words({static_cast<std::int64_t>(n)}, L, t.words()).to_ints() == v);
          if (bits <= 8) {
            const std::vector<std::uint8_t> off = t.to_offsets();
            REQUIRE(off.size() == n);
            for (std::size_t i = 0; i < n; ++i)
              CHECK(off[i] == v[i] - L.min_value());
          }
          LaneWriter lw(L, n);
          for (std::int64_t e : v)
            lw.put(e);
          CHECK(lw.finish() == pack(L, v));
        }
}

TEST_CASE("a tensor of zero points per channel packs them lane by lane") {
  const QTensor t({2, 3}, layout(3, true), QuantParams{{1.0f, 1.0f}, {-2, 3}, 0});
  CHECK(t.to_ints() == std::vector<std::int64_t>{-2, -2, -2, 3, 3, 3});
  const QTensor u({5}, Layout{2, 1, Signedness::Unsigned}, QuantParams{{1.0f}, {2}, -1});
  CHECK(u.words() == pack(u.layout(), std::vector<std::int64_t>(5, 2)));
}

TEST_CASE("from_words refuses non-canonical words; reshaped keeps the values") {
  const Layout L{4, 1, Signedness::Unsigned}; // 12 lanes of 5 bits, 4 unused top bits
  CHECK_THROWS_WITH(QTensor::from_words({3}, L, {std::uint64_t{1} << 4}),
                    Catch::Contains("not canonical"));
  CHECK_THROWS_WITH(QTensor::from_words({3}, L, {std::uint64_t{1} << 15}),
                    Catch::Contains("not canonical"));
  CHECK_THROWS_WITH(QTensor::from_words({3}, L, {0, 0}), Catch::Contains("2 words"));
  // 30 lanes in 3 words: a guard bit in the body, and a tail lane of the last word.
  CHECK_THROWS_WITH(QTensor::from_words({30}, L, {0, std::uint64_t{1} << 9, 0}),
                    Catch::Contains("word 1 is not canonical"));
  CHECK_THROWS_WITH(QTensor::from_words({30}, L, {0, 0, std::uint64_t{1} << 30}),
                    Catch::Contains("word 2 is not canonical"));
  CHECK(QTensor::from_words({30}, L, {1, std::uint64_t{1} << 10, std::uint64_t{1} << 25})
            .to_ints()[29] == 1);
  const QTensor t =
      QTensor::from_ints({2, 3}, layout(5, true), std::vector<std::int64_t>{-16, 15, 0, 1, -1, 7});
  const QTensor r = t.reshaped({3, 2});
  CHECK(r.shape() == Shape{3, 2});
  CHECK(r.to_ints() == t.to_ints());
  CHECK_THROWS_WITH(t.reshaped({4, 2}), Catch::Contains("has 8 elements"));
  const QTensor pc({2, 2}, layout(4, false), QuantParams{{1.0f, 2.0f}, {0, 1}, 0});
  CHECK_THROWS_WITH(pc.reshaped({4}), Catch::Contains("per-channel"));
}

TEST_CASE("requantization: the int64 fast path of apply equals the 128-bit one; thresholds-free "
          "Requantizer") {
  std::mt19937_64 rng(32);
  for (int i = 0; i < 20000; ++i) {
    const double m = std::ldexp(static_cast<double>(uniform(rng, 1, 1 << 30)),
                                static_cast<int>(uniform(rng, -60, 0)));
    const FixedMultiplier f = make_multiplier(m);
    CHECK(f.mantissa < (std::int64_t{1} << 31));
    // make_multiplier: the largest shift <= 62 with round(m * 2^shift) < 2^31.
    if (f.shift < 62)
      CHECK(std::round(std::ldexp(m, static_cast<int>(f.shift) + 1)) >= 2147483648.0);
    const std::int64_t v =
        i % 4 == 0 ? (i % 8 == 0 ? INT32_MIN : INT32_MAX) : uniform(rng, INT32_MIN, INT32_MAX);
    CHECK(apply(f, v) == apply_wide(f, v));
    CHECK(apply(f, -v) == apply_wide(f, -v));
  }
  const Requant rq{layout(4, false), 0.5f, 3, std::int64_t{2}, std::int64_t{9}};
  const Requantizer r(0.25f, QuantParams{{1.0f, 2.0f}, {0, 0}, 0}, 2, rq);
  CHECK(r(0, 4) == 5);   // 3 + round(4 * 0.5)
  CHECK(r(1, 4) == 7);   // 3 + 4 * 1.0
  CHECK(r(1, -40) == 2); // clamped
  CHECK(r(0, 1000) == 9);
  CHECK_THROWS_WITH(Requantizer(0.25f, QuantParams{{1.0f, 2.0f}, {0, 0}, 0}, 3, rq),
                    Catch::Contains("2 weight scales"));
}

TEST_CASE("apply on int64 sums: results beyond 2^62 are capped with their sign, never wrapped") {
  // Requantizer::operator() takes int64 sums. At v = 2^40 and a multiplier of 10^9 the rounded
  // result (~2^70) was cast to int64, wrapping; at v = INT64_MAX and a multiplier of 1 it was
  // 2^63 - 1, and the output zero point added to it overflowed int64 (undefined behaviour).
  const FixedMultiplier one = make_multiplier(1.0), big = make_multiplier(1e9);
  CHECK(apply(one, INT64_MAX) == kApplyLimit);
  CHECK(apply(one, INT64_MIN) == -kApplyLimit);
  CHECK(apply(big, std::int64_t{1} << 40) == kApplyLimit);
  CHECK(apply(big, -(std::int64_t{1} << 40)) == -kApplyLimit);
  // exact up to the limit
  CHECK(apply(one, kApplyLimit) == kApplyLimit);
  CHECK(apply(one, -kApplyLimit + 7) == -kApplyLimit + 7);
  CHECK(apply(make_multiplier(0.5), INT64_MAX) == std::int64_t{1} << 62); // 2^62 - 1/2 rounds up
  const Requant rq{layout(8, true), 1.0f, 3, {}, {}};
  const Requantizer r(1.0f, QuantParams{{1.0f}, {0}, 0}, 1, rq);
  CHECK(r(0, INT64_MAX) == 127);
  CHECK(r(0, INT64_MIN) == -128);
}

TEST_CASE("make_multiplier: mantissa below 2^31 at the top of the range, readable refusals") {
  // 2^31 - 1/2 and above used to give mantissa 2^31 at shift 0.
  const FixedMultiplier top = make_multiplier(std::nextafter(kMaxMultiplier, 0.0));
  CHECK(top.mantissa == 2147483647);
  CHECK(top.shift == 0);
  CHECK_THROWS_WITH(make_multiplier(2147483647.6),
                    Catch::Contains("2147483648") && Catch::Contains("< 2^31 - 1/2"));
  CHECK_THROWS_WITH(make_multiplier(kMaxMultiplier), Catch::Contains("< 2^31 - 1/2"));
  // The bottom: 2^-63 has mantissa 1 at shift 62; below it rounds to 0.
  const FixedMultiplier bottom = make_multiplier(kMinMultiplier);
  CHECK(bottom.mantissa == 1);
  CHECK(bottom.shift == 62);
  CHECK_THROWS_WITH(make_multiplier(1e-19),
                    Catch::Contains("multiplier 1e-19 ") && Catch::Contains(">= 2^-63"));
  CHECK_THROWS_WITH(make_multiplier(-1.0), Catch::Contains("-1 must be finite and > 0"));
  // Through requantize: the channel and the scales are named.
  const Int32Tensor acc{{1, 2}, {1, 2}};
  CHECK_THROWS_WITH(requantize(acc, 1e-10f, QuantParams{{1.0f, 1e-10f}, {0, 0}, 0}, 1,
                               Requant{layout(8, false), 1.0f, 0, {}, {}}),
                    Catch::Contains("channel 1: input scale 1.000000013e-10 x weight scale "
                                    "1.000000013e-10 / output scale 1)"));
}

TEST_CASE("the requantization oracle (plain_requant.hpp) on values worked by hand") {
  // 0.5 * 2^32 = 2^31 does not fit: shift 31, mantissa 2^30.
  const auto half = plain_multiplier(0.5);
  REQUIRE(half);
  CHECK((half->mantissa == (std::int64_t{1} << 30) && half->shift == 31));
  using Range = std::pair<std::int64_t, std::int64_t>;
  const Range wide(-100, 100);
  CHECK(plain_requant(*half, 0, wide, 1) == 1);   // 0.5 -> 1
  CHECK(plain_requant(*half, 0, wide, -1) == -1); // -0.5 -> -1
  CHECK(plain_requant(*half, 0, wide, 3) == 2);   // 1.5 -> 2
  CHECK(plain_requant(*half, 0, wide, -3) == -2); // -1.5 -> -2
  CHECK(plain_requant(*half, 5, wide, -3) == 3);  // 5 + (-2)
  CHECK(plain_requant(*half, 0, wide, 1000) == 100);
  CHECK(plain_requant(*half, 0, wide, INT32_MIN) == -100);
  const auto third = plain_multiplier(1.0 / 3.0); // 2^32 / 3 = 1431655765.33
  REQUIRE(third);
  CHECK((third->mantissa == 1431655765 && third->shift == 32));
  CHECK(plain_requant(*third, 0, wide, 7) == 2);   // 2.33
  CHECK(plain_requant(*third, 0, wide, -8) == -3); // -2.67
  // The ends: 2^-63 is mantissa 1 at shift 62 (0.5 rounds up), below it 0 (refused); 2^31 - 1/2
  // would round to 2^31 at shift 0 (refused).
  const auto bottom = plain_multiplier(0x1p-63);
  REQUIRE(bottom);
  CHECK((bottom->mantissa == 1 && bottom->shift == 62));
  CHECK(!plain_multiplier(std::nextafter(0x1p-63, 0.0)));
  const auto top = plain_multiplier(2147483647.25);
  REQUIRE(top);
  CHECK((top->mantissa == 2147483647 && top->shift == 0));
  CHECK(!plain_multiplier(2147483647.5));
  CHECK(!plain_multiplier(0.0));
  CHECK(!plain_multiplier(-1.0));
  CHECK(!plain_multiplier(std::nan("")));
  CHECK(plain_requant_range(4, true, 0, std::int64_t{-3}, std::int64_t{20}) == Range(-3, 7));
  CHECK(plain_requant_range(4, false, 0, {}, {}) == Range(0, 15));
  CHECK(!plain_requant_range(4, false, 16, {}, {}));              // zero point outside
  CHECK(!plain_requant_range(4, false, 3, std::int64_t{16}, {})); // empty
}

TEST_CASE("requantize and Requantizer equal requant.hpp's contract, computed independently "
          "(ties, range ends, clamps, extreme and refused multipliers)") {
  std::mt19937_64 rng(35);
  int computed = 0, refused = 0, ties = 0, narrow = 0;
  for (int it = 0; it < 6000; ++it) {
    const unsigned bits = static_cast<unsigned>(uniform(rng, 1, 16));
    Requant rq;
    rq.out_layout = layout(bits, uniform(rng, 0, 1) == 1);
    const std::int64_t min = rq.out_layout.min_value(), max = rq.out_layout.max_value();
    // The zero point at times one past an end (refused); clamps anywhere around the range (an
    // empty range is refused).
    rq.out_zero_point = static_cast<std::int32_t>(uniform(rng, 0, 15) == 0
                                                      ? (uniform(rng, 0, 1) ? min - 1 : max + 1)
                                                      : uniform(rng, min, max));
    if (uniform(rng, 0, 1))
      rq.clamp_min = uniform(rng, min - 2, max + 2);
    if (uniform(rng, 0, 1))
      rq.clamp_max = uniform(rng, min - 2, max + 2);
    // Multipliers about 2^-70 to 2^35 (refused outside 2^-63 to 2^31 - 1/2), from scales of any
    // magnitude, or small integers times powers of two (exact multipliers: ties).
    const std::size_t channels = static_cast<std::size_t>(uniform(rng, 1, 4));
    const bool per_channel = uniform(rng, 0, 1) == 1;
    const bool exact = uniform(rng, 0, 2) == 0;
    const auto scale = [&](int e) {
      return exact ? std::ldexp(static_cast<float>(uniform(rng, 1, 12)), e)
                   : std::ldexp(static_cast<float>(uniform(rng, 1 << 23, (1 << 24) - 1)), e - 23);
    };
    const int target = static_cast<int>(uniform(rng, -70, 35));
    const int ea = static_cast<int>(uniform(rng, -25, 25));
    float a_scale = scale(ea);
    QuantParams wq{{}, {}, -1};
    const int ew = static_cast<int>(uniform(rng, -25, 25));
    for (std::size_t c = 0; c < (per_channel ? channels : 1); ++c) {
      wq.scale.push_back(scale(ew + static_cast<int>(uniform(rng, -2, 2))));
      wq.zero_point.push_back(0);
    }
    rq.out_scale = scale(ea + ew - target);
    // One case in eight: scales at the ends of the multipliers' range (2^-63 and just below it;
    // the largest float below 2^31 and 2^31 itself), subnormal ones, and exact small ratios.
    struct Scales {
      float a, w, o;
    };
    static const Scales kEdges[] = {{0x1p-63f, 1.0f, 1.0f},
                                    {std::nextafter(0x1p-63f, 0.0f), 1.0f, 1.0f},
                                    {0x1p-40f, 0x1p-23f, 1.0f},
                                    {1.0f, 1.0f, 0x1p63f},
                                    {1.0f, 1.0f, std::nextafter(0x1p63f, 1e30f)},
                                    {2147483520.0f, 1.0f, 1.0f},
                                    {0x1p31f, 1.0f, 1.0f},
                                    {0x1p30f, 3.0f, 1.5f},
                                    {0x1p-149f, 0x1p100f, 0x1p-10f},
                                    {0x1p-149f, 1.0f, 0x1p-100f},
                                    {1.0f, 1.0f, 1.0f},
                                    {0.5f, 1.0f, 1.0f},
                                    {1.0f, 1.0f, 3.0f},
                                    {0.75f, 0.25f, 8.0f}};
    if (uniform(rng, 0, 7) == 0) {
      const Scales &e = kEdges[uniform(rng, 0, std::size(kEdges) - 1)];
      a_scale = e.a;
      for (float &w : wq.scale)
        w = e.w;
      rq.out_scale = e.o;
    }
    // The sums: channels along a random axis of a rank 1-3 shape.
    const int rank = static_cast<int>(uniform(rng, 1, 3)),
              axis = static_cast<int>(uniform(rng, 0, rank - 1));
    Shape shape;
    for (int d = 0; d < rank; ++d)
      shape.push_back(d == axis ? static_cast<std::int64_t>(channels) : uniform(rng, 1, 4));
    if (per_channel)
      wq.axis = axis;
    std::int64_t inner = 1, n = 1;
    for (int d = 0; d < rank; ++d) {
      n *= shape[static_cast<std::size_t>(d)];
      if (d > axis)
        inner *= shape[static_cast<std::size_t>(d)];
    }

    // The oracle: each channel's multiplier and the range, or a refusal.
    const auto range = plain_requant_range(bits, rq.out_layout.sign == Signedness::Signed,
                                           rq.out_zero_point, rq.clamp_min, rq.clamp_max);
    std::vector<std::optional<PlainMultiplier>> mult;
    bool valid = range.has_value();
    for (std::size_t c = 0; c < channels; ++c) {
      mult.push_back(plain_multiplier(plain_ratio(a_scale, wq.scale_of(c), rq.out_scale)));
      valid = valid && mult.back().has_value();
    }
    // A sum for channel c: random, an end of int32, a tie (acc * mantissa an odd multiple of
    // 2^(shift - 1): acc an odd multiple of 2^(shift - 1 - z), z the mantissa's trailing zeros) or
    // next to one, or next to where the result crosses lo or hi (clamping).
    const auto sum_for = [&](std::size_t c) -> std::int64_t {
      const std::int64_t kind = uniform(rng, 0, 9);
      if (kind <= 1 || !mult[c])
        return uniform(rng, INT32_MIN, INT32_MAX);
      if (kind == 2)
        return uniform(rng, 0, 1) ? INT32_MIN : INT32_MAX;
      if (kind == 3)
        return uniform(rng, -2, 2);
      const PlainMultiplier f = *mult[c];
      if (kind <= 6) {
        int z = 0;
        while (((f.mantissa >> z) & 1) == 0)
          ++z;
        const int e = static_cast<int>(f.shift) - 1 - z;
        if (f.shift == 0 || e < 0 || e > 30)
          return uniform(rng, INT32_MIN, INT32_MAX);
        const std::int64_t odd =
            2 * uniform(rng, -(std::int64_t{1} << (30 - e)), (std::int64_t{1} << (30 - e)) - 1) + 1;
        ++ties;
        return std::clamp<std::int64_t>(odd * (std::int64_t{1} << e) +
                                            (kind == 6 ? uniform(rng, -1, 1) : 0),
                                        INT32_MIN, INT32_MAX);
      }
      if (!range)
        return uniform(rng, INT32_MIN, INT32_MAX);
      // acc with zo + acc * mantissa / 2^shift about the bound -+ 1/2.
      const std::int64_t bound = kind <= 8 ? range->first : range->second;
      const __int128 twice = 2 * (bound - rq.out_zero_point) + (kind <= 8 ? -1 : 1);
      const __int128 acc =
          twice * (static_cast<__int128>(1) << f.shift) / (2 * static_cast<__int128>(f.mantissa)) +
          uniform(rng, -2, 2);
      return acc < INT32_MIN ? INT32_MIN
                             : (acc > INT32_MAX ? INT32_MAX : static_cast<std::int64_t>(acc));
    };
    Int32Tensor acc{shape, {}};
    std::vector<std::size_t> channel_of;
    for (std::int64_t i = 0; i < n; ++i) {
      channel_of.push_back(
          static_cast<std::size_t>((i / inner) % static_cast<std::int64_t>(channels)));
      acc.data.push_back(static_cast<std::int32_t>(sum_for(channel_of.back())));
    }
    INFO("case " << it << ": out " << samd::to_string(rq.out_layout) << " zp " << rq.out_zero_point
                 << " clamps " << (rq.clamp_min ? std::to_string(*rq.clamp_min) : "-") << ", "
                 << (rq.clamp_max ? std::to_string(*rq.clamp_max) : "-") << " scales " << a_scale
                 << " x " << wq.scale[0] << (per_channel ? "..." : "") << " / " << rq.out_scale
                 << " shape " << kernels::to_string(shape) << " axis " << axis);
    if (!valid) {
      ++refused;
      CHECK_THROWS_AS(requantize(acc, a_scale, wq, axis, rq), std::invalid_argument);
      CHECK_THROWS_AS(Requantizer(a_scale, wq, channels, rq), std::invalid_argument);
      continue;
    }
    ++computed;
    std::vector<std::int64_t> want;
    for (std::size_t i = 0; i < acc.data.size(); ++i)
      want.push_back(plain_requant(*mult[channel_of[i]], rq.out_zero_point, *range, acc.data[i]));
    const QTensor q = requantize(acc, a_scale, wq, axis, rq);
    CHECK(q.shape() == shape);
    CHECK(q.layout() == rq.out_layout);
    CHECK((q.quant().scale == std::vector<float>{rq.out_scale} &&
           q.quant().zero_point == std::vector<std::int32_t>{rq.out_zero_point}));
    CHECK(q.to_ints() == want);

    // Requantizer: its operator() on these sums and on int64 sums (whose result fits int64), and
    // a narrow range's thresholds (for every int32 sum, base + the thresholds it reaches).
    const Requantizer r(a_scale, wq, channels, rq);
    std::vector<std::int64_t> got_call, got_steps, want_steps, got_wide, want_wide;
    for (std::size_t i = 0; i < acc.data.size(); ++i)
      got_call.push_back(r(channel_of[i], acc.data[i]));
    CHECK(got_call == want);
    for (std::size_t c = 0; c < channels; ++c) {
      const PlainMultiplier f = *mult[c];
      for (int j = 0; j < 4; ++j) {
        const std::int64_t v = uniform(rng, -(std::int64_t{1} << 40), std::int64_t{1} << 40);
        const __int128 u = plain_unclamped(f, rq.out_zero_point, v);
        if (u > -(static_cast<__int128>(1) << 62) && u < (static_cast<__int128>(1) << 62)) {
          got_wide.push_back(r(c, v));
          want_wide.push_back(plain_requant(f, rq.out_zero_point, *range, v));
        }
      }
      const Requantizer::Steps &st = r.steps(c);
      if (range->second - range->first > 3) {
        CHECK(st.count == -1);
        continue;
      }
      ++narrow;
      REQUIRE((st.count >= 0 && st.count <= 3));
      std::vector<std::int64_t> probes{INT32_MIN, INT32_MAX, 0};
      for (int t = 0; t < st.count; ++t)
        for (std::int64_t d : {-1, 0})
          probes.push_back(std::int64_t{st.thr[t]} + d);
      for (std::size_t i = 0; i < acc.data.size(); ++i)
        if (channel_of[i] == c)
          probes.push_back(acc.data[i]);
      for (std::int64_t v : probes) {
        if (v < INT32_MIN)
          continue;
        std::int64_t level = st.base;
        for (int t = 0; t < st.count; ++t)
          level += v >= st.thr[t] ? 1 : 0;
        got_steps.push_back(level);
        want_steps.push_back(plain_requant(f, rq.out_zero_point, *range, v));
      }
    }
    CHECK(got_wide == want_wide);
    CHECK(got_steps == want_steps);
  }
  CHECK(computed > 3500); // (4084 with this seed)
  CHECK(refused > 1500);  // (1916)
  CHECK(ties > 3000);     // sums made ties (3951)
  CHECK(narrow > 1200);   // channels with thresholds (1624)
}

TEST_CASE("requantize checks that the sums' shape and data agree, like requantize_with") {
  const Requant rq{layout(8, false), 1.0f, 0, {}, {}};
  const QuantParams wq{{1.0f}, {0}, -1};
  // A 0 dimension with 3 sums: requantize divided by the 0 (SIGFPE).
  CHECK_THROWS_WITH(requantize(Int32Tensor{{1, 3, 0}, {1, 2, 3}}, 1.0f, wq, 1, rq),
                    Catch::Contains("3 sums for shape {1, 3, 0} of 0 elements"));
  // A negative or huge channel dimension: it built that many multipliers.
  CHECK_THROWS_WITH(requantize(Int32Tensor{{1, -1}, {1}}, 1.0f, wq, 1, rq),
                    Catch::Contains("dimension 1 is -1"));
  CHECK_THROWS_WITH(requantize(Int32Tensor{{1, std::int64_t{1} << 40}, {1}}, 1.0f, wq, 1, rq),
                    Catch::Contains("1 sums for shape {1, 1099511627776}"));
  CHECK_THROWS_WITH(requantize(Int32Tensor{{2, 2}, {1, 2, 3}}, 1.0f, wq, 1, rq),
                    Catch::Contains("3 sums for shape {2, 2} of 4 elements"));
  CHECK_THROWS_WITH(requantize(Int32Tensor{{2, 2}, {1, 2, 3, 4}}, 1.0f, wq, 2, rq),
                    Catch::Contains("channel axis 2"));
  // The same integers as requantize_with.
  const Int32Tensor acc{{2, 3}, {-7, 0, 5, 100, -100, 33}};
  const QuantParams pc{{0.5f, 1.0f, 0.25f}, {0, 0, 0}, 0};
  const Requant r8{layout(8, true), 0.3f, 1, {}, {}};
  CHECK(requantize(acc, 0.7f, pc, 1, r8).to_ints() ==
        requantize_with(Requantizer(0.7f, pc, 3, r8), acc, 1).to_ints());
}

TEST_CASE("quantize: every value as ONNX QuantizeLinear (also the vectorized loop), NaN named at "
          "any index") {
  std::mt19937_64 rng(33);
  for (unsigned bits : {1u, 2u, 4u, 8u, 12u})
    for (bool s : {false, true}) {
      const Layout L = layout(bits, s);
      std::vector<float> x(203);
      for (std::size_t i = 0; i < x.size(); ++i) // halves, ties, big values, tiny ones
        x[i] = static_cast<float>(uniform(rng, -600, 600)) / (i % 3 == 0 ? 2.0f : 7.0f) +
               (i % 11 == 0 ? 1e6f : 0.0f);
      const float scale = 0.37f;
      const std::int32_t zp = static_cast<std::int32_t>(uniform(rng, L.min_value(), L.max_value()));
      const QTensor q = QTensor::quantize({static_cast<std::int64_t>(x.size())}, L, x,
                                          QuantParams{{scale}, {zp}, -1});
      std::vector<std::int64_t> want(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double r = std::nearbyint(static_cast<double>(x[i]) / scale) + zp;
        want[i] =
            static_cast<std::int64_t>(std::clamp(r, double(L.min_value()), double(L.max_value())));
      }
      CHECK(q.to_ints() == want);
    }
  std::vector<float> x(40, 1.0f);
  x[37] = std::nanf("");
  CHECK_THROWS_WITH(QTensor::quantize({40}, layout(8, false), x, QuantParams{{1.0f}, {0}, -1}),
                    Catch::Contains("index 37 is NaN"));
}

TEST_CASE("quantize rounds half to even in every FP rounding mode, per tensor and per channel") {
  // Ties, near-ties and values the division rounds differently by mode; 24 values a channel so
  // that the vectorized loop (per tensor) and the scalar one (per channel, tails) both run. The
  // scalar loop used nearbyint, which follows the rounding mode: 0.5 became 1 under FE_UPWARD.
  std::vector<float> x;
  for (int i = -6; i < 6; ++i)
    x.push_back(static_cast<float>(i) + 0.5f); // exact ties at scale 1
  for (int i = 0; i < 12; ++i)
    x.push_back(static_cast<float>(i - 6) * 0.37f + (i % 2 ? 0.185f : -0.185f)); // near ties
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  std::vector<float> x2 = x;
  x2.insert(x2.end(), x.begin(), x.end());
  const Layout L = layout(8, true);
  auto quantize_all = [&] {
    return std::vector<std::vector<std::int64_t>>{
        QTensor::quantize({n}, L, x, QuantParams{{1.0f}, {3}, -1}).to_ints(),
        QTensor::quantize({n}, L, x, QuantParams{{0.37f}, {-2}, -1}).to_ints(),
        QTensor::quantize({2, n}, L, x2, QuantParams{{1.0f, 0.37f}, {3, -2}, 0}).to_ints()};
  };
  const std::vector<std::vector<std::int64_t>> want = quantize_all(); // default: round to nearest
  CHECK(want[0][6] == 3);                                             // 0.5 -> 0
  CHECK(want[0][7] == 5);                                             // 1.5 -> 2
  CHECK(want[0][5] == 3);                                             // -0.5 -> 0
  CHECK(want[0][4] == 1);                                             // -1.5 -> -2
  for (int mode : {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    const int saved = std::fegetround();
    REQUIRE(std::fesetround(mode) == 0);
    const std::vector<std::vector<std::int64_t>> got = quantize_all();
    std::fesetround(saved);
    INFO("rounding mode " << mode);
    CHECK(got == want);
    // Per channel: channel 0 is the scale-1 tensor, channel 1 the 0.37 one.
    CHECK(std::vector<std::int64_t>(got[2].begin(), got[2].begin() + n) == want[0]);
  }
  const std::vector<std::int64_t> per_channel(want[2].begin() + n, want[2].end());
  CHECK(per_channel == want[1]);
}
