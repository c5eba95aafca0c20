// ops/reduce.hpp: horizontal sum (widths 1-32) and dot product (widths 1-16) against samd::ref.
#include "harness.hpp"
#include "samd/ops/convert.hpp"
#include "samd/ops/reduce.hpp"

using namespace samd;
using namespace samd::props;

namespace {

std::string hsum_diff(const Layout &L, const LaneValues &x) {
  const auto got = static_cast<std::int64_t>(hsum(L, word_of(L, x)));
  if (got == ref::hsum(x))
    return "";
  return "hsum " + label(L) + " of " + show(x) + ": expected " + std::to_string(ref::hsum(x)) +
         ", got " + std::to_string(got);
}
std::string dot_diff(const Layout &L, const LaneValues &x, const LaneValues &y) {
  const auto got = static_cast<std::int64_t>(dot(L, word_of(L, x), word_of(L, y)));
  if (got == ref::dot(x, y))
    return "";
  return "dot " + label(L) + " of " + show(x) + " . " + show(y) + ": expected " +
         std::to_string(ref::dot(x, y)) + ", got " + std::to_string(got);
}

} // namespace

TEST_CASE("hsum equals the reference (widths 1-32, guards 0/1/2/max, both signs)",
          "[reduce][hsum]") {
  each_layout(layouts(32), "hsum", [](const Layout &L) {
    const std::string d = hsum_diff(L, *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("dot equals the reference (widths 1-16, guards 0/1/2/max, both signs)", "[reduce][dot]") {
  each_layout(layouts(16), "dot", [](const Layout &L) {
    const std::string d = dot_diff(L, *lanes(L), *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("hsum and dot, exhaustive over all lane values for widths <= 4", "[reduce][exhaustive]") {
  for (const Layout &L : layouts(4)) {
    Filler fill(L, seed_for("reduce" + label(L)));
    const LaneValues vals = all_values(L);
    std::string d;
    for (std::int64_t a : vals) {
      if (d.empty())
        d = hsum_diff(L, LaneValues(L.lanes(), a));
      for (unsigned i = 0; i < L.lanes() && d.empty(); ++i)
        d = hsum_diff(L, fill.around(i, a));
      for (std::int64_t b : vals) {
        if (d.empty())
          d = dot_diff(L, LaneValues(L.lanes(), a), LaneValues(L.lanes(), b));
        for (unsigned i = 0; i < L.lanes() && d.empty(); ++i)
          d = dot_diff(L, fill.around(i, a), fill.around(i, b));
      }
    }
    INFO(d);
    CHECK(d.empty());
  }
}

TEST_CASE("reduction laws", "[reduce][laws]") {
  each_layout(layouts(32), "hsum(broadcast v) = lanes * v", [](const Layout &L) {
    const std::int64_t v = *lane(L);
    RC_ASSERT(static_cast<std::int64_t>(hsum(L, broadcast(L, ref::pattern(L, v)))) ==
              static_cast<std::int64_t>(L.lanes()) * v);
  });
  each_layout(layouts(16), "dot(x, broadcast 1) = hsum(x); dot commutes", [](const Layout &L) {
    const std::uint64_t x = word_of(L, *lanes(L)), y = word_of(L, *lanes(L));
    RC_ASSERT(dot(L, x, y) == dot(L, y, x));
    if (L.max_value() >= 1)
      RC_ASSERT(dot(L, x, broadcast(L, std::uint64_t{1})) == hsum(L, x));
  });
}

TEST_CASE("hsum and dot at every guard (sweep)", "[reduce][sweep]") {
  any_layout(kMaxBits, "hsum", [](const Layout &L) {
    const std::string d = hsum_diff(L, *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
  any_layout(kMaxMulBits, "dot", [](const Layout &L) {
    const std::string d = dot_diff(L, *lanes(L), *lanes(L));
    if (!d.empty())
      RC_FAIL(d);
  });
}
