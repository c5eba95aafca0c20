// The solver strategy: simplify without flattening sums (flat=false: Z3's default turns a chain of
// adds into one n-ary add with sorted arguments, which bit-blasts in a different order from the
// code's chain, so signed mul_widen at 8 bits went from > 60 s per lane to 2-9 s), bit-blast, then
// an AIG (structural hashing) and the SAT solver, for three quarters of the budget; the default
// QF_BV solver for the rest. Measured on the mul lanes at 16
// bits: the default solver times out on most lanes (on guard 0 the no-spacer add leaves an XOR
// re-association problem, which the AIG merges structurally), the AIG pipeline takes 0.1-3 s.
// Queries may prefer the default solver instead (Query::strategy).
#include "samd_proofs/solve.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace samd::proofs {
namespace {

using Clock = std::chrono::steady_clock;

unsigned ms_left(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0u : static_cast<unsigned>(std::min<long long>(left, 1u << 30));
}

z3::solver aig_solver(z3::context &c, unsigned ms) {
  z3::params nested(c);
  nested.set("flat", false);
  const z3::tactic pipeline = z3::with(z3::tactic(c, "simplify"), nested) &
                              z3::tactic(c, "propagate-values") & z3::tactic(c, "bit-blast") &
                              z3::tactic(c, "aig") & z3::tactic(c, "sat");
  return z3::try_for(pipeline, ms).mk_solver();
}

z3::solver nlsat_solver(z3::context &c, unsigned ms) {
  return z3::try_for(z3::tactic(c, "qfnra-nlsat"), ms).mk_solver();
}

z3::solver default_solver(z3::context &c, unsigned ms) {
  z3::solver s(c);
  s.set("timeout", ms);
  return s;
}

Check run(z3::solver s, const z3::expr &formula, unsigned rlimit) {
  if (rlimit > 0)
    s.set("rlimit", rlimit);
  s.add(formula);
  Check r;
  r.result = s.check();
  if (r.result == z3::sat)
    r.model = s.get_model();
  if (r.result == z3::unknown)
    r.reason = s.reason_unknown();
  return r;
}

} // namespace

Check check_sat(z3::context &c, const z3::expr &formula, Clock::time_point deadline,
                unsigned rlimit, Strategy prefer) {
  static const char *only = std::getenv("SAMD_PROVE_STRATEGY"); // tuning aid: "aig" or "default"
  if (only && std::string(only) == "aig")
    return run(aig_solver(c, ms_left(deadline)), formula, rlimit);
  if (only && std::string(only) == "default")
    return run(default_solver(c, ms_left(deadline)), formula, rlimit);
  const auto solver = [&c](Strategy s, unsigned ms) {
    return s == Strategy::Aig ? aig_solver(c, ms) : default_solver(c, ms);
  };
  // The preferred strategy for most of the budget, then the other for what is left.
  const unsigned left = ms_left(deadline);
  if (left == 0)
    return Check{z3::unknown, std::nullopt, "timeout"};
  if (prefer == Strategy::Nonlinear) // no fallback: neither bit-blasts integers
    return run(nlsat_solver(c, left), formula, rlimit);
  Check r = run(solver(prefer, std::max(1u, left - left / 4)), formula, rlimit);
  if (r.result != z3::unknown)
    return r;
  const unsigned rest = ms_left(deadline);
  if (rest == 0)
    return r;
  return run(solver(prefer == Strategy::Aig ? Strategy::Default : Strategy::Aig, rest), formula,
             rlimit);
}

} // namespace samd::proofs
