// Mutants of samd/ops/convert.hpp.
#include "samd/ops/convert.hpp"
#include "common.hpp"

namespace samd::proofs {
namespace mutant {

// broadcast without clearing v's high bits: they overlap the next lanes.
template <class W> W broadcast_unmasked(const Layout &L, const W &v) {
  return mul(v, constant(v, L.lane_low_mask()));
}
// The constant one lane short: no bit for the top lane, which stays 0.
template <class W> W broadcast_lane_short(const Layout &L, const W &v) {
  const std::uint64_t top = std::uint64_t{1} << ((L.lanes() - 1) * L.field());
  return mul(and_c(v, L.lane_bits()), constant(v, L.lane_low_mask() & ~top));
}
// The constant with a bit every b bits, not every b + g: lanes placed as if there were no guard.
template <class W> W broadcast_no_guard(const Layout &L, const W &v) {
  std::uint64_t m = 0;
  for (unsigned i = 0; i < L.lanes(); ++i)
    m |= std::uint64_t{1} << (i * L.bits);
  return mul(and_c(v, L.lane_bits()), constant(v, m));
}
// The low bound tested with <= (off by one at the boundary).
template <class W> W out_of_range_lo_inclusive(const Layout &src, const Layout &dst, const W &x) {
  W m = zero(x);
  const std::int64_t lo = detail::common_lo(src, dst), hi = detail::common_hi(src, dst);
  if (lo > src.min_value())
    m = or_(m, cmp_le(src, x, detail::broadcast_value(src, x, lo)));
  if (hi < src.max_value())
    m = or_(m, cmp_gt(src, x, detail::broadcast_value(src, x, hi)));
  return m;
}
// Clamping with min and max exchanged.
template <class W> W saturate_to_swapped(const Layout &src, const Layout &dst, const W &x) {
  W r = x;
  const std::int64_t lo = detail::common_lo(src, dst), hi = detail::common_hi(src, dst);
  if (hi < src.max_value())
    r = max_lanes(src, r, detail::broadcast_value(src, x, hi));
  if (lo > src.min_value())
    r = min_lanes(src, r, detail::broadcast_value(src, x, lo));
  return r;
}

// convert with switchable defects.
struct ConvertDefects {
  bool no_extend = false;     // lanes not sign-extended
  bool ignore_policy = false; // Saturate treated as Wrap
  bool pack_by_bits = false;  // lanes placed at k * bits, ignoring the guard
  bool word_mod_2 = false;    // input word (j / lanes) % 2: right for one or two words only
  bool tail_ones = false;     // the last word's lanes past the input's are all ones
};
template <class W>
std::vector<W> convert_with(const Layout &from, const Layout &to, const std::vector<W> &src,
                            Overflow policy, ConvertDefects d) {
  std::vector<W> in;
  for (const W &w : src)
    in.push_back(policy == Overflow::Saturate && !d.ignore_policy ? saturate_to(from, to, w) : w);
  const std::size_t total = src.size() * from.lanes();
  const std::size_t nout = (total + to.lanes() - 1) / to.lanes();
  std::vector<W> out;
  for (std::size_t o = 0; o < nout; ++o) {
    W acc = zero(src.front());
    for (unsigned k = 0; k < to.lanes(); ++k) {
      const std::size_t j = o * to.lanes() + k;
      if (j >= total) {
        if (d.tail_ones)
          acc = or_c(acc, to.lane_bits() << (k * to.field()));
        continue;
      }
      const std::size_t word = j / from.lanes() % (d.word_mod_2 ? 2 : src.size());
      const W lane = lane_bits_of(from, in[word], unsigned(j % from.lanes()));
      const W v = and_c(d.no_extend ? lane : extend_lane(from, lane), to.lane_bits());
      acc = or_(acc, shl(v, k * (d.pack_by_bits ? to.bits : to.field())));
    }
    out.push_back(acc);
  }
  return out;
}
// convert_with with the defects D, as a function (ConvertDefects is a structural type).
template <ConvertDefects D, class W>
std::vector<W> convert_defective(const Layout &f, const Layout &t, const std::vector<W> &s,
                                 Overflow p) {
  return convert_with(f, t, s, p, D);
}
// widen whose convert does not sign-extend: negative lanes come out as large positive values.
template <class W>
std::vector<W> widen_no_extend(const Layout &f, const Layout &t, const std::vector<W> &s) {
  return convert_with(f, t, s, Overflow::Wrap, {.no_extend = true});
}

// Checks of a convert mutant over sources and the standard targets.
Mutant convert_mutant(const std::string &name, const std::string &defect, Overflow policy,
                      const Convert &impl, bool (*applies)(const Layout &from, const Layout &to),
                      unsigned words = 2) {
  Mutant m{name, "convert", defect, {}};
  for (const Layout &from : mutant_layouts(kMaxBits))
    for (unsigned tb : {1u, 2u, 3u, 5u, 8u, 16u, 32u})
      for (Signedness ts : {Signedness::Unsigned, Signedness::Signed})
        for (unsigned tg : {0u, 1u}) {
          const Layout to{tb, tg, ts};
          if (!applies(from, to))
            continue;
          m.checks.push_back({"mutant", "convert", from, "to=" + layout_name(to),
                              [=](Query &q) { check_convert(q, from, to, policy, impl, words); }});
        }
  return m;
}

} // namespace mutant

void register_convert_mutants(MutantSet &set) {
  using namespace mutant;
  set.add("broadcast/unmasked", "broadcast", "v's bits above b spill into other lanes", 32,
          [](Query &q, const Layout &L) { check_broadcast(q, L, Unary(broadcast_unmasked<W>)); });
  set.add("broadcast/lane-short", "broadcast", "constant one lane short: the top lane stays 0", 32,
          [](Query &q, const Layout &L) { check_broadcast(q, L, Unary(broadcast_lane_short<W>)); });
  set.add(
      "broadcast/no-guard", "broadcast",
      "constant 1 every b bits, not every b + g: lanes misplaced", 32,
      [](Query &q, const Layout &L) { check_broadcast(q, L, Unary(broadcast_no_guard<W>)); }, 1);
  const auto relayout = [](auto check, const Relayout &impl) {
    return [check, impl](Query &q, const Layout &L) {
      check(q, L,
            Layout{L.bits > 1 ? L.bits - 1 : 1, 0,
                   L.is_signed() ? Signedness::Unsigned : Signedness::Signed},
            impl);
    };
  };
  set.add("out_of_range_mask/lo-inclusive", "out_of_range_mask", "lower bound tested with <=", 32,
          relayout(check_out_of_range_mask, out_of_range_lo_inclusive<W>));
  set.add("saturate_to/min-max-swapped", "saturate_to", "clamps with min and max exchanged", 32,
          relayout(check_saturate_to, saturate_to_swapped<W>));
  set.add(convert_mutant(
      "convert/no-sign-extension", "signed lanes widened without sign extension", Overflow::Wrap,
      convert_defective<ConvertDefects{.no_extend = true}, W>,
      [](const Layout &f, const Layout &t) { return f.is_signed() && t.bits > f.bits; }));
  set.add(convert_mutant("convert/saturate-ignored", "Saturate behaves as Wrap", Overflow::Saturate,
                         convert_defective<ConvertDefects{.ignore_policy = true}, W>,
                         [](const Layout &f, const Layout &t) { return t.bits < f.bits; }));
  set.add(convert_mutant("convert/guard-dropped",
                         "target lanes placed at k * bits, ignoring the guard", Overflow::Wrap,
                         convert_defective<ConvertDefects{.pack_by_bits = true}, W>,
                         [](const Layout &, const Layout &t) { return t.guard > 0; }));
  set.add(convert_mutant(
      "convert/word-mod-2", "reads input word (j / lanes) % 2, right for <= 2 words",
      Overflow::Wrap, convert_defective<ConvertDefects{.word_mod_2 = true}, W>,
      [](const Layout &, const Layout &) { return true; }, kConvertLongWords));
  set.add(convert_mutant(
      "convert/tail-ones", "the last word's unused lanes are all ones", Overflow::Wrap,
      convert_defective<ConvertDefects{.tail_ones = true}, W>,
      [](const Layout &f, const Layout &t) { return 2 * f.lanes() % t.lanes() != 0; }));
  set.add(
      "widen/no-sign-extension", "widen", "signed lanes widened without sign extension", 32,
      [](Query &q, const Layout &L) {
        const Layout to{std::min(2 * L.bits, 32u), 0, Signedness::Signed};
        check_widen(q, L, to, Widen(widen_no_extend<W>));
      },
      0, [](const Layout &L) { return L.is_signed() && L.bits < 32; });
}

} // namespace samd::proofs
