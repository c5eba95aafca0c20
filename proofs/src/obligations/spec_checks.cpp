// Checks of the specification itself: spec::product (the schoolbook definition every mul, dot and
// accumulator obligation uses) equals Z3's bvmul. Bit-blasting bvmul against anything that is not
// its own circuit grows exponentially with width (~7 s for a 10-bit low half), so this runs at the
// widths where Z3 manages; product() is one width-generic loop, the same code at every width.
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

} // namespace

void register_spec_checks(std::vector<Obligation> &out) {
  Family f(out, "spec");
  for (unsigned b = 1; b <= kLowHalfMaxBits; ++b)
    f.add("spec_product", Layout{b, 0, Signedness::Unsigned}, "low half",
          [b](Query &q) { check_product(q, b, false, b); });
  for (unsigned b = 1; b <= kFullMaxBits; ++b)
    for (bool s : {false, true})
      f.add("spec_product", Layout{b, 0, s ? Signedness::Signed : Signedness::Unsigned},
            "full 2b bits", [b, s](Query &q) { check_product(q, b, s, 2 * b); });
}

} // namespace samd::proofs
