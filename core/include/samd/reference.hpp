// The reference: what every op means, lane by lane, on plain int64 values.
//
// Obvious, not fast. Tests, fuzzers and the CLI table compare the SWAR ops against these.
// Values are lane values as L reads them (two's complement for signed layouts); a "pattern" is the
// lane's b raw bits as an unsigned number. Masks are returned as the lane value of an all-ones
// (true) or zero (false) lane.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "samd/layout.hpp"

namespace samd::ref {

inline std::uint64_t pattern(const Layout &L, std::int64_t v) {
  return static_cast<std::uint64_t>(v) & (L.bits >= 64 ? ~0ull : (1ull << L.bits) - 1);
}
// The lane value whose pattern is p.
inline std::int64_t from_pattern(const Layout &L, std::uint64_t p) {
  p &= (1ull << L.bits) - 1;
  if (L.is_signed() && (p >> (L.bits - 1)) != 0)
    return static_cast<std::int64_t>(p) - (std::int64_t{1} << L.bits);
  return static_cast<std::int64_t>(p);
}
// Reading words lane by lane with shifts and loops only: an oracle that decoded with samd's masks
// (lane_bits_of, value_mask, unpack) would share a bug there with the ops it checks.
inline std::uint64_t ones(unsigned k) { return k >= 64 ? ~0ull : (1ull << k) - 1; }
// Lane i's b value bits.
inline std::uint64_t lane_pattern(const Layout &L, std::uint64_t w, unsigned i) {
  return (w >> (i * L.field())) & ones(L.bits);
}
inline std::int64_t lane_value(const Layout &L, std::uint64_t w, unsigned i) {
  return from_pattern(L, lane_pattern(L, w, i));
}
inline std::vector<std::int64_t> lanes_of(const Layout &L, std::uint64_t w) {
  std::vector<std::int64_t> v;
  for (unsigned i = 0; i < L.lanes(); ++i)
    v.push_back(lane_value(L, w, i));
  return v;
}
// The first `count` lanes of a word sequence: lane j is word j / lanes, lane j % lanes.
// pre: count <= words.size() * lanes.
inline std::vector<std::int64_t>
sequence_lanes(const Layout &L, const std::vector<std::uint64_t> &words, std::size_t count) {
  std::vector<std::int64_t> v(count);
  for (std::size_t j = 0; j < count; ++j)
    v[j] = lane_value(L, words[j / L.lanes()], static_cast<unsigned>(j % L.lanes()));
  return v;
}
// Every lane's value bits; a canonical word has no bit outside them.
inline std::uint64_t value_bits(const Layout &L) {
  std::uint64_t m = 0;
  for (unsigned i = 0; i < L.lanes(); ++i)
    m |= ones(L.bits) << (i * L.field());
  return m;
}

// The same pattern read as unsigned / as signed.
inline std::int64_t as_unsigned(const Layout &L, std::int64_t v) {
  return from_pattern(L.as_unsigned(), pattern(L, v));
}
inline std::int64_t as_signed(const Layout &L, std::int64_t v) {
  return from_pattern(L.as_signed(), pattern(L, v));
}

inline bool in_range(const Layout &L, std::int64_t v) {
  return v >= L.min_value() && v <= L.max_value();
}
// The values at the ends of L's range and just outside, where conversions to L change behaviour:
// kind % 4 = 0: min - 1, 1: min, 2: max, 3: max + 1.
inline std::int64_t range_edge(const Layout &L, unsigned kind) {
  const std::int64_t e[4] = {L.min_value() - 1, L.min_value(), L.max_value(), L.max_value() + 1};
  return e[kind % 4];
}
inline std::int64_t wrap(const Layout &L, std::int64_t v) { return from_pattern(L, pattern(L, v)); }
inline std::int64_t saturate(const Layout &L, std::int64_t v) {
  return std::clamp(v, L.min_value(), L.max_value());
}
inline std::int64_t mask(const Layout &L, bool t) { return t ? from_pattern(L, ~0ull) : 0; }

inline std::int64_t add_wrap(const Layout &L, std::int64_t a, std::int64_t b) {
  return wrap(L, a + b);
}
inline std::int64_t sub_wrap(const Layout &L, std::int64_t a, std::int64_t b) {
  return wrap(L, a - b);
}
inline std::int64_t neg_wrap(const Layout &L, std::int64_t a) { return wrap(L, -a); }
inline std::int64_t add_sat(const Layout &L, std::int64_t a, std::int64_t b) {
  return saturate(L, a + b);
}
inline std::int64_t sub_sat(const Layout &L, std::int64_t a, std::int64_t b) {
  return saturate(L, a - b);
}
// Flags, whatever L's signedness: carry/borrow read the patterns as unsigned, overflow as signed.
inline bool carry(const Layout &L, std::int64_t a, std::int64_t b) {
  return as_unsigned(L, a) + as_unsigned(L, b) > L.as_unsigned().max_value();
}
inline bool borrow(const Layout &L, std::int64_t a, std::int64_t b) {
  return as_unsigned(L, a) < as_unsigned(L, b);
}
inline bool add_overflows(const Layout &L, std::int64_t a, std::int64_t b) {
  return !in_range(L.as_signed(), as_signed(L, a) + as_signed(L, b));
}
inline bool sub_overflows(const Layout &L, std::int64_t a, std::int64_t b) {
  return !in_range(L.as_signed(), as_signed(L, a) - as_signed(L, b));
}
// Exact sum of two field values (add_exact): no reduction at all.
inline std::int64_t add_exact(std::int64_t a, std::int64_t b) { return a + b; }
inline bool exceeds_bits(const Layout &L, std::int64_t field_value) {
  return field_value > L.as_unsigned().max_value();
}

inline std::int64_t mul_wrap(const Layout &L, std::int64_t a, std::int64_t b) {
  return wrap(
      L, static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b)));
}
inline std::int64_t mul_scalar(const Layout &L, std::int64_t a, std::int64_t k) {
  return mul_wrap(L, a, k);
}
inline std::int64_t mul_widen(std::int64_t a, std::int64_t b) { return a * b; }

