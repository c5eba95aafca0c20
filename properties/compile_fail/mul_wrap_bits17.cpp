// Multiplication is limited to 16-bit lanes.
// expect: samd: mul_wrap: bits exceeds the multiplication limit of 16
#include <cstdint>

#include "samd/static_layout.hpp"

using U17 = samd::Lanes<samd::Layout{17, 0, samd::Signedness::Unsigned}>;
std::uint64_t f(std::uint64_t x, std::uint64_t y) { return U17::mul_wrap(x, y); }
