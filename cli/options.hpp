// Option syntax the subcommands share: strict integers (CLI11 reads 64-bit integers with
// strtoll / strtoull, so "-1" became 2^64 - 1 and values past the type's range saturated, both
// silently) and comma lists.
#pragma once

#include <samd/infer/model_files.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace samd::cli {

// A check for an integer option: plain decimal digits (samd::infer::parse_decimal: no sign,
// space or suffix) with a value in [lo, hi]. CLI11 prefixes its message with the option's name.
inline CLI::Validator integer_in(std::uint64_t lo, std::uint64_t hi) {
  const std::string from = std::to_string(lo), to = std::to_string(hi);
  return CLI::Validator(
      [lo, hi, from, to](const std::string &text) {
        const auto v = infer::parse_decimal(text);
        return v && *v >= lo && *v <= hi
                   ? std::string()
                   : "'" + text + "' is not an integer from " + from + " to " + to;
      },
      "INT in [" + from + " - " + to + "]");
}

// "a,b,c" as its items, empty ones included ("8,,4" and "8," have an empty item, which the
// caller's item parser then refuses); "" has none.
inline std::vector<std::string> split_list(const std::string &text) {
  std::vector<std::string> items;
  if (text.empty())
    return items;
  std::size_t at = 0;
  for (std::size_t comma; (comma = text.find(',', at)) != std::string::npos; at = comma + 1)
    items.push_back(text.substr(at, comma - at));
  items.push_back(text.substr(at));
  return items;
}

} // namespace samd::cli
