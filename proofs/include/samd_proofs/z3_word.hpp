// word_traits<z3::expr>: the primitive layer on 64-bit Z3 bit-vector terms, so every core op
// template instantiates symbolically and the proofs are about the code that executes.
//
// Every primitive calls the Z3 C API for exactly the bit-vector operation the word.hpp contract
// names. No raw z3++ operators on mixed operands: `x >> 3` converts through operator bool,
// `x & u64` truncates the constant, and `<`, `/`, `%` are the signed BV ops.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "samd/word.hpp"

namespace samd {

template <> struct word_traits<z3::expr> {
  using W = z3::expr;
  static constexpr unsigned kBits = 64;

  static W wrap(const W &like, Z3_ast a) { return z3::to_expr(like.ctx(), a); }
  static W and_(const W &a, const W &b) { return wrap(a, Z3_mk_bvand(a.ctx(), a, b)); }
  static W or_(const W &a, const W &b) { return wrap(a, Z3_mk_bvor(a.ctx(), a, b)); }
  static W xor_(const W &a, const W &b) { return wrap(a, Z3_mk_bvxor(a.ctx(), a, b)); }
  static W not_(const W &a) { return wrap(a, Z3_mk_bvnot(a.ctx(), a)); }
  static W add(const W &a, const W &b) { return wrap(a, Z3_mk_bvadd(a.ctx(), a, b)); }
  static W sub(const W &a, const W &b) { return wrap(a, Z3_mk_bvsub(a.ctx(), a, b)); }
  // a * b mod 2^64 as its definition, the sum over j of [bit j of b] * (a << j). Z3's bvmul
  // bit-blasts to a different multiplier circuit, which SAT cannot match against a lane's
  // schoolbook product beyond ~10 bits; this one matches it structurally, and the bits of b that
  // are constant 0 (a narrow scalar) drop out. It is a model of `*`, so spec_checks.cpp proves it
  // equal to bvmul for every multiplier of <= 4 bits (wider ones do not finish) and for broadcast's
  // constant multiplier at every layout.
  static W mul(const W &a, const W &b) {
    z3::context &c = a.ctx();
    W sum = c.bv_val(0, kBits);
    for (unsigned j = 0; j < kBits; ++j) {
      const W bit = wrap(a, Z3_mk_extract(c, j, j, b)).simplify();
      if (bit.is_numeral() && bit.get_numeral_uint64() == 0)
        continue;
      sum = add(sum, wrap(a, Z3_mk_ite(c, bit == c.bv_val(1, 1), shl(a, j), constant(a, 0))));
    }
    return sum;
  }
  // k >= 64 is undefined behaviour on uint64_t but 0 on a bit-vector: a proof of an op that shifts
  // that far would say nothing about the executed code, so building its obligation throws (and
  // the obligation fails: see prove()).
  static W shl(const W &a, unsigned k) {
    return wrap(a, Z3_mk_bvshl(a.ctx(), a, constant(a, checked_amount(k))));
  }
  static W shr(const W &a, unsigned k) {
    return wrap(a, Z3_mk_bvlshr(a.ctx(), a, constant(a, checked_amount(k))));
  }
  static unsigned checked_amount(unsigned k) {
    if (k >= kBits)
      throw std::logic_error("word_traits<z3::expr>: shift by " + std::to_string(k) +
                             " >= 64 (undefined on uint64_t)");
    return k;
  }
  static W constant(const W &like, std::uint64_t c) { return like.ctx().bv_val(c, kBits); }
};

} // namespace samd
