#include "common.hpp"

#include <algorithm>
#include <set>

namespace samd::proofs {

std::vector<unsigned> guard_configs(unsigned bits, unsigned min_guard) {
  std::set<unsigned> gs{0, 1, 2, max_guard(bits)};
  std::vector<unsigned> out;
  for (unsigned g : gs)
    if (g >= min_guard && bits + g <= kWord)
      out.push_back(g);
  return out;
}

namespace {
unsigned middle_guard(unsigned bits, Signedness s) {
  return (bits + (s == Signedness::Signed ? 1 : 0)) % 2 == 0 ? 3 : max_guard(bits) - 1;
}
} // namespace

std::vector<Layout> layouts(unsigned max_bits, unsigned min_guard) {
  std::vector<Layout> out;
  for (unsigned b = 1; b <= max_bits; ++b)
    for (Signedness s : {Signedness::Unsigned, Signedness::Signed}) {
      for (unsigned g : guard_configs(b, min_guard))
        out.push_back(Layout{b, g, s});
      if (middle_guard(b, s) >= min_guard)
        out.push_back(Layout{b, middle_guard(b, s), s});
    }
  return out;
}

bool is_middle_guard(const Layout &L) {
  const std::vector<unsigned> standard = guard_configs(L.bits);
  return L.guard == middle_guard(L.bits, L.sign) &&
         std::find(standard.begin(), standard.end(), L.guard) == standard.end();
}

void expect_words(Query &q, const std::vector<WordOutput> &outs, bool split_lanes) {
  z3::expr all = q.ctx.bool_val(true);
  const unsigned n = outs.empty() ? 0 : unsigned(outs.front().expected.size());
  for (unsigned i = 0; i < n; ++i) {
    z3::expr lane_ok = q.ctx.bool_val(true);
    for (const WordOutput &o : outs)
      lane_ok = lane_ok && lane_of(o.got, o.layout, i) == o.expected.at(i);
    if (split_lanes)
      q.goal("lane " + std::to_string(i), lane_ok);
    else
      all = all && lane_ok;
  }
  if (!split_lanes)
    q.goal("every lane", all);
  z3::expr canonical = q.ctx.bool_val(true);
  for (const WordOutput &o : outs)
    canonical = canonical && guard_and_padding_zero(o.got, o.layout);
  q.goal("guard and padding bits 0", canonical);
  for (const WordOutput &o : outs) {
    std::vector<z3::expr> got;
    for (unsigned i = 0; i < o.expected.size(); ++i)
      got.push_back(lane_of(o.got, o.layout, i));
    q.column("expected " + o.name, o.expected, o.layout.is_signed());
    q.column("got " + o.name, got, o.layout.is_signed());
  }
}

void input_column(Query &q, const std::string &name, const LaneWord &w, bool is_signed) {
  q.column(name + "_i", w.lanes, is_signed);
}

std::string replay_prelude(const Values &v,
                           const std::vector<std::pair<std::string, Layout>> &layouts,
                           const std::vector<ReplayInput> &inputs) {
  std::string s;
  for (const auto &[name, L] : layouts)
    s += "const samd::Layout " + name + " = " + layout_literal(L) + "; ";
  for (const ReplayInput &in : inputs)
    s += "const std::uint64_t " + in.name + " = " + v.hex(in.word) + "; ";
  return s;
}

std::string replay_word_checks(const Values &v, const WordOutput &out,
                               const std::string &layout_name) {
  return "CHECK(samd::unpack_word(" + layout_name + ", " + out.accessor +
         ") == std::vector<std::int64_t>{" + v.lanes(out.expected, out.layout.is_signed()) +
         "}); CHECK(samd::is_canonical(" + layout_name + ", " + out.accessor + ")); ";
}

std::function<std::string(const Values &)>
word_replay(const std::vector<std::pair<std::string, Layout>> &layouts,
            const std::vector<ReplayInput> &inputs, const std::string &call,
            const std::vector<WordOutput> &outs) {
  return [=](const Values &v) {
    std::string s = "{ " + replay_prelude(v, layouts, inputs) + "const auto r = " + call + "; ";
    for (const WordOutput &o : outs) {
      // Name the layout the output is read in (the first declared layout equal to it).
      std::string rl = "L";
      for (const auto &[name, L] : layouts)
        if (L == o.layout) {
          rl = name;
          break;
        }
      s += replay_word_checks(v, o, rl);
    }
    return s + "}";
  };
}

std::function<std::string(const Values &)>
scalar_replay(const std::vector<std::pair<std::string, Layout>> &layouts,
              const std::vector<ReplayInput> &inputs, const std::vector<ScalarCheck> &checks) {
  return [=](const Values &v) {
    std::string s = "{ " + replay_prelude(v, layouts, inputs);
    for (const ScalarCheck &c : checks)
      s += "CHECK(" + c.call + " == " + v.hex(c.expected) + "); ";
    return s + "}";
  };
}

void expect_sequence(Query &q, const Layout &T, const std::vector<W> &got, std::size_t words,
                     const std::vector<z3::expr> &expected, bool split_lanes) {
  if (got.size() != words) {
    q.goal("returns " + std::to_string(words) + " words (got " + std::to_string(got.size()) + ")",
           q.ctx.bool_val(false));
    return;
  }
  z3::expr all = q.ctx.bool_val(true);
  std::vector<z3::expr> lanes;
  for (unsigned j = 0; j < expected.size(); ++j) {
    lanes.push_back(sequence_lane(got, T, j));
    if (split_lanes)
      q.goal("lane " + std::to_string(j), lanes[j] == expected[j]);
    else
      all = all && lanes[j] == expected[j];
  }
  if (!split_lanes)
    q.goal("every lane", all);
  // The last word's lanes past the sequence are part of the result too (dot sums whole words).
  z3::expr tail = q.ctx.bool_val(true);
  for (std::size_t j = expected.size(); j < words * T.lanes(); ++j)
    tail = tail && sequence_lane(got, T, unsigned(j)) == q.ctx.bv_val(0, T.bits);
  z3::expr canonical = q.ctx.bool_val(true);
  for (const W &w : got)
    canonical = canonical && guard_and_padding_zero(w, T);
  q.goal("tail lanes 0", tail);
  q.goal("guard and padding bits 0", canonical);
  q.column("expected", expected, T.is_signed());
  q.column("got", lanes, T.is_signed());
}

std::function<std::string(const Values &)>
sequence_replay(const std::vector<std::pair<std::string, Layout>> &layouts,
                const std::vector<ReplayInput> &inputs, const std::string &call,
                const std::string &layout_name, const Layout &T,
                const std::vector<z3::expr> &expected) {
  // Every lane of the words: the tail lanes of the last one must be 0.
  const std::size_t all = (expected.size() + T.lanes() - 1) / T.lanes() * T.lanes();
  return [=](const Values &v) {
    std::string tail;
    for (std::size_t j = expected.size(); j < all; ++j)
      tail += ", 0";
    return "{ " + replay_prelude(v, layouts, inputs) + "const auto r = " + call +
           "; CHECK(samd::unpack(" + layout_name + ", r, " + std::to_string(all) +
           ") == std::vector<std::int64_t>{" + v.lanes(expected, T.is_signed()) + tail +
           "}); for (const std::uint64_t w : r) CHECK(samd::is_canonical(" + layout_name +
           ", w)); }";
  };
}

void lanewise1(Query &q, const Layout &L, const Unary &op, const LaneSpec1 &spec,
               const std::string &call, bool split_lanes) {
  const LaneWord x = canonical_word(q.ctx, L, "x");
  std::vector<z3::expr> expected;
  for (const z3::expr &xi : x.lanes)
    expected.push_back(spec(L, xi));
  const std::vector<WordOutput> outs{{"r", "r", L, op(L, x.word), expected}};
  input_column(q, "x", x, L.is_signed());
  expect_words(q, outs, split_lanes);
  q.replay = word_replay({{"L", L}}, {{"X", x.word}}, call, outs);
}

void lanewise2(Query &q, const Layout &L, const Binary &op, const LaneSpec2 &spec,
               const std::string &call, bool split_lanes) {
  const LaneWord x = canonical_word(q.ctx, L, "x"), y = canonical_word(q.ctx, L, "y");
  std::vector<z3::expr> expected;
  for (unsigned i = 0; i < x.lanes.size(); ++i)
    expected.push_back(spec(L, x.lanes[i], y.lanes[i]));
  const std::vector<WordOutput> outs{{"r", "r", L, op(L, x.word, y.word), expected}};
  input_column(q, "x", x, L.is_signed());
  input_column(q, "y", y, L.is_signed());
  expect_words(q, outs, split_lanes);
  q.replay = word_replay({{"L", L}}, {{"X", x.word}, {"Y", y.word}}, call, outs);
}

} // namespace samd::proofs
