// The checks: for one layout (and case), build the obligation of an op given its implementation.
// Registration passes the core op; the mutant suite passes broken variants to the very same checks.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common.hpp"
#include "samd/kernels/exact_sums.hpp"
#include "samd/kernels/fast_bounds.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/convert.hpp"
#include "samd_proofs/spec.hpp"

// The kernels' bound and epilogue templates (exact_sums.hpp, conv_bounds.hpp) on Z3 terms
// (bit-vectors, or integers): the constants in the argument's sort, the choice as ite.
template <> struct samd::kernels::bound_traits<z3::expr> {
  static z3::expr constant(const z3::expr &like, std::int64_t v) {
    if (like.is_int()) // the bounds are also proven over the integers (exact, no width)
      return like.ctx().int_val(v);
    return samd::proofs::spec::constant(like.ctx(), v, like.get_sort().bv_size());
  }
  static z3::expr select(const z3::expr &c, const z3::expr &a, const z3::expr &b) {
    return z3::ite(c, a, b);
  }
};

// The LUT table builder (fast_bounds.hpp lut_entry) on Z3 bit-vectors: a field is an extract,
// zero-extended back to the word's width.
template <> struct samd::kernels::lut_traits<z3::expr> {
  static z3::expr field(const z3::expr &x, unsigned lo, unsigned bits) {
    const unsigned w = x.get_sort().bv_size();
    return z3::zext(x.extract(lo + bits - 1, lo), w - bits);
  }
};

