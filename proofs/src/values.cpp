#include <cstdio>
#include <stdexcept>

#include "samd_proofs/obligation.hpp"

namespace samd::proofs {

z3::expr Values::eval(const z3::expr &e) const {
  if (fixed_.empty())
    return model_.eval(e, true);
  z3::expr_vector from(e.ctx()), to(e.ctx());
  for (std::size_t i = 0; i < fixed_.size(); ++i) {
    from.push_back(fixed_[i]);
    to.push_back(fixed_to_[i]);
  }
  return model_.eval(z3::expr(e).substitute(from, to), true);
}

std::uint64_t Values::word(const z3::expr &e) const {
  if (e.is_int()) // an integer term (the kernels' bounds): its two's complement
    return static_cast<std::uint64_t>(value(e, true));
  const unsigned w = e.get_sort().bv_size();
  const z3::expr low = w > 64 ? e.extract(63, 0) : e;
  return eval(low).get_numeral_uint64();
}

std::int64_t Values::value(const z3::expr &e, bool is_signed) const {
  if (e.is_int()) {
    std::int64_t v = 0;
    const z3::expr ev = eval(e);
    if (!Z3_get_numeral_int64(ev.ctx(), ev, &v))
      throw std::out_of_range("samd prove: an integer beyond int64 in a counterexample");
    return v;
  }
  const unsigned w = e.get_sort().bv_size();
  std::uint64_t u = word(e);
  if (is_signed && w < 64 && ((u >> (w - 1)) & 1))
    u |= ~std::uint64_t{0} << w; // sign-extend
  return static_cast<std::int64_t>(u);
}

std::string Values::decimal(const z3::expr &e, bool is_signed) const {
  if (e.is_int())
    return eval(e).get_decimal_string(0);
  const bool negative =
      is_signed && eval(z3::slt(e, e.ctx().bv_val(0, e.get_sort().bv_size()))).is_true();
  std::string digits; // Z3's numeral string: the unsigned value, at any width
  if (!eval(negative ? -e : e).is_numeral(digits))
    throw std::logic_error("samd prove: a counterexample value is not a numeral");
  return (negative ? "-" : "") + digits;
}

std::string Values::lanes(const std::vector<z3::expr> &es, bool is_signed) const {
  std::string s;
  for (const z3::expr &e : es)
    s += (s.empty() ? "" : ", ") +
         (e.is_int() ? eval(e).get_decimal_string(0) : std::to_string(value(e, is_signed)));
  return s;
}

std::string Values::hex(const z3::expr &e) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llxull", static_cast<unsigned long long>(word(e)));
  return buf;
}

} // namespace samd::proofs
