// Checks of the specification itself: spec::product (the schoolbook definition every mul, dot and
// accumulator obligation uses) equals Z3's bvmul. Bit-blasting bvmul against anything that is not
// its own circuit grows exponentially with width (~7 s for a 10-bit low half), so this runs at the
// widths where Z3 manages; product() is one width-generic loop, the same code at every width.
// Also the range of the product at every multiply width (a lemma the accumulator proofs assume),
// and the proofs' model of the hardware multiply, word_traits<z3::expr>::mul, against bvmul.
#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

constexpr unsigned kLowHalfMaxBits = 8; // product mod 2^b of two b-bit lanes
constexpr unsigned kFullMaxBits = 5;    // the exact 2b-bit product, signed and unsigned
// word_traits<z3::expr>::mul(a, k) for any 64-bit a and k of up to 4 bits, k enumerated (~1-6 s at
// 4 bits; a symbolic 4-bit k took 3-25 s, and k = 31 alone times out: bvmul's circuit again).
constexpr unsigned kWordMulMaxBits = 4;

} // namespace

void check_product(Query &q, unsigned bits, bool is_signed, unsigned w, const Product &product) {
  const z3::expr x = q.ctx.bv_const("x", bits), y = q.ctx.bv_const("y", bits);
  const z3::expr ours = product(x, y, is_signed, w), z3s = spec::product_bvmul(x, y, is_signed, w);
  q.goal("schoolbook == bvmul", ours == z3s);
  q.column("x", {x}, is_signed);
  q.column("y", {y}, is_signed);
  q.column("bvmul", {z3s}, is_signed);
  q.column("spec::product", {ours}, is_signed);
}

// The lemma: the schoolbook product of two free b-bit lanes lies in product_range (`range`).
void check_product_range(Query &q, unsigned bits, bool is_signed, const ProductRange &range) {
  const z3::expr x = q.ctx.bv_const("x", bits), y = q.ctx.bv_const("y", bits);
  const z3::expr p = spec::product(x, y, is_signed, 2 * bits);
  q.strategy = Strategy::Default; // a range fact: 4 s at signed 16 bits, > 120 s via the AIG
  q.goal("product in range", range(p, bits, is_signed));
  q.column("x", {x}, is_signed);
  q.column("y", {y}, is_signed);
  q.column("spec::product", {p}, is_signed);
}

// The primitive mul (`mul`; what mul_scalar, broadcast and gemm_step multiply with) equals bvmul
// for a free 64-bit a and every k of `bits` bits (zero-extended, as those callers' multipliers
// are): the term built for a symbolic k, instantiated at each of its 2^bits values (one goal each,
// which together cover every k).
void check_word_mul(Query &q, unsigned bits, const WordMul &mul) {
  const z3::expr a = q.ctx.bv_const("a", kWord), k = q.ctx.bv_const("k", bits);
  const z3::expr kw = z3::zext(k, kWord - bits);
  const z3::expr ours = mul(a, kw);
  for (std::uint64_t c = 0; c < (std::uint64_t{1} << bits); ++c)
    q.goal_at("k = " + std::to_string(c), ours == a * kw, {k}, {q.ctx.bv_val(c, bits)});
  q.column("a", {a}, false);
  q.column("k", {k}, false);
  q.column("bvmul", {a * kw}, false);
  q.column("mul", {ours}, false);
}

// broadcast's multiply: v (b free bits, zero-extended) times lane_low_mask(L) equals bvmul, at
// every guard of the width (a goal per guard).
void check_broadcast_mul(Query &q, unsigned bits, const WordMul &mul) {
  const z3::expr v = z3::zext(q.ctx.bv_const("v", bits), kWord - bits);
  for (unsigned g = 0; bits + g <= kWord; ++g) {
    const W m = q.ctx.bv_val(Layout{bits, g, Signedness::Unsigned}.lane_low_mask(), kWord);
    q.goal("guard " + std::to_string(g), mul(v, m) == v * m);
  }
  q.column("v", {v}, false);
}

ProductBounds product_bounds(unsigned bits, bool is_signed) {
  const std::int64_t half = std::int64_t{1} << (bits - 1), top = (std::int64_t{1} << bits) - 1;
  return is_signed ? ProductBounds{-half * (half - 1), half * half} : ProductBounds{0, top * top};
}

z3::expr product_within(const z3::expr &p, bool is_signed, ProductBounds r, unsigned w) {
  z3::context &c = p.ctx();
  const z3::expr v = spec::extend(p, is_signed, w);
  return z3::sle(spec::constant(c, r.lo, w), v) && z3::sle(v, spec::constant(c, r.hi, w));
}

z3::expr product_range(const z3::expr &p, unsigned bits, bool is_signed) {
  // 2b + 2 bits: room for the bounds as signed values ((2^b - 1)^2 needs 2b + 1).
  return product_within(p, is_signed, product_bounds(bits, is_signed), 2 * bits + 2);
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
          [b](Query &q) { check_product(q, b, false, b, spec::product); });
  for (unsigned b = 1; b <= kFullMaxBits; ++b)
    for (bool s : {false, true})
      f.add("spec_product", Layout{b, 0, s ? Signedness::Signed : Signedness::Unsigned},
            "full 2b bits", [b, s](Query &q) { check_product(q, b, s, 2 * b, spec::product); });
  for (unsigned b = 1; b <= kMaxMulBits; ++b)
    for (bool s : {false, true})
      f.add("spec_product_range", Layout{b, 0, s ? Signedness::Signed : Signedness::Unsigned},
            "2b bits", [b, s](Query &q) { check_product_range(q, b, s, product_range); });
  for (unsigned b = 1; b <= kWordMulMaxBits; ++b)
    f.add("word_mul", Layout{b, 0, Signedness::Unsigned}, "64-bit a",
          [b](Query &q) { check_word_mul(q, b, word_traits<W>::mul); });
  for (unsigned b = 1; b <= kMaxBits; ++b)
    f.add("broadcast_mul", Layout{b, 0, Signedness::Unsigned}, "every guard",
          [b](Query &q) { check_broadcast_mul(q, b, word_traits<W>::mul); });
}

} // namespace samd::proofs
