// A static layout with 0-bit lanes must not compile.
// expect: samd: static layout: bits = 0; lane width must be at least 1
#include "samd/static_layout.hpp"

constexpr unsigned n = samd::Lanes<samd::Layout{0, 0, samd::Signedness::Unsigned}>::lanes;
