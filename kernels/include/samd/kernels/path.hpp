// Kernel paths, ruy style: every kernel has a Reference path (naive loops on unpacked integers,
// the oracle) and a Swar path (the portable SAMD implementation on 64-bit words, built on the
// verified core). Auto picks the fastest path available; SAMD_KERNEL_PATH forces one.
#pragma once

#include <string>
#include <string_view>

namespace samd::kernels {

enum class Path { Auto, Reference, Swar };

// parse_path: "auto" | "reference" | "swar"; throws std::invalid_argument naming the value.
Path parse_path(std::string_view name);
const char* to_string(Path p);

// resolve_path: Auto becomes the SAMD_KERNEL_PATH environment variable if set (an unknown value
// is an error), else the fastest path compiled in; other paths are returned as they are.
Path resolve_path(Path requested);

} // namespace samd::kernels
