// Obligations for samd/ops/logic.hpp.
#include "samd/ops/logic.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {

void check_bit_and(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op, [](const Layout &, const z3::expr &x, const z3::expr &y) { return x & y; },
      "samd::bit_and(L, X, Y)");
}
void check_bit_or(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op, [](const Layout &, const z3::expr &x, const z3::expr &y) { return x | y; },
      "samd::bit_or(L, X, Y)");
}
void check_bit_xor(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op, [](const Layout &, const z3::expr &x, const z3::expr &y) { return x ^ y; },
      "samd::bit_xor(L, X, Y)");
}
void check_bit_andnot(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op, [](const Layout &, const z3::expr &x, const z3::expr &y) { return x & ~y; },
      "samd::bit_andnot(L, X, Y)");
}
void check_bit_not(Query &q, const Layout &L, const Unary &op) {
  lanewise1(
      q, L, op, [](const Layout &, const z3::expr &x) { return ~x; }, "samd::bit_not(L, X)");
}

void register_logic(std::vector<Obligation> &out) {
  Family f(out, "logic");
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("bit_and", L, "", [L](Query &q) {
      check_bit_and(q, L, [](const Layout &L, const W &x, const W &y) { return bit_and(L, x, y); });
    });
    f.add("bit_or", L, "", [L](Query &q) {
      check_bit_or(q, L, [](const Layout &L, const W &x, const W &y) { return bit_or(L, x, y); });
    });
    f.add("bit_xor", L, "", [L](Query &q) {
      check_bit_xor(q, L, [](const Layout &L, const W &x, const W &y) { return bit_xor(L, x, y); });
    });
    f.add("bit_andnot", L, "", [L](Query &q) {
      check_bit_andnot(q, L,
                       [](const Layout &L, const W &x, const W &y) { return bit_andnot(L, x, y); });
    });
    f.add("bit_not", L, "", [L](Query &q) {
      check_bit_not(q, L, [](const Layout &L, const W &x) { return bit_not(L, x); });
    });
  }
}

} // namespace samd::proofs
