// bits + guard = 68 does not fit a 64-bit word.
// expect: samd: static layout: bits + guard exceeds the 64-bit word
#include "samd/static_layout.hpp"

constexpr unsigned n = samd::Lanes<samd::Layout{8, 60, samd::Signedness::Unsigned}>::lanes;
