// One satisfiability check with a deadline: the solver strategy lives here, in one place.
#pragma once

#include <z3++.h>

#include <chrono>
#include <optional>
#include <string>

namespace samd::proofs {

struct Check {
  z3::check_result result = z3::unknown;
  std::optional<z3::model> model; // when sat
  std::string reason;             // when unknown
};

// Which solver gets most of the budget: the AIG pipeline suits equivalence of word code against
// lane specs (most goals); Z3's default QF_BV solver suits range facts about a multiplier (the
// signed 16-bit product range: 4 s there, > 120 s through the AIG).
// Nonlinear: integer claims with products of variables (the kernels' bounds, stated over Z3's
// integers): Z3's nlsat tactic alone, for the whole budget. (The default solver's nonlinear integer
// arithmetic can run past its timeout on them: Z3 4.8.12, |x| <= m => |x e| <= m |e|.)
enum class Strategy { Aig, Default, Nonlinear };

// Is `formula` satisfiable? unknown when the deadline passes or the rlimit (0: none) runs out.
// The preferred strategy runs for three quarters of the budget, the other for the rest.
Check check_sat(z3::context &c, const z3::expr &formula,
                std::chrono::steady_clock::time_point deadline, unsigned rlimit,
                Strategy prefer = Strategy::Aig);

} // namespace samd::proofs
