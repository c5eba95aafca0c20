// What a PackedConvWeights holds (conv.hpp): the weights as bit planes, and the per-group GEMM
// weights once an im2col call built them, or the per-group LUT64 weights once a LUT64 call did
// (conv_lut64.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <samd/kernels/conv.hpp>

#include "fast/fast_gemm.hpp"

namespace samd::kernels::detail {

// n <= 32 bits from bit position pos of words (bit i of the result = bit pos + i).
// pre: the word after pos's word exists when pos % 64 + n > 64.
inline std::uint32_t bits_at(const std::vector<std::uint64_t> &words, std::size_t pos, unsigned n) {
  const std::size_t i = pos / 64;
  const unsigned sh = static_cast<unsigned>(pos % 64);
  std::uint64_t v = words[i] >> sh;
  if (sh + n > 64)
    v |= words[i + 1] << (64 - sh);
  return static_cast<std::uint32_t>(v & ((std::uint64_t{1} << n) - 1));
}

// The weights as b bit planes per output channel: bit (o * b + j) * K + k of the stream is bit j
// of u = w - w_min for output channel o (all groups, in order) and k in the (ky, kx, c) order of
// im2col and the direct kernels (K = C/groups * KH * KW). Exactly b bits a weight, plus at most
// 63 bits of padding and one word of slack (so that 32 bits read at any valid position need no
// bounds check).
struct ConvBits {
  unsigned b = 1;
  std::int64_t O = 0, K = 0;
  std::vector<std::uint64_t> words;

  // post: words sized for O, K, b, all zero.
  void allocate(unsigned bits, std::int64_t out, std::int64_t k);
  // n <= 32 bits of plane j of channel o from position k (k + n <= K), bit i = k + i.
  std::uint32_t bits32(std::int64_t o, unsigned j, std::int64_t k, unsigned n) const {
    return bits_at(words, static_cast<std::size_t>((o * b + j) * K + k), n);
  }
  // post: u[k] = u of channel o at k, k < K (0 .. 2^b - 1).
  void row(std::int64_t o, std::int64_t *u) const;
  // pre: row o all zero; u[k] in 0 .. 2^b - 1. post: row o holds u.
  void put_row(std::int64_t o, const std::int64_t *u);
  std::size_t bytes() const { return words.capacity() * sizeof(std::uint64_t); }
};

// One group's weights for the implicit LUT64 conv (conv_lut64.hpp): the Lut nibbles of its og
// channels in the LUT64 k order (lut64_conv_k), and each channel's sum of u = w - w_min over its
// real K weights (the epilogue's column sum, in the narrowest type holding it; the padding weights
// are u = 0).
struct ConvLut64Group {
  fast::FastWeights w;
  ColumnSums colsum;
};

// bits is written and read under mu (readers copy the pointer, then read without the lock: the
// planes never change, and dropping them frees them only when the last reader lets go). groups
// and lut64 are each written once under mu and published by has_groups / has_lut64 (release
// store); readers that see the flag (acquire load) read them without the lock.
struct ConvStore {
  std::mutex mu;
  std::shared_ptr<const ConvBits> bits;
  std::vector<PackedWeights> groups;
  std::atomic<bool> has_groups{false};
  std::vector<ConvLut64Group> lut64;
  std::atomic<bool> has_lut64{false};
};

// pre: s is w's store and s.mu is held by the caller. post: the bit planes, s.bits again if a
// build dropped them (decoded from the GEMM weights or else the LUT64 weights, whichever is held).
std::shared_ptr<const ConvBits> held_bits(const PackedConvWeights &w, ConvStore &s);

} // namespace samd::kernels::detail
