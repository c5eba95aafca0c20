#include <map>
#include <set>
#include <stdexcept>

#include "obligations/families.hpp"
#include "samd_proofs/symbolic.hpp"

namespace samd::proofs {

const std::vector<Obligation> &all_obligations() {
  static const std::vector<Obligation> all = [] {
    std::vector<Obligation> v;
    register_lane_masks(v);
    register_logic(v);
    register_add(v);
    register_shift(v);
    register_compare(v);
    register_minmax(v);
    register_mul(v);
    register_convert(v);
    register_reduce(v);
    register_accumulator(v);
    register_kernels(v);
    register_spec_checks(v);
    check_assumptions(v);
    return v;
  }();
  return all;
}

void check_assumptions(const std::vector<Obligation> &obligations) {
  std::map<std::string, const Obligation *> by_key;
  for (const Obligation &ob : obligations)
    if (!by_key.emplace(key(ob), &ob).second)
      throw std::logic_error("samd proofs: two obligations are named '" + key(ob) + "'");
  for (const Obligation &ob : obligations)
    for (const std::string &k : ob.assumes) {
      const auto it = by_key.find(k);
      if (it == by_key.end())
        throw std::logic_error("samd proofs: '" + key(ob) + "' assumes '" + k +
                               "', which is no obligation");
      if (!it->second->assumes.empty())
        throw std::logic_error("samd proofs: '" + key(ob) + "' assumes '" + k +
                               "', which itself assumes '" + it->second->assumes.front() + "'");
    }
}

std::string key(const Obligation &ob) {
  return ob.op + " " + layout_name(ob.layout) + (ob.variant.empty() ? "" : " " + ob.variant);
}

const Obligation *find_obligation(const std::string &k) {
  static const std::map<std::string, const Obligation *> index = [] {
    std::map<std::string, const Obligation *> m;
    for (const Obligation &ob : all_obligations())
      m.emplace(key(ob), &ob);
    return m;
  }();
  const auto it = index.find(k);
  return it == index.end() ? nullptr : it->second;
}

std::vector<const Obligation *> with_assumptions(const std::vector<const Obligation *> &chosen) {
  std::set<const Obligation *> all(chosen.begin(), chosen.end());
  std::vector<const Obligation *> pending(chosen.begin(), chosen.end());
  while (!pending.empty()) {
    const Obligation *ob = pending.back();
    pending.pop_back();
    for (const std::string &k : ob->assumes)
      if (const Obligation *lemma = find_obligation(k); lemma && all.insert(lemma).second)
        pending.push_back(lemma);
  }
  std::vector<const Obligation *> out;
  for (const Obligation &ob : all_obligations())
    if (all.count(&ob))
      out.push_back(&ob);
  return out;
}

} // namespace samd::proofs
