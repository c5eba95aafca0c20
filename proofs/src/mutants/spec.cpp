// Mutants of the specification's own lemmas (obligations/spec_checks.cpp): a schoolbook product
// that is not bvmul, and a product range that leaves out products the schoolbook forms (the range
// the dot and accumulator obligations assume for their lanes' products).
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
}

} // namespace samd::proofs
