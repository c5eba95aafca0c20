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

// Is `formula` satisfiable? unknown when the deadline passes or the rlimit (0: none) runs out.
Check check_sat(z3::context &c, const z3::expr &formula,
                std::chrono::steady_clock::time_point deadline, unsigned rlimit);

} // namespace samd::proofs
