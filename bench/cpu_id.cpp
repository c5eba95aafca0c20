// cpu_description: the CPUID brand string and signature.
#include "cpu_id.hpp"

#if defined(__x86_64__)
#include <cpuid.h>

#include <cstring>
#endif

namespace samd::bench {

#if defined(__x86_64__)
std::string cpu_description() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return "unknown (no CPUID leaf 1)";
  const unsigned base_family = (a >> 8) & 0xF, base_model = (a >> 4) & 0xF, stepping = a & 0xF;
  // The extended fields count for family 15 (both vendors) and family 6 models (Intel).
  const unsigned family = base_family == 0xF ? base_family + ((a >> 20) & 0xFF) : base_family;
  const unsigned model =
      base_family == 0xF || base_family == 6 ? base_model | (((a >> 16) & 0xF) << 4) : base_model;
  std::string brand;
  unsigned top = 0;
  if (__get_cpuid(0x80000000u, &top, &b, &c, &d) && top >= 0x80000004u) {
    char text[49] = {};
    for (unsigned leaf = 0; leaf < 3; ++leaf) {
      unsigned r[4] = {};
      __get_cpuid(0x80000002u + leaf, &r[0], &r[1], &r[2], &r[3]);
      std::memcpy(text + 16 * leaf, r, sizeof r);
    }
    brand = text;
    const auto first = brand.find_first_not_of(' '), last = brand.find_last_not_of(' ');
    brand = first == std::string::npos ? "" : brand.substr(first, last - first + 1);
  }
  return (brand.empty() ? "x86-64" : brand) + " (family " + std::to_string(family) + " model " +
         std::to_string(model) + " stepping " + std::to_string(stepping) + ")";
}
#else
std::string cpu_description() { return "unknown (not x86-64)"; }
#endif

} // namespace samd::bench
