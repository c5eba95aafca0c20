// select, min, max, abs.
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include "samd/layout.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/compare.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/word.hpp"

namespace samd {

// select: pre: a, b canonical; m any word (normally a lane mask).
// post: every value bit is a's where m has a 1, else b's; canonical.
template <class W> constexpr W select(const Layout &L, const W &m, const W &a, const W &b) {
  return and_c(blend(m, a, b), L.value_mask());
}

// min_lanes: pre: x, y canonical. post: lane i = min(x_i, y_i) (signed or unsigned per L).
template <class W> constexpr W min_lanes(const Layout &L, const W &x, const W &y) {
  return select(L, cmp_lt(L, x, y), x, y);
}

// max_lanes: pre: x, y canonical. post: lane i = max(x_i, y_i) (signed or unsigned per L).
template <class W> constexpr W max_lanes(const Layout &L, const W &x, const W &y) {
  return select(L, cmp_lt(L, x, y), y, x);
}

// abs_lanes: pre: x canonical. post: lane i holds |x_i| as an *unsigned* b-bit value, exactly
// (|-2^(b-1)| = 2^(b-1) fits); read back in the signed layout, the minimum stays the minimum.
// Unsigned layouts: identity.
template <class W> constexpr W abs_lanes(const Layout &L, const W &x) {
  if (!L.is_signed())
    return x;
  return blend(sign_mask(L, x), neg_wrap(L, x), x);
}

// abs_sat: pre: x canonical. post: lane i = min(|x_i|, max) as a signed value (the minimum maps
// to the maximum). Unsigned layouts: identity.
template <class W> constexpr W abs_sat(const Layout &L, const W &x) {
  if (!L.is_signed())
    return x;
  return sub_sat(L, xor_(x, sign_mask(L, x)), sign_mask(L, x)); // |x| = (x ^ s) - s, saturated
}

} // namespace samd
