// ops/convert.hpp: broadcast, re-laying lanes between layouts under the Wrap / Saturate / Error
// policies, widen, out_of_range_mask and saturate_to, against samd::ref.
#include <optional>

#include "harness.hpp"
#include "samd/ops/convert.hpp"
#include "samd/pack.hpp" // convert_checked (Overflow::Error) lives with the execution-word helpers

using namespace samd;
using namespace samd::props;

namespace {

ref::Policy ref_policy(Overflow p) {
  return p == Overflow::Wrap       ? ref::Policy::Wrap
         : p == Overflow::Saturate ? ref::Policy::Saturate
                                   : ref::Policy::Error;
}
const char *name(Overflow p) {
  return p == Overflow::Wrap ? "Wrap" : p == Overflow::Saturate ? "Saturate" : "Error";
}

// The input lanes in sequence order: word j / lanes, lane j % lanes.
LaneValues sequence(const std::vector<LaneValues> &words) {
  LaneValues v;
  for (const LaneValues &w : words)
    v.insert(v.end(), w.begin(), w.end());
  return v;
}
std::vector<std::uint64_t> encode(const Layout &L, const std::vector<LaneValues> &words) {
  std::vector<std::uint64_t> out;
  for (const LaneValues &w : words)
    out.push_back(word_of(L, w));
  return out;
}

// Compare convert / convert_checked with the reference for one policy. Error: the first lane out
// of range must be named with its value, else the result equals Wrap.
std::string convert_diff(const Layout &from, const Layout &to, const std::vector<LaneValues> &words,
                         Overflow p, bool checked) {
  const LaneValues seq = sequence(words);
  const std::string what = std::string(checked ? "convert_checked " : "convert ") + name(p) + " " +
                           label(from) + "->" + label(to) + " input " + show(seq) + ": ";
  std::optional<std::size_t> bad;
  for (std::size_t j = 0; j < seq.size() && !bad; ++j)
    if (!ref::convert(to, seq[j], ref_policy(p)))
      bad = j;
  std::vector<std::uint64_t> out;
  try {
    out = checked ? convert_checked(from, to, encode(from, words), p)
                  : convert(from, to, encode(from, words), p);
  } catch (const std::out_of_range &e) {
    // The trailing space ends the lane number: "at lane 1" must not match "at lane 12".
    const std::string want = "value " + std::to_string(bad ? seq[*bad] : 0) + " at lane " +
                             std::to_string(bad ? *bad : 0) + " ";
    if (bad && std::string(e.what()).find(want) != std::string::npos)
      return "";
    return what + "unexpected std::out_of_range: " + e.what() +
           (bad ? " (expected '" + want + "')" : "");
  }
  if (bad)
    return what + "no exception for lane " + std::to_string(*bad) + " = " +
           std::to_string(seq[*bad]);
  const std::size_t nout = (seq.size() + to.lanes() - 1) / to.lanes();
  if (out.size() != nout)
    return what + std::to_string(out.size()) + " words, expected " + std::to_string(nout);
  for (std::size_t w = 0; w < nout; ++w) {
    LaneValues want(to.lanes(), 0);
    for (unsigned k = 0; k < to.lanes(); ++k)
      if (w * to.lanes() + k < seq.size())
        want[k] = ref::convert(to, seq[w * to.lanes() + k],
                               p == Overflow::Error ? ref::Policy::Wrap : ref_policy(p))
                      .value();
    const std::string d = lane_diff(to, out[w], want);
    if (!d.empty())
      return what + "word " + std::to_string(w) + ": " + d;
  }
  return "";
}

// out_of_range_mask and saturate_to stay in src.
std::string range_diff(const Layout &src, const Layout &dst, const LaneValues &x) {
  LaneValues oor(x.size()), sat(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    oor[i] = ref::mask(src, !ref::in_range(dst, x[i]));
    sat[i] = ref::saturate(dst, x[i]);
  }
  std::string d = lane_diff(src, out_of_range_mask(src, dst, word_of(src, x)), oor);
  if (!d.empty())
    return "out_of_range_mask " + label(src) + "->" + label(dst) + ": " + d;
  d = lane_diff(src, saturate_to(src, dst, word_of(src, x)), sat);
  return d.empty() ? d : "saturate_to " + label(src) + "->" + label(dst) + ": " + d;
}

std::string broadcast_diff(const Layout &L, std::uint64_t v) {
  const std::string d =
      lane_diff(L, broadcast(L, v), LaneValues(L.lanes(), ref::from_pattern(L, v & ones(L.bits))));
  return d.empty() ? d : "broadcast " + hex(v) + ": " + d;
}

// Half the time, one lane set to an edge of to's range (ref::range_edge) that `from` can hold:
// lanes are drawn at from's edges, and meet to's (where conversions branch) only by chance above
// 4 bits (s16 -> s8 hits 127 or 128 with probability ~2^-15).
void put_edge_of(const Layout &from, const Layout &to, std::vector<LaneValues> &words) {
  // (resized: inRange scales with the test size, which would keep early cases at 0)
  const auto index = [](std::size_t n) {
    return *rc::gen::resize(100, rc::gen::inRange<std::size_t>(0, n));
  };
  if (index(2) == 0)
    return;
  const std::int64_t e = ref::range_edge(to, static_cast<unsigned>(index(4)));
  if (!ref::in_range(from, e))
    return;
  LaneValues &w = words[index(words.size())];
  w[index(w.size())] = e;
}

bool contains_range(const Layout &to, const Layout &from) {
  return to.min_value() <= from.min_value() && to.max_value() >= from.max_value();
}

} // namespace

