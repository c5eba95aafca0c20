// Mutants of samd/ops/compare.hpp and samd/ops/minmax.hpp.
#include "common.hpp"
#include "samd/ops/compare.hpp"
#include "samd/ops/minmax.hpp"

namespace samd::proofs {
namespace mutant {

// Equality without flipping the nonzero bit: computes "not equal".
template <class W> W cmp_eq_unflipped(const Layout &L, const W &x, const W &y) {
  return spread_high(L, nonzero_high(L, xor_(x, y)));
}
// Signed lanes compared as unsigned (signed/unsigned swap).
template <class W> W cmp_lt_unsigned(const Layout &L, const W &x, const W &y) {
  return sub_borrow(L.as_unsigned(), x, y).flags;
}
// Signed order mapped by flipping bit 0 instead of bit b-1 (wrong mask bit).
template <class W> W cmp_lt_flip_low(const Layout &L, const W &x, const W &y) {
  if (!L.is_signed())
    return samd::cmp_lt(L, x, y);
  const std::uint64_t m = L.lane_low_mask();
  return sub_borrow(L.as_unsigned(), xor_c(x, m), xor_c(y, m)).flags;
}
// x <= y computed as x < y (off by one).
template <class W> W cmp_le_strict(const Layout &L, const W &x, const W &y) {
  return samd::cmp_lt(L, x, y);
}
// Negation over the whole word: guard bits become 1 (dropped guard).
template <class W> W cmp_ge_whole_word(const Layout &L, const W &x, const W &y) {
  return not_(samd::cmp_lt(L, x, y));
}
// x > y computed as y >= x... i.e. operands not swapped: x < y.
template <class W> W cmp_gt_unswapped(const Layout &L, const W &x, const W &y) {
  return samd::cmp_lt(L, x, y);
}
// != as the complement of == over the whole word.
template <class W> W cmp_ne_whole_word(const Layout &L, const W &x, const W &y) {
  return not_(samd::cmp_eq(L, x, y));
}

// select deciding per lane from the mask lane's low bit instead of bit by bit (the contract is
// bitwise: m need not be a lane mask). (Dropping the value mask is no defect: with canonical a
// and b, blend leaves the guard bits 0 anyway; that equivalent mutant was replaced by this one.)
template <class W> W select_lane_granular(const Layout &L, const W &m, const W &a, const W &b) {
  return samd::select(L, spread_low(L, and_c(m, L.lane_low_mask())), a, b);
}
// min picking the larger lane.
template <class W> W min_swapped(const Layout &L, const W &x, const W &y) {
  return samd::select(L, samd::cmp_lt(L, x, y), y, x);
}
// max comparing as unsigned (signed/unsigned swap).
template <class W> W max_unsigned(const Layout &L, const W &x, const W &y) {
  return samd::max_lanes(L.as_unsigned(), x, y);
}
// abs ignoring signedness: unsigned lanes with the top bit set get negated.
template <class W> W abs_lanes_any_sign(const Layout &L, const W &x) {
  return blend(sign_mask(L, x), neg_wrap(L, x), x);
}
// abs_sat that does not saturate the minimum.
template <class W> W abs_sat_unsaturated(const Layout &L, const W &x) {
  return samd::abs_lanes(L, x);
}

} // namespace mutant

void register_compare_minmax_mutants(MutantSet &set) {
  using namespace mutant;
  set.add("cmp_eq/unflipped", "cmp_eq", "missing flip: computes not-equal", 32,
          [](Query &q, const Layout &L) { check_cmp_eq(q, L, Binary(cmp_eq_unflipped<W>)); });
  set.add(
      "cmp_ne/whole-word-not", "cmp_ne", "complement over the whole word sets guard bits", 32,
      [](Query &q, const Layout &L) { check_cmp_ne(q, L, Binary(cmp_ne_whole_word<W>)); }, 1);
  set.add(
      "cmp_lt/unsigned", "cmp_lt", "signed lanes compared as unsigned", 32,
      [](Query &q, const Layout &L) { check_cmp_lt(q, L, Binary(cmp_lt_unsigned<W>)); }, 0,
      [](const Layout &L) { return L.is_signed(); });
  set.add(
      "cmp_lt/flip-low-bit", "cmp_lt", "signed order by flipping bit 0", 32,
      [](Query &q, const Layout &L) { check_cmp_lt(q, L, Binary(cmp_lt_flip_low<W>)); }, 0,
      [](const Layout &L) { return L.is_signed(); });
  set.add("cmp_le/strict", "cmp_le", "x <= y as x < y", 32,
          [](Query &q, const Layout &L) { check_cmp_le(q, L, Binary(cmp_le_strict<W>)); });
  set.add("cmp_gt/unswapped", "cmp_gt", "operands not swapped", 32,
          [](Query &q, const Layout &L) { check_cmp_gt(q, L, Binary(cmp_gt_unswapped<W>)); });
  set.add("cmp_ge/whole-word-not", "cmp_ge", "complement over the whole word sets guard bits", 32,
          [](Query &q, const Layout &L) { check_cmp_ge(q, L, Binary(cmp_ge_whole_word<W>)); });
  set.add("select/lane-granular", "select",
          "selects whole lanes by the mask's low bit, not bit by bit", 32,
          [](Query &q, const Layout &L) { check_select(q, L, Select(select_lane_granular<W>)); });
  set.add("min_lanes/swapped", "min_lanes", "picks the larger lane", 32,
          [](Query &q, const Layout &L) { check_min_lanes(q, L, Binary(min_swapped<W>)); });
  set.add(
      "max_lanes/unsigned", "max_lanes", "signed lanes compared as unsigned", 32,
      [](Query &q, const Layout &L) { check_max_lanes(q, L, Binary(max_unsigned<W>)); }, 0,
      [](const Layout &L) { return L.is_signed(); });
  set.add(
      "abs_lanes/any-sign", "abs_lanes", "negates unsigned lanes with the top bit set", 32,
      [](Query &q, const Layout &L) { check_abs_lanes(q, L, Unary(abs_lanes_any_sign<W>)); }, 0,
      [](const Layout &L) { return !L.is_signed(); });
  set.add(
      "abs_sat/unsaturated", "abs_sat", "|MIN| left as MIN", 32,
      [](Query &q, const Layout &L) { check_abs_sat(q, L, Unary(abs_sat_unsaturated<W>)); }, 0,
      [](const Layout &L) { return L.is_signed(); });
}

} // namespace samd::proofs
