#include "samd_proofs/symbolic.hpp"

namespace samd::proofs {
namespace {

// Concatenate parts given from bit 0 upwards (z3::concat wants the most significant first).
z3::expr concat_from_low(z3::context &c, const std::vector<z3::expr> &low_to_high) {
  z3::expr_vector v(c);
  for (auto it = low_to_high.rbegin(); it != low_to_high.rend(); ++it)
    v.push_back(*it);
  return v.size() == 1 ? v[0] : z3::concat(v);
}

std::string var(const std::string &name, unsigned i) { return name + "_" + std::to_string(i); }

} // namespace

LaneWord canonical_word(z3::context &c, const Layout &L, const std::string &name) {
  const Geometry g = geometry(L);
  std::vector<z3::expr> parts, lanes;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    lanes.push_back(c.bv_const(var(name, i).c_str(), g.bits));
    parts.push_back(lanes.back());
    if (g.guard > 0)
      parts.push_back(c.bv_val(0, g.guard));
  }
  if (g.used() < kWord)
    parts.push_back(c.bv_val(0, kWord - g.used()));
  return {concat_from_low(c, parts), lanes};
}

LaneWord field_word(z3::context &c, const Layout &L, const std::string &name, bool free_padding) {
  const Geometry g = geometry(L);
  std::vector<z3::expr> parts, fields;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    fields.push_back(c.bv_const(var(name, i).c_str(), g.field()));
    parts.push_back(fields.back());
  }
  if (g.used() < kWord)
    parts.push_back(free_padding ? c.bv_const((name + "_pad").c_str(), kWord - g.used())
                                 : c.bv_val(0, kWord - g.used()));
  return {concat_from_low(c, parts), fields};
}

LaneWord single_bit_word(z3::context &c, const Layout &L, const std::string &name, unsigned pos) {
  const Geometry g = geometry(L);
  std::vector<z3::expr> parts, bits;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    if (pos > 0)
      parts.push_back(c.bv_val(0, pos));
    bits.push_back(c.bv_const(var(name, i).c_str(), 1));
    parts.push_back(bits.back());
    if (pos + 1 < g.field())
      parts.push_back(c.bv_val(0, g.field() - pos - 1));
  }
  if (g.used() < kWord)
    parts.push_back(c.bv_val(0, kWord - g.used()));
  return {concat_from_low(c, parts), bits};
}

z3::expr constant_word(z3::context &c, const Layout &L, std::uint64_t lane) {
  const Geometry g = geometry(L);
  std::vector<z3::expr> parts;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    parts.push_back(c.bv_val(lane, kWord).extract(g.bits - 1, 0));
    if (g.guard > 0)
      parts.push_back(c.bv_val(0, g.guard));
  }
  if (g.used() < kWord)
    parts.push_back(c.bv_val(0, kWord - g.used()));
  return concat_from_low(c, parts);
}

z3::expr lanes_word(z3::context &c, const Layout &L, const std::vector<z3::expr> &lanes) {
  const Geometry g = geometry(L);
  std::vector<z3::expr> parts;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    parts.push_back(i < lanes.size() ? lanes[i] : c.bv_val(0, g.bits));
    if (g.guard > 0)
      parts.push_back(c.bv_val(0, g.guard));
  }
  if (g.used() < kWord)
    parts.push_back(c.bv_val(0, kWord - g.used()));
  return concat_from_low(c, parts);
}

std::vector<z3::expr> sequence_words(z3::context &c, const Layout &L,
                                     const std::vector<z3::expr> &lanes) {
  const unsigned n = geometry(L).lanes();
  std::vector<z3::expr> words;
  for (std::size_t first = 0; first < lanes.size(); first += n)
    words.push_back(lanes_word(
        c, L,
        {lanes.begin() + long(first), lanes.begin() + long(std::min(lanes.size(), first + n))}));
  return words;
}

z3::expr free_word(z3::context &c, const std::string &name) {
  return c.bv_const(name.c_str(), kWord);
}

z3::expr lane_of(const z3::expr &w, const Layout &L, unsigned i) {
  const Geometry g = geometry(L);
  return w.extract(g.lane_lo(i) + g.bits - 1, g.lane_lo(i));
}

z3::expr field_of(const z3::expr &w, const Layout &L, unsigned i) {
  const Geometry g = geometry(L);
  return w.extract(g.lane_lo(i) + g.field() - 1, g.lane_lo(i));
}

z3::expr padding_zero(const z3::expr &w, const Layout &L) {
  const Geometry g = geometry(L);
  z3::context &c = w.ctx();
  if (g.used() == kWord)
    return c.bool_val(true);
  return w.extract(kWord - 1, g.used()) == c.bv_val(0, kWord - g.used());
}

z3::expr guard_and_padding_zero(const z3::expr &w, const Layout &L) {
  const Geometry g = geometry(L);
  z3::context &c = w.ctx();
  z3::expr all = padding_zero(w, L);
  if (g.guard > 0)
    for (unsigned i = 0; i < g.lanes(); ++i)
      all = all &&
            w.extract(g.lane_lo(i) + g.field() - 1, g.lane_lo(i) + g.bits) == c.bv_val(0, g.guard);
  return all;
}

z3::expr sequence_lane(const std::vector<z3::expr> &words, const Layout &L, unsigned j) {
  const unsigned n = geometry(L).lanes();
  return lane_of(words.at(j / n), L, j % n);
}

std::string layout_name(const Layout &L) {
  std::string s(L.is_signed() ? "s" : "u");
  s.append(std::to_string(L.bits)).append("g").append(std::to_string(L.guard));
  return s;
}

std::string layout_literal(const Layout &L) {
  return "samd::Layout{" + std::to_string(L.bits) + ", " + std::to_string(L.guard) +
         ", samd::Signedness::" + (L.is_signed() ? "Signed" : "Unsigned") + "}";
}

} // namespace samd::proofs
