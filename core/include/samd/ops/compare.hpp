// Comparisons to lane masks (all-ones lane = true, zero lane = false; guard bits 0).
// lt / le / gt / ge compare as signed or unsigned according to L.
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include "samd/layout.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/word.hpp"

namespace samd {

// cmp_eq: pre: x, y canonical. post: lane mask of x_i == y_i.
template <class W> constexpr W cmp_eq(const Layout &L, const W &x, const W &y) {
  return spread_high(L, xor_c(nonzero_high(L, xor_(x, y)), L.high_mask()));
}

// cmp_ne: pre: x, y canonical. post: lane mask of x_i != y_i.
template <class W> constexpr W cmp_ne(const Layout &L, const W &x, const W &y) {
  return spread_high(L, nonzero_high(L, xor_(x, y)));
}

// cmp_lt: pre: x, y canonical. post: lane mask of x_i < y_i (signed or unsigned per L).
// Unsigned: the borrow of x - y. Signed: flipping bit b-1 maps signed order onto unsigned order.
template <class W> constexpr W cmp_lt(const Layout &L, const W &x, const W &y) {
  if (!L.is_signed())
    return sub_borrow(L, x, y).flags;
  const std::uint64_t H = L.high_mask();
  return sub_borrow(L.as_unsigned(), xor_c(x, H), xor_c(y, H)).flags;
}

// cmp_gt: pre: x, y canonical. post: lane mask of x_i > y_i.
template <class W> constexpr W cmp_gt(const Layout &L, const W &x, const W &y) {
  return cmp_lt(L, y, x);
}

// cmp_le: pre: x, y canonical. post: lane mask of x_i <= y_i.
template <class W> constexpr W cmp_le(const Layout &L, const W &x, const W &y) {
  return xor_c(cmp_lt(L, y, x), L.value_mask());
}

// cmp_ge: pre: x, y canonical. post: lane mask of x_i >= y_i.
template <class W> constexpr W cmp_ge(const Layout &L, const W &x, const W &y) {
  return cmp_le(L, y, x);
}

} // namespace samd
