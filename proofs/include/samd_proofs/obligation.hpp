// Obligations: one claim about one core op at one layout (and case), built lazily in whatever
// z3::context the worker thread owns.
//
// A Query holds   pre  — side preconditions (most are built into the terms instead, see
//                        symbolic.hpp; pre is then `true`),
//                 goals — claims that must hold for every input satisfying pre; each goal is
//                        checked on its own (`pre and given and not claim` must be unsat, in
//                        order), so heavy ops can split per lane,
// and what a counterexample needs: lane columns (x_i, y_i, expected, got) and a replay test line.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "samd/layout.hpp"
#include "samd_proofs/solve.hpp"

namespace samd::proofs {

// A column of lane values to print for a counterexample.
struct Column {
  std::string name;
  std::vector<z3::expr> lanes;
  bool is_signed = false;
};

// A goal may be checked `given` earlier goals of the same query (cut points): sound because those
// goals are proven first, under the same precondition. prove() also checks that pre and given
// are satisfiable together (an unsatisfiable hypothesis would make the goal hold vacuously).
// A goal may also be about one instance of the query's terms (see Query::goal_at): its claim has
// the free constants `fixed` replaced by `fixed_to`, and a counterexample is shown at that
// instance.
struct Goal {
  std::string name;
  z3::expr claim;
  z3::expr given;
  std::vector<z3::expr> fixed = {}, fixed_to = {};
};

// Evaluates terms in a counterexample model (what a replay line and the lane table need), at the
// failing goal's instance: the goal's fixed constants replaced first (the model leaves them at an
// arbitrary value, 0, since the claim no longer holds them).
class Values {
public:
  explicit Values(const z3::model &m, std::vector<z3::expr> fixed = {},
                  std::vector<z3::expr> fixed_to = {})
      : model_(m), fixed_(std::move(fixed)), fixed_to_(std::move(fixed_to)) {}
  std::uint64_t
  word(const z3::expr &e) const; // a term of at most 64 bits (or an integer), as unsigned
  std::int64_t value(const z3::expr &e, bool is_signed) const;
  // The value in decimal at any width: as two's complement when is_signed, else unsigned.
  std::string decimal(const z3::expr &e, bool is_signed) const;
  std::string lanes(const std::vector<z3::expr> &es, bool is_signed) const; // "1, -2, 3"
  std::string hex(const z3::expr &e) const;                                 // "0x...ull"

private:
  z3::expr eval(const z3::expr &e) const; // at the goal's instance, every constant given a value
  z3::model model_;
  std::vector<z3::expr> fixed_, fixed_to_;
};

class Query {
public:
  explicit Query(z3::context &c) : ctx(c), pre(c.bool_val(true)) {}

  void require(const z3::expr &p) { pre = pre && p; }
  void goal(std::string name, const z3::expr &claim) {
    goals.push_back({std::move(name), claim, ctx.bool_val(true)});
  }
  void goal_given(std::string name, const z3::expr &claim, const z3::expr &given) {
    goals.push_back({std::move(name), claim, given});
  }
  // The goal `claim` with each free constant fixed[i] replaced by fixed_to[i] (one instance of a
  // claim over them, e.g. a multiplier enumerated value by value): the solver sees only the
  // instance, and a counterexample's columns and replay are evaluated at it.
  void goal_at(std::string name, const z3::expr &claim, const std::vector<z3::expr> &fixed,
               const std::vector<z3::expr> &fixed_to) {
    z3::expr_vector from(ctx), to(ctx);
    for (std::size_t i = 0; i < fixed.size(); ++i) {
      from.push_back(fixed[i]);
      to.push_back(fixed_to.at(i));
    }
    goals.push_back({std::move(name), z3::expr(claim).substitute(from, to), ctx.bool_val(true),
                     fixed, fixed_to});
  }
  void column(std::string name, std::vector<z3::expr> lanes, bool is_signed) {
    columns.push_back({std::move(name), std::move(lanes), is_signed});
  }

