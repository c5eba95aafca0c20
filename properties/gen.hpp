// Generators and reference-side word helpers for the samd property tests.
//
// Seeds and replay
//   RapidCheck prints "Using configuration: seed=N" once per executable, before the first
//   property runs. Every property derives its own seed from N and its name (layout included),
//   so the whole run is a function of N:
//     RC_PARAMS="seed=N" ./build/properties/add_test
//   replays a failure exactly (a Catch test name or [tag] argument narrows the run).
//   Each property runs a small per-layout budget of cases (see harness.hpp); scale every budget
//   with max_success, 100 meaning 1x:  RC_PARAMS="max_success=1000" ./build/properties/add_test
// Running the tier
//   ctest --test-dir build -L properties
//
// Lane and word helpers here deliberately do not use samd's masks, pack or extend_lane: a bug
// there must not be able to hide itself by also building the test inputs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <rapidcheck.h>

#include "samd/layout.hpp"
#include "samd/reference.hpp"

namespace samd::props {

using LaneValues = std::vector<std::int64_t>;

// "u8g0" like samd::to_string, built with a stream: GCC 12 at -O3 reports a false -Wrestrict
// (GCC PR 105329) when samd::to_string's string concatenation is inlined into these loops.
inline std::string label(const Layout &L) {
  std::ostringstream s;
  s << (L.is_signed() ? 's' : 'u') << L.bits << 'g' << L.guard;
  return s.str();
}

// Lane reading (shifts and loops only) is the reference's.
using ref::lane_pattern;
using ref::lane_value;
using ref::lanes_of;
using ref::ones;
using ref::value_bits;

// Lanes missing from `v` are 0; values are reduced to their b-bit pattern.
inline std::uint64_t word_of(const Layout &L, const LaneValues &v) {
  std::uint64_t w = 0;
  for (unsigned i = 0; i < L.lanes() && i < v.size(); ++i)
    w |= ref::pattern(L, v[i]) << (i * L.field());
  return w;
}
inline std::uint64_t splat(const Layout &L, std::int64_t v) {
  return word_of(L, LaneValues(L.lanes(), v));
}
inline bool canonical(const Layout &L, std::uint64_t w) { return (w & ~value_bits(L)) == 0; }

// The guard configurations the issue asks for: 0, 1, 2 and the most the width allows; and
// bits - 1 and bits, the thresholds ops branch on (mul_scalar's one-multiply path at
// guard >= bits): max guard has a single lane, so without these that path met several lanes only
// at bits <= 2.
inline std::vector<unsigned> guards_for(unsigned bits) {
  std::vector<unsigned> g;
  for (unsigned c : {0u, 1u, 2u, bits - 1, bits, max_guard(bits)})
    if (bits + c <= kWordBits && std::find(g.begin(), g.end(), c) == g.end())
      g.push_back(c);
  return g;
}
inline std::vector<Layout> layouts(unsigned max_bits, unsigned min_bits = 1) {
  std::vector<Layout> out;
  for (unsigned b = min_bits; b <= max_bits; ++b)
    for (unsigned g : guards_for(b))
      for (Signedness s : {Signedness::Unsigned, Signedness::Signed})
        out.push_back(Layout{b, g, s});
  return out;
}

// Every valid layout up to max_bits, with every guard (for sweeps that pick one per case).
inline std::vector<Layout> every_layout(unsigned max_bits) {
  std::vector<Layout> out;
  for (unsigned b = 1; b <= max_bits; ++b)
    for (unsigned g = 0; b + g <= kWordBits; ++g)
      for (Signedness s : {Signedness::Unsigned, Signedness::Signed})
        out.push_back(Layout{b, g, s});
  return out;
}

// Lane values where SWAR code goes wrong: the range ends, 0, +-1, the sign bit alone and the
// all-ones pattern, and their neighbours.
inline LaneValues boundary_values(const Layout &L) {
  const std::int64_t lo = L.min_value(), hi = L.max_value();
  const LaneValues cand = {lo,
                           hi,
                           0,
                           1,
                           -1,
                           lo + 1,
                           hi - 1,
                           ref::from_pattern(L, std::uint64_t{1} << (L.bits - 1)),
                           ref::from_pattern(L, ones(L.bits)),
                           ref::from_pattern(L, ones(L.bits - 1))};
  LaneValues v;
  for (std::int64_t c : cand)
    if (ref::in_range(L, c) && std::find(v.begin(), v.end(), c) == v.end())
      v.push_back(c);
  return v;
}

// Uniform over [lo, hi]: rc::gen::inRange scales its range with the test size, which would
// keep early cases near lo.
inline rc::Gen<std::int64_t> uniform(std::int64_t lo, std::int64_t hi) {
  return rc::gen::resize(100, rc::gen::inRange<std::int64_t>(lo, hi + 1));
}
inline rc::Gen<std::uint64_t> uniform_u64() {
  return rc::gen::resize(
      100, rc::gen::inRange<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max()));
}

