// Accumulation bounds of the SIMD schedules, as constexpr functions the kernels use and the
// proofs (proofs/) check with Z3.
#pragma once

#include <cstdint>

namespace samd::kernels {

// Dot8, the broadcast schedule (AVX-512 vpdpbusd GEMM and GEMV; AVX2 dot8_avx2 on the panel
// format): one int32 lane accumulates one output's own products: per k-group (4 consecutive k) it
// adds at most 4 products ua * v (vpdpbusd and vpmaddubsw + vpmaddwd: 4, widened vpmaddwd: 2),
// |ua * v| <= 255 * 128. After kDot8BcastFlushGroups groups the lanes are flushed to int64:
// 16384 * 4 * 255 * 128 = 2,139,095,040 <= 2^31 - 1 = 2,147,483,647.
inline constexpr std::int64_t kDot8BcastFlushGroups = 16384;
inline constexpr std::int64_t kDot8BcastProductsPerGroup = 4;
constexpr std::int64_t dot8_bcast_lane_max() {
  return kDot8BcastFlushGroups * kDot8BcastProductsPerGroup * 255 * 128;
}
static_assert(dot8_bcast_lane_max() <= 2147483647, "Dot8 broadcast: an int32 lane could overflow");
static_assert(kDot8BcastFlushGroups % 16 == 0, "Dot8 broadcast flushes after whole 64-k slots");

// Bitserial, AVX-512 (each int64 lane accumulates one output for one shift s = i + j): per 64-bit
// plane word (64 k) a lane adds at most kBitserialPairsPerShift = 8 popcounts (the plane pairs
// with i + j = s: at most min(ab, wb) <= 8) of at most 64 each, so after K k it holds at most
// bitserial_lane_max(K) = ceil(K / 64) * 8 * 64. The shifted sum over s <= 14 is below
// 2^15 * bitserial_lane_max(K), which fits int64 for every K up to 2^31 - 1 (max_k_int32's range).
inline constexpr std::int64_t kBitserialPairsPerShift = 8;
constexpr std::int64_t bitserial_lane_max(std::int64_t k) {
  return (k + 63) / 64 * kBitserialPairsPerShift * 64;
}
static_assert(bitserial_lane_max(2147483647) <= (INT64_MAX >> 15),
              "Bitserial: an int64 lane or its shifted sum could overflow");

// AVX2 Dot8: vpmaddubsw adds two u8 x s8 products into an int16 with saturation. It is used only
// when no pair can saturate: 2 * max ua * max |v| <= 32767; otherwise the kernel widens to 16 bits
// first and uses vpmaddwd (exact in int32).
constexpr bool maddubs_exact(unsigned ab, unsigned wb) {
  const std::int64_t ua = (std::int64_t{1} << ab) - 1;
  const std::int64_t v = wb >= 8 ? 128 : (std::int64_t{1} << wb) - 1;
  return 2 * ua * v <= 32767;
}

// AVX2 Bitserial, fused kernel: the nibble-lookup popcount gives each byte lane at most 8 per
// 64-bit word; the counts are added in u8 lanes for at most kAvx2CntU8Words words: 31 * 8 = 248
// <= 255, then vpsadbw sums each 8-byte group into a u64 lane (exact).
inline constexpr std::int64_t kAvx2CntU8Words = 31;
constexpr std::int64_t avx2_cnt_u8_max() { return kAvx2CntU8Words * 8; }
static_assert(avx2_cnt_u8_max() <= 255, "AVX2 bitserial: a u8 count lane could overflow");

// AVX2 Dot8, fused kernel (M >= 8): one int16 lane receives per step (4 k) one vpmaddubsw sum of
// two products ua * v with ua <= 2^ab - 1 and 0 <= v <= 2^wb - 1 (weights below 8 bits;
// maddubs_exact rules out saturation), and is added with vpaddw for at most maddubs_i16_steps(ab,
// wb) steps: steps * 2 * ua * v <= 32767. Then vpmaddwd (x 1) folds lane pairs into int32 (<=
// 65534) and they are added to int64 sums. 0 means the pair does not use this schedule (8-bit
// weights, or a single maddubs could saturate). E.g. W2A2: 32767 / 18 = 1820; W4A4: 32767 / 450 =
// 72; W4A8: 32767 / 7650 = 4.
constexpr std::int64_t maddubs_i16_steps(unsigned ab, unsigned wb) {
  if (wb >= 8)
    return 0;
  const std::int64_t ua = (std::int64_t{1} << ab) - 1, v = (std::int64_t{1} << wb) - 1;
  return 32767 / (2 * ua * v);
}
static_assert(maddubs_i16_steps(2, 2) == 1820 && maddubs_i16_steps(4, 4) == 72 &&
              maddubs_i16_steps(8, 4) == 4);
static_assert(maddubs_i16_steps(8, 7) == 0 && maddubs_i16_steps(8, 8) == 0);
static_assert(maddubs_i16_steps(7, 7) * 2 * 127 * 127 <= 32767,
              "AVX2 Dot8: an int16 lane could overflow");

// LUT (table lookup: AVX2 vpshufb, AVX-512 vpshufb / vpermb) for weights of wb in {1, 2} bits.
// A weight nibble holds g = lut_group(wb) = 4 / wb consecutive weights u = w - plane_offset
// (weight t at bits t * wb); the g matching activation offsets ua form the table index
// a = sum_t ua_t << (t * ab), which needs g * ab <= 8 bits (lut_pair). Entry (a, nibble) of the
// table is lut_entry = sum_t ua_t * u_t, at most lut_max_entry(ab, wb) = g * (2^ab - 1) *
// (2^wb - 1) <= 255, so it is a byte. The schedule:
//  - u8 stage: a byte lane adds at most lut_u8_steps(ab, wb) = 255 / lut_max_entry entries;
//  - u16 stage: a widening adds one u8 lane (<= 255) to one u16 lane, at most kLutU16Widenings
//    times before the u16 lanes are added to int64 sums: 257 * 255 = 65,535.
// proofs/ checks the entries and both stages with Z3 (samd prove --op lut_entry, lut_u8, lut_u16).
constexpr bool lut_pair(unsigned ab, unsigned wb) {
  return (wb == 1 || wb == 2) && ab >= 1 && (4 / wb) * ab <= 8;
}
constexpr unsigned lut_group(unsigned wb) { return 4 / wb; }
constexpr std::int64_t lut_max_entry(unsigned ab, unsigned wb) {
  return std::int64_t{lut_group(wb)} * ((std::int64_t{1} << ab) - 1) *
         ((std::int64_t{1} << wb) - 1);
}
// Field `bits` wide at bit `lo` of x (unsigned integers here; proofs/ gives Z3 bit-vectors).
template <class T> struct lut_traits {
  static constexpr T field(const T &x, unsigned lo, unsigned bits) {
    return static_cast<T>((x >> lo) & ((1u << bits) - 1));
  }
};
// The entry of g weights for table index a and weight index w (g fields of wb bits), summed in T
// (the table builders' code). pre: a < 2^(g * ab), w < 2^(g * wb). post: sum_t ua_t * u_t.
template <class T>
constexpr T lut_entry_of(unsigned g, unsigned ab, unsigned wb, const T &a, const T &w) {
  T s = a - a; // zero of a's type
  for (unsigned t = 0; t < g; ++t)
    s = static_cast<T>(s +
                       lut_traits<T>::field(a, t * ab, ab) * lut_traits<T>::field(w, t * wb, wb));
  return s;
}
// The 16-entry tables' entry for table index a and weight nibble nib.
// pre: a < 2^(g * ab), nib < 16. post: sum_t ua_t * u_t (<= lut_max_entry; proof lut_entry).
template <class T> constexpr T lut_entry(unsigned ab, unsigned wb, const T &a, const T &nib) {
  return lut_entry_of<T>(lut_group(wb), ab, wb, a, nib);
}
constexpr std::int64_t lut_u8_steps(unsigned ab, unsigned wb) {
  return lut_pair(ab, wb) ? 255 / lut_max_entry(ab, wb) : 0;
}
inline constexpr std::int64_t kLutU16Widenings = 257;
static_assert(lut_u8_steps(1, 1) == 63 && lut_u8_steps(2, 2) == 14 && lut_u8_steps(2, 1) == 21 &&
              lut_u8_steps(1, 2) == 42 && lut_u8_steps(4, 2) == 2);
static_assert(lut_u8_steps(2, 1) * lut_max_entry(2, 1) <= 255 && kLutU16Widenings * 255 <= 65535,
              "LUT: a u8 or u16 lane could overflow");

// Paired rows (the AVX2 table lookup for W1A1 from kLutExpandMinRows rows): one table serves rows
// 2p and 2p + 1 of a block, its entry lut_fields_entry(e, e') = e + 16 e' for row 2p's entry e and
// row 2p + 1's entry e', so one vpshufb + vpaddb adds both rows' entries, each in a 4-bit field of
// the byte. A phase adds at most lut_field_steps(ab, wb) = 15 / lut_max_entry such bytes (its
// first replaces the lane), then splits the lane: (x & 15) into row 2p's u8 lane, ((x >> 4) & 15)
// into row 2p + 1's. Neither field carries into the other and the byte does not wrap (proof
// lut_fields: both fields' phase sums are exact), so each row's u8 lane holds the same sums of
// the same entries as without pairing, and the u8 / u16 stages above stand. Worth it where a
// phase is at least 3 lookups: per 3 steps of a row pair 3 vpshufb + 2 vpaddb and 5 ops to split,
// against 6 + 6 unpaired (only W1A1: lut_max_entry 4).
template <class T> constexpr T lut_fields_entry(const T &e, const T &e_hi) {
  return static_cast<T>(e + e_hi * 16);
}
constexpr std::int64_t lut_field_steps(unsigned ab, unsigned wb) {
  return lut_pair(ab, wb) ? 15 / lut_max_entry(ab, wb) : 0;
}
constexpr bool lut_paired_rows(unsigned ab, unsigned wb) { return lut_field_steps(ab, wb) >= 3; }
static_assert(lut_field_steps(1, 1) == 3 && lut_paired_rows(1, 1) && !lut_paired_rows(2, 1) &&
              !lut_paired_rows(1, 2) && !lut_paired_rows(2, 2));
static_assert(lut_field_steps(1, 1) * lut_max_entry(1, 1) <= 15 &&
                  lut_field_steps(1, 1) * lut_max_entry(1, 1) * 17 <= 255,
              "LUT paired rows: a field could carry or the byte wrap within a phase");

// LUT64 (AVX-512 VBMI vpermb on 64-entry tables) for W2A2: 3 weights per lookup. The weight index
// w (6 bits) holds kLut64Group weight offsets u of 2 bits, the table index a the 3 matching
// activation offsets ua of 2 bits: 64 tables of 64 entries, entry lut64_entry(a, w) = sum_t ua_t *
// u_t <= lut64_max_entry() = 3 * 3 * 3 = 27. The schedule:
//  - u8 stage: a byte lane adds at most lut64_u8_steps() = 255 / 27 = 9 entries;
//  - u16 stage: a window of widenings of a u8 lane, each kernel's own (the schedules below).
// proofs/ checks the entries, the u8 bound and both kernels' schedules with Z3 (samd prove --op
// lut64_entry, lut64_u8, lut64_schedule).
inline constexpr unsigned kLut64Group = 3;
constexpr bool lut64_pair(unsigned ab, unsigned wb) { return ab == 2 && wb == 2; }
constexpr std::int64_t lut64_max_entry() { return std::int64_t{kLut64Group} * 3 * 3; }
// pre: a < 64, w < 64. post: sum_t ua_t * u_t (<= lut64_max_entry; proof lut64_entry).
template <class T> constexpr T lut64_entry(const T &a, const T &w) {
  return lut_entry_of<T>(kLut64Group, 2, 2, a, w);
}
constexpr std::int64_t lut64_u8_steps() { return 255 / lut64_max_entry(); }
static_assert(lut64_u8_steps() == 9 && lut64_u8_steps() * lut64_max_entry() <= 255,
              "LUT64: a u8 lane could overflow");

// The LUT64 kernels' schedules (gemm_lut64_avx512.cpp; gen_lut64_asm.cpp emits their loops from
// these constants). A u8 lane adds exactly kLut64StageEntries entries between two widenings (a
// stage); a u16 lane takes the widenings of one window, then is added to the int64 / int32 sums.
//  - GEMM tiles: a chunk is one stage (8 groups), so it widens each lane once; a window is
//    kLut64GemmWindowChunks chunks plus the tile's final widening.
//  - The conv kernel with 3 kernel rows: a chunk (8 channels x 3 kernel rows = 24 lookups a lane)
//    widens each lane kLut64Conv3ChunkWidenings times; a window is kLut64Conv3WindowChunks chunks.
// A stage sums at most kLut64StageEntries * 27 = 216, so a window may take 65535 / 216 = 303
// widenings. proofs/ checks both stages of both kernels with Z3 on these constants (samd prove
// --op lut64_schedule), with mutants a step or a window too long.
inline constexpr std::int64_t kLut64StageEntries = 8;
inline constexpr std::int64_t kLut64GemmWindowChunks = 256;
inline constexpr std::int64_t kLut64Conv3ChunkWidenings = 3;
inline constexpr std::int64_t kLut64Conv3WindowChunks = 85;
struct Lut64Schedule {
  std::int64_t stage_entries;    // entries a u8 lane adds between widenings
  std::int64_t window_widenings; // widenings a u16 lane takes per window
};
constexpr Lut64Schedule lut64_gemm_schedule() {
  return {kLut64StageEntries, kLut64GemmWindowChunks + 1};
}
constexpr Lut64Schedule lut64_conv3_schedule() {
  return {kLut64StageEntries, kLut64Conv3ChunkWidenings * kLut64Conv3WindowChunks};
}
constexpr bool lut64_schedule_fits(const Lut64Schedule &s) {
  return s.stage_entries * lut64_max_entry() <= 255 &&
         s.window_widenings * s.stage_entries * lut64_max_entry() <= 65535;
}
static_assert(lut64_schedule_fits(lut64_gemm_schedule()) &&
                  lut64_schedule_fits(lut64_conv3_schedule()),
              "LUT64: a kernel's u8 or u16 lane could overflow");

// NEON Bitserial (vandq_u64 + vcntq_u8): vcntq_u8 gives each byte lane the popcount of 8 bits,
// at most 8. Stage 1 adds those counts in u8 lanes (vaddq_u8) for at most kNeonCntU8Vectors
// 128-bit vectors: 31 * 8 = 248 <= 255. Stage 2 folds the u8 lanes pairwise into u16 lanes
// (vpadalq_u8); a u16 lane gains at most 2 * 8 = 16 per vector, so it holds at most
// kNeonCntU16Vectors * 16 = 4092 * 16 = 65,472 <= 65,535. Stage 3 widens pairwise into u64
// (vpaddlq_u16, vpadalq_u32), which cannot overflow for any K a tensor can have.
inline constexpr std::int64_t kNeonCntU8Vectors = 31;
inline constexpr std::int64_t kNeonCntU16Vectors = 31 * 132; // a multiple of kNeonCntU8Vectors
constexpr std::int64_t neon_cnt_u8_max() { return kNeonCntU8Vectors * 8; }
constexpr std::int64_t neon_cnt_u16_max() { return kNeonCntU16Vectors * 2 * 8; }
static_assert(neon_cnt_u8_max() <= 255, "NEON bitserial: a u8 count lane could overflow");
static_assert(neon_cnt_u16_max() <= 65535, "NEON bitserial: a u16 count lane could overflow");
static_assert(kNeonCntU16Vectors % kNeonCntU8Vectors == 0);

// NEON Dot8 (baseline AArch64 has no u8 x s8 dot product; SDOT/UDOT need dotprod, USDOT i8mm).
// Every product ua * v is formed exactly in a wider type, never accumulated in 16 bits:
//  - weights of 8 bits (v in [-128, 127]): both sides widened to s16 (vmovl), vmlal_s16 /
//    vmlal_high_s16 multiply to s32 and add to an int32 lane;
//  - weights of 1..7 bits (v in [0, 127]): vmull_u8 forms single products in u16 lanes
//    (255 * 127 = 32,385 <= 65,535: one product per u16 lane, nothing accumulated there) and
//    vpadalq_u16 adds them pairwise to a u32 lane (kept below 2^31, read as int32).
// Each (row, column) has two int32x4 accumulators; per slot (64 k) each int32 lane receives at most
// kNeonDot8ProductsPerSlot = 8 products, |ua * v| <= 255 * 128. After kNeonDot8FlushSlots slots the
// lanes are flushed to int64: 2048 * 8 * 255 * 128 = 534,773,760 <= 2^31 - 1.
inline constexpr std::int64_t kNeonDot8ProductsPerSlot = 8;
inline constexpr std::int64_t kNeonDot8FlushSlots = 2048;
constexpr std::int64_t neon_dot8_max_product(unsigned ab, unsigned wb) {
  const std::int64_t ua = (std::int64_t{1} << ab) - 1;
  const std::int64_t v = wb >= 8 ? 128 : (std::int64_t{1} << wb) - 1;
  return ua * v;
}
constexpr std::int64_t neon_dot8_lane_max(unsigned ab, unsigned wb) {
  return kNeonDot8FlushSlots * kNeonDot8ProductsPerSlot * neon_dot8_max_product(ab, wb);
}
// The u16 product lanes of the unsigned variant (weights below 8 bits): one product each.
constexpr bool neon_umull_exact(unsigned ab, unsigned wb) {
  return wb < 8 && neon_dot8_max_product(ab, wb) <= 65535;
}
static_assert(neon_dot8_lane_max(8, 8) <= 2147483647, "NEON Dot8: an int32 lane could overflow");
static_assert(neon_umull_exact(8, 7), "NEON Dot8: a u16 product lane could overflow");
static_assert(kNeonDot8FlushSlots % 8 == 0, "NEON Dot8 flushes after whole super-blocks");

} // namespace samd::kernels
