// fuzz_reduce: the horizontal reductions hsum and dot against the lane-by-lane reference, via the
// op catalogue.
#include <cstddef>
#include <cstdint>

#include "catalog_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  samd::fuzz::Bytes in(data, size);
  samd::fuzz::check_catalog_op(samd::fuzz::Family::Reduce, in);
  return 0;
}
