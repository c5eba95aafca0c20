#include <samd/kernels/path.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace samd::kernels {

Path parse_path(std::string_view name) {
  if (name == "auto") return Path::Auto;
  if (name == "reference") return Path::Reference;
  if (name == "swar") return Path::Swar;
  throw std::invalid_argument("samd: unknown kernel path '" + std::string(name) +
                              "'; expected auto, reference or swar");
}

const char* to_string(Path p) {
  switch (p) {
  case Path::Auto: return "auto";
  case Path::Reference: return "reference";
  case Path::Swar: return "swar";
  }
  return "?";
}

Path resolve_path(Path requested) {
  if (requested != Path::Auto) return requested;
  if (const char* env = std::getenv("SAMD_KERNEL_PATH"); env != nullptr && *env != '\0') {
    const Path p = parse_path(env);
    if (p != Path::Auto) return p;
  }
  return Path::Swar; // the fastest path compiled in
}

} // namespace samd::kernels
