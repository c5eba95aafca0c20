// Static layouts: the layout is a template parameter, so an invalid layout, or an op whose
// requirement the layout does not meet, is a compile-time error instead of an exception.
//
//   using U4 = samd::Lanes<samd::Layout{4, 0, samd::Signedness::Unsigned}>;
//   std::uint64_t s = U4::add_sat(x, y);
//
// Every member forwards to the same op template the runtime layouts use.
#pragma once

#include <cstdint>
#include <vector>

#include "samd/layout.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/compare.hpp"
#include "samd/ops/convert.hpp"
#include "samd/ops/logic.hpp"
#include "samd/ops/minmax.hpp"
#include "samd/ops/mul.hpp"
#include "samd/ops/reduce.hpp"
#include "samd/ops/shift.hpp"

namespace samd {

template <Layout L> struct Lanes {
  static_assert(L.bits >= 1, "samd: static layout: bits = 0; lane width must be at least 1");
  static_assert(L.bits <= kMaxBits, "samd: static layout: bits exceeds the limit of 32");
  static_assert(fits_word(L.bits, L.guard),
                "samd: static layout: bits + guard exceeds the 64-bit word");

  using word = std::uint64_t;
  static constexpr Layout layout = L;
  static constexpr unsigned lanes = L.lanes();

  static constexpr word add_wrap(word x, word y) { return samd::add_wrap(L, x, y); }
  static constexpr word sub_wrap(word x, word y) { return samd::sub_wrap(L, x, y); }
  static constexpr word neg_wrap(word x) { return samd::neg_wrap(L, x); }
  static constexpr word add_sat(word x, word y) { return samd::add_sat(L, x, y); }
  static constexpr word sub_sat(word x, word y) { return samd::sub_sat(L, x, y); }
  static constexpr Flagged<word> add_carry(word x, word y) { return samd::add_carry(L, x, y); }
  static constexpr Flagged<word> add_overflow(word x, word y) {
    return samd::add_overflow(L, x, y);
  }
  static constexpr Flagged<word> sub_borrow(word x, word y) { return samd::sub_borrow(L, x, y); }
  static constexpr Flagged<word> sub_overflow(word x, word y) {
    return samd::sub_overflow(L, x, y);
  }
  static constexpr word add_exact(word x, word y) {
    static_assert(L.guard >= 1, "samd: add_exact needs at least one guard bit");
    return samd::add_exact(L, x, y);
  }
  static constexpr word carry_flags(word s) { return samd::carry_flags(L, s); }

  static constexpr word mul_wrap(word x, word y) {
    static_assert(L.bits <= kMaxMulBits,
                  "samd: mul_wrap: bits exceeds the multiplication limit of 16");
    return samd::mul_wrap(L, x, y);
  }
  static constexpr word mul_scalar(word x, word k) {
    static_assert(L.bits <= kMaxMulBits,
                  "samd: mul_scalar: bits exceeds the multiplication limit of 16");
    return samd::mul_scalar(L, x, k);
  }
  template <unsigned Guard = 0> static std::vector<word> mul_widen(word x, word y) {
    static_assert(L.bits <= kMaxMulBits,
                  "samd: mul_widen: bits exceeds the multiplication limit of 16");
    static_assert(2 * L.bits + Guard <= kWordBits,
                  "samd: mul_widen: destination field exceeds 64 bits");
    return samd::mul_widen(L, widening_layout(L, Guard), x, y);
  }

  static constexpr word shift_left(word x, unsigned k) { return samd::shift_left(L, x, k); }
  static constexpr word shift_right_logical(word x, unsigned k) {
    return samd::shift_right_logical(L, x, k);
  }
  static constexpr word shift_right_arithmetic(word x, unsigned k) {
    return samd::shift_right_arithmetic(L, x, k);
  }
  static constexpr word shift_right(word x, unsigned k) { return samd::shift_right(L, x, k); }

  static constexpr word bit_and(word x, word y) { return samd::bit_and(L, x, y); }
  static constexpr word bit_or(word x, word y) { return samd::bit_or(L, x, y); }
  static constexpr word bit_xor(word x, word y) { return samd::bit_xor(L, x, y); }
  static constexpr word bit_andnot(word x, word y) { return samd::bit_andnot(L, x, y); }
  static constexpr word bit_not(word x) { return samd::bit_not(L, x); }

  static constexpr word cmp_eq(word x, word y) { return samd::cmp_eq(L, x, y); }
  static constexpr word cmp_ne(word x, word y) { return samd::cmp_ne(L, x, y); }
  static constexpr word cmp_lt(word x, word y) { return samd::cmp_lt(L, x, y); }
  static constexpr word cmp_le(word x, word y) { return samd::cmp_le(L, x, y); }
  static constexpr word cmp_gt(word x, word y) { return samd::cmp_gt(L, x, y); }
  static constexpr word cmp_ge(word x, word y) { return samd::cmp_ge(L, x, y); }

  static constexpr word select(word m, word a, word b) { return samd::select(L, m, a, b); }
  static constexpr word min(word x, word y) { return samd::min_lanes(L, x, y); }
  static constexpr word max(word x, word y) { return samd::max_lanes(L, x, y); }
  static constexpr word abs(word x) { return samd::abs_lanes(L, x); }
  static constexpr word abs_sat(word x) { return samd::abs_sat(L, x); }

  static constexpr word broadcast(word v) { return samd::broadcast(L, v); }
  static constexpr word hsum(word x) { return samd::hsum(L, x); }
  static constexpr word dot(word x, word y) {
    static_assert(L.bits <= kMaxMulBits, "samd: dot: bits exceeds the multiplication limit of 16");
    return samd::dot(L, x, y);
  }
  template <Layout To>
  static std::vector<word> convert(const std::vector<word> &src, Overflow policy) {
    static_assert(To.bits >= 1 && To.bits <= kMaxBits && fits_word(To.bits, To.guard),
                  "samd: convert: invalid target");
    return samd::convert(L, To, src, policy);
  }
};

} // namespace samd
