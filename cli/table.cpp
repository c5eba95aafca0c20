// samd table: every core op at every width, signedness and guard configuration, checked against
// the lane-by-lane reference on boundary-biased random words. Prints one row per op.
#include "commands.hpp"
#include "options.hpp"

#include <samd/catalog.hpp>
#include <samd/layout.hpp>
#include <samd/pack.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <random>
#include <set>

namespace samd::cli {
namespace {

// A lane value biased to the edges: min, max, 0, +-1, the sign bit, or uniform.
std::int64_t pick_lane(const Layout &L, std::mt19937_64 &rng) {
  switch (rng() % 8) {
  case 0:
    return L.min_value();
  case 1:
    return L.max_value();
  case 2:
    return 0;
  case 3:
    return L.is_signed() ? -1 : std::min<std::int64_t>(1, L.max_value());
  case 4:
    return std::min<std::int64_t>(1, L.max_value());
  default: {
    const std::uint64_t span = static_cast<std::uint64_t>(L.max_value() - L.min_value()) + 1;
    return L.min_value() + static_cast<std::int64_t>(rng() % span);
  }
  }
}

std::uint64_t pick_word(const Layout &L, std::mt19937_64 &rng) {
  std::vector<std::int64_t> lanes(L.lanes());
  for (auto &v : lanes)
    v = pick_lane(L, rng);
  return pack_word(L, lanes);
}

std::vector<Layout> all_layouts() {
  std::vector<Layout> out;
  for (unsigned bits = 1; bits <= kMaxBits; ++bits)
    for (Signedness s : {Signedness::Unsigned, Signedness::Signed}) {
      std::set<unsigned> guards{0, 1, 2, max_guard(bits)};
      for (unsigned g : guards)
        if (g <= max_guard(bits))
          out.push_back(Layout{bits, g, s});
    }
  return out;
}

int run_table(unsigned cases, std::uint64_t seed, bool verbose) {
  std::mt19937_64 rng(seed);
  const auto layouts = all_layouts();
  std::printf("%-24s %7s %8s %10s %8s\n", "op", "widths", "layouts", "checks", "failed");
  std::uint64_t total_checks = 0, total_failed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto &op : catalog::ops()) {
    std::set<unsigned> widths;
    std::uint64_t nl = 0, checks = 0, failed = 0;
    for (const Layout &L : layouts) {
      if (L.bits > op.max_bits || L.guard < op.min_guard)
        continue;
      widths.insert(L.bits);
      ++nl;
      for (unsigned c = 0; c < cases; ++c) {
        catalog::Inputs in{pick_word(L, rng), pick_word(L, rng), pick_word(L, rng),
                           unsigned(rng() % 200)};
        if (op.name.rfind("shift", 0) == 0)
          in.k = unsigned(rng() % (L.bits + 2));
        const auto r = op.check(L, in);
        ++checks;
        if (!r.ok) {
          if (failed < 3 || verbose)
            std::cerr << "FAIL " << r.detail << "\n";
          ++failed;
        }
      }
    }
    std::printf("%-24s %3u-%-3u %8llu %10llu %8llu\n", op.name.c_str(), *widths.begin(),
                *widths.rbegin(), (unsigned long long)nl, (unsigned long long)checks,
                (unsigned long long)failed);
    total_checks += checks;
    total_failed += failed;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%zu ops, %zu layouts, %llu checks, %llu failed, seed %llu, %.2f s\n",
              catalog::ops().size(), layouts.size(), (unsigned long long)total_checks,
              (unsigned long long)total_failed, (unsigned long long)seed, s);
  return total_failed == 0 ? 0 : 1;
}

} // namespace

void register_table(CLI::App &app) {
  auto *sub = app.add_subcommand(
      "table", "check every core op at every width against the lane-by-lane reference");
  static unsigned cases = 200;
  static std::uint64_t seed = 1;
  static bool verbose = false;
  // --cases 0 would check nothing and report success.
  sub->add_option("--cases", cases, "random word triples per op and layout")
      ->capture_default_str()
      ->check(integer_in(1, std::numeric_limits<unsigned>::max()));
  sub->add_option("--seed", seed, "random seed")
      ->capture_default_str()
      ->check(integer_in(0, std::numeric_limits<std::uint64_t>::max()));
  sub->add_flag("--verbose", verbose, "print every failure");
  sub->callback([] {
    if (const int rc = run_table(cases, seed, verbose); rc != 0)
      throw CLI::RuntimeError(rc);
  });
}

} // namespace samd::cli
