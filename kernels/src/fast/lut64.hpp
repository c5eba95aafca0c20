// LUT64: the AVX-512 VBMI table-lookup GEMM for W2A2 with 3 weights per lookup (fast_bounds.hpp
// LUT64). Portable parts here (tables, group layout, the contract's reference); the kernel is
// AVX-512.
//
// Weights are the Lut format (FastWeights::nibbles, wb = 2): byte l of vector v of a panel holds
// the offsets u of k = 4v..4v+3 of column l (weight t at bits 2t). Every 3 vectors v = 3b + i
// (i < 3) make 4 groups of 3 weights, so vpermb can look them up with no index preparation but one
// shared by the rows:
//  - group 4b + i (i < 3): k = 4(3b + i) + {0, 1, 2}, the low 6 bits of vector 3b + i (vpermb
//    ignores bits 6-7);
//  - group 4b + 3: k = 12b + {3, 7, 11}, bits 6-7 of vectors 3b, 3b + 1, 3b + 2.
// Vectors past lut_vectors count as zero (so do weights past K: the format zero-fills them).
//
// A row's activations are one table per group: a byte offset (64 * table index, table index =
// ua_0 | ua_1 << 2 | ua_2 << 4 for the group's 3 k in the order above) into lut64_tables(), read
// through two offset arrays so that a convolution can point its rows into an image in place.
#pragma once

#include <cstdint>

#include "fast_gemm.hpp"

namespace samd::kernels::detail::fast {

// Groups of a weight row: 4 per 3 vectors, the last 3 possibly partly past lut_vectors.
inline std::int64_t lut64_groups(const FastWeights &w) { return (w.lut_vectors + 2) / 3 * 4; }
// The same from K (lut_vectors = ceil(K / 4) for wb = 2).
constexpr std::int64_t lut64_groups_of_k(std::int64_t K) { return ((K + 3) / 4 + 2) / 3 * 4; }
// The k of weight s < 3 of group j.
constexpr std::int64_t lut64_group_k(std::int64_t j, unsigned s) {
  const std::int64_t b = j / 4, i = j % 4;
  return i < 3 ? 4 * (3 * b + i) + s : 12 * b + 4 * s + 3;
}
// The 64 tables of 64 bytes: table a at byte 64 a, entry w = lut64_entry(a, w).
// post: a static array, 64-byte aligned, built once.
const std::uint8_t *lut64_tables();
inline constexpr std::int64_t kLut64TableBytes = 64 * 64;

// Row m's table for group j is at lut64_tables() + index[row_base[m] + group_off[j]].
// GEMM: row_base[m] = m * stride, group_off[j] = j.
struct Lut64Rows {
  const std::uint16_t *index = nullptr;    // byte offsets into lut64_tables(): 64 * table index
  const std::int64_t *row_base = nullptr;  // m entries
  const std::int64_t *group_off = nullptr; // lut64_groups(w) entries
  std::int64_t m = 0;
};

// The weight index of column n < w.n, group j < lut64_groups(w) (6 bits).
unsigned lut64_weight_index(const FastWeights &w, std::int64_t n, std::int64_t j);

// D[m][n] = sum_j tables[index of (m, j)][lut64_weight_index(w, n, j)] through the epilogue, for
// m < r.m and n in [n0, n1).
// pre: w.wb == 2, w.nibbles built; every index entry read is a multiple of 64 below
// kLut64TableBytes (logic_error otherwise); the activations were offsets of 2 bits whose table
// indices follow the group layout above; 0 <= n0 <= n1 <= w.n.
// post: e.put(m, n, D[m][n]) = the exact raw sum sum_k ua[m][k] * u[n][k]; nothing else written.
// lut64_reference: scalar int64 loops (any CPU; the tests' model of the kernel). lut64_rows: the
// fastest this CPU has (the AVX-512 VBMI kernel, else the reference).
void lut64_reference(const Lut64Rows &r, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                     std::int64_t n1);
void lut64_rows(const Lut64Rows &r, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                std::int64_t n1);

// The rows of one output column of a conv with 3 kernel rows, stride 1 and no dilation in y
// (conv_lut64.hpp's index image): row m's table offset of group j = ky * cp + c (ky < 3, c < cp =
// K / 9 channels) at index[(m + ky) * ct + c], i.e. Lut64Rows with row_base[m] = m * ct and
// group_off[j] = ky * ct + c. Input row m + ky's table of channel c serves rows m + ky - 0..2.
struct Lut64Conv3Rows {
  const std::uint16_t *index = nullptr;
  std::int64_t ct = 0; // entries from an input row to the next, >= cp
  std::int64_t m = 0;  // output rows (reading input rows 0 .. m + 1)
};
// Whether weights w are the 3 kernel rows' of whole chunks of 8 channels (cp = K / 9, cp % 8 = 0):
// the kernel's shape.
inline bool lut64_conv3_weights(const FastWeights &w) {
  return w.wb == 2 && w.k % 72 == 0 && w.k > 0;
}
// As lut64_rows on the rows above, for lut64_conv3_weights(w): the AVX-512 VBMI kernel that loads
// each input row's table once for its 3 kernel rows (gemm_lut64_avx512.cpp), else lut64_reference.
// pre: as lut64_rows' for those rows; ct >= K / 9. post: as lut64_rows'.
void lut64_conv3_rows(const Lut64Conv3Rows &r, const FastWeights &w, const Epilogue &e,
                      std::int64_t n0, std::int64_t n1);
// The AVX-512 VBMI kernel of lut64_conv3_rows (pre also: the CPU has AVX-512 F, BW, VL, VBMI).
void lut64_conv3_avx512(const Lut64Conv3Rows &r, const FastWeights &w, const Epilogue &e,
                        std::int64_t n0, std::int64_t n1);

// Whether lut64_rows runs the AVX-512 VBMI kernel (and the GEMM may pick Method::Lut64): the x86
// kernels are compiled in, the CPU has AVX-512 F, BW, VL and VBMI, and no test turned it off.
bool lut64_vbmi();
// Tests and fuzzing: Never makes lut64_vbmi() false (as on a CPU without VBMI); Always makes the
// GEMM pick Lut64 for W2A2 weights of any shape (fast::gemm_method) where lut64_vbmi(); Auto
// (the default) restores the CPU's and gemm_method's choice.
enum class Lut64Use { Auto, Never, Always };
void force_lut64(Lut64Use use);
bool lut64_any_shape(); // force_lut64(Always) is in effect

// The kernel lut64_rows runs on AVX-512 VBMI (gemm_lut64_avx512.cpp): contract as lut64_rows'
// (pre also: the CPU has AVX-512 F, BW, VL and VBMI). A bad table offset is a logic_error, as in
// lut64_reference: some outputs may be written by then (rows read in place are all checked first).
void lut64_avx512(const Lut64Rows &r, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                  std::int64_t n1);
// The GEMM's index (FastActs::lut64) from M rows of kpad offset bytes (values < 4, zero past K).
// pre: the CPU has AVX-512 F, BW, VL, VBMI; out holds M * stride entries, stride >= groups.
// post: out[m * stride + j] = 64 * sum_s ua[m][lut64_group_k(j, s)] << 2 s for j < groups (bytes
// at k >= kpad count as 0); the other entries are not written.
void lut64_index_avx512(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad,
                        std::int64_t groups, std::int64_t stride, std::uint16_t *out);

} // namespace samd::kernels::detail::fast
