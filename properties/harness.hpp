// Catch2 + RapidCheck glue shared by the property tests: per-layout properties with a small
// case budget, lane-by-lane comparison against samd::ref, and exhaustive drivers for narrow
// layouts. See gen.hpp for seeds and replay.
#pragma once

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <rapidcheck/catch.h>

#include "gen.hpp"

namespace samd::props {

// Cases per layout per property (x RC_PARAMS max_success / 100). A loop over ~370 layouts (widths
// 1-32, six guards, two signs) makes the total per property ~10000 cases while keeping every layout
// covered.
inline constexpr int kBudget = 28;

inline std::uint64_t base_seed() { return rc::detail::configuration().testParams.seed; }

// Distinct, reproducible streams per property: a failure replays from the printed base seed.
inline std::uint64_t seed_for(const std::string &name) {
  std::uint64_t h = 0xcbf29ce484222325u ^ base_seed();
  for (unsigned char c : name)
    h = (h ^ c) * 0x100000001b3u;
  return h;
}

// Runs one property as a single Catch assertion; a failure carries RapidCheck's counterexample.
template <class Testable>
void check(const std::string &name, Testable &&testable, int budget = kBudget) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::max(1, budget * params.maxSuccess / 100);
  params.seed = seed_for(name);
  rc::detail::TestMetadata meta;
  meta.id = name;
  meta.description = name;
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), meta, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    SUCCEED(name);
    return;
  }
  std::ostringstream msg;
  rc::detail::printResultMessage(result, msg);
  FAIL_CHECK("property '" << name << "' failed; replay with RC_PARAMS=\"seed=" << base_seed()
                          << "\"\n"
                          << msg.str());
}

// One property per layout; `body(L)` draws its inputs with `*gen`.
template <class Body>
void each_layout(const std::vector<Layout> &Ls, const std::string &name, Body body,
                 int budget = kBudget) {
  for (const Layout &L : Ls)
    check(
        name + " " + label(L), [&body, L] { body(L); }, budget);
}

// Sweep: one property over every valid layout (any guard, not only 0/1/2/max), the layout drawn
// per case. Complements each_layout, which covers the guard set deterministically.
inline constexpr int kSweepBudget = 400;
template <class Body> void any_layout(unsigned max_bits, const std::string &name, Body body) {
  const std::vector<Layout> all = every_layout(max_bits);
  check(
      name + " (any layout)", [&body, &all] { body(pick(all)); }, kSweepBudget);
}

inline std::string show(const LaneValues &v) {
  std::ostringstream s;
  s << '[';
  for (std::size_t i = 0; i < v.size(); ++i)
    s << (i ? ", " : "") << v[i];
  s << ']';
  return s.str();
}
inline std::string hex(std::uint64_t w) {
  std::ostringstream s;
  s << "0x" << std::hex << w;
  return s.str();
}

// "" when lane i of `got` has the pattern of want[i] for every lane (and `got` is canonical, if
// the contract says so); otherwise expected vs got lanes.
inline std::string lane_diff(const Layout &L, std::uint64_t got, const LaneValues &want,
                             bool need_canonical = true) {
  std::ostringstream s;
  for (unsigned i = 0; i < want.size(); ++i)
    if (lane_pattern(L, got, i) != ref::pattern(L, want[i])) {
      s << label(L) << " lane " << i << ": expected " << ref::wrap(L, want[i]) << ", got "
        << lane_value(L, got, i) << "\n  expected " << show(want) << "\n  got      "
        << show(lanes_of(L, got)) << " (word " << hex(got) << ")";
      return s.str();
    }
  if (need_canonical && !canonical(L, got))
    s << label(L) << ": result " << hex(got) << " is not canonical (bits "
      << hex(got & ~value_bits(L)) << " outside the lanes' value bits)";
  return s.str();
}

// Inside a property: fail the case with the lane difference.
inline void expect_lanes(const std::string &what, const Layout &L, std::uint64_t got,
                         const LaneValues &want, bool need_canonical = true) {
  const std::string d = lane_diff(L, got, want, need_canonical);
  if (!d.empty())
    RC_FAIL(what + ": " + d);
}

inline LaneValues all_values(const Layout &L) {
  LaneValues v;
  for (std::int64_t a = L.min_value(); a <= L.max_value(); ++a)
    v.push_back(a);
  return v;
}

// ---- op tables: the word op and its reference lane function ----

