// The control: a chain within capacity compiles (so the harness can pass, not only fail).
// expect: compiles
#include "samd/accumulator.hpp"

using Acc = samd::StaticDotAccumulator<samd::Layout{8, 0, samd::Signedness::Unsigned}, 2>;
static_assert(Acc::capacity == 4);
auto f() { return Acc{}.add(1, 1).add(2, 2).add(3, 3).add(255, 255); }
static_assert(decltype(f())::count == 4);
