// static_layout.hpp: the Lanes<L> facade. Every member must agree with samd::ref on a spread of
// compile-time layouts (widths 1-32, guards 0 to max, both signs); the compile-time rejections
// live in compile_fail/ (see CMakeLists.txt).
#include "harness.hpp"
#include "samd/static_layout.hpp"

using namespace samd;
using namespace samd::props;

namespace {

constexpr Layout U(unsigned b, unsigned g) { return {b, g, Signedness::Unsigned}; }
constexpr Layout S(unsigned b, unsigned g) { return {b, g, Signedness::Signed}; }

// Usable in constant expressions: the facade's ops are constexpr.
using U4 = Lanes<U(4, 0)>;
static_assert(U4::lanes == 16);
static_assert(U4::add_sat(0xf, 0x1) == 0xf && U4::add_wrap(0xf, 0x1) == 0x0);
static_assert(Lanes<S(8, 1)>::cmp_lt(0x80, 0x7f) == 0xff);
static_assert(Lanes<U(8, 8)>::add_exact(0xff, 0xff) == 0x1fe &&
              Lanes<U(8, 8)>::carry_flags(0x1fe) == 0xff);

LaneFn2 as_mask(bool (*cmp)(std::int64_t, std::int64_t)) {
  return [cmp](const Layout &L, std::int64_t a, std::int64_t b) { return ref::mask(L, cmp(a, b)); };
}
LaneFn2 flag(bool (*f)(const Layout &, std::int64_t, std::int64_t)) {
  return [f](const Layout &L, std::int64_t a, std::int64_t b) { return ref::mask(L, f(L, a, b)); };
}

template <Layout L> std::vector<Binary> binary_members() {
  using X = Lanes<L>;
  std::vector<Binary> ops = {
      {"add_wrap", [](const Layout &, auto x, auto y) { return X::add_wrap(x, y); }, ref::add_wrap},
      {"sub_wrap", [](const Layout &, auto x, auto y) { return X::sub_wrap(x, y); }, ref::sub_wrap},
      {"add_sat", [](const Layout &, auto x, auto y) { return X::add_sat(x, y); }, ref::add_sat},
      {"sub_sat", [](const Layout &, auto x, auto y) { return X::sub_sat(x, y); }, ref::sub_sat},
      {"add_carry.value", [](const Layout &, auto x, auto y) { return X::add_carry(x, y).value; },
       ref::add_wrap},
      {"add_carry.flags", [](const Layout &, auto x, auto y) { return X::add_carry(x, y).flags; },
       flag(ref::carry)},
      {"add_overflow.flags",
       [](const Layout &, auto x, auto y) { return X::add_overflow(x, y).flags; },
       flag(ref::add_overflows)},
      {"sub_borrow.flags", [](const Layout &, auto x, auto y) { return X::sub_borrow(x, y).flags; },
       flag(ref::borrow)},
      {"sub_overflow.value",
       [](const Layout &, auto x, auto y) { return X::sub_overflow(x, y).value; }, ref::sub_wrap},
      {"sub_overflow.flags",
       [](const Layout &, auto x, auto y) { return X::sub_overflow(x, y).flags; },
       flag(ref::sub_overflows)},
      {"bit_and", [](const Layout &, auto x, auto y) { return X::bit_and(x, y); }, ref::bit_and},
      {"bit_or", [](const Layout &, auto x, auto y) { return X::bit_or(x, y); }, ref::bit_or},
      {"bit_xor", [](const Layout &, auto x, auto y) { return X::bit_xor(x, y); }, ref::bit_xor},
      {"bit_andnot", [](const Layout &, auto x, auto y) { return X::bit_andnot(x, y); },
       ref::bit_andnot},
      {"cmp_eq", [](const Layout &, auto x, auto y) { return X::cmp_eq(x, y); },
       as_mask(ref::cmp_eq)},
      {"cmp_ne", [](const Layout &, auto x, auto y) { return X::cmp_ne(x, y); },
       as_mask(ref::cmp_ne)},
      {"cmp_lt", [](const Layout &, auto x, auto y) { return X::cmp_lt(x, y); },
       as_mask(ref::cmp_lt)},
      {"cmp_le", [](const Layout &, auto x, auto y) { return X::cmp_le(x, y); },
       as_mask(ref::cmp_le)},
      {"cmp_gt", [](const Layout &, auto x, auto y) { return X::cmp_gt(x, y); },
       as_mask(ref::cmp_gt)},
      {"cmp_ge", [](const Layout &, auto x, auto y) { return X::cmp_ge(x, y); },
       as_mask(ref::cmp_ge)},
      {"min", [](const Layout &, auto x, auto y) { return X::min(x, y); },
       [](const Layout &, std::int64_t a, std::int64_t b) { return ref::min_lanes(a, b); }},
      {"max", [](const Layout &, auto x, auto y) { return X::max(x, y); },
       [](const Layout &, std::int64_t a, std::int64_t b) { return ref::max_lanes(a, b); }},
      {"select(cmp_lt)",
       [](const Layout &, auto x, auto y) { return X::select(X::cmp_lt(x, y), y, x); },
       [](const Layout &, std::int64_t a, std::int64_t b) { return ref::max_lanes(a, b); }},
  };
  if constexpr (L.bits <= kMaxMulBits)
    ops.push_back({"mul_wrap", [](const Layout &, auto x, auto y) { return X::mul_wrap(x, y); },
                   ref::mul_wrap});
  return ops;
}

template <Layout L> std::vector<Unary> unary_members() {
  using X = Lanes<L>;
  std::vector<Unary> ops = {
      {"neg_wrap", [](const Layout &, auto x) { return X::neg_wrap(x); }, ref::neg_wrap},
      {"bit_not", [](const Layout &, auto x) { return X::bit_not(x); }, ref::bit_not},
      {"abs", [](const Layout &, auto x) { return X::abs(x); },
       [](const Layout &, std::int64_t a) { return ref::abs_lanes(a); }},
      {"abs_sat", [](const Layout &, auto x) { return X::abs_sat(x); }, ref::abs_sat},
  };
  for (unsigned k : {0u, 1u, L.bits - 1, L.bits, L.bits + 1}) {
    const std::string at = " k=" + std::to_string(k);
    ops.push_back({"shift_left" + at, [k](const Layout &, auto x) { return X::shift_left(x, k); },
                   [k](const Layout &M, std::int64_t a) { return ref::shift_left(M, a, k); }});
    ops.push_back(
        {"shift_right_logical" + at,
         [k](const Layout &, auto x) { return X::shift_right_logical(x, k); },
         [k](const Layout &M, std::int64_t a) { return ref::shift_right_logical(M, a, k); }});
    ops.push_back(
        {"shift_right_arithmetic" + at,
         [k](const Layout &, auto x) { return X::shift_right_arithmetic(x, k); },
         [k](const Layout &M, std::int64_t a) { return ref::shift_right_arithmetic(M, a, k); }});
    ops.push_back({"shift_right" + at, [k](const Layout &, auto x) { return X::shift_right(x, k); },
                   [k](const Layout &M, std::int64_t a) { return ref::shift_right(M, a, k); }});
  }
  return ops;
}

template <Layout L> void facade() {
  using X = Lanes<L>;
  STATIC_REQUIRE(X::lanes == L.lanes());
  STATIC_REQUIRE(X::layout == L);
  const std::string who = "Lanes<" + label(L) + ">::";
  auto named = [&who](auto ops) {
    for (auto &op : ops)
      op.name = who + op.name;
    return ops;
  };
  random_ops(named(binary_members<L>()), {L});
  random_ops(named(unary_members<L>()), {L});
  if constexpr (L.bits <= 4) {
    exhaustive_ops(named(binary_members<L>()), {L});
    exhaustive_ops(named(unary_members<L>()), {L});
  }
  check(who + "broadcast, hsum, add_exact, carry_flags, convert", [] {
    const LaneValues x = *lanes(L);
    const std::uint64_t w = word_of(L, x), v = *any_word();
    RC_ASSERT(X::broadcast(v) == splat(L, ref::from_pattern(L, v & ones(L.bits))));
    RC_ASSERT(static_cast<std::int64_t>(X::hsum(w)) == ref::hsum(x));
    if constexpr (L.guard >= 1) { // two canonical lanes always meet add_exact's precondition
      const LaneValues y = *lanes(L);
      const std::uint64_t s = X::add_exact(w, word_of(L, y));
      LaneValues carried;
      for (unsigned i = 0; i < L.lanes(); ++i) {
        const std::uint64_t sum = ref::pattern(L, x[i]) + ref::pattern(L, y[i]);
        RC_ASSERT(((s >> (i * L.field())) & ones(L.field())) == sum);
        carried.push_back(ref::mask(L, sum > ones(L.bits)));
      }
      expect_lanes("carry_flags", L, X::carry_flags(s), carried);
    }
    constexpr Layout To{L.bits, 0, L.is_signed() ? Signedness::Unsigned : Signedness::Signed};
    const std::vector<std::uint64_t> src = {w, w};
    RC_ASSERT(X::template convert<To>(src, Overflow::Saturate) ==
              samd::convert(L, To, src, Overflow::Saturate));
    RC_ASSERT(X::template convert<To>(src, Overflow::Wrap) ==
              samd::convert(L, To, src, Overflow::Wrap));
  });
  if constexpr (L.bits <= kMaxMulBits) {
    check(who + "mul_scalar, mul_widen, dot", [] {
      const LaneValues x = *lanes(L), y = *lanes(L);
      const std::uint64_t wx = word_of(L, x), wy = word_of(L, y), k = *any_word();
      LaneValues scaled;
      for (std::int64_t a : x)
        scaled.push_back(ref::mul_wrap(L, a, ref::from_pattern(L, k & ones(L.bits))));
      expect_lanes("mul_scalar", L, X::mul_scalar(wx, k), scaled);
      RC_ASSERT(static_cast<std::int64_t>(X::dot(wx, wy)) == ref::dot(x, y));
      RC_ASSERT(X::template mul_widen<0>(wx, wy) ==
                samd::mul_widen(L, widening_layout(L, 0), wx, wy));
      constexpr unsigned G = kWordBits - 2 * L.bits;
      RC_ASSERT(X::template mul_widen<G>(wx, wy) ==
                samd::mul_widen(L, widening_layout(L, G), wx, wy));
    });
  }
}

} // namespace

TEST_CASE("Lanes<L> members equal the reference, widths 1-8", "[static_layout]") {
  facade<U(1, 0)>();
  facade<S(1, 63)>();
  facade<U(2, 2)>();
  facade<S(3, 1)>();
  facade<U(4, 0)>();
  facade<S(4, 60)>();
  facade<U(5, 2)>();
  facade<S(7, 0)>();
  facade<U(8, 0)>();
  facade<S(8, 1)>();
  facade<U(8, 8)>();
}

TEST_CASE("Lanes<L> members equal the reference, widths 9-32", "[static_layout]") {
  facade<S(12, 4)>();
  facade<U(15, 1)>();
  facade<U(16, 0)>();
  facade<S(16, 16)>();
  facade<U(17, 0)>();
  facade<S(24, 8)>();
  facade<U(31, 2)>();
  facade<S(32, 0)>();
  facade<U(32, 32)>();
}
