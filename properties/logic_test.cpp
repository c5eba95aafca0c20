// ops/logic.hpp: bitwise ops on lanes against samd::ref.
#include "harness.hpp"
#include "samd/ops/logic.hpp"

using namespace samd;
using namespace samd::props;

namespace {

std::vector<Binary> binary_ops() {
  return {
      {"bit_and", [](const Layout &L, auto x, auto y) { return bit_and(L, x, y); }, ref::bit_and},
      {"bit_or", [](const Layout &L, auto x, auto y) { return bit_or(L, x, y); }, ref::bit_or},
      {"bit_xor", [](const Layout &L, auto x, auto y) { return bit_xor(L, x, y); }, ref::bit_xor},
      {"bit_andnot", [](const Layout &L, auto x, auto y) { return bit_andnot(L, x, y); },
       ref::bit_andnot},
  };
}
std::vector<Unary> unary_ops() {
  return {{"bit_not", [](const Layout &L, auto x) { return bit_not(L, x); }, ref::bit_not}};
}

} // namespace

TEST_CASE("bitwise ops equal the reference (widths 1-32, guards 0/1/2/max, both signs)",
          "[logic]") {
  random_ops(binary_ops(), layouts(32));
  random_ops(unary_ops(), layouts(32));
}

TEST_CASE("bitwise ops, exhaustive over all lane values for widths <= 4", "[logic][exhaustive]") {
  exhaustive_ops(binary_ops(), layouts(4));
  exhaustive_ops(unary_ops(), layouts(4));
}

TEST_CASE("bitwise laws: commutativity, involution, De Morgan", "[logic][laws]") {
  each_layout(layouts(32), "and/or/xor commute; not(not x) = x; andnot = and(x, not y)",
              [](const Layout &L) {
                const std::uint64_t x = word_of(L, *lanes(L)), y = word_of(L, *lanes(L));
                RC_ASSERT(bit_and(L, x, y) == bit_and(L, y, x));
                RC_ASSERT(bit_or(L, x, y) == bit_or(L, y, x));
                RC_ASSERT(bit_xor(L, x, y) == bit_xor(L, y, x));
                RC_ASSERT(bit_not(L, bit_not(L, x)) == x);
                RC_ASSERT(bit_andnot(L, x, y) == bit_and(L, x, bit_not(L, y)));
                RC_ASSERT(bit_not(L, bit_or(L, x, y)) == bit_and(L, bit_not(L, x), bit_not(L, y)));
              });
}

TEST_CASE("bitwise ops at every guard (sweep)", "[logic][sweep]") {
  sweep_ops(binary_ops(), kMaxBits);
  sweep_ops(unary_ops(), kMaxBits);
}
