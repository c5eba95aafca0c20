// A static layout wider than 32 bits must not compile.
// expect: samd: static layout: bits exceeds the limit of 32
#include "samd/static_layout.hpp"

constexpr unsigned n = samd::Lanes<samd::Layout{33, 0, samd::Signedness::Signed}>::lanes;
