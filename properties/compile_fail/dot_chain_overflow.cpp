// u8 products in a 16-bit field (AccGuard 0) have capacity 1: a second add must not compile.
// expect: samd: StaticDotAccumulator: one more product would overflow the field
#include "samd/accumulator.hpp"

using Acc = samd::StaticDotAccumulator<samd::Layout{8, 0, samd::Signedness::Unsigned}, 0>;
static_assert(Acc::capacity == 1);
auto f() { return Acc{}.add(1, 1).add(1, 1); }
