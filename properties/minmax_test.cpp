// ops/minmax.hpp: select, min, max, abs against samd::ref.
#include "harness.hpp"
#include "samd/ops/minmax.hpp"

using namespace samd;
using namespace samd::props;

namespace {

std::vector<Binary> binary_ops() {
  return {
      {"min_lanes", [](const Layout &L, auto x, auto y) { return min_lanes(L, x, y); },
       [](const Layout &, std::int64_t a, std::int64_t b) { return ref::min_lanes(a, b); }},
      {"max_lanes", [](const Layout &L, auto x, auto y) { return max_lanes(L, x, y); },
       [](const Layout &, std::int64_t a, std::int64_t b) { return ref::max_lanes(a, b); }},
  };
}
std::vector<Unary> unary_ops() {
  return {
      // |min| = 2^(b-1) is kept as an unsigned pattern; lane_diff compares patterns.
      {"abs_lanes", [](const Layout &L, auto x) { return abs_lanes(L, x); },
       [](const Layout &, std::int64_t a) { return ref::abs_lanes(a); }},
      {"abs_sat", [](const Layout &L, auto x) { return abs_sat(L, x); }, ref::abs_sat},
  };
}

// m is any word: its lane i value bits choose between a and b; its guard bits must not leak.
std::string select_diff(const Layout &L, std::uint64_t m, const LaneValues &a,
                        const LaneValues &b) {
  LaneValues want(a.size());
  for (unsigned i = 0; i < a.size(); ++i)
    want[i] = ref::select(L, lane_value(L, m, i), a[i], b[i]);
  const std::string d = lane_diff(L, select(L, m, word_of(L, a), word_of(L, b)), want);
  return d.empty() ? d : "select m=" + hex(m) + ": " + d;
}

} // namespace

TEST_CASE("min/max/abs equal the reference (widths 1-32, guards 0/1/2/max, both signs)",
          "[minmax]") {
  random_ops(binary_ops(), layouts(32));
  random_ops(unary_ops(), layouts(32));
}

TEST_CASE("select equals the reference for lane masks and for any mask word", "[minmax][select]") {
  each_layout(layouts(32), "select", [](const Layout &L) {
    const bool lane_mask = *rc::gen::arbitrary<bool>();
    const std::uint64_t m = lane_mask ? word_of(L, *mask_lanes(L)) : *any_word();
    const std::string d = select_diff(L, m, *lanes(L), *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("min/max/abs/select, exhaustive over all lane values for widths <= 4",
          "[minmax][exhaustive]") {
  exhaustive_ops(binary_ops(), layouts(4));
  exhaustive_ops(unary_ops(), layouts(4));
  for (const Layout &L : layouts(4)) {
    Filler fill(L, seed_for("select" + label(L)));
    const LaneValues vals = all_values(L);
    std::string d;
    for (std::int64_t m : vals)
      for (std::int64_t a : vals)
        for (std::int64_t b : vals) {
          // Guard bits of the mask set to 1: select must still return a canonical word.
          const std::uint64_t junk = ~value_bits(L);
          if (d.empty())
            d = select_diff(L, splat(L, m) | junk, LaneValues(L.lanes(), a),
                            LaneValues(L.lanes(), b));
          for (unsigned i = 0; i < L.lanes() && d.empty(); ++i)
            d = select_diff(L, word_of(L, fill.around(i, m)), fill.around(i, a), fill.around(i, b));
        }
    INFO(d);
    CHECK(d.empty());
  }
}

TEST_CASE("min/max/select laws", "[minmax][laws]") {
  each_layout(layouts(32), "min <= max; both commute; {min, max} = {x, y}; select by all-ones/zero",
              [](const Layout &L) {
                const LaneValues x = *lanes(L), y = *lanes(L);
                const std::uint64_t wx = word_of(L, x), wy = word_of(L, y);
                const std::uint64_t lo = min_lanes(L, wx, wy), hi = max_lanes(L, wx, wy);
                RC_ASSERT(lo == min_lanes(L, wy, wx));
                RC_ASSERT(hi == max_lanes(L, wy, wx));
                for (unsigned i = 0; i < L.lanes(); ++i) {
                  RC_ASSERT(lane_value(L, lo, i) <= lane_value(L, hi, i));
                  RC_ASSERT(lane_value(L, lo, i) + lane_value(L, hi, i) == x[i] + y[i]);
                }
                RC_ASSERT(select(L, ~std::uint64_t{0}, wx, wy) == wx);
                RC_ASSERT(select(L, std::uint64_t{0}, wx, wy) == wy);
                RC_ASSERT(select(L, splat(L, ref::mask(L, true)), wx, wy) == wx);
              });
}

TEST_CASE("min/max/abs/select at every guard (sweep)", "[minmax][sweep]") {
  sweep_ops(binary_ops(), kMaxBits);
  sweep_ops(unary_ops(), kMaxBits);
  any_layout(kMaxBits, "select", [](const Layout &L) {
    const std::string d = select_diff(L, *any_word(), *lanes(L), *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
}
