// Mutants of samd/ops/reduce.hpp and samd/accumulator.hpp.
#include "common.hpp"
#include "samd/accumulator.hpp"
#include "samd/ops/reduce.hpp"

namespace samd::proofs {
namespace mutant {

// hsum with switchable defects.
struct HsumDefects {
  bool no_unbias = false;    // signed sum returned still biased
  bool bias_low_bit = false; // bias by flipping bit 0 instead of bit b-1
  bool pairs_short = false;  // pair masks one bit narrow
};
template <class W> W hsum_with(const Layout &L, const W &x, HsumDefects d) {
  W u = L.is_signed() ? xor_c(x, d.bias_low_bit ? L.lane_low_mask() : L.high_mask()) : x;
  for (unsigned w = L.field(); w < kWordBits; w *= 2) {
    std::uint64_t pairs = 0;
    for (unsigned pos = 0; pos < kWordBits; pos += 2 * w)
      pairs |= samd::detail::low_bits(d.pairs_short ? w - 1 : w) << pos;
    u = add(and_c(u, pairs), and_c(shr(u, w), pairs));
  }
  if (!L.is_signed() || d.no_unbias)
    return u;
  return sub(u, constant(u, std::uint64_t{L.lanes()} << (L.bits - 1)));
}
template <class W> W hsum_no_unbias(const Layout &L, const W &x) {
  return hsum_with(L, x, {true, false, false});
}
template <class W> W hsum_bias_low(const Layout &L, const W &x) {
  return hsum_with(L, x, {false, true, false});
}
template <class W> W hsum_pairs_short(const Layout &L, const W &x) {
  return hsum_with(L, x, {false, false, true});
}
// dot of signed lanes computed as unsigned (signed/unsigned swap).
template <class W> W dot_unsigned(const Layout &L, const W &x, const W &y) {
  return samd::dot(L.as_unsigned(), x, y);
}

// sum_step without biasing signed lanes: negative lanes borrow from the field above.
template <class W> W sum_step_no_bias(const Layout &, const W &acc, const W &x) {
  return add(acc, x);
}

// dot_step with a switchable bias.
template <class W>
std::vector<W> dot_step_bias(const Layout &L, unsigned acc_guard, const std::vector<W> &acc,
                             const W &x, const W &y, std::uint64_t bias) {
  const Layout A = dot_acc_layout(L, acc_guard);
  std::vector<W> products = mul_widen(L, A, x, y);
  std::vector<W> out;
  for (std::size_t j = 0; j < products.size(); ++j) {
    W p = products[j];
    if (L.is_signed() && bias != 0)
      p = add_wrap(A, p, broadcast(A, constant(p, bias)));
    out.push_back(add(acc[j], p));
  }
  return out;
}
template <class W>
std::vector<W> dot_step_half_bias(const Layout &L, unsigned g, const std::vector<W> &acc,
                                  const W &x, const W &y) {
  return dot_step_bias(L, g, acc, x, y, dot_bias(L) >> 1);
}
template <class W>
std::vector<W> dot_step_unbiased(const Layout &L, unsigned g, const std::vector<W> &acc, const W &x,
                                 const W &y) {
  return dot_step_bias(L, g, acc, x, y, 0);
}

std::uint64_t sum_capacity_plus_one(const Layout &L) { return sum_capacity(L) + 1; }
std::uint64_t sum_capacity_minus_one(const Layout &L) { return sum_capacity(L) - 1; }
std::uint64_t dot_capacity_plus_one(const Layout &L, unsigned g) { return dot_capacity(L, g) + 1; }
// The unsigned step maximum used for signed lanes too.
std::uint64_t dot_capacity_unsigned_max(const Layout &L, unsigned g) {
  return detail::low_bits(dot_acc_layout(L, g).field()) /
         (detail::low_bits(L.bits) * detail::low_bits(L.bits));
}

} // namespace mutant

void register_reduce_accumulator_mutants(MutantSet &set) {
  using namespace mutant;
  const auto is_signed = [](const Layout &L) { return L.is_signed(); };
  set.add(
      "hsum/no-unbias", "hsum", "signed sum returned still biased", 32,
      [](Query &q, const Layout &L) { check_hsum(q, L, Unary(hsum_no_unbias<W>)); }, 0, is_signed);
  set.add(
      "hsum/bias-low-bit", "hsum", "bias applied to bit 0 instead of bit b-1", 32,
      [](Query &q, const Layout &L) { check_hsum(q, L, Unary(hsum_bias_low<W>)); }, 0, is_signed);
  set.add("hsum/pairs-short", "hsum", "pair masks one bit narrow", 32,
          [](Query &q, const Layout &L) { check_hsum(q, L, Unary(hsum_pairs_short<W>)); });
  set.add(
      "dot/unsigned", "dot", "signed lanes multiplied and summed as unsigned", 16,
      [](Query &q, const Layout &L) { check_dot(q, L, Binary(dot_unsigned<W>)); }, 0, is_signed);
  set.add(
      "sum_step/no-bias", "sum_step", "signed lanes added without the 2^(b-1) bias", 32,
      [](Query &q, const Layout &L) { check_sum_step(q, L, Binary(sum_step_no_bias<W>)); }, 0,
      is_signed);
  const Binary sum = [](const Layout &L, const W &acc, const W &x) { return sum_step(L, acc, x); };
  set.add(
      "sum_capacity/plus-one", "sum_capacity", "capacity one too large", 32,
      [sum](Query &q, const Layout &L) { check_sum_capacity(q, L, sum_capacity_plus_one, sum); });
  set.add(
      "sum_capacity/minus-one", "sum_capacity", "capacity one too small (not tight)", 32,
      [sum](Query &q, const Layout &L) { check_sum_capacity(q, L, sum_capacity_minus_one, sum); });
  const DotStep step = [](const Layout &L, unsigned g, const std::vector<W> &acc, const W &x,
                          const W &y) { return dot_step(L, g, acc, x, y); };
  set.add(
      "dot_step/half-bias", "dot_step", "signed products biased by 2^(2b-3)", 16,
      [](Query &q, const Layout &L) { check_dot_step(q, L, 1, DotStep(dot_step_half_bias<W>)); }, 0,
      is_signed);
  set.add(
      "dot_step/no-bias", "dot_step", "signed products added unbiased: negative ones borrow", 16,
      [](Query &q, const Layout &L) { check_dot_step(q, L, 2, DotStep(dot_step_unbiased<W>)); }, 0,
      is_signed);
  set.add("dot_capacity/plus-one", "dot_capacity", "capacity one too large", 16,
          [step](Query &q, const Layout &L) {
            check_dot_capacity(q, L, 0, dot_capacity_plus_one, step);
          });
  set.add(
      "dot_capacity/unsigned-step-max", "dot_capacity",
      "signed capacity from the unsigned step maximum", 16,
      [step](Query &q, const Layout &L) {
        check_dot_capacity(q, L, 1, dot_capacity_unsigned_max, step);
      },
      0, is_signed);
}

} // namespace samd::proofs
