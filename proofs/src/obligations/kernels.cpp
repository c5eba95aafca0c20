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

#include <stdexcept>

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

// The guards a gemm_step obligation is proven at: every one the kernel accepts, 1..32 (fewer
// where ab + wb + guard would pass 64).
std::vector<unsigned> gemm_guards(unsigned ab, unsigned wb) {
  const unsigned top = std::min(32u, kWord - ab - wb);
  std::vector<unsigned> gs;
  for (unsigned g = 1; g <= top; ++g)
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
  // The step's hypothesis, that a sum of at most n - 1 terms lies in [(n-1) lo, (n-1) hi], holds
  // for every shorter sum only when lo <= 0 <= hi.
  if (acc.lo > 0 || acc.hi < 0)
    throw std::logic_error("check_accumulation: the term range [" + std::to_string(acc.lo) + ", " +
                           std::to_string(acc.hi) + "] does not contain 0");
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

// Dot8: int32 lanes receive per_slot products per step for flush_slots steps, then flush.
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

// Dot8, the broadcast schedule (AVX-512 GEMM / GEMV, AVX2 panel kernel): one int32 lane per output
// gets kDot8BcastProductsPerGroup products per group of 4 k, for kDot8BcastFlushGroups groups,
// then flushes.
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

// LUT tables (fast_bounds.hpp): index a holds g activation offsets of ab bits, the weight index g
// weights of wb bits (16-entry tables: g = 4 / wb; LUT64: g = 3, wb = 2). The builder's entry,
// summed in 8 bits as the kernels' byte tables are, is the exact sum of the g products (computed
// here from the fields), at most max_entry.
void check_lut_entry(Query &q, unsigned g, unsigned ab, unsigned wb, const LutEntry &entry,
                     std::int64_t max_entry) {
  z3::context &c = q.ctx;
  const z3::expr a = c.bv_const("a", 8), w = c.bv_const("w", 8);
  q.require(z3::ule(a, c.bv_val((1u << (g * ab)) - 1, 8)) &&
            z3::ule(w, c.bv_val((1u << (g * wb)) - 1, 8)));
  const z3::expr e8 = entry(ab, wb, a, w);
  z3::expr exact = calc(c, 0);
  for (unsigned t = 0; t < g; ++t)
    exact = exact + z3::zext(a.extract(t * ab + ab - 1, t * ab), kCalc - ab) *
                        z3::zext(w.extract(t * wb + wb - 1, t * wb), kCalc - wb);
  q.goal("the byte entry is the exact sum of the g products", z3::zext(e8, kCalc - 8) == exact);
  q.goal("entry <= max entry", z3::ule(exact, calc(c, max_entry)));
  q.column("a, w", {a, w}, false);
  q.column("entry", {e8}, false);
}
// A u8 lane adds `steps` entries of at most max_entry (then is widened).
void check_lut_u8(Query &q, std::int64_t steps, std::int64_t max_entry) {
  const z3::expr e = q.ctx.bv_const("entry", 8);
  const z3::expr t = z3::zext(e, kCalc - 8);
  check_accumulation(q, {8, false, steps, 0, max_entry, t, z3::ule(t, calc(q.ctx, max_entry))});
}
// Paired rows (fast_bounds.hpp lut_fields_entry): both byte lanes of a 16-bit word add `steps`
// paired entries e + 16 e' (e, e' <= max_entry, built by lut_fields_entry as the table builder
// does), wrapping in 8 bits as vpaddb does; then the split of the word as the kernel does it,
// (x & 0x0F0F) and ((x >> 4) & 0x0F0F) (vpsrlw shifts 16-bit words, so the high byte's low bits
// land in the low byte's field), gives each lane's exact sums of its e and of its e'.
// high_mask: the mask after the shift (0x0F0F; a mutant leaves the neighbouring byte's bits in).
void check_lut_fields(Query &q, std::int64_t steps, std::int64_t max_entry,
                      std::uint64_t high_mask) {
  z3::context &c = q.ctx;
  const z3::expr max = c.bv_val(static_cast<std::uint64_t>(max_entry), 8);
  z3::expr lane[2] = {c.bv_val(0, 8), c.bv_val(0, 8)};
  z3::expr lo_exact[2] = {calc(c, 0), calc(c, 0)}, hi_exact[2] = {calc(c, 0), calc(c, 0)};
  std::vector<z3::expr> entries;
  for (int l = 0; l < 2; ++l)
    for (std::int64_t i = 0; i < steps; ++i) {
      const std::string at = std::to_string(l) + "_" + std::to_string(i);
      const z3::expr e = c.bv_const(("e" + at).c_str(), 8),
                     e_hi = c.bv_const(("f" + at).c_str(), 8);
      q.require(z3::ule(e, max) && z3::ule(e_hi, max));
      lane[l] = lane[l] + kernels::lut_fields_entry(e, e_hi);
      lo_exact[l] = lo_exact[l] + z3::zext(e, kCalc - 8);
      hi_exact[l] = hi_exact[l] + z3::zext(e_hi, kCalc - 8);
      entries.push_back(e);
      entries.push_back(e_hi);
    }
  const z3::expr word = z3::concat(lane[1], lane[0]);
  const z3::expr lo = word & c.bv_val(0x0F0F, 16), hi = z3::lshr(word, 4) & c.bv_val(high_mask, 16);
  for (int l = 0; l < 2; ++l) {
    const unsigned b = 8u * static_cast<unsigned>(l);
    q.goal("the low field of byte " + std::to_string(l) + " is the exact sum of its rows' e",
           z3::zext(lo.extract(b + 7, b), kCalc - 8) == lo_exact[l]);
    q.goal("the high field of byte " + std::to_string(l) + " is the exact sum of its rows' e'",
           z3::zext(hi.extract(b + 7, b), kCalc - 8) == hi_exact[l]);
  }
  q.column("entries", entries, false);
  q.column("word", {word}, false);
}
// A u16 lane adds one u8 lane (<= 255) per widening, `widenings` times (then goes to int64).
void check_lut_u16(Query &q, std::int64_t widenings) {
  const z3::expr d = q.ctx.bv_const("u8_lane", 8);
  const z3::expr t = z3::zext(d, kCalc - 8);
  check_accumulation(q, {16, false, widenings, 0, 255, t, z3::ule(t, calc(q.ctx, 255))});
}

// A LUT64 kernel's schedule (fast_bounds.hpp): the u8 stage adds stage_entries entries (each <=
// lut64_max_entry, proven by lut64_entry), the u16 window adds window_widenings u8 lanes, each at
// most what the stage can sum (stage_entries * 27, not the byte's 255: the window length rests on
// that tighter bound).
void check_lut64_stage(Query &q, const kernels::Lut64Schedule &s) {
  check_lut_u8(q, s.stage_entries, kernels::lut64_max_entry());
}
void check_lut64_window(Query &q, const kernels::Lut64Schedule &s) {
  const std::int64_t stage_max = s.stage_entries * kernels::lut64_max_entry();
  const z3::expr d = q.ctx.bv_const("u8_lane", 8);
  const z3::expr t = z3::zext(d, kCalc - 8);
  check_accumulation(
      q, {16, false, s.window_widenings, 0, stage_max, t, z3::ule(t, calc(q.ctx, stage_max))});
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

// ---- The exact sums (exact_sums.hpp, conv_bounds.hpp) ----
//
// Per output the kernels compute C = sum_t (a_t - za) * e_t + bias as an epilogue over a raw dot
// product of offsets, in int32 lanes mod 2^32 (the direct convs) or int64 (the GEMM epilogue).
// Two halves, each for every input:
//  ring   the epilogue, evaluated in the ring of `bits`-bit integers on the kernel's int64
//         constants wrapped to `bits` bits, equals the exact sum mod 2^bits. An induction over the
//         taps with free ring values (so for every K, every activation / weight width, zero point
//         and offset): the invariant E = D + dz R + da S + N da dz holds for no tap, and a tap
//         keeps it; at N = K the kernel's epilogue equals E + bias. Z3's default solver
//         normalizes the polynomials (the AIG pipeline would bit-blast free multipliers).
//  bound  the exact sum lies in [-2^31, 2^31 - 1] whenever the kernel's check passed
//         (max_k_int32 / small_conv_exact_int32, instantiated symbolically): an induction on
//         |partial sum| <= n * bound per tap, at widths where nothing wraps.
// Together: the wrapped value is the exact one.
namespace {

// The low `bits` bits: the ring homomorphism Z / 2^64 -> Z / 2^bits.
z3::expr low(const z3::expr &e, unsigned bits) {
  return e.get_sort().bv_size() == bits ? e : e.extract(bits - 1, 0);
}
z3::expr var(z3::context &c, const std::string &name, unsigned bits) {
  return c.bv_const(name.c_str(), bits);
}
z3::expr k(z3::context &c, std::int64_t v, unsigned bits) { return spec::constant(c, v, bits); }

// The kernel's int64 quantities per output (free: every value an int64 can hold).
struct Int64Inputs {
  z3::expr K, amin, za, off, zw, colsum, bias;
  z3::expr da() const { return amin - za; } // the kernels' da = a_min - za
  z3::expr dz() const { return off - zw; }  // and dz = off - zw, in int64
};
Int64Inputs int64_inputs(z3::context &c) {
  return {var(c, "K", 64),  var(c, "a_min", 64),  var(c, "za", 64),  var(c, "off", 64),
          var(c, "zw", 64), var(c, "colsum", 64), var(c, "bias", 64)};
}

// The induction over the taps in the ring of `bits`-bit integers, for the direct kernels'
// decomposition a - za = ua + da, w - zw = v + dz (ua = a - a_min, v = w - off: the bytes or bit
// planes the kernel multiplies). State after N taps: E = sum (a - za)(w - zw), D = sum ua v,
// R = sum ua, S = sum v, A = sum (a - za). Returns the invariant at the state (E, D, R, S, A, N).
struct DirectInduction {
  std::function<z3::expr(const z3::expr &, const z3::expr &, const z3::expr &, const z3::expr &,
                         const z3::expr &, const z3::expr &)>
      inv;
};
DirectInduction direct_induction(Query &q, unsigned bits, const Int64Inputs &in) {
  z3::context &c = q.ctx;
  const z3::expr da = low(in.da(), bits), dz = low(in.dz(), bits);
  DirectInduction ind;
  ind.inv = [=](const z3::expr &E, const z3::expr &D, const z3::expr &R, const z3::expr &S,
                const z3::expr &A, const z3::expr &N) {
    return E == D + dz * R + da * S + N * da * dz && A == R + N * da;
  };
  const z3::expr zero = k(c, 0, bits), one = k(c, 1, bits);
  q.goal("induction base: no tap", ind.inv(zero, zero, zero, zero, zero, zero));
  const z3::expr E = var(c, "E", bits), D = var(c, "D", bits), R = var(c, "R", bits),
                 S = var(c, "S", bits), A = var(c, "A", bits), N = var(c, "N", bits);
  const z3::expr ua = var(c, "ua", bits), v = var(c, "v", bits);
  const z3::expr a = low(in.amin, bits) + ua, w = low(in.off, bits) + v; // the tap's values
  const z3::expr am = a - low(in.za, bits), wm = w - low(in.zw, bits);
  q.goal_given("induction step: a tap keeps the invariant",
               ind.inv(E + am * wm, D + ua * v, R + ua, S + v, A + am, N + one),
               ind.inv(E, D, R, S, A, N));
  q.column("ua, v (a tap)", {ua, v}, true);
  q.column("E, D, R, S", {E, D, R, S}, true);
  return ind;
}

} // namespace

EpilogueTerms kernel_epilogue_terms() {
  using E = z3::expr;
  return {[](const E &K, const E &da, const E &dz, const E &colsum, const E &bias) {
            return kernels::epilogue_fixed(K, da, dz, colsum, bias);
          },
          [](const E &D, const E &R, const E &scale, const E &dz, const E &fixed) {
            return kernels::epilogue_sum(D, R, scale, dz, fixed);
          },
          [](const E &d, const E &dz, const E &v0mz) { return kernels::two_level_dz(d, dz, v0mz); },
          [](const E &d, const E &fixed, const E &v0mz, const E &K, const E &da, const E &bias2) {
            return kernels::two_level_fixed(d, fixed, v0mz, K, da, bias2);
          }};
}

// The direct kernels (conv.cpp conv_direct + direct_store, bits = 32) and the GEMM epilogue
// (gemm_fast.cpp + Epilogue::put, bits = 64): C = epilogue_sum(D, R, 1, dz, fixed) with dz and
// fixed = epilogue_fixed(K, da, dz, colsum, bias) computed in int64 and wrapped to the lane.
void check_epilogue_ring(Query &q, unsigned bits, const EpilogueTerms &t) {
  z3::context &c = q.ctx;
  q.strategy = Strategy::Default;
  const Int64Inputs in = int64_inputs(c);
  const DirectInduction ind = direct_induction(q, bits, in);
  const z3::expr E = var(c, "E_K", bits), D = var(c, "D_K", bits), R = var(c, "R_K", bits),
                 A = var(c, "A_K", bits);
  const z3::expr fixed = low(t.fixed(in.K, in.da(), in.dz(), in.colsum, in.bias), bits);
  const z3::expr got = t.sum(D, R, k(c, 1, bits), low(in.dz(), bits), fixed);
  const z3::expr exact = E + low(in.bias, bits);
  q.goal_given("after K taps the epilogue is the exact sum mod 2^bits", got == exact,
               ind.inv(E, D, R, low(in.colsum, bits), A, low(in.K, bits)));
  q.column("K, a_min, za, off, zw, colsum, bias",
           {in.K, in.amin, in.za, in.off, in.zw, in.colsum, in.bias}, true);
  q.column("D, R, exact, got", {D, R, exact, got}, true);
}

// Two-level weights (conv.cpp conv_direct): the layer's sum d * (C + bias) + v0mz * sum (a - za) +
// bias2 as epilogue_sum(D, R, d, two_level_dz(d, dz, v0mz), two_level_fixed(d, fixed, v0mz, K, da,
// bias2)), every constant computed in int64 and wrapped to the int32 lane.
void check_two_level_ring(Query &q, const EpilogueTerms &t) {
  constexpr unsigned bits = 32;
  z3::context &c = q.ctx;
  q.strategy = Strategy::Default;
  const Int64Inputs in = int64_inputs(c);
  const DirectInduction ind = direct_induction(q, bits, in);
  const z3::expr d = var(c, "d", 64), v0mz = var(c, "v0mz", 64), bias2 = var(c, "bias2", 64);
  const z3::expr E = var(c, "E_K", bits), D = var(c, "D_K", bits), R = var(c, "R_K", bits),
                 A = var(c, "A_K", bits);
  const z3::expr fixed = t.fixed(in.K, in.da(), in.dz(), in.colsum, in.bias);
  const z3::expr got = t.sum(D, R, low(d, bits), low(t.two_dz(d, in.dz(), v0mz), bits),
                             low(t.two_fixed(d, fixed, v0mz, in.K, in.da(), bias2), bits));
  const z3::expr exact =
      low(d, bits) * (E + low(in.bias, bits)) + low(v0mz, bits) * A + low(bias2, bits);
  q.goal_given("after K taps the epilogue is the exact two-level sum mod 2^32", got == exact,
               ind.inv(E, D, R, low(in.colsum, bits), A, low(in.K, bits)));
  q.column("d, v0mz, bias2", {d, v0mz, bias2}, true);
  q.column("D, R, exact, got", {D, R, exact, got}, true);
}

// conv_small.cpp: e_t any weight (w - zw or a two-level combination), c the channel's byte offset,
// the kernel's byte v = e - c (a signed byte: small_conv_exact proves the offset brings it there),
// C = small_conv_sum(D, R, c, small_conv_fixed(da, sum e, bias)) with c and fixed wrapped from
// int64.
void check_small_conv_ring(Query &q, const SmallFixed &fixed_of, const SmallSum &sum) {
  constexpr unsigned bits = 32;
  z3::context &c = q.ctx;
  q.strategy = Strategy::Default;
  const z3::expr amin = var(c, "a_min", 64), za = var(c, "za", 64), c64 = var(c, "c", 64),
                 sum_e = var(c, "sum_e", 64), bias = var(c, "bias", 64);
  const z3::expr da = low(amin - za, bits), cc = low(c64, bits);
  // State after N taps: E = sum (a - za) e, D = sum ua v, R = sum ua, S = sum e.
  const auto inv = [&](const z3::expr &E, const z3::expr &D, const z3::expr &R, const z3::expr &S) {
    return E == D + cc * R + da * S;
  };
  const z3::expr zero = k(c, 0, bits);
  q.goal("induction base: no tap", inv(zero, zero, zero, zero));
  const z3::expr E = var(c, "E", bits), D = var(c, "D", bits), R = var(c, "R", bits),
                 S = var(c, "S", bits), ua = var(c, "ua", bits), e = var(c, "e", bits);
  const z3::expr v = e - cc, a = low(amin, bits) + ua;
  q.goal_given("induction step: a tap keeps the invariant",
               inv(E + (a - low(za, bits)) * e, D + ua * v, R + ua, S + e), inv(E, D, R, S));
  const z3::expr EK = var(c, "E_K", bits), DK = var(c, "D_K", bits), RK = var(c, "R_K", bits);
  const z3::expr got = sum(DK, RK, cc, low(fixed_of(amin - za, sum_e, bias), bits));
  const z3::expr exact = EK + low(bias, bits);
  q.goal_given("after every tap the lane sum is the exact sum mod 2^32", got == exact,
               inv(EK, DK, RK, low(sum_e, bits)));
  q.column("a_min, za, c, sum_e, bias", {amin, za, c64, sum_e, bias}, true);
  q.column("D, R, exact, got", {DK, RK, exact, got}, true);
}

namespace {
// The bounds are claims about exact integers, so they are stated over Z3's integers (no width,
// nothing wraps; nonlinear facts such as |x y| <= M N for |x| <= M, |y| <= N are what nlsat does
// in a millisecond and bit-blasting does not: Strategy::Nonlinear). The kernels evaluate the same
// templates in int64, where nothing overflows: argued at each use.
z3::expr ival(z3::context &c, std::int64_t v) { return c.int_val(v); }
z3::expr iabs(const z3::expr &e) { return z3::ite(e < 0, -e, e); }
// An activation or weight layout of any width 1..8, signed or not, and a zero point in its range
// (all free).
struct AnyLayout {
  z3::expr min, max, zp, ok;
};
AnyLayout any_layout(z3::context &c, const std::string &name) {
  const z3::expr b = c.int_const(cat({name, "_bits"}).c_str()),
                 s = c.bool_const(cat({name, "_signed"}).c_str());
  z3::expr full = ival(c, 1); // 2^b
  for (int i = 8; i >= 1; --i)
    full = z3::ite(b == i, ival(c, std::int64_t{1} << i), full);
  const z3::expr half = z3::ite(b == 1, ival(c, 1), full / 2);
  AnyLayout L{z3::ite(s, -half, ival(c, 0)), z3::ite(s, half - 1, full - 1),
              c.int_const(cat({name, "_zero_point"}).c_str()), c.bool_val(true)};
  L.ok = 1 <= b && b <= 8 && L.min <= L.zp && L.zp <= L.max;
  return L;
}
z3::expr in_range(const AnyLayout &L, const z3::expr &x) { return L.min <= x && x <= L.max; }
// m = max(zp - min, max - zp), as the kernels compute it.
z3::expr is_magnitude(const AnyLayout &L, const z3::expr &m) {
  return m >= L.zp - L.min && m >= L.max - L.zp && (m == L.zp - L.min || m == L.max - L.zp);
}
} // namespace

// check_k_bound (gemm_prepack.cpp max_k_int32 = max_k_exact_int32 on ma, mw, mb): for every
// activation and weight layout of 1..8 bits, signed or not, and zero points in range, K <=
// max_k_int32 makes every exact sum sum_t (a_t - za)(w_t - zw) + bias fit int32. ma, mw, mb are
// what max_k_int32 takes: ma = max(za - a_min, a_max - za), mw >= this channel's max(zw - w_min,
// w_max - zw) (its max over the channels), mb >= |bias| (over the channels), mb <= 2^31 - 1 (else
// it returns 0). In int64 nothing overflows: ma * mw <= 2^16, 2^31 - 1 - mb >= 0. The layouts
// enter one goal (the magnitudes), so the nonlinear goals stay small.
void check_k_bound_int32(Query &q, const MaxK &max_k) {
  z3::context &c = q.ctx;
  q.strategy = Strategy::Nonlinear;
  const AnyLayout La = any_layout(c, "a"), Lw = any_layout(c, "w");
  const z3::expr ma = c.int_const("ma"), mw = c.int_const("mw");
  const z3::expr mags = 1 <= ma && ma <= 255 && 1 <= mw && mw <= 255;
  {
    const z3::expr a = c.int_const("a"), w = c.int_const("w"), mw_all = c.int_const("mw_all");
    q.goal_given("magnitudes: |a - za| <= ma, |w - zw| <= mw, both in [1, 255]",
                 iabs(a - La.zp) <= ma && iabs(w - Lw.zp) <= mw_all && 1 <= ma && ma <= 255 &&
                     1 <= mw_all,
                 La.ok && Lw.ok && is_magnitude(La, ma) && mw_all >= Lw.zp - Lw.min &&
                     mw_all >= Lw.max - Lw.zp && in_range(La, a) && in_range(Lw, w));
  }
  // One tap: |(a - za)(w - zw)| <= ma * mw.
  const z3::expr x = c.int_const("a - za"), y = c.int_const("w - zw");
  q.goal_given("a tap's product lies in [-ma * mw, ma * mw]", iabs(x * y) <= ma * mw,
               mags && iabs(x) <= ma && iabs(y) <= mw);
  // Induction over the taps: |E| <= N * ma * mw.
  const z3::expr N = c.int_const("N"), E = c.int_const("E"), t = c.int_const("t");
  q.goal_given("induction step: |E + t| <= (N + 1) * ma * mw", iabs(E + t) <= (N + 1) * ma * mw,
               mags && N >= 0 && iabs(E) <= N * ma * mw && iabs(t) <= ma * mw);
  // The K bound: max_k_exact_int32 on ma, mw, mb.
  const z3::expr K = c.int_const("K"), mb = c.int_const("mb"), bias = c.int_const("bias");
  const z3::expr kmax = max_k(ma, mw, mb);
  const z3::expr bound_ok =
      mags && 0 <= K && K <= kmax && 0 <= mb && mb <= 2147483647 && iabs(bias) <= mb;
  q.goal_given("K <= max_k_int32: K * ma * mw + mb <= 2^31 - 1", K * ma * mw + mb <= 2147483647,
               bound_ok);
  const z3::expr EK = c.int_const("E_K");
  const z3::expr int32_min = ival(c, INT32_MIN), int32_max = ival(c, INT32_MAX);
  q.goal_given("|E_K| <= K * ma * mw: the exact sum E_K + bias fits int32",
               int32_min <= EK + bias && EK + bias <= int32_max,
               bound_ok && K * ma * mw + mb <= 2147483647 && iabs(EK) <= K * ma * mw);
  q.column("ma, mw, mb, K, max_k", {ma, mw, mb, K, kmax}, true);
}

// conv_quads.cpp quad_rows: a row's sum of its K activation offsets ua = a - a_min (pad bytes: za -
// a_min) is formed by vpdpbusd with ones in int32 lanes and read as uint32, which is exact when
// the sum is below 2^32. check_conv_k_bound (K <= max_k_int32(ma, mw, mb), every conv2d call)
// implies it: ua <= a_max - a_min <= 2 ma and mw >= 1, so K (a_max - a_min) <= 2 (2^31 - 1).
void check_quads_rowsum_u32(Query &q, const MaxK &max_k) {
  z3::context &c = q.ctx;
  q.strategy = Strategy::Nonlinear;
  const AnyLayout La = any_layout(c, "a");
  const z3::expr ma = c.int_const("ma"), span = La.max - La.min;
  q.goal_given("an offset's range: a_max - a_min <= 2 ma", span <= 2 * ma,
               La.ok && is_magnitude(La, ma));
  const z3::expr n = c.int_const("n"), S = c.int_const("S"), u = c.int_const("ua");
  const z3::expr sp = c.int_const("span");
  q.goal_given("induction step: S_n + ua <= (n + 1) span", S + u <= (n + 1) * sp,
               n >= 0 && sp >= 0 && 0 <= S && S <= n * sp && 0 <= u && u <= sp);
  const z3::expr K = c.int_const("K"), mw = c.int_const("mw"), mb = c.int_const("mb");
  const z3::expr mags = 1 <= ma && ma <= 255 && 1 <= mw && mw <= 255;
  q.goal_given("K <= max_k_int32: K * ma * mw <= 2^31 - 1", K * ma * mw <= 2147483647 - mb,
               mags && 0 <= K && K <= max_k(ma, mw, mb) && 0 <= mb && mb <= 2147483647);
  q.goal_given("then a row sum S_K <= K (2 ma) < 2^32: exact in a uint32 lane",
               S <= ival(c, 4294967295),
               mags && 0 <= K && K * ma * mw <= 2147483647 && 0 <= S && S <= K * sp && 0 <= sp &&
                   sp <= 2 * ma);
  q.column("ma, mw, mb, K, max_k", {ma, mw, mb, K, max_k(ma, mw, mb)}, true);
}

// gemm_fast.cpp Epilogue::int32_exact (int32_epilogue_bound <= 2^31 - 1): the AVX-512 kernels then
// keep D in int32 lanes and add dz * R and fixed there with no range check, so every partial sum
// of D (n <= K products ua * v), dz * R, D + dz * R and C must fit int32. Over Z3 integers: the
// product bound, an induction over the products, and the four sums under the bound.
void check_int32_epilogue(Query &q, const Int32Bound &bound) {
  z3::context &c = q.ctx;
  q.strategy = Strategy::Nonlinear;
  const z3::expr mu = c.int_const("max_ua"), mv = c.int_const("max_v");
  const z3::expr mags = 0 <= mu && 0 <= mv;
  const z3::expr ua = c.int_const("ua"), v = c.int_const("v");
  q.goal_given("a product: |ua * v| <= max_ua * max_v", iabs(ua * v) <= mu * mv,
               mags && 0 <= ua && ua <= mu && iabs(v) <= mv);
  const z3::expr n = c.int_const("n"), Dn = c.int_const("D_n"), t = c.int_const("t");
  q.goal_given("induction step: |D_n + t| <= (n + 1) * max_ua * max_v",
               iabs(Dn + t) <= (n + 1) * mu * mv,
               mags && n >= 0 && iabs(Dn) <= n * mu * mv && iabs(t) <= mu * mv);
  const z3::expr K = c.int_const("K"), mdz = c.int_const("max_dz"), mr = c.int_const("max_rowsum"),
                 mf = c.int_const("max_fixed");
  const z3::expr D = c.int_const("D"), dz = c.int_const("dz"), R = c.int_const("R"),
                 fx = c.int_const("fixed");
  const z3::expr lo = ival(c, INT32_MIN), hi = ival(c, INT32_MAX);
  const auto fits = [&](const z3::expr &x) { return lo <= x && x <= hi; };
  const z3::expr given = mags && 0 <= K && 0 <= mdz && 0 <= mr && 0 <= mf &&
                         bound(K, mu, mv, mdz, mr, mf) <= hi && 0 <= n && n <= K &&
                         iabs(Dn) <= n * mu * mv && iabs(D) <= K * mu * mv && iabs(dz) <= mdz &&
                         0 <= R && R <= mr && iabs(fx) <= mf;
  q.goal_given("bound <= 2^31 - 1: every partial sum D_n (n <= K) fits int32", fits(Dn), given);
  q.goal_given("bound <= 2^31 - 1: dz * R fits int32", fits(dz * R), given);
  q.goal_given("bound <= 2^31 - 1: D + dz * R fits int32", fits(D + dz * R), given);
  q.goal_given("bound <= 2^31 - 1: C = D + dz * R + fixed fits int32", fits(D + dz * R + fx),
               given);
  q.column("K, max_ua, max_v, max_dz, max_rowsum, max_fixed", {K, mu, mv, mdz, mr, mf}, true);
}

// conv_small.cpp: small_conv_exact_int32(amax, sum |e|, |bias|) makes the exact sum fit int32, for
// every activation layout and zero point (amax = max(za - a_min, a_max - za)) and any weights e
// (the kernel gives up once sum |e| passes 2^31); and the channel's byte offset brings every e of
// a range [lo, hi] with hi - lo <= 255 into a signed byte. In int64 nothing overflows: the product
// is formed only once both factors are at most 2^31 (&& short-circuits).
void check_small_conv_exact(Query &q, const SmallExact &exact, const ByteOffset &offset) {
  z3::context &c = q.ctx;
  q.strategy = Strategy::Nonlinear;
  const AnyLayout La = any_layout(c, "a");
  const z3::expr am = c.int_const("amax");
  {
    const z3::expr a = c.int_const("a");
    q.goal_given("magnitude: |a - za| <= amax, amax in [1, 255]",
                 iabs(a - La.zp) <= am && 1 <= am && am <= 255,
                 La.ok && is_magnitude(La, am) && in_range(La, a));
  }
  const z3::expr x = c.int_const("a - za"), e = c.int_const("e");
  const z3::expr mag = 1 <= am && am <= 255;
  q.goal_given("a tap's product: |(a - za) e| <= amax |e|", iabs(x * e) <= am * iabs(e),
               mag && iabs(x) <= am);
  // Induction over the taps: |E| <= amax * A with A = sum |e|.
  const z3::expr E = c.int_const("E"), A = c.int_const("A"), t = c.int_const("t");
  q.goal_given("induction step: |E + t| <= amax (A + |e|)", iabs(E + t) <= am * (A + iabs(e)),
               mag && 0 <= A && iabs(E) <= am * A && iabs(t) <= am * iabs(e));
  const z3::expr bias = c.int_const("bias"), EK = c.int_const("E_K");
  const z3::expr ok = exact(am, A, iabs(bias));
  const z3::expr int32_min = ival(c, INT32_MIN), int32_max = ival(c, INT32_MAX);
  q.goal_given("small_conv_exact_int32 and |E_K| <= amax * sum |e|: E_K + bias fits int32",
               int32_min <= EK + bias && EK + bias <= int32_max,
               ok && mag && 0 <= A && iabs(EK) <= am * A);
  // The weight byte: lo <= e <= hi, hi - lo <= 255.
  const z3::expr lo = c.int_const("lo"), hi = c.int_const("hi");
  const z3::expr byte = e - offset(lo, hi);
  q.goal_given("the weight byte e - c is a signed byte", -128 <= byte && byte <= 127,
               lo <= e && e <= hi && hi - lo <= 255);
  q.column("amax, A, bias, E_K", {am, A, bias, EK}, true);
  q.column("lo, hi, e, c", {lo, hi, e, offset(lo, hi)}, true);
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
  // The exact sums (exact_sums.hpp, conv_bounds.hpp): any width pair, zero points free.
  const Layout any8{8, 0, Signedness::Signed};
  const EpilogueTerms terms = kernel_epilogue_terms();
  f.add("epilogue_ring", any8, "conv direct int32 lanes",
        [terms](Query &q) { check_epilogue_ring(q, 32, terms); });
  f.add("epilogue_ring", any8, "GEMM int64 epilogue",
        [terms](Query &q) { check_epilogue_ring(q, 64, terms); });
  f.add("epilogue_ring", any8, "conv direct two-level int32 lanes",
        [terms](Query &q) { check_two_level_ring(q, terms); });
  f.add("small_conv_ring", any8, "int32 lanes", [](Query &q) {
    using E = z3::expr;
    check_small_conv_ring(
        q, [](const E &da, const E &s, const E &b) { return kernels::small_conv_fixed(da, s, b); },
        [](const E &D, const E &R, const E &cc, const E &fx) {
          return kernels::small_conv_sum(D, R, cc, fx);
        });
  });
  f.add("k_bound_int32", any8, "check_k_bound, any width pair and zero points", [](Query &q) {
    check_k_bound_int32(q, [](const z3::expr &ma, const z3::expr &mw, const z3::expr &mb) {
      return kernels::max_k_exact_int32(ma, mw, mb);
    });
  });
  f.add("quads_rowsum_u32", any8, "quad_rows' uint32 row sums under check_conv_k_bound",
        [](Query &q) {
          check_quads_rowsum_u32(q, [](const z3::expr &ma, const z3::expr &mw, const z3::expr &mb) {
            return kernels::max_k_exact_int32(ma, mw, mb);
          });
        });
  f.add("int32_epilogue", any8, "int32_epilogue_bound, any width pair and K", [](Query &q) {
    using E = z3::expr;
    check_int32_epilogue(
        q, [](const E &K, const E &mu, const E &mv, const E &mdz, const E &mr, const E &mf) {
          return kernels::int32_epilogue_bound(K, mu, mv, mdz, mr, mf);
        });
  });
  f.add("small_conv_exact", any8, "small_conv_exact_int32, any activation width and zero point",
        [](Query &q) {
          using E = z3::expr;
          check_small_conv_exact(
              q,
              [](const E &am, const E &s, const E &b) {
                return kernels::small_conv_exact_int32(am, s, b);
              },
              [](const E &lo, const E &hi) { return kernels::small_conv_byte_offset(lo, hi); });
        });
  const Layout bit{1, 0, Signedness::Unsigned};
  f.add("bitserial_int64", bit, "any width pair, K <= 2^31 - 1",
        [](Query &q) { check_bitserial_int64(q, kernels::kBitserialPairsPerShift); });
  f.add("avx2_cnt_u8", bit, "W1A1 bit planes",
        [](Query &q) { check_neon_cnt_u8(q, kernels::kAvx2CntU8Words); });
  f.add("neon_cnt_u8", bit, "W1A1 bit planes",
        [](Query &q) { check_neon_cnt_u8(q, kernels::kNeonCntU8Vectors); });
  const LutEntry lut = [](unsigned ab, unsigned wb, const z3::expr &a, const z3::expr &nib) {
    return kernels::lut_entry(ab, wb, a, nib);
  };
  for (unsigned wb = 1; wb <= 2; ++wb)
    for (unsigned ab = 1; ab <= 8; ++ab) {
      if (!kernels::lut_pair(ab, wb))
        continue;
      const Layout Lw{wb, 0, Signedness::Unsigned};
      const std::int64_t e = kernels::lut_max_entry(ab, wb);
      f.add("lut_entry", Lw, pair_name(wb, ab),
            [=](Query &q) { check_lut_entry(q, kernels::lut_group(wb), ab, wb, lut, e); });
      f.add("lut_u8", Lw, pair_name(wb, ab),
            [=](Query &q) { check_lut_u8(q, kernels::lut_u8_steps(ab, wb), e); });
      if (kernels::lut_paired_rows(ab, wb))
        f.add("lut_fields", Lw, pair_name(wb, ab) + ", paired rows",
              [=](Query &q) { check_lut_fields(q, kernels::lut_field_steps(ab, wb), e, 0x0F0F); });
    }
  // LUT64 (W2A2, 3 weights per 64-entry table).
  const LutEntry lut64 = [](unsigned, unsigned, const z3::expr &a, const z3::expr &w) {
    return kernels::lut64_entry(a, w);
  };
  const Layout W2{2, 0, Signedness::Unsigned};
  f.add("lut64_entry", W2, pair_name(2, 2), [=](Query &q) {
    check_lut_entry(q, kernels::kLut64Group, 2, 2, lut64, kernels::lut64_max_entry());
  });
  f.add("lut64_u8", W2, pair_name(2, 2),
        [](Query &q) { check_lut_u8(q, kernels::lut64_u8_steps(), kernels::lut64_max_entry()); });
  f.add("lut_u16", bit, "every LUT pair",
        [](Query &q) { check_lut_u16(q, kernels::kLutU16Widenings); });
  // The two LUT64 kernels' schedules as they run (the generator emits them from these constants).
  const std::pair<const char *, kernels::Lut64Schedule> schedules[] = {
      {"GEMM tiles", kernels::lut64_gemm_schedule()},
      {"conv, 3 kernel rows", kernels::lut64_conv3_schedule()}};
  for (const auto &[kernel, sched] : schedules) {
    f.add("lut64_schedule", W2, cat({kernel, ": u8 stage"}),
          [s = sched](Query &q) { check_lut64_stage(q, s); });
    f.add("lut64_schedule", W2, cat({kernel, ": u16 window"}),
          [s = sched](Query &q) { check_lut64_window(q, s); });
  }
  f.add("neon_cnt_u16", bit, "W1A1 bit planes", [](Query &q) {
    check_neon_cnt_u16(q, kernels::kNeonCntU8Vectors, kernels::kNeonCntU16Vectors);
  });
}

} // namespace samd::proofs
