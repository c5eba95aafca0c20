// The SIMD GEMM paths. Three methods, chosen per (activation bits, weight bits):
//  - Bitserial: activations and weights as bit planes (offset to unsigned); the product of a
//    plane pair over 64 k is one AND + POPCOUNT; D = sum_ij 2^(i+j) popcount(A_i & W_j).
//  - Dot8: activations as unsigned bytes, weights stored at their own width in byte streams and
//    unpacked to bytes, multiplied with VNNI vpdpbusd (AVX-512) or exact 16-bit madds (AVX2).
//    int32 lanes are flushed to int64 before they can overflow (fast_bounds.hpp).
//  - Lut (AVX2, weights of 1 or 2 bits): a weight nibble holds g = 4 / wb offset weights, the g
//    matching activation offsets select one of 2^(g * ab) 16-byte tables of their dot products,
//    and vpshufb looks the nibble up (T-MAC / DeepGEMM); u8, then u16 lanes (fast_bounds.hpp).
//  - Lut64 (AVX-512 VBMI, W2A2 GEMM): the same weight nibbles, 3 weights per 64-entry vpermb
//    lookup (lut64.hpp).
// All compute the raw sums D[m][n] = sum_k ua[m][k] * v[n][k] and add the zero-point corrections
// exactly as the Swar path does (Epilogue; fused into the AVX-512 kernels).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include <samd/kernels/exact_sums.hpp>
#include <samd/kernels/fast_bounds.hpp>
#include <samd/kernels/path.hpp>
#include <samd/layout.hpp>

