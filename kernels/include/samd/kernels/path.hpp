// Kernel paths, ruy style: every kernel has a Reference path (naive loops on unpacked integers,
// the oracle), a Swar path (the portable SAMD implementation on 64-bit words, built on the
// verified core) and SIMD paths chosen at run time from the CPU's features. Auto picks the
// fastest path the CPU supports; SAMD_KERNEL_PATH forces one (an unsupported one is an error).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace samd::kernels {

enum class Path { Auto, Reference, Swar, Avx2, Avx512, Neon };

// parse_path: "auto" | "reference" | "swar" | "avx2" | "avx512" | "neon"; throws
// std::invalid_argument naming the value.
Path parse_path(std::string_view name);
const char *to_string(Path p);

// supported: compiled in and the CPU has the instructions (AVX-512 needs F, BW, VL, VNNI and
// VPOPCNTDQ). Reference and Swar are always supported.
bool supported(Path p);
std::vector<Path> supported_paths(); // Reference first, fastest last

// resolve_path: Auto becomes SAMD_KERNEL_PATH if set, else the fastest supported path; a path
// the CPU cannot run is an error (std::invalid_argument naming it), never a silent fallback.
Path resolve_path(Path requested);

} // namespace samd::kernels
