// Multiplication: lane-wise low half, by a scalar, and widening (b -> 2b).
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include <vector>

#include "samd/layout.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/convert.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/ops/shift.hpp"
#include "samd/word.hpp"

namespace samd {

namespace detail {
// mul_low_shift_add: pre: x, y canonical in L (any bits <= 32); only the low `ybits` bits of each
// y lane may be nonzero. post: lane i = (x_i * y_i) mod 2^b; canonical.
// Shift-and-add over the bits of y: all lanes at once, one partial product per bit.
template <class W>
constexpr W mul_low_shift_add(const Layout &L, const W &x, const W &y, unsigned ybits) {
  W acc = zero(x);
  for (unsigned j = 0; j < ybits && j < L.bits; ++j) {
    const W take = spread_low(L, and_c(shr(y, j), L.lane_low_mask())); // lanes whose y bit j is 1
    acc = add_wrap(L, acc, and_(shift_left(L, x, j), take));
  }
  return acc;
}
} // namespace detail

// mul_wrap: pre: bits <= 16; x, y canonical. post: lane i = (x_i * y_i) mod 2^b (the low half;
// the same bits for signed and unsigned lanes); canonical.
template <class W> constexpr W mul_wrap(const Layout &L, const W &x, const W &y) {
  require_mul_bits(L, "mul_wrap");
  return detail::mul_low_shift_add(L, x, y, L.bits);
}

// mul_scalar: pre: bits <= 16; x canonical; k's low b bits hold the scalar (higher bits ignored).
// post: lane i = (x_i * k) mod 2^b; canonical.
// With guard >= bits, each lane product fits its field, so one word multiply forms all of them.
template <class W> constexpr W mul_scalar(const Layout &L, const W &x, const W &k) {
  require_mul_bits(L, "mul_scalar");
  const W kb = and_c(k, L.lane_bits());
  if (L.guard >= L.bits)
    return and_c(mul(x, kb), L.value_mask());
  return detail::mul_low_shift_add(L, x, broadcast(L, kb), L.bits);
}

// widening_layout: the layout of mul_widen's products for source L and `guard` spacer bits.
constexpr Layout widening_layout(const Layout &L, unsigned guard = 0) {
  return {2 * L.bits, guard, L.sign};
}

// mul_widen: pre: bits <= 16; to = {2b, any guard, same signedness}; x, y canonical in L.
// post: lanes in the sequence order of convert(): product lane j = x_j * y_j exactly, as a 2b-bit
// value (two's complement when signed); the lanes of the last word past the last product are 0;
// output canonical in `to`.
template <class W>
std::vector<W> mul_widen(const Layout &L, const Layout &to, const W &x, const W &y) {
  require_mul_bits(L, "mul_widen");
  validate(to);
  if (to.bits != 2 * L.bits || to.sign != L.sign)
    throw std::invalid_argument("samd: mul_widen: destination " + to_string(to) + " must be " +
                                to_string(widening_layout(L, to.guard)));
  const std::vector<W> xs = convert(L, to, std::vector<W>{x}, Overflow::Wrap);
  const std::vector<W> ys = convert(L, to, std::vector<W>{y}, Overflow::Wrap);
  std::vector<W> out;
  out.reserve(xs.size());
  // Unsigned y lanes have b significant bits; sign-extended ones need all 2b.
  const unsigned ybits = L.is_signed() ? to.bits : L.bits;
  for (std::size_t i = 0; i < xs.size(); ++i)
    out.push_back(detail::mul_low_shift_add(to, xs[i], ys[i], ybits));
  return out;
}

} // namespace samd
