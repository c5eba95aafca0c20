// How a fuzz target reports a divergence: print what differs, then abort so that libFuzzer
// stops, writes the input as a crash-* reproducer and exits non-zero.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace samd::fuzz {

[[noreturn]] inline void fail(const std::string &what) {
  std::fprintf(stderr, "\n==== samd fuzz: DIVERGENCE ====\n%s\n===============================\n",
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

// "[1 -2 3]": lane lists in failure messages.
template <class T> std::string show(const std::vector<T> &v) {
  std::ostringstream o;
  o << '[';
  for (std::size_t i = 0; i < v.size(); ++i)
    o << (i ? " " : "") << v[i];
  o << ']';
  return o.str();
}

} // namespace samd::fuzz
