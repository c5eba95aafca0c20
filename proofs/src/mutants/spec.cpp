// Mutants of the specification's own lemmas (obligations/spec_checks.cpp): a schoolbook product
// that is not bvmul, a product range that leaves out products the schoolbook forms (the range
// the dot and accumulator obligations assume for their lanes' products), and a model of the
// hardware multiply (word_traits<z3::expr>::mul, what every op's `*` is in the proofs) that is not
// bvmul.
#include "common.hpp"

namespace samd::proofs {
namespace mutant {

// The schoolbook loop over y's own b bits only: a signed y's sign-extension rows are dropped,
// which is the product with y zero-extended.
z3::expr product_lane_rows(const z3::expr &x, const z3::expr &y, bool is_signed, unsigned w) {
  return spec::product(spec::extend(x, is_signed, w), spec::extend(y, false, w), false, w);
}
// The loop one row short (j + 1 < w): the sum after row w - 2 (every check here has w >= 2).
z3::expr product_row_short(const z3::expr &x, const z3::expr &y, bool is_signed, unsigned w) {
  return spec::product_partials(x, y, is_signed, w).at(w - 2);
}
// The signed upper bound taken as the largest positive square, (2^(b-1) - 1)^2: the square of
// the most negative lane, 2^(2b-2), is left out.
z3::expr range_positive_max(const z3::expr &p, unsigned bits, bool is_signed) {
  ProductBounds r = product_bounds(bits, is_signed);
  const std::int64_t half = std::int64_t{1} << (bits - 1);
  if (is_signed)
    r.hi = (half - 1) * (half - 1);
  return product_within(p, is_signed, r, 2 * bits + 2);
}
// The statement in 2b bits: no room for (2^b - 1)^2 as a signed value, which reads negative.
z3::expr range_no_room(const z3::expr &p, unsigned bits, bool is_signed) {
  return product_within(p, is_signed, product_bounds(bits, is_signed), 2 * bits);
}

// word_traits<z3::expr>::mul with switchable defects, each one line of it changed.
struct WordMulDefects {
  bool xor_rows = false;       // rows combined with xor (a carry-less multiply), not add
  bool rotate_rows = false;    // row j = a rotated left by j: the bits shifted out come back
  bool bit_of_a = false;       // row j taken when bit j of a (not of b) is 1
  bool top_row_short = false;  // the loop stops one row short (j + 1 < 64): no a << 63 row
  bool skip_constants = false; // the shortcut skips every constant bit of b, not only the 0s
};
W word_mul(const W &a, const W &b, WordMulDefects d) {
  using T = word_traits<W>;
  z3::context &c = a.ctx();
  W sum = c.bv_val(0, T::kBits);
  for (unsigned j = 0; j < (d.top_row_short ? T::kBits - 1 : T::kBits); ++j) {
    const W bit = T::wrap(a, Z3_mk_extract(c, j, j, d.bit_of_a ? a : b)).simplify();
    if (bit.is_numeral() && (d.skip_constants || bit.get_numeral_uint64() == 0))
      continue;
    const W row = d.rotate_rows ? T::wrap(a, Z3_mk_rotate_left(c, j, a)) : T::shl(a, j);
    const W take = T::wrap(a, Z3_mk_ite(c, bit == c.bv_val(1, 1), row, T::constant(a, 0)));
    sum = d.xor_rows ? T::xor_(sum, take) : T::add(sum, take);
  }
  return sum;
}

} // namespace mutant

namespace {

const Layout kU3{3, 0, Signedness::Unsigned}, kS3{3, 0, Signedness::Signed};

Obligation spec_check(const std::string &op, const Layout &L, const std::string &variant,
                      std::function<void(Query &)> build) {
  return {"mutant", op, L, variant, std::move(build)};
}

// A broken schoolbook product against bvmul at 3 bits, most revealing first: the signed and
// unsigned full 2b-bit products, then the low half.
Mutant product_mutant(const std::string &name, const std::string &defect, const Product &product) {
  Mutant m{name, "spec_product", defect, {}};
  for (const Layout &L : {kS3, kU3})
    m.checks.push_back(spec_check("spec_product", L, "full 2b bits", [product, L](Query &q) {
      check_product(q, L.bits, L.is_signed(), 2 * L.bits, product);
    }));
  m.checks.push_back(spec_check("spec_product", kU3, "low half",
                                [product](Query &q) { check_product(q, 3, false, 3, product); }));
  return m;
}

// A broken range statement over the real schoolbook product at 3 bits, signed first.
Mutant range_mutant(const std::string &name, const std::string &defect, const ProductRange &range) {
  Mutant m{name, "spec_product_range", defect, {}};
  for (const Layout &L : {kS3, kU3})
    m.checks.push_back(spec_check("spec_product_range", L, "2b bits", [range, L](Query &q) {
      check_product_range(q, L.bits, L.is_signed(), range);
    }));
  return m;
}

// A broken multiply model against bvmul, through the check of the op its name starts with: for
// every multiplier of 2, then 4 bits (word_mul), or times broadcast's constants at 1 bit (the only
// layout whose constant has bit 63: every lane one bit wide), then 3 (broadcast_mul).
Mutant mul_model_mutant(const std::string &name, const std::string &defect,
                        mutant::WordMulDefects d) {
  const WordMul mul = [d](const W &a, const W &b) { return mutant::word_mul(a, b, d); };
  const std::string op = name.substr(0, name.find('/'));
  const bool word = op == "word_mul";
  Mutant m{name, op, defect, {}};
  for (unsigned b : word ? std::vector<unsigned>{2, 4} : std::vector<unsigned>{1, 3})
    m.checks.push_back(spec_check(
        op, Layout{b, 0, Signedness::Unsigned}, word ? "64-bit a" : "every guard",
        [mul, b, word](Query &q) { (word ? check_word_mul : check_broadcast_mul)(q, b, mul); }));
  return m;
}

} // namespace

void register_spec_mutants(MutantSet &set) {
  using namespace mutant;
  set.add(product_mutant("spec_product/lane-rows",
                         "schoolbook rows over y's b bits only (a signed y's sign rows dropped)",
                         product_lane_rows));
  set.add(product_mutant("spec_product/row-short",
                         "schoolbook loop stops one row short (j + 1 < w)", product_row_short));
  set.add(range_mutant("spec_product_range/positive-max",
                       "signed upper bound (2^(b-1) - 1)^2: leaves out (-2^(b-1))^2",
                       range_positive_max));
  set.add(range_mutant("spec_product_range/no-room",
                       "range stated in 2b bits: (2^b - 1)^2 reads negative", range_no_room));
  // The multiply model: defects in how a row is formed, taken or summed show at a 2-bit
  // multiplier (word_mul); those in which of b's bits get a row at all (bit 63, the constant
  // ones) need a constant multiplier with high bits set: word_mul's multipliers have at most 4
  // bits, the rest constant 0 (skipped by the model as they should be), so only broadcast_mul's
  // constants show them (both survive every word_mul obligation).
  set.add(mul_model_mutant("word_mul/xor-rows", "rows summed with xor (carry-less multiply)",
                           {.xor_rows = true}));
  set.add(
      mul_model_mutant("word_mul/rotate-rows",
                       "row j = a rotated (not shifted) left by j: high bits wrap to the bottom",
                       {.rotate_rows = true}));
  set.add(mul_model_mutant("word_mul/bit-of-a", "row j taken by bit j of a, not of b (a * a)",
                           {.bit_of_a = true}));
  set.add(mul_model_mutant("broadcast_mul/top-row-short",
                           "loop one row short (j + 1 < 64): bit 63 of b has no a << 63 row",
                           {.top_row_short = true}));
  set.add(mul_model_mutant(
      "broadcast_mul/skip-constants",
      "the shortcut skips every constant bit of b, not only the 0s: constant b gives 0",
      {.skip_constants = true}));
}

} // namespace samd::proofs
