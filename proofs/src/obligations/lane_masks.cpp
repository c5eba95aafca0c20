// Obligations for samd/ops/lane_masks.hpp: the building blocks every other op relies on.
#include "samd/ops/lane_masks.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

// A word with one free bit per lane at lane bit `pos` -> the lane mask of those bits.
void check_spread(Query &q, const Layout &L, const Unary &op, unsigned pos,
                  const std::string &call) {
  const LaneWord m = single_bit_word(q.ctx, L, "m", pos);
  std::vector<z3::expr> expected;
  for (const z3::expr &bit : m.lanes)
    expected.push_back(spec::mask(bit == q.ctx.bv_val(1, 1), L.bits));
  const std::vector<WordOutput> outs{{"r", "r", L, op(L, m.word), expected}};
  q.column("m_i", m.lanes, false);
  expect_words(q, outs, false);
  q.replay = word_replay({{"L", L}}, {{"M", m.word}}, call, outs);
}

} // namespace

void check_spread_high(Query &q, const Layout &L, const Unary &op) {
  check_spread(q, L, op, L.bits - 1, "samd::spread_high(L, M)");
}

void check_spread_low(Query &q, const Layout &L, const Unary &op) {
  check_spread(q, L, op, 0, "samd::spread_low(L, M)");
}

void check_sign_mask(Query &q, const Layout &L, const Unary &op) {
  lanewise1(
      q, L, op,
      [](const Layout &L, const z3::expr &x) {
        return spec::mask(x.extract(L.bits - 1, L.bits - 1) == x.ctx().bv_val(1, 1), L.bits);
      },
      "samd::sign_mask(L, X)");
}

// Bit b-1 of lane i set iff lane i != 0; every other bit 0.
void check_nonzero_high(Query &q, const Layout &L, const Unary &op) {
  lanewise1(
      q, L, op,
      [](const Layout &L, const z3::expr &x) {
        z3::context &c = x.ctx();
        return z3::ite(x != c.bv_val(0, L.bits),
                       spec::constant(c, std::int64_t{1} << (L.bits - 1), L.bits),
                       c.bv_val(0, L.bits));
      },
      "samd::nonzero_high(L, X)");
}

// Any word x (guard bits need not be 0): lane i's value bits at bit 0, every other bit 0.
void check_lane_bits_of(Query &q, const Layout &L, const LaneBitsOf &op) {
  const z3::expr x = free_word(q.ctx, "x");
  const Geometry g = geometry(L);
  std::vector<ScalarCheck> checks;
  std::vector<z3::expr> got, want;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    const z3::expr expected =
        z3::zext(x.extract(g.lane_lo(i) + g.bits - 1, g.lane_lo(i)), kWord - g.bits);
    const z3::expr r = op(L, x, i);
    q.goal("i=" + std::to_string(i), r == expected);
    checks.push_back({"samd::lane_bits_of(L, X, " + std::to_string(i) + ")", expected});
    got.push_back(r);
    want.push_back(expected);
  }
  q.column("expected", want, false);
  q.column("got", got, false);
  q.replay = scalar_replay({{"L", L}}, {{"X", x}}, checks);
}

// A b-bit pattern at bit 0 -> the 64-bit two's complement value it denotes in L.
void check_extend_lane(Query &q, const Layout &L, const Unary &op) {
  const z3::expr v = q.ctx.bv_const("v", L.bits);
  const z3::expr word = L.bits == kWord ? v : z3::zext(v, kWord - L.bits);
  const z3::expr expected = spec::extend(v, L.is_signed(), kWord);
  const z3::expr r = op(L, word);
  q.goal("value", r == expected);
  q.column("v", {v}, L.is_signed());
  q.column("expected", {expected}, true);
  q.column("got", {r}, true);
  q.replay = scalar_replay({{"L", L}}, {{"V", word}}, {{"samd::extend_lane(L, V)", expected}});
}

void register_lane_masks(std::vector<Obligation> &out) {
  Family f(out, "lane_masks");
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("spread_high", L, "", [L](Query &q) {
      check_spread_high(q, L, [](const Layout &L, const W &m) { return spread_high(L, m); });
    });
    f.add("spread_low", L, "", [L](Query &q) {
      check_spread_low(q, L, [](const Layout &L, const W &m) { return spread_low(L, m); });
    });
    f.add("sign_mask", L, "", [L](Query &q) {
      check_sign_mask(q, L, [](const Layout &L, const W &x) { return sign_mask(L, x); });
    });
    f.add("nonzero_high", L, "", [L](Query &q) {
      check_nonzero_high(q, L, [](const Layout &L, const W &x) { return nonzero_high(L, x); });
    });
    f.add("lane_bits_of", L, "", [L](Query &q) {
      check_lane_bits_of(
          q, L, [](const Layout &L, const W &x, unsigned i) { return lane_bits_of(L, x, i); });
    });
    f.add("extend_lane", L, "", [L](Query &q) {
      check_extend_lane(q, L, [](const Layout &L, const W &v) { return extend_lane(L, v); });
    });
  }
}

} // namespace samd::proofs
