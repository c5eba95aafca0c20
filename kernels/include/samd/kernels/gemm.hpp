// GEMM / fully connected: C[m][n] = bias[n] + sum_k (A[m][k] - za) * (B[n][k] - zb[n]), exact in
// int32, for activation A {M, K} and weights B {N, K} (one row per output channel, as a fully
// connected layer's weight), any widths 1–8 each, signed or unsigned; optionally requantized.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <samd/kernels/path.hpp>
#include <samd/kernels/requant.hpp>
#include <samd/kernels/tensor.hpp>

namespace samd::kernels {

namespace detail::fast {
struct FastWeights;
struct FastActs;
enum class WeightFormat : int;
} // namespace detail::fast
class PackedWeights;
namespace detail {
struct WeightStore;
// PackedWeights::prepack for the weights of a conv's im2col GEMM (conv.cpp conv_groups): the
// format prepared is the one that GEMM reads (fast::choose_method's, FastWeights::conv).
PackedWeights prepack_conv_group(const QTensor &w, std::vector<std::int32_t> bias,
                                 const Layout &act, unsigned swar_guard, Path prepare);

// Per-channel sums kept in the narrowest of 16, 32 or 64 bits that holds every possible one, so
// that they stay a small part of b-bit weights (2 bytes per channel against K * b / 8).
class ColumnSums {
public:
  // pre: 0 <= sums[n] <= max_sum for every n.
  void assign(const std::vector<std::int64_t> &sums, std::int64_t max_sum);
  std::int64_t operator[](std::size_t n) const {
    return !s16_.empty() ? s16_[n] : (!s32_.empty() ? s32_[n] : s64_[n]);
  }
  std::size_t size() const { return s16_.size() + s32_.size() + s64_.size(); }
  std::size_t bytes() const; // allocated
  std::size_t element_bytes() const;

private:
  std::vector<std::int16_t> s16_;
  std::vector<std::int32_t> s32_;
  std::vector<std::int64_t> s64_;
};
} // namespace detail

inline constexpr unsigned kMaxKernelBits = 8;

struct KernelOptions {
  Path path = Path::Auto;
  // Swar: when K exceeds the accumulator capacity, flush the fields and go on (split the
  // reduction). false: such a K is an error instead.
  bool allow_split = true;
  // Not read by any kernel: the Swar GEMM's headroom bits are the weights' own, fixed when they
  // are packed (PackedWeights::prepack / PackedConvWeights::prepack's swar_guard, 1–32, checked
  // there), and so are its capacity and allow_split's limit. Kept so that positional initializers
  // ({path, allow_split, guard, threads}) keep their meaning.
  unsigned swar_guard = 5;
  // SIMD paths: OpenMP threads over output channels (1: the calling thread only);
  // 1..kMaxKernelThreads, else every kernel refuses the options (resolve_options).
  int threads = 1;
};

inline constexpr int kMaxKernelThreads = 1024;

// The options every kernel entry checks before any work.
// pre: 1 <= opt.threads <= kMaxKernelThreads, else std::invalid_argument naming `kernel`, the value
// and the limit. post: resolve_path(opt.path).
Path resolve_options(const KernelOptions &opt, const char *kernel);

// Weights prepacked once for a given activation layout.
//
// Each path reads its own weight format (Reference: the QTensor's b-bit lanes; Swar: words with
// guard fields; the SIMD paths: bit planes, b-bit nibbles or b-bit byte groups, fast_gemm.hpp).
// An object holds only the formats that were asked for: prepack builds the one `prepare` reads,
// and a gemm on another path builds that path's format on first use (once, thread-safe), decoding
// the weights from a format already held. So after prepack and GEMMs (and GEMVs) on the path Auto
// picks, resident_bytes() is that format plus per-channel data: b/8 of int8's bytes for b-bit
// weights on the x86 SIMD paths, at any K. Copies share the built formats.
class PackedWeights {
public:
  PackedWeights() = default;
  // w: {N, K}, 1–8 bits, quantization per tensor or per output channel (axis 0);
  // bias: empty or N int32 values (in units of a_scale * w_scale[n]);
  // act: the activation layout the weights will be multiplied with (1–8 bits);
  // prepare: the path whose format is built now (Auto: the one resolve_path picks; Reference
  // keeps only w's words, the cheapest start when the first use is not known).
  // rows: the rows M the GEMMs on these weights will have, when the caller knows it (a batch
  // size); 0: unknown. It only picks the method where the fastest one depends on M: on AVX-512
  // with VBMI, W2A2 table lookup (Lut64) from 8 rows at N >= 192, K >= 288 (and from 64 rows at
  // N >= 128), where without the hint it is taken only from N >= 192, K >= 2048 since GEMVs lose
  // with it below. Every M is still multiplied exactly, whatever the hint.
  // pre: resolve_path(prepare) is supported, rows >= 0 (else std::invalid_argument).
  static PackedWeights prepack(const QTensor &w, std::vector<std::int32_t> bias, const Layout &act,
                               unsigned swar_guard = 5, Path prepare = Path::Auto,
                               std::int64_t rows = 0);

