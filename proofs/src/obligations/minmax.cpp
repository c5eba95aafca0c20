// Obligations for samd/ops/minmax.hpp: select, min, max, abs.
#include "samd/ops/minmax.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

// |x| of a b-bit lane (read by L), in b + 1 bits: exact even for the signed minimum.
z3::expr magnitude(const Layout &L, const z3::expr &x) {
  const z3::expr v = spec::extend(x, L.is_signed(), L.bits + 1);
  return z3::ite(z3::slt(v, x.ctx().bv_val(0, L.bits + 1)), -v, v);
}

} // namespace

// m is any word; a, b canonical. Each value bit comes from a where m has a 1, else from b.
void check_select(Query &q, const Layout &L, const Select &op) {
  const z3::expr m = free_word(q.ctx, "m");
  const LaneWord a = canonical_word(q.ctx, L, "a"), b = canonical_word(q.ctx, L, "b");
  std::vector<z3::expr> expected, mlanes;
  for (unsigned i = 0; i < a.lanes.size(); ++i) {
    mlanes.push_back(lane_of(m, L, i));
    expected.push_back((mlanes[i] & a.lanes[i]) | (~mlanes[i] & b.lanes[i]));
  }
  const std::vector<WordOutput> outs{{"r", "r", L, op(L, m, a.word, b.word), expected}};
  q.column("m_i", mlanes, false);
  input_column(q, "a", a, L.is_signed());
  input_column(q, "b", b, L.is_signed());
  expect_words(q, outs, false);
  q.replay = word_replay({{"L", L}}, {{"M", m}, {"A", a.word}, {"B", b.word}},
                         "samd::select(L, M, A, B)", outs);
}

void check_min_lanes(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op,
      [](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return z3::ite(spec::less(x, y, L.is_signed()), x, y);
      },
      "samd::min_lanes(L, X, Y)");
}

void check_max_lanes(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op,
      [](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return z3::ite(spec::less(x, y, L.is_signed()), y, x);
      },
      "samd::max_lanes(L, X, Y)");
}

// abs_lanes: |x_i| as an unsigned b-bit value, exactly (identity for unsigned layouts).
void check_abs_lanes(Query &q, const Layout &L, const Unary &op) {
  const Layout U = L.as_unsigned();
  const LaneWord x = canonical_word(q.ctx, L, "x");
  std::vector<z3::expr> expected;
  for (const z3::expr &xi : x.lanes)
    expected.push_back(magnitude(L, xi).extract(L.bits - 1, 0));
  const std::vector<WordOutput> outs{{"r", "r", U, op(L, x.word), expected}};
  input_column(q, "x", x, L.is_signed());
  expect_words(q, outs, false);
  q.replay = word_replay({{"L", L}, {"U", U}}, {{"X", x.word}}, "samd::abs_lanes(L, X)", outs);
}

// abs_sat: min(|x_i|, max) (identity for unsigned layouts).
void check_abs_sat(Query &q, const Layout &L, const Unary &op) {
  lanewise1(
      q, L, op,
      [](const Layout &L, const z3::expr &x) {
        const z3::expr m = magnitude(L, x),
                       hi = spec::max_value(x.ctx(), L.bits, L.is_signed(), L.bits + 1);
        return z3::ite(z3::ugt(m, hi), hi, m).extract(L.bits - 1, 0);
      },
      "samd::abs_sat(L, X)");
}

void register_minmax(std::vector<Obligation> &out) {
  Family f(out, "minmax");
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("select", L, "", [L](Query &q) {
      check_select(q, L, [](const Layout &L, const W &m, const W &a, const W &b) {
        return select(L, m, a, b);
      });
    });
    f.add("min_lanes", L, "", [L](Query &q) {
      check_min_lanes(q, L,
                      [](const Layout &L, const W &x, const W &y) { return min_lanes(L, x, y); });
    });
    f.add("max_lanes", L, "", [L](Query &q) {
      check_max_lanes(q, L,
                      [](const Layout &L, const W &x, const W &y) { return max_lanes(L, x, y); });
    });
    f.add("abs_lanes", L, "", [L](Query &q) {
      check_abs_lanes(q, L, [](const Layout &L, const W &x) { return abs_lanes(L, x); });
    });
    f.add("abs_sat", L, "", [L](Query &q) {
      check_abs_sat(q, L, [](const Layout &L, const W &x) { return abs_sat(L, x); });
    });
  }
}

} // namespace samd::proofs
