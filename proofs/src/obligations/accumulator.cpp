// Obligations for samd/accumulator.hpp: sum_step and dot_step, and the headroom bookkeeping.
//
// Capacity soundness is an induction whose steps Z3 proves. With M the largest amount one step
// adds to a field (computed here, independently: 2^b - 1 for sums; (2^b - 1)^2 unsigned and
// 2^(2b-1) signed for dot products) and F the field width:
//   base     a fresh accumulator is 0;
//   step     from any field value v <= (capacity - 1) * M, one step is exact and adds at most M
//            (so after c <= capacity steps a field is <= c * M);
//   bound    capacity * M <= 2^F - 1 (so no field ever overflows), and capacity * M * lanes
//            <= INT64_MAX (so lanes() and total() are exact int64 values);
//   tight    one more step would break the bound, and one step can add exactly M (the capacity
//            is the largest sound one).
#include "samd/accumulator.hpp"

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

using u128 = unsigned __int128;

u128 field_max(unsigned F) { return (u128{1} << F) - 1; }

// A constant of up to 128 bits as a w-bit vector.
z3::expr big(z3::context &c, u128 v, unsigned w) {
  const z3::expr hi = c.bv_val(static_cast<std::uint64_t>(v >> 64), 64);
  const z3::expr lo = c.bv_val(static_cast<std::uint64_t>(v), 64);
  const z3::expr v128 = z3::concat(hi, lo);
  return w <= 128 ? v128.extract(w - 1, 0) : z3::zext(v128, w - 128);
}

std::string hex_mask(unsigned F) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0x%llxull", static_cast<unsigned long long>(field_max(F)));
  return buf;
}

// Field checks for a replay: ((word >> shift) & mask) == expected.
std::string field_check(const Values &v, const std::string &word, unsigned shift, unsigned F,
                        const z3::expr &e) {
  return "CHECK(((" + word + " >> " + std::to_string(shift) + ") & " + hex_mask(F) +
         ") == " + v.hex(e) + "); ";
}

constexpr unsigned kCalc = 72; // wide enough for any field value plus a step

// sum_step from fields v_i <= bound: field i becomes v_i + x_i + bias exactly, and grows by at
// most M when `at_most` (the capacity induction step).
void sum_step_goals(Query &q, const Layout &L, const Binary &op, u128 bound,
                    const std::string &call) {
  const Geometry g = geometry(L);
  const LaneWord acc = field_word(q.ctx, L, "v", true), x = canonical_word(q.ctx, L, "x");
  const z3::expr r = op(L, acc.word, x.word);
  const z3::expr bias =
      spec::constant(q.ctx, L.is_signed() ? std::int64_t{1} << (L.bits - 1) : 0, kCalc);
  std::vector<z3::expr> expected, got;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    const z3::expr v = spec::extend(acc.lanes[i], false, kCalc);
    q.require(z3::ule(v, big(q.ctx, bound, kCalc)));
    expected.push_back(v + spec::extend(x.lanes[i], L.is_signed(), kCalc) + bias);
    got.push_back(field_of(r, L, i));
    q.goal("field " + std::to_string(i), spec::extend(got.back(), false, kCalc) == expected.back());
  }
  q.column("v_i", acc.lanes, false);
  input_column(q, "x", x, L.is_signed());
  q.column("expected", expected, false);
  q.column("got", got, false);
  q.replay = [=](const Values &v) {
    std::string s = "{ " + replay_prelude(v, {{"L", L}}, {{"ACC", acc.word}, {"X", x.word}}) +
                    "const std::uint64_t r = " + call + "; ";
    for (unsigned i = 0; i < g.lanes(); ++i)
      s += field_check(v, "r", g.lane_lo(i), g.field(), expected[i]);
    return s + "}";
  };
}

