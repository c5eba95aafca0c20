// Obligations for samd/ops/shift.hpp, for every shift amount k in 0..b and one k > b.
#include "samd/ops/shift.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

enum class Kind { Left, Logical, Arithmetic };

// The lane shifted as a 64-bit value, then cut back to b bits (k <= 33 < 64 here).
z3::expr shifted(const z3::expr &x, unsigned k, Kind kind) {
  z3::context &c = x.ctx();
  const unsigned b = x.get_sort().bv_size();
  const z3::expr amount = c.bv_val(k, kWord);
  switch (kind) {
  case Kind::Left:
    return z3::shl(spec::extend(x, false, kWord), amount).extract(b - 1, 0);
  case Kind::Logical:
    return z3::lshr(spec::extend(x, false, kWord), amount).extract(b - 1, 0);
  case Kind::Arithmetic:
    break; // floor(x / 2^k) with x read as signed: copies of bit b-1 shift in
  }
  return z3::ashr(spec::extend(x, true, kWord), amount).extract(b - 1, 0);
}

void check_shift(Query &q, const Layout &L, unsigned k, const Shift &op, Kind kind,
                 const std::string &name) {
  lanewise1(
      q, L, [k, op](const Layout &L, const W &x) { return op(L, x, k); },
      [k, kind](const Layout &, const z3::expr &x) { return shifted(x, k, kind); },
      "samd::" + name + "(L, X, " + std::to_string(k) + ")");
}

} // namespace

void check_shift_left(Query &q, const Layout &L, unsigned k, const Shift &op) {
  check_shift(q, L, k, op, Kind::Left, "shift_left");
}
void check_shift_right_logical(Query &q, const Layout &L, unsigned k, const Shift &op) {
  check_shift(q, L, k, op, Kind::Logical, "shift_right_logical");
}
void check_shift_right_arithmetic(Query &q, const Layout &L, unsigned k, const Shift &op) {
  check_shift(q, L, k, op, Kind::Arithmetic, "shift_right_arithmetic");
}
void check_shift_right(Query &q, const Layout &L, unsigned k, const Shift &op) {
  check_shift(q, L, k, op, L.is_signed() ? Kind::Arithmetic : Kind::Logical, "shift_right");
}

// The shift amounts proven for a width: every k in 0..b, and b + 1 (a shift past the lane).
std::vector<unsigned> shift_amounts(unsigned bits) {
  std::vector<unsigned> ks;
  for (unsigned k = 0; k <= bits + 1; ++k)
    ks.push_back(k);
  return ks;
}

void register_shift(std::vector<Obligation> &out) {
  Family f(out, "shift");
  for (const Layout &L : layouts(kMaxBits))
    for (unsigned k : shift_amounts(L.bits)) {
      const std::string v = "k=" + std::to_string(k);
      f.add("shift_left", L, v, [L, k](Query &q) {
        check_shift_left(
            q, L, k, [](const Layout &L, const W &x, unsigned k) { return shift_left(L, x, k); });
      });
      f.add("shift_right_logical", L, v, [L, k](Query &q) {
        check_shift_right_logical(q, L, k, [](const Layout &L, const W &x, unsigned k) {
          return shift_right_logical(L, x, k);
        });
      });
      f.add("shift_right_arithmetic", L, v, [L, k](Query &q) {
        check_shift_right_arithmetic(q, L, k, [](const Layout &L, const W &x, unsigned k) {
          return shift_right_arithmetic(L, x, k);
        });
      });
      f.add("shift_right", L, v, [L, k](Query &q) {
        check_shift_right(
            q, L, k, [](const Layout &L, const W &x, unsigned k) { return shift_right(L, x, k); });
      });
    }
}

} // namespace samd::proofs