using WordFn1 = std::function<std::uint64_t(const Layout &, std::uint64_t)>;
using WordFn2 = std::function<std::uint64_t(const Layout &, std::uint64_t, std::uint64_t)>;
using LaneFn1 = std::function<std::int64_t(const Layout &, std::int64_t)>;
using LaneFn2 = std::function<std::int64_t(const Layout &, std::int64_t, std::int64_t)>;

struct Unary {
  std::string name;
  WordFn1 run;
  LaneFn1 want;
};
struct Binary {
  std::string name;
  WordFn2 run;
  LaneFn2 want;
};

inline std::string diff_unary(const Unary &op, const Layout &L, const LaneValues &x) {
  LaneValues want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    want[i] = op.want(L, x[i]);
  return lane_diff(L, op.run(L, word_of(L, x)), want);
}
inline std::string diff_binary(const Binary &op, const Layout &L, const LaneValues &x,
                               const LaneValues &y) {
  LaneValues want(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    want[i] = op.want(L, x[i], y[i]);
  const std::string d = lane_diff(L, op.run(L, word_of(L, x), word_of(L, y)), want);
  return d.empty() ? d : d + "\n  x " + show(x) + "\n  y " + show(y);
}

inline void random_ops(const std::vector<Unary> &ops, const std::vector<Layout> &Ls) {
  for (const Unary &op : ops)
    each_layout(Ls, op.name, [&op](const Layout &L) {
      const LaneValues x = *lanes(L);
      const std::string d = diff_unary(op, L, x);
      if (!d.empty())
        RC_FAIL(op.name + ": " + d);
    });
}
inline void random_ops(const std::vector<Binary> &ops, const std::vector<Layout> &Ls) {
  for (const Binary &op : ops)
    each_layout(Ls, op.name, [&op](const Layout &L) {
      const LaneValues x = *lanes(L), y = *lanes(L);
      const std::string d = diff_binary(op, L, x, y);
      if (!d.empty())
        RC_FAIL(op.name + ": " + d);
    });
}

inline void sweep_ops(const std::vector<Unary> &ops, unsigned max_bits) {
  for (const Unary &op : ops)
    any_layout(max_bits, op.name, [&op](const Layout &L) {
      const std::string d = diff_unary(op, L, *lanes(L));
      if (!d.empty())
        RC_FAIL(op.name + ": " + d);
    });
}
inline void sweep_ops(const std::vector<Binary> &ops, unsigned max_bits) {
  for (const Binary &op : ops)
    any_layout(max_bits, op.name, [&op](const Layout &L) {
      const LaneValues x = *lanes(L), y = *lanes(L);
      const std::string d = diff_binary(op, L, x, y);
      if (!d.empty())
        RC_FAIL(op.name + ": " + d);
    });
}

// Exhaustive drivers (meant for bits <= 4): every value (pair) broadcast to all lanes, then
// placed in each lane position in turn with random neighbours. One Catch assertion per
// (op, layout), reporting the first difference.
inline void exhaustive_ops(const std::vector<Unary> &ops, const std::vector<Layout> &Ls) {
  for (const Unary &op : ops)
    for (const Layout &L : Ls) {
      Filler fill(L, seed_for(op.name + label(L)));
      std::string d;
      for (std::int64_t a : all_values(L)) {
        if (d.empty())
          d = diff_unary(op, L, LaneValues(L.lanes(), a));
        for (unsigned i = 0; i < L.lanes() && d.empty(); ++i)
          d = diff_unary(op, L, fill.around(i, a));
      }
      INFO(op.name << " " << label(L) << ": " << d);
      CHECK(d.empty());
    }
}
inline void exhaustive_ops(const std::vector<Binary> &ops, const std::vector<Layout> &Ls) {
  for (const Binary &op : ops)
    for (const Layout &L : Ls) {
      Filler fill(L, seed_for(op.name + label(L)));
      const LaneValues vals = all_values(L);
      std::string d;
      for (std::int64_t a : vals)
        for (std::int64_t b : vals) {
          if (d.empty())
            d = diff_binary(op, L, LaneValues(L.lanes(), a), LaneValues(L.lanes(), b));
          for (unsigned i = 0; i < L.lanes() && d.empty(); ++i)
            d = diff_binary(op, L, fill.around(i, a), fill.around(i, b));
        }
      INFO(op.name << " " << label(L) << ": " << d);
      CHECK(d.empty());
    }
}

} // namespace samd::props
