// Symbolic words whose preconditions are built into the terms: a canonical word is the concat of
// narrow lane variables and zero guard/padding constants, so Z3 never sees a side constraint for
// "guard bits are 0" (much faster than asserting it, and the precondition cannot be vacuous).
//
// Lane geometry is recomputed here from (bits, guard) instead of using Layout's masks, so an
// obligation does not lean on the code under proof to say where a lane is.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <string>
#include <vector>

#include "samd/layout.hpp"

namespace samd::proofs {

inline constexpr unsigned kWord = 64;

struct Geometry {
  unsigned bits, guard;
  unsigned field() const { return bits + guard; }
  unsigned lanes() const { return kWord / field(); }
  unsigned lane_lo(unsigned i) const { return i * field(); }
  unsigned used() const { return lanes() * field(); } // bits below the padding
};
inline Geometry geometry(const Layout &L) { return {L.bits, L.guard}; }

// A word and the variables it is made of (lane i's variable at index i).
struct LaneWord {
  z3::expr word;
  std::vector<z3::expr> lanes;
};

// canonical_word: b-bit lane variables `name_i`, guard and padding bits 0.
LaneWord canonical_word(z3::context &c, const Layout &L, const std::string &name);
// field_word: f-bit field variables (guard bits free); padding 0, or a free variable.
LaneWord field_word(z3::context &c, const Layout &L, const std::string &name, bool free_padding);
// single_bit_word: one 1-bit variable per lane at lane bit `pos`, every other bit 0.
LaneWord single_bit_word(z3::context &c, const Layout &L, const std::string &name, unsigned pos);
// constant_word: every lane holds the b-bit pattern `lane`; guard and padding bits 0.
z3::expr constant_word(z3::context &c, const Layout &L, std::uint64_t lane);
// lanes_word: lane i holds lanes[i] (b-bit terms; missing lanes 0); guard and padding bits 0.
z3::expr lanes_word(z3::context &c, const Layout &L, const std::vector<z3::expr> &lanes);
// sequence_words: `lanes` laid out in convert()'s sequence order over as many words as they need.
std::vector<z3::expr> sequence_words(z3::context &c, const Layout &L,
                                     const std::vector<z3::expr> &lanes);
// free_word: any 64-bit word.
z3::expr free_word(z3::context &c, const std::string &name);

// The b value bits / the f field bits of lane i of a 64-bit word.
z3::expr lane_of(const z3::expr &w, const Layout &L, unsigned i);
z3::expr field_of(const z3::expr &w, const Layout &L, unsigned i);
// Every guard bit and every padding bit of w is 0.
z3::expr guard_and_padding_zero(const z3::expr &w, const Layout &L);
// Every padding bit of w is 0 (true when there is no padding).
z3::expr padding_zero(const z3::expr &w, const Layout &L);

// Lane j of a sequence of words in layout L (word j / lanes, lane j % lanes), as convert() orders
// them.
z3::expr sequence_lane(const std::vector<z3::expr> &words, const Layout &L, unsigned j);

// "u4g0": a layout's short name (samd::to_string, built without GCC 12's bogus -Wrestrict on
// inlined string concatenation).
std::string layout_name(const Layout &L);
// A layout as C++ source, for replayable test cases.
std::string layout_literal(const Layout &L);

} // namespace samd::proofs
