// ops/mul.hpp: lane-wise, scalar and widening multiplication against samd::ref (widths 1-16).
#include "harness.hpp"
#include "samd/ops/mul.hpp"

using namespace samd;
using namespace samd::props;

namespace {

std::vector<Binary> binary_ops() {
  return {{"mul_wrap", [](const Layout &L, auto x, auto y) { return mul_wrap(L, x, y); },
           ref::mul_wrap}};
}

// k's low b bits are the scalar; its other bits must be ignored.
std::string scalar_diff(const Layout &L, const LaneValues &x, std::uint64_t k) {
  const std::int64_t s = ref::from_pattern(L, k & ones(L.bits));
  LaneValues want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    want[i] = ref::mul_scalar(L, x[i], s);
  const std::string d = lane_diff(L, mul_scalar(L, word_of(L, x), k), want);
  return d.empty() ? d : "mul_scalar k=" + hex(k) + ": " + d;
}

std::vector<Layout> widened(const Layout &L) {
  std::vector<Layout> out;
  for (unsigned g : guards_for(2 * L.bits))
    out.push_back(widening_layout(L, g));
  return out;
}

// Product lane j sits in word j / to.lanes(), lane j % to.lanes(); lanes past L.lanes() are 0.
std::string widen_diff(const Layout &L, const Layout &to, const LaneValues &x,
                       const LaneValues &y) {
  const std::vector<std::uint64_t> out = mul_widen(L, to, word_of(L, x), word_of(L, y));
  const std::size_t words = (L.lanes() + to.lanes() - 1) / to.lanes();
  if (out.size() != words)
    return "mul_widen " + label(L) + "->" + label(to) + ": " + std::to_string(out.size()) +
           " words, expected " + std::to_string(words);
  for (std::size_t w = 0; w < out.size(); ++w) {
    LaneValues want(to.lanes(), 0);
    for (unsigned k = 0; k < to.lanes(); ++k) {
      const std::size_t j = w * to.lanes() + k;
      if (j < x.size())
        want[k] = ref::mul_widen(x[j], y[j]);
    }
    const std::string d = lane_diff(to, out[w], want);
    if (!d.empty())
      return "mul_widen " + label(L) + "->" + label(to) + " word " + std::to_string(w) + ": " + d +
             "\n  x " + show(x) + "\n  y " + show(y);
  }
  return "";
}

} // namespace

TEST_CASE("mul_wrap equals the reference (widths 1-16, guards 0/1/2/max, both signs)", "[mul]") {
  random_ops(binary_ops(), layouts(16));
}

