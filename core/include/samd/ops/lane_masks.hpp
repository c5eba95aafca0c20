// Internal building blocks shared by the ops: turning per-lane flag bits into lane masks,
// reading one lane, testing lanes for zero. Written only against the primitive layer.
#pragma once

#include "samd/layout.hpp"
#include "samd/word.hpp"

namespace samd {

// A *lane mask* is a canonical word whose lanes are each all-ones (true) or all-zeros (false).

// spread_high: pre: m has bits only at lane-high positions (bit b-1 of each lane).
// post: lane i = all ones if bit b-1 of m's lane i is set, else 0; guard bits 0.
// Each lane computes m_i | (m_i - m_i >> (b-1)); the subtraction never borrows across lanes.
template <class W> constexpr W spread_high(const Layout &L, const W &m) {
  return or_(m, sub(m, shr(m, L.bits - 1)));
}

// spread_low: pre: m has bits only at lane-low positions (bit 0 of each lane).
// post: lane i = all ones if bit 0 of m's lane i is set, else 0; guard bits 0.
// (m << b) - m: correct modulo 2^64 even when the top lane's m << b leaves the word.
template <class W> constexpr W spread_low(const Layout &L, const W &m) {
  return sub(shl(m, L.bits), m);
}

// sign_mask: pre: x canonical. post: lane mask of the lanes whose bit b-1 is set.
template <class W> constexpr W sign_mask(const Layout &L, const W &x) {
  return spread_high(L, and_c(x, L.high_mask()));
}

// nonzero_high: pre: d canonical. post: bit b-1 of lane i set iff lane i of d != 0; all other bits
// 0. The low b-1 bits plus 2^(b-1) - 1 carry into bit b-1 iff they are nonzero, and stay below 2^b.
template <class W> constexpr W nonzero_high(const Layout &L, const W &d) {
  const std::uint64_t H = L.high_mask();
  const std::uint64_t rest = L.value_mask() & ~H;
  return and_c(or_(add(and_c(d, rest), constant(d, rest)), d), H);
}

// lane_bits_of: pre: i < lanes. post: lane i's b value bits, at bit 0; all other bits 0.
template <class W> constexpr W lane_bits_of(const Layout &L, const W &x, unsigned i) {
  return and_c(shr(x, i * L.field()), L.lane_bits());
}

// extend_lane: pre: v holds a b-bit lane pattern at bit 0, other bits 0.
// post: v as a 64-bit two's complement integer (sign-extended if L is signed, else zero-extended).
template <class W> constexpr W extend_lane(const Layout &L, const W &v) {
  if (!L.is_signed())
    return v;
  const std::uint64_t h = std::uint64_t{1} << (L.bits - 1);
  return sub(xor_c(v, h), constant(v, h));
}

} // namespace samd
