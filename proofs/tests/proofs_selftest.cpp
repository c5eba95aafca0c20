// The prover's own bookkeeping, on hand-made obligations: assumptions (settled transitively,
// chains and cycles refused), vacuous hypotheses, the Z3 primitive layer's refusal of shifts
// that are undefined on uint64_t, and how a counterexample is shown.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "../src/obligations/checks.hpp"

#include "samd_proofs/report.hpp"
#include "samd_proofs/runner.hpp"
#include "samd_proofs/z3_word.hpp"

namespace {

using namespace samd::proofs;

const samd::Layout kL{4, 0, samd::Signedness::Unsigned};

Obligation named(const std::string &op, std::vector<std::string> assumes = {}) {
  return {"test", op, kL, "", [](Query &) {}, std::move(assumes)};
}

Record record(const Obligation &ob, Verdict v) {
  Record r{&ob, {}};
  r.outcome.verdict = v;
  return r;
}

} // namespace

TEST_CASE(
    "settle_assumptions: a failed obligation undoes every one that assumes it, transitively") {
  const Obligation a = named("a", {"b u4g0"}), b = named("b", {"c u4g0"}), c = named("c");
  std::vector<Record> rs{record(a, Verdict::Proved), record(b, Verdict::Proved),
                         record(c, Verdict::Failed)};
  settle_assumptions(rs);
  CHECK(rs[0].outcome.verdict == Verdict::Unknown); // one pass left it proved
  CHECK(rs[1].outcome.verdict == Verdict::Unknown);
  CHECK(rs[2].outcome.verdict == Verdict::Failed);
}

TEST_CASE("check_assumptions refuses cycles, chains and missing or duplicate keys") {
  CHECK_THROWS_AS(check_assumptions({named("x", {"y u4g0"}), named("y", {"x u4g0"})}),
                  std::logic_error);
  CHECK_THROWS_AS(check_assumptions({named("x", {"x u4g0"})}), std::logic_error);
  CHECK_THROWS_AS(check_assumptions({named("a", {"b u4g0"}), named("b", {"c u4g0"}), named("c")}),
                  std::logic_error);
  CHECK_THROWS_AS(check_assumptions({named("a", {"nothing u4g0"})}), std::logic_error);
  CHECK_THROWS_AS(check_assumptions({named("a"), named("a")}), std::logic_error);
  CHECK_NOTHROW(check_assumptions({named("a", {"b u4g0"}), named("c", {"b u4g0"}), named("b")}));
  CHECK_NOTHROW(all_obligations()); // the registry passes the same check
}

TEST_CASE("prove: a goal whose hypothesis is unsatisfiable fails as vacuous") {
  const Obligation ob{"test", "vacuous", kL, "", [](Query &q) {
                        const z3::expr x = q.ctx.bv_const("x", 4);
                        q.goal_given("x is 0", x == q.ctx.bv_val(0, 4),
                                     x == q.ctx.bv_val(1, 4) && x == q.ctx.bv_val(2, 4));
                      }};
  z3::context c;
  const Outcome out = prove(c, ob, Limits{});
  CHECK(out.verdict == Verdict::Failed);
  CHECK(out.detail.rfind("vacuous", 0) == 0);
}

TEST_CASE("the Z3 primitive layer refuses shifts by 64 or more (undefined on uint64_t)") {
  z3::context c;
  const z3::expr a = c.bv_const("a", 64);
  using T = samd::word_traits<z3::expr>;
  CHECK_NOTHROW(T::shl(a, 63));
  CHECK_THROWS_AS(T::shl(a, 64), std::logic_error);
  CHECK_THROWS_AS(T::shr(a, 64), std::logic_error);
}

TEST_CASE("a counterexample's columns: full width, unsigned as unsigned, signed as signed") {
  const Obligation ob{"test", "wide", kL, "", [](Query &q) {
                        const z3::expr x = q.ctx.bv_const("x", 72);
                        const z3::expr v = q.ctx.bv_val("2361183241434822606853", 72); // 2^71 + 5
                        q.goal("x is not 2^71 + 5", x != v);
                        q.column("unsigned", {x}, false);
                        q.column("signed", {x}, true);
                        q.column("low byte", {x.extract(7, 0)}, true);
                      }};
  z3::context c;
  const Outcome out = prove(c, ob, Limits{});
  INFO(out.detail);
  REQUIRE(out.verdict == Verdict::Failed);
  CHECK(out.detail.find("  2361183241434822606853  -2361183241434822606843         5\n") !=
        std::string::npos);
}

TEST_CASE("check_word_mul shows the failing goal's k, and the values at it, unsigned") {
  // A multiply that is wrong for a = 2^64 - 2 times 3 only: the goal k = 3 fails (k is fixed in
  // the claim, so the model leaves the free k at 0).
  const WordMul mul = [](const W &a, const W &b) {
    z3::context &c = a.ctx();
    return z3::ite(a == c.bv_val(~std::uint64_t{1}, 64) && b == c.bv_val(3, 64), a * b + 1, a * b);
  };
  const Obligation ob{"test", "word_mul", kL, "", [mul](Query &q) { check_word_mul(q, 2, mul); }};
  z3::context c;
  const Outcome out = prove(c, ob, Limits{});
  INFO(out.detail);
  REQUIRE(out.verdict == Verdict::Failed);
  CHECK(out.detail.rfind("goal 'k = 3' fails", 0) == 0);
  // a, k, bvmul = a * 3 mod 2^64, mul = bvmul + 1
  CHECK(
      out.detail.find("0  18446744073709551614  3  18446744073709551610  18446744073709551611\n") !=
      std::string::npos);
}
