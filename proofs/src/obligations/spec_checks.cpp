// Checks of the specification itself: spec::product (the schoolbook definition every mul, dot and
// accumulator obligation uses) equals Z3's bvmul. Bit-blasting bvmul against anything that is not
// its own circuit grows exponentially with width (~7 s for a 10-bit low half), so this runs at the
// widths where Z3 manages; product() is one width-generic loop, the same code at every width.
// Also the range of the product at every multiply width (a lemma the accumulator proofs assume).
#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

constexpr unsigned kLowHalfMaxBits = 8; // product mod 2^b of two b-bit lanes
constexpr unsigned kFullMaxBits = 5;    // the exact 2b-bit product, signed and unsigned

void check_product(Query &q, unsigned bits, bool is_signed, unsigned w) {
  const z3::expr x = q.ctx.bv_const("x", bits), y = q.ctx.bv_const("y", bits);
  const z3::expr ours = spec::product(x, y, is_signed, w),
                 z3s = spec::product_bvmul(x, y, is_signed, w);
  q.goal("schoolbook == bvmul", ours == z3s);
  q.column("x", {x}, is_signed);
  q.column("y", {y}, is_signed);
  q.column("bvmul", {z3s}, is_signed);
  q.column("spec::product", {ours}, is_signed);
}

// The lemma: the schoolbook product of two free b-bit lanes lies in product_range.
void check_product_range(Query &q, unsigned bits, bool is_signed) {
  const z3::expr x = q.ctx.bv_const("x", bits), y = q.ctx.bv_const("y", bits);
  const z3::expr p = spec::product(x, y, is_signed, 2 * bits);
  q.strategy = Strategy::Default; // a range fact: 4 s at signed 16 bits, > 120 s via the AIG
  q.goal("product in range", product_range(p, bits, is_signed));
  q.column("x", {x}, is_signed);
  q.column("y", {y}, is_signed);
  q.column("spec::product", {p}, is_signed);
}

} // namespace

z3::expr product_range(const z3::expr &p, unsigned bits, bool is_signed) {
  z3::context &c = p.ctx();
  const unsigned w = 2 * bits + 2; // room for the bounds as signed values
  const std::int64_t half = std::int64_t{1} << (bits - 1), top = (std::int64_t{1} << bits) - 1;
  const std::int64_t lo = is_signed ? -half * (half - 1) : 0,
                     hi = is_signed ? half * half : top * top;
  const z3::expr v = spec::extend(p, is_signed, w);
  return z3::sle(spec::constant(c, lo, w), v) && z3::sle(v, spec::constant(c, hi, w));
}

std::string product_range_key(unsigned bits, bool is_signed) {
  return "spec_product_range " +
         layout_name(Layout{bits, 0, is_signed ? Signedness::Signed : Signedness::Unsigned}) +
         " 2b bits";
}

void register_spec_checks(std::vector<Obligation> &out) {
  Family f(out, "spec");
  for (unsigned b = 1; b <= kLowHalfMaxBits; ++b)
    f.add("spec_product", Layout{b, 0, Signedness::Unsigned}, "low half",
          [b](Query &q) { check_product(q, b, false, b); });
  for (unsigned b = 1; b <= kFullMaxBits; ++b)
    for (bool s : {false, true})
      f.add("spec_product", Layout{b, 0, s ? Signedness::Signed : Signedness::Unsigned},
            "full 2b bits", [b, s](Query &q) { check_product(q, b, s, 2 * b); });
  for (unsigned b = 1; b <= kMaxMulBits; ++b)
    for (bool s : {false, true})
      f.add("spec_product_range", Layout{b, 0, s ? Signedness::Signed : Signedness::Unsigned},
            "2b bits", [b, s](Query &q) { check_product_range(q, b, s); });
}

} // namespace samd::proofs
