// bits + guard = 8 + (2^32 - 4) wraps around to 4 in unsigned: still not a layout.
// expect: samd: static layout: bits + guard exceeds the 64-bit word
#include "samd/static_layout.hpp"

constexpr unsigned n = samd::Lanes<samd::Layout{8, 0xFFFFFFFCu, samd::Signedness::Unsigned}>::lanes;
