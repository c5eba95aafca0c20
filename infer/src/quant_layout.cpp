#include "quant_layout.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>

namespace samd::infer::detail {

const char *to_string(Encoding e) {
  switch (e) {
  case Encoding::Natural:
    return "natural";
  case Encoding::Offset:
    return "offset";
  case Encoding::TwoLevel:
    return "two-level";
  }
  return "?";
}

namespace {

// Bits of an unsigned value (at least 1).
unsigned unsigned_bits(std::int64_t v) {
  unsigned b = 1;
  while (b < 63 && v > (std::int64_t{1} << b) - 1)
    ++b;
  return b;
}

unsigned signed_bits(std::int64_t lo, std::int64_t hi) {
  unsigned b = 1;
  while (b < 63 && (lo < -(std::int64_t{1} << (b - 1)) || hi > (std::int64_t{1} << (b - 1)) - 1))
    ++b;
  return b;
}

} // namespace

IntLayout range_layout(std::int64_t lo, std::int64_t hi, std::int64_t zlo, std::int64_t zhi) {
  const std::int64_t all_lo = std::min(lo, zlo), all_hi = std::max(hi, zhi);
  const unsigned natural = all_lo >= 0 ? unsigned_bits(all_hi) : signed_bits(all_lo, all_hi);
  // The span in unsigned arithmetic: all_hi - all_lo can exceed INT64_MAX.
  const std::uint64_t span =
      static_cast<std::uint64_t>(all_hi) - static_cast<std::uint64_t>(all_lo);
  const unsigned offset =
      span > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
          ? 63
          : unsigned_bits(static_cast<std::int64_t>(span));
  IntLayout r;
  if (natural <= offset) {
    r.layout = Layout{natural, 0, all_lo >= 0 ? Signedness::Unsigned : Signedness::Signed};
    return r;
  }
  r.encoding = Encoding::Offset;
  r.layout = Layout{offset, 0, Signedness::Unsigned};
  r.offset = all_lo;
  return r;
}

IntLayout weight_layout(const std::vector<std::int64_t> &q,
                        const std::vector<std::int32_t> &zero_points, bool allow_two_level) {
  std::int64_t lo = 0, hi = 0, zlo = 0, zhi = 0;
  if (!q.empty()) {
    const auto [mn, mx] = std::minmax_element(q.begin(), q.end());
    lo = *mn, hi = *mx;
  }
  if (!zero_points.empty()) {
    const auto [mn, mx] = std::minmax_element(zero_points.begin(), zero_points.end());
    zlo = *mn, zhi = *mx;
  }
  if (q.empty())
    zlo = lo = std::min<std::int64_t>(0, zlo), zhi = hi = std::max<std::int64_t>(0, zhi);
  IntLayout r = range_layout(lo, hi, zlo, zhi);
  if (r.layout.bits == 1 || !allow_two_level || hi <= lo)
    return r;
  const std::set<std::int64_t> distinct(q.begin(), q.end());
  if (distinct.size() != 2)
    return r;
  IntLayout t;
  t.encoding = Encoding::TwoLevel;
  t.layout = Layout{1, 0, Signedness::Unsigned};
  t.v0 = lo, t.v1 = hi;
  return t;
}

} // namespace samd::infer::detail
