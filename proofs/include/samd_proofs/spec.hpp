// The specification side of the obligations: what a lane must be, written directly with Z3
// bit-vector operations on lane values (extract / zext / sext / compare / ite). Nothing here calls
// samd code or samd::ref — the point is an independent statement of each contract.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <vector>

namespace samd::proofs::spec {

// The constant v (two's complement) as a w-bit vector.
z3::expr constant(z3::context &c, std::int64_t v, unsigned w);
// A lane value widened to w bits, sign- or zero-extended by its signedness.
z3::expr extend(const z3::expr &lane, bool is_signed, unsigned w);
// a < b, a <= b by signedness.
z3::expr less(const z3::expr &a, const z3::expr &b, bool is_signed);
z3::expr less_eq(const z3::expr &a, const z3::expr &b, bool is_signed);
// The lane of a lane mask: all ones when cond holds, else 0.
z3::expr mask(const z3::expr &cond, unsigned bits);
// The range of a b-bit lane, as w-bit constants.
z3::expr min_value(z3::context &c, unsigned bits, bool is_signed, unsigned w);
z3::expr max_value(z3::context &c, unsigned bits, bool is_signed, unsigned w);
// v clamped to [lo, hi] (all of width w, compared by signedness).
z3::expr clamp(const z3::expr &v, const z3::expr &lo, const z3::expr &hi, bool is_signed);
// v lies in [lo, hi].
z3::expr in_range(const z3::expr &v, const z3::expr &lo, const z3::expr &hi, bool is_signed);

// sum: the exact sum of lane values (each extended by signedness), as a w-bit value. Written as
// a balanced tree over adjacent terms, each level one bit wider: addition is associative, so the
// value is the plain sum, and the shape spares Z3 proving associativity of a 64-term adder chain
// against the code's pairwise tree (the chain form times out at some widths; the tree takes ms).
z3::expr sum(std::vector<z3::expr> terms, bool is_signed, unsigned w);

// product: x * y mod 2^w, with x and y extended to w bits by their signedness. Written as the
// schoolbook definition of binary multiplication, sum over j of [bit j of y] * (x << j), because
// Z3's own bvmul bit-blasts into a column-array circuit that a SAT solver cannot match against
// shift-and-add code beyond ~10 bits; the definition is checked equal to bvmul by the
// `spec.product` obligations at every width where that is tractable.
z3::expr product(const z3::expr &x, const z3::expr &y, bool is_signed, unsigned w);
// The running sums of that definition: entry j = the sum of rows 0..j (so the last entry is
// product()); what a shift-and-add multiplier's accumulator holds after row j.
std::vector<z3::expr> product_partials(const z3::expr &x, const z3::expr &y, bool is_signed,
                                       unsigned w);
// The same product through Z3's bvmul (used only to validate `product`).
z3::expr product_bvmul(const z3::expr &x, const z3::expr &y, bool is_signed, unsigned w);

} // namespace samd::proofs::spec
