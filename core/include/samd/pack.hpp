// Packing integer arrays into words and back (execution words only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "samd/layout.hpp"
#include "samd/ops/convert.hpp"
#include "samd/ops/lane_masks.hpp"

namespace samd {

// words_for: how many words hold `count` lanes of L.
constexpr std::size_t words_for(const Layout &L, std::size_t count) {
  return (count + L.lanes() - 1) / L.lanes();
}

// encode_lane: pre: L valid. post: the b-bit pattern of v under `policy` — Error: throws
// std::out_of_range naming `index`, the value and the range; Wrap: v mod 2^b; Saturate: clamp.
inline std::uint64_t encode_lane(const Layout &L, std::int64_t v, Overflow policy,
                                 std::size_t index = 0) {
  if (v < L.min_value() || v > L.max_value()) {
    switch (policy) {
    case Overflow::Error:
      throw std::out_of_range("samd: pack: value " + std::to_string(v) + " at index " +
                              std::to_string(index) + " is outside the range [" +
                              std::to_string(L.min_value()) + ", " + std::to_string(L.max_value()) +
                              "] of " + to_string(L));
    case Overflow::Saturate:
      v = v < L.min_value() ? L.min_value() : L.max_value();
      break;
    case Overflow::Wrap:
      break;
    }
  }
  return static_cast<std::uint64_t>(v) & L.lane_bits();
}

// decode_lane: pre: pattern < 2^b. post: the lane's value (sign-extended when L is signed).
constexpr std::int64_t decode_lane(const Layout &L, std::uint64_t pattern) {
  return static_cast<std::int64_t>(extend_lane(L, pattern & L.lane_bits()));
}

// pack: pre: L valid. post: words_for(L, n) canonical words; value k in word k / lanes, lane
// k % lanes; unused tail lanes 0. Throws (Overflow::Error) before producing anything.
inline std::vector<std::uint64_t> pack(const Layout &L, std::span<const std::int64_t> values,
                                       Overflow policy = Overflow::Error) {
  validate(L);
  std::vector<std::uint64_t> words(words_for(L, values.size()), 0);
  for (std::size_t k = 0; k < values.size(); ++k)
    words[k / L.lanes()] |= encode_lane(L, values[k], policy, k) << ((k % L.lanes()) * L.field());
  return words;
}

// pack_word: pre: values.size() <= lanes. post: one canonical word (missing lanes 0).
inline std::uint64_t pack_word(const Layout &L, std::span<const std::int64_t> values,
                               Overflow policy = Overflow::Error) {
  validate(L);
  if (values.size() > L.lanes())
    throw std::invalid_argument("samd: pack_word: " + std::to_string(values.size()) +
                                " values exceed the " + std::to_string(L.lanes()) + " lanes of " +
                                to_string(L));
  return values.empty() ? 0 : pack(L, values, policy)[0];
}

// get_lane: pre: i < lanes. post: the value of lane i (guard bits ignored).
inline std::int64_t get_lane(const Layout &L, std::uint64_t w, unsigned i) {
  validate(L);
  if (i >= L.lanes())
    throw std::out_of_range("samd: get_lane: lane " + std::to_string(i) +
                            " >= " + std::to_string(L.lanes()) + " lanes of " + to_string(L));
  return decode_lane(L, lane_bits_of(L, w, i));
}

// unpack: pre: count <= words.size() * lanes. post: the first `count` lane values (guard bits
// ignored).
inline std::vector<std::int64_t> unpack(const Layout &L, std::span<const std::uint64_t> words,
                                        std::size_t count) {
  validate(L);
  if (count > words.size() * L.lanes())
    throw std::out_of_range("samd: unpack: count " + std::to_string(count) + " exceeds the " +
                            std::to_string(words.size() * L.lanes()) + " lanes in " +
                            std::to_string(words.size()) + " words of " + to_string(L));
  std::vector<std::int64_t> values(count);
  for (std::size_t k = 0; k < count; ++k)
    values[k] = decode_lane(L, lane_bits_of(L, words[k / L.lanes()], unsigned(k % L.lanes())));
  return values;
}

// unpack_word: all lanes of one word.
inline std::vector<std::int64_t> unpack_word(const Layout &L, std::uint64_t w) {
  return unpack(L, std::span<const std::uint64_t>(&w, 1), L.lanes());
}

// broadcast_value: pre: L valid. post: every lane = v under `policy`.
inline std::uint64_t broadcast_value(const Layout &L, std::int64_t v,
                                     Overflow policy = Overflow::Error) {
  validate(L);
  return broadcast(L, encode_lane(L, v, policy));
}

// is_canonical: all guard and padding bits are 0.
constexpr bool is_canonical(const Layout &L, std::uint64_t w) { return (w & ~L.value_mask()) == 0; }

// convert_checked: convert() on execution words, with Overflow::Error supported: throws
// std::out_of_range naming the first lane out of range and its value, before producing anything.
inline std::vector<std::uint64_t> convert_checked(const Layout &from, const Layout &to,
                                                  const std::vector<std::uint64_t> &src,
                                                  Overflow policy) {
  if (policy != Overflow::Error)
    return convert(from, to, src, policy);
  validate(from);
  validate(to);
  for (std::size_t w = 0; w < src.size(); ++w) {
    const std::uint64_t bad = out_of_range_mask(from, to, src[w]);
    if (bad == 0)
      continue;
    for (unsigned i = 0; i < from.lanes(); ++i)
      if (lane_bits_of(from, bad, i) != 0)
        throw std::out_of_range("samd: convert: value " +
                                std::to_string(get_lane(from, src[w], i)) + " at lane " +
                                std::to_string(w * from.lanes() + i) + " is outside the range [" +
                                std::to_string(to.min_value()) + ", " +
                                std::to_string(to.max_value()) + "] of " + to_string(to));
  }
  return convert(from, to, src, Overflow::Wrap);
}

} // namespace samd
