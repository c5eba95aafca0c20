// fuzz_accumulator: SumAccumulator and DotAccumulator over many words against exact int64 sums.
//   mode 0: the catalogue's dot_accumulator op (three products)
//   mode 1: SumAccumulator: up to kMaxSumAdds words
//   mode 2: DotAccumulator: up to kMaxDotAdds word pairs
//   mode 3: construction from arbitrary (bits, guard, acc_guard): refused exactly when invalid
// Words come from the input; when it runs out, worst-case filler words (every lane at the max or
// the min) drive the fields to their limit. When the capacity is within reach, the run goes one
// or two adds past it: add number capacity + 1 must throw std::overflow_error and leave the sums
// and the count unchanged; every add before it must succeed and stay exact.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <samd/accumulator.hpp>
#include <samd/reference.hpp>

#include "catalog_target.hpp"
#include "fail.hpp"
#include "lanes.hpp"
#include "pick.hpp"

namespace {
using namespace samd;
using samd::fuzz::Bytes;
using samd::fuzz::fail;
using samd::fuzz::show;
using Values = std::vector<std::int64_t>;

constexpr std::uint64_t kMaxSumAdds = 256;
constexpr std::uint64_t kMaxDotAdds = 32; // each add is a mul_widen (~10 us under ASan)

// How many adds: below the cap, or (flag bit) just past the capacity when it is within reach.
std::uint64_t pick_count(Bytes &in, std::uint64_t capacity, std::uint64_t max_adds) {
  const std::uint16_t c = in.u16();
  if ((c & 0x8000u) != 0 && capacity < max_adds)
    return capacity + 1 + (c & 1u);
  return (c & 0x7fffu) % (max_adds + 1);
}

// Every lane at L's max (or min): the worst cases for a field's headroom.
std::uint64_t extreme_word(const Layout &L, bool max) {
  return fuzz::every_lane(L, ref::pattern(L, max ? L.max_value() : L.min_value()));
}

std::string lanes_of(const Layout &L, std::uint64_t w) {
  return show(fuzz::lane_values(L, {w}, L.lanes()));
}

void check_sum(Bytes &in) {
  const Layout L = fuzz::pick_layout(in, kMaxBits, 1);
  SumAccumulator acc(L);
  const std::uint64_t n = pick_count(in, acc.capacity(), kMaxSumAdds);
  const unsigned fill = in.u8() % 3; // filler: all max, all min, alternating
  Values exact(L.lanes(), 0);
  std::string words; // what was added, for the failure message
  for (std::uint64_t t = 0; t < n; ++t) {
    const std::uint64_t w = in.empty() ? extreme_word(L, fill == 0 || (fill == 2 && t % 2 == 0))
                                       : fuzz::pick_word(in, L);
    const auto ctx = [&] {
      return " on " + to_string(L) + " capacity " + std::to_string(acc.capacity()) + " after " +
             std::to_string(acc.count()) + " words (last " + lanes_of(L, w) + ")";
    };
    if (acc.count() < acc.capacity()) {
      acc.add(w); // must not throw below the capacity
      for (unsigned i = 0; i < L.lanes(); ++i)
        exact[i] += fuzz::lane_value(L, w, i);
      continue;
    }
    const std::uint64_t count = acc.count();
    bool threw = false;
    try {
      acc.add(w);
    } catch (const std::overflow_error &) {
      threw = true;
    }
    if (!threw)
      fail("SumAccumulator accepted a word beyond its capacity" + ctx());
    if (acc.count() != count || acc.lanes() != exact)
      fail("SumAccumulator changed on a refused add" + ctx() + "\n  expected=" + show(exact) +
           "\n  got     =" + show(acc.lanes()));
  }
  if (acc.lanes() != exact || acc.count() != std::min(n, acc.capacity()) ||
      acc.headroom() != acc.capacity() - acc.count())
    fail("SumAccumulator on " + to_string(L) + " after " + std::to_string(acc.count()) + " of " +
         std::to_string(n) + " words (capacity " + std::to_string(acc.capacity()) + ", headroom " +
         std::to_string(acc.headroom()) + ")\n  expected=" + show(exact) +
         "\n  got     =" + show(acc.lanes()));
}

void check_dot(Bytes &in) {
  const Layout L = fuzz::pick_layout(in, kMaxMulBits);
  const unsigned max_acc_guard = kWordBits - 2 * L.bits;
  const std::uint8_t g = in.u8(); // bit 7 set: any guard; clear: a small one (capacity in reach)
  const unsigned acc_guard =
      (g & 0x80u) != 0 ? (g & 0x7fu) % (max_acc_guard + 1) : std::min(g & 15u, max_acc_guard);
  DotAccumulator acc(L, acc_guard);
  const std::uint64_t n = pick_count(in, acc.capacity(), kMaxDotAdds);
  const unsigned fill =
      in.u8() % 4; // filler: max*max, min*min, min*max, alternating max*max / min*min
  Values exact(L.lanes(), 0);
  for (std::uint64_t t = 0; t < n; ++t) {
    std::uint64_t x = 0, y = 0;
    if (!in.empty()) {
      x = fuzz::pick_word(in, L);
      y = fuzz::pick_word(in, L);
    } else {
      const bool x_max = fill == 0 || (fill == 3 && t % 2 == 0);
      x = extreme_word(L, x_max);
      y = extreme_word(L, x_max || fill == 2);
    }
    const auto ctx = [&] {
      return " on " + to_string(L) + " acc_guard " + std::to_string(acc_guard) + " capacity " +
             std::to_string(acc.capacity()) + " after " + std::to_string(acc.count()) +
             " pairs (last x=" + lanes_of(L, x) + " y=" + lanes_of(L, y) + ")";
    };
    if (acc.count() < acc.capacity()) {
      acc.add(x, y);
      for (unsigned i = 0; i < L.lanes(); ++i)
        exact[i] += fuzz::lane_value(L, x, i) * fuzz::lane_value(L, y, i);
      continue;
    }
    const std::uint64_t count = acc.count();
    bool threw = false;
    try {
      acc.add(x, y);
    } catch (const std::overflow_error &) {
      threw = true;
    }
    if (!threw)
      fail("DotAccumulator accepted a product beyond its capacity" + ctx());
    if (acc.count() != count || acc.lanes() != exact)
      fail("DotAccumulator changed on a refused add" + ctx() + "\n  expected=" + show(exact) +
           "\n  got     =" + show(acc.lanes()));
  }
  std::int64_t total = 0;
  for (std::int64_t v : exact)
    total += v;
  if (acc.lanes() != exact || acc.total() != total || acc.count() != std::min(n, acc.capacity()) ||
      acc.headroom() != acc.capacity() - acc.count())
    fail("DotAccumulator on " + to_string(L) + " acc_guard " + std::to_string(acc_guard) +
         " after " + std::to_string(acc.count()) + " of " + std::to_string(n) +
         " pairs (capacity " + std::to_string(acc.capacity()) + ")\n  expected=" + show(exact) +
         " total " + std::to_string(total) + "\n  got     =" + show(acc.lanes()) + " total " +
         std::to_string(acc.total()));
}

// Construction: std::invalid_argument exactly when the layout or the accumulator field is invalid.
void check_construction(Bytes &in) {
  const std::uint8_t b = in.u8(), wide = in.u8();
  // Guards near UINT_MAX too (bit 6 / bit 7 of `wide`), where bits + guard wraps in unsigned.
  const auto guard_of = [](std::uint8_t v, bool near_max) {
    return near_max ? 0xFFFFFFFFu - (v % 70u) : v % 70u;
  };
  const Layout L{b % 40u, guard_of(in.u8(), (wide & 0x40u) != 0),
                 (b & 0x80u) != 0 ? Signedness::Signed : Signedness::Unsigned};
  const unsigned acc_guard = guard_of(in.u8(), (wide & 0x80u) != 0);
  // The oracle sums in 64 bits, so it cannot wrap.
  const bool layout_ok = L.bits >= 1 && L.bits <= kMaxBits &&
                         std::uint64_t{L.bits} + std::uint64_t{L.guard} <= kWordBits;
  const bool dot_ok = layout_ok && L.bits <= kMaxMulBits &&
                      2 * std::uint64_t{L.bits} + std::uint64_t{acc_guard} <= kWordBits;
  const bool sum_ok = layout_ok && L.guard >= 1;
  const std::string what = " for bits " + std::to_string(L.bits) + " guard " +
                           std::to_string(L.guard) + " acc_guard " + std::to_string(acc_guard);
  try {
    const DotAccumulator acc(L, acc_guard);
    if (!dot_ok)
      fail("DotAccumulator accepted an invalid layout" + what);
    if (acc.capacity() < 1)
      fail("DotAccumulator cannot take a single product" + what);
  } catch (const std::invalid_argument &e) {
    if (dot_ok)
      fail(std::string("DotAccumulator refused a valid layout: ") + e.what() + what);
  }
  try {
    const SumAccumulator acc(L);
    if (!sum_ok)
      fail("SumAccumulator accepted an invalid layout" + what);
    if (acc.capacity() < 2)
      fail("SumAccumulator cannot take two words" + what);
  } catch (const std::invalid_argument &e) {
    if (sum_ok)
      fail(std::string("SumAccumulator refused a valid layout: ") + e.what() + what);
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Bytes in(data, size);
  switch (in.u8() % 4) {
  case 0:
    fuzz::check_catalog_op(fuzz::Family::Accumulator, in);
    break;
  case 1:
    check_sum(in);
    break;
  case 2:
    check_dot(in);
    break;
  default:
    check_construction(in);
    break;
  }
  return 0;
}