// Generators are immutable but costly to build (under ASan, building one costs far more than a
// draw): each call site builds its generator once per layout.
template <class Make> auto per_layout(const Layout &L, Make make) {
  static std::map<std::tuple<unsigned, unsigned, bool>, decltype(make())> cache;
  const auto key = std::make_tuple(L.bits, L.guard, L.is_signed());
  auto it = cache.find(key);
  if (it == cache.end())
    it = cache.emplace(key, make()).first;
  return it->second;
}

// One lane value of L: half boundary values, half uniform.
inline rc::Gen<std::int64_t> lane(const Layout &L) {
  return per_layout(L, [&L] {
    return rc::gen::weightedOneOf<std::int64_t>(
        {{1, rc::gen::elementOf(boundary_values(L))}, {1, uniform(L.min_value(), L.max_value())}});
  });
}
// All lanes of one word (build the word with word_of; the lane list is what a counterexample
// shows).
inline rc::Gen<LaneValues> lanes(const Layout &L) {
  return per_layout(L, [&L] { return rc::gen::container<LaneValues>(L.lanes(), lane(L)); });
}
// Lane masks (each lane all-ones or zero), as lane values.
inline rc::Gen<LaneValues> mask_lanes(const Layout &L) {
  return per_layout(L, [&L] {
    return rc::gen::container<LaneValues>(L.lanes(),
                                          rc::gen::element<std::int64_t>(0, ref::mask(L, true)));
  });
}
// Inside a property: one element of v, uniformly (shrinks toward v[0]). Cheaper than
// rc::gen::elementOf, which copies v into a new generator on every draw.
template <class T> const T &pick(const std::vector<T> &v) {
  return v[*rc::gen::resize(100, rc::gen::inRange<std::size_t>(0, v.size()))];
}

// Any 64-bit word: uniform, or an extreme pattern.
inline rc::Gen<std::uint64_t> any_word() {
  return rc::gen::weightedOneOf<std::uint64_t>(
      {{3, uniform_u64()},
       {1, rc::gen::element<std::uint64_t>(0, ~std::uint64_t{0}, 0x8000000000000000u,
                                           0x5555555555555555u, 0xaaaaaaaaaaaaaaaau, 1)}});
}
// Any int64, biased to the edges of L's range and of int64 (for pack's overflow policies).
inline rc::Gen<std::int64_t> any_value(const Layout &L) {
  return per_layout(L, [&L] {
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min(),
                   kMax = std::numeric_limits<std::int64_t>::max();
    return rc::gen::weightedOneOf<std::int64_t>(
        {{2, lane(L)},
         {1, rc::gen::element<std::int64_t>(L.min_value() - 1, L.max_value() + 1, kMin, kMax,
                                            kMin + 1, kMax - 1)},
         {1, uniform(kMin, kMax - 1)},
         {1, uniform(L.min_value() - 1000, L.max_value() + 1000)}});
  });
}

// Filler lanes for exhaustive loops: a cheap deterministic PRNG (splitmix64), a quarter of the
// values drawn from the boundary set.
class Filler {
public:
  Filler(const Layout &L, std::uint64_t seed) : L_(L), edges_(boundary_values(L)), s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  }
  std::int64_t value() {
    const std::uint64_t r = next();
    return (r & 3) == 0 ? edges_[(r >> 2) % edges_.size()] : ref::from_pattern(L_, r >> 2);
  }
  // All lanes random except lane `at`, which is v.
  LaneValues around(unsigned at, std::int64_t v) {
    LaneValues out(L_.lanes());
    for (unsigned i = 0; i < out.size(); ++i)
      out[i] = i == at ? v : value();
    return out;
  }

private:
  Layout L_;
  LaneValues edges_;
  std::uint64_t s_;
};

} // namespace samd::props