  std::int64_t n() const { return n_; }
  std::int64_t k() const { return k_; }
  const Layout &act_layout() const { return act_; }
  const Layout &weight_layout() const { return wl_; }
  const QuantParams &weight_quant() const { return wq_; }
  // The weights as a QTensor (the Reference path's format): decoded and kept on first use when
  // prepack did not keep them (then resident_bytes() grows by their b-bit words).
  const QTensor &weights() const;
  const std::vector<std::int32_t> &bias() const { return bias_; }
  unsigned swar_guard() const { return guard_; }

  // Swar data (built on first use): words[k * words_per_row + j] holds u[n][k] for n in lanes of
  // word j.
  const std::vector<std::uint64_t> &swar_words() const;
  std::size_t words_per_row() const { return words_per_row_; }
  // sum_k u[n][k] (u = w - weight_offset()).
  std::int64_t column_sum(std::int64_t n) const { return colsum_[static_cast<std::size_t>(n)]; }
  std::vector<std::int64_t> column_sums() const;
  std::int64_t weight_offset() const { return wmin_; } // w = u + offset
  // The SIMD formats' parameters (kpad, widths, offsets); its format vectors hold only what was
  // built so far.
  const detail::fast::FastWeights &fast() const;
  // The same with format f built first (once; safe from several threads at a time).
  const detail::fast::FastWeights &fast(detail::fast::WeightFormat f) const;

