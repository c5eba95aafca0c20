// layout.hpp: every mask against a bit-by-bit construction, validation of bad layouts (messages
// name the value and the limit), and the boundary bias of the lane generator in gen.hpp.
#include "harness.hpp"
#include "samd/accumulator.hpp"
#include "samd/layout.hpp"
#include "samd/pack.hpp"

using namespace samd;
using namespace samd::props;

namespace {

// Masks built one bit at a time from the layout's definition.
struct Bits {
  std::uint64_t value = 0, guard = 0, high = 0, low = 0;
};
Bits bit_by_bit(const Layout &L) {
  Bits m;
  for (unsigned bit = 0; bit < 64; ++bit) {
    const unsigned lane = bit / L.field(), pos = bit % L.field();
    if (lane >= 64 / L.field())
      break; // padding
    const std::uint64_t b = std::uint64_t{1} << bit;
    if (pos < L.bits)
      m.value |= b;
    else
      m.guard |= b;
    if (pos == L.bits - 1)
      m.high |= b;
    if (pos == 0)
      m.low |= b;
  }
  return m;
}

std::int64_t sample_count(const rc::Gen<std::int64_t> &g, std::int64_t want, int n) {
  std::int64_t hits = 0;
  for (int i = 0; i < n; ++i)
    hits += g(rc::Random(0x5eed + i), 100).value() == want;
  return hits;
}

} // namespace

TEST_CASE("layout masks and ranges match a bit-by-bit construction for every valid layout",
          "[layout]") {
  for (unsigned b = 1; b <= kMaxBits; ++b)
    for (unsigned g = 0; b + g <= kWordBits; ++g)
      for (Signedness s : {Signedness::Unsigned, Signedness::Signed}) {
        const Layout L{b, g, s};
        const Bits m = bit_by_bit(L);
        INFO(label(L));
        REQUIRE_NOTHROW(validate(L));
        CHECK(make_layout(b, g, s) == L);
        CHECK(L.field() == b + g);
        CHECK(L.lanes() == 64 / (b + g));
        CHECK(L.value_mask() == m.value);
        CHECK(L.guard_mask() == m.guard);
        CHECK(L.field_mask() == (m.value | m.guard));
        CHECK(L.high_mask() == m.high);
        CHECK(L.lane_low_mask() == m.low);
        CHECK(L.lane_bits() == ones(b));
        CHECK(L.min_value() == (L.is_signed() ? -(std::int64_t{1} << (b - 1)) : 0));
        CHECK(L.max_value() == static_cast<std::int64_t>(L.is_signed() ? ones(b - 1) : ones(b)));
        CHECK(L.as_unsigned() == Layout{b, g, Signedness::Unsigned});
        CHECK(L.as_signed() == Layout{b, g, Signedness::Signed});
        CHECK(to_string(L) == label(L));
      }
  for (unsigned b = 1; b <= kMaxBits; ++b)
    CHECK(max_guard(b) == 64 - b);
}

TEST_CASE("layouts are checked at compile time too", "[layout]") {
  STATIC_REQUIRE(validate(Layout{32, 32, Signedness::Signed}).lanes() == 1);
  STATIC_REQUIRE(Layout{4, 0, Signedness::Unsigned}.high_mask() == 0x8888888888888888u);
  STATIC_REQUIRE(Layout{7, 1, Signedness::Signed}.guard_mask() == 0x8080808080808080u);
}

