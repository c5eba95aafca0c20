// Discharging obligations: one z3::context per worker thread, a per-obligation time limit (and
// optional rlimit), and outcomes that never treat `unknown` as a pass.
#pragma once

#include <z3++.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "samd_proofs/obligation.hpp"

namespace samd::proofs {

enum class Verdict { Proved, Failed, Unknown };
const char *to_string(Verdict v);

struct Outcome {
  Verdict verdict = Verdict::Unknown;
  double ms = 0;
  std::size_t goals = 0;
  std::string detail; // failed: the counterexample (lane table); unknown: the reason
  std::string replay; // failed: a ready-to-paste test line
};

struct Limits {
  unsigned timeout_ms = 60000; // per obligation, all its goals together
  unsigned rlimit = 0;         // Z3 resource limit per goal (0: none)
};

// Prove one obligation in the caller's context.
Outcome prove(z3::context &c, const Obligation &ob, const Limits &limits);

// Run `count` tasks on `jobs` threads; task(i, ctx) runs job i in a z3::context owned by the
// thread; after each job `done(i)` is called under a lock (for progress lines and collecting
// results).
void run_parallel(std::size_t count, unsigned jobs,
                  const std::function<void(std::size_t, z3::context &)> &task,
                  const std::function<void(std::size_t)> &done);

} // namespace samd::proofs
