// Layout: how narrow integer lanes sit inside a 64-bit word.
//
// A layout {bits b, guard g, sign s} gives every lane a field of f = b + g bits.
// The word holds n = 64 / f lanes; lane i's value occupies bits [i*f, i*f + b) and its
// guard (spacer) bits are [i*f + b, (i+1)*f). Bits at and above n*f are padding.
// A word is *canonical* when every guard and padding bit is 0; signed lanes hold the
// two's-complement pattern of their value in b bits.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace samd {

enum class Signedness : std::uint8_t { Unsigned, Signed };

inline constexpr unsigned kWordBits = 64;
inline constexpr unsigned kMaxBits = 32;    // add/sub/logic/shift/compare/min/max/select
inline constexpr unsigned kMaxMulBits = 16; // multiplication and every widening op

namespace detail {
// Bits [0, k) set; k may be 64.
constexpr std::uint64_t low_bits(unsigned k) {
  return k >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << k) - 1;
}
} // namespace detail

struct Layout {
  unsigned bits = 8;
  unsigned guard = 0;
  Signedness sign = Signedness::Unsigned;

  constexpr bool is_signed() const { return sign == Signedness::Signed; }
  constexpr unsigned field() const { return bits + guard; }
  constexpr unsigned lanes() const { return kWordBits / field(); }

  // bit 0 of each lane: sum_i 2^(i f) = (2^(n f) - 1) / (2^f - 1), in O(1) (runtime layouts
  // compute their masks on every op call).
  constexpr std::uint64_t lane_low_mask() const {
    return field() >= kWordBits ? 1
                                : detail::low_bits(lanes() * field()) / detail::low_bits(field());
  }
  // Each mask repeats one per-lane pattern (< 2^f) at every lane position; the products never
  // overlap.
  constexpr std::uint64_t repeat(std::uint64_t pattern) const { return pattern * lane_low_mask(); }
  constexpr std::uint64_t value_mask() const {
    return repeat(detail::low_bits(bits));
  } // the b value bits
  constexpr std::uint64_t high_mask() const {
    return repeat(std::uint64_t{1} << (bits - 1));
  } // bit b-1
  constexpr std::uint64_t guard_mask() const {
    return repeat(detail::low_bits(field()) & ~detail::low_bits(bits));
  }
  constexpr std::uint64_t field_mask() const { return repeat(detail::low_bits(field())); }
  constexpr std::uint64_t lane_bits() const {
    return detail::low_bits(bits);
  } // one lane's value bits at bit 0

  // Range of a lane value.
  constexpr std::int64_t min_value() const {
    return is_signed() ? -(std::int64_t{1} << (bits - 1)) : 0;
  }
  constexpr std::int64_t max_value() const {
    return is_signed() ? (std::int64_t{1} << (bits - 1)) - 1
                       : static_cast<std::int64_t>(detail::low_bits(bits));
  }

  // The same lanes read as unsigned / signed.
  constexpr Layout as_unsigned() const { return {bits, guard, Signedness::Unsigned}; }
  constexpr Layout as_signed() const { return {bits, guard, Signedness::Signed}; }

  friend constexpr bool operator==(const Layout &, const Layout &) = default;
};

// Largest guard a b-bit layout allows: one lane must still fit in the word.
constexpr unsigned max_guard(unsigned bits) { return bits >= kWordBits ? 0 : kWordBits - bits; }

// A field of `bits` + `guard` bits fits the 64-bit word. Compared without forming the sum,
// which wraps around in unsigned for guards near UINT_MAX.
constexpr bool fits_word(unsigned bits, unsigned guard) {
  return bits <= kWordBits && guard <= kWordBits - bits;
}

std::string to_string(const Layout &L);

// validate: throws std::invalid_argument naming the offending value and the limit.
// In a constant expression (static layouts) the throw is a compile-time error.
// The word ops in ops/ take a valid layout as a precondition and do not call this on every word:
// build runtime layouts with make_layout (or validate them once). Ops with requirements of their
// own (require_* below), pack / unpack, the accumulators and the kernels do validate.
constexpr const Layout &validate(const Layout &L) {
  if (L.bits == 0)
    throw std::invalid_argument("samd: layout bits = 0; lane width must be at least 1");
  if (L.bits > kMaxBits)
    throw std::invalid_argument("samd: layout bits = " + std::to_string(L.bits) +
                                " exceeds the limit of 32");
  if (!fits_word(L.bits, L.guard))
    throw std::invalid_argument(
        "samd: layout field = bits + guard = " + std::to_string(std::uint64_t{L.bits} + L.guard) +
        " exceeds the 64-bit word");
  return L;
}

// make_layout: the checked way to build a runtime layout.
inline Layout make_layout(unsigned bits, unsigned guard, Signedness sign) {
  return validate(Layout{bits, guard, sign});
}

// Requirements of particular ops (each throws std::invalid_argument naming op, value, limit).
constexpr void require_mul_bits(const Layout &L, const char *op) {
  validate(L);
  if (L.bits > kMaxMulBits)
    throw std::invalid_argument(std::string("samd: ") + op + ": bits = " + std::to_string(L.bits) +
                                " exceeds the multiplication limit of 16");
}
constexpr void require_guard(const Layout &L, unsigned need, const char *op) {
  validate(L);
  if (L.guard < need)
    throw std::invalid_argument(
        std::string("samd: ") + op + ": guard = " + std::to_string(L.guard) +
        " is too small; the op needs at least " + std::to_string(need) + " guard bit(s)");
}
constexpr void require_signed(const Layout &L, bool want, const char *op) {
  validate(L);
  if (L.is_signed() != want)
    throw std::invalid_argument(std::string("samd: ") + op + ": needs a " +
                                (want ? "signed" : "unsigned") + " layout, got " +
                                (L.is_signed() ? "signed" : "unsigned"));
}

inline std::string to_string(const Layout &L) {
  return std::string(L.is_signed() ? "s" : "u") + std::to_string(L.bits) + "g" +
         std::to_string(L.guard);
}

} // namespace samd
