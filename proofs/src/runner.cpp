#include "samd_proofs/runner.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iomanip>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_set>
#include <vector>

#include "samd_proofs/solve.hpp"

namespace samd::proofs {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The counterexample as a lane table: one row per lane, one column per Column.
std::string lane_table(const Query &q, const Values &v) {
  std::size_t rows = 0;
  for (const Column &col : q.columns)
    rows = std::max(rows, col.lanes.size());
  std::vector<std::vector<std::string>> cells(q.columns.size());
  std::vector<std::size_t> width(q.columns.size());
  for (std::size_t k = 0; k < q.columns.size(); ++k) {
    width[k] = q.columns[k].name.size();
    for (const z3::expr &e : q.columns[k].lanes) {
      cells[k].push_back(v.decimal(e, q.columns[k].is_signed));
      width[k] = std::max(width[k], cells[k].back().size());
    }
  }
  std::ostringstream o;
  o << "    " << std::setw(4) << "lane";
  for (std::size_t k = 0; k < q.columns.size(); ++k)
    o << "  " << std::setw(int(width[k])) << q.columns[k].name;
  o << '\n';
  for (std::size_t r = 0; r < rows; ++r) {
    o << "    " << std::setw(4) << r;
    for (std::size_t k = 0; k < q.columns.size(); ++k)
      o << "  " << std::setw(int(width[k])) << (r < cells[k].size() ? cells[k][r] : "");
    o << '\n';
  }
  return o.str();
}

// Whether e is true with every free constant 0 (false for Booleans): a model found without the
// solver. Hypotheses and preconditions nearly always admit the all-zero input, and their
// satisfiability checks cost ~20 % of the proof time when each went to the solver.
bool true_at_zero(z3::context &c, const z3::expr &e) {
  z3::expr_vector from(c), to(c);
  std::unordered_set<unsigned> seen;
  std::vector<z3::expr> pending{e}; // depth-first over the term's DAG, each node once
  while (!pending.empty()) {
    const z3::expr x = pending.back();
    pending.pop_back();
    if (!x.is_app() || !seen.insert(x.id()).second)
      continue;
    if (x.is_const() && x.decl().decl_kind() == Z3_OP_UNINTERPRETED) {
      if (x.is_bv())
        to.push_back(c.bv_val(0, x.get_sort().bv_size()));
      else if (x.is_bool())
        to.push_back(c.bool_val(false));
      else
        return false; // another sort: leave it to the solver
      from.push_back(x);
      continue;
    }
    for (unsigned i = 0; i < x.num_args(); ++i)
      pending.push_back(x.arg(i));
  }
  return z3::expr(e).substitute(from, to).simplify().is_true();
}

} // namespace

const char *to_string(Verdict v) {
  switch (v) {
  case Verdict::Proved:
    return "proved";
  case Verdict::Failed:
    return "failed";
  case Verdict::Unknown:
    return "unknown";
  }
  return "?";
}

Outcome prove(z3::context &c, const Obligation &ob, const Limits &limits) {
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::milliseconds(limits.timeout_ms);
  Outcome out;
  try {
    Query q(c);
    ob.build(q);
    out.goals = q.goals.size();
    // Non-vacuity: the precondition must admit at least one input.
    if (!q.pre.is_true() && !true_at_zero(c, q.pre)) {
      const Check pre = check_sat(c, q.pre, deadline, limits.rlimit, q.strategy);
      if (pre.result == z3::unsat) {
        out.verdict = Verdict::Failed;
        out.detail = "vacuous: the precondition is unsatisfiable";
      } else if (pre.result == z3::unknown) {
        out.verdict = Verdict::Unknown;
        out.detail = "precondition satisfiability: " + pre.reason;
      }
      if (pre.result != z3::sat) {
        out.ms = ms_since(t0);
        return out;
      }
    }
    static const bool trace =
        std::getenv("SAMD_PROVE_TRACE") != nullptr; // tuning aid: per-goal times
    for (const Goal &g : q.goals) {
      const auto tg = Clock::now();
      // Non-vacuity of a hypothesis: a goal given something unsatisfiable would hold trivially.
      if (!g.given.is_true() && !true_at_zero(c, q.pre && g.given)) {
        const Check h = check_sat(c, q.pre && g.given, deadline, limits.rlimit, q.strategy);
        if (h.result != z3::sat) {
          out.verdict = h.result == z3::unsat ? Verdict::Failed : Verdict::Unknown;
          out.detail =
              "vacuous: the hypothesis of goal '" + g.name + "' is " +
              (h.result == z3::unsat ? "unsatisfiable" : "not shown satisfiable: " + h.reason);
          out.ms = ms_since(t0);
          return out;
        }
      }
      const Check r =
          check_sat(c, q.pre && g.given && !g.claim, deadline, limits.rlimit, q.strategy);
      if (trace)
        std::fprintf(stderr, "  %-40s %-8s %8.1f ms\n", g.name.c_str(),
                     r.result == z3::unsat ? "unsat"
                     : r.result == z3::sat ? "sat"
                                           : "unknown",
                     ms_since(tg));
      if (r.result == z3::unsat)
        continue;
      if (r.result == z3::unknown) {
        out.verdict = Verdict::Unknown;
        out.detail = "goal '" + g.name + "': " + r.reason;
      } else {
        const Values v(*r.model, g.fixed, g.fixed_to);
        out.verdict = Verdict::Failed;
        out.detail = "goal '" + g.name + "' fails:\n" + lane_table(q, v);
        if (q.replay)
          out.replay = q.replay(v);
      }
      out.ms = ms_since(t0);
      return out;
    }
    out.verdict = Verdict::Proved;
  } catch (const z3::exception &e) {
    out.verdict = Verdict::Unknown;
    out.detail = std::string("z3: ") + e.msg();
  } catch (const std::exception &e) {
    out.verdict = Verdict::Failed; // the op refused a layout it claims to accept
    out.detail = std::string("exception while building the obligation: ") + e.what();
  }
  out.ms = ms_since(t0);
  return out;
}

void run_parallel(std::size_t count, unsigned jobs,
                  const std::function<void(std::size_t, z3::context &)> &task,
                  const std::function<void(std::size_t)> &done) {
  std::atomic<std::size_t> next{0};
  std::mutex lock;
  // Each thread owns its context (contexts are never shared across threads) and renews it every
  // kJobsPerContext jobs: a long-lived context slows Z3 down several-fold after a few hundred
  // queries, while a fresh one per job costs ~2 ms of setup.
  constexpr unsigned kJobsPerContext = 24;
  auto worker = [&] {
    std::optional<z3::context> c;
    unsigned used = 0;
    for (std::size_t i = next++; i < count; i = next++) {
      if (!c || used++ == kJobsPerContext) {
        c.reset();
        c.emplace();
        used = 1;
      }
      task(i, *c);
      const std::lock_guard<std::mutex> g(lock);
      done(i);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::max(1u, jobs); ++t)
    pool.emplace_back(worker);
  worker();
  for (auto &t : pool)
    t.join();
}

} // namespace samd::proofs
