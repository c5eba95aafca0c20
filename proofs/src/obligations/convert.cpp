// Obligations for samd/ops/convert.hpp: broadcast, range masks, saturation, convert and widen.
//
// Targets (see relayout_targets): for sources of 1..4 bits with guard 0, every target width
// 1..32 in both signednesses; for every other source, the widths {1, b/2, b-1, b, b+1, 2b, 32}
// in both signednesses. The target guard cycles through {0, 1, 2, max} with the width so that
// one-lane-per-word and packed targets both occur. convert uses two input words, so lanes
// cross word boundaries in both directions; and three (kConvertLongWords) under Wrap for the
// targets of widths b, 2b and 32, so an input word index right for two words only is caught.
#include "samd/ops/convert.hpp"

#include <set>

#include "checks.hpp"
#include "families.hpp"

namespace samd::proofs {
namespace {

constexpr unsigned kWide =
    40; // every lane value of <= 32 bits, signed or not, fits in 40 signed bits

z3::expr value_of(const z3::expr &lane, const Layout &L) {
  return spec::extend(lane, L.is_signed(), kWide);
}
z3::expr range_lo(z3::context &c, const Layout &L) {
  return spec::min_value(c, L.bits, L.is_signed(), kWide);
}
z3::expr range_hi(z3::context &c, const Layout &L) {
  return spec::max_value(c, L.bits, L.is_signed(), kWide);
}

// The target lane pattern for value v under policy (Wrap: v mod 2^b; Saturate: clamp).
z3::expr converted(z3::context &c, const z3::expr &v, const Layout &to, Overflow policy) {
  const z3::expr r =
      policy == Overflow::Saturate ? spec::clamp(v, range_lo(c, to), range_hi(c, to), true) : v;
  return r.extract(to.bits - 1, 0);
}

const char *policy_name(Overflow p) { return p == Overflow::Saturate ? "saturate" : "wrap"; }

// Lane inputs for convert/widen: n canonical words in `from` (named x0, x1, ...; X0, X1, ... in
// the replay).
struct InputWords {
  std::vector<W> words;
  std::vector<z3::expr> lanes; // in sequence order
  std::vector<ReplayInput> replay;
  std::string list; // "{X0, X1}"
};
InputWords input_words(z3::context &c, const Layout &from, unsigned n) {
  InputWords t;
  for (unsigned i = 0; i < n; ++i) {
    const LaneWord w = canonical_word(c, from, "x" + std::to_string(i));
    t.words.push_back(w.word);
    t.lanes.insert(t.lanes.end(), w.lanes.begin(), w.lanes.end());
    t.replay.push_back({"X" + std::to_string(i), w.word});
    t.list += (i ? ", X" : "{X") + std::to_string(i);
  }
  t.list += "}";
  return t;
}

void check_sequence_op(Query &q, const Layout &from, const Layout &to, const InputWords &in,
                       const std::vector<W> &got, const std::vector<z3::expr> &expected,
                       const std::string &call) {
  const std::size_t words = (in.lanes.size() + to.lanes() - 1) / to.lanes();
  q.column("x_j", in.lanes, from.is_signed());
  expect_sequence(q, to, got, words, expected, false);
  q.replay = sequence_replay({{"F", from}, {"T", to}}, in.replay, call, "T", to, expected);
}

} // namespace

// v is any word: every lane = v's low b bits.
void check_broadcast(Query &q, const Layout &L, const Unary &op) {
  const z3::expr v = free_word(q.ctx, "v");
  const std::vector<z3::expr> expected(L.lanes(), v.extract(L.bits - 1, 0));
  const std::vector<WordOutput> outs{{"r", "r", L, op(L, v), expected}};
  q.column("v", {v.extract(L.bits - 1, 0)}, L.is_signed());
  expect_words(q, outs, false);
  q.replay = word_replay({{"L", L}}, {{"V", v}}, "samd::broadcast(L, V)", outs);
}

void check_out_of_range_mask(Query &q, const Layout &src, const Layout &dst, const Relayout &op) {
  lanewise1(
      q, src, [dst, op](const Layout &L, const W &x) { return op(L, dst, x); },
      [dst](const Layout &L, const z3::expr &x) {
        z3::context &c = x.ctx();
        return spec::mask(!spec::in_range(value_of(x, L), range_lo(c, dst), range_hi(c, dst), true),
                          L.bits);
      },
      "samd::out_of_range_mask(L, " + layout_literal(dst) + ", X)");
}

void check_saturate_to(Query &q, const Layout &src, const Layout &dst, const Relayout &op) {
  lanewise1(
      q, src, [dst, op](const Layout &L, const W &x) { return op(L, dst, x); },
      [dst](const Layout &L, const z3::expr &x) {
        z3::context &c = x.ctx();
        return spec::clamp(value_of(x, L), range_lo(c, dst), range_hi(c, dst), true)
            .extract(L.bits - 1, 0);
      },
      "samd::saturate_to(L, " + layout_literal(dst) + ", X)");
}

void check_convert(Query &q, const Layout &from, const Layout &to, Overflow policy,
                   const Convert &op, unsigned words) {
  const InputWords in = input_words(q.ctx, from, words);
  std::vector<z3::expr> expected;
  for (const z3::expr &l : in.lanes)
    expected.push_back(converted(q.ctx, value_of(l, from), to, policy));
  const std::vector<W> got = op(from, to, in.words, policy);
  check_sequence_op(q, from, to, in, got, expected,
                    "samd::convert(F, T, " + in.list + ", samd::Overflow::" +
                        (policy == Overflow::Saturate ? "Saturate" : "Wrap") + ")");
}

// widen: `to` holds every value of `from`, so each lane is carried exactly.
void check_widen(Query &q, const Layout &from, const Layout &to, const Widen &op) {
  const InputWords in = input_words(q.ctx, from, 2);
  std::vector<z3::expr> expected;
  for (const z3::expr &l : in.lanes)
    expected.push_back(value_of(l, from).extract(to.bits - 1, 0));
  // The spec pattern denotes the same value in `to` (the range check of widen, restated).
  for (unsigned j = 0; j < in.lanes.size(); ++j)
    q.goal("lane " + std::to_string(j) + " representable",
           value_of(expected[j], to) == value_of(in.lanes[j], from));
  check_sequence_op(q, from, to, in, op(from, to, in.words), expected,
                    "samd::widen(F, T, " + in.list + ")");
}

// The targets convert is also proven at on kConvertLongWords input words, under Wrap (which input
// word a lane comes from does not depend on the policy): widths b, 2b and 32, the same lane count
// as the source, half of it, and one or two lanes per word.
bool long_words_target(const Layout &src, const Layout &to) {
  return to.bits == src.bits || to.bits == 2 * src.bits || to.bits == kMaxBits;
}

// The conversion targets proven for a source layout (documented at the top of this file).
std::vector<Layout> relayout_targets(const Layout &src) {
  std::set<unsigned> widths;
  const unsigned b = src.bits;
  if (b <= 4 && src.guard == 0)
    for (unsigned w = 1; w <= kMaxBits; ++w)
      widths.insert(w);
  else
    for (unsigned w : {1u, b / 2, b - 1, b, b + 1, 2 * b, kMaxBits})
      if (w >= 1 && w <= kMaxBits)
        widths.insert(w);
  std::vector<Layout> out;
  for (unsigned w : widths)
    for (Signedness s : {Signedness::Unsigned, Signedness::Signed}) {
      const unsigned choice = (w + (s == Signedness::Signed ? 1 : 0)) % 4;
      const unsigned guard = choice == 3 ? max_guard(w) : std::min(choice, max_guard(w));
      out.push_back(Layout{w, guard, s});
    }
  return out;
}

void register_convert(std::vector<Obligation> &out) {
  Family f(out, "convert");
  for (const Layout &L : layouts(kMaxBits)) {
    f.add("broadcast", L, "", [L](Query &q) {
      check_broadcast(q, L, [](const Layout &L, const W &v) { return broadcast(L, v); });
    });
    if (is_middle_guard(L))
      continue;
    for (const Layout &T : relayout_targets(L)) {
      const Layout dst{T.bits, 0, T.sign}; // the range only: guard does not matter
      f.add("out_of_range_mask", L, "dst=" + layout_name(dst), [L, dst](Query &q) {
        check_out_of_range_mask(q, L, dst, [](const Layout &s, const Layout &d, const W &x) {
          return out_of_range_mask(s, d, x);
        });
      });
      f.add("saturate_to", L, "dst=" + layout_name(dst), [L, dst](Query &q) {
        check_saturate_to(q, L, dst, [](const Layout &s, const Layout &d, const W &x) {
          return saturate_to(s, d, x);
        });
      });
      const Convert op = [](const Layout &a, const Layout &b, const std::vector<W> &s, Overflow p) {
        return convert(a, b, s, p);
      };
      for (Overflow p : {Overflow::Wrap, Overflow::Saturate})
        f.add("convert", L, "to=" + layout_name(T) + " " + policy_name(p),
              [L, T, p, op](Query &q) { check_convert(q, L, T, p, op); });
      if (long_words_target(L, T))
        f.add("convert", L,
              "to=" + layout_name(T) + " wrap " + std::to_string(kConvertLongWords) + " words",
              [L, T, op](Query &q) {
                check_convert(q, L, T, Overflow::Wrap, op, kConvertLongWords);
              });
      if (T.min_value() <= L.min_value() && T.max_value() >= L.max_value())
        f.add("widen", L, "to=" + layout_name(T), [L, T](Query &q) {
          check_widen(q, L, T, [](const Layout &a, const Layout &b, const std::vector<W> &s) {
            return widen(a, b, s);
          });
        });
    }
  }
}

} // namespace samd::proofs
