// The mutation suite: deliberately broken variants of core ops (alternate templates in
// proofs/src/mutants/, the core is untouched), each run through the same checks as the real op.
// A mutant is killed when some check yields a counterexample; the suite passes only at 100 %.
#pragma once

#include <string>
#include <vector>

#include "samd_proofs/obligation.hpp"
#include "samd_proofs/runner.hpp"

namespace samd::proofs {

struct Mutant {
  std::string name;               // e.g. "add_wrap/guard-not-cleared"
  std::string op;                 // the core op it is a broken copy of
  std::string defect;             // what is wrong, in words
  std::vector<Obligation> checks; // tried in order until one fails
};

const std::vector<Mutant> &all_mutants();

struct MutantOutcome {
  bool killed = false;
  std::string by;  // the check that produced the counterexample
  Outcome outcome; // of that check (or of the last one tried)
  double ms = 0;
  std::size_t tried = 0;
};

// Run a mutant's checks until one fails with a counterexample (unknown does not count as a kill).
MutantOutcome hunt(z3::context &c, const Mutant &m, const Limits &limits);

} // namespace samd::proofs