TEST_CASE("invalid runtime layouts throw std::invalid_argument naming the value and the limit",
          "[layout][bad-input]") {
  using S = Signedness;
  for (S s : {S::Unsigned, S::Signed}) {
    CHECK_THROWS_AS(make_layout(0, 0, s), std::invalid_argument);
    CHECK_THROWS_WITH(make_layout(0, 4, s),
                      Catch::Contains("bits = 0") && Catch::Contains("at least 1"));
    for (unsigned b : {33u, 34u, 64u, 1000u}) {
      INFO("bits " << b);
      CHECK_THROWS_AS(make_layout(b, 0, s), std::invalid_argument);
      CHECK_THROWS_WITH(validate(Layout{b, 0, s}), Catch::Contains("bits = " + std::to_string(b)) &&
                                                       Catch::Contains("limit of 32"));
    }
    for (unsigned b = 1; b <= kMaxBits; ++b)
      for (unsigned g : {65 - b, 66 - b, 64u, 200u}) {
        INFO("bits " << b << " guard " << g);
        CHECK_THROWS_WITH(make_layout(b, g, s),
                          Catch::Contains("field = bits + guard = " + std::to_string(b + g)) &&
                              Catch::Contains("64-bit word"));
      }
    CHECK_THROWS_WITH(validate(Layout{8, 60, s}), Catch::Contains("68") && Catch::Contains("64"));
    // Guards near UINT_MAX: bits + guard wraps around to a small field in unsigned.
    for (unsigned g : {0xFFFFFFFFu, 0xFFFFFFFCu, 0xFFFFFFC1u, 0x80000000u}) {
      INFO("guard " << g);
      CHECK_THROWS_WITH(make_layout(8, g, s),
                        Catch::Contains("bits + guard = " + std::to_string(8 + std::uint64_t{g})));
      CHECK_THROWS_AS(make_layout(1, g, s), std::invalid_argument);
      CHECK_THROWS_AS(DotAccumulator(Layout{8, 0, s}, g), std::invalid_argument);
    }
    CHECK_THROWS_WITH(DotAccumulator(Layout{8, 0, s}, 0xFFFFFFF0u),
                      Catch::Contains("2*bits + acc_guard = 4294967296"));
    CHECK_THROWS_WITH(DotAccumulator(Layout{8, 0, s}, 49), Catch::Contains("= 65 exceeds"));
    CHECK_NOTHROW(DotAccumulator(Layout{8, 0, s}, 48));
    CHECK_THROWS_AS(get_lane(Layout{0, 0, s}, 0, 0), std::invalid_argument);
  }
  CHECK_THROWS_WITH(require_mul_bits(Layout{17, 0, S::Unsigned}, "op"),
                    Catch::Contains("op") && Catch::Contains("bits = 17") &&
                        Catch::Contains("limit of 16"));
  CHECK_NOTHROW(require_mul_bits(Layout{16, 0, S::Unsigned}, "op"));
  CHECK_THROWS_WITH(require_guard(Layout{8, 1, S::Unsigned}, 2, "op"),
                    Catch::Contains("guard = 1") && Catch::Contains("at least 2"));
  CHECK_THROWS_WITH(require_signed(Layout{8, 0, S::Unsigned}, true, "op"),
                    Catch::Contains("needs a signed") && Catch::Contains("got unsigned"));
  CHECK_THROWS_AS(require_guard(Layout{0, 1, S::Unsigned}, 0, "op"), std::invalid_argument);
}

// RapidCheck's integer generators scale with the test size and almost never hit the ends of a
// wide range; gen.hpp's lane() must, or the carry and overflow paths go untested.
TEST_CASE("the lane generator produces min, max, 0 and the all-ones pattern", "[layout][gen]") {
  constexpr int kSamples = 400;
  for (const Layout &L : layouts(kMaxBits)) {
    INFO(label(L));
    for (std::int64_t v :
         {L.min_value(), L.max_value(), std::int64_t{0}, ref::from_pattern(L, ones(L.bits))})
      CHECK(sample_count(lane(L), v, kSamples) >= kSamples / 100);
  }
  for (const Layout &L : {Layout{32, 0, Signedness::Signed}, Layout{24, 0, Signedness::Unsigned}}) {
    const auto plain = rc::gen::inRange<std::int64_t>(L.min_value(), L.max_value() + 1);
    CHECK(sample_count(plain, L.max_value(), kSamples) == 0);
    CHECK(sample_count(plain, L.min_value(), kSamples) <= kSamples / 100);
  }
}

TEST_CASE("lane generator distribution (printed by rc::prop)", "[layout][gen]") {
  const Layout s16{16, 0, Signedness::Signed};
  rc::prop("tags of generated s16 lanes", [&s16] {
    const std::int64_t v = *lane(s16);
    RC_ASSERT(ref::in_range(s16, v));
    RC_TAG(v == s16.min_value()   ? "min"
           : v == s16.max_value() ? "max"
           : v == 0               ? "zero"
           : v == -1              ? "all-ones"
                                  : "other");
  });
}
