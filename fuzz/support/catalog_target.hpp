// Fuzzing the op catalogue (samd::catalog::ops()) one op family per target.
//
// Every catalogue entry must belong to exactly one family below, so that adding an op to the
// catalogue without giving it a fuzz target fails loudly (every catalogue-driven target aborts at
// start-up naming the op) instead of leaving the op unfuzzed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <samd/catalog.hpp>

#include "bytes.hpp"
#include "fail.hpp"
#include "pick.hpp"

namespace samd::fuzz {

enum class Family { Add, Logic, Shift, Compare, MinMax, Mul, Reduce, Convert, Accumulator };

inline const std::map<std::string, Family> &family_of_op() {
  using enum Family;
  static const std::map<std::string, Family> m = {
      {"add_wrap", Add},
      {"sub_wrap", Add},
      {"neg_wrap", Add},
      {"add_sat", Add},
      {"sub_sat", Add},
      {"add_carry.flags", Add},
      {"add_overflow.flags", Add},
      {"sub_borrow.flags", Add},
      {"sub_overflow.flags", Add},
      {"add_exact", Add},
      {"bit_and", Logic},
      {"bit_or", Logic},
      {"bit_xor", Logic},
      {"bit_andnot", Logic},
      {"bit_not", Logic},
      {"shift_left", Shift},
      {"shift_right_logical", Shift},
      {"shift_right_arithmetic", Shift},
      {"shift_right", Shift},
      {"cmp_eq", Compare},
      {"cmp_ne", Compare},
      {"cmp_lt", Compare},
      {"cmp_le", Compare},
      {"cmp_gt", Compare},
      {"cmp_ge", Compare},
      {"select", MinMax},
      {"min", MinMax},
      {"max", MinMax},
      {"abs", MinMax},
      {"abs_sat", MinMax},
      {"broadcast", MinMax},
      {"mul_wrap", Mul},
      {"mul_scalar", Mul},
      {"mul_widen", Mul},
      {"hsum", Reduce},
      {"dot", Reduce},
      {"convert_error", Convert},
      {"convert_wrap", Convert},
      {"convert_saturate", Convert},
      {"dot_accumulator", Accumulator},
  };
  return m;
}

// The catalogue entries of one family; aborts if any catalogue op has no family.
inline const std::vector<const catalog::Op *> &ops_of(Family f) {
  static std::map<Family, std::vector<const catalog::Op *>> by_family = [] {
    std::map<Family, std::vector<const catalog::Op *>> m;
    for (const catalog::Op &op : catalog::ops()) {
      const auto it = family_of_op().find(op.name);
      if (it == family_of_op().end()) {
        std::fprintf(stderr, "samd fuzz: catalogue op '%s' has no fuzz family; add it to %s\n",
                     op.name.c_str(), __FILE__);
        std::abort();
      }
      m[it->second].push_back(&op);
    }
    return m;
  }();
  if (by_family[f].empty()) {
    std::fprintf(stderr, "samd fuzz: no catalogue op belongs to family %d\n", static_cast<int>(f));
    std::abort();
  }
  return by_family[f];
}

// The shift amount: mostly 0..bits+1 (the interesting range), sometimes anything up to 32767.
// Other families use k as the catalogue does (target layout, accumulator guard): 16 raw bits.
inline unsigned pick_k(Bytes &in, Family f, const Layout &L) {
  const unsigned k = in.u16();
  if (f != Family::Shift)
    return k;
  return (k & 0x8000u) != 0 ? k & 0x7fffu : k % (L.bits + 2);
}

// check_catalog_op: input = [op][layout: 2 bytes][k: 2 bytes][x][y][z][r: 8 bytes] (words as
// pick_word; r is the raw word of catalog::Inputs, last so that an input without it reads r = 0).
inline void check_catalog_op(Family f, Bytes &in) {
  const auto &ops = ops_of(f);
  const catalog::Op &op = *ops[in.u8() % ops.size()];
  const Layout L = pick_layout(in, op.max_bits, op.min_guard);
  catalog::Inputs words;
  words.k = pick_k(in, f, L);
  words.x = pick_word(in, L);
  words.y = pick_word(in, L);
  words.z = pick_word(in, L);
  words.r = in.u64();
  const catalog::Result r = op.check(L, words);
  if (!r.ok)
    fail(r.detail);
}

} // namespace samd::fuzz
