// Obligations for the kernels' accumulation schedules (issues 5 and 6): the Swar GEMM step and
// its capacity (kernels/swar_schedule.hpp, instantiated with Z3 terms: the code that runs), and
// the int8/int16/int32 lane bounds of the SIMD paths (kernels/fast_bounds.hpp: the constants the
// kernels flush by), and the int32 lanes of the direct few-tap conv (kernels/conv_bounds.hpp).
//
// An accumulation bound is an induction over the terms added to one lane: starting from 0, every
// term lies in [lo, hi]; a step from any partial sum of at most n - 1 terms is exact in the lane's
// width (no wrap, no saturation); n terms stay inside the lane's range. lo, hi and the lane range
// are computed here, independently of the kernel's own constexpr helpers, and Z3 checks each claim.
#include "checks.hpp"
#include "families.hpp"
#include "samd/kernels/conv_bounds.hpp"
#include "samd/kernels/fast_bounds.hpp"
#include "samd/kernels/swar_schedule.hpp"

namespace samd::proofs {
namespace {

using u128 = unsigned __int128;
constexpr unsigned kWide = 130; // wide enough for any product of the constants involved

z3::expr wide(z3::context &c, u128 v) {
  const z3::expr hi = c.bv_val(static_cast<std::uint64_t>(v >> 64), 64);
  const z3::expr lo = c.bv_val(static_cast<std::uint64_t>(v), 64);
  return z3::zext(z3::concat(hi, lo), kWide - 128);
}
u128 ones(unsigned bits) { return (u128{1} << bits) - 1; }

// Strings built with append: GCC 12 warns (-Wrestrict, bogus) on some inlined `"lit" +
// std::string`.
std::string cat(std::initializer_list<std::string> parts) {
  std::string s;
  for (const std::string &p : parts)
    s.append(p);
  return s;
}
std::string pair_name(unsigned wb, unsigned ab) {
  return cat({"W", std::to_string(wb), "A", std::to_string(ab)});
}

// The guards a gemm_step obligation is proven at: {1, 2, the default 5, the largest accepted}.
std::vector<unsigned> gemm_guards(unsigned ab, unsigned wb) {
  const unsigned top = std::min(32u, kWord - ab - wb);
  std::vector<unsigned> gs;
  for (unsigned g : {1u, 2u, 5u, top})
    if (g >= 1 && g <= top && std::find(gs.begin(), gs.end(), g) == gs.end())
      gs.push_back(g);
  return gs;
}

} // namespace

// gemm_step: fields of f = ab + wb + guard bits, each v_i <= (capacity - 1) * M with
// M = (2^ab - 1)(2^wb - 1), padding 0; u canonical (wb-bit lanes); a any ab-bit value.
// Post: field i = v_i + a * u_i exactly, padding still 0.
void check_gemm_step(Query &q, unsigned ab, unsigned wb, unsigned guard, const GemmStep &op,
                     const GemmCapacity &capacity) {
  const Layout L{wb, ab + guard, Signedness::Unsigned};
  const Geometry g = geometry(L);
  const unsigned F = g.field();
  const u128 M = ones(ab) * ones(wb);
  const std::uint64_t cap = capacity(ab, wb, guard);
  const u128 bound = cap == 0 ? 0 : std::min<u128>((u128{cap} - 1) * M, ones(F));
  constexpr unsigned kField = 72; // a field (<= 64 bits) plus a 16-bit product, exactly
  const LaneWord acc = field_word(q.ctx, L, "v", false), u = canonical_word(q.ctx, L, "u");
  const z3::expr a = q.ctx.bv_const("a", ab);
  for (const z3::expr &v : acc.lanes)
    q.require(z3::ule(z3::zext(v, kField - F), wide(q.ctx, bound).extract(kField - 1, 0)));
  const z3::expr a_word = z3::zext(a, kWord - ab);
  const z3::expr r = op(acc.word, u.word, a_word);
  // Three steps, so SAT never has to bound a multiplier's output inside an adder:
  //  1. cut: the word product u * a is the word whose field i is p_i = u_i * a (a schoolbook
  //     product over the bits of a, like the primitive mul; the fields cannot carry into each
  //     other, which the circuit shows structurally);
  //  2. every p_i <= M;
  //  3. for any t_i <= M, field i of acc + (the word of fields t_i) is v_i + t_i exactly.
  // Together: field i of gemm_step = v_i + p_i.
  std::vector<z3::expr> p, t, fields_p, fields_t;
  z3::expr t_ok = q.ctx.bool_val(true), p_ok = q.ctx.bool_val(true);
  const z3::expr m16 = q.ctx.bv_val(static_cast<std::uint64_t>(M), 16);
  for (unsigned i = 0; i < g.lanes(); ++i) {
    p.push_back(spec::product(z3::zext(u.lanes[i], 16 - wb), z3::zext(a, 16 - ab), false, 16));
    t.push_back(q.ctx.bv_const(cat({"t_", std::to_string(i)}).c_str(), 16));
    p_ok = p_ok && z3::ule(p.back(), m16);
    t_ok = t_ok && z3::ule(t.back(), m16);
    fields_p.push_back(F >= 16 ? z3::zext(p.back(), F - 16) : p.back().extract(F - 1, 0));
    fields_t.push_back(F >= 16 ? z3::zext(t.back(), F - 16) : t.back().extract(F - 1, 0));
  }
  const Layout whole{F, 0, Signedness::Unsigned}; // fields as lanes without guard
  q.cut("product word u * a", mul(u.word, a_word), lanes_word(q.ctx, whole, fields_p));
  q.goal("every product <= M", p_ok);
  z3::expr_vector from(q.ctx), to(q.ctx);
  for (unsigned i = 0; i < g.lanes(); ++i) {
    from.push_back(p[i]);
    to.push_back(t[i]);
  }
  const z3::expr r_t = q.through_cuts(r).substitute(from, to);
  std::vector<z3::expr> expected, got;
  for (unsigned i = 0; i < g.lanes(); ++i) {
    expected.push_back(z3::zext(acc.lanes[i], kField - F) + z3::zext(p[i], kField - 16));
    got.push_back(field_of(r, L, i));
    const z3::expr sum_t = z3::zext(acc.lanes[i], kField - F) + z3::zext(t[i], kField - 16);
    q.goal_given(cat({"field ", std::to_string(i)}),
                 z3::zext(field_of(r_t, L, i), kField - F) == sum_t, t_ok);
  }
  q.goal_given("padding bits 0", padding_zero(r_t, L), t_ok);
  q.column("v_i", acc.lanes, false);
  input_column(q, "u", u, false);
  q.column("a", std::vector<z3::expr>(g.lanes(), a), false);
  q.column("expected", expected, false);
  q.column("got", got, false);
  q.replay = [=](const Values &v) {
    std::string s = "{ " + replay_prelude(v, {}, {{"ACC", acc.word}, {"U", u.word}}) +
                    "const std::uint64_t r = samd::kernels::gemm_step(ACC, U, std::uint64_t{" +
                    v.hex(a) + "}); ";
    for (unsigned i = 0; i < g.lanes(); ++i)
      s += "CHECK(((r >> " + std::to_string(g.lane_lo(i)) + ") & ((std::uint64_t{1} << " +
           std::to_string(F) + ") - 1)) == " + std::to_string(v.word(expected[i])) + "u); ";
    return s + "}";
  };
}

// gemm_capacity, for every guard the kernel accepts (1..32 while the field fits the word): the
// capacity's products fit the field, one more would not (tight), and one step can add M (a = 2^ab -
// 1, u = 2^wb - 1 attain it).
void check_gemm_capacity(Query &q, unsigned ab, unsigned wb, const GemmCapacity &capacity) {
  const u128 M = ones(ab) * ones(wb);
  for (unsigned guard = 1; guard <= 32 && ab + wb + guard <= kWord; ++guard) {
    const unsigned F = ab + wb + guard;
    const z3::expr cap = wide(q.ctx, capacity(ab, wb, guard)), m = wide(q.ctx, M),
                   top = wide(q.ctx, ones(F));
    const std::string at = cat({" (guard ", std::to_string(guard), ")"});
    q.goal(cat({"capacity * M <= 2^F - 1", at}), z3::ule(cap * m, top));
    q.goal(cat({"(capacity + 1) * M > 2^F - 1", at}), z3::ugt((cap + wide(q.ctx, 1)) * m, top));
  }
  const z3::expr a = q.ctx.bv_val(static_cast<std::uint64_t>(ones(ab)), 16),
                 u = q.ctx.bv_val(static_cast<std::uint64_t>(ones(wb)), 16);
  q.goal("a step can add M",
         z3::zext(spec::product(a, u, false, 16), kWide - 16) == wide(q.ctx, M));
}

// An accumulation of n terms into a lane of `lane_bits` <= 64 bits (two's complement when
// lane_signed), each term `term` (a function of the free inputs, which satisfy `inputs_ok`) in
// [lo, hi]:
//   range   every term lies in [lo, hi];
//   step    from any partial sum s in [(n-1) lo, (n-1) hi], s + term in the lane equals the exact
//   sum; bound   n lo and n hi lie in the lane's range.
// Terms and sums are exact kCalc-bit values: |term| < 2^20 and n < 2^34 here, far inside 2^79.
namespace {
constexpr unsigned kCalc = 80;

z3::expr calc(z3::context &c, std::int64_t v) { return spec::constant(c, v, kCalc); }

struct Accumulation {
  unsigned lane_bits;
  bool lane_signed;
  std::int64_t n;
  std::int64_t lo, hi;
  z3::expr term;      // kCalc bits, exact
  z3::expr inputs_ok; // the inputs' ranges
};

void check_accumulation(Query &q, const Accumulation &acc) {
  z3::context &c = q.ctx;
  const unsigned w = acc.lane_bits;
  const z3::expr lo = calc(c, acc.lo), hi = calc(c, acc.hi);
  const z3::expr one = calc(c, 1);
  const z3::expr top_bit = z3::shl(one, calc(c, acc.lane_signed ? w - 1 : w)); // 2^(w-1) or 2^w
  const z3::expr lane_min = acc.lane_signed ? -top_bit : calc(c, 0);
  const z3::expr lane_max = top_bit - one;
  const z3::expr n1 = calc(c, acc.n - 1), n = calc(c, acc.n);
  q.require(acc.inputs_ok);
  const z3::expr term_ok = z3::sle(lo, acc.term) && z3::sle(acc.term, hi);
  q.goal("term in [lo, hi]", term_ok);
  // The partial sum: a free lane value constrained to the induction hypothesis.
  const z3::expr s = c.bv_const("s", w);
  const z3::expr s_exact = acc.lane_signed ? z3::sext(s, kCalc - w) : z3::zext(s, kCalc - w);
  q.column("partial sum", {s}, acc.lane_signed);
  const z3::expr hyp = z3::sle(n1 * lo, s_exact) && z3::sle(s_exact, n1 * hi);
  const z3::expr lane_sum = s + acc.term.extract(w - 1, 0); // the lane's own (wrapping) add
  const z3::expr lane_sum_exact =
      acc.lane_signed ? z3::sext(lane_sum, kCalc - w) : z3::zext(lane_sum, kCalc - w);
  q.goal_given("step is exact in the lane", lane_sum_exact == s_exact + acc.term, hyp && term_ok);
  // Multiplied in 128 bits, so a huge n (a broken constant) cannot wrap its way into range.
  const auto x128 = [](const z3::expr &e) { return z3::sext(e, 64); };
  q.goal("n * lo and n * hi fit the lane", z3::sle(x128(lane_min), x128(n) * x128(lo)) &&
                                               z3::sle(x128(n) * x128(hi), x128(lane_max)));
  q.column("term", {acc.term}, true);
}

// ua in [0, 2^ab - 1]; v in [-128, 127] for 8-bit weights, else [0, 2^wb - 1] (offset weights).
struct Dot8Operands {
  z3::expr ua, v, ok;
  std::int64_t v_min, v_max;
};
Dot8Operands dot8_operands(z3::context &c, unsigned ab, unsigned wb, const std::string &suffix) {
  const z3::expr ua = c.bv_const(cat({"ua", suffix}).c_str(), 8),
                 v = c.bv_const(cat({"v", suffix}).c_str(), 8);
  const std::int64_t v_min = wb >= 8 ? -128 : 0,
                     v_max = wb >= 8 ? 127 : (std::int64_t{1} << wb) - 1;
  const z3::expr uaw = z3::zext(ua, kCalc - 8), vw = z3::sext(v, kCalc - 8);
  const z3::expr ok = z3::ule(uaw, calc(c, (std::int64_t{1} << ab) - 1)) &&
                      z3::sle(calc(c, v_min), vw) && z3::sle(vw, calc(c, v_max));
  return {ua, v, ok, v_min, v_max};
}
// ua * v exactly: |ua * v| <= 255 * 128 < 2^16, so the schoolbook product in 17 bits is exact.
z3::expr dot8_product(const Dot8Operands &o) {
  return z3::sext(spec::product(z3::zext(o.ua, 1), o.v, true, 17), kCalc - 17);
}

} // namespace

// Dot8 (AVX-512 / AVX2): int32 lanes receive kDot8ProductsPerSlot products per slot for
// kDot8FlushSlots slots, then flush.
void check_dot8_int32(Query &q, unsigned ab, unsigned wb, std::int64_t flush_slots,
                      std::int64_t per_slot) {
  const Dot8Operands o = dot8_operands(q.ctx, ab, wb, "");
  const std::int64_t ua_max = (std::int64_t{1} << ab) - 1;
  check_accumulation(q,
                     {32, true, flush_slots * per_slot, ua_max * std::min<std::int64_t>(0, o.v_min),
                      ua_max * o.v_max, dot8_product(o), o.ok});
}

// AVX2 vpmaddubsw: int16 lane = saturate16(ua0 * v0 + ua1 * v1). Where the kernel uses it
// (maddubs_exact), no input saturates; where it does not, the extreme inputs do.
void check_maddubs(Query &q, unsigned ab, unsigned wb, const MaddubsExact &exact) {
  z3::context &c = q.ctx;
  const Dot8Operands o0 = dot8_operands(c, ab, wb, "0");
  const auto pair = [&](const z3::expr &p0, const z3::expr &p1) {
    const z3::expr sum = p0 + p1;
    const z3::expr sat = z3::ite(z3::slt(sum, calc(c, -32768)), calc(c, -32768),
                                 z3::ite(z3::sgt(sum, calc(c, 32767)), calc(c, 32767), sum));
    return std::make_pair(sum, z3::sext(sat.extract(15, 0), kCalc - 16));
  };
  if (exact(ab, wb)) {
    // Two steps, so Z3 never multiplies inside the saturation: every product lies in [lo, hi];
    // any two values in [lo, hi] add without saturating.
    const std::int64_t ua_max = (std::int64_t{1} << ab) - 1;
    const z3::expr lo = calc(c, ua_max * std::min<std::int64_t>(0, o0.v_min)),
                   hi = calc(c, ua_max * o0.v_max);
    const z3::expr p = dot8_product(o0);
    q.goal_given("product in [lo, hi]", z3::sle(lo, p) && z3::sle(p, hi), o0.ok);
    const z3::expr t0 = c.bv_const("t0", 17), t1 = c.bv_const("t1", 17);
    const z3::expr e0 = z3::sext(t0, kCalc - 17), e1 = z3::sext(t1, kCalc - 17);
    const auto [sum, lane] = pair(e0, e1);
    q.goal_given("no pair of products saturates", lane == sum,
                 z3::sle(lo, e0) && z3::sle(e0, hi) && z3::sle(lo, e1) && z3::sle(e1, hi));
    q.column("ua", {o0.ua}, false);
    q.column("v", {o0.v}, true);
    q.column("t", {t0, t1}, true);
  } else {
    const std::int64_t ua = (std::int64_t{1} << ab) - 1,
                       v = wb >= 8 ? -128 : (std::int64_t{1} << wb) - 1;
    const z3::expr p = calc(c, ua * v);
    const auto [sum, lane] = pair(p, p);
    q.goal("the extreme pair saturates (so the kernel must not use maddubs)", lane != sum);
  }
}

// Dot8, AVX-512 broadcast schedule: one int32 lane per output gets kDot8BcastProductsPerGroup
// products per group of 4 k, for kDot8BcastFlushGroups groups, then flushes.
// (check_dot8_int32 with the schedule's constants.)

// Direct conv for few taps (conv_small.cpp): an int32 lane per output adds one vpdpbusd step (4
// products ua * v, ua in [0, 255] activation offsets, v in [-128, 127] weight bytes, whatever the
// widths) per slot, for at most kSmallConvMaxSteps slots (the kernel refuses more).
void check_small_conv_int32(Query &q, std::int64_t max_steps) {
  z3::context &c = q.ctx;
  z3::expr term = calc(c, 0), ok = c.bool_val(true);
  for (unsigned i = 0; i < 4; ++i) {
    const Dot8Operands o = dot8_operands(c, 8, 8, std::to_string(i));
    term = term + dot8_product(o);
    ok = ok && o.ok;
  }
  check_accumulation(q, {32, true, max_steps, 4 * 255 * -128, 4 * 255 * 127, term, ok});
}

// AVX-512 bit-serial: an int64 lane per output and shift adds popcounts (0..64 each),
// kBitserialPairsPerShift per 64 k, for K up to 2^31 - 1; then the lanes of shifts 0..14 are
// added shifted (lane << s): that sum must fit int64 too.
void check_bitserial_int64(Query &q, std::int64_t pairs_per_shift) {
  z3::context &c = q.ctx;
  const std::int64_t k_max = 2147483647, words = (k_max + 63) / 64, n = words * pairs_per_shift;
  const z3::expr cnt = c.bv_const("popcount", 8);
  const z3::expr t = z3::zext(cnt, kCalc - 8);
  check_accumulation(q, {64, true, n, 0, 64, t, z3::ule(t, calc(c, 64))});
  z3::expr shifted = calc(c, 0);
  for (unsigned sh = 0; sh <= 14; ++sh)
    shifted = shifted + z3::shl(calc(c, n * 64), calc(c, sh));
  q.goal("the shifted sum over shifts 0..14 fits int64", z3::sle(shifted, calc(c, INT64_MAX)));
}

// AVX2 fused Dot8: an int16 lane adds one vpmaddubsw pair sum (two products, weights below 8
// bits) per step for maddubs_i16_steps(ab, wb) steps; 0 steps: the pair does not use it.
void check_maddubs_i16(Query &q, unsigned ab, unsigned wb, const MaddubsSteps &steps) {
  z3::context &c = q.ctx;
  const std::int64_t n = steps(ab, wb);
  if (n == 0) {
    // Not used: so it must be a pair where one vpmaddubsw could saturate, or 8-bit weights.
    const std::int64_t ua = (std::int64_t{1} << ab) - 1, v = (std::int64_t{1} << wb) - 1;
    q.goal("unused only where a pair could saturate or weights are 8-bit",
           c.bool_val(wb >= 8) || z3::sgt(calc(c, 2 * ua * v), calc(c, 32767)));
    return;
  }
  const Dot8Operands o0 = dot8_operands(c, ab, wb, "0"), o1 = dot8_operands(c, ab, wb, "1");
  const std::int64_t hi = 2 * ((std::int64_t{1} << ab) - 1) * o0.v_max;
  check_accumulation(q, {16, true, n, 0, hi, dot8_product(o0) + dot8_product(o1), o0.ok && o1.ok});
}

// NEON bit-serial counts: stage 1 adds vcnt counts (each 0..8) into u8 lanes for
// kNeonCntU8Vectors vectors; stage 2 folds pairs of stage-1 lanes into u16 lanes, every
// kNeonCntU8Vectors vectors, for kNeonCntU16Vectors vectors.
// (The AVX2 nibble-lookup counts are the same u8 schedule with kAvx2CntU8Words words.)
void check_neon_cnt_u8(Query &q, std::int64_t vectors) {
  const z3::expr cnt = q.ctx.bv_const("cnt", 8);
  const z3::expr t = z3::zext(cnt, kCalc - 8);
  check_accumulation(q, {8, false, vectors, 0, 8, t, z3::ule(t, calc(q.ctx, 8))});
}
void check_neon_cnt_u16(Query &q, std::int64_t u8_vectors, std::int64_t u16_vectors) {
  const std::int64_t lane_max = u8_vectors * 8; // stage 1's bound, proven by neon_cnt_u8
  const z3::expr d0 = q.ctx.bv_const("d0", 8), d1 = q.ctx.bv_const("d1", 8);
  const z3::expr t0 = z3::zext(d0, kCalc - 8), t1 = z3::zext(d1, kCalc - 8);
  const z3::expr m = calc(q.ctx, lane_max);
  check_accumulation(q, {16, false, u16_vectors / u8_vectors, 0, 2 * lane_max, t0 + t1,
                         z3::ule(t0, m) && z3::ule(t1, m)});
}

// NEON Dot8: products formed exactly (vmull_u8 for weights below 8 bits: one product per u16
// lane), then added to int32 lanes, kNeonDot8ProductsPerSlot per slot for kNeonDot8FlushSlots.
void check_neon_dot8(Query &q, unsigned ab, unsigned wb, std::int64_t flush_slots,
                     std::int64_t per_slot) {
  const Dot8Operands o = dot8_operands(q.ctx, ab, wb, "");
  if (wb < 8) {
    const z3::expr p16 = z3::zext(o.ua, 8) * z3::zext(o.v, 8); // vmull_u8: u8 x u8 -> u16
    q.goal_given("vmull_u8 product is exact in u16", z3::zext(p16, kCalc - 16) == dot8_product(o),
                 o.ok);
  }
  const std::int64_t ua_max = (std::int64_t{1} << ab) - 1;
  check_accumulation(q,
                     {32, true, flush_slots * per_slot, ua_max * std::min<std::int64_t>(0, o.v_min),
                      ua_max * o.v_max, dot8_product(o), o.ok});
}

void register_kernels(std::vector<Obligation> &out) {
  Family f(out, "kernels");
  const GemmStep step = [](const W &acc, const W &u, const W &a) {
    return kernels::gemm_step(acc, u, a);
  };
  const GemmCapacity capacity = [](unsigned ab, unsigned wb, unsigned g) {
    return kernels::gemm_capacity(ab, wb, g);
  };
  for (unsigned wb = 1; wb <= 8; ++wb)
    for (unsigned ab = 1; ab <= 8; ++ab) {
      const std::string p = pair_name(wb, ab);
      const Layout Lw{wb, 0, wb >= 8 ? Signedness::Signed : Signedness::Unsigned};
      for (unsigned g : gemm_guards(ab, wb))
        f.add("gemm_step", kernels::gemm_weight_layout(ab, wb, g),
              cat({p, " guard=", std::to_string(g)}),
              [=](Query &q) { check_gemm_step(q, ab, wb, g, step, capacity); });
      f.add("gemm_capacity", Layout{wb, 0, Signedness::Unsigned}, cat({p, " guard=1..32"}),
            [=](Query &q) { check_gemm_capacity(q, ab, wb, capacity); });
      f.add("dot8_int32", Lw, p, [=](Query &q) {
        check_dot8_int32(q, ab, wb, kernels::kDot8FlushSlots, kernels::kDot8ProductsPerSlot);
      });
      f.add("maddubs_int16", Lw, p, [=](Query &q) {
        check_maddubs(q, ab, wb,
                      [](unsigned a, unsigned w) { return kernels::maddubs_exact(a, w); });
      });
      f.add("dot8_bcast_int32", Lw, p, [=](Query &q) {
        check_dot8_int32(q, ab, wb, kernels::kDot8BcastFlushGroups,
                         kernels::kDot8BcastProductsPerGroup);
      });
      f.add("maddubs_i16_steps", Lw, p, [=](Query &q) {
        check_maddubs_i16(q, ab, wb,
                          [](unsigned a, unsigned w) { return kernels::maddubs_i16_steps(a, w); });
      });
      f.add("neon_dot8_int32", Lw, p, [=](Query &q) {
        check_neon_dot8(q, ab, wb, kernels::kNeonDot8FlushSlots, kernels::kNeonDot8ProductsPerSlot);
      });
    }
  f.add("small_conv_int32", Layout{8, 0, Signedness::Signed}, "any width pair",
        [](Query &q) { check_small_conv_int32(q, kernels::kSmallConvMaxSteps); });
  const Layout bit{1, 0, Signedness::Unsigned};
  f.add("bitserial_int64", bit, "any width pair, K <= 2^31 - 1",
        [](Query &q) { check_bitserial_int64(q, kernels::kBitserialPairsPerShift); });
  f.add("avx2_cnt_u8", bit, "W1A1 bit planes",
        [](Query &q) { check_neon_cnt_u8(q, kernels::kAvx2CntU8Words); });
  f.add("neon_cnt_u8", bit, "W1A1 bit planes",
        [](Query &q) { check_neon_cnt_u8(q, kernels::kNeonCntU8Vectors); });
  f.add("neon_cnt_u16", bit, "W1A1 bit planes", [](Query &q) {
    check_neon_cnt_u16(q, kernels::kNeonCntU8Vectors, kernels::kNeonCntU16Vectors);
  });
}

} // namespace samd::proofs
