// Obligations for samd/ops/add.hpp: wrapping, flagged, saturating and exact addition.
#include "samd/ops/add.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

// The exact sum or difference of two lanes, in b + 2 bits read as signed (enough for either
// signedness: unsigned sums < 2^(b+1), differences > -2^b).
z3::expr exact(const Layout &L, const z3::expr &x, const z3::expr &y, bool is_signed,
               bool subtract) {
  const z3::expr xw = spec::extend(x, is_signed, L.bits + 2),
                 yw = spec::extend(y, is_signed, L.bits + 2);
  return subtract ? xw - yw : xw + yw;
}
// Is the (b+2)-bit signed value v outside the range of a b-bit lane of the given signedness?
z3::expr out_of_range(z3::context &c, const Layout &L, const z3::expr &v, bool is_signed) {
  return !spec::in_range(v, spec::min_value(c, L.bits, is_signed, L.bits + 2),
                         spec::max_value(c, L.bits, is_signed, L.bits + 2), true);
}
// The saturated sum / difference as a b-bit lane.
z3::expr saturated(const Layout &L, const z3::expr &x, const z3::expr &y, bool subtract) {
  z3::context &c = x.ctx();
  const bool s = L.is_signed();
  const z3::expr v = exact(L, x, y, s, subtract);
  return spec::clamp(v, spec::min_value(c, L.bits, s, L.bits + 2),
                     spec::max_value(c, L.bits, s, L.bits + 2), true)
      .extract(L.bits - 1, 0);
}

// A flagged op: value lanes as `value`, flags the lane mask of `flag`.
void check_flagged(Query &q, const Layout &L, const FlaggedBinary &op, const LaneSpec2 &value,
                   const LaneSpec2 &flag, const std::string &call) {
  const LaneWord x = canonical_word(q.ctx, L, "x"), y = canonical_word(q.ctx, L, "y");
  const Flagged<W> r = op(L, x.word, y.word);
  std::vector<z3::expr> values, flags;
  for (unsigned i = 0; i < x.lanes.size(); ++i) {
    values.push_back(value(L, x.lanes[i], y.lanes[i]));
    flags.push_back(spec::mask(flag(L, x.lanes[i], y.lanes[i]), L.bits));
  }
  const std::vector<WordOutput> outs{{"value", "r.value", L, r.value, values},
                                     {"flags", "r.flags", L, r.flags, flags}};
  input_column(q, "x", x, L.is_signed());
  input_column(q, "y", y, L.is_signed());
  expect_words(q, outs, false);
  q.replay = word_replay({{"L", L}}, {{"X", x.word}, {"Y", y.word}}, call, outs);
}

z3::expr sum_lane(const Layout &, const z3::expr &x, const z3::expr &y) { return x + y; }
z3::expr diff_lane(const Layout &, const z3::expr &x, const z3::expr &y) { return x - y; }

} // namespace

void check_add_wrap(Query &q, const Layout &L, const Binary &op) {
  lanewise2(q, L, op, sum_lane, "samd::add_wrap(L, X, Y)");
}
void check_sub_wrap(Query &q, const Layout &L, const Binary &op) {
  lanewise2(q, L, op, diff_lane, "samd::sub_wrap(L, X, Y)");
}
void check_neg_wrap(Query &q, const Layout &L, const Unary &op) {
  lanewise1(
      q, L, op, [](const Layout &, const z3::expr &x) { return -x; }, "samd::neg_wrap(L, X)");
}

