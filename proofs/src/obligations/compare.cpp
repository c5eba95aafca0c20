// Obligations for samd/ops/compare.hpp: lane masks of comparisons, signed or unsigned per L.
#include "samd/ops/compare.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

enum class Rel { Eq, Ne, Lt, Le, Gt, Ge };

z3::expr holds(const Layout &L, const z3::expr &x, const z3::expr &y, Rel rel) {
  const bool s = L.is_signed();
  switch (rel) {
  case Rel::Eq:
    return x == y;
  case Rel::Ne:
    return x != y;
  case Rel::Lt:
    return spec::less(x, y, s);
  case Rel::Le:
    return spec::less_eq(x, y, s);
  case Rel::Gt:
    return spec::less(y, x, s);
  case Rel::Ge:
    break;
  }
  return spec::less_eq(y, x, s);
}

void check_compare(Query &q, const Layout &L, const Binary &op, Rel rel, const std::string &name) {
  lanewise2(
      q, L, op,
      [rel](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return spec::mask(holds(L, x, y, rel), L.bits);
      },
      "samd::" + name + "(L, X, Y)");
}

} // namespace

void check_cmp_eq(Query &q, const Layout &L, const Binary &op) {
  check_compare(q, L, op, Rel::Eq, "cmp_eq");
}
void check_cmp_ne(Query &q, const Layout &L, const Binary &op) {
  check_compare(q, L, op, Rel::Ne, "cmp_ne");
}
void check_cmp_lt(Query &q, const Layout &L, const Binary &op) {
  check_compare(q, L, op, Rel::Lt, "cmp_lt");
}
void check_cmp_le(Query &q, const Layout &L, const Binary &op) {
  check_compare(q, L, op, Rel::Le, "cmp_le");
}
void check_cmp_gt(Query &q, const Layout &L, const Binary &op) {
  check_compare(q, L, op, Rel::Gt, "cmp_gt");
}
void check_cmp_ge(Query &q, const Layout &L, const Binary &op) {
  check_compare(q, L, op, Rel::Ge, "cmp_ge");
}

void register_compare(std::vector<Obligation> &out) {
  Family f(out, "compare");
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("cmp_eq", L, "", [L](Query &q) {
      check_cmp_eq(q, L, [](const Layout &L, const W &x, const W &y) { return cmp_eq(L, x, y); });
    });
    f.add("cmp_ne", L, "", [L](Query &q) {
      check_cmp_ne(q, L, [](const Layout &L, const W &x, const W &y) { return cmp_ne(L, x, y); });
    });
    f.add("cmp_lt", L, "", [L](Query &q) {
      check_cmp_lt(q, L, [](const Layout &L, const W &x, const W &y) { return cmp_lt(L, x, y); });
    });
    f.add("cmp_le", L, "", [L](Query &q) {
      check_cmp_le(q, L, [](const Layout &L, const W &x, const W &y) { return cmp_le(L, x, y); });
    });
    f.add("cmp_gt", L, "", [L](Query &q) {
      check_cmp_gt(q, L, [](const Layout &L, const W &x, const W &y) { return cmp_gt(L, x, y); });
    });
    f.add("cmp_ge", L, "", [L](Query &q) {
      check_cmp_ge(q, L, [](const Layout &L, const W &x, const W &y) { return cmp_ge(L, x, y); });
    });
  }
}

} // namespace samd::proofs
