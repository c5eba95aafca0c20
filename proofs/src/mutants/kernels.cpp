// Mutants of the kernels' accumulation schedules (swar_schedule.hpp, fast_bounds.hpp): a broken
// step or a constant one too large must yield a counterexample from the same checks (also
// conv_bounds.hpp, the direct few-tap conv, and exact_sums.hpp, the epilogues' ring identity and
// the K bound).
#include "common.hpp"
#include "samd/kernels/conv_bounds.hpp"
#include "samd/kernels/fast_bounds.hpp"
#include "samd/kernels/swar_schedule.hpp"

namespace samd::proofs {
namespace {

using namespace samd::kernels;

// The width pairs a kernel mutant is tried on, most revealing first.
const std::vector<std::pair<unsigned, unsigned>> kPairs{{8, 8}, {4, 4}, {2, 2}, {1, 1},
                                                        {8, 1}, {3, 5}, {7, 7}};

Obligation kernel_check(const std::string &op, unsigned ab, unsigned wb,
                        std::function<void(Query &)> build) {
  std::string variant("A");
  variant.append(std::to_string(ab));
  return {"mutant", op, Layout{wb, 0, Signedness::Unsigned}, variant, std::move(build)};
}

Mutant per_pair(const std::string &name, const std::string &op, const std::string &defect,
                const std::function<void(Query &, unsigned, unsigned)> &check) {
  Mutant m{name, op, defect, {}};
  for (const auto &[ab, wb] : kPairs)
    m.checks.push_back(
        kernel_check(op, ab, wb, [check, ab = ab, wb = wb](Query &q) { check(q, ab, wb); }));
  return m;
}

// A constant in the sort of `like` (the exact-sum templates' constants, bound_traits).
z3::expr q_int(const z3::expr &like, std::int64_t v) {
  return kernels::bound_traits<z3::expr>::constant(like, v);
}

W gemm_step_xor(const W &acc, const W &u, const W &a) { return xor_(acc, mul(u, a)); }
W gemm_step_shifted(const W &acc, const W &u, const W &a) { return add(acc, mul(shl(u, 1), a)); }

} // namespace

void register_kernel_mutants(MutantSet &set) {
  const GemmCapacity capacity = [](unsigned ab, unsigned wb, unsigned g) {
    return gemm_capacity(ab, wb, g);
  };
  const GemmStep step = [](const W &acc, const W &u, const W &a) { return gemm_step(acc, u, a); };
  set.add(per_pair("gemm_capacity/plus-one", "gemm_capacity", "Swar GEMM capacity one too large",
                   [](Query &q, unsigned ab, unsigned wb) {
                     check_gemm_capacity(q, ab, wb, [](unsigned a, unsigned w, unsigned g) {
                       return gemm_capacity(a, w, g) + 1;
                     });
                   }));
  set.add(per_pair("gemm_capacity/guard-plus-one", "gemm_capacity",
                   "capacity computed as if the field had one more guard bit",
                   [step](Query &q, unsigned ab, unsigned wb) {
                     check_gemm_step(q, ab, wb, 1, step, [](unsigned a, unsigned w, unsigned g) {
                       return gemm_capacity(a, w, g + 1);
                     });
                   }));
  set.add(per_pair("gemm_step/xor", "gemm_step", "accumulates with xor instead of add",
                   [capacity](Query &q, unsigned ab, unsigned wb) {
                     check_gemm_step(q, ab, wb, 5, GemmStep(gemm_step_xor), capacity);
                   }));
  set.add(per_pair("gemm_step/weights-shifted", "gemm_step",
                   "weights shifted one bit into the guard",
                   [capacity](Query &q, unsigned ab, unsigned wb) {
                     check_gemm_step(q, ab, wb, 1, GemmStep(gemm_step_shifted), capacity);
                   }));
  set.add(per_pair("dot8_bcast_int32/flush-x2", "dot8_bcast_int32",
                   "broadcast Dot8 flushes 2x too late", [](Query &q, unsigned ab, unsigned wb) {
                     check_dot8_int32(q, ab, wb, 2 * kDot8BcastFlushGroups,
                                      kDot8BcastProductsPerGroup);
                   }));
  set.add(per_pair("maddubs_int16/always", "maddubs_int16", "vpmaddubsw used for every width pair",
                   [](Query &q, unsigned ab, unsigned wb) {
                     check_maddubs(q, ab, wb, [](unsigned, unsigned) { return true; });
                   }));
  set.add(per_pair("maddubs_i16_steps/plus-one", "maddubs_i16_steps",
                   "one more int16 step than fits", [](Query &q, unsigned ab, unsigned wb) {
                     check_maddubs_i16(q, ab, wb, [](unsigned a, unsigned w) {
                       const std::int64_t n = maddubs_i16_steps(a, w);
                       return n == 0 ? 0 : n + 1;
                     });
                   }));
  set.add(Mutant{"neon_cnt_u8/32-vectors",
                 "neon_cnt_u8",
                 "u8 count lanes take 32 vectors (256 > 255)",
                 {kernel_check("neon_cnt_u8", 1, 1, [](Query &q) { check_neon_cnt_u8(q, 32); })}});
  // The AVX2 nibble-lookup counts (kAvx2CntU8Words words of up to 8 per byte lane): a word per
  // byte of the 32-byte vector (256 > 255), and the words counted from one nibble lookup's
  // maximum, 4, not the byte's 8 (the two lookups are added): 255 / 4 = 63 words, up to 504.
  set.add(Mutant{"avx2_cnt_u8/32-words",
                 "avx2_cnt_u8",
                 "u8 count lanes take 32 words, one per vector byte (256 > 255)",
                 {kernel_check("avx2_cnt_u8", 1, 1, [](Query &q) { check_neon_cnt_u8(q, 32); })}});
  set.add(
      Mutant{"avx2_cnt_u8/nibble-bound",
             "avx2_cnt_u8",
             "words per u8 lane as 255 / 4 (a nibble's count), not 255 / 8",
             {kernel_check("avx2_cnt_u8", 1, 1, [](Query &q) { check_neon_cnt_u8(q, 255 / 4); })}});
  set.add(Mutant{"neon_cnt_u16/one-more-fold",
                 "neon_cnt_u16",
                 "u16 lanes take one more fold of 31 vectors",
                 {kernel_check("neon_cnt_u16", 1, 1, [](Query &q) {
                   check_neon_cnt_u16(q, kNeonCntU8Vectors, kNeonCntU16Vectors + kNeonCntU8Vectors);
                 })}});
  // LUT (fast_bounds.hpp): on every pair the tables serve.
  const auto lut_pairs = [](const std::string &op,
                            std::function<void(Query &, unsigned, unsigned)> check) {
    std::vector<Obligation> out;
    for (unsigned wb = 1; wb <= 2; ++wb)
      for (unsigned ab = 1; ab <= 8; ++ab)
        if (lut_pair(ab, wb))
          out.push_back(kernel_check(op, ab, wb, [check, ab, wb](Query &q) { check(q, ab, wb); }));
    return out;
  };
  const LutEntry lut = [](unsigned ab, unsigned wb, const z3::expr &a, const z3::expr &nib) {
    return lut_entry(ab, wb, a, nib);
  };
  set.add(Mutant{"lut_u8/plus-one", "lut_u8", "u8 lanes take one more table entry than fits",
                 lut_pairs("lut_u8", [](Query &q, unsigned ab, unsigned wb) {
                   check_lut_u8(q, lut_u8_steps(ab, wb) + 1, lut_max_entry(ab, wb));
                 })});
  set.add(Mutant{
      "lut_entry/no-group", "lut_entry", "the entry bound forgets the g products per nibble",
      lut_pairs("lut_entry", [lut](Query &q, unsigned ab, unsigned wb) {
        check_lut_entry(q, lut_group(wb), ab, wb, lut, lut_max_entry(ab, wb) / lut_group(wb));
      })});
  set.add(Mutant{"lut_entry/swapped-fields", "lut_entry",
                 "the table builder reads activations at the weight width and back",
                 lut_pairs("lut_entry", [](Query &q, unsigned ab, unsigned wb) {
                   const LutEntry swapped = [](unsigned a_bits, unsigned w_bits, const z3::expr &a,
                                               const z3::expr &nib) {
                     z3::expr s = a - a;
                     for (unsigned t = 0; t < lut_group(w_bits); ++t)
                       s = s + lut_traits<z3::expr>::field(a, t * w_bits, w_bits) *
                                   lut_traits<z3::expr>::field(nib, t * a_bits, a_bits);
                     return s;
                   };
                   check_lut_entry(q, lut_group(wb), ab, wb, swapped, lut_max_entry(ab, wb));
                 })});
  // Paired rows: a phase of 4 lookups (16 > 15: the low field carries into the high one), W2A1
  // paired on W1A1's phase of 3 (entries <= 6: 18 > 15), and a split that keeps the high byte's
  // low field in bits 4-7 of the low byte's high field (mask 0x0FFF after the shift, not 0x0F0F).
  set.add(Mutant{"lut_fields/four-steps",
                 "lut_fields",
                 "a paired-row phase adds 4 entries before its split",
                 {kernel_check("lut_fields", 1, 1, [](Query &q) {
                   check_lut_fields(q, lut_field_steps(1, 1) + 1, lut_max_entry(1, 1), 0x0F0F);
                 })}});
  set.add(Mutant{"lut_fields/w2a1",
                 "lut_fields",
                 "W2A1 looked up in paired rows on W1A1's phases of 3",
                 {kernel_check("lut_fields", 1, 2, [](Query &q) {
                   check_lut_fields(q, lut_field_steps(1, 1), lut_max_entry(1, 2), 0x0F0F);
                 })}});
  set.add(
      Mutant{"lut_fields/unmasked-shift",
             "lut_fields",
             "the split shifts the high field down without masking the neighbouring byte's bits",
             {kernel_check("lut_fields", 1, 1, [](Query &q) {
               check_lut_fields(q, lut_field_steps(1, 1), lut_max_entry(1, 1), 0x0FFF);
             })}});
  // LUT64: a 10-entry u8 stage (270 > 255), and a builder that keeps the 16-entry tables' g = 2
  // (the third weight's product is lost).
  set.add(Mutant{"lut64_u8/ten-steps",
                 "lut64_u8",
                 "u8 lanes take 10 LUT64 entries",
                 {kernel_check("lut64_u8", 2, 2, [](Query &q) {
                   check_lut_u8(q, lut64_u8_steps() + 1, lut64_max_entry());
                 })}});
  set.add(Mutant{"lut64_entry/two-weights",
                 "lut64_entry",
                 "the LUT64 builder sums lut_group(2) = 2 products, not 3",
                 {kernel_check("lut64_entry", 2, 2, [lut](Query &q) {
                   check_lut_entry(q, kLut64Group, 2, 2, lut, lut64_max_entry());
                 })}});
  // The LUT64 kernels' schedules: the conv3 kernel flushing on the GEMM tiles' window (forgetting
  // it widens 3 times a chunk: 768 widenings of up to 216), a window one chunk past what the
  // stage bound allows (102 * 3 * 216 > 65535; 101 chunks would still fit), and a conv3 stage of
  // 12 lookups (widened twice a chunk: 12 * 27 > 255).
  const auto conv3_with = [](std::int64_t stage, std::int64_t chunk_widenings,
                             std::int64_t window_chunks) {
    return Lut64Schedule{stage, chunk_widenings * window_chunks};
  };
  set.add(Mutant{"lut64_schedule/conv3-gemm-window",
                 "lut64_schedule",
                 "the conv3 kernel flushes its u16 lanes every 256 chunks, as the GEMM tiles do",
                 {kernel_check("lut64_schedule", 2, 2, [conv3_with](Query &q) {
                   check_lut64_window(q, conv3_with(kLut64StageEntries, kLut64Conv3ChunkWidenings,
                                                    kLut64GemmWindowChunks));
                 })}});
  set.add(Mutant{"lut64_schedule/conv3-window-102",
                 "lut64_schedule",
                 "conv3 u16 windows of 102 chunks (306 widenings of up to 216)",
                 {kernel_check("lut64_schedule", 2, 2, [conv3_with](Query &q) {
                   check_lut64_window(
                       q, conv3_with(kLut64StageEntries, kLut64Conv3ChunkWidenings, 102));
                 })}});
  set.add(Mutant{
      "lut64_schedule/gemm-window-x2",
      "lut64_schedule",
      "the GEMM tiles flush their u16 lanes every 512 chunks (513 widenings of up to 216)",
      {kernel_check("lut64_schedule", 2, 2, [](Query &q) {
        check_lut64_window(q, Lut64Schedule{kLut64StageEntries, 2 * kLut64GemmWindowChunks + 1});
      })}});
  set.add(Mutant{"lut64_schedule/conv3-stage-12",
                 "lut64_schedule",
                 "the conv3 kernel widens its u8 lanes after every 12th lookup",
                 {kernel_check("lut64_schedule", 2, 2, [conv3_with](Query &q) {
                   check_lut64_stage(q, conv3_with(12, 2, kLut64Conv3WindowChunks));
                 })}});
  set.add(Mutant{
      "lut_u16/one-more-widening",
      "lut_u16",
      "u16 lanes take 258 widenings (258 * 255 > 65535)",
      {kernel_check("lut_u16", 1, 1, [](Query &q) { check_lut_u16(q, kLutU16Widenings + 1); })}});
  set.add(per_pair("neon_dot8_int32/flush-x8", "neon_dot8_int32", "NEON Dot8 flushes 8x too late",
                   [](Query &q, unsigned ab, unsigned wb) {
                     check_neon_dot8(q, ab, wb, 8 * kNeonDot8FlushSlots, kNeonDot8ProductsPerSlot);
                   }));
  set.add(Mutant{"small_conv_int32/one-more-step",
                 "small_conv_int32",
                 "the direct few-tap conv takes one more vpdpbusd step than int32 holds",
                 {kernel_check("small_conv_int32", 8, 8, [](Query &q) {
                   check_small_conv_int32(q, kernels::kSmallConvMaxSteps + 1);
                 })}});
  // The exact sums (exact_sums.hpp, conv_bounds.hpp): broken epilogue terms and bounds.
  using E = z3::expr;
  const EpilogueTerms terms = kernel_epilogue_terms();
  const auto one = [](const std::string &op, std::function<void(Query &)> build) {
    return std::vector<Obligation>{kernel_check(op, 8, 8, std::move(build))};
  };
  set.add(Mutant{"epilogue_ring/no-bias", "epilogue_ring",
                 "the direct conv's fixed term drops the bias",
                 one("epilogue_ring", [terms](Query &q) {
                   EpilogueTerms t = terms;
                   t.fixed = [](const E &K, const E &da, const E &dz, const E &colsum, const E &) {
                     return da * colsum + K * da * dz;
                   };
                   check_epilogue_ring(q, 32, t);
                 })});
  set.add(Mutant{"epilogue_ring/offset-sign", "epilogue_ring",
                 "the GEMM's fixed term subtracts K * da * dz",
                 one("epilogue_ring", [terms](Query &q) {
                   EpilogueTerms t = terms;
                   t.fixed = [](const E &K, const E &da, const E &dz, const E &colsum,
                                const E &bias) { return da * colsum - K * da * dz + bias; };
                   check_epilogue_ring(q, 64, t);
                 })});
  set.add(Mutant{"epilogue_ring/rowsum-sign", "epilogue_ring",
                 "the lane sum subtracts the row-sum term", one("epilogue_ring", [terms](Query &q) {
                   EpilogueTerms t = terms;
                   t.sum = [](const E &D, const E &R, const E &scale, const E &dz, const E &fixed) {
                     return D * scale - R * dz + fixed;
                   };
                   check_epilogue_ring(q, 32, t);
                 })});
  set.add(Mutant{"epilogue_ring/two-level-no-v0-term", "epilogue_ring",
                 "the two-level fixed term drops v0mz * K * da",
                 one("epilogue_ring", [terms](Query &q) {
                   EpilogueTerms t = terms;
                   t.two_fixed = [](const E &d, const E &fixed, const E &, const E &, const E &,
                                    const E &bias2) { return d * fixed + bias2; };
                   check_two_level_ring(q, t);
                 })});
  set.add(Mutant{"small_conv_ring/fixed-sign", "small_conv_ring",
                 "the few-tap conv's fixed term uses za - a_min",
                 one("small_conv_ring", [](Query &q) {
                   check_small_conv_ring(
                       q, [](const E &da, const E &s, const E &b) { return b - da * s; },
                       [](const E &D, const E &R, const E &cc, const E &fx) {
                         return small_conv_sum(D, R, cc, fx);
                       });
                 })});
  set.add(Mutant{"k_bound_int32/plus-one", "k_bound_int32", "max_k_int32 one larger",
                 one("k_bound_int32", [](Query &q) {
                   check_k_bound_int32(q, [](const E &ma, const E &mw, const E &mb) {
                     return max_k_exact_int32(ma, mw, mb) + 1;
                   });
                 })});
  set.add(Mutant{"quads_rowsum_u32/k-doubled", "quads_rowsum_u32",
                 "the K bound twice as large (2 * max_k_int32)",
                 one("quads_rowsum_u32", [](Query &q) {
                   check_quads_rowsum_u32(q, [](const E &ma, const E &mw, const E &mb) {
                     return 2 * max_k_exact_int32(ma, mw, mb);
                   });
                 })});
  set.add(Mutant{"int32_epilogue/no-fixed", "int32_epilogue",
                 "int32_epilogue_bound leaves out max |fixed|", one("int32_epilogue", [](Query &q) {
                   check_int32_epilogue(q, [](const E &K, const E &mu, const E &mv, const E &mdz,
                                              const E &mr,
                                              const E &) { return K * mu * mv + mdz * mr; });
                 })});
  set.add(Mutant{"int32_epilogue/k-minus-one", "int32_epilogue",
                 "int32_epilogue_bound counts K - 1 products", one("int32_epilogue", [](Query &q) {
                   check_int32_epilogue(q, [](const E &K, const E &mu, const E &mv, const E &mdz,
                                              const E &mr, const E &mf) {
                     return int32_epilogue_bound(K - 1, mu, mv, mdz, mr, mf);
                   });
                 })});
  const ByteOffset offset = [](const E &lo, const E &hi) { return small_conv_byte_offset(lo, hi); };
  set.add(Mutant{"small_conv_exact/bound-2^31", "small_conv_exact",
                 "small_conv_exact_int32 accepts a sum bound of 2^31 (one too large)",
                 one("small_conv_exact", [offset](Query &q) {
                   check_small_conv_exact(
                       q,
                       [](const E &am, const E &s, const E &b) {
                         const E two31 = q_int(am, std::int64_t{1} << 31);
                         return s <= two31 && am <= two31 && am * s + b <= two31;
                       },
                       offset);
                 })});
  set.add(Mutant{
      "small_conv_exact/byte-offset-128", "small_conv_exact", "the weight-byte offset is hi - 128",
      one("small_conv_exact", [](Query &q) {
        check_small_conv_exact(
            q, [](const E &am, const E &s, const E &b) { return small_conv_exact_int32(am, s, b); },
            [](const E &lo, const E &hi) {
              return z3::ite(lo >= -128 && hi <= 127, q_int(lo, 0), hi - 128);
            });
      })});
  set.add(Mutant{"bitserial_int64/pairs-x2^20",
                 "bitserial_int64",
                 "2^20 times the popcounts per shift: the shifted sum leaves int64",
                 {kernel_check("bitserial_int64", 1, 1, [](Query &q) {
                   check_bitserial_int64(q, kBitserialPairsPerShift << 20);
                 })}});
}

} // namespace samd::proofs
