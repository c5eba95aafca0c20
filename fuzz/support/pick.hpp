// Choosing layouts, words and values from the fuzzer's bytes, biased toward the boundaries where
// SWAR code goes wrong: width 1 and the widest width, guard 0 / 1 / max, lanes that are all ones,
// the sign bit alone, values just outside a range.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include <samd/layout.hpp>
#include <samd/reference.hpp>

#include "bytes.hpp"

namespace samd::fuzz {

// pick_layout: a valid layout with 1 <= bits <= max_bits and guard >= min_guard (2 bytes).
// Byte 1: bit 7 = signed, the rest picks bits. Byte 2: bit 7 set = any guard; clear = a boundary
// guard (min, min + 1, = bits, the largest that fits).
inline Layout pick_layout(Bytes &in, unsigned max_bits, unsigned min_guard = 0) {
  const std::uint8_t b = in.u8(), g = in.u8();
  const unsigned bits = 1 + (b & 0x7fu) % max_bits;
  const unsigned hi = max_guard(bits);
  unsigned guard = 0;
  if ((g & 0x80u) != 0) {
    guard = min_guard + (g & 0x7fu) % (hi - min_guard + 1);
  } else {
    const unsigned boundary[4] = {min_guard, min_guard + 1, bits, hi};
    guard = std::clamp(boundary[g & 3u], min_guard, hi);
  }
  return {bits, guard, (b & 0x80u) != 0 ? Signedness::Signed : Signedness::Unsigned};
}

// edge_pattern: a b-bit lane pattern of a boundary kind: 0, 1, 2, all ones, all ones - 1, the
// sign bit alone (signed min), sign bit - 1 (signed max), sign bit + 1.
inline std::uint64_t edge_pattern(const Layout &L, unsigned kind) {
  const std::uint64_t ones = ref::ones(L.bits), h = std::uint64_t{1} << (L.bits - 1);
  const std::uint64_t p[8] = {0, 1, 2, ones, ones - 1, h, h - 1, h + 1};
  return p[kind % 8] & ones;
}

// with_lane: w with lane i's value bits set to pattern p (lane i of w must be 0).
inline std::uint64_t with_lane(const Layout &L, std::uint64_t w, unsigned i, std::uint64_t p) {
  return w | ((p & ref::ones(L.bits)) << (i * L.field()));
}

// Pattern p in every lane.
inline std::uint64_t every_lane(const Layout &L, std::uint64_t p) {
  std::uint64_t w = 0;
  for (unsigned i = 0; i < L.lanes(); ++i)
    w = with_lane(L, w, i, p);
  return w;
}

// pick_word: a canonical word of L, built from lane patterns directly (not with samd::pack or the
// layout's masks) so that the generator does not depend on the code under test. The first byte
// picks the mode:
//   0: 8 raw bytes masked to the value bits       1: every lane the same boundary pattern
//   2: one nibble per lane: a boundary pattern (0-7) or raw bits (8-15)
//   3: a lane mask: each lane all ones or zero, one input bit per lane
inline std::uint64_t pick_word(Bytes &in, const Layout &L) {
  const std::uint8_t mode = in.u8();
  switch (mode % 4) {
  case 0:
    return in.u64() & ref::value_bits(L);
  case 1:
    return every_lane(L, edge_pattern(L, mode >> 2));
  case 2: {
    std::uint64_t w = 0;
    std::uint8_t nibbles = 0;
    for (unsigned i = 0; i < L.lanes(); ++i) {
      if (i % 2 == 0)
        nibbles = in.u8();
      const unsigned kind = i % 2 == 0 ? nibbles & 15u : nibbles >> 4;
      std::uint64_t p = 0;
      if (kind < 8) {
        p = edge_pattern(L, kind);
      } else {
        for (unsigned byte = 0; byte < (L.bits + 7) / 8; ++byte)
          p |= std::uint64_t{in.u8()} << (8 * byte);
      }
      w = with_lane(L, w, i, p);
    }
    return w;
  }
  default: {
    const std::uint64_t select = in.u64();
    std::uint64_t w = 0;
    for (unsigned i = 0; i < L.lanes(); ++i)
      if (((select >> i) & 1u) != 0)
        w = with_lane(L, w, i, ref::ones(L.bits));
    return w;
  }
  }
}

// pick_value: any int64, biased to the edges of L's range (just inside and just outside) and to
// the edges of int64 itself.
inline std::int64_t pick_value(Bytes &in, const Layout &L) {
  using Limits = std::numeric_limits<std::int64_t>;
  const std::uint8_t s = in.u8();
  const std::int64_t d = s >> 3; // a small offset, 0..31
  switch (s % 8) {
  case 0:
    return static_cast<std::int64_t>(in.u64());
  case 1:
    return L.min_value() - d;
  case 2:
    return L.max_value() + d;
  case 3:
    return L.min_value() + d;
  case 4:
    return L.max_value() - d;
  case 5: {
    const std::int64_t extremes[8] = {
        Limits::min(),         Limits::min() + 1,           Limits::max(), Limits::max() - 1, -1, 0,
        std::int64_t{1} << 32, -(std::int64_t{1} << 32) - 1};
    return extremes[d % 8];
  }
  case 6:
    return static_cast<std::int8_t>(in.u8());
  default: { // +-2^j, +-2^j - 1
    const std::uint8_t j = in.u8();
    const auto p = static_cast<std::int64_t>(std::uint64_t{1} << (j % 63));
    switch (j >> 6) {
    case 0:
      return p;
    case 1:
      return p - 1;
    case 2:
      return -p;
    default:
      return -p - 1;
    }
  }
  }
}

} // namespace samd::fuzz
