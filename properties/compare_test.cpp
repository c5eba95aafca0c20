// ops/compare.hpp: comparisons to lane masks against samd::ref.
#include "harness.hpp"
#include "samd/ops/compare.hpp"

using namespace samd;
using namespace samd::props;

namespace {

// The reference compares lane values; the op returns a lane mask.
LaneFn2 as_mask(bool (*cmp)(std::int64_t, std::int64_t)) {
  return [cmp](const Layout &L, std::int64_t a, std::int64_t b) { return ref::mask(L, cmp(a, b)); };
}

std::vector<Binary> binary_ops() {
  return {
      {"cmp_eq", [](const Layout &L, auto x, auto y) { return cmp_eq(L, x, y); },
       as_mask(ref::cmp_eq)},
      {"cmp_ne", [](const Layout &L, auto x, auto y) { return cmp_ne(L, x, y); },
       as_mask(ref::cmp_ne)},
      {"cmp_lt", [](const Layout &L, auto x, auto y) { return cmp_lt(L, x, y); },
       as_mask(ref::cmp_lt)},
      {"cmp_le", [](const Layout &L, auto x, auto y) { return cmp_le(L, x, y); },
       as_mask(ref::cmp_le)},
      {"cmp_gt", [](const Layout &L, auto x, auto y) { return cmp_gt(L, x, y); },
       as_mask(ref::cmp_gt)},
      {"cmp_ge", [](const Layout &L, auto x, auto y) { return cmp_ge(L, x, y); },
       as_mask(ref::cmp_ge)},
  };
}

} // namespace

TEST_CASE("comparisons equal the reference (widths 1-32, guards 0/1/2/max, both signs)",
          "[compare]") {
  random_ops(binary_ops(), layouts(32));
}

TEST_CASE("comparisons, exhaustive over all lane values for widths <= 4", "[compare][exhaustive]") {
  exhaustive_ops(binary_ops(), layouts(4));
}

TEST_CASE("comparison laws", "[compare][laws]") {
  each_layout(layouts(32), "eq commutes; ne = not eq; lt, eq, gt partition", [](const Layout &L) {
    const std::uint64_t x = word_of(L, *lanes(L)), y = word_of(L, *lanes(L));
    const std::uint64_t all = splat(L, ref::mask(L, true));
    RC_ASSERT(cmp_eq(L, x, y) == cmp_eq(L, y, x));
    RC_ASSERT(cmp_eq(L, x, x) == all);
    RC_ASSERT((cmp_ne(L, x, y) ^ cmp_eq(L, x, y)) == all);
    RC_ASSERT((cmp_lt(L, x, y) | cmp_eq(L, x, y) | cmp_gt(L, x, y)) == all);
    RC_ASSERT((cmp_lt(L, x, y) & cmp_gt(L, x, y)) == std::uint64_t{0});
    RC_ASSERT(cmp_le(L, x, y) == (cmp_lt(L, x, y) | cmp_eq(L, x, y)));
  });
}

TEST_CASE("comparisons at every guard (sweep)", "[compare][sweep]") {
  sweep_ops(binary_ops(), kMaxBits);
}
