// The prover's own bookkeeping, on hand-made obligations: assumptions (settled transitively,
// chains and cycles refused), vacuous hypotheses, and the Z3 primitive layer's refusal of shifts
// that are undefined on uint64_t.
#include <catch2/catch.hpp>

#include <stdexcept>

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