// Carry: the sum of the patterns read as unsigned leaves b bits (whatever L's signedness).
void check_add_carry(Query &q, const Layout &L, const FlaggedBinary &op) {
  check_flagged(
      q, L, op, sum_lane,
      [](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return out_of_range(x.ctx(), L, exact(L, x, y, false, false), false);
      },
      "samd::add_carry(L, X, Y)");
}
// Overflow: the sum of the patterns read as signed leaves [-2^(b-1), 2^(b-1)).
void check_add_overflow(Query &q, const Layout &L, const FlaggedBinary &op) {
  check_flagged(
      q, L, op, sum_lane,
      [](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return out_of_range(x.ctx(), L, exact(L, x, y, true, false), true);
      },
      "samd::add_overflow(L, X, Y)");
}
void check_sub_borrow(Query &q, const Layout &L, const FlaggedBinary &op) {
  check_flagged(
      q, L, op, diff_lane,
      [](const Layout &, const z3::expr &x, const z3::expr &y) { return z3::ult(x, y); },
      "samd::sub_borrow(L, X, Y)");
}
void check_sub_overflow(Query &q, const Layout &L, const FlaggedBinary &op) {
  check_flagged(
      q, L, op, diff_lane,
      [](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return out_of_range(x.ctx(), L, exact(L, x, y, true, true), true);
      },
      "samd::sub_overflow(L, X, Y)");
}

// Signed lanes only: MIN where x_i < 0, else MAX.
void check_signed_limit_toward(Query &q, const Layout &L, const Unary &op) {
  lanewise1(
      q, L, op,
      [](const Layout &L, const z3::expr &x) {
        z3::context &c = x.ctx();
        return z3::ite(z3::slt(x, c.bv_val(0, L.bits)), spec::min_value(c, L.bits, true, L.bits),
                       spec::max_value(c, L.bits, true, L.bits));
      },
      "samd::signed_limit_toward(L, X)");
}

void check_add_sat(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op,
      [](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return saturated(L, x, y, false);
      },
      "samd::add_sat(L, X, Y)");
}
void check_sub_sat(Query &q, const Layout &L, const Binary &op) {
  lanewise2(
      q, L, op,
      [](const Layout &L, const z3::expr &x, const z3::expr &y) {
        return saturated(L, x, y, true);
      },
      "samd::sub_sat(L, X, Y)");
}

// add_exact: every field (all f bits) of x and y is an unsigned value with x_i + y_i < 2^f, or
// (canonical_inputs) two canonical words. Post: the word is exactly the fields' sums.
void check_add_exact(Query &q, const Layout &L, const Binary &op, bool canonical_inputs) {
  const Geometry g = geometry(L);
  const LaneWord x =
      canonical_inputs ? canonical_word(q.ctx, L, "x") : field_word(q.ctx, L, "x", false);
  const LaneWord y =
      canonical_inputs ? canonical_word(q.ctx, L, "y") : field_word(q.ctx, L, "y", false);
  std::vector<z3::expr> xf, yf, expected, got;
  const z3::expr r = op(L, x.word, y.word);
  for (unsigned i = 0; i < g.lanes(); ++i) {
    xf.push_back(spec::extend(x.lanes[i], false, g.field()));
    yf.push_back(spec::extend(y.lanes[i], false, g.field()));
    const z3::expr xw = spec::extend(xf[i], false, g.field() + 1),
                   yw = spec::extend(yf[i], false, g.field() + 1);
    if (!canonical_inputs)
      q.require((xw + yw).extract(g.field(), g.field()) == q.ctx.bv_val(0, 1)); // < 2^f
    expected.push_back(xf[i] + yf[i]);
    got.push_back(field_of(r, L, i));
    q.goal("field " + std::to_string(i), got.back() == expected.back());
  }
  q.goal("padding bits 0", padding_zero(r, L));
  q.column("x_i", xf, false);
  q.column("y_i", yf, false);
  q.column("expected", expected, false);
  q.column("got", got, false);
  z3::expr want = r; // the expected word: expected fields, zero padding
  {
    z3::expr_vector parts(q.ctx);
    if (g.used() < kWord)
      parts.push_back(q.ctx.bv_val(0, kWord - g.used()));
    for (unsigned i = g.lanes(); i-- > 0;)
      parts.push_back(expected[i]);
    want = parts.size() == 1 ? parts[0] : z3::concat(parts);
  }
  q.replay = scalar_replay({{"L", L}}, {{"X", x.word}, {"Y", y.word}},
                           {{"samd::add_exact(L, X, Y)", want}});
}

