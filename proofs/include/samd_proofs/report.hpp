// What `samd prove` prints and writes: the op x width table, the slowest obligations, JSON records.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "samd_proofs/obligation.hpp"
#include "samd_proofs/runner.hpp"

namespace samd::proofs {

struct Record {
  const Obligation *obligation;
  Outcome outcome;
};

// "add_wrap u4g0 k=3"
std::string describe(const Obligation &ob);

// An obligation proved under assumptions holds only if they hold: downgrade it to unknown when an
// assumed obligation in `records` is not proved (or is missing), transitively.
void settle_assumptions(std::vector<Record> &records);

// One row per op, one column per width: + all proved, F some failed, ? some unknown, . none run.
void print_table(std::ostream &o, const std::vector<Record> &records);
void print_slowest(std::ostream &o, const std::vector<Record> &records, std::size_t n);
// A JSON array, one object per obligation: op, family, bits, guard, signed, case, result, ms,
// goals.
void write_json(std::ostream &o, const std::vector<Record> &records);

} // namespace samd::proofs