  // Bytes a GEMM of m activation rows on path p reads: its weight format (built or not) plus the
  // per-channel data it reads (column sums, quantization parameters, bias). Every x86 kernel reads
  // the same format for any m (NEON's too); m is kept for formats that may differ by rows.
  std::size_t weight_bytes(Path p, std::int64_t m = 8) const;
  // The name of that format: "source" (QTensor lanes), "swar" (guarded words), "planes" or
  // "iplanes" (bit planes, b bits per weight), "nibbles" (b-bit table-lookup indices),
  // "streams" (NEON) or "pstreams" (b bits per weight, unpacked to bytes inside the kernels).
  const char *weight_format(Path p, std::int64_t m = 8) const;
  // Bytes the object holds now: every format built so far, the per-channel data and the objects
  // themselves (shared formats are counted in full by each copy).
  // post: after prepack(..., p) and GEMMs of any m on p only, resident_bytes() <=
  // weight_bytes(p) + sizeof(PackedWeights) + sizeof(WeightStore) (under 1 KiB): nothing else.
  std::size_t resident_bytes() const;

private:
  friend PackedWeights detail::prepack_conv_group(const QTensor &, std::vector<std::int32_t>,
                                                  const Layout &, unsigned, Path);
  static PackedWeights prepack_for(const QTensor &w, std::vector<std::int32_t> bias,
                                   const Layout &act, unsigned swar_guard, Path prepare, bool conv,
                                   std::int64_t rows = 0);
  Layout act_{8, 0, Signedness::Unsigned};
  Layout wl_{8, 0, Signedness::Unsigned};
  QuantParams wq_;
  std::vector<std::int32_t> bias_;
  std::int64_t n_ = 0, k_ = 0;
  unsigned guard_ = 5;
  std::size_t words_per_row_ = 0;
  detail::ColumnSums colsum_;
  std::int64_t wmin_ = 0;
  std::shared_ptr<detail::WeightStore> store_;
};

// The largest K for which every exact result fits int32 for these operands (bias included):
// K * max|a - za| * max|w - zw| + max|bias| <= 2^31 - 1.
std::int64_t max_k_int32(const Layout &act, std::int32_t act_zero_point, const PackedWeights &w);

// Activations prepared once for a path's kernel (unpacked integers, bytes or bit planes), for
// callers that multiply the same activations more than once or pack them ahead of time (the
// benchmarks time the GEMM proper this way, as oneDNN's matmul is timed on ready operands).
class PreparedActivations {
public:
  Path path() const { return path_; }
  std::int64_t m() const { return m_; }
  std::int64_t k() const { return k_; }

private:
  friend PreparedActivations prepare_activations(const QTensor &, const PackedWeights &, Path);
  friend Int32Tensor gemm_s32(const PreparedActivations &, const PackedWeights &,
                              const KernelOptions &);
  friend void gemm_s32(const PreparedActivations &, const PackedWeights &, Int32Tensor &,
                       const KernelOptions &);
  Path path_ = Path::Reference;
  Layout layout_{8, 0, Signedness::Unsigned};
  std::int32_t za_ = 0;
  std::int64_t m_ = 0, k_ = 0;
  std::vector<std::int64_t> ints_;                     // Reference, Swar
  std::shared_ptr<const detail::fast::FastActs> fast_; // SIMD paths
  // SIMD paths: what the activations' format was built for (the weights' width, padded K and
  // the method the path picks for them), compared with the weights of each gemm_s32.
  unsigned wb_ = 0;
  std::int64_t kpad_ = 0;
  int method_ = -1;
};

// prepare_activations: the checks of gemm_s32 (shape, layout, K bound) happen here; gemm_s32 on
// the result checks again what depends on the weights it is given (the K bound, the output size).
PreparedActivations prepare_activations(const QTensor &a, const PackedWeights &w,
                                        Path p = Path::Auto);
// gemm_s32 on prepared activations; opt.path must be Auto or the path they were prepared for.
// pre: w has the K and activation layout they were prepared with; on the SIMD paths, whose
// activation format (bytes, bit planes, table indices, padding) depends on the weights, also the
// weight width and the method the path picks (the same K padding): a reuse with the weights they
// were prepared for, or with others prepacked alike (same widths, same K, an N and rows hint that
// keep the method) such as Q/K/V projections of one input. Otherwise std::invalid_argument saying
// that the activations were prepared for other weights (prepare them again for w); nothing is
// converted behind the caller's back. Reference and Swar read plain integers: K and the layout
// suffice there. Like gemm_s32 on a QTensor, it refuses (std::invalid_argument, the same message)
// weights whose exact sums may leave int32 for these activations (max_k_int32: their bias and
// zero points count, not only those of the weights the activations were prepared with), an
// output of more than 2^40 elements, and on Swar a K past the capacity with allow_split = false.
Int32Tensor gemm_s32(const PreparedActivations &a, const PackedWeights &w,
                     const KernelOptions &opt = {});
// The same into out (shape set to {M, N}), reusing out.data's storage: no allocation when it
// already has the room, as oneDNN's matmul writes into a destination allocated once. Every
// refusal above comes before out is touched, so it is then unchanged.
void gemm_s32(const PreparedActivations &a, const PackedWeights &w, Int32Tensor &out,
              const KernelOptions &opt = {});

// gemm_s32: a {M, K} with a's layout equal to w.act_layout(); result {M, N}.
Int32Tensor gemm_s32(const QTensor &a, const PackedWeights &w, const KernelOptions &opt = {});
// gemm: gemm_s32 followed by requantization with multiplier a_scale * w_scale[n] / out_scale.
QTensor gemm(const QTensor &a, const PackedWeights &w, const Requant &rq,
             const KernelOptions &opt = {});

// Requantize an int32 tensor whose last dimension (or dimension `channel_axis`) indexes the
// weight channels: shared by gemm and conv2d. requantize_with(Requantizer(a_scale, wq,
// acc.shape[channel_axis], rq), acc, channel_axis).
// pre: 0 <= channel_axis < rank; acc.shape's dimensions >= 0 (at most 2^40 elements, as
// element_count) and acc.data.size() equal to their product; wq per tensor or with
// acc.shape[channel_axis] scales; every multiplier in make_multiplier's range
// (std::invalid_argument naming the problem otherwise, nothing allocated for the result).
QTensor requantize(const Int32Tensor &acc, float a_scale, const QuantParams &wq, int channel_axis,
                   const Requant &rq);

} // namespace samd::kernels
