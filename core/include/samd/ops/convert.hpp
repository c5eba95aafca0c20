// Conversions between layouts (widen and narrow) and the out-of-range policy.
// Every op here: pre: L valid (layout.hpp's validate; not re-checked per word, for speed).
#pragma once

#include <cstddef>
#include <vector>

#include "samd/layout.hpp"
#include "samd/ops/compare.hpp"
#include "samd/ops/lane_masks.hpp"
#include "samd/ops/minmax.hpp"
#include "samd/word.hpp"

namespace samd {

// What to do with a value outside the destination's range.
enum class Overflow : std::uint8_t {
  Error,    // refuse: std::out_of_range naming the lane and the value (execution words only)
  Wrap,     // keep the low bits: the value modulo 2^b
  Saturate, // clamp to [min, max] of the destination
};

// broadcast: pre: none (bits of v above b are ignored). post: every lane = v's low b bits;
// canonical.
template <class W> constexpr W broadcast(const Layout &L, const W &v) {
  return mul(and_c(v, L.lane_bits()), constant(v, L.lane_low_mask())); // lanes never overlap
}

namespace detail {
// The part of dst's range that src can represent, as [lo, hi] in src's terms.
constexpr std::int64_t common_lo(const Layout &src, const Layout &dst) {
  return src.min_value() > dst.min_value() ? src.min_value() : dst.min_value();
}
constexpr std::int64_t common_hi(const Layout &src, const Layout &dst) {
  return src.max_value() < dst.max_value() ? src.max_value() : dst.max_value();
}
template <class W> constexpr W broadcast_value(const Layout &L, const W &like, std::int64_t v) {
  return broadcast(L, constant(like, static_cast<std::uint64_t>(v)));
}
} // namespace detail

// out_of_range_mask: pre: x canonical in src. post: lane mask (in src) of the lanes whose value
// is outside dst's range [dst.min_value(), dst.max_value()].
template <class W> constexpr W out_of_range_mask(const Layout &src, const Layout &dst, const W &x) {
  W m = zero(x);
  const std::int64_t lo = detail::common_lo(src, dst), hi = detail::common_hi(src, dst);
  if (lo > src.min_value())
    m = or_(m, cmp_lt(src, x, detail::broadcast_value(src, x, lo)));
  if (hi < src.max_value())
    m = or_(m, cmp_gt(src, x, detail::broadcast_value(src, x, hi)));
  return m;
}

// saturate_to: pre: x canonical in src. post: lane i = clamp(x_i, dst.min, dst.max), still in src.
template <class W> constexpr W saturate_to(const Layout &src, const Layout &dst, const W &x) {
  W r = x;
  const std::int64_t lo = detail::common_lo(src, dst), hi = detail::common_hi(src, dst);
  if (hi < src.max_value())
    r = min_lanes(src, r, detail::broadcast_value(src, x, hi));
  if (lo > src.min_value())
    r = max_lanes(src, r, detail::broadcast_value(src, x, lo));
  return r;
}

// convert: the lanes of `src` words (layout from) re-laid in layout to, in the same lane order:
// lane j of the input sequence (word j / from.lanes(), lane j % from.lanes()) becomes
// word j / to.lanes(), lane j % to.lanes(). Every input lane, including unused tail lanes, is
// carried; the output has ceil(src.size() * from.lanes() / to.lanes()) words.
// pre: words canonical in from; policy is Wrap or Saturate (Error: see convert_checked).
// post: output canonical in to; Wrap: lane = x_j mod 2^(to.bits); Saturate: lane = clamp(x_j);
// the lanes of the last output word past the input's lanes are 0. A value in range is carried
// exactly under either policy.
template <class W>
std::vector<W> convert(const Layout &from, const Layout &to, const std::vector<W> &src,
                       Overflow policy) {
  validate(from);
  validate(to);
  if (policy == Overflow::Error)
    throw std::invalid_argument(
        "samd: convert: Overflow::Error needs convert_checked on execution words");
  std::vector<W> in;
  in.reserve(src.size());
  for (const W &w : src)
    in.push_back(policy == Overflow::Saturate ? saturate_to(from, to, w) : w);
  const std::size_t total = src.size() * from.lanes();
  const std::size_t nout = (total + to.lanes() - 1) / to.lanes();
  std::vector<W> out;
  out.reserve(nout);
  for (std::size_t o = 0; o < nout; ++o) {
    W acc = zero(src.front());
    for (unsigned k = 0; k < to.lanes(); ++k) {
      const std::size_t j = o * to.lanes() + k;
      if (j >= total)
        break;
      const W &w = in[j / from.lanes()];
      const W v = and_c(extend_lane(from, lane_bits_of(from, w, unsigned(j % from.lanes()))),
                        to.lane_bits());
      acc = or_(acc, shl(v, k * to.field()));
    }
    out.push_back(acc);
  }
  return out;
}

// widen: convert to a layout whose range contains from's (checked); every value carried exactly.
template <class W>
std::vector<W> widen(const Layout &from, const Layout &to, const std::vector<W> &src) {
  validate(from); // before the ranges: an invalid layout has none
  validate(to);
  if (to.min_value() > from.min_value() || to.max_value() < from.max_value())
    throw std::invalid_argument("samd: widen: " + to_string(to) + " cannot hold every value of " +
                                to_string(from));
  return convert(from, to, src, Overflow::Wrap);
}

} // namespace samd
