// Mutants of samd/ops/add.hpp.
#include "samd/ops/add.hpp"
#include "common.hpp"

namespace samd::proofs {
namespace mutant {

// The carry of a guarded add is left in the guard bit (dropped guard mask).
template <class W> W add_wrap_guard_kept(const Layout &L, const W &x, const W &y) {
  if (L.guard >= 1)
    return add(x, y);
  return samd::add_wrap(L, x, y);
}
// Without a spacer, a plain word add lets the carry run into the next lane.
template <class W> W add_wrap_plain(const Layout &L, const W &x, const W &y) {
  if (L.guard == 0)
    return add(x, y);
  return samd::add_wrap(L, x, y);
}
// The top-bit fix-up xors the lane-low bits instead of H (wrong mask bit).
template <class W> W add_wrap_fix_low(const Layout &L, const W &x, const W &y) {
  if (L.guard >= 1)
    return samd::add_wrap(L, x, y);
  const std::uint64_t H = L.high_mask();
  return xor_(add(and_c(x, ~H), and_c(y, ~H)), and_c(xor_(x, y), L.lane_low_mask()));
}
// A guarded subtract without setting the guard first: the borrow crosses into the next lane.
template <class W> W sub_wrap_no_guard_set(const Layout &L, const W &x, const W &y) {
  if (L.guard >= 1)
    return and_c(sub(x, y), L.value_mask());
  return samd::sub_wrap(L, x, y);
}
// The no-spacer fix-up uses x ^ y instead of x ^ ~y.
template <class W> W sub_wrap_fix_xor(const Layout &L, const W &x, const W &y) {
  if (L.guard >= 1)
    return samd::sub_wrap(L, x, y);
  const std::uint64_t H = L.high_mask();
  return xor_(sub(or_c(x, H), and_c(y, ~H)), and_c(xor_(x, y), H));
}
// -x computed as ~x (off by one).
template <class W> W neg_wrap_as_not(const Layout &L, const W &x) {
  return xor_c(x, L.value_mask());
}
// Carry flags read from the lane-low bit instead of bit b-1.
template <class W> Flagged<W> add_carry_low_bit(const Layout &L, const W &x, const W &y) {
  const W s = samd::add_wrap(L, x, y);
  const W c = and_c(or_(and_(x, y), and_not(or_(x, y), s)), L.lane_low_mask());
  return {s, spread_low(L, c)};
}
// Carry = x & y only: misses carries generated below bit b-1.
template <class W> Flagged<W> add_carry_generate_only(const Layout &L, const W &x, const W &y) {
  const W s = samd::add_wrap(L, x, y);
  return {s, spread_high(L, and_c(and_(x, y), L.high_mask()))};
}
// Signed overflow reported as the unsigned carry (signed/unsigned swap).
template <class W> Flagged<W> add_overflow_as_carry(const Layout &L, const W &x, const W &y) {
  return samd::add_carry(L, x, y);
}
// Borrow computed for y - x (operands swapped).
template <class W> Flagged<W> sub_borrow_swapped(const Layout &L, const W &x, const W &y) {
  const W d = samd::sub_wrap(L, x, y);
  return {d, samd::sub_borrow(L, y, x).flags};
}
// Overflow of x - y tested with (x ^ y) & (y ^ d) instead of (x ^ d).
template <class W> Flagged<W> sub_overflow_wrong_xor(const Layout &L, const W &x, const W &y) {
  const W d = samd::sub_wrap(L, x, y);
  return {d, spread_high(L, and_c(and_(xor_(x, y), xor_(y, d)), L.high_mask()))};
}
// The limit mask includes H: MAX becomes -1, MIN becomes 0.
template <class W> W signed_limit_with_h(const Layout &L, const W &x) {
  return xor_c(sign_mask(L, x), L.value_mask());
}
// Signed lanes saturated as if unsigned (signed/unsigned swap).
template <class W> W add_sat_unsigned_path(const Layout &L, const W &x, const W &y) {
  const auto r = samd::add_carry(L, x, y);
  return or_(r.value, r.flags);
}
// Unsigned add_sat that forgets to saturate.
template <class W> W add_sat_wraps(const Layout &L, const W &x, const W &y) {
  if (!L.is_signed())
    return samd::add_wrap(L, x, y);
  return samd::add_sat(L, x, y);
}
// Unsigned sub_sat saturating a borrow to MAX instead of 0.
template <class W> W sub_sat_to_max(const Layout &L, const W &x, const W &y) {
  if (L.is_signed())
    return samd::sub_sat(L, x, y);
  const auto r = samd::sub_borrow(L, x, y);
  return or_(r.value, r.flags);
}
// Signed sub_sat saturating toward y's sign instead of x's.
template <class W> W sub_sat_toward_y(const Layout &L, const W &x, const W &y) {
  if (!L.is_signed())
    return samd::sub_sat(L, x, y);
  const auto r = samd::sub_overflow(L, x, y);
  return blend(r.flags, samd::signed_limit_toward(L, y), r.value);
}
// add_exact that masks the guard: the sum is no longer exact.
template <class W> W add_exact_masked(const Layout &L, const W &x, const W &y) {
  return and_c(add(x, y), L.value_mask());
}
// carry_flags shifting the guard bits one too far.
template <class W> W carry_flags_shift_off(const Layout &L, const W &s) {
  if (L.guard == 0)
    return zero(s);
  const Layout guards{L.guard, L.bits, Signedness::Unsigned};
  const W g = shr(and_c(s, L.guard_mask()), L.bits);
  const unsigned k = L.guard >= 2 ? L.guard - 2 : 1; // off by one from guard - 1
  return spread_low(L, and_c(shr(nonzero_high(guards, g), k), L.lane_low_mask()));
}

} // namespace mutant

void register_add_mutants(MutantSet &set) {
  using namespace mutant;
  const auto binary = [](auto check, auto op) {
    return [check, op](Query &q, const Layout &L) { check(q, L, op); };
  };
  set.add("add_wrap/guard-carry-kept", "add_wrap", "guarded add keeps the carry in the guard bit",
          32, binary(check_add_wrap, Binary(add_wrap_guard_kept<W>)), 1);
  set.add("add_wrap/plain-add", "add_wrap", "no-spacer add lets the carry run into the next lane",
          32, binary(check_add_wrap, Binary(add_wrap_plain<W>)), 0,
          [](const Layout &L) { return L.guard == 0; });
  set.add("add_wrap/fixup-low-bit", "add_wrap",
          "top-bit fix-up uses the lane-low mask instead of H", 32,
          binary(check_add_wrap, Binary(add_wrap_fix_low<W>)));
  set.add("sub_wrap/guard-not-set", "sub_wrap",
          "guarded subtract does not set the guard to absorb the borrow", 32,
          binary(check_sub_wrap, Binary(sub_wrap_no_guard_set<W>)), 1);
  set.add("sub_wrap/fixup-xor", "sub_wrap", "no-spacer fix-up uses x ^ y instead of x ^ ~y", 32,
          binary(check_sub_wrap, Binary(sub_wrap_fix_xor<W>)));
  set.add("neg_wrap/not", "neg_wrap", "-x computed as ~x (off by one)", 32,
          binary(check_neg_wrap, Unary(neg_wrap_as_not<W>)));
  set.add("add_carry/low-bit", "add_carry", "carry read from bit 0 instead of bit b-1", 32,
          binary(check_add_carry, FlaggedBinary(add_carry_low_bit<W>)));
  set.add("add_carry/generate-only", "add_carry", "carry = x & y, missing propagated carries", 32,
          binary(check_add_carry, FlaggedBinary(add_carry_generate_only<W>)));
  set.add("add_overflow/unsigned", "add_overflow", "signed overflow reported as unsigned carry", 32,
          binary(check_add_overflow, FlaggedBinary(add_overflow_as_carry<W>)));
  set.add("sub_borrow/swapped", "sub_borrow", "borrow of y - x instead of x - y", 32,
          binary(check_sub_borrow, FlaggedBinary(sub_borrow_swapped<W>)));
  set.add("sub_overflow/wrong-xor", "sub_overflow", "overflow test uses y ^ d instead of x ^ d", 32,
          binary(check_sub_overflow, FlaggedBinary(sub_overflow_wrong_xor<W>)));
  set.add("signed_limit_toward/with-h", "signed_limit_toward", "limit mask includes the sign bit",
          32, binary(check_signed_limit_toward, Unary(signed_limit_with_h<W>)), 0,
          [](const Layout &L) { return L.is_signed(); });
  set.add("add_sat/signed-as-unsigned", "add_sat", "signed lanes saturated as unsigned", 32,
          binary(check_add_sat, Binary(add_sat_unsigned_path<W>)), 0,
          [](const Layout &L) { return L.is_signed(); });
  set.add("add_sat/no-saturation", "add_sat", "unsigned add_sat wraps", 32,
          binary(check_add_sat, Binary(add_sat_wraps<W>)));
  set.add("sub_sat/borrow-to-max", "sub_sat", "unsigned borrow saturates to MAX instead of 0", 32,
          binary(check_sub_sat, Binary(sub_sat_to_max<W>)));
  set.add("sub_sat/toward-y", "sub_sat", "signed overflow saturates toward y's sign", 32,
          binary(check_sub_sat, Binary(sub_sat_toward_y<W>)), 0,
          [](const Layout &L) { return L.is_signed(); });
  set.add(
      "add_exact/masked", "add_exact", "exact add masks the guard headroom away", 32,
      [](Query &q, const Layout &L) { check_add_exact(q, L, Binary(add_exact_masked<W>), false); },
      1);
  set.add("carry_flags/shift-off-by-one", "carry_flags", "guard flag shifted one position too far",
          32, binary(check_carry_flags, Unary(carry_flags_shift_off<W>)), 1);
}

} // namespace samd::proofs
