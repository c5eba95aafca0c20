// Helpers shared by the obligation families (and the mutants, which reuse the same checks with a
// broken implementation plugged in).
#pragma once

#include <z3++.h>

#include <functional>
#include <string>
#include <vector>

#include "samd/layout.hpp"
#include "samd_proofs/obligation.hpp"
#include "samd_proofs/spec.hpp"
#include "samd_proofs/symbolic.hpp"
#include "samd_proofs/z3_word.hpp"

namespace samd::proofs {

using W = z3::expr;

// The guard configurations proven for a width: {0, 1, 2, max_guard(bits)}, deduplicated,
// those >= min_guard and fitting the word.
std::vector<unsigned> guard_configs(unsigned bits, unsigned min_guard = 0);
// Every layout an op supports: bits 1..max_bits x {unsigned, signed} x guard_configs, plus one
// middle guard per width and signedness (3 or max - 1, alternating, so each width has both).
std::vector<Layout> layouts(unsigned max_bits, unsigned min_guard = 0);
// Whether L's guard is that middle guard. The costliest obligations (conversion targets, products
// into every destination guard, the dot accumulators) skip middle-guard sources to keep the full
// tier's time.
bool is_middle_guard(const Layout &L);

// Appends obligations of one family.
class Family {
public:
  Family(std::vector<Obligation> &out, std::string name) : out_(out), name_(std::move(name)) {}
  void add(const std::string &op, const Layout &L, const std::string &variant,
           std::function<void(Query &)> build, std::vector<std::string> assumes = {}) {
    out_.push_back({name_, op, L, variant, std::move(build), std::move(assumes)});
  }

private:
  std::vector<Obligation> &out_;
  std::string name_;
};

// One result word checked lane by lane: every lane equals its spec, guard and padding bits are 0.
struct WordOutput {
  std::string name;     // "r", "flags", ...
  std::string accessor; // C++ for the replay: "r", "r.flags"
  Layout layout;        // the layout the result is read in
  z3::expr got;
  std::vector<z3::expr> expected; // b-bit lane values
};

// Adds the goals (one per lane when split_lanes, else one for all lanes; one for guard bits) and
// the expected / got columns of each output.
void expect_words(Query &q, const std::vector<WordOutput> &outs, bool split_lanes);
// An input column (the lane variables of a word).
void input_column(Query &q, const std::string &name, const LaneWord &w, bool is_signed);

// Replay: `{ const auto L = ...; const std::uint64_t X = 0x..; ...; const auto r = CALL; CHECKS }`.
struct ReplayInput {
  std::string name; // C++ variable name, e.g. "X"
  z3::expr word;
};
std::string replay_prelude(const Values &v,
                           const std::vector<std::pair<std::string, Layout>> &layouts,
                           const std::vector<ReplayInput> &inputs);
// CHECKs that output `out`, read in the layout variable `layout_name`, holds exactly the
// expected lanes and is canonical.
std::string replay_word_checks(const Values &v, const WordOutput &out,
                               const std::string &layout_name);
// The replay for word outputs: prelude, `const auto r = call;`, then the checks of every output.
std::function<std::string(const Values &)>
word_replay(const std::vector<std::pair<std::string, Layout>> &layouts,
            const std::vector<ReplayInput> &inputs, const std::string &call,
            const std::vector<WordOutput> &outs);

// The replay for ops that return one 64-bit word: each call must equal its expected word.
struct ScalarCheck {
  std::string call;
  z3::expr expected; // 64-bit
};
std::function<std::string(const Values &)>
scalar_replay(const std::vector<std::pair<std::string, Layout>> &layouts,
              const std::vector<ReplayInput> &inputs, const std::vector<ScalarCheck> &checks);

// Several result words in layout T holding a lane sequence (convert() order): every sequence lane
// equals its spec (one goal per lane when split_lanes), the lanes of the last word past the
// sequence are 0, every word is canonical in T, and the op returned the expected number of words.
void expect_sequence(Query &q, const Layout &T, const std::vector<W> &got, std::size_t words,
                     const std::vector<z3::expr> &expected, bool split_lanes);
// Its replay: `const auto r = call;` then every lane of r == expected (then 0s) and every word
// canonical.
std::function<std::string(const Values &)>
sequence_replay(const std::vector<std::pair<std::string, Layout>> &layouts,
                const std::vector<ReplayInput> &inputs, const std::string &call,
                const std::string &layout_name, const Layout &T,
                const std::vector<z3::expr> &expected);

// Standard shapes -------------------------------------------------------------------------------

using Unary = std::function<W(const Layout &, const W &)>;
using Binary = std::function<W(const Layout &, const W &, const W &)>;
using LaneSpec1 = std::function<z3::expr(const Layout &, const z3::expr &)>;
using LaneSpec2 = std::function<z3::expr(const Layout &, const z3::expr &, const z3::expr &)>;

// x canonical -> one canonical word in L whose lane i = spec(x_i).
void lanewise1(Query &q, const Layout &L, const Unary &op, const LaneSpec1 &spec,
               const std::string &call, bool split_lanes = false);
// x, y canonical -> one canonical word in L whose lane i = spec(x_i, y_i).
void lanewise2(Query &q, const Layout &L, const Binary &op, const LaneSpec2 &spec,
               const std::string &call, bool split_lanes = false);

} // namespace samd::proofs
