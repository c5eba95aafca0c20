// The op catalogue: every core op with a runner that applies the SWAR op to words and the
// reference to the same lanes, and compares them. Used by `samd table`, the fuzzers and tests to
// cover the whole op set without listing it again.
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "samd/accumulator.hpp"
#include "samd/layout.hpp"
#include "samd/ops/add.hpp"
#include "samd/ops/compare.hpp"
#include "samd/ops/convert.hpp"
#include "samd/ops/logic.hpp"
#include "samd/ops/minmax.hpp"
#include "samd/ops/mul.hpp"
#include "samd/ops/reduce.hpp"
#include "samd/ops/shift.hpp"
#include "samd/pack.hpp"
#include "samd/reference.hpp"

namespace samd::catalog {

// The inputs of one check: three canonical words, a small parameter (shift amount, target
// width, ...) and a raw word r. Ops use what they need. Where a contract allows more than
// canonical input, r supplies the rest: its guard and padding bits are set in select's mask,
// mul_scalar's k and broadcast's v, and make add_exact's operands whole f-bit fields. The
// convert_* ops read r's low byte as an edge of the target's range to put into x (r = 0: none).
struct Inputs {
  std::uint64_t x = 0, y = 0, z = 0;
  unsigned k = 0;
  std::uint64_t r = 0;
};

struct Result {
  bool ok = true;
  std::string detail; // on failure: lanes, expected, got
};

struct Op {
  std::string name;
  unsigned max_bits; // widest lane the op supports (32, or 16 for multiplication / widening)
  unsigned min_guard;
  std::function<Result(const Layout &, const Inputs &)> check;
};

namespace detail {
using Lanes = std::vector<std::int64_t>;

// Words are read with ref's shift-and-mask helpers, not samd's unpack / get_lane / masks: a bug
// there would otherwise change what the op computes and what the check sees alike.

// w with r's bits outside L's value bits added (a non-canonical word where the contract allows
// one).
inline std::uint64_t with_junk(const Layout &L, std::uint64_t w, std::uint64_t r) {
  return w | (r & ~ref::value_bits(L));
}

inline std::string show(const Lanes &v) {
  std::ostringstream o;
  o << '[';
  for (std::size_t i = 0; i < v.size(); ++i)
    o << (i ? " " : "") << v[i];
  o << ']';
  return o.str();
}

inline Result compare(const std::string &what, const Layout &L, const Inputs &in,
                      const Lanes &expected, const Lanes &got,
                      std::uint64_t out_word_guard_bits = 0) {
  if (expected == got && out_word_guard_bits == 0)
    return {};
  std::ostringstream o;
  o << what << " on " << to_string(L) << " k=" << in.k << "\n  x=" << show(ref::lanes_of(L, in.x))
    << "\n  y=" << show(ref::lanes_of(L, in.y)) << "\n  z=" << show(ref::lanes_of(L, in.z))
    << "\n  r=0x" << std::hex << in.r << std::dec << "\n  expected=" << show(expected)
    << "\n  got     =" << show(got);
  if (out_word_guard_bits != 0)
    o << "\n  result has guard/padding bits set: 0x" << std::hex << out_word_guard_bits;
  return {false, o.str()};
}

// A lane-wise op with one word result.
template <class Swar, class Spec>
Result lanewise(const std::string &name, const Layout &R, const Layout &L, const Inputs &in,
                Swar swar, Spec spec) {
  const std::uint64_t w = swar();
  const Lanes x = ref::lanes_of(L, in.x), y = ref::lanes_of(L, in.y), z = ref::lanes_of(L, in.z);
  Lanes expected(L.lanes());
  for (unsigned i = 0; i < L.lanes(); ++i)
    expected[i] = spec(x[i], y[i], z[i]);
  return compare(name, L, in, expected, ref::lanes_of(R, w), w & ~ref::value_bits(R));
}

// A result of several words in R (mul_widen, convert): ceil(expected lanes / R's lanes) canonical
// words whose lanes, the unused tail lanes of the last word included (expected 0), follow
// `expected` in sequence order.
inline Result words_result(const std::string &what, const Layout &R, const Layout &L,
                           const Inputs &in, Lanes expected,
                           const std::vector<std::uint64_t> &out) {
  const std::size_t words = (expected.size() + R.lanes() - 1) / R.lanes();
  if (out.size() != words)
    return {false, what + " on " + to_string(L) + ": " + std::to_string(out.size()) +
                       " words, expected " + std::to_string(words)};
  expected.resize(words * R.lanes(), 0);
  std::uint64_t junk = 0;
  for (std::uint64_t w : out)
    junk |= w & ~ref::value_bits(R);
  return compare(what, L, in, expected, ref::sequence_lanes(R, out, expected.size()), junk);
}

inline Layout convert_target(const Layout &L, unsigned k, bool flip_sign) {
  const unsigned bits = 1 + k % 32;
  const Signedness s =
      flip_sign ? (L.is_signed() ? Signedness::Unsigned : Signedness::Signed) : L.sign;
  return Layout{bits, (k / 32) % (65 - bits), s};
}
} // namespace detail

// All ops. Each entry checks one input against the reference.
inline const std::vector<Op> &ops() {
  using detail::Lanes;
  using detail::lanewise;
  static const std::vector<Op> all = [] {
    std::vector<Op> v;
    auto bin = [&v](std::string name, unsigned max_bits, auto swar, auto spec) {
      v.push_back({name, max_bits, 0, [name, swar, spec](const Layout &L, const Inputs &in) {
                     return lanewise(
                         name, L, L, in, [&] { return swar(L, in); },
                         [&](std::int64_t a, std::int64_t b, std::int64_t c) {
                           return spec(L, a, b, c, in.k);
                         });
                   }});
    };
    using I = std::int64_t;
    bin(
        "add_wrap", 32, [](const Layout &L, const Inputs &in) { return add_wrap(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::add_wrap(L, a, b); });
    bin(
        "sub_wrap", 32, [](const Layout &L, const Inputs &in) { return sub_wrap(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::sub_wrap(L, a, b); });
    bin(
        "neg_wrap", 32, [](const Layout &L, const Inputs &in) { return neg_wrap(L, in.x); },
        [](const Layout &L, I a, I, I, unsigned) { return ref::neg_wrap(L, a); });
    bin(
        "add_sat", 32, [](const Layout &L, const Inputs &in) { return add_sat(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::add_sat(L, a, b); });
    bin(
        "sub_sat", 32, [](const Layout &L, const Inputs &in) { return sub_sat(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::sub_sat(L, a, b); });
    bin(
        "add_carry.flags", 32,
        [](const Layout &L, const Inputs &in) { return add_carry(L, in.x, in.y).flags; },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::carry(L, a, b)); });
    bin(
        "add_overflow.flags", 32,
        [](const Layout &L, const Inputs &in) { return add_overflow(L, in.x, in.y).flags; },
        [](const Layout &L, I a, I b, I, unsigned) {
          return ref::mask(L, ref::add_overflows(L, a, b));
        });
    bin(
        "sub_borrow.flags", 32,
        [](const Layout &L, const Inputs &in) { return sub_borrow(L, in.x, in.y).flags; },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::borrow(L, a, b)); });
    bin(
        "sub_overflow.flags", 32,
        [](const Layout &L, const Inputs &in) { return sub_overflow(L, in.x, in.y).flags; },
        [](const Layout &L, I a, I b, I, unsigned) {
          return ref::mask(L, ref::sub_overflows(L, a, b));
        });
    bin(
        "mul_wrap", 16, [](const Layout &L, const Inputs &in) { return mul_wrap(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mul_wrap(L, a, b); });
    // The scalar is lane 0 of y.
    bin(
        "mul_scalar", 16,
        [](const Layout &L, const Inputs &in) { return mul_scalar(L, in.x, in.y); },
        [](const Layout &, I a, I, I, unsigned) { return a; } /* replaced below */);
    // k's bits above its low b are ignored: y's other lanes, and r's bits in the guards.
    v.back().check = [](const Layout &L, const Inputs &in) {
      const std::uint64_t kw = detail::with_junk(L, in.y, in.r);
      const I k = ref::lane_value(L, in.y, 0);
      return lanewise(
          "mul_scalar", L, L, in, [&] { return mul_scalar(L, in.x, kw); },
          [&](I a, I, I) { return ref::mul_scalar(L, a, k); });
    };
    bin(
        "shift_left", 32,
        [](const Layout &L, const Inputs &in) { return shift_left(L, in.x, in.k); },
        [](const Layout &L, I a, I, I, unsigned k) { return ref::shift_left(L, a, k); });
    bin(
        "shift_right_logical", 32,
        [](const Layout &L, const Inputs &in) { return shift_right_logical(L, in.x, in.k); },
        [](const Layout &L, I a, I, I, unsigned k) { return ref::shift_right_logical(L, a, k); });
    bin(
        "shift_right_arithmetic", 32,
        [](const Layout &L, const Inputs &in) { return shift_right_arithmetic(L, in.x, in.k); },
        [](const Layout &L, I a, I, I, unsigned k) {
          return ref::shift_right_arithmetic(L, a, k);
        });
    bin(
        "shift_right", 32,
        [](const Layout &L, const Inputs &in) { return shift_right(L, in.x, in.k); },
        [](const Layout &L, I a, I, I, unsigned k) { return ref::shift_right(L, a, k); });
    bin(
        "bit_and", 32, [](const Layout &L, const Inputs &in) { return bit_and(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::bit_and(L, a, b); });
    bin(
        "bit_or", 32, [](const Layout &L, const Inputs &in) { return bit_or(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::bit_or(L, a, b); });
    bin(
        "bit_xor", 32, [](const Layout &L, const Inputs &in) { return bit_xor(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::bit_xor(L, a, b); });
    bin(
        "bit_andnot", 32,
        [](const Layout &L, const Inputs &in) { return bit_andnot(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::bit_andnot(L, a, b); });
    bin(
        "bit_not", 32, [](const Layout &L, const Inputs &in) { return bit_not(L, in.x); },
        [](const Layout &L, I a, I, I, unsigned) { return ref::bit_not(L, a); });
    bin(
        "cmp_eq", 32, [](const Layout &L, const Inputs &in) { return cmp_eq(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::cmp_eq(a, b)); });
    bin(
        "cmp_ne", 32, [](const Layout &L, const Inputs &in) { return cmp_ne(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::cmp_ne(a, b)); });
    bin(
        "cmp_lt", 32, [](const Layout &L, const Inputs &in) { return cmp_lt(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::cmp_lt(a, b)); });
    bin(
        "cmp_le", 32, [](const Layout &L, const Inputs &in) { return cmp_le(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::cmp_le(a, b)); });
    bin(
        "cmp_gt", 32, [](const Layout &L, const Inputs &in) { return cmp_gt(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::cmp_gt(a, b)); });
    bin(
        "cmp_ge", 32, [](const Layout &L, const Inputs &in) { return cmp_ge(L, in.x, in.y); },
        [](const Layout &L, I a, I b, I, unsigned) { return ref::mask(L, ref::cmp_ge(a, b)); });
    bin(
        "select", 32,
        [](const Layout &L, const Inputs &in) {
          // m may be any word: z with r's bits in the guards and padding.
          return select(L, detail::with_junk(L, in.z, in.r), in.x, in.y);
        },
        [](const Layout &L, I a, I b, I c, unsigned) { return ref::select(L, c, a, b); });
    bin(
        "min", 32, [](const Layout &L, const Inputs &in) { return min_lanes(L, in.x, in.y); },
        [](const Layout &, I a, I b, I, unsigned) { return ref::min_lanes(a, b); });
    bin(
        "max", 32, [](const Layout &L, const Inputs &in) { return max_lanes(L, in.x, in.y); },
        [](const Layout &, I a, I b, I, unsigned) { return ref::max_lanes(a, b); });
    bin(
        "abs_sat", 32, [](const Layout &L, const Inputs &in) { return abs_sat(L, in.x); },
        [](const Layout &L, I a, I, I, unsigned) { return ref::abs_sat(L, a); });
    bin(
        "broadcast", 32, [](const Layout &L, const Inputs &in) { return broadcast(L, in.y); },
        [](const Layout &, I, I, I, unsigned) { return I{0}; } /* replaced below */);
    // v's bits above its low b are ignored: y's other lanes, and r's bits in the guards.
    v.back().check = [](const Layout &L, const Inputs &in) {
      const I k = ref::lane_value(L, in.y, 0);
      return lanewise(
          "broadcast", L, L, in, [&] { return broadcast(L, detail::with_junk(L, in.y, in.r)); },
          [&](I, I, I) { return k; });
    };
    // abs_lanes: the result is read as unsigned.
    v.push_back({"abs", 32, 0, [](const Layout &L, const Inputs &in) {
                   return lanewise(
                       "abs", L.as_unsigned(), L, in, [&] { return abs_lanes(L, in.x); },
                       [](I a, I, I) { return ref::abs_lanes(a); });
                 }});
    // add_exact takes whole f-bit fields with x_i + y_i < 2^f: x's lanes with r's guard bits, and
    // y's lanes with the guard bits of r rotated, reduced below 2^f - x_i (r = 0: canonical lanes).
    // Fields reach 2^64 - 1 (one lane, max guard), so they are summed as uint64; lanes show their
    // bits as int64.
    v.push_back({"add_exact", 32, 1, [](const Layout &L, const Inputs &in) {
                   const std::uint64_t fmax = ref::ones(L.field()),
                                       rot = (in.r << 32) | (in.r >> 32);
                   const std::uint64_t xw = detail::with_junk(L, in.x, in.r),
                                       yw = detail::with_junk(L, in.y, rot);
                   std::vector<std::uint64_t> xf, yf;
                   std::uint64_t xs = 0, ys = 0;
                   for (unsigned i = 0; i < L.lanes(); ++i) {
                     xf.push_back((xw >> (i * L.field())) & fmax);
                     const std::uint64_t room = fmax - xf.back(),
                                         yi = (yw >> (i * L.field())) & fmax;
                     yf.push_back(yi <= room ? yi : yi % (room + 1));
                     xs |= xf.back() << (i * L.field());
                     ys |= yf.back() << (i * L.field());
                   }
                   const std::uint64_t s = add_exact(L, xs, ys), c = carry_flags(L, s);
                   Lanes exp, got;
                   for (unsigned i = 0; i < L.lanes(); ++i) {
                     const std::uint64_t sum = xf[i] + yf[i];
                     exp.push_back(static_cast<I>(sum));
                     got.push_back(static_cast<I>((s >> (i * L.field())) & fmax));
                     exp.push_back(ref::mask(L, sum > ref::ones(L.bits)));
                     got.push_back(ref::lane_value(L, c, i));
                   }
                   const Lanes fx(xf.begin(), xf.end()), fy(yf.begin(), yf.end());
                   return detail::compare("add_exact of fields " + detail::show(fx) + " + " +
                                              detail::show(fy) + " (sum, carry flag per lane)",
                                          L, in, exp, got, c & ~ref::value_bits(L));
                 }});
    v.push_back({"hsum", 32, 0, [](const Layout &L, const Inputs &in) {
                   return detail::compare("hsum", L, in, {ref::hsum(ref::lanes_of(L, in.x))},
                                          {static_cast<I>(hsum(L, in.x))});
                 }});
    v.push_back({"dot", 16, 0, [](const Layout &L, const Inputs &in) {
                   return detail::compare(
                       "dot", L, in, {ref::dot(ref::lanes_of(L, in.x), ref::lanes_of(L, in.y))},
                       {static_cast<I>(dot(L, in.x, in.y))});
                 }});
    v.push_back({"mul_widen", 16, 0, [](const Layout &L, const Inputs &in) {
                   const Layout W = widening_layout(L, in.k % (65 - 2 * L.bits));
                   const std::vector<std::uint64_t> p = mul_widen(L, W, in.x, in.y);
                   const Lanes x = ref::lanes_of(L, in.x), y = ref::lanes_of(L, in.y);
                   Lanes exp;
                   for (unsigned i = 0; i < L.lanes(); ++i)
                     exp.push_back(ref::mul_widen(x[i], y[i]));
                   return detail::words_result("mul_widen to " + to_string(W), W, L, in, exp, p);
                 }});
    for (int policy = 0; policy < 3; ++policy) {
      const char *pname[] = {"error", "wrap", "saturate"};
      v.push_back({std::string("convert_") + pname[policy], 32, 0,
                   [policy, pname](const Layout &L, const Inputs &in) {
                     const Layout T = detail::convert_target(L, in.k, (in.k / 7) % 3 == 0);
                     // x's lanes sit at L's edges, and meet T's only by chance: r's low byte, if
                     // nonzero, puts one of T's (ref::range_edge) into a lane, where L holds it.
                     Inputs used = in;
                     const std::int64_t e = ref::range_edge(T, in.r & 3u);
                     const unsigned at = static_cast<unsigned>((in.r >> 2) & 0x3fu) % L.lanes();
                     if ((in.r & 0xffu) != 0 && ref::in_range(L, e))
                       used.x = (in.x & ~(ref::ones(L.bits) << (at * L.field()))) |
                                (ref::pattern(L, e) << (at * L.field()));
                     const Lanes x = ref::lanes_of(L, used.x);
                     const auto rp = static_cast<ref::Policy>(policy);
                     bool refuses = false;
                     Lanes exp;
                     for (I a : x) {
                       const auto r = ref::convert(T, a, rp);
                       if (!r)
                         refuses = true;
                       exp.push_back(r.value_or(0));
                     }
                     const std::string what =
                         std::string("convert_") + pname[policy] + " to " + to_string(T);
                     std::vector<std::uint64_t> out;
                     try {
                       out = convert_checked(L, T, {used.x}, static_cast<Overflow>(policy));
                     } catch (const std::out_of_range &) {
                       if (refuses)
                         return Result{};
                       return Result{false, what + ": refused a word whose lanes are all in range"};
                     }
                     if (refuses)
                       return Result{false, what + ": accepted an out-of-range lane"};
                     return detail::words_result(what, T, L, used, exp, out);
                   }});
    }
    v.push_back(
        {"dot_accumulator", 16, 0, [](const Layout &L, const Inputs &in) {
           // Accumulate (x, y), (y, z), (z, x) with a guard chosen by k; compare per-lane sums.
           const unsigned g = in.k % (65 - 2 * L.bits);
           DotAccumulator acc(L, g);
           const Lanes x = ref::lanes_of(L, in.x), y = ref::lanes_of(L, in.y),
                       z = ref::lanes_of(L, in.z);
           Lanes exp(L.lanes(), 0);
           const std::uint64_t pairs[3][2] = {{in.x, in.y}, {in.y, in.z}, {in.z, in.x}};
           const Lanes *lp[3][2] = {{&x, &y}, {&y, &z}, {&z, &x}};
           for (int p = 0; p < 3; ++p) {
             if (acc.headroom() == 0) {
               bool threw = false;
               try {
                 acc.add(pairs[p][0], pairs[p][1]);
               } catch (const std::overflow_error &) {
                 threw = true;
               }
               if (!threw)
                 return Result{false, "dot_accumulator: accepted a product beyond its capacity"};
               break;
             }
             acc.add(pairs[p][0], pairs[p][1]);
             for (unsigned i = 0; i < L.lanes(); ++i)
               exp[i] += (*lp[p][0])[i] * (*lp[p][1])[i];
           }
           return detail::compare("dot_accumulator g=" + std::to_string(g), L, in, exp,
                                  acc.lanes());
         }});
    return v;
  }();
  return all;
}

} // namespace samd::catalog