inline std::int64_t shift_left(const Layout &L, std::int64_t a, unsigned k) {
  return k >= L.bits ? 0 : from_pattern(L, pattern(L, a) << k);
}
inline std::int64_t shift_right_logical(const Layout &L, std::int64_t a, unsigned k) {
  return k >= L.bits ? 0 : from_pattern(L, pattern(L, a) >> k);
}
inline std::int64_t shift_right_arithmetic(const Layout &L, std::int64_t a, unsigned k) {
  const std::int64_t s = as_signed(L, a);
  const std::int64_t q =
      k >= 63 ? (s < 0 ? -1 : 0) : (s >> k); // >> on int64 is floor division in C++20
  return wrap(L, q);
}
inline std::int64_t shift_right(const Layout &L, std::int64_t a, unsigned k) {
  return L.is_signed() ? shift_right_arithmetic(L, a, k) : shift_right_logical(L, a, k);
}

inline std::int64_t bit_and(const Layout &L, std::int64_t a, std::int64_t b) {
  return from_pattern(L, pattern(L, a) & pattern(L, b));
}
inline std::int64_t bit_or(const Layout &L, std::int64_t a, std::int64_t b) {
  return from_pattern(L, pattern(L, a) | pattern(L, b));
}
inline std::int64_t bit_xor(const Layout &L, std::int64_t a, std::int64_t b) {
  return from_pattern(L, pattern(L, a) ^ pattern(L, b));
}
inline std::int64_t bit_andnot(const Layout &L, std::int64_t a, std::int64_t b) {
  return from_pattern(L, pattern(L, a) & ~pattern(L, b));
}
inline std::int64_t bit_not(const Layout &L, std::int64_t a) {
  return from_pattern(L, ~pattern(L, a));
}

inline bool cmp_eq(std::int64_t a, std::int64_t b) { return a == b; }
inline bool cmp_ne(std::int64_t a, std::int64_t b) { return a != b; }
inline bool cmp_lt(std::int64_t a, std::int64_t b) { return a < b; }
inline bool cmp_le(std::int64_t a, std::int64_t b) { return a <= b; }
inline bool cmp_gt(std::int64_t a, std::int64_t b) { return a > b; }
inline bool cmp_ge(std::int64_t a, std::int64_t b) { return a >= b; }

// select: bitwise m ? a : b on the patterns.
inline std::int64_t select(const Layout &L, std::int64_t m, std::int64_t a, std::int64_t b) {
  return from_pattern(L, (pattern(L, m) & pattern(L, a)) | (~pattern(L, m) & pattern(L, b)));
}
inline std::int64_t min_lanes(std::int64_t a, std::int64_t b) { return std::min(a, b); }
inline std::int64_t max_lanes(std::int64_t a, std::int64_t b) { return std::max(a, b); }
// abs_lanes: |a| exactly (read the result lane as unsigned).
inline std::int64_t abs_lanes(std::int64_t a) { return a < 0 ? -a : a; }
inline std::int64_t abs_sat(const Layout &L, std::int64_t a) {
  return std::min(abs_lanes(a), L.max_value());
}

// convert under a policy: nullopt means "Overflow::Error refuses this value".
enum class Policy { Error, Wrap, Saturate };
inline std::optional<std::int64_t> convert(const Layout &to, std::int64_t v, Policy p) {
  if (in_range(to, v))
    return v;
  if (p == Policy::Error)
    return std::nullopt;
  return p == Policy::Wrap ? wrap(to, v) : saturate(to, v);
}

inline std::int64_t hsum(const std::vector<std::int64_t> &lanes) {
  std::int64_t s = 0;
  for (std::int64_t v : lanes)
    s += v;
  return s;
}
inline std::int64_t dot(const std::vector<std::int64_t> &a, const std::vector<std::int64_t> &b) {
  std::int64_t s = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    s += a[i] * b[i];
  return s;
}

} // namespace samd::ref
