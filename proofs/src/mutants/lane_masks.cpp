// Mutants of samd/ops/lane_masks.hpp.
#include "samd/ops/lane_masks.hpp"
#include "common.hpp"

namespace samd::proofs {
namespace mutant {

// m - (m >> (b-2)): spreads from the wrong bit (off-by-one shift).
template <class W> W spread_high_shift_off(const Layout &L, const W &m) {
  return or_(m, sub(m, shr(m, L.bits >= 2 ? L.bits - 2 : 1)));
}
// (m << (b-1)) - m: one bit short (off-by-one shift).
template <class W> W spread_low_short(const Layout &L, const W &m) {
  return sub(shl(m, L.bits - 1), m);
}
// (m << f) - m: spreads over the guard bits too (dropped guard).
template <class W> W spread_low_over_guard(const Layout &L, const W &m) {
  return L.field() < 64 ? sub(shl(m, L.field()), m) : sub(zero(m), m);
}
// Sign mask taken from bit 0 (wrong mask bit).
template <class W> W sign_mask_low_bit(const Layout &L, const W &x) {
  return spread_low(L, and_c(x, L.lane_low_mask()));
}
// Without `| d`, a lane whose only set bit is b-1 reads as zero.
template <class W> W nonzero_high_no_or(const Layout &L, const W &d) {
  const std::uint64_t H = L.high_mask();
  const std::uint64_t rest = L.value_mask() & ~H;
  return and_c(add(and_c(d, rest), constant(d, rest)), H);
}
// `rest` including H: the add carries out of the lane.
template <class W> W nonzero_high_rest_with_h(const Layout &L, const W &d) {
  const std::uint64_t H = L.high_mask();
  return and_c(or_(add(and_c(d, L.value_mask()), constant(d, L.value_mask() & ~H)), d), H);
}
// Lane i found at i * b instead of i * f (dropped guard).
template <class W> W lane_bits_of_no_guard(const Layout &L, const W &x, unsigned i) {
  return and_c(shr(x, i * L.bits), L.lane_bits());
}
// Signed lanes zero-extended (signed/unsigned swap).
template <class W> W extend_lane_zero(const Layout &, const W &v) { return v; }
// Sign extension with the bias at bit b instead of b-1 (wrong bias).
template <class W> W extend_lane_wrong_bias(const Layout &L, const W &v) {
  if (!L.is_signed())
    return v;
  const std::uint64_t h =
      L.bits < 32 ? std::uint64_t{1} << L.bits : std::uint64_t{1} << (L.bits - 2);
  return sub(xor_c(v, h), constant(v, h));
}

} // namespace mutant

void register_lane_mask_mutants(MutantSet &set) {
  using namespace mutant;
  set.add(
      "spread_high/shift-off-by-one", "spread_high", "subtracts m >> (b-2)", 32,
      [](Query &q, const Layout &L) { check_spread_high(q, L, Unary(spread_high_shift_off<W>)); });
  set.add("spread_low/short", "spread_low", "(m << (b-1)) - m", 32,
          [](Query &q, const Layout &L) { check_spread_low(q, L, Unary(spread_low_short<W>)); });
  set.add(
      "spread_low/over-guard", "spread_low", "(m << f) - m fills the guard bits", 32,
      [](Query &q, const Layout &L) { check_spread_low(q, L, Unary(spread_low_over_guard<W>)); },
      1);
  set.add("sign_mask/low-bit", "sign_mask", "mask of bit 0 instead of bit b-1", 32,
          [](Query &q, const Layout &L) { check_sign_mask(q, L, Unary(sign_mask_low_bit<W>)); });
  set.add(
      "nonzero_high/no-or", "nonzero_high", "drops | d: lanes equal to 2^(b-1) read as 0", 32,
      [](Query &q, const Layout &L) { check_nonzero_high(q, L, Unary(nonzero_high_no_or<W>)); });
  set.add("nonzero_high/rest-with-h", "nonzero_high", "adds bit b-1 too, carrying out of the lane",
          32, [](Query &q, const Layout &L) {
            check_nonzero_high(q, L, Unary(nonzero_high_rest_with_h<W>));
          });
  set.add(
      "lane_bits_of/no-guard", "lane_bits_of", "lane i at i*b instead of i*f", 32,
      [](Query &q, const Layout &L) {
        check_lane_bits_of(q, L, LaneBitsOf(lane_bits_of_no_guard<W>));
      },
      1);
  set.add("extend_lane/zero-extends", "extend_lane", "signed lanes zero-extended", 32,
          [](Query &q, const Layout &L) { check_extend_lane(q, L, Unary(extend_lane_zero<W>)); });
  set.add(
      "extend_lane/wrong-bias", "extend_lane", "sign bias at bit b instead of b-1", 32,
      [](Query &q, const Layout &L) { check_extend_lane(q, L, Unary(extend_lane_wrong_bias<W>)); });
}

} // namespace samd::proofs
