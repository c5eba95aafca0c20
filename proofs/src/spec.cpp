#include "samd_proofs/spec.hpp"

namespace samd::proofs::spec {

z3::expr constant(z3::context &c, std::int64_t v, unsigned w) {
  // Build in 64 bits (exact for every value used here), then fit to w bits.
  const z3::expr v64 = c.bv_val(static_cast<std::uint64_t>(v), 64);
  if (w == 64)
    return v64;
  if (w < 64)
    return v64.extract(w - 1, 0);
  return z3::sext(v64, w - 64);
}

z3::expr extend(const z3::expr &lane, bool is_signed, unsigned w) {
  const unsigned b = lane.get_sort().bv_size();
  if (w == b)
    return lane;
  return is_signed ? z3::sext(lane, w - b) : z3::zext(lane, w - b);
}

z3::expr less(const z3::expr &a, const z3::expr &b, bool is_signed) {
  return is_signed ? z3::slt(a, b) : z3::ult(a, b);
}
z3::expr less_eq(const z3::expr &a, const z3::expr &b, bool is_signed) {
  return is_signed ? z3::sle(a, b) : z3::ule(a, b);
}

z3::expr mask(const z3::expr &cond, unsigned bits) {
  z3::context &c = cond.ctx();
  return z3::ite(cond, constant(c, -1, bits), c.bv_val(0, bits));
}

z3::expr min_value(z3::context &c, unsigned bits, bool is_signed, unsigned w) {
  return is_signed ? constant(c, -(std::int64_t{1} << (bits - 1)), w) : c.bv_val(0, w);
}
z3::expr max_value(z3::context &c, unsigned bits, bool is_signed, unsigned w) {
  const std::int64_t umax = bits >= 63 ? INT64_MAX : (std::int64_t{1} << bits) - 1;
  return constant(c, is_signed ? (std::int64_t{1} << (bits - 1)) - 1 : umax, w);
}

z3::expr clamp(const z3::expr &v, const z3::expr &lo, const z3::expr &hi, bool is_signed) {
  return z3::ite(less(v, lo, is_signed), lo, z3::ite(less(hi, v, is_signed), hi, v));
}

z3::expr in_range(const z3::expr &v, const z3::expr &lo, const z3::expr &hi, bool is_signed) {
  return less_eq(lo, v, is_signed) && less_eq(v, hi, is_signed);
}

z3::expr sum(std::vector<z3::expr> terms, bool is_signed, unsigned w) {
  while (terms.size() > 1) {
    std::vector<z3::expr> next;
    for (std::size_t i = 0; i < terms.size(); i += 2) {
      const unsigned level = terms[i].get_sort().bv_size() + 1;
      const z3::expr a = extend(terms[i], is_signed, level);
      next.push_back(i + 1 < terms.size() ? a + extend(terms[i + 1], is_signed, level) : a);
    }
    terms = std::move(next);
  }
  return extend(terms.front(), is_signed, w);
}

std::vector<z3::expr> product_partials(const z3::expr &x, const z3::expr &y, bool is_signed,
                                       unsigned w) {
  z3::context &c = x.ctx();
  const z3::expr xw = extend(x, is_signed, w), yw = extend(y, is_signed, w);
  std::vector<z3::expr> partials;
  z3::expr sum = c.bv_val(0, w);
  for (unsigned j = 0; j < w; ++j) {
    const z3::expr row = z3::shl(xw, c.bv_val(j, w)); // x * 2^j mod 2^w
    sum = sum + z3::ite(yw.extract(j, j) == c.bv_val(1, 1), row, c.bv_val(0, w));
    partials.push_back(sum);
  }
  return partials;
}

z3::expr product(const z3::expr &x, const z3::expr &y, bool is_signed, unsigned w) {
  return product_partials(x, y, is_signed, w).back();
}

z3::expr product_bvmul(const z3::expr &x, const z3::expr &y, bool is_signed, unsigned w) {
  return extend(x, is_signed, w) * extend(y, is_signed, w);
}

} // namespace samd::proofs::spec