TEST_CASE("mul_scalar equals the reference and ignores k's high bits", "[mul]") {
  each_layout(layouts(16), "mul_scalar", [](const Layout &L) {
    const LaneValues x = *lanes(L);
    const std::uint64_t k = *rc::gen::weightedOneOf<std::uint64_t>(
        {{1, rc::gen::map(lane(L), [L](std::int64_t v) { return ref::pattern(L, v); })},
         {1, any_word()}});
    const std::string d = scalar_diff(L, x, k);
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("mul_widen equals the exact products (every destination guard)", "[mul]") {
  each_layout(layouts(16), "mul_widen", [](const Layout &L) {
    const Layout to = *rc::gen::elementOf(widened(L));
    const std::string d = widen_diff(L, to, *lanes(L), *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("multiplication, exhaustive over all lane values for widths <= 4", "[mul][exhaustive]") {
  exhaustive_ops(binary_ops(), layouts(4));
  for (const Layout &L : layouts(4)) {
    Filler fill(L, seed_for("mul" + label(L)));
    const LaneValues vals = all_values(L);
    std::string d;
    for (std::int64_t a : vals)
      for (std::int64_t s : vals) {
        const std::uint64_t junk = fill.next() & ~ones(L.bits);
        if (d.empty())
          d = scalar_diff(L, LaneValues(L.lanes(), a), ref::pattern(L, s) | junk);
        for (unsigned i = 0; i < L.lanes() && d.empty(); ++i)
          d = scalar_diff(L, fill.around(i, a), ref::pattern(L, s));
        for (const Layout &to : widened(L)) {
          if (d.empty())
            d = widen_diff(L, to, LaneValues(L.lanes(), a), LaneValues(L.lanes(), s));
          for (unsigned i = 0; i < L.lanes() && d.empty(); ++i)
            d = widen_diff(L, to, fill.around(i, a), fill.around(i, s));
        }
      }
    INFO(d);
    CHECK(d.empty());
  }
}

TEST_CASE("multiplication laws", "[mul][laws]") {
  each_layout(layouts(16),
              "x*y = y*x; x*1 = x; x*(y+z) = x*y + x*z; scalar = broadcast; widen low half = wrap",
              [](const Layout &L) {
                const std::uint64_t x = word_of(L, *lanes(L)), y = word_of(L, *lanes(L)),
                                    z = word_of(L, *lanes(L));
                const std::int64_t k = *lane(L);
                RC_ASSERT(mul_wrap(L, x, y) == mul_wrap(L, y, x));
                RC_ASSERT(mul_wrap(L, x, splat(L, ref::from_pattern(L, 1))) == x);
                RC_ASSERT(mul_wrap(L, x, add_wrap(L, y, z)) ==
                          add_wrap(L, mul_wrap(L, x, y), mul_wrap(L, x, z)));
                RC_ASSERT(mul_scalar(L, x, ref::pattern(L, k)) == mul_wrap(L, x, splat(L, k)));
                const Layout to = widening_layout(L);
                const auto back = convert(to, L, mul_widen(L, to, x, y), Overflow::Wrap);
                RC_ASSERT(back.at(0) == mul_wrap(L, x, y));
              });
}

TEST_CASE("multiplication rejects bits > 16 and a wrong destination", "[mul][bad-input]") {
  const Layout u17{17, 0, Signedness::Unsigned}, s8{8, 0, Signedness::Signed};
  CHECK_THROWS_AS(mul_wrap(u17, std::uint64_t{1}, std::uint64_t{1}), std::invalid_argument);
  CHECK_THROWS_WITH(mul_wrap(u17, std::uint64_t{1}, std::uint64_t{1}),
                    Catch::Contains("bits = 17") && Catch::Contains("of 16") &&
                        Catch::Contains("mul_wrap"));
  CHECK_THROWS_WITH(mul_scalar(u17, std::uint64_t{1}, std::uint64_t{1}),
                    Catch::Contains("bits = 17") && Catch::Contains("of 16") &&
                        Catch::Contains("mul_scalar"));
  CHECK_THROWS_WITH(
      mul_widen(u17, Layout{34, 0, Signedness::Unsigned}, std::uint64_t{1}, std::uint64_t{1}),
      Catch::Contains("bits = 17") && Catch::Contains("of 16") && Catch::Contains("mul_widen"));
  CHECK_THROWS_WITH(
      mul_widen(s8, Layout{16, 0, Signedness::Unsigned}, std::uint64_t{1}, std::uint64_t{1}),
      Catch::Contains("u16g0") && Catch::Contains("s16g0"));
  CHECK_THROWS_WITH(
      mul_widen(s8, Layout{15, 0, Signedness::Signed}, std::uint64_t{1}, std::uint64_t{1}),
      Catch::Contains("s15g0") && Catch::Contains("s16g0"));
  CHECK_THROWS_WITH(
      mul_widen(s8, Layout{16, 49, Signedness::Signed}, std::uint64_t{1}, std::uint64_t{1}),
      Catch::Contains("65") && Catch::Contains("64"));
}

TEST_CASE("multiplication at every guard (sweep)", "[mul][sweep]") {
  sweep_ops(binary_ops(), kMaxMulBits);
  any_layout(kMaxMulBits, "mul_scalar", [](const Layout &L) {
    const std::string d = scalar_diff(L, *lanes(L), *any_word());
    if (!d.empty())
      RC_FAIL(d);
  });
  any_layout(kMaxMulBits, "mul_widen", [](const Layout &L) {
    const unsigned g = *rc::gen::inRange(0u, kWordBits - 2 * L.bits + 1);
    const std::string d = widen_diff(L, widening_layout(L, g), *lanes(L), *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
}