namespace samd::kernels::detail::fast {

inline constexpr std::int64_t kSuperBlock = 512; // k per super-block: 8 slots of 64 bytes

// The parts a wb-bit weight is stored in for Dot8, low bits first, 0 where there is none: each
// part's values sit in whole bytes. 1-7 bits: the powers of two in wb, largest first; any other
// width: one part of 8 bits.
constexpr std::array<unsigned, 3> dot8_parts(unsigned wb) {
  std::array<unsigned, 3> parts{};
  if (wb < 1 || wb > 7) {
    parts[0] = 8;
    return parts;
  }
  std::size_t n = 0;
  for (unsigned p = 4; p >= 1; p /= 2)
    if ((wb & p) != 0)
      parts[n++] = p;
  return parts;
}

// f.template operator()<WB>() for the weight width wb: 1..Max, and Max for any other.
template <unsigned Max = 8, unsigned WB = 1, class F> void by_weight_bits(unsigned wb, F &&f) {
  if constexpr (WB < Max) {
    if (wb == WB)
      return f.template operator()<WB>();
    return by_weight_bits<Max, WB + 1>(wb, f);
  } else {
    return f.template operator()<Max>();
  }
}

enum class Method { Bitserial, Dot8, Lut, Lut64 };
const char *to_string(Method m);

bool compiled(Path p);
// The method a SIMD path uses for a width pair (chosen by measurement; see bench/), as a conv
// picks its algorithms by it (conv.cpp) and runs its im2col GEMM.
Method choose_method(Path p, unsigned ab, unsigned wb);
struct FastWeights;
// The method of a GEMM on weights w (N x K, wb bits) with ab-bit activations: choose_method's, but
// Lut64 for W2A2 on AVX-512 when lut64_vbmi(), the weights are not a conv's (FastWeights::conv)
// and lut64_shape holds, where it was measured faster than bit-serial (gemm_method's comment; any
// shape under force_lut64(Always)).
Method gemm_method(Path p, unsigned ab, const FastWeights &w);
// Lut64's shapes: N >= kLut64MinN, K >= kLut64MinK whatever M (GEMVs included); with the caller's
// rows hint (FastWeights::rows), also K >= kLut64BatchMinK at N >= kLut64MinN from
// kLut64BatchRows rows, and at N >= kLut64WideMinN from kLut64WideRows rows.
inline constexpr std::int64_t kLut64MinN = 192, kLut64MinK = 2048;
inline constexpr std::int64_t kLut64BatchRows = 8, kLut64BatchMinK = 288;
inline constexpr std::int64_t kLut64WideRows = 64, kLut64WideMinN = 128;
constexpr bool lut64_shape(std::int64_t n, std::int64_t k, std::int64_t rows) {
  if (n >= kLut64MinN && k >= kLut64MinK)
    return true;
  if (k < kLut64BatchMinK)
    return false;
  return (rows >= kLut64BatchRows && n >= kLut64MinN) ||
         (rows >= kLut64WideRows && n >= kLut64WideMinN);
}

// Weight formats at a 64-byte boundary: the AVX-512 kernels load their weight vectors 64 bytes at
// a time, and from a vector's 16-byte malloc alignment each load could span two cache lines
// (measured: the W2A2 Lut64 GEMM ran 780-810 or 900 GMAC/s, the W2A1 bit-serial one 975 or 1,380,
// by where the heap put the weights).
template <class T, std::size_t Align> struct AlignedAllocator {
  using value_type = T;
  template <class U> struct rebind { using other = AlignedAllocator<U, Align>; };
  AlignedAllocator() = default;
  template <class U> AlignedAllocator(const AlignedAllocator<U, Align> &) noexcept {}
  T *allocate(std::size_t n) {
    return static_cast<T *>(::operator new (n * sizeof(T), std::align_val_t{Align}));
  }
  // Unsized: clang 14 declares no sized aligned operator delete without -fsized-deallocation.
  void deallocate(T *p, std::size_t) noexcept { ::operator delete (p, std::align_val_t{Align}); }
  friend bool operator==(const AlignedAllocator &, const AlignedAllocator &) { return true; }
};
using AlignedBytes = std::vector<std::uint8_t, AlignedAllocator<std::uint8_t, 64>>;
using AlignedWords = std::vector<std::uint64_t, AlignedAllocator<std::uint64_t, 64>>;

// The weight formats, built on first use by PackedWeights (gemm_weight_store.cpp): Source is the
// QTensor (b-bit lanes), Swar the guarded words of the Swar path, the others below.
enum class WeightFormat : int { Source, Swar, Planes, IPlanes, Streams, PStreams, Nibbles };
inline constexpr int kWeightFormats = 7;
const char *to_string(WeightFormat f);

// The SIMD formats' parameters (fixed when the weights are prepacked) and the formats built so far
// (a vector stays empty until PackedWeights::fast(format) builds it; then it never changes).
struct FastWeights {
  std::int64_t n = 0, k = 0, kpad = 0; // kpad: K rounded up to a multiple of kSuperBlock
  unsigned wb = 0;
  // Bitserial format: planes[(n * wb + j) * (kpad / 64) + word], bits of u = w - plane_offset.
  std::vector<std::uint64_t> planes;
  std::int64_t plane_offset = 0;
  // Bitserial panel format (AVX-512, AVX2 W1A1): the same words for panels of 8 columns side by
  // side, iplanes[((P * wb + j) * iwords + word) * 8 + c] = plane word of column 8P + c (zero past
  // N). iwords = ceil(K / 64): the kernels read only words holding k < K, so the panel format is
  // not padded to kpad (a K of 576 would otherwise take 1024 k of room).
  AlignedWords iplanes;
  std::int64_t iwords = 0;
  // Dot8 format (NEON): per row, kpad / 512 super-blocks of 64 * wb bytes; parts low bits first.
  std::vector<unsigned> parts;
  std::vector<std::uint8_t> streams;
  std::size_t stream_row_bytes = 0;
  // Dot8 panel format (AVX-512, AVX2): panels of 16 weight rows (rows past N zero); vector q
  // of a panel holds k = 4q..4q+3 of its 16 rows, byte 4c + t = v[16P + c][4q + t]; vectors are
  // packed 8 at a time (32 k) in 64 * wb bytes exactly like a super-block of `streams`. A panel
  // holds ceil(K / 32) such groups (the kernels read no further), not kpad / 32.
  AlignedBytes pstreams;
  std::size_t pstream_panel_bytes = 0; // max(1, ceil(K / 32)) * 64 * wb
  std::int64_t byte_offset = 0;        // v = w - byte_offset, in [-128, 127]
  // Lut format (wb in {1, 2}): the offsets u = w - plane_offset in nibbles of g = lut_group(wb)
  // consecutive k (weight t at bits t * wb; step s holds k = g s .. g s + g - 1), in panels of
  // kLutPanel columns (zero past N and past K). Vector v of panel P (W = lut_panel_width(w, P)
  // bytes), byte l: bits 0-3 the nibble of column 64 P + l at step 2 v, bits 4-7 at step 2 v + 1:
  // nibbles[P * lut_vectors * 64 + v * W + l]. lut_vectors = ceil(ceil(K / g) / 2); 0 for other
  // wb. Every panel is 64 columns wide but a last one of at most 32 columns, which is 32 wide (so
  // N = 32, a conv's 32 output channels, is not padded to twice its bytes).
  AlignedBytes nibbles;
  std::int64_t lut_vectors = 0;
  // A conv's im2col GEMM weights (detail::prepack_conv_group): their GEMM keeps choose_method's
  // method, by which conv.cpp picks its algorithms, and prepack builds that method's format.
  bool conv = false;
  // The rows M the caller expects its GEMMs to have (PackedWeights::prepack's hint; 0: unknown).
  std::int64_t rows = 0;
};
inline constexpr std::int64_t kLutPanel = 64; // columns per Lut panel (one AVX-512 vector)
// The width in columns (= bytes of a vector) of Lut panel P < ceil(N / 64): 32 for a last panel
// holding at most 32 columns, else kLutPanel.
inline std::int64_t lut_panel_width(const FastWeights &w, std::int64_t P) {
  return w.n - P * kLutPanel <= kLutPanel / 2 ? kLutPanel / 2 : kLutPanel;
}
// Where column n's byte of vector v < lut_vectors is in the Lut format: nibbles[lut_byte(w, n, v)].
inline std::size_t lut_byte(const FastWeights &w, std::int64_t n, std::int64_t v) {
  const std::int64_t P = n / kLutPanel;
  return static_cast<std::size_t>(P * w.lut_vectors * kLutPanel + v * lut_panel_width(w, P) +
                                  n % kLutPanel);
}

// The parameters of the SIMD formats of N x K weights of layout wl (no format built).
// post: every format vector empty; kpad >= kSuperBlock, iwords = ceil(K / 64).
FastWeights weight_params(const Layout &wl, std::int64_t N, std::int64_t K);
// The bytes format f (a SIMD format) takes once built, from the parameters alone.
std::size_t format_bytes(const FastWeights &w, WeightFormat f);
// allocate_format: format f of w zero-filled (pre: empty). put_row then writes row n (K weight
// integers of w's layout; pre: row n not written yet); get_row reads row n back (pre: format f
// built). get_row(put_row(x)) = x for every format (the lazily built formats are decoded from
// whichever one is resident).
void allocate_format(FastWeights &w, WeightFormat f);
// The bytes of format f w's vectors hold (format_bytes(w, f) once it is built, 0 before).
std::size_t built_bytes(const FastWeights &w, WeightFormat f);
void put_row(FastWeights &w, WeightFormat f, std::int64_t n, const std::int64_t *row);
void get_row(const FastWeights &w, WeightFormat f, std::int64_t n, std::int64_t *row);

// A conv's Dot8 GEMM rows read in place from its channel-quad image (conv_quads.hpp
// quad_rows): the 16-row group g with org[g] >= 0 has its 16 rows' k-quad q as the 16
// consecutive dwords at image + 4 * org[g] + qoff[q] (bytes); a group with org[g] < 0 is in
// FastActs::inter as usual. qoff has ceil(K / 32) * 8 entries (those past K / 4: any offset
// whose 64 bytes lie inside the image; the weights there are zero).
struct QuadSource {
  const std::uint8_t *image = nullptr;
  const std::int64_t *qoff = nullptr;
  const std::int64_t *org = nullptr; // FastActs::groups entries
};

// A conv's rows for the AVX-512 Dot8 tap kernel (dot8_taps_avx512, conv_taps.hpp), read in place
// from the padded image's offset bytes (NHWC): row m's k-quad q of tap t (k = 4q' in the tap's
// channels, q = t * tap_quads + q') is the 4 bytes at image + row_off[m] + tap_off[t] + 4 q'. Bit t
// of pad_taps[m] says that tap t of row m reads a padding pixel, every byte of which is `pad`.
// order: the m rows in the order the kernel takes them in blocks (rows with the same pad_taps
// adjacent, so that a block can skip the taps all its rows read padding in).
struct ConvTaps {
  const std::uint8_t *image = nullptr;
  const std::int64_t *row_off = nullptr;   // m
  const std::uint64_t *pad_taps = nullptr; // m
  const std::int32_t *order = nullptr;     // m, a permutation of 0 .. m - 1
  const std::int64_t *tap_off = nullptr;   // taps
  std::int64_t taps = 0, tap_quads = 0;    // K = taps * tap_quads * 4
  std::uint8_t pad = 0;
};
inline constexpr std::int64_t kConvTapsMax = 64; // taps a pad_taps mask holds
// Whether dot8_taps_avx512 can run tap rows t on weights w: at most kConvTapsMax taps, K = taps *
// tap_quads * 4, and K <= 4 * kDot8BcastFlushGroups (its lanes never flush).
inline bool conv_taps_fit(const ConvTaps &t, const FastWeights &w) {
  return t.taps <= kConvTapsMax && t.taps * t.tap_quads * 4 == w.k &&
         w.k <= 4 * kDot8BcastFlushGroups;
}

// Activations prepared once per call: ua = a - a_min.
struct FastActs {
  std::int64_t m = 0, kpad = 0;
  unsigned ab = 0;
  std::vector<std::uint8_t> bytes;   // m x kpad (Dot8)
  std::vector<std::uint64_t> planes; // m x ab x kpad/64 (Bitserial)
  std::vector<std::int64_t> rowsum;  // sum_k ua
  // Dot8 on AVX-512 with at least kInterleaveMinRows rows: the bytes again, rows in groups of 16
  // with each group's k in 4-byte steps side by side: inter[((g * (kpad / 4) + q) * 16 + i) * 4 +
  // t] = ua[16 g + i][4 q + t] (rows past M are zero), so one vector holds 4 k of 16 rows.
  std::vector<std::uint8_t> inter;
  std::int64_t groups = 0; // row groups of 16 in inter
  // Non-null: the AVX-512 Dot8 GEMM reads the groups with quads->org[g] >= 0 in place instead
  // (their part of inter need not be written; M >= kInterleaveMinRows, inter sized as above).
  const QuadSource *quads = nullptr;
  // Lut: the byte offset of each row's table at step s (g = lut_group(wb) consecutive k, tables
  // kLutTableBytes apart), lut[m * lut_steps + s] = kLutTableBytes * sum_t ua[m][g s + t] << (t *
  // ab) (zero past K); lut_steps = ceil(K / g) rounded up to even (a weight byte holds two steps).
  // Offsets rather than indices: the kernel adds them to the tables' address as they are, one
  // instruction less per table load than scaling an index by 32 (beyond an address's scale of 8).
  std::vector<std::uint16_t> lut;
  std::int64_t lut_steps = 0;
  // Lut with paired rows (lut_rows_paired(ab, wb, m): W1A1 from kLutExpandMinRows rows): the
  // offset of rows 2p and 2p + 1's paired table at step s, lut_paired[p * lut_steps + s] =
  // lut[2p][s] + 16 lut[2p + 1][s] (table a0 + 16 a1 of the paired tables, fast_bounds.hpp
  // lut_fields_entry), for p < m / 2; else empty. One load a step for both rows.
  std::vector<std::uint16_t> lut_paired;
  // Lut64 (lut64 true): row m's table offset of group j (lut64.hpp) at lut64_index[m *
  // lut64_stride + j], lut64_stride = lut64_groups_of_k(K).
  bool lut64 = false;
  std::vector<std::uint16_t> lut64_index;
  std::int64_t lut64_stride = 0;
  // Non-null: a conv's rows in place (ConvTaps), no bytes, inter or planes; gemm_raw runs
  // dot8_taps_avx512 on them (Method::Dot8 on Path::Avx512 only).
  const ConvTaps *taps = nullptr;
};
inline constexpr std::int64_t kInterleaveMinRows = 8;
// The AVX2 table lookup's tables: each 16-byte table twice (both 128-bit halves of a ymm).
inline constexpr unsigned kLutTableBytes = 32;
// From this many rows on, the AVX2 table lookup expands each column block's nibbles to index bytes
// first (gemm_lut_avx2.cpp, where it is measured) and, for W1A1, looks up rows in pairs.
inline constexpr std::int64_t kLutExpandMinRows = 32;
// Whether the AVX2 table lookup serves rows in pairs: W1A1 (lut_paired_rows) from
// kLutExpandMinRows rows. One decision for build_lut_index (which builds FastActs::lut_paired) and
// lut_avx2 (which reads it).
inline constexpr bool lut_rows_paired(unsigned ab, unsigned wb, std::int64_t m) {
  return lut_paired_rows(ab, wb) && m >= kLutExpandMinRows;
}
inline constexpr std::int64_t kPanel = 16; // weight rows per pstreams panel
// From unsigned offsets ua = a - a_min (M rows of K bytes): the method's format for path p. wb:
// the weights' width (Method::Lut groups lut_group(wb) k per table index; unused otherwise).
FastActs build_acts(Path p, const std::uint8_t *ua, std::int64_t M, std::int64_t K,
                    std::int64_t kpad, unsigned ab, unsigned wb, Method method);
// The same from activation integers of layout al.
FastActs build_acts(Path p, const std::int64_t *a, std::int64_t M, std::int64_t K,
                    std::int64_t kpad, const Layout &al, unsigned wb, Method method);
// FastActs::lut from x.bytes (x.m rows of x.kpad offset bytes, zero past K) for weights of wb
// bits. pre: lut_pair(x.ab, wb). post: x.lut holds x.m * x.lut_steps table offsets as documented
// above; x.lut_paired the paired rows' offsets where lut_rows_paired(x.ab, wb, x.m), else it is
// empty.
void build_lut_index(FastActs &x, std::int64_t K, unsigned wb);
// The 2^(g * ab) tables of the pair, 16 bytes each: table a, entry nib = lut_entry(ab, wb, a, nib)
// (fast_bounds.hpp). pre: lut_pair(ab, wb). post: a static array, 16-byte aligned, built once.
const std::uint8_t *lut_tables(unsigned ab, unsigned wb);
// The paired-row tables of W1A1 (fast_bounds.hpp lut_fields_entry): table p = a0 + 16 a1 at
// p * kLutTableBytes (the offsets of FastActs::lut_paired), entry nib = lut_entry(1, 1, a0, nib) +
// 16 lut_entry(1, 1, a1, nib), in both 16-byte halves. post: a static array, 64-byte aligned,
// 256 tables, built once.
const std::uint8_t *lut_paired_tables();
// The lut_pairs in one order, for per-pair arrays: (1, 1), (2, 1), then (1..4, 2) as (ab, wb).
// pre: lut_pair(ab, wb). post: in [0, kLutPairs).
inline constexpr int kLutPairs = 6;
constexpr int lut_slot(unsigned ab, unsigned wb) {
  return wb == 1 ? static_cast<int>(ab) - 1 : static_cast<int>(ab) + 1;
}
// Bit planes of M rows of kpad bytes: planes[(m * ab + i) * kpad / 64 + word] (ISA versions).
// FastActs::inter from M rows of kpad bytes (AVX-512); inter must be zero-filled.
void interleave_avx512(const std::uint8_t *bytes, std::int64_t M, std::int64_t K, std::int64_t kpad,
                       std::uint8_t *inter);
void planes_avx512(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad, unsigned ab,
                   std::uint64_t *planes);
void planes_avx2(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad, unsigned ab,
                 std::uint64_t *planes);
void planes_neon(const std::uint8_t *bytes, std::int64_t M, std::int64_t kpad, unsigned ab,
                 std::uint64_t *planes);

// The exact result from a raw sum D[m][n], fused into the kernels' epilogue (finish_rows):
// out[m * n + col] = D + dz[col] * rowsum[m] + fixed[col], with fixed = bias + da * colsum + K * da
// * dz (exact_sums.hpp's epilogue_sum and epilogue_fixed, the terms Z3 proves: samd prove --op
// epilogue_ring, k_bound_int32). A result outside int32 (impossible once check_k_bound passed)
// sets *bad instead of being hidden.
struct Epilogue {
  const std::int64_t *rowsum = nullptr; // M: sum_k ua
  const std::int64_t *dz = nullptr;     // N: c - zw[n]
  const std::int64_t *fixed = nullptr;  // N
  std::int32_t *out = nullptr;          // M x N, row-major, row m at out + m * ld
  std::int64_t n = 0, ld = 0;           // ld >= n
  bool rowsum_fits_int32 = true; // every rowsum and dz fits int32 (the vector epilogue's multiply)
  // K * max ua * 128 + max |dz| * max rowsum + max |fixed| <= INT32_MAX: every raw sum (and any
  // partial sum of its products, |ua * v| <= 255 * 128), every dz * rowsum, every fixed and every
  // result fits int32, so a kernel may add them in int32 without a range check (the AVX-512 Dot8
  // GEMM does).
  bool int32_exact = false;
  std::atomic<int> *bad = nullptr;
  // Every result known to fit int32 (the caller bounded D, dz * rowsum and fixed column by
  // column): a kernel may then form them in int32 lanes mod 2^32 from dz32 and fixed32 (dz and
  // fixed mod 2^32) and rowsum mod 2^32 with no range check, since C mod 2^32 is C itself when C
  // fits int32 (exact_sums.hpp: ring operations only). Read by conv_bitserial_avx512's whole
  // blocks; the GEMM leaves it false.
  bool known_int32 = false;
  const std::int32_t *dz32 = nullptr, *fixed32 = nullptr; // N each

