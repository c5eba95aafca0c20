// The primitive layer: the only operations SWAR code in samd may use on a word.
//
// Every op in samd/ops is a template over the word type W and calls nothing but these free
// functions (gemmlowp fixedpoint style). word_traits<W> supplies them: uint64_t here (execution);
// the proofs supply z3::expr (64-bit bit-vectors), the SIMD paths supply vector types. Because the
// free functions forward to a class template, a specialization declared later is still found at
// instantiation time, whatever the include order.
//
// Semantics every specialization must implement, on 64-bit two's-complement words:
//   and_, or_, xor_, not_     bitwise
//   add, sub, mul             modulo 2^64
//   shl(x, k), shr(x, k)      logical shifts by a constant 0 <= k < 64
//   constant(like, c)         the word c, in the same "world" as `like` (e.g. the same Z3 context)
#pragma once

#include <cstdint>

namespace samd {

template <class W> struct word_traits; // specialize for each word type

template <> struct word_traits<std::uint64_t> {
  using W = std::uint64_t;
  static constexpr W and_(W a, W b) { return a & b; }
  static constexpr W or_(W a, W b) { return a | b; }
  static constexpr W xor_(W a, W b) { return a ^ b; }
  static constexpr W not_(W a) { return ~a; }
  static constexpr W add(W a, W b) { return a + b; }
  static constexpr W sub(W a, W b) { return a - b; }
  static constexpr W mul(W a, W b) { return a * b; }
  static constexpr W shl(W a, unsigned k) { return a << k; }
  static constexpr W shr(W a, unsigned k) { return a >> k; }
  static constexpr W constant(W, std::uint64_t c) { return c; }
};

template <class W> constexpr W and_(const W &a, const W &b) { return word_traits<W>::and_(a, b); }
template <class W> constexpr W or_(const W &a, const W &b) { return word_traits<W>::or_(a, b); }
template <class W> constexpr W xor_(const W &a, const W &b) { return word_traits<W>::xor_(a, b); }
template <class W> constexpr W not_(const W &a) { return word_traits<W>::not_(a); }
template <class W> constexpr W add(const W &a, const W &b) { return word_traits<W>::add(a, b); }
template <class W> constexpr W sub(const W &a, const W &b) { return word_traits<W>::sub(a, b); }
template <class W> constexpr W mul(const W &a, const W &b) { return word_traits<W>::mul(a, b); }
// pre: k < 64 (callers never shift by a layout-derived 64)
template <class W> constexpr W shl(const W &a, unsigned k) { return word_traits<W>::shl(a, k); }
template <class W> constexpr W shr(const W &a, unsigned k) { return word_traits<W>::shr(a, k); }
template <class W> constexpr W constant(const W &like, std::uint64_t c) {
  return word_traits<W>::constant(like, c);
}

// Derived helpers, still only in terms of the primitives above.
template <class W> constexpr W and_not(const W &a, const W &b) {
  return and_(a, not_(b));
} // a & ~b
template <class W> constexpr W and_c(const W &a, std::uint64_t m) {
  return and_(a, constant(a, m));
}
template <class W> constexpr W or_c(const W &a, std::uint64_t m) { return or_(a, constant(a, m)); }
template <class W> constexpr W xor_c(const W &a, std::uint64_t m) {
  return xor_(a, constant(a, m));
}
template <class W> constexpr W zero(const W &like) { return constant(like, 0); }
// m ? a : b, bit by bit
template <class W> constexpr W blend(const W &m, const W &a, const W &b) {
  return or_(and_(m, a), and_not(b, m));
}

} // namespace samd