namespace samd::proofs {

using FlaggedBinary = std::function<Flagged<W>(const Layout &, const W &, const W &)>;
using Shift = std::function<W(const Layout &, const W &, unsigned)>;
using Select = std::function<W(const Layout &, const W &, const W &, const W &)>;
using LaneBitsOf = std::function<W(const Layout &, const W &, unsigned)>;
using Convert =
    std::function<std::vector<W>(const Layout &, const Layout &, const std::vector<W> &, Overflow)>;
using Widen = std::function<std::vector<W>(const Layout &, const Layout &, const std::vector<W> &)>;
using Relayout =
    std::function<W(const Layout &, const Layout &, const W &)>; // out_of_range_mask, saturate_to
using MulWiden =
    std::function<std::vector<W>(const Layout &, const Layout &, const W &, const W &)>;
using DotStep = std::function<std::vector<W>(const Layout &, unsigned, const std::vector<W> &,
                                             const W &, const W &)>;
using Capacity = std::function<std::uint64_t(const Layout &)>;
using DotCapacity = std::function<std::uint64_t(const Layout &, unsigned)>;
using GemmStep = std::function<W(const W &acc, const W &u, const W &a)>;
using GemmCapacity = std::function<std::uint64_t(unsigned ab, unsigned wb, unsigned guard)>;
using MaddubsExact = std::function<bool(unsigned ab, unsigned wb)>;
using MaddubsSteps = std::function<std::int64_t(unsigned ab, unsigned wb)>;
// A LUT table builder (lut_entry / lut64_entry: ab, wb, index a, weight index, in the sort of a).
using LutEntry =
    std::function<z3::expr(unsigned ab, unsigned wb, const z3::expr &a, const z3::expr &w)>;
// The exact-sum templates (exact_sums.hpp, conv_bounds.hpp), as the checks take them.
using Expr = z3::expr;
using EpilogueFixed = std::function<Expr(const Expr &K, const Expr &da, const Expr &dz,
                                         const Expr &colsum, const Expr &bias)>;
using EpilogueSum = std::function<Expr(const Expr &D, const Expr &R, const Expr &scale,
                                       const Expr &dz, const Expr &fixed)>;
using TwoLevelDz = std::function<Expr(const Expr &d, const Expr &dz, const Expr &v0mz)>;
using TwoLevelFixed = std::function<Expr(const Expr &d, const Expr &fixed, const Expr &v0mz,
                                         const Expr &K, const Expr &da, const Expr &bias2)>;
using SmallFixed = std::function<Expr(const Expr &da, const Expr &sum_e, const Expr &bias)>;
using SmallSum =
    std::function<Expr(const Expr &D, const Expr &R, const Expr &c, const Expr &fixed)>;
using MaxK = std::function<Expr(const Expr &ma, const Expr &mw, const Expr &mb)>;
using Int32Bound =
    std::function<Expr(const Expr &K, const Expr &max_ua, const Expr &max_v, const Expr &max_dz,
                       const Expr &max_rowsum, const Expr &max_fixed)>;
using SmallExact =
    std::function<Expr(const Expr &amax, const Expr &sum_abs_e, const Expr &abs_bias)>;
using ByteOffset = std::function<Expr(const Expr &lo, const Expr &hi)>;
struct EpilogueTerms {
  EpilogueFixed fixed;
  EpilogueSum sum;
  TwoLevelDz two_dz;
  TwoLevelFixed two_fixed;
};
// The kernels' own templates.
EpilogueTerms kernel_epilogue_terms();

// lane_masks.hpp
void check_spread_high(Query &q, const Layout &L, const Unary &op);
void check_spread_low(Query &q, const Layout &L, const Unary &op);
void check_sign_mask(Query &q, const Layout &L, const Unary &op);
void check_nonzero_high(Query &q, const Layout &L, const Unary &op);
void check_lane_bits_of(Query &q, const Layout &L, const LaneBitsOf &op);
void check_extend_lane(Query &q, const Layout &L, const Unary &op);

// logic.hpp
void check_bit_and(Query &q, const Layout &L, const Binary &op);
void check_bit_or(Query &q, const Layout &L, const Binary &op);
void check_bit_xor(Query &q, const Layout &L, const Binary &op);
void check_bit_andnot(Query &q, const Layout &L, const Binary &op);
void check_bit_not(Query &q, const Layout &L, const Unary &op);

// add.hpp
void check_add_wrap(Query &q, const Layout &L, const Binary &op);
void check_sub_wrap(Query &q, const Layout &L, const Binary &op);
void check_neg_wrap(Query &q, const Layout &L, const Unary &op);
void check_add_carry(Query &q, const Layout &L, const FlaggedBinary &op);
void check_add_overflow(Query &q, const Layout &L, const FlaggedBinary &op);
void check_sub_borrow(Query &q, const Layout &L, const FlaggedBinary &op);
void check_sub_overflow(Query &q, const Layout &L, const FlaggedBinary &op);
void check_signed_limit_toward(Query &q, const Layout &L, const Unary &op);
void check_add_sat(Query &q, const Layout &L, const Binary &op);
void check_sub_sat(Query &q, const Layout &L, const Binary &op);
void check_add_exact(Query &q, const Layout &L, const Binary &op, bool canonical_inputs);
void check_carry_flags(Query &q, const Layout &L, const Unary &op);

// shift.hpp
void check_shift_left(Query &q, const Layout &L, unsigned k, const Shift &op);
void check_shift_right_logical(Query &q, const Layout &L, unsigned k, const Shift &op);
void check_shift_right_arithmetic(Query &q, const Layout &L, unsigned k, const Shift &op);
void check_shift_right(Query &q, const Layout &L, unsigned k, const Shift &op);

// compare.hpp
void check_cmp_eq(Query &q, const Layout &L, const Binary &op);
void check_cmp_ne(Query &q, const Layout &L, const Binary &op);
void check_cmp_lt(Query &q, const Layout &L, const Binary &op);
void check_cmp_le(Query &q, const Layout &L, const Binary &op);
void check_cmp_gt(Query &q, const Layout &L, const Binary &op);
void check_cmp_ge(Query &q, const Layout &L, const Binary &op);

// minmax.hpp
void check_select(Query &q, const Layout &L, const Select &op);
void check_min_lanes(Query &q, const Layout &L, const Binary &op);
void check_max_lanes(Query &q, const Layout &L, const Binary &op);
void check_abs_lanes(Query &q, const Layout &L, const Unary &op);
void check_abs_sat(Query &q, const Layout &L, const Unary &op);

// mul.hpp
// The key of the mul_widen obligation L -> to, which the dot and accumulator obligations assume.
std::string mul_widen_key(const Layout &L, const Layout &to);
// The range of a spec product p (2b bits) of two b-bit lanes: 0 <= p <= (2^b - 1)^2 unsigned,
// -2^(b-1) (2^(b-1) - 1) <= p <= 2^(2b-2) signed. The statement of the `spec_product_range`
// obligations (proven over the schoolbook product of two free lanes), which others assume for
// their lanes' products (so they can treat a product as a free value in that range).
z3::expr product_range(const z3::expr &p, unsigned bits, bool is_signed);
std::string product_range_key(unsigned bits, bool is_signed);
// Its parts: the bounds, and the statement lo <= p <= hi with p extended to w bits and the bounds
// as signed w-bit constants (product_range: 2b + 2 bits).
struct ProductBounds {
  std::int64_t lo, hi;
};
ProductBounds product_bounds(unsigned bits, bool is_signed);
z3::expr product_within(const z3::expr &p, bool is_signed, ProductBounds r, unsigned w);
// The product words of mul_widen(L, to, x, y) as the mul_widen obligation proves them: lane j
// holds x_j * y_j (2b bits), guard and padding bits 0; lanes past the last product are 0 (as
// proven) when tail_zero, else fresh variables (a claim for any tail, so a weaker assumption).
std::vector<W> product_words(Query &q, const Layout &L, const Layout &to, const LaneWord &x,
                             const LaneWord &y, bool tail_zero);
void check_mul_wrap(Query &q, const Layout &L, const Binary &op);
void check_mul_scalar(Query &q, const Layout &L, const Binary &op);
void check_mul_widen(Query &q, const Layout &L, const Layout &to, const MulWiden &op);

// convert.hpp
void check_broadcast(Query &q, const Layout &L, const Unary &op);
void check_out_of_range_mask(Query &q, const Layout &src, const Layout &dst, const Relayout &op);
void check_saturate_to(Query &q, const Layout &src, const Layout &dst, const Relayout &op);
// convert on `words` input words (2, or kConvertLongWords).
constexpr unsigned kConvertLongWords = 3;
void check_convert(Query &q, const Layout &from, const Layout &to, Overflow policy,
                   const Convert &op, unsigned words = 2);
void check_widen(Query &q, const Layout &from, const Layout &to, const Widen &op);

// reduce.hpp
void check_hsum(Query &q, const Layout &L, const Unary &op);
void check_dot(Query &q, const Layout &L, const Binary &op);

// accumulator.hpp
void check_sum_step(Query &q, const Layout &L, const Binary &op);
void check_sum_capacity(Query &q, const Layout &L, const Capacity &capacity, const Binary &step);
void check_dot_step(Query &q, const Layout &L, unsigned acc_guard, const DotStep &op);
void check_dot_capacity(Query &q, const Layout &L, unsigned acc_guard, const DotCapacity &capacity,
                        const DotStep &step);

// spec_checks.cpp: the specification's product (spec::product) against bvmul, at w bits, and the
// range lemma (`range`: product_range) over it.
using Product =
    std::function<z3::expr(const z3::expr &x, const z3::expr &y, bool is_signed, unsigned w)>;
using ProductRange = std::function<z3::expr(const z3::expr &p, unsigned bits, bool is_signed)>;
void check_product(Query &q, unsigned bits, bool is_signed, unsigned w, const Product &product);
void check_product_range(Query &q, unsigned bits, bool is_signed, const ProductRange &range);
// The proofs' model of the hardware multiply (`mul`: word_traits<z3::expr>::mul) against bvmul:
// for a free 64-bit a and every multiplier of `bits` bits (word_mul), and times broadcast's
// constant lane_low_mask() at every guard of a b-bit layout (broadcast_mul).
using WordMul = std::function<W(const W &a, const W &b)>;
void check_word_mul(Query &q, unsigned bits, const WordMul &mul);
void check_broadcast_mul(Query &q, unsigned bits, const WordMul &mul);

// kernels (swar_schedule.hpp, fast_bounds.hpp)
void check_gemm_step(Query &q, unsigned ab, unsigned wb, unsigned guard, const GemmStep &op,
                     const GemmCapacity &capacity);
void check_gemm_capacity(Query &q, unsigned ab, unsigned wb, const GemmCapacity &capacity);
void check_dot8_int32(Query &q, unsigned ab, unsigned wb, std::int64_t flush_slots,
                      std::int64_t per_slot);
void check_maddubs(Query &q, unsigned ab, unsigned wb, const MaddubsExact &exact);
void check_bitserial_int64(Query &q, std::int64_t pairs_per_shift);
void check_small_conv_int32(Query &q, std::int64_t max_steps);
void check_maddubs_i16(Query &q, unsigned ab, unsigned wb, const MaddubsSteps &steps);
void check_neon_cnt_u8(Query &q, std::int64_t vectors);
void check_lut_entry(Query &q, unsigned g, unsigned ab, unsigned wb, const LutEntry &entry,
                     std::int64_t max_entry);
void check_lut_u8(Query &q, std::int64_t steps, std::int64_t max_entry);
void check_lut_fields(Query &q, std::int64_t steps, std::int64_t max_entry,
                      std::uint64_t high_mask);
void check_lut_u16(Query &q, std::int64_t widenings);
void check_lut64_stage(Query &q, const kernels::Lut64Schedule &s);
void check_lut64_window(Query &q, const kernels::Lut64Schedule &s);
void check_neon_cnt_u16(Query &q, std::int64_t u8_vectors, std::int64_t u16_vectors);
void check_neon_dot8(Query &q, unsigned ab, unsigned wb, std::int64_t flush_slots,
                     std::int64_t per_slot);
// exact_sums.hpp, conv_bounds.hpp: the ring identity of the epilogues (in the ring of `bits`-bit
// integers: 32 for the direct convs' int32 lanes, 64 for the GEMM's int64 epilogue), and the
// bounds that make the wrapped sum the exact one.
void check_epilogue_ring(Query &q, unsigned bits, const EpilogueTerms &t);
void check_two_level_ring(Query &q, const EpilogueTerms &t);
void check_small_conv_ring(Query &q, const SmallFixed &fixed, const SmallSum &sum);
void check_k_bound_int32(Query &q, const MaxK &max_k);
void check_int32_epilogue(Query &q, const Int32Bound &bound);
void check_quads_rowsum_u32(Query &q, const MaxK &max_k);
void check_small_conv_exact(Query &q, const SmallExact &exact, const ByteOffset &offset);

} // namespace samd::proofs
