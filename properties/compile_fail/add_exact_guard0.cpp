// add_exact needs guard headroom.
// expect: samd: add_exact needs at least one guard bit
#include <cstdint>

#include "samd/static_layout.hpp"

using U8 = samd::Lanes<samd::Layout{8, 0, samd::Signedness::Unsigned}>;
std::uint64_t f(std::uint64_t x, std::uint64_t y) { return U8::add_exact(x, y); }
