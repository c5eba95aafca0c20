// Reading lanes out of words without the code under test (samd::unpack / get_lane are fuzzed
// themselves): shift, mask, and let the reference turn the pattern into a value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <samd/layout.hpp>
#include <samd/reference.hpp>

namespace samd::fuzz {

inline std::int64_t lane_value(const Layout &L, std::uint64_t w, unsigned i) {
  return ref::from_pattern(L, (w >> (i * L.field())) & L.lane_bits());
}

// The first `count` lanes of a word sequence, in sequence order (lane k = word k / lanes,
// lane k % lanes). pre: count <= words.size() * lanes.
inline std::vector<std::int64_t>
lane_values(const Layout &L, const std::vector<std::uint64_t> &words, std::size_t count) {
  std::vector<std::int64_t> v(count);
  for (std::size_t k = 0; k < count; ++k)
    v[k] = lane_value(L, words[k / L.lanes()], static_cast<unsigned>(k % L.lanes()));
  return v;
}

// Guard and padding bits set anywhere in the words (0 for canonical words).
inline std::uint64_t junk_bits(const Layout &L, const std::vector<std::uint64_t> &words) {
  std::uint64_t junk = 0;
  for (std::uint64_t w : words)
    junk |= w & ~L.value_mask();
  return junk;
}

} // namespace samd::fuzz
