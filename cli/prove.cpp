// samd prove: discharge the Z3 obligations of the core (every op x width x signedness x guard
// configuration, or a filtered subset) in parallel, print the op x width table, and optionally
// write one JSON record per obligation. With --mutants, run the mutation suite instead: every
// deliberately broken op variant must yield a counterexample; --op, --bits and --signed /
// --unsigned select mutants as they select obligations (by op or family, and by the layouts of
// their checks). Exit status 1 if anything failed, was unknown (never a pass), a mutant survived,
// or the selection is empty.
#include "commands.hpp"
#include "options.hpp"

#include <output_file.hpp>

#include <samd_proofs/mutants.hpp>
#include <samd_proofs/obligation.hpp>
#include <samd_proofs/report.hpp>
#include <samd_proofs/runner.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace samd::cli {
namespace {

using namespace samd::proofs;

struct ProveOptions {
  std::vector<std::string> ops;
  std::string bits;
  bool only_signed = false, only_unsigned = false;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  unsigned timeout_ms = 60000;
  unsigned rlimit = 0;
  std::string json;
  bool mutants = false, list = false, verbose = false;
  std::size_t slowest = 10;
};

// "4", "1-8", "1-4,16": the set of widths, each item checked whole (no "4x", "+4", or 2^32 + 1
// narrowed to 1).
std::set<unsigned> parse_bits(const std::string &spec) {
  std::set<unsigned> out;
  for (const std::string &part : split_list(spec)) {
    const auto dash = part.find('-');
    const std::string_view text(part);
    const auto lo = infer::parse_width(text.substr(0, dash), kMaxBits);
    const auto hi =
        dash == std::string::npos ? lo : infer::parse_width(text.substr(dash + 1), kMaxBits);
    if (!lo || !hi || *lo > *hi)
      throw CLI::ValidationError(
          "--bits", "'" + part + "' is not a width or range within 1-32 (e.g. 4, 1-8)");
    for (unsigned b = *lo; b <= *hi; ++b)
      out.insert(b);
  }
  return out;
}

// Ops are matched by name or by family (the obligation file), e.g. --op mul or --op mul_wrap.
bool op_selected(const ProveOptions &o, const std::string &op,
                 const std::set<std::string> &families) {
  if (o.ops.empty())
    return true;
  for (const std::string &want : o.ops)
    if (want == op || families.count(want))
      return true;
  return false;
}

bool layout_selected(const ProveOptions &o, const std::set<unsigned> &bits, const Layout &L) {
  if (!bits.empty() && !bits.count(L.bits))
    return false;
  if (o.only_signed && !L.is_signed())
    return false;
  if (o.only_unsigned && L.is_signed())
    return false;
  return true;
}

bool layout_filtered(const ProveOptions &o) {
  return !o.bits.empty() || o.only_signed || o.only_unsigned;
}

// One status line, rewritten in place; only on a terminal.
class Progress {
public:
  explicit Progress(std::size_t total) : total_(total), on_(isatty(STDOUT_FILENO) != 0) {}
  void update(std::size_t done, std::size_t failed, std::size_t unknown, const std::string &last) {
    if (!on_)
      return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    std::printf("\r[%zu/%zu] %3.0f%%  failed %zu  unknown %zu  %6.1fs  %-40.40s", done, total_,
                total_ ? 100.0 * double(done) / double(total_) : 100.0, failed, unknown, s,
                last.c_str());
    std::fflush(stdout);
  }
  void clear() {
    if (!on_)
      return;
    std::printf("\r%*s\r", 110, "");
    std::fflush(stdout);
  }

private:
  std::size_t total_;
  bool on_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

void check_ops_exist(const ProveOptions &o, bool mutants) {
  std::set<std::string> known;
  for (const Obligation &ob : all_obligations()) {
    known.insert(ob.op);
    known.insert(ob.family);
  }
  if (mutants)
    for (const Mutant &m : all_mutants())
      known.insert(m.op);
  for (const std::string &op : o.ops)
    if (!known.count(op)) {
      std::string list;
      for (const std::string &k : known)
        list += " " + k;
      throw CLI::ValidationError("--op", "unknown op or family '" + op + "'; known:" + list);
    }
}

int run_obligations(const ProveOptions &o) {
  const std::set<unsigned> bits = parse_bits(o.bits);
  std::vector<const Obligation *> picked;
  for (const Obligation &ob : all_obligations())
    if (op_selected(o, ob.op, {ob.family}) && layout_selected(o, bits, ob.layout))
      picked.push_back(&ob);
  // An obligation that assumes another's claim (dot assumes mul_widen) needs that one run too.
  const std::vector<const Obligation *> chosen = with_assumptions(picked);
  if (chosen.empty()) // would report "0 obligations: 0 failed", a pass that proved nothing
    throw std::runtime_error("samd prove: no obligation matches the selection (--op, --bits, "
                             "--signed / --unsigned); see samd prove --list");
  if (o.list) {
    for (const Obligation *ob : chosen)
      std::cout << describe(*ob) << "\n";
    std::cout << chosen.size() << " obligations\n";
    return 0;
  }
  std::vector<Record> records(chosen.size());
  for (std::size_t i = 0; i < chosen.size(); ++i)
    records[i].obligation = chosen[i];
  const Limits limits{o.timeout_ms, o.rlimit};
  std::printf("samd prove: %zu obligations (%zu selected, %zu they assume) on %u thread(s), limit "
              "%u ms each\n",
              chosen.size(), picked.size(), chosen.size() - picked.size(), o.jobs, o.timeout_ms);
  std::fflush(stdout);
  Progress progress(chosen.size());
  std::size_t done = 0, failed = 0, unknown = 0;
  const auto t0 = std::chrono::steady_clock::now();
  run_parallel(
      chosen.size(), o.jobs,
      [&](std::size_t i, z3::context &c) { records[i].outcome = prove(c, *chosen[i], limits); },
      [&](std::size_t i) {
        ++done;
        const Outcome &out = records[i].outcome;
        if (out.verdict != Verdict::Proved) {
          (out.verdict == Verdict::Failed ? failed : unknown)++;
          progress.clear();
          std::cout << to_string(out.verdict) << ": " << describe(*chosen[i]) << "\n  "
                    << out.detail << "\n";
          if (!out.replay.empty())
            std::cout << "  replay: " << out.replay << "\n";
          std::cout.flush();
        }
        progress.update(done, failed, unknown, describe(*chosen[i]));
      });
  progress.clear();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  settle_assumptions(records);
  failed = unknown = 0;
  for (const Record &r : records) {
    if (r.outcome.verdict == Verdict::Failed)
      ++failed;
    if (r.outcome.verdict == Verdict::Unknown)
      ++unknown;
    if (r.outcome.detail.rfind("assumes", 0) == 0)
      std::cout << "unknown: " << describe(*r.obligation) << "\n  " << r.outcome.detail << "\n";
  }
  print_table(std::cout, records);
  print_slowest(std::cout, records, o.slowest);
  std::printf(
      "%zu obligations: %zu proved, %zu failed, %zu unknown in %.1f s wall on %u thread(s)\n",
      chosen.size(), chosen.size() - failed - unknown, failed, unknown, wall, o.jobs);
  if (!o.json.empty()) {
    std::ostringstream json;
    write_json(json, records);
    output::write_file("samd prove", o.json, json.str());
    std::printf("wrote %s\n", o.json.c_str());
  }
  return failed + unknown == 0 ? 0 : 1;
}

// The mutants of the selected ops or families (a mutant's family is that of the op it is a broken
// copy of), each with its checks at the selected layouts only; a mutant with none is left out.
std::vector<Mutant> select_mutants(const ProveOptions &o) {
  const std::set<unsigned> bits = parse_bits(o.bits);
  std::map<std::string, std::set<std::string>> families; // op -> the families of its obligations
  for (const Obligation &ob : all_obligations())
    families[ob.op].insert(ob.family);
  std::vector<Mutant> chosen;
  for (const Mutant &m : all_mutants()) {
    if (!op_selected(o, m.op, families[m.op]))
      continue;
    Mutant picked{m.name, m.op, m.defect, {}};
    for (const Obligation &check : m.checks)
      if (layout_selected(o, bits, check.layout))
        picked.checks.push_back(check);
    if (!picked.checks.empty())
      chosen.push_back(std::move(picked));
  }
  if (chosen.empty()) // a kill rate of 100 % over no mutant
    throw std::runtime_error("samd prove --mutants: no mutant matches the selection (--op, --bits, "
                             "--signed / --unsigned); see samd prove --mutants --list");
  return chosen;
}

int run_mutants(const ProveOptions &o) {
  const std::vector<Mutant> chosen = select_mutants(o);
  std::size_t checks = 0;
  for (const Mutant &m : chosen)
    checks += m.checks.size();
  const char *restricted = layout_filtered(o) ? " (checks at the selected layouts only)" : "";
  if (o.list) {
    for (const Mutant &m : chosen)
      std::cout << m.name << ": " << m.defect << "\n";
    std::cout << chosen.size() << " mutants, " << checks << " checks" << restricted << "\n";
    return 0;
  }
  std::vector<MutantOutcome> results(chosen.size());
  const Limits limits{o.timeout_ms, o.rlimit};
  std::printf("samd prove --mutants: %zu mutants, %zu checks%s on %u thread(s)\n", chosen.size(),
              checks, restricted, o.jobs);
  std::fflush(stdout);
  Progress progress(chosen.size());
  std::size_t done = 0, survived = 0;
  const auto t0 = std::chrono::steady_clock::now();
  run_parallel(
      chosen.size(), o.jobs,
      [&](std::size_t i, z3::context &c) { results[i] = hunt(c, chosen[i], limits); },
      [&](std::size_t i) {
        ++done;
        if (!results[i].killed)
          ++survived;
        if (o.verbose && results[i].killed) {
          progress.clear();
          std::cout << chosen[i].name << " killed by " << results[i].by << ": "
                    << results[i].outcome.detail;
          if (!results[i].outcome.replay.empty())
            std::cout << "  replay: " << results[i].outcome.replay << "\n";
        }
        progress.update(done, survived, 0, chosen[i].name);
      });
  progress.clear();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%-40s %-8s %6s %9s  %s\n", "mutant", "result", "checks", "ms",
              "first counterexample");
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const MutantOutcome &r = results[i];
    std::printf("%-40s %-8s %6zu %9.0f  %s\n", chosen[i].name.c_str(),
                r.killed ? "killed" : "SURVIVED", r.tried, r.ms,
                r.killed ? r.by.c_str() : chosen[i].defect.c_str());
  }
  const std::size_t killed = chosen.size() - survived;
  std::printf("mutants: %zu, killed %zu, kill rate %.1f %% (%.1f s wall on %u thread(s))\n",
              chosen.size(), killed,
              chosen.empty() ? 100.0 : 100.0 * double(killed) / double(chosen.size()), wall,
              o.jobs);
  if (survived != 0 && layout_filtered(o))
    std::printf("(checks at the selected layouts only: a survivor here may need another layout's "
                "check to be killed)\n");
  if (!o.json.empty()) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < chosen.size(); ++i)
      j.push_back({{"mutant", chosen[i].name},
                   {"op", chosen[i].op},
                   {"killed", results[i].killed},
                   {"checks", results[i].tried},
                   {"ms", results[i].ms}});
    output::write_file("samd prove", o.json, j.dump(2) + "\n");
    std::printf("wrote %s\n", o.json.c_str());
  }
  return survived == 0 ? 0 : 1;
}

} // namespace