// dot_step from fields v_j <= bound: the field of source lane j becomes v_j + x_j*y_j + bias.
// The products come from mul_widen(L, A): the query assumes that obligation (substituting the
// proven product words) rather than proving the multiplications again.
void dot_step_goals(Query &q, const Layout &L, unsigned acc_guard, const DotStep &op, u128 bound) {
  const Layout A{2 * L.bits, acc_guard, L.sign};
  const Geometry ga = geometry(A);
  const unsigned n = L.lanes(), words = (n + ga.lanes() - 1) / ga.lanes();
  const LaneWord x = canonical_word(q.ctx, L, "x"), y = canonical_word(q.ctx, L, "y");
  std::vector<W> acc;
  std::vector<z3::expr> fields;
  for (unsigned w = 0; w < words; ++w) {
    const LaneWord a = field_word(q.ctx, A, std::string("v").append(std::to_string(w)), true);
    acc.push_back(a.word);
    for (const z3::expr &v : a.lanes) {
      fields.push_back(v);
      q.require(z3::ule(spec::extend(v, false, kCalc), big(q.ctx, bound, kCalc)));
    }
  }
  // The products, as the mul_widen obligation L -> A proves them (tail lanes: any value).
  const std::vector<W> product_code = mul_widen(L, A, x.word, y.word);
  const std::vector<W> proven = product_words(q, L, A, x, y, false);
  for (std::size_t k = 0; k < product_code.size() && k < proven.size(); ++k)
    q.assume(product_code[k], proven[k]);
  std::vector<W> r = op(L, acc_guard, acc, x.word, y.word);
  if (r.size() != words) {
    q.goal("returns " + std::to_string(words) + " words", q.ctx.bool_val(false));
    return;
  }
  for (W &w : r)
    w = q.through_cuts(w);
  const z3::expr bias =
      spec::constant(q.ctx, L.is_signed() ? std::int64_t{1} << (2 * L.bits - 2) : 0, kCalc);
  // Each field goal is proven with the products abstracted: every product term replaced by a
  // free 2b-bit value p_j in product_range (the spec_product_range obligation, assumed, proves
  // the products lie there). Sound: the claim holds for every value in the range, so for the
  // products. Without it the solver meets the multipliers under the adds and must rediscover
  // their range: signed 12-bit lanes took 3-22 s per field, 16-bit ones timed out.
  const unsigned b = L.bits, per_word = ga.lanes();
  std::vector<z3::expr> products, fresh;
  z3::expr_vector from(q.ctx), to(q.ctx);
  for (unsigned j = 0; j < n; ++j) {
    products.push_back(spec::product(x.lanes[j], y.lanes[j], L.is_signed(), 2 * b));
    fresh.push_back(q.ctx.bv_const(("p_" + std::to_string(j)).c_str(), 2 * b));
    from.push_back(products.back());
    to.push_back(fresh.back());
  }
  std::vector<z3::expr> expected, got, v_used;
  for (unsigned j = 0; j < n; ++j) {
    v_used.push_back(fields[j]);
    expected.push_back(spec::extend(fields[j], false, kCalc) +
                       spec::extend(products[j], L.is_signed(), kCalc) + bias);
    got.push_back(field_of(r[j / per_word], A, j % per_word));
    // A field can be disturbed by a carry out of the fields below it in its word.
    z3::expr in_range = q.ctx.bool_val(true);
    for (unsigned i = j - j % per_word; i < n && i < j - j % per_word + per_word; ++i)
      in_range = in_range && product_range(fresh[i], b, L.is_signed());
    z3::expr claim = spec::extend(got.back(), false, kCalc) == expected.back();
    q.goal_given("field of lane " + std::to_string(j), claim.substitute(from, to), in_range);
  }
  q.column("p_j (products as free values)", fresh, L.is_signed());
  input_column(q, "x", x, L.is_signed());
  input_column(q, "y", y, L.is_signed());
  q.column("v_j", v_used, false);
  q.column("expected", expected, false);
  q.column("got", got, false);
  q.replay = [=](const Values &v) {
    std::vector<ReplayInput> ins{{"X", x.word}, {"Y", y.word}};
    std::string list;
    for (unsigned w = 0; w < words; ++w) {
      std::string name = "A";
      name += std::to_string(w);
      ins.push_back({name, acc[w]});
      list += (w ? ", " : "") + name;
    }
    std::string s = "{ " + replay_prelude(v, {{"L", L}}, ins) +
                    "const auto r = samd::dot_step(L, " + std::to_string(acc_guard) + ", {" + list +
                    "}, X, Y); ";
    for (unsigned j = 0; j < n; ++j)
      s += field_check(v, "r[" + std::to_string(j / ga.lanes()) + "]", ga.lane_lo(j % ga.lanes()),
                       ga.field(), expected[j]);
    return s + "}";
  };
}

// The capacity goals that need no symbolic inputs: bound and tightness. The bound has two parts:
// a field never overflows (capacity * M <= 2^F - 1), and lanes() / total() stay exact int64 values
// (every one of the `lanes` fields at capacity, summed: capacity * M * lanes <= INT64_MAX). Tight:
// one more step would break one of the two.
void capacity_bounds(Query &q, std::uint64_t capacity, u128 M, unsigned F, unsigned lanes) {
  const z3::expr cap = big(q.ctx, capacity, 130), m = big(q.ctx, M, 130),
                 top = big(q.ctx, field_max(F), 130);
  const z3::expr n = big(q.ctx, lanes, 130), i64 = big(q.ctx, u128{INT64_MAX}, 130);
  const z3::expr one_more = cap + big(q.ctx, 1, 130);
  q.goal("capacity * M <= 2^F - 1", z3::ule(cap * m, top));
  q.goal("capacity * M * lanes <= INT64_MAX", z3::ule(cap * m * n, i64));
  q.goal("(capacity + 1) * M > 2^F - 1 or (capacity + 1) * M * lanes > INT64_MAX",
         z3::ugt(one_more * m, top) || z3::ugt(one_more * m * n, i64));
}

