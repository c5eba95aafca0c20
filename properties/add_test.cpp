// ops/add.hpp: wrapping, flagged, saturating and exact addition against samd::ref.
#include "harness.hpp"
#include "samd/ops/add.hpp"

using namespace samd;
using namespace samd::props;

namespace {

std::vector<Binary> binary_ops() {
  auto flag = [](bool (*f)(const Layout &, std::int64_t, std::int64_t)) {
    return
        [f](const Layout &L, std::int64_t a, std::int64_t b) { return ref::mask(L, f(L, a, b)); };
  };
  return {
      {"add_wrap", [](const Layout &L, auto x, auto y) { return add_wrap(L, x, y); },
       ref::add_wrap},
      {"sub_wrap", [](const Layout &L, auto x, auto y) { return sub_wrap(L, x, y); },
       ref::sub_wrap},
      {"add_carry.value", [](const Layout &L, auto x, auto y) { return add_carry(L, x, y).value; },
       ref::add_wrap},
      {"add_carry.flags", [](const Layout &L, auto x, auto y) { return add_carry(L, x, y).flags; },
       flag(ref::carry)},
      {"add_overflow.value",
       [](const Layout &L, auto x, auto y) { return add_overflow(L, x, y).value; }, ref::add_wrap},
      {"add_overflow.flags",
       [](const Layout &L, auto x, auto y) { return add_overflow(L, x, y).flags; },
       flag(ref::add_overflows)},
      {"sub_borrow.value",
       [](const Layout &L, auto x, auto y) { return sub_borrow(L, x, y).value; }, ref::sub_wrap},
      {"sub_borrow.flags",
       [](const Layout &L, auto x, auto y) { return sub_borrow(L, x, y).flags; },
       flag(ref::borrow)},
      {"sub_overflow.value",
       [](const Layout &L, auto x, auto y) { return sub_overflow(L, x, y).value; }, ref::sub_wrap},
      {"sub_overflow.flags",
       [](const Layout &L, auto x, auto y) { return sub_overflow(L, x, y).flags; },
       flag(ref::sub_overflows)},
      {"add_sat", [](const Layout &L, auto x, auto y) { return add_sat(L, x, y); }, ref::add_sat},
      {"sub_sat", [](const Layout &L, auto x, auto y) { return sub_sat(L, x, y); }, ref::sub_sat},
  };
}

std::vector<Unary> unary_ops() {
  return {{"neg_wrap", [](const Layout &L, auto x) { return neg_wrap(L, x); }, ref::neg_wrap}};
}

std::vector<Layout> with_guard(unsigned max_bits) {
  std::vector<Layout> out;
  for (const Layout &L : layouts(max_bits))
    if (L.guard >= 1)
      out.push_back(L);
  return out;
}

// Field values for add_exact: any f-bit unsigned x, and y with x + y < 2^f.
std::uint64_t field_max(const Layout &L) { return ones(L.field()); }
rc::Gen<std::uint64_t> field_value(const Layout &L, std::uint64_t hi) {
  const std::uint64_t b = ones(L.bits);
  if (hi == 0)
    return rc::gen::just<std::uint64_t>(0);
  return rc::gen::weightedOneOf<std::uint64_t>(
      {{1, rc::gen::element<std::uint64_t>(0, hi, std::min(b, hi), std::min(b + 1, hi), hi / 2)},
       {1, rc::gen::resize(100, rc::gen::inRange<std::uint64_t>(0, hi))}});
}
std::uint64_t fields_word(const Layout &L, const std::vector<std::uint64_t> &v) {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    w |= v[i] << (i * L.field());
  return w;
}

// "" when add_exact and carry_flags meet their contracts on these fields.
std::string exact_diff(const Layout &L, const std::vector<std::uint64_t> &x,
                       const std::vector<std::uint64_t> &y) {
  const std::uint64_t s = add_exact(L, fields_word(L, x), fields_word(L, y));
  LaneValues carries;
  for (unsigned i = 0; i < L.lanes(); ++i) {
    const std::uint64_t got = (s >> (i * L.field())) & field_max(L), want = x[i] + y[i];
    if (got != want)
      return "add_exact " + label(L) + " field " + std::to_string(i) + ": expected " +
             std::to_string(want) + ", got " + std::to_string(got);
    carries.push_back(ref::mask(L, want > ones(L.bits))); // fields reach 2^64 - 1: no int64 here
  }
  if ((s & ~ones(L.lanes() * L.field())) != 0)
    return "add_exact " + label(L) + ": padding bits set " + hex(s);
  const std::string d = lane_diff(L, carry_flags(L, s), carries);
  return d.empty() ? d : "carry_flags: " + d;
}

} // namespace

TEST_CASE("add family equals the reference (widths 1-32, guards 0/1/2/max, both signs)", "[add]") {
  random_ops(binary_ops(), layouts(32));
  random_ops(unary_ops(), layouts(32));
}

TEST_CASE("add family, exhaustive over all lane values for widths <= 4", "[add][exhaustive]") {
  exhaustive_ops(binary_ops(), layouts(4));
  exhaustive_ops(unary_ops(), layouts(4));
}

