// Which CPU a bench ran on, for its records: ratios to oneDNN differ between microarchitectures
// (measured: AVX2 W1A1 6.3x on a Zen 5 machine, 5.2-5.7x on a Zen 4 one, with the same build).
#pragma once

#include <string>

namespace samd::bench {

// post: x86-64: the CPUID brand string and "family F model M stepping S" (decimal, the extended
// family and model folded in as the vendors document), e.g. "AMD EPYC (family 25 model 17
// stepping 1)"; elsewhere "unknown (not x86-64)".
std::string cpu_description();

} // namespace samd::bench
