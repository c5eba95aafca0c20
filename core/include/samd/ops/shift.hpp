// Lane-wise shifts by a constant amount k (any k >= 0; k >= b shifts every bit out).
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include "samd/layout.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/word.hpp"

namespace samd {

// shift_left: pre: x canonical. post: lane i = (x_i << k) mod 2^b; canonical.
// Bits that would leave the lane are cleared first so they cannot reach the next lane.
template <class W> constexpr W shift_left(const Layout &L, const W &x, unsigned k) {
  if (k >= L.bits)
    return zero(x);
  return shl(and_c(x, L.repeat(detail::low_bits(L.bits - k))), k);
}

// shift_right_logical: pre: x canonical. post: lane i = x_i >> k with zeros shifted in
// (the b-bit pattern read as unsigned); canonical.
template <class W> constexpr W shift_right_logical(const Layout &L, const W &x, unsigned k) {
  if (k >= L.bits)
    return zero(x);
  return shr(and_c(x, L.repeat(detail::low_bits(L.bits) & ~detail::low_bits(k))), k);
}

// shift_right_arithmetic: pre: x canonical. post: lane i = floor(x_i / 2^k) with x_i read as
// signed (copies of bit b-1 shifted in); canonical.
template <class W> constexpr W shift_right_arithmetic(const Layout &L, const W &x, unsigned k) {
  const W sign = sign_mask(L, x);
  if (k >= L.bits)
    return sign;
  const std::uint64_t top_k = L.repeat(detail::low_bits(L.bits) & ~detail::low_bits(L.bits - k));
  return or_(shift_right_logical(L, x, k), and_c(sign, top_k));
}

// shift_right: arithmetic for signed layouts, logical for unsigned ones.
template <class W> constexpr W shift_right(const Layout &L, const W &x, unsigned k) {
  return L.is_signed() ? shift_right_arithmetic(L, x, k) : shift_right_logical(L, x, k);
}

} // namespace samd
