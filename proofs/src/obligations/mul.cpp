// Obligations for samd/ops/mul.hpp (b <= 16). These are the expensive ones: every goal is one
// lane, operands stay narrow lane variables, and the spec product is the schoolbook definition
// (see spec.hpp), so Z3 never bit-blasts a 64 x 64 multiplication.
//
// The shift-and-add multiplier selects partial products with spread_low masks; for a lane above
// the bottom of a word, the mask's bits come out of a borrow chain through the lanes below, which
// SAT has to untangle for every row. So the queries cut (see Query::cut) at those selectors:
// each is proven equal to the word whose lanes are all ones where bit j of the y lane is set,
// then the lanes are checked with the selectors replaced. The cuts are built the way the
// multiplier builds its selectors; should that change they no longer match anything, and the
// proof is still sound, only slower.
#include "samd/ops/mul.hpp"

#include "checks.hpp"
#include "families.hpp"
#include "samd/ops/convert.hpp"

namespace samd::proofs {
namespace {

// Cut the row selectors of one word `y` of layout T whose lanes are `y_lanes` (T.bits wide):
// row j's is all ones in the lanes whose y bit j is set.
void cut_row_selectors(Query &q, const Layout &T, const W &y, const std::vector<z3::expr> &y_lanes,
                       const std::string &what) {
  for (unsigned j = 0; j < T.bits; ++j) {
    const W selector = spread_low(T, and_c(shr(y, j), T.lane_low_mask()));
    std::vector<z3::expr> lanes;
    for (const z3::expr &l : y_lanes)
      lanes.push_back(spec::mask(l.extract(j, j) == q.ctx.bv_val(1, 1), T.bits));
    q.cut(what + " row " + std::to_string(j) + " selector", selector, lanes_word(q.ctx, T, lanes));
  }
}

// Cut the multiplier's accumulator after each of its first `rows` rows: the word the code forms
// from the previous row's word, the widened x word and the row selector, equal to the word whose
// lanes are the spec's running schoolbook sums (spec::product_partials of the lane values `xs`,
// `ys`). Without these cuts the signed 2b-bit products above 9 bits (2b rows, each a SWAR add)
// reach the solver as one deep adder chain per lane and time out. Each step is proven over fresh
// lane variables (Query::cut_instance): previous sum a_i, x lane x_i, y bit s_i; so the solver
// sees one word add against lane adds, not the running sums it is applied to.
void cut_rows(Query &q, const Layout &T, const std::vector<z3::expr> &xs,
              const std::vector<z3::expr> &ys, bool is_signed, unsigned rows,
              const std::string &what) {
  z3::context &c = q.ctx;
  std::vector<std::vector<z3::expr>> partials;
  std::vector<z3::expr> xw, yw;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    partials.push_back(spec::product_partials(xs[i], ys[i], is_signed, T.bits));
    xw.push_back(spec::extend(xs[i], is_signed, T.bits));
    yw.push_back(spec::extend(ys[i], is_signed, T.bits));
  }
  // The generic step's variables, one set per live lane (lanes past the inputs are 0 in every
  // word: constants, as lanes_word pads them).
  const z3::expr zero_lane = c.bv_val(0, T.bits);
  std::vector<z3::expr> a, x, s;
  for (unsigned i = 0; i < xs.size(); ++i) {
    const std::string n = std::to_string(i);
    a.push_back(c.bv_const(("a_" + n).c_str(), T.bits));
    x.push_back(c.bv_const(("x_" + n).c_str(), T.bits));
    s.push_back(c.bv_const(("s_" + n).c_str(), 1));
  }
  const W x_word = lanes_word(c, T, x);
  for (unsigned j = 0; j < rows && j < T.bits; ++j) {
    std::vector<z3::expr> selected, sums;
    z3::expr_vector vars(c), values(c);
    for (unsigned i = 0; i < xs.size(); ++i) {
      const z3::expr bit = s[i] == c.bv_val(1, 1);
      selected.push_back(spec::mask(bit, T.bits));
      // Built as spec::product_partials builds entry j from entry j-1.
      const z3::expr base = j == 0 ? zero_lane : a[i];
      sums.push_back(base + z3::ite(bit, z3::shl(x[i], c.bv_val(j, T.bits)), zero_lane));
      vars.push_back(a[i]);
      values.push_back(j == 0 ? zero_lane : partials[i][j - 1]);
      vars.push_back(x[i]);
      values.push_back(xw[i]);
      vars.push_back(s[i]);
      values.push_back(yw[i].extract(j, j));
    }
    const W acc = j == 0 ? zero(x_word) : lanes_word(c, T, a); // the multiplier starts from 0
    const W step = add_wrap(T, acc, and_(shift_left(T, x_word, j), lanes_word(c, T, selected)));
    q.cut_instance(what + " after row " + std::to_string(j), step, lanes_word(c, T, sums), vars,
                   values);
  }
}

// x * y lane by lane in L, with the selectors of y and the rows cut; `y_lanes` are y's lane
// values. `rows`: the multiplier's rows (0 when the op takes no shift-and-add path).
void check_low_product(Query &q, const Layout &L, const LaneWord &x, const W &y,
                       const std::vector<z3::expr> &y_lanes, const W &got,
                       const std::vector<ReplayInput> &inputs, const std::string &call,
                       unsigned rows) {
  cut_row_selectors(q, L, y, y_lanes, "y");
  cut_rows(q, L, x.lanes, y_lanes, false, rows, "product");
  std::vector<z3::expr> expected;
  for (unsigned i = 0; i < x.lanes.size(); ++i)
    expected.push_back(spec::product(x.lanes[i], y_lanes[i], false, L.bits));
  const std::vector<WordOutput> outs{{"r", "r", L, q.through_cuts(got), expected}};
  input_column(q, "x", x, L.is_signed());
  q.column("y_i", y_lanes, L.is_signed());
  expect_words(q, outs, true);
  q.replay = word_replay({{"L", L}}, inputs, call, outs);
}

} // namespace

