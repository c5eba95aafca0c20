#include <chrono>

#include "common.hpp"
#include "samd_proofs/report.hpp"

namespace samd::proofs {

std::vector<Layout> mutant_layouts(unsigned max_bits, unsigned min_guard) {
  std::vector<Layout> out;
  for (unsigned b : {3u, 1u, 2u, 4u, 5u, 8u, 13u, 16u, 32u})
    if (b <= max_bits)
      for (Signedness s : {Signedness::Unsigned, Signedness::Signed})
        for (unsigned g : guard_configs(b, min_guard))
          out.push_back(Layout{b, g, s});
  return out;
}

void MutantSet::add(const std::string &name, const std::string &op, const std::string &defect,
                    unsigned max_bits, const std::function<void(Query &, const Layout &)> &check,
                    unsigned min_guard, const std::function<bool(const Layout &)> &applies) {
  Mutant m{name, op, defect, {}};
  for (const Layout &L : mutant_layouts(max_bits, min_guard))
    if (!applies || applies(L))
      m.checks.push_back({"mutant", op, L, "", [check, L](Query &q) { check(q, L); }});
  out_.push_back(std::move(m));
}

const std::vector<Mutant> &all_mutants() {
  static const std::vector<Mutant> all = [] {
    std::vector<Mutant> v;
    MutantSet set(v);
    register_add_mutants(set);
    register_lane_mask_mutants(set);
    register_logic_shift_mutants(set);
    register_compare_minmax_mutants(set);
    register_mul_mutants(set);
    register_convert_mutants(set);
    register_reduce_accumulator_mutants(set);
    register_kernel_mutants(set);
    register_spec_mutants(set);
    return v;
  }();
  return all;
}

MutantOutcome hunt(z3::context &c, const Mutant &m, const Limits &limits) {
  const auto t0 = std::chrono::steady_clock::now();
  MutantOutcome r;
  for (const Obligation &check : m.checks) {
    ++r.tried;
    r.outcome = prove(c, check, limits);
    // A kill is a counterexample to a goal, not a refused layout or a vacuous precondition.
    if (r.outcome.verdict == Verdict::Failed && r.outcome.detail.rfind("goal '", 0) == 0) {
      r.killed = true;
      r.by = describe(check);
      break;
    }
  }
  r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

} // namespace samd::proofs
