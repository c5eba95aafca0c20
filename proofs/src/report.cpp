#include "samd_proofs/report.hpp"

#include "samd_proofs/symbolic.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace samd::proofs {
namespace {

std::string json_string(const std::string &s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", ms / 1000);
  return buf;
}

} // namespace

std::string describe(const Obligation &ob) { return key(ob); }

void settle_assumptions(std::vector<Record> &records) {
  std::map<std::string, Verdict> verdict;
  for (const Record &r : records)
    verdict[key(*r.obligation)] = r.outcome.verdict;
  // To a fixpoint: a downgrade can undo an obligation that assumes the downgraded one (the
  // registry refuses such chains today, see check_assumptions; this does not rely on it).
  for (bool changed = true; changed;) {
    changed = false;
    for (Record &r : records) {
      if (r.outcome.verdict != Verdict::Proved)
        continue;
      for (const std::string &k : r.obligation->assumes) {
        const auto it = verdict.find(k);
        if (it != verdict.end() && it->second == Verdict::Proved)
          continue;
        r.outcome.verdict = Verdict::Unknown;
        r.outcome.detail = "assumes '" + k + "', which is " +
                           (it == verdict.end() ? "not run" : to_string(it->second));
        verdict[key(*r.obligation)] = Verdict::Unknown;
        changed = true;
        break;
      }
    }
  }
}

void print_table(std::ostream &o, const std::vector<Record> &records) {
  struct Row {
    char cells[kMaxBits + 1];
    std::size_t total = 0, proved = 0, failed = 0, unknown = 0;
    double ms = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Row> rows;
  for (const Record &r : records) {
    const std::string &op = r.obligation->op;
    auto [it, fresh] = rows.try_emplace(op);
    Row &row = it->second;
    if (fresh) {
      order.push_back(op);
      std::fill(std::begin(row.cells), std::end(row.cells), '.');
    }
    char &cell = row.cells[r.obligation->layout.bits];
    ++row.total;
    row.ms += r.outcome.ms;
    switch (r.outcome.verdict) {
    case Verdict::Proved:
      ++row.proved;
      if (cell == '.')
        cell = '+';
      break;
    case Verdict::Failed:
      ++row.failed;
      cell = 'F';
      break;
    case Verdict::Unknown:
      ++row.unknown;
      if (cell != 'F')
        cell = '?';
      break;
    }
  }
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-32s %6s %7s %6s %7s %8s\n", "", "lane width 1..32", "",
                "", "", "", "");
  o << line;
  std::string tens, units;
  for (unsigned b = 1; b <= kMaxBits; ++b) {
    tens += char('0' + b / 10);
    units += char('0' + b % 10);
  }
  std::snprintf(line, sizeof line, "%-24s %-32s %6s %7s %6s %7s %8s\n", "op", tens.c_str(),
                "oblig.", "proved", "failed", "unknown", "time");
  o << line;
  std::snprintf(line, sizeof line, "%-24s %-32s\n", "", units.c_str());
  o << line;
  Row sum;
  for (const std::string &op : order) {
    const Row &r = rows[op];
    std::snprintf(line, sizeof line, "%-24s %.32s %6zu %7zu %6zu %7zu %8s\n", op.c_str(),
                  r.cells + 1, r.total, r.proved, r.failed, r.unknown, seconds(r.ms).c_str());
    o << line;
    sum.total += r.total;
    sum.proved += r.proved;
    sum.failed += r.failed;
    sum.unknown += r.unknown;
    sum.ms += r.ms;
  }
  std::snprintf(line, sizeof line, "%-24s %-32s %6zu %7zu %6zu %7zu %8s\n", "total", "", sum.total,
                sum.proved, sum.failed, sum.unknown, seconds(sum.ms).c_str());
  o << line
    << "(+ every obligation at that width proved, F one failed, ? one unknown, . none run;"
       " time is solver time summed over obligations)\n";
}

void print_slowest(std::ostream &o, const std::vector<Record> &records, std::size_t n) {
  std::vector<const Record *> by_time;
  for (const Record &r : records)
    by_time.push_back(&r);
  std::sort(by_time.begin(), by_time.end(),
            [](const Record *a, const Record *b) { return a->outcome.ms > b->outcome.ms; });
  o << "slowest " << std::min(n, by_time.size()) << " obligations:\n";
  for (std::size_t i = 0; i < n && i < by_time.size(); ++i) {
    char line[256];
    std::snprintf(line, sizeof line, "  %9.0f ms  %-8s %s\n", by_time[i]->outcome.ms,
                  to_string(by_time[i]->outcome.verdict),
                  describe(*by_time[i]->obligation).c_str());
    o << line;
  }
}

void write_json(std::ostream &o, const std::vector<Record> &records) {
  o << "[\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Obligation &ob = *records[i].obligation;
    const Outcome &out = records[i].outcome;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", out.ms);
    o << "  {\"op\": " << json_string(ob.op) << ", \"family\": " << json_string(ob.family)
      << ", \"bits\": " << ob.layout.bits << ", \"guard\": " << ob.layout.guard
      << ", \"signed\": " << (ob.layout.is_signed() ? "true" : "false")
      << ", \"case\": " << json_string(ob.variant)
      << ", \"result\": " << json_string(to_string(out.verdict)) << ", \"ms\": " << ms
      << ", \"goals\": " << out.goals;
    if (!ob.assumes.empty()) {
      o << ", \"assumes\": [";
      for (std::size_t k = 0; k < ob.assumes.size(); ++k)
        o << (k ? ", " : "") << json_string(ob.assumes[k]);
      o << "]";
    }
    if (out.verdict != Verdict::Proved)
      o << ", \"detail\": " << json_string(out.detail);
    o << "}" << (i + 1 < records.size() ? "," : "") << "\n";
  }
  o << "]\n";
}

} // namespace samd::proofs
