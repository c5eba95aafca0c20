#include <samd/kernels/path.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cpu_features.hpp"
#include "fast/fast_gemm.hpp"

namespace samd::kernels {

Path parse_path(std::string_view name) {
  if (name == "auto")
    return Path::Auto;
  if (name == "reference")
    return Path::Reference;
  if (name == "swar")
    return Path::Swar;
  if (name == "avx2")
    return Path::Avx2;
  if (name == "avx512")
    return Path::Avx512;
  if (name == "neon")
    return Path::Neon;
  throw std::invalid_argument("samd: unknown kernel path '" + std::string(name) +
                              "'; expected auto, reference, swar, avx2, avx512 or neon");
}

const char *to_string(Path p) {
  switch (p) {
  case Path::Auto:
    return "auto";
  case Path::Reference:
    return "reference";
  case Path::Swar:
    return "swar";
  case Path::Avx2:
    return "avx2";
  case Path::Avx512:
    return "avx512";
  case Path::Neon:
    return "neon";
  }
  return "?";
}

bool supported(Path p) {
  const auto &f = detail::cpu_features();
  switch (p) {
  case Path::Auto:
  case Path::Reference:
  case Path::Swar:
    return true;
  case Path::Avx2:
    return detail::fast::compiled(Path::Avx2) && f.avx2;
  case Path::Avx512:
    return detail::fast::compiled(Path::Avx512) && f.avx512;
  case Path::Neon:
    return detail::fast::compiled(Path::Neon) && f.neon;
  }
  return false;
}

std::vector<Path> supported_paths() {
  std::vector<Path> out;
  for (Path p : {Path::Reference, Path::Swar, Path::Neon, Path::Avx2, Path::Avx512})
    if (supported(p))
      out.push_back(p);
  return out;
}

Path resolve_path(Path requested) {
  Path p = requested;
  if (p == Path::Auto) {
    if (const char *env = std::getenv("SAMD_KERNEL_PATH"); env != nullptr && *env != '\0')
      p = parse_path(env);
  }
  if (p == Path::Auto)
    return supported_paths().back();
  if (!supported(p))
    throw std::invalid_argument(std::string("samd: kernel path '") + to_string(p) +
                                "' is not supported on this CPU / build; supported: " + [] {
                                  std::string s;
                                  for (Path q : supported_paths())
                                    s += (s.empty() ? "" : ", ") + std::string(to_string(q));
                                  return s;
                                }());
  return p;
}

} // namespace samd::kernels