void register_prove(CLI::App &app) {
  auto opts = std::make_shared<ProveOptions>();
  auto *sub =
      app.add_subcommand("prove", "prove every core op with Z3 (or run the mutation suite)");
  sub->add_option("--op", opts->ops,
                  "only these ops or op families (repeatable), e.g. add_wrap, mul; with "
                  "--mutants, the mutants of those ops or of the ops in those families")
      ->delimiter(',');
  sub->add_option("--bits", opts->bits,
                  "only these lane widths, e.g. 4, 1-8, 1-4,16; with --mutants, each mutant's "
                  "checks at these widths only (a mutant with none is left out)");
  auto *s = sub->add_flag("--signed", opts->only_signed,
                          "only signed layouts (with --mutants: only the checks at them)");
  auto *u = sub->add_flag("--unsigned", opts->only_unsigned,
                          "only unsigned layouts (with --mutants: only the checks at them)");
  s->excludes(u);
  sub->add_option("-j,--jobs", opts->jobs,
                  "worker threads, one Z3 context each (default: hardware cores)")
      ->check(CLI::Range(1u, 1024u));
  sub->add_option("--timeout-ms", opts->timeout_ms,
                  "time limit per obligation in ms (default 60000)")
      ->check(CLI::Range(1u, 86400000u));
  sub->add_option("--rlimit", opts->rlimit, "Z3 resource limit per check (default 0: none)");
  sub->add_option("--json", opts->json, "write one JSON record per obligation (or mutant) to FILE");
  auto *mutants =
      sub->add_flag("--mutants", opts->mutants,
                    "run the mutation suite instead; fails unless every mutant is killed");
  sub->add_flag("--list", opts->list, "list the selected obligations (or mutants) without proving");
  // Each of these does something in one mode only; given in the other it is refused, not ignored.
  sub->add_flag("-v,--verbose", opts->verbose, "with --mutants: print each kill's counterexample")
      ->needs(mutants);
  sub->add_option("--slowest", opts->slowest,
                  "how many of the slowest obligations to list (default 10; not with --mutants)")
      ->check(integer_in(0, std::numeric_limits<std::size_t>::max()))
      ->excludes(mutants);
  sub->callback([opts] {
    check_ops_exist(*opts, opts->mutants);
    const int rc = opts->mutants ? run_mutants(*opts) : run_obligations(*opts);
    if (rc != 0)
      throw CLI::RuntimeError(rc);
  });
}

} // namespace samd::cli
