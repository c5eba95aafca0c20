// fuzz_add: the addition family against the lane-by-lane reference.
//   mode even: one catalogue op (wrap, sat, flags, exact) on one layout and three words
//   mode odd:  the .value half of add_carry / add_overflow / sub_borrow / sub_overflow, which the
//              catalogue does not check (it checks their flags)
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <samd/ops/add.hpp>
#include <samd/reference.hpp>

#include "catalog_target.hpp"
#include "lanes.hpp"

namespace {
using namespace samd;
using samd::fuzz::Bytes;

void check_flagged_values(Bytes &in) {
  const Layout L = fuzz::pick_layout(in, kMaxBits);
  const std::uint64_t x = fuzz::pick_word(in, L), y = fuzz::pick_word(in, L);
  const std::uint64_t got[4] = {add_carry(L, x, y).value, add_overflow(L, x, y).value,
                                sub_borrow(L, x, y).value, sub_overflow(L, x, y).value};
  const char *names[4] = {"add_carry", "add_overflow", "sub_borrow", "sub_overflow"};
  for (int op = 0; op < 4; ++op) {
    std::vector<std::int64_t> expected;
    for (unsigned i = 0; i < L.lanes(); ++i) {
      const std::int64_t a = fuzz::lane_value(L, x, i), b = fuzz::lane_value(L, y, i);
      expected.push_back(op < 2 ? ref::add_wrap(L, a, b) : ref::sub_wrap(L, a, b));
    }
    const std::vector<std::int64_t> lanes = fuzz::lane_values(L, {got[op]}, L.lanes());
    const std::uint64_t junk = fuzz::junk_bits(L, {got[op]});
    if (lanes != expected || junk != 0)
      fuzz::fail(std::string(names[op]) + ".value on " + to_string(L) +
                 "\n  x=" + fuzz::show(fuzz::lane_values(L, {x}, L.lanes())) +
                 "\n  y=" + fuzz::show(fuzz::lane_values(L, {y}, L.lanes())) +
                 "\n  expected=" + fuzz::show(expected) + "\n  got     =" + fuzz::show(lanes) +
                 "\n  guard/padding bits: " + std::to_string(junk));
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Bytes in(data, size);
  if (in.u8() % 2 == 0)
    fuzz::check_catalog_op(fuzz::Family::Add, in);
  else
    check_flagged_values(in);
  return 0;
}
