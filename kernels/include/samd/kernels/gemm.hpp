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
} // namespace detail::fast

inline constexpr unsigned kMaxKernelBits = 8;

struct KernelOptions {
  Path path = Path::Auto;
  // Swar: when K exceeds the accumulator capacity, flush the fields and go on (split the
  // reduction). false: such a K is an error instead.
  bool allow_split = true;
  // Swar: headroom bits above a product in each accumulator field (1–32).
  unsigned swar_guard = 5;
  // SIMD paths: OpenMP threads over output channels (1: the calling thread only).
  int threads = 1;
};

// Weights prepacked once for a given activation layout.
class PackedWeights {
public:
  PackedWeights() = default;
  // w: {N, K}, 1–8 bits, quantization per tensor or per output channel (axis 0);
  // bias: empty or N int32 values (in units of a_scale * w_scale[n]);
  // act: the activation layout the weights will be multiplied with (1–8 bits).
  static PackedWeights prepack(const QTensor &w, std::vector<std::int32_t> bias, const Layout &act,
                               unsigned swar_guard = 5);

  std::int64_t n() const { return n_; }
  std::int64_t k() const { return k_; }
  const Layout &act_layout() const { return act_; }
  const QTensor &weights() const { return w_; }
  const std::vector<std::int32_t> &bias() const { return bias_; }
  unsigned swar_guard() const { return guard_; }

  // Swar data: words_[k * words_per_row + j] holds u[n][k] for n in lanes of word j.
  const std::vector<std::uint64_t> &swar_words() const { return words_; }
  std::size_t words_per_row() const { return words_per_row_; }
  const std::vector<std::int64_t> &column_sums() const { return colsum_; } // sum_k u[n][k]
  std::int64_t weight_offset() const { return wmin_; }                     // w = u + offset
  // The SIMD paths' formats (bit planes and byte streams), built by prepack.
  const detail::fast::FastWeights &fast() const { return *fast_; }
  // Bytes of the weight format a path reads (data plus per-channel sums and parameters).
  std::size_t weight_bytes(Path p) const;

private:
  QTensor w_;
  Layout act_{8, 0, Signedness::Unsigned};
  std::vector<std::int32_t> bias_;
  std::int64_t n_ = 0, k_ = 0;
  unsigned guard_ = 5;
  std::size_t words_per_row_ = 0;
  std::vector<std::uint64_t> words_;
  std::vector<std::int64_t> colsum_;
  std::int64_t wmin_ = 0;
  std::shared_ptr<const detail::fast::FastWeights> fast_;
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
};

// prepare_activations: the checks of gemm_s32 (shape, layout, K bound) happen here.
PreparedActivations prepare_activations(const QTensor &a, const PackedWeights &w,
                                        Path p = Path::Auto);
// gemm_s32 on prepared activations; opt.path must be Auto or the path they were prepared for.
Int32Tensor gemm_s32(const PreparedActivations &a, const PackedWeights &w,
                     const KernelOptions &opt = {});
// The same into out (shape set to {M, N}), reusing out.data's storage: no allocation when it
// already has the room, as oneDNN's matmul writes into a destination allocated once.
void gemm_s32(const PreparedActivations &a, const PackedWeights &w, Int32Tensor &out,
              const KernelOptions &opt = {});

// gemm_s32: a {M, K} with a's layout equal to w.act_layout(); result {M, N}.
Int32Tensor gemm_s32(const QTensor &a, const PackedWeights &w, const KernelOptions &opt = {});
// gemm: gemm_s32 followed by requantization with multiplier a_scale * w_scale[n] / out_scale.
QTensor gemm(const QTensor &a, const PackedWeights &w, const Requant &rq,
             const KernelOptions &opt = {});

// Requantize an int32 tensor whose last dimension (or dimension `channel_axis`) indexes the
// weight channels: shared by gemm and conv2d.
QTensor requantize(const Int32Tensor &acc, float a_scale, const QuantParams &wq, int channel_axis,
                   const Requant &rq);

} // namespace samd::kernels
