// Horizontal reductions: the sum of a word's lanes and the dot product of two words.
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include "samd/layout.hpp"
#include "samd/ops/mul.hpp"
#include "samd/word.hpp"

namespace samd {

// hsum: pre: x canonical. post: the word = sum of all lanes x_i (signed or unsigned per L) as a
// 64-bit two's complement integer, exactly (|sum| < 64 * 2^32, far inside 64 bits).
// Pairwise tree: fields double each step and always have room for the sum of two halves.
// Signed lanes are first biased to unsigned (x_i + 2^(b-1) = x_i ^ H) and unbiased at the end.
template <class W> constexpr W hsum(const Layout &L, const W &x) {
  W u = L.is_signed() ? xor_c(x, L.high_mask()) : x;
  for (unsigned w = L.field(); w < kWordBits; w *= 2) {
    std::uint64_t pairs = 0; // the low w bits of every 2w-bit block
    for (unsigned pos = 0; pos < kWordBits; pos += 2 * w)
      pairs |= detail::low_bits(w) << pos;
    u = add(and_c(u, pairs), and_c(shr(u, w), pairs));
  }
  if (!L.is_signed())
    return u;
  return sub(u, constant(u, std::uint64_t{L.lanes()} << (L.bits - 1)));
}

// dot: pre: bits <= 16; x, y canonical. post: the word = sum_i x_i * y_i as a 64-bit two's
// complement integer, exactly.
template <class W> constexpr W dot(const Layout &L, const W &x, const W &y) {
  const Layout P = widening_layout(L);
  W total = zero(x);
  for (const W &p : mul_widen(L, P, x, y))
    total = add(total, hsum(P, p));
  return total;
}

} // namespace samd