  void put(std::int64_t m, std::int64_t col, std::int64_t d) const {
    const std::int64_t s = epilogue_sum<std::int64_t>(d, rowsum[m], 1, dz[col], fixed[col]);
    if (s < INT32_MIN || s > INT32_MAX)
      bad->store(1, std::memory_order_relaxed);
    out[m * ld + col] = static_cast<std::int32_t>(s);
  }
};

// Epilogue::int32_exact kernels (lut_avx2, lut64_avx512): dz and fixed of columns [n0, n1) as
// int32 (their values: int32_exact says they fit), indexed by column.
// pre: e.int32_exact, 0 <= n0 <= n1 <= e.n. post: dz[n], fixed[n] for n in [n0, n1): e.dz32 and
// e.fixed32 when the caller gave them (dz and fixed mod 2^32, the values themselves here), else
// this thread's arrays, valid until its next call.
struct Int32Columns {
  const std::int32_t *dz, *fixed;
};
Int32Columns int32_columns(const Epilogue &e, std::int64_t n0, std::int64_t n1);

// The kernel gemm_raw runs for a path, method and width pair; interleaved: the activations have
// FastActs::inter (Dot8 GEMM with M >= kInterleaveMinRows on AVX2 / AVX-512). One place decides,
// so the weight format built for a call (format_of) is the one its kernel reads.
enum class Kernel {
  Avx512Bitserial,
  Avx512Dot8,
  Avx2BitserialFused,
  Avx2Bitserial,
  Avx2Dot8Fused,
  Avx2Dot8,
  Avx2Lut,
  Avx512Lut64,
  NeonBitserial,
  NeonDot8
};
Kernel choose_kernel(Path p, Method method, unsigned ab, unsigned wb, bool interleaved);
WeightFormat format_of(Kernel k);
// The format a GEMM (M >= kInterleaveMinRows) on SIMD path p reads from weights w: what prepack
// builds for p.
WeightFormat gemm_format(Path p, unsigned ab, const FastWeights &w);

// out for all M rows; threads > 1 splits N statically into equal ranges (whole panels of 16, of
// kLutPanel for Lut64).
void gemm_raw(Path p, Method method, const FastWeights &w, const FastActs &a, const Epilogue &e,
              int threads);

// ISA kernels (each compiled with its own target flags), for n in [n0, n1).
// AVX-512: the epilogue is fused (results written as int32 into e.out).
void bitserial_avx512(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                      std::int64_t n1);
// The Dot8 conv with the output channels in the vector lanes (16 columns a panel, 4 panels a
// block) and a row's activation quad broadcast: each row takes only its own taps, so a block of
// rows skips the taps where all of them read padding, whose products are pad * the tap's weight
// sums (added per column). D[m][n] is then the im2col GEMM's raw sum exactly: a skipped tap's
// bytes are all `pad`, and the others are read from the padded image the GEMM row copies.
// pre: m = a.m rows of c = *a.taps; conv_taps_fit(c, w) (gemm_raw checks it), so w.k = c.taps *
// c.tap_quads * 4 <= 4 * kDot8BcastFlushGroups (a lane adds at most that many 4-product groups,
// the broadcast schedule's bound, so it never flushes); w's pstreams built; e.rowsum: the rows'
// full sums (padding taps included); n0 a multiple of kPanel; the CPU has AVX-512 F, BW, VL and
// VNNI.
// post: e.out rows [0, m), columns [n0, n1) as the Dot8 GEMM writes them from the im2col rows.
void dot8_taps_avx512(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                      std::int64_t n1);
void dot8_avx512(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                 std::int64_t n1);
// The implicit-GEMM conv's activations (conv_planes.hpp PlaneImage, read in place): M rows (output
// pixels) whose plane-i word x = q * run + u (u < run), x < K / 64, is image[row_base[m] + i *
// plane + run_start[q] + u] (a run: a tap's channel words, or a kernel row's taps when they are
// consecutive in the image).
struct ConvRows {
  const std::uint64_t *image = nullptr; // plane 0, the group's first word of pixel 0
  const std::int64_t *row_base = nullptr;
  const std::int64_t *run_start = nullptr;
  std::int64_t m = 0, plane = 0, run = 1;
  unsigned ab = 0;
  // Optional (both or neither): pad_runs[r], bit q: row r's run q reads padding pixels only
  // (plane_pad_runs); pad_sums[q * npad + n]: that run's raw sum for column n, pad x the sum of
  // the column's weight offsets over the run (conv_pad_run_sums; npad = 8 x weight panels). A
  // block whose rows all have run q adds pad_sums instead of its products.
  const std::uint64_t *pad_runs = nullptr;
  const std::int64_t *pad_sums = nullptr;
};
// pad x the weight offsets' sums over each run of c's tables: sums[q * npad + n] for the runs of
// w.k's words (run q: words [q * c.run, min((q + 1) * c.run, ceil(K / 64)))), npad = 8 x panels,
// columns past N 0. pre: w's bit-serial format (iplanes) built; pad < 2^8; the CPU has AVX-512 F
// and VPOPCNTDQ. post: sums holds runs x npad values.
void conv_pad_run_sums(const ConvRows &c, const FastWeights &w, std::uint8_t pad,
                       std::vector<std::int64_t> &sums);
// The bit-serial kernel on those rows (the same blocks, accumulators and epilogue as
// bitserial_avx512, whose GEMM rows it replaces), columns [n0, n1).
// pre: w.k a multiple of 64 and of 64 * c.run (every run whole), e.rowsum holds the M rows' sums
// of offsets, the pair c.ab x w.wb one bitserial_avx512 serves, the CPU has AVX-512 F, BW, VL and
// VPOPCNTDQ. post: e.out rows [0, M), columns [n0, n1) written as bitserial_avx512 writes them.
void conv_bitserial_avx512(const ConvRows &c, const FastWeights &w, const Epilogue &e,
                           std::int64_t n0, std::int64_t n1);
// AVX2 bit-serial for ab = wb = 1 (what choose_method picks on AVX2), fused the same way.
void bitserial_avx2_fused(const FastActs &a, const FastWeights &w, const Epilogue &e,
                          std::int64_t n0, std::int64_t n1);
// AVX2 Dot8 for M >= kInterleaveMinRows and the width pairs whose vpmaddubsw sums are exact and can
// be added in int16 (maddubs_i16_steps > 0), fused the same way.
void dot8_avx2_fused(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                     std::int64_t n1);
// The others write raw sums D[m * N + n]; gemm_raw applies the epilogue. dot8_avx2 (GEMVs, and
// GEMMs of the pairs with no int16 schedule) reads the panel format too, one panel at a time.
void bitserial_avx2(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                    std::int64_t n1);
void dot8_avx2(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
               std::int64_t n1);
// AVX2 table lookup (Method::Lut; gemm_lut_avx2.cpp), fused the same way.
// pre: lut_pair(a.ab, w.wb), w.nibbles built, a.lut (and, for W1A1 from kLutExpandMinRows rows,
// a.lut_paired) built for w.wb by build_lut_index, 0 <= n0 <= n1 <= w.n, the CPU has AVX2. post:
// e.put(m, n, D[m][n]) for every m < a.m and n in [n0, n1), D the exact raw sum sum_k ua[m][k] *
// (w[n][k] - plane_offset); nothing else written.
void lut_avx2(const FastActs &a, const FastWeights &w, const Epilogue &e, std::int64_t n0,
              std::int64_t n1);
// NEON (AArch64 only; gemm_neon.cpp): vcntq_u8 bit-serial, and Dot8 with exact widening multiplies.
void bitserial_neon(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
                    std::int64_t n1);
void dot8_neon(const FastActs &a, const FastWeights &w, std::int64_t *D, std::int64_t n0,
               std::int64_t n1);

} // namespace samd::kernels::detail::fast
