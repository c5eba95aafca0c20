// Helpers for writing mutants: each mutant is a broken copy of a core op template (namespace
// samd::proofs::mutant) plus the checks, shared with the real op, that must catch it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "../obligations/checks.hpp"
#include "samd_proofs/mutants.hpp"

namespace samd::proofs {

// The layouts a mutant is tried on, most revealing first: small and odd widths, then the
// guard and width extremes. Bits <= max_bits, guard >= min_guard.
std::vector<Layout> mutant_layouts(unsigned max_bits, unsigned min_guard = 0);

class MutantSet {
public:
  explicit MutantSet(std::vector<Mutant> &out) : out_(out) {}
  // A mutant whose check needs only a layout.
  void add(const std::string &name, const std::string &op, const std::string &defect,
           unsigned max_bits, const std::function<void(Query &, const Layout &)> &check,
           unsigned min_guard = 0, const std::function<bool(const Layout &)> &applies = nullptr);
  // A mutant with hand-made checks.
  void add(Mutant m) { out_.push_back(std::move(m)); }

private:
  std::vector<Mutant> &out_;
};

void register_add_mutants(MutantSet &set);
void register_lane_mask_mutants(MutantSet &set);
void register_logic_shift_mutants(MutantSet &set);
void register_compare_minmax_mutants(MutantSet &set);
void register_mul_mutants(MutantSet &set);
void register_convert_mutants(MutantSet &set);
void register_reduce_accumulator_mutants(MutantSet &set);
void register_kernel_mutants(MutantSet &set);
void register_spec_mutants(MutantSet &set);

} // namespace samd::proofs