// The accumulation bound (capacity - 1) * M, kept below 2^F so the precondition stays a field value
// even when a broken capacity makes the product larger (the bound goal then fails).
u128 step_bound(std::uint64_t capacity, u128 M, unsigned F) {
  if (capacity == 0)
    return 0;
  const u128 b = (u128{capacity} - 1) * M;
  return b > field_max(F) ? field_max(F) : b;
}

} // namespace

// Contract: fields v_i with v_i + 2^b - 1 < 2^f.
void check_sum_step(Query &q, const Layout &L, const Binary &op) {
  const u128 M = field_max(L.bits);
  sum_step_goals(q, L, op, field_max(L.field()) - M, "samd::sum_step(L, ACC, X)");
}

void check_sum_capacity(Query &q, const Layout &L, const Capacity &capacity, const Binary &step) {
  const u128 M = field_max(L.bits);
  const std::uint64_t cap = capacity(L);
  capacity_bounds(q, cap, M, L.field(), L.lanes());
  sum_step_goals(q, L, step, step_bound(cap, M, L.field()), "samd::sum_step(L, ACC, X)");
  // Attained: the maximum lane (biased) adds exactly M.
  const std::uint64_t top = (std::uint64_t{1} << L.bits) - 1; // b <= 32
  const z3::expr x_max = constant_word(q.ctx, L, L.is_signed() ? top >> 1 : top);
  const z3::expr once = step(L, q.ctx.bv_val(0, kWord), x_max);
  q.goal("one step can add M",
         spec::extend(field_of(once, L, 0), false, 130) == big(q.ctx, M, 130));
}

// Contract: fields v with v + dot_step_max(L) < 2^(2b + acc_guard).
void check_dot_step(Query &q, const Layout &L, unsigned acc_guard, const DotStep &op) {
  const unsigned F = 2 * L.bits + acc_guard;
  dot_step_goals(q, L, acc_guard, op, field_max(F) - dot_step_max(L));
}

void check_dot_capacity(Query &q, const Layout &L, unsigned acc_guard, const DotCapacity &capacity,
                        const DotStep &step) {
  const unsigned F = 2 * L.bits + acc_guard, b = L.bits;
  const u128 M = L.is_signed() ? u128{1} << (2 * b - 1) : field_max(b) * field_max(b);
  const std::uint64_t cap = capacity(L, acc_guard);
  capacity_bounds(q, cap, M, F, L.lanes());
  dot_step_goals(q, L, acc_guard, step, step_bound(cap, M, F));
  // Attained: x = y = the lane value of largest product (max unsigned, min signed) adds exactly M.
  const std::uint64_t extreme =
      L.is_signed() ? std::uint64_t{1} << (b - 1) : (std::uint64_t{1} << b) - 1;
  const z3::expr w = constant_word(q.ctx, L, extreme);
  const Layout A{2 * b, acc_guard, L.sign};
  const std::vector<W> zero_acc((L.lanes() + A.lanes() - 1) / A.lanes(), q.ctx.bv_val(0, kWord));
  const std::vector<W> once = step(L, acc_guard, zero_acc, w, w);
  q.goal("one step can add M",
         spec::extend(field_of(once.at(0), A, 0), false, 130) == big(q.ctx, M, 130));
}

void register_accumulator(std::vector<Obligation> &out) {
  Family f(out, "accumulator");
  const Binary sum = [](const Layout &L, const W &acc, const W &x) { return sum_step(L, acc, x); };
  const DotStep dot = [](const Layout &L, unsigned g, const std::vector<W> &acc, const W &x,
                         const W &y) { return dot_step(L, g, acc, x, y); };
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("sum_step", L, "", [L, sum](Query &q) { check_sum_step(q, L, sum); });
    f.add("sum_capacity", L, "", [L, sum](Query &q) {
      check_sum_capacity(
          q, L, [](const Layout &L) { return sum_capacity(L); }, sum);
    });
  }
  for (const Layout &L : layouts(kMaxMulBits))
    for (unsigned g : is_middle_guard(L) ? std::vector<unsigned>{} : guard_configs(2 * L.bits)) {
      const std::string v = "acc_guard=" + std::to_string(g);
      const std::vector<std::string> products{mul_widen_key(L, dot_acc_layout(L, g)),
                                              product_range_key(L.bits, L.is_signed())};
      f.add(
          "dot_step", L, v, [L, g, dot](Query &q) { check_dot_step(q, L, g, dot); }, products);
      f.add(
          "dot_capacity", L, v,
          [L, g, dot](Query &q) {
            check_dot_capacity(
                q, L, g, [](const Layout &L, unsigned g) { return dot_capacity(L, g); }, dot);
          },
          products);
    }
}

} // namespace samd::proofs