TEST_CASE("add_exact sums whole fields exactly and carry_flags marks lanes past b bits", "[add]") {
  each_layout(with_guard(32), "add_exact+carry_flags", [](const Layout &L) {
    std::vector<std::uint64_t> x, y;
    for (unsigned i = 0; i < L.lanes(); ++i) {
      x.push_back(*field_value(L, field_max(L)));
      y.push_back(*field_value(L, field_max(L) - x.back()));
    }
    const std::string d = exact_diff(L, x, y);
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("add_exact and carry_flags, exhaustive over small fields", "[add][exhaustive]") {
  for (const Layout &L : with_guard(4)) {
    const std::uint64_t top =
        std::min<std::uint64_t>(field_max(L), 255); // max guard: fields up to 2^64
    std::string d;
    for (std::uint64_t a = 0; a <= top && d.empty(); ++a)
      for (std::uint64_t b = 0; b <= top && a + b <= field_max(L) && d.empty(); ++b)
        for (unsigned i = 0; i < L.lanes() && d.empty(); ++i) {
          std::vector<std::uint64_t> x(L.lanes(), 0), y(L.lanes(), 0);
          x[i] = a, y[i] = b;
          if (i + 1 < L.lanes())
            x[i + 1] = field_max(L) - b, y[i + 1] = b; // a full neighbour
          d = exact_diff(L, x, y);
        }
    INFO(d);
    CHECK(d.empty());
  }
}

TEST_CASE("carry_flags is 0 without guard bits; add_exact needs one", "[add][bad-input]") {
  for (const Layout &L : layouts(32))
    if (L.guard == 0)
      CHECK(carry_flags(L, ~std::uint64_t{0}) == 0);
  const Layout u8{8, 0, Signedness::Unsigned};
  CHECK_THROWS_AS(add_exact(u8, std::uint64_t{1}, std::uint64_t{2}), std::invalid_argument);
  CHECK_THROWS_WITH(add_exact(u8, std::uint64_t{1}, std::uint64_t{2}),
                    Catch::Contains("add_exact") && Catch::Contains("guard = 0") &&
                        Catch::Contains("at least 1"));
}

TEST_CASE("add laws: commutativity, inverses, saturation", "[add][laws]") {
  const auto Ls = layouts(32);
  each_layout(Ls, "x + y = y + x", [](const Layout &L) {
    const std::uint64_t x = word_of(L, *lanes(L)), y = word_of(L, *lanes(L));
    RC_ASSERT(add_wrap(L, x, y) == add_wrap(L, y, x));
    RC_ASSERT(add_sat(L, x, y) == add_sat(L, y, x));
    RC_ASSERT(add_carry(L, x, y).flags == add_carry(L, y, x).flags);
  });
  each_layout(Ls, "(x - y) + y = x", [](const Layout &L) {
    const std::uint64_t x = word_of(L, *lanes(L)), y = word_of(L, *lanes(L));
    RC_ASSERT(add_wrap(L, sub_wrap(L, x, y), y) == x);
  });
  each_layout(Ls, "neg(neg x) = x and x + neg x = 0", [](const Layout &L) {
    const std::uint64_t x = word_of(L, *lanes(L));
    RC_ASSERT(neg_wrap(L, neg_wrap(L, x)) == x);
    RC_ASSERT(add_wrap(L, x, neg_wrap(L, x)) == std::uint64_t{0});
  });
  each_layout(Ls, "saturating ops stay in range and equal the wrap unless flagged",
              [](const Layout &L) {
                const LaneValues x = *lanes(L), y = *lanes(L);
                const std::uint64_t wx = word_of(L, x), wy = word_of(L, y);
                const auto add = L.is_signed() ? add_overflow(L, wx, wy) : add_carry(L, wx, wy);
                const auto sub = L.is_signed() ? sub_overflow(L, wx, wy) : sub_borrow(L, wx, wy);
                const std::uint64_t as = add_sat(L, wx, wy), ss = sub_sat(L, wx, wy);
                for (unsigned i = 0; i < L.lanes(); ++i) {
                  const std::int64_t a = lane_value(L, as, i), s = lane_value(L, ss, i);
                  RC_ASSERT(a >= L.min_value() && a <= L.max_value());
                  RC_ASSERT(s >= L.min_value() && s <= L.max_value());
                  if (lane_pattern(L, add.flags, i) == 0)
                    RC_ASSERT(a == lane_value(L, add.value, i));
                  else
                    RC_ASSERT(a == (x[i] + y[i] > L.max_value() ? L.max_value() : L.min_value()));
                  if (lane_pattern(L, sub.flags, i) == 0)
                    RC_ASSERT(s == lane_value(L, sub.value, i));
                  else
                    RC_ASSERT(s == (x[i] - y[i] > L.max_value() ? L.max_value() : L.min_value()));
                }
              });
}

TEST_CASE("add family at every guard, not only 0/1/2/max (sweep)", "[add][sweep]") {
  sweep_ops(binary_ops(), kMaxBits);
  sweep_ops(unary_ops(), kMaxBits);
  any_layout(kMaxBits, "add_exact+carry_flags", [](const Layout &L) {
    if (L.guard == 0)
      return;
    std::vector<std::uint64_t> x, y;
    for (unsigned i = 0; i < L.lanes(); ++i) {
      x.push_back(*field_value(L, field_max(L)));
      y.push_back(*field_value(L, field_max(L) - x.back()));
    }
    const std::string d = exact_diff(L, x, y);
    if (!d.empty())
      RC_FAIL(d);
  });
}