// Lane i = (x_i * y_i) mod 2^b: the same bits for either signedness.
void check_mul_wrap(Query &q, const Layout &L, const Binary &op) {
  const LaneWord x = canonical_word(q.ctx, L, "x"), y = canonical_word(q.ctx, L, "y");
  check_low_product(q, L, x, y.word, y.lanes, op(L, x.word, y.word), {{"X", x.word}, {"Y", y.word}},
                    "samd::mul_wrap(L, X, Y)", L.bits);
}

// k is any word; its low b bits are the scalar. The broadcast scalar is cut first (the word
// whose every lane is the scalar), then its row selectors.
void check_mul_scalar(Query &q, const Layout &L, const Binary &op) {
  const LaneWord x = canonical_word(q.ctx, L, "x");
  const z3::expr k = free_word(q.ctx, "k");
  const z3::expr scalar = k.extract(L.bits - 1, 0);
  const std::vector<z3::expr> y_lanes(x.lanes.size(), scalar);
  const W spread = lanes_word(q.ctx, L, y_lanes);
  q.cut("scalar broadcast", broadcast(L, and_c(k, L.lane_bits())), spread);
  // With guard >= bits the op forms every lane product with one word multiply, no rows.
  check_low_product(q, L, x, spread, y_lanes, op(L, x.word, k), {{"X", x.word}, {"K", k}},
                    "samd::mul_scalar(L, X, K)", L.guard >= L.bits ? 0 : L.bits);
}