  // A cut point: the goal `term == replacement` (one per call), after which claims can be stated
  // on through_cuts(e), e with every cut term replaced. Sound because each cut goal is proven
  // before the goals that follow it; it lets Z3 check a composite op piece by piece instead of
  // bit-blasting all of it at once. Z3 hash-conses terms, so a term built here is found inside
  // the op's term when the op built the same one.
  void cut(const std::string &name, const z3::expr &term, const z3::expr &replacement) {
    goal("cut: " + name, term == replacement);
    cut_terms_.push_back(term);
    cut_replacements_.push_back(replacement);
  }
  // A cut proven in general: the goal `term == replacement` over fresh variables `vars`, then the
  // cut of its instance with vars := `values`. Sound because an identity over free variables holds
  // for every term put in their place; it keeps the solver off the structure of the values (the
  // running sums of a multiplier are deep terms, and each step is only a word add).
  void cut_instance(const std::string &name, const z3::expr &term, const z3::expr &replacement,
                    const z3::expr_vector &vars, const z3::expr_vector &values) {
    goal("cut: " + name, term == replacement);
    z3::expr_vector from = vars, to = values;
    cut_terms_.push_back(z3::expr(term).substitute(from, to));
    cut_replacements_.push_back(z3::expr(replacement).substitute(from, to));
  }
  // An assumption: like a cut, but its equality is the claim of another obligation (named in
  // Obligation::assumes), proven on its own instead of again here. The runner counts this
  // obligation as proved only if that one is proved too.
  void assume(const z3::expr &term, const z3::expr &replacement) {
    cut_terms_.push_back(term);
    cut_replacements_.push_back(replacement);
  }
  // Cuts apply in order, so a later cut may be stated on terms built from earlier replacements.
  z3::expr through_cuts(const z3::expr &e) const {
    z3::expr r = e;
    for (std::size_t i = 0; i < cut_terms_.size(); ++i) {
      z3::expr_vector from(ctx), to(ctx);
      from.push_back(cut_terms_[i]);
      to.push_back(cut_replacements_[i]);
      r = r.substitute(from, to);
    }
    return r;
  }

  z3::context &ctx;
  z3::expr pre;
  Strategy strategy = Strategy::Aig; // the solver its goals prefer (see solve.hpp)
  std::vector<Goal> goals;
  std::vector<Column> columns;
  // Given a counterexample, a ready-to-paste Catch2 test body (one line).
  std::function<std::string(const Values &)> replay;

private:
  std::vector<z3::expr> cut_terms_, cut_replacements_;
};

// What the prover reports per obligation: op, layout (bits, guard, signedness) and a case string
// for the extra parameters (shift amount, target layout, policy, lane group).
struct Obligation {
  std::string family; // proofs/src/obligations/<family>.cpp
  std::string op;     // the core function, e.g. "add_wrap"
  Layout layout;
  std::string variant; // "" or e.g. "k=3", "to=s8g0 saturate"
  std::function<void(Query &)> build;
  std::vector<std::string> assumes = {}; // keys (see key()) of obligations whose claims it uses
};

// "add_wrap u4g0 k=3": how obligations are named (and assumed).
std::string key(const Obligation &ob);
// Every obligation of every family, in a stable order (checked by check_assumptions).
const std::vector<Obligation> &all_obligations();
// Throws std::logic_error unless every obligation's key is unique and every key it assumes names
// another obligation that assumes nothing itself: an assumption is then a proof, never a chain
// or a cycle of obligations that are proved only under each other.
void check_assumptions(const std::vector<Obligation> &obligations);
// The obligation with this key, or nullptr.
const Obligation *find_obligation(const std::string &key);
// `chosen` plus every obligation they assume, transitively, in registry order.
std::vector<const Obligation *> with_assumptions(const std::vector<const Obligation *> &chosen);

} // namespace samd::proofs
