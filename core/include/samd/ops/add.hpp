// Addition family: wrapping, flagged, saturating and exact (into guard headroom).
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include "samd/layout.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/word.hpp"

namespace samd {

// A result with a lane mask of flags (carry, borrow or overflow).
template <class W> struct Flagged {
  W value;
  W flags;
};

// add_wrap: pre: x, y canonical. post: lane i = (x_i + y_i) mod 2^b; canonical.
// Same bits for signed and unsigned lanes.
template <class W> constexpr W add_wrap(const Layout &L, const W &x, const W &y) {
  if (L.guard >= 1)
    return and_c(add(x, y), L.value_mask()); // the carry lands in the guard bit
  // No spacer: add the low b-1 bits (cannot carry out of the lane), then fix bit b-1 by xor.
  const std::uint64_t H = L.high_mask();
  return xor_(add(and_c(x, ~H), and_c(y, ~H)), and_c(xor_(x, y), H));
}

// sub_wrap: pre: x, y canonical. post: lane i = (x_i - y_i) mod 2^b; canonical.
template <class W> constexpr W sub_wrap(const Layout &L, const W &x, const W &y) {
  if (L.guard >= 1)
    return and_c(sub(or_c(x, L.guard_mask()), y), L.value_mask()); // guard absorbs the borrow
  // No spacer: set bit b-1 of x so the low part never borrows, then fix bit b-1 by xor.
  const std::uint64_t H = L.high_mask();
  return xor_(sub(or_c(x, H), and_c(y, ~H)), and_c(xor_(x, not_(y)), H));
}

// neg_wrap: pre: x canonical. post: lane i = (-x_i) mod 2^b; canonical.
template <class W> constexpr W neg_wrap(const Layout &L, const W &x) {
  return sub_wrap(L, zero(x), x);
}

// add_carry: pre: x, y canonical. post: value = add_wrap(x, y); flags = lane mask of the lanes
// where the unsigned sum x_i + y_i >= 2^b (carry out of bit b-1).
template <class W> constexpr Flagged<W> add_carry(const Layout &L, const W &x, const W &y) {
  const W s = add_wrap(L, x, y);
  const W c = and_c(or_(and_(x, y), and_not(or_(x, y), s)), L.high_mask());
  return {s, spread_high(L, c)};
}

// add_overflow: pre: x, y canonical. post: value = add_wrap(x, y); flags = lane mask of the lanes
// where the signed sum x_i + y_i is outside [-2^(b-1), 2^(b-1)).
template <class W> constexpr Flagged<W> add_overflow(const Layout &L, const W &x, const W &y) {
  const W s = add_wrap(L, x, y);
  return {s, spread_high(L, and_c(and_(xor_(s, x), xor_(s, y)), L.high_mask()))};
}

// sub_borrow: pre: x, y canonical. post: value = sub_wrap(x, y); flags = lane mask of the lanes
// where x_i < y_i read as unsigned.
template <class W> constexpr Flagged<W> sub_borrow(const Layout &L, const W &x, const W &y) {
  const W d = sub_wrap(L, x, y);
  const W b = and_c(or_(and_not(y, x), and_not(d, xor_(x, y))), L.high_mask());
  return {d, spread_high(L, b)};
}

// sub_overflow: pre: x, y canonical. post: value = sub_wrap(x, y); flags = lane mask of the lanes
// where the signed difference x_i - y_i is outside [-2^(b-1), 2^(b-1)).
template <class W> constexpr Flagged<W> sub_overflow(const Layout &L, const W &x, const W &y) {
  const W d = sub_wrap(L, x, y);
  return {d, spread_high(L, and_c(and_(xor_(x, y), xor_(x, d)), L.high_mask()))};
}

// signed_limit_toward: pre: x canonical, signed. post: lane i = MIN if x_i < 0 else MAX.
template <class W> constexpr W signed_limit_toward(const Layout &L, const W &x) {
  return xor_c(sign_mask(L, x), L.value_mask() & ~L.high_mask());
}

// add_sat: pre: x, y canonical. post: lane i = clamp(x_i + y_i, min, max) for L's signedness.
template <class W> constexpr W add_sat(const Layout &L, const W &x, const W &y) {
  if (!L.is_signed()) {
    const auto r = add_carry(L, x, y);
    return or_(r.value, r.flags);
  }
  const auto r = add_overflow(L, x, y); // overflow only when x, y share a sign: saturate toward it
  return blend(r.flags, signed_limit_toward(L, x), r.value);
}

// sub_sat: pre: x, y canonical. post: lane i = clamp(x_i - y_i, min, max) for L's signedness.
template <class W> constexpr W sub_sat(const Layout &L, const W &x, const W &y) {
  if (!L.is_signed()) {
    const auto r = sub_borrow(L, x, y);
    return and_not(r.value, r.flags);
  }
  const auto r = sub_overflow(L, x, y); // overflow only when signs differ: saturate toward x's sign
  return blend(r.flags, signed_limit_toward(L, x), r.value);
}

// add_exact: exact addition into guard headroom.
// pre: L has guard >= 1; every field of x and y (all f bits) is an unsigned value and
//      x_i + y_i < 2^f for every lane. (Two canonical unsigned lanes always qualify.)
// post: field i = x_i + y_i exactly; no lane disturbs another.
template <class W> constexpr W add_exact(const Layout &L, const W &x, const W &y) {
  require_guard(L, 1, "add_exact");
  return add(x, y);
}

// carry_flags: pre: s's fields hold unsigned values < 2^f (e.g. a result of add_exact).
// post: lane mask of the lanes whose value overflowed b bits (a guard bit is set).
template <class W> constexpr W carry_flags(const Layout &L, const W &s) {
  if (L.guard == 0)
    return zero(s);
  const Layout guards{L.guard, L.bits, Signedness::Unsigned}; // guard bits seen as lanes
  const W g = shr(and_c(s, L.guard_mask()), L.bits);
  return spread_low(L, shr(nonzero_high(guards, g), L.guard - 1));
}

} // namespace samd