// Product lane j = x_j * y_j exactly, a 2b-bit value in `to`, in convert()'s sequence order.
// mul_widen widens both operands with convert() and then multiplies in `to`. The query cuts at the
// widened operands (convert's contract: lane j = x_j extended to 2b bits, other lanes and guard
// bits 0) and at the row selectors of the widened y.
void check_mul_widen(Query &q, const Layout &L, const Layout &to, const MulWiden &op) {
  const LaneWord x = canonical_word(q.ctx, L, "x"), y = canonical_word(q.ctx, L, "y");
  std::vector<z3::expr> expected, xw, yw;
  for (unsigned j = 0; j < x.lanes.size(); ++j) {
    expected.push_back(spec::product(x.lanes[j], y.lanes[j], L.is_signed(), to.bits));
    xw.push_back(spec::extend(x.lanes[j], L.is_signed(), to.bits));
    yw.push_back(spec::extend(y.lanes[j], L.is_signed(), to.bits));
  }
  const std::vector<W> xs = convert(L, to, std::vector<W>{x.word}, Overflow::Wrap);
  const std::vector<W> ys = convert(L, to, std::vector<W>{y.word}, Overflow::Wrap);
  const std::vector<W> xr = sequence_words(q.ctx, to, xw), yr = sequence_words(q.ctx, to, yw);
  const unsigned per_word = to.lanes();
  for (std::size_t k = 0; k < xs.size() && k < xr.size(); ++k) {
    q.cut("x widened, word " + std::to_string(k), xs[k], xr[k]);
    q.cut("y widened, word " + std::to_string(k), ys[k], yr[k]);
    const std::size_t first = k * per_word, last = std::min(yw.size(), first + per_word);
    const std::string word = "word " + std::to_string(k);
    cut_row_selectors(q, to, yr[k], {yw.begin() + long(first), yw.begin() + long(last)},
                      "y " + word);
    // Sign-extended y lanes have 2b significant bits, zero-extended ones b.
    cut_rows(q, to, {x.lanes.begin() + long(first), x.lanes.begin() + long(last)},
             {y.lanes.begin() + long(first), y.lanes.begin() + long(last)}, L.is_signed(),
             L.is_signed() ? to.bits : L.bits, "product " + word);
  }
  std::vector<W> got = op(L, to, x.word, y.word);
  for (W &w : got)
    w = q.through_cuts(w);
  const std::size_t words = (L.lanes() + to.lanes() - 1) / to.lanes();
  input_column(q, "x", x, L.is_signed());
  input_column(q, "y", y, L.is_signed());
  expect_sequence(q, to, got, words, expected, true);
  q.replay = sequence_replay({{"L", L}, {"T", to}}, {{"X", x.word}, {"Y", y.word}},
                             "samd::mul_widen(L, T, X, Y)", "T", to, expected);
}

std::string mul_widen_key(const Layout &L, const Layout &to) {
  return "mul_widen " + layout_name(L) + " to=" + layout_name(to);
}

std::vector<W> product_words(Query &q, const Layout &L, const Layout &to, const LaneWord &x,
                             const LaneWord &y, bool tail_zero) {
  std::vector<z3::expr> lanes;
  for (unsigned j = 0; j < x.lanes.size(); ++j)
    lanes.push_back(spec::product(x.lanes[j], y.lanes[j], L.is_signed(), to.bits));
  const unsigned per_word = to.lanes();
  const std::size_t words = (lanes.size() + per_word - 1) / per_word;
  for (std::size_t j = lanes.size(); j < words * per_word; ++j)
    lanes.push_back(
        tail_zero ? q.ctx.bv_val(0, to.bits)
                  : q.ctx.bv_const(std::string("tail").append(std::to_string(j)).c_str(), to.bits));
  return sequence_words(q.ctx, to, lanes);
}

void register_mul(std::vector<Obligation> &out) {
  Family f(out, "mul");
  for (const Layout &L : layouts(kMaxMulBits)) {
    f.add("mul_wrap", L, "", [L](Query &q) {
      check_mul_wrap(q, L,
                     [](const Layout &L, const W &x, const W &y) { return mul_wrap(L, x, y); });
    });
    f.add("mul_scalar", L, "", [L](Query &q) {
      check_mul_scalar(q, L,
                       [](const Layout &L, const W &x, const W &k) { return mul_scalar(L, x, k); });
    });
    // A middle-guard source: only the guard-0 products that its dot obligation assumes.
    for (unsigned g : is_middle_guard(L) ? std::vector<unsigned>{0} : guard_configs(2 * L.bits)) {
      const Layout to = widening_layout(L, g);
      f.add("mul_widen", L, "to=" + layout_name(to),
            [L, to](Query &q) { // key: mul_widen_key(L, to)
              check_mul_widen(q, L, to,
                              [](const Layout &L, const Layout &to, const W &x, const W &y) {
                                return mul_widen(L, to, x, y);
                              });
            });
    }
  }
}

} // namespace samd::proofs
