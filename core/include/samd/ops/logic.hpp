// Bitwise ops, lane-wise. They act on value bits only and keep guard bits 0.
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include "samd/layout.hpp"
#include "samd/word.hpp"

namespace samd {

// bit_and / bit_or / bit_xor: pre: x, y canonical. post: lane i = x_i op y_i; canonical.
template <class W> constexpr W bit_and(const Layout &, const W &x, const W &y) {
  return and_(x, y);
}
template <class W> constexpr W bit_or(const Layout &, const W &x, const W &y) { return or_(x, y); }
template <class W> constexpr W bit_xor(const Layout &, const W &x, const W &y) {
  return xor_(x, y);
}
// bit_andnot: pre: x, y canonical. post: lane i = x_i & ~y_i; canonical.
template <class W> constexpr W bit_andnot(const Layout &, const W &x, const W &y) {
  return and_not(x, y);
}
// bit_not: pre: x canonical. post: lane i = ~x_i (b bits); canonical.
template <class W> constexpr W bit_not(const Layout &L, const W &x) {
  return xor_c(x, L.value_mask());
}

} // namespace samd
