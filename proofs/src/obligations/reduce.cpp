// Obligations for samd/ops/reduce.hpp: horizontal sum and dot product, as 64-bit integers.
#include "samd/ops/reduce.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {

void check_hsum(Query &q, const Layout &L, const Unary &op) {
  const LaneWord x = canonical_word(q.ctx, L, "x");
  const z3::expr expected = spec::sum(x.lanes, L.is_signed(), kWord), got = op(L, x.word);
  q.goal("sum", got == expected);
  input_column(q, "x", x, L.is_signed());
  q.column("expected", {expected}, true);
  q.column("got", {got}, true);
  q.replay = scalar_replay({{"L", L}}, {{"X", x.word}}, {{"samd::hsum(L, X)", expected}});
}

// dot = the sum of x_j * y_j, computed as the sum over the words of mul_widen(L, P) (P the 2b-bit
// layout without guard) of their hsum. Bit-blasting all of that against a sum of spec products
// does not finish, so the query substitutes the product words as the mul_widen obligation L -> P
// proves them, unused tail lanes 0 included (assumed: see Obligation::assumes). The spec sum is
// grouped by the 64 / 2b products of one word, each group a tree sum, the groups added in order:
// the same value, in a shape Z3 matches quickly.
void check_dot(Query &q, const Layout &L, const Binary &op) {
  const LaneWord x = canonical_word(q.ctx, L, "x"), y = canonical_word(q.ctx, L, "y");
  const bool s = L.is_signed();
  const Layout P = widening_layout(L);
  const std::vector<W> words = mul_widen(L, P, x.word, y.word);
  const std::vector<W> proven = product_words(q, L, P, x, y, true);
  const unsigned n = L.lanes(), per_word = P.lanes();
  for (std::size_t k = 0; k < words.size() && k < proven.size(); ++k)
    q.assume(words[k], proven[k]);

  std::vector<z3::expr> products;
  for (unsigned j = 0; j < n; ++j)
    products.push_back(spec::product(x.lanes[j], y.lanes[j], s, 2 * L.bits));
  // Each word's hsum, proven over fresh lane values (the hsum obligation's claim, restated with
  // the unused lanes 0) and cut at its instance on the products: the solver then never sees the
  // multipliers under the adders (signed 12 bits: 30-50 s per dot without this cut).
  for (std::size_t first = 0, k = 0; first < n; first += per_word, ++k) {
    const std::size_t last = std::min<std::size_t>(n, first + per_word);
    std::vector<z3::expr> fresh;
    z3::expr_vector vars(q.ctx), values(q.ctx);
    for (std::size_t j = first; j < last; ++j) {
      fresh.push_back(q.ctx.bv_const(("p_" + std::to_string(j)).c_str(), P.bits));
      vars.push_back(fresh.back());
      values.push_back(products[j]);
    }
    q.cut_instance("hsum of product word " + std::to_string(k),
                   hsum(P, lanes_word(q.ctx, P, fresh)), spec::sum(fresh, s, kWord), vars, values);
  }
  z3::expr expected = q.ctx.bv_val(0, kWord);
  for (std::size_t first = 0; first < n; first += per_word) {
    const std::size_t last = std::min<std::size_t>(n, first + per_word);
    expected = expected +
               spec::sum({products.begin() + long(first), products.begin() + long(last)}, s, kWord);
  }
  const z3::expr got = op(L, x.word, y.word);
  q.goal("sum of products", q.through_cuts(got) == expected);
  input_column(q, "x", x, s);
  input_column(q, "y", y, s);
  q.column("expected", {expected}, true);
  q.column("got", {got}, true);
  q.replay =
      scalar_replay({{"L", L}}, {{"X", x.word}, {"Y", y.word}}, {{"samd::dot(L, X, Y)", expected}});
}

void register_reduce(std::vector<Obligation> &out) {
  Family f(out, "reduce");
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("hsum", L, "", [L](Query &q) {
      check_hsum(q, L, [](const Layout &L, const W &x) { return hsum(L, x); });
    });
    if (L.bits <= kMaxMulBits)
      f.add("dot", L, "",
            [L](Query &q) {
              check_dot(q, L, [](const Layout &L, const W &x, const W &y) { return dot(L, x, y); });
            },
            {mul_widen_key(L, widening_layout(L))});
  }
}

} // namespace samd::proofs
