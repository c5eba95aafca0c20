// ops/shift.hpp: lane-wise shifts by a constant amount against samd::ref, every amount
// 0..bits+1 (and far beyond: the contract allows any k >= 0).
#include "harness.hpp"
#include "samd/ops/shift.hpp"

using namespace samd;
using namespace samd::props;

namespace {

struct Shift {
  std::string name;
  std::function<std::uint64_t(const Layout &, std::uint64_t, unsigned)> run;
  std::function<std::int64_t(const Layout &, std::int64_t, unsigned)> want;

  Unary by(unsigned k) const {
    return {name + " k=" + std::to_string(k),
            [run = run, k](const Layout &L, std::uint64_t x) { return run(L, x, k); },
            [want = want, k](const Layout &L, std::int64_t a) { return want(L, a, k); }};
  }
};

std::vector<Shift> shifts() {
  return {
      {"shift_left", [](const Layout &L, auto x, unsigned k) { return shift_left(L, x, k); },
       ref::shift_left},
      {"shift_right_logical",
       [](const Layout &L, auto x, unsigned k) { return shift_right_logical(L, x, k); },
       ref::shift_right_logical},
      {"shift_right_arithmetic",
       [](const Layout &L, auto x, unsigned k) { return shift_right_arithmetic(L, x, k); },
       ref::shift_right_arithmetic},
      {"shift_right", [](const Layout &L, auto x, unsigned k) { return shift_right(L, x, k); },
       ref::shift_right},
  };
}

std::vector<unsigned> amounts(const Layout &L) {
  std::vector<unsigned> k;
  for (unsigned i = 0; i <= L.bits + 1; ++i)
    k.push_back(i);
  for (unsigned far : {63u, 64u, 1000u})
    if (far > L.bits + 1)
      k.push_back(far);
  return k;
}

} // namespace

TEST_CASE("shifts equal the reference (widths 1-32, guards 0/1/2/max, both signs)", "[shift]") {
  for (const Shift &s : shifts())
    each_layout(layouts(32), s.name, [&s](const Layout &L) {
      const LaneValues x = *lanes(L);
      const unsigned k = *rc::gen::elementOf(amounts(L));
      const Unary op = s.by(k);
      const std::string d = diff_unary(op, L, x);
      if (!d.empty())
        RC_FAIL(op.name + ": " + d);
    });
}

TEST_CASE("shifts, exhaustive over all lane values and every amount for widths <= 4",
          "[shift][exhaustive]") {
  for (const Shift &s : shifts())
    for (const Layout &L : layouts(4))
      for (unsigned k : amounts(L))
        exhaustive_ops({s.by(k)}, {L});
}

TEST_CASE("shift laws", "[shift][laws]") {
  each_layout(
      layouts(32), "(x << k) >> k keeps the low bits; shifts compose; sra is floor division",
      [](const Layout &L) {
        const std::uint64_t x = word_of(L, *lanes(L));
        const unsigned j = *rc::gen::inRange(0u, L.bits + 1), k = *rc::gen::inRange(0u, L.bits + 1);
        const std::uint64_t low =
            word_of(L, LaneValues(L.lanes(), ref::from_pattern(L, ones(L.bits - k))));
        RC_ASSERT(shift_right_logical(L, shift_left(L, x, k), k) == (x & low));
        RC_ASSERT(shift_left(L, shift_left(L, x, j), k) == shift_left(L, x, j + k));
        RC_ASSERT(shift_right_logical(L, shift_right_logical(L, x, j), k) ==
                  shift_right_logical(L, x, j + k));
        RC_ASSERT(shift_right_arithmetic(L, shift_right_arithmetic(L, x, j), k) ==
                  shift_right_arithmetic(L, x, j + k));
        RC_ASSERT(shift_left(L, x, 0) == x);
        RC_ASSERT(shift_right(L, x, k) ==
                  (L.is_signed() ? shift_right_arithmetic(L, x, k) : shift_right_logical(L, x, k)));
      });
}

TEST_CASE("shifts at every guard (sweep)", "[shift][sweep]") {
  for (const Shift &s : shifts())
    any_layout(kMaxBits, s.name, [&s](const Layout &L) {
      const Unary op = s.by(*rc::gen::elementOf(amounts(L)));
      const std::string d = diff_unary(op, L, *lanes(L));
      if (!d.empty())
        RC_FAIL(op.name + ": " + d);
    });
}
