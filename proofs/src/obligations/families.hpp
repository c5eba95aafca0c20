// One registration function per obligation family (proofs/src/obligations/<family>.cpp).
#pragma once

#include <vector>

#include "samd_proofs/obligation.hpp"

namespace samd::proofs {

void register_lane_masks(std::vector<Obligation> &out);
void register_logic(std::vector<Obligation> &out);
void register_add(std::vector<Obligation> &out);
void register_shift(std::vector<Obligation> &out);
void register_compare(std::vector<Obligation> &out);
void register_minmax(std::vector<Obligation> &out);
void register_mul(std::vector<Obligation> &out);
void register_convert(std::vector<Obligation> &out);
void register_reduce(std::vector<Obligation> &out);
void register_accumulator(std::vector<Obligation> &out);
void register_kernels(std::vector<Obligation> &out);     // the kernels' accumulation schedules
void register_spec_checks(std::vector<Obligation> &out); // the spec's product vs Z3's bvmul

} // namespace samd::proofs