// carry_flags: fields of s hold any f-bit values (padding free) -> lane mask of the fields whose
// value is >= 2^b, i.e. whose guard part is nonzero.
void check_carry_flags(Query &q, const Layout &L, const Unary &op) {
  const Geometry g = geometry(L);
  const LaneWord s = field_word(q.ctx, L, "s", true);
  std::vector<z3::expr> expected;
  for (const z3::expr &field : s.lanes) {
    const z3::expr overflowed =
        g.guard == 0 ? q.ctx.bool_val(false)
                     : field.extract(g.field() - 1, g.bits) != q.ctx.bv_val(0, g.guard);
    expected.push_back(spec::mask(overflowed, L.bits));
  }
  const std::vector<WordOutput> outs{{"flags", "r", L, op(L, s.word), expected}};
  q.column("s_i", s.lanes, false);
  expect_words(q, outs, false);
  q.replay = word_replay({{"L", L}}, {{"S", s.word}}, "samd::carry_flags(L, S)", outs);
}

void register_add(std::vector<Obligation> &out) {
  Family f(out, "add");
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("add_wrap", L, "", [L](Query &q) {
      check_add_wrap(q, L,
                     [](const Layout &L, const W &x, const W &y) { return add_wrap(L, x, y); });
    });
    f.add("sub_wrap", L, "", [L](Query &q) {
      check_sub_wrap(q, L,
                     [](const Layout &L, const W &x, const W &y) { return sub_wrap(L, x, y); });
    });
    f.add("neg_wrap", L, "", [L](Query &q) {
      check_neg_wrap(q, L, [](const Layout &L, const W &x) { return neg_wrap(L, x); });
    });
    f.add("add_carry", L, "", [L](Query &q) {
      check_add_carry(q, L,
                      [](const Layout &L, const W &x, const W &y) { return add_carry(L, x, y); });
    });
    f.add("add_overflow", L, "", [L](Query &q) {
      check_add_overflow(
          q, L, [](const Layout &L, const W &x, const W &y) { return add_overflow(L, x, y); });
    });
    f.add("sub_borrow", L, "", [L](Query &q) {
      check_sub_borrow(q, L,
                       [](const Layout &L, const W &x, const W &y) { return sub_borrow(L, x, y); });
    });
    f.add("sub_overflow", L, "", [L](Query &q) {
      check_sub_overflow(
          q, L, [](const Layout &L, const W &x, const W &y) { return sub_overflow(L, x, y); });
    });
    if (L.is_signed())
      f.add("signed_limit_toward", L, "", [L](Query &q) {
        check_signed_limit_toward(
            q, L, [](const Layout &L, const W &x) { return signed_limit_toward(L, x); });
      });
    f.add("add_sat", L, "", [L](Query &q) {
      check_add_sat(q, L, [](const Layout &L, const W &x, const W &y) { return add_sat(L, x, y); });
    });
    f.add("sub_sat", L, "", [L](Query &q) {
      check_sub_sat(q, L, [](const Layout &L, const W &x, const W &y) { return sub_sat(L, x, y); });
    });
    if (L.guard >= 1)
      for (bool canonical : {false, true})
        f.add("add_exact", L, canonical ? "canonical inputs" : "fields", [L, canonical](Query &q) {
          check_add_exact(
              q, L, [](const Layout &L, const W &x, const W &y) { return add_exact(L, x, y); },
              canonical);
        });
    f.add("carry_flags", L, "", [L](Query &q) {
      check_carry_flags(q, L, [](const Layout &L, const W &s) { return carry_flags(L, s); });
    });
  }
}

} // namespace samd::proofs
