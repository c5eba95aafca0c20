// Mutants of samd/ops/logic.hpp and samd/ops/shift.hpp.
#include "common.hpp"
#include "samd/ops/logic.hpp"
#include "samd/ops/shift.hpp"

namespace samd::proofs {
namespace mutant {

template <class W> W bit_not_whole_word(const Layout &, const W &x) {
  return not_(x);
} // sets guard bits
template <class W> W bit_andnot_swapped(const Layout &, const W &x, const W &y) {
  return and_not(y, x);
}
template <class W> W bit_or_as_xor(const Layout &, const W &x, const W &y) { return xor_(x, y); }
template <class W> W bit_and_as_or(const Layout &, const W &x, const W &y) { return or_(x, y); }
// x ^ y ^ 1 per lane (xnor in the lane's lowest bit): breaks one value bit, keeps the guard.
template <class W> W bit_xor_low_bit_flipped(const Layout &L, const W &x, const W &y) {
  return xor_c(xor_(x, y), L.lane_low_mask());
}

// Shift left without clearing the bits that leave the lane.
template <class W> W shift_left_no_clear(const Layout &L, const W &x, unsigned k) {
  if (k >= L.bits)
    return zero(x);
  return shl(x, k);
}
// Clearing one bit too few before shifting left.
template <class W> W shift_left_clear_short(const Layout &L, const W &x, unsigned k) {
  if (k >= L.bits)
    return zero(x);
  return shl(and_c(x, L.repeat(detail::low_bits(L.bits - k + 1))), k);
}
// Logical right shift without masking: the next lane's low bits come in.
template <class W> W shift_right_logical_no_mask(const Layout &L, const W &x, unsigned k) {
  if (k >= L.bits)
    return zero(x);
  return shr(x, k);
}
// Masking one bit too many before shifting right.
template <class W> W shift_right_logical_mask_long(const Layout &L, const W &x, unsigned k) {
  if (k >= L.bits)
    return zero(x);
  return shr(and_c(x, L.repeat(detail::low_bits(L.bits) & ~detail::low_bits(k + 1))), k);
}
// Arithmetic shift without the sign fill (signed/unsigned swap).
template <class W> W shift_right_arithmetic_no_fill(const Layout &L, const W &x, unsigned k) {
  return samd::shift_right_logical(L, x, k);
}
// Sign fill one bit short.
template <class W> W shift_right_arithmetic_fill_short(const Layout &L, const W &x, unsigned k) {
  const W sign = sign_mask(L, x);
  if (k >= L.bits)
    return sign;
  const std::uint64_t top = L.repeat(detail::low_bits(L.bits) & ~detail::low_bits(L.bits - k + 1));
  return or_(samd::shift_right_logical(L, x, k), and_c(sign, top));
}
// Shifting out every bit returns 0 instead of the sign (k >= b edge).
template <class W> W shift_right_arithmetic_edge_zero(const Layout &L, const W &x, unsigned k) {
  if (k >= L.bits)
    return zero(x);
  return samd::shift_right_arithmetic(L, x, k);
}
// Arithmetic for unsigned layouts and logical for signed ones.
template <class W> W shift_right_swapped(const Layout &L, const W &x, unsigned k) {
  return L.is_signed() ? samd::shift_right_logical(L, x, k) : samd::shift_right_arithmetic(L, x, k);
}

// Checks of a shift mutant at every k in 0..b+1 of each mutant layout.
Mutant shift_mutant(const std::string &name, const std::string &op, const std::string &defect,
                    void (*check)(Query &, const Layout &, unsigned, const Shift &),
                    const Shift &impl, bool (*applies)(const Layout &) = nullptr) {
  Mutant m{name, op, defect, {}};
  for (const Layout &L : mutant_layouts(kMaxBits))
    if (!applies || applies(L))
      for (unsigned k = 0; k <= L.bits + 1; ++k)
        m.checks.push_back(
            {"mutant", op, L, "k=" + std::to_string(k), [=](Query &q) { check(q, L, k, impl); }});
  return m;
}

} // namespace mutant

void register_logic_shift_mutants(MutantSet &set) {
  using namespace mutant;
  set.add("bit_not/whole-word", "bit_not", "~x over the whole word sets guard and padding bits", 32,
          [](Query &q, const Layout &L) { check_bit_not(q, L, Unary(bit_not_whole_word<W>)); });
  set.add("bit_andnot/swapped", "bit_andnot", "y & ~x", 32,
          [](Query &q, const Layout &L) { check_bit_andnot(q, L, Binary(bit_andnot_swapped<W>)); });
  set.add("bit_or/xor", "bit_or", "x ^ y", 32,
          [](Query &q, const Layout &L) { check_bit_or(q, L, Binary(bit_or_as_xor<W>)); });
  set.add("bit_and/or", "bit_and", "x | y", 32,
          [](Query &q, const Layout &L) { check_bit_and(q, L, Binary(bit_and_as_or<W>)); });
  set.add(
      "bit_xor/low-bit-flipped", "bit_xor", "x ^ y with each lane's lowest bit inverted", 32,
      [](Query &q, const Layout &L) { check_bit_xor(q, L, Binary(bit_xor_low_bit_flipped<W>)); });
  set.add(shift_mutant("shift_left/no-clear", "shift_left", "bits leaving the lane are not cleared",
                       check_shift_left, shift_left_no_clear<W>));
  set.add(shift_mutant("shift_left/clear-short", "shift_left", "clears one bit too few",
                       check_shift_left, shift_left_clear_short<W>));
  set.add(shift_mutant("shift_right_logical/no-mask", "shift_right_logical",
                       "next lane's bits shift in", check_shift_right_logical,
                       shift_right_logical_no_mask<W>));
  set.add(shift_mutant("shift_right_logical/mask-long", "shift_right_logical",
                       "masks one bit too many", check_shift_right_logical,
                       shift_right_logical_mask_long<W>));
  set.add(shift_mutant("shift_right_arithmetic/no-fill", "shift_right_arithmetic", "no sign fill",
                       check_shift_right_arithmetic, shift_right_arithmetic_no_fill<W>));
  set.add(shift_mutant("shift_right_arithmetic/fill-short", "shift_right_arithmetic",
                       "sign fill one bit short", check_shift_right_arithmetic,
                       shift_right_arithmetic_fill_short<W>));
  set.add(shift_mutant("shift_right_arithmetic/edge-zero", "shift_right_arithmetic",
                       "k >= b gives 0, not the sign", check_shift_right_arithmetic,
                       shift_right_arithmetic_edge_zero<W>));
  set.add(shift_mutant("shift_right/swapped", "shift_right",
                       "arithmetic for unsigned, logical for signed", check_shift_right,
                       shift_right_swapped<W>));
}

} // namespace samd::proofs