TEST_CASE("broadcast copies v's low b bits to every lane (widths 1-32)", "[convert][broadcast]") {
  each_layout(layouts(32), "broadcast", [](const Layout &L) {
    const std::uint64_t v = *rc::gen::weightedOneOf<std::uint64_t>(
        {{1, rc::gen::map(lane(L), [L](std::int64_t x) { return ref::pattern(L, x); })},
         {1, any_word()}});
    const std::string d = broadcast_diff(L, v);
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("convert and convert_checked equal the reference under every policy", "[convert]") {
  const std::vector<Layout> all = layouts(32);
  each_layout(all, "convert", [&all](const Layout &from) {
    const Layout to = pick(all);
    auto words = *rc::gen::container<std::vector<LaneValues>>(*rc::gen::inRange(1, 4), lanes(from));
    put_edge_of(from, to, words);
    const Overflow p = *rc::gen::element(Overflow::Wrap, Overflow::Saturate, Overflow::Error);
    std::string d = p == Overflow::Error ? "" : convert_diff(from, to, words, p, false);
    if (d.empty())
      d = convert_diff(from, to, words, p, true);
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("out_of_range_mask and saturate_to equal the reference", "[convert]") {
  const std::vector<Layout> all = layouts(32);
  each_layout(all, "out_of_range_mask+saturate_to", [&all](const Layout &src) {
    const Layout dst = pick(all);
    std::vector<LaneValues> words = {*lanes(src)};
    put_edge_of(src, dst, words);
    const std::string d = range_diff(src, dst, words[0]);
    if (!d.empty())
      RC_FAIL(d);
  });
}

TEST_CASE("conversions, exhaustive over all lane values for widths <= 4", "[convert][exhaustive]") {
  const std::vector<Layout> small = layouts(4);
  for (const Layout &from : small) {
    Filler fill(from, seed_for("convert" + label(from)));
    std::string d;
    for (std::int64_t a : all_values(from)) {
      for (std::uint64_t junk : {std::uint64_t{0}, fill.next() & ~ones(from.bits)})
        if (d.empty())
          d = broadcast_diff(from, ref::pattern(from, a) | junk);
      for (const Layout &to : small)
        for (unsigned i = 0; i < from.lanes() && d.empty(); ++i) {
          const std::vector<LaneValues> words = {fill.around(i, a), fill.around(i, a)};
          // convert_checked only adds the Error policy; Wrap / Saturate through it are
          // random-tested.
          for (Overflow p : {Overflow::Wrap, Overflow::Saturate})
            if (d.empty())
              d = convert_diff(from, to, words, p, false);
          if (d.empty())
            d = convert_diff(from, to, words, Overflow::Error, true);
          if (d.empty())
            d = range_diff(from, to, words[0]);
        }
    }
    INFO(d);
    CHECK(d.empty());
  }
}

TEST_CASE("widen carries every value exactly and refuses a narrower target", "[convert][widen]") {
  const std::vector<Layout> all = layouts(32);
  each_layout(all, "widen", [&all](const Layout &from) {
    const Layout to = pick(all);
    const std::vector<LaneValues> words = {*lanes(from)};
    if (!contains_range(to, from)) {
      try {
        (void)widen(from, to, encode(from, words));
      } catch (const std::invalid_argument &e) {
        RC_ASSERT(std::string(e.what()).find(label(from)) != std::string::npos);
        RC_ASSERT(std::string(e.what()).find(label(to)) != std::string::npos);
        return;
      }
      RC_FAIL("widen " + label(from) + "->" + label(to) + " did not throw");
    }
    const std::string d = convert_diff(from, to, words, Overflow::Error, true);
    if (!d.empty())
      RC_FAIL(d);
    RC_ASSERT(widen(from, to, encode(from, words)) ==
              convert(from, to, encode(from, words), Overflow::Wrap));
  });
}

TEST_CASE("conversion laws", "[convert][laws]") {
  const std::vector<Layout> all = layouts(32);
  each_layout(
      all, "widen then narrow (Wrap) is the identity; convert to itself is the identity",
      [&all](const Layout &L) {
        std::vector<Layout> wider;
        for (const Layout &W : all)
          if (contains_range(W, L))
            wider.push_back(W);
        const Layout wide = pick(wider);
        const std::vector<std::uint64_t> src = {word_of(L, *lanes(L)), word_of(L, *lanes(L))};
        const std::vector<std::uint64_t> back =
            convert(wide, L, widen(L, wide, src), Overflow::Wrap);
        RC_ASSERT(back.size() >= src.size());
        for (std::size_t i = 0; i < back.size(); ++i)
          RC_ASSERT(back[i] == (i < src.size() ? src[i] : 0));
        RC_ASSERT(convert(L, L, src, Overflow::Saturate) == src);
      });
  each_layout(all, "saturate_to is idempotent and clears out_of_range_mask",
              [&all](const Layout &L) {
                const Layout dst = pick(all);
                const std::uint64_t x = word_of(L, *lanes(L)), s = saturate_to(L, dst, x);
                RC_ASSERT(saturate_to(L, dst, s) == s);
                RC_ASSERT(out_of_range_mask(L, dst, s) == std::uint64_t{0});
              });
}

TEST_CASE("convert refuses Overflow::Error; convert_checked names the lane and value",
          "[convert][bad-input]") {
  const Layout s8{8, 0, Signedness::Signed}, u4{4, 0, Signedness::Unsigned};
  const std::vector<std::uint64_t> src = {word_of(s8, {1, 2, 3, 15, 16, -1, 0, 0})};
  CHECK_THROWS_AS(convert(s8, u4, src, Overflow::Error), std::invalid_argument);
  CHECK_THROWS_AS(convert_checked(s8, u4, src, Overflow::Error), std::out_of_range);
  CHECK_THROWS_WITH(convert_checked(s8, u4, src, Overflow::Error),
                    Catch::Contains("value 16 at lane 4") && Catch::Contains("[0, 15]"));
  CHECK_THROWS_WITH(widen(s8, u4, src), Catch::Contains("u4g0") && Catch::Contains("s8g0"));
  const Layout u0{0, 0, Signedness::Unsigned}, u33{33, 0, Signedness::Unsigned};
  for (Overflow p : {Overflow::Wrap, Overflow::Saturate, Overflow::Error}) {
    CHECK_THROWS_WITH(convert_checked(u0, u4, src, p), Catch::Contains("bits = 0"));
    CHECK_THROWS_WITH(convert_checked(u4, u33, src, p),
                      Catch::Contains("bits = 33") && Catch::Contains("limit of 32"));
  }
}

// Found by this suite: widen() used to compare the layouts' ranges before validating them (for a
// signed layout with bits 0 that was undefined behaviour). It validates first now.
TEST_CASE("widen rejects invalid layouts naming the value and the limit", "[convert][bad-input]") {
  const Layout u8{8, 0, Signedness::Unsigned}, u0{0, 0, Signedness::Unsigned},
      u33{33, 0, Signedness::Unsigned}, s0{0, 0, Signedness::Signed},
      s70{70, 0, Signedness::Signed};
  const std::vector<std::uint64_t> src = {0};
  CHECK_THROWS_WITH(widen(u8, u0, src),
                    Catch::Contains("bits = 0") && Catch::Contains("at least 1"));
  CHECK_THROWS_WITH(widen(u33, u8, src),
                    Catch::Contains("bits = 33") && Catch::Contains("limit of 32"));
  CHECK_THROWS_WITH(widen(u8, s0, src), Catch::Contains("bits = 0"));
  CHECK_THROWS_WITH(widen(s70, u8, src), Catch::Contains("bits = 70"));
}

TEST_CASE("broadcast and conversions between any two layouts (sweep)", "[convert][sweep]") {
  const std::vector<Layout> all = every_layout(kMaxBits);
  any_layout(kMaxBits, "broadcast", [](const Layout &L) {
    const std::string d = broadcast_diff(L, *any_word());
    if (!d.empty())
      RC_FAIL(d);
  });
  any_layout(kMaxBits, "convert", [&all](const Layout &from) {
    const Layout to = pick(all);
    auto words = *rc::gen::container<std::vector<LaneValues>>(*rc::gen::inRange(1, 4), lanes(from));
    put_edge_of(from, to, words);
    std::string d = convert_diff(from, to, words, Overflow::Wrap, false);
    if (d.empty())
      d = convert_diff(from, to, words, Overflow::Saturate, false);
    if (d.empty())
      d = convert_diff(from, to, words, Overflow::Error, true);
    if (d.empty())
      d = range_diff(from, to, words[0]);
    if (!d.empty())
      RC_FAIL(d);
  });
}
