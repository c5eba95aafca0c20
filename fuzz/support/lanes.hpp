// Reading lanes out of words without the code under test (samd::unpack / get_lane and the
// layout's masks are fuzzed themselves): the reference's shift-and-mask helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <samd/layout.hpp>
#include <samd/reference.hpp>

namespace samd::fuzz {

using ref::lane_value;

// The first `count` lanes of a word sequence, in sequence order (lane k = word k / lanes,
// lane k % lanes). pre: count <= words.size() * lanes.
inline std::vector<std::int64_t>
lane_values(const Layout &L, const std::vector<std::uint64_t> &words, std::size_t count) {
  return ref::sequence_lanes(L, words, count);
}

// Guard and padding bits set anywhere in the words (0 for canonical words).
inline std::uint64_t junk_bits(const Layout &L, const std::vector<std::uint64_t> &words) {
  std::uint64_t junk = 0;
  for (std::uint64_t w : words)
    junk |= w & ~ref::value_bits(L);
  return junk;
}

} // namespace samd::fuzz
