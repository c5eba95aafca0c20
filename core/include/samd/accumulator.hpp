// Accumulators whose guard headroom is tracked: an accumulation that could overflow a field is
// refused — std::overflow_error at run time, a compile-time error for static layouts — never a
// silent wrap.
//
// Both keep every field as an unsigned value. Signed inputs are biased to unsigned first
// (a lane x_i + 2^(b-1); a product p + 2^(2b-2)) and the bias is removed when lanes are read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "samd/layout.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/convert.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/ops/mul.hpp"
#include "samd/word.hpp"

namespace samd {

// ---- sums of lanes (exact add into guard headroom) ----

// The largest biased lane value a sum adds per step, and how many steps a field can take.
constexpr std::uint64_t sum_step_max(const Layout &L) {
  return L.lane_bits();
} // 2^b - 1 either way
constexpr std::uint64_t sum_bias(const Layout &L) {
  return L.is_signed() ? std::uint64_t{1} << (L.bits - 1) : 0;
}
// Room for the sums: the field, and int64 for every lane and their total (lanes() and total()
// return exact int64 values, so lanes * room must not exceed INT64_MAX).
constexpr std::uint64_t sum_room(unsigned field_bits, unsigned lanes) {
  const std::uint64_t field = detail::low_bits(field_bits),
                      int64 = std::uint64_t{INT64_MAX} / lanes;
  return field < int64 ? field : int64;
}
constexpr std::uint64_t sum_capacity(const Layout &L) {
  return sum_room(L.field(), L.lanes()) / sum_step_max(L);
}

// sum_step: pre: x canonical; every field of acc holds an unsigned value v_i with
// v_i + 2^b - 1 < 2^f. post: field i = v_i + x_i + bias (bias = 2^(b-1) for signed lanes, else 0).
template <class W> constexpr W sum_step(const Layout &L, const W &acc, const W &x) {
  return add(acc, L.is_signed() ? xor_c(x, L.high_mask()) : x);
}

// ---- dot products with a widened accumulator ----

// Products of b-bit lanes are accumulated in fields of 2b + acc_guard bits.
constexpr Layout dot_acc_layout(const Layout &L, unsigned acc_guard) {
  return widening_layout(L, acc_guard);
}
constexpr std::uint64_t dot_bias(const Layout &L) {
  return L.is_signed() ? std::uint64_t{1} << (2 * L.bits - 2) : 0;
}
// Largest biased product: (2^b - 1)^2 unsigned; 2^(2b-2) + 2^(2b-2) = 2^(2b-1) signed.
constexpr std::uint64_t dot_step_max(const Layout &L) {
  return L.is_signed() ? std::uint64_t{1} << (2 * L.bits - 1)
                       : detail::low_bits(L.bits) * detail::low_bits(L.bits);
}
constexpr std::uint64_t dot_capacity(const Layout &L, unsigned acc_guard) {
  return sum_room(dot_acc_layout(L, acc_guard).field(), L.lanes()) / dot_step_max(L);
}
// Words of accumulator per source word.
constexpr std::size_t dot_acc_words(const Layout &L, unsigned acc_guard) {
  const unsigned nA = dot_acc_layout(L, acc_guard).lanes();
  return (L.lanes() + nA - 1) / nA;
}

// dot_step: pre: bits <= 16; x, y canonical in L; acc has dot_acc_words words and every field holds
// an unsigned value v_i with v_i + dot_step_max(L) < 2^(2b + acc_guard).
// post: field of source lane j = v_j + x_j * y_j + dot_bias(L) (lane order as in convert()).
template <class W>
std::vector<W> dot_step(const Layout &L, unsigned acc_guard, const std::vector<W> &acc, const W &x,
                        const W &y) {
  const Layout A = dot_acc_layout(L, acc_guard);
  std::vector<W> products = mul_widen(L, A, x, y);
  std::vector<W> out;
  out.reserve(products.size());
  for (std::size_t j = 0; j < products.size(); ++j) {
    W p = products[j];
    // p + bias lies in [0, 2^(2b)): the wrapping add in A is exact and stays canonical.
    if (L.is_signed())
      p = add_wrap(A, p, broadcast(A, constant(p, dot_bias(L))));
    out.push_back(add(acc[j], p));
  }
  return out;
}

namespace detail {
inline void validate_dot(const Layout &L, unsigned acc_guard) {
  require_mul_bits(L, "DotAccumulator");
  if (!fits_word(2 * L.bits, acc_guard))
    throw std::invalid_argument("samd: DotAccumulator: accumulator field 2*bits + acc_guard = " +
                                std::to_string(2 * std::uint64_t{L.bits} + acc_guard) +
                                " exceeds the 64-bit word");
}
// Unbias each accumulator field and return one sum per source lane position.
inline std::vector<std::int64_t> read_fields(const Layout &A, const std::uint64_t *words,
                                             std::size_t nwords, unsigned nlanes,
                                             std::uint64_t count, std::uint64_t bias) {
  std::vector<std::int64_t> lanes;
  for (std::size_t w = 0; w < nwords; ++w)
    for (unsigned k = 0; k < A.lanes() && lanes.size() < nlanes; ++k) {
      const std::uint64_t field = (words[w] >> (k * A.field())) & low_bits(A.field());
      lanes.push_back(static_cast<std::int64_t>(field - count * bias));
    }
  return lanes;
}
} // namespace detail

// DotAccumulator: runtime layouts. Accumulates x . y over many word pairs, per lane position.
class DotAccumulator {
public:
  // pre: src.bits <= 16; 2 * src.bits + acc_guard <= 64 (std::invalid_argument otherwise).
  DotAccumulator(const Layout &src, unsigned acc_guard) : src_(src), guard_(acc_guard) {
    detail::validate_dot(src, acc_guard);
    words_.assign(dot_acc_words(src, acc_guard), 0);
  }
  // add: one more pair of words. Throws std::overflow_error (leaving the sums unchanged) when a
  // field could overflow.
  void add(std::uint64_t x, std::uint64_t y) {
    if (count_ >= capacity())
      throw std::overflow_error(
          "samd: DotAccumulator: adding product " + std::to_string(count_ + 1) +
          " would overflow the " + std::to_string(dot_acc_layout(src_, guard_).field()) +
          "-bit accumulator field (capacity " + std::to_string(capacity()) + " products for " +
          to_string(src_) + " with acc_guard " + std::to_string(guard_) + ")");
    words_ = dot_step(src_, guard_, words_, x, y);
    ++count_;
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t capacity() const { return dot_capacity(src_, guard_); }
  std::uint64_t headroom() const { return capacity() - count_; }
  // lanes: for each source lane position j, the exact sum of x_j * y_j over all pairs added.
  std::vector<std::int64_t> lanes() const {
    return detail::read_fields(dot_acc_layout(src_, guard_), words_.data(), words_.size(),
                               src_.lanes(), count_, dot_bias(src_));
  }
  // total: the exact sum over all lanes and pairs.
  std::int64_t total() const {
    std::int64_t t = 0;
    for (std::int64_t v : lanes())
      t += v;
    return t;
  }

private:
  Layout src_;
  unsigned guard_;
  std::uint64_t count_ = 0;
  std::vector<std::uint64_t> words_;
};

// SumAccumulator: runtime layouts. Sums canonical words lane by lane into the guard headroom.
class SumAccumulator {
public:
  // pre: L valid with guard >= 1 (std::invalid_argument otherwise).
  explicit SumAccumulator(const Layout &L) : L_(L) { require_guard(L, 1, "SumAccumulator"); }
  // add: throws std::overflow_error (leaving the sums unchanged) when a field could overflow.
  void add(std::uint64_t x) {
    if (count_ >= capacity())
      throw std::overflow_error("samd: SumAccumulator: adding word " + std::to_string(count_ + 1) +
                                " would overflow the " + std::to_string(L_.field()) +
                                "-bit field of " + to_string(L_) + " (capacity " +
                                std::to_string(capacity()) + " words)");
    word_ = sum_step(L_, word_, x);
    ++count_;
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t capacity() const { return sum_capacity(L_); }
  std::uint64_t headroom() const { return capacity() - count_; }
  std::vector<std::int64_t> lanes() const {
    return detail::read_fields(L_, &word_, 1, L_.lanes(), count_, sum_bias(L_));
  }

private:
  Layout L_;
  std::uint64_t count_ = 0;
  std::uint64_t word_ = 0;
};

// ---- static layouts: the count is part of the type ----

// StaticDotAccumulator<L, G, N>: N pairs accumulated so far. add() returns the N+1 type and does
// not compile when N+1 exceeds the capacity.
template <Layout L, unsigned AccGuard, std::uint64_t N = 0> class StaticDotAccumulator {
  static_assert(L.bits >= 1 && L.bits <= kMaxMulBits,
                "samd: StaticDotAccumulator: bits must be 1..16");
  static_assert(fits_word(2 * L.bits, AccGuard),
                "samd: StaticDotAccumulator: 2*bits + AccGuard exceeds 64");
  static_assert(fits_word(L.bits, L.guard), "samd: StaticDotAccumulator: bits + guard exceeds 64");

public:
  static constexpr std::uint64_t capacity = dot_capacity(L, AccGuard);
  static constexpr std::uint64_t count = N;
  static_assert(N <= capacity,
                "samd: StaticDotAccumulator: accumulation would overflow the accumulator field");
  static constexpr std::size_t words = dot_acc_words(L, AccGuard);

  StaticDotAccumulator() = default;
  explicit StaticDotAccumulator(const std::array<std::uint64_t, words> &w) : words_(w) {}

  [[nodiscard]] StaticDotAccumulator<L, AccGuard, N + 1> add(std::uint64_t x,
                                                             std::uint64_t y) const {
    static_assert(N + 1 <= capacity,
                  "samd: StaticDotAccumulator: one more product would overflow the field");
    const std::vector<std::uint64_t> next =
        dot_step(L, AccGuard, std::vector<std::uint64_t>(words_.begin(), words_.end()), x, y);
    std::array<std::uint64_t, words> w{};
    for (std::size_t i = 0; i < words; ++i)
      w[i] = next[i];
    return StaticDotAccumulator<L, AccGuard, N + 1>(w);
  }
  std::vector<std::int64_t> lanes() const {
    return detail::read_fields(dot_acc_layout(L, AccGuard), words_.data(), words, L.lanes(), N,
                               dot_bias(L));
  }
  std::int64_t total() const {
    std::int64_t t = 0;
    for (std::int64_t v : lanes())
      t += v;
    return t;
  }

private:
  std::array<std::uint64_t, words> words_{};
};

// StaticSumAccumulator<L, N>: N canonical words summed so far, lane by lane, into the guard
// headroom.
template <Layout L, std::uint64_t N = 0> class StaticSumAccumulator {
  static_assert(L.bits >= 1 && L.bits <= kMaxBits,
                "samd: StaticSumAccumulator: bits must be 1..32");
  static_assert(fits_word(L.bits, L.guard), "samd: StaticSumAccumulator: bits + guard exceeds 64");
  static_assert(L.guard >= 1, "samd: StaticSumAccumulator: needs at least one guard bit");

public:
  static constexpr std::uint64_t capacity = sum_capacity(L);
  static constexpr std::uint64_t count = N;
  static_assert(N <= capacity, "samd: StaticSumAccumulator: accumulation would overflow the field");

  constexpr StaticSumAccumulator() = default;
  constexpr explicit StaticSumAccumulator(std::uint64_t w) : word_(w) {}

  [[nodiscard]] constexpr StaticSumAccumulator<L, N + 1> add(std::uint64_t x) const {
    static_assert(N + 1 <= capacity,
                  "samd: StaticSumAccumulator: one more word would overflow the field");
    return StaticSumAccumulator<L, N + 1>(sum_step(L, word_, x));
  }
  std::vector<std::int64_t> lanes() const {
    return detail::read_fields(L, &word_, 1, L.lanes(), N, sum_bias(L));
  }

private:
  std::uint64_t word_ = 0;
};

} // namespace samd
