// conv2d (NCHW or NHWC; stride, padding, dilation, groups — depthwise is groups = channels) as
// exact int32 accumulations, optionally requantized. Weights are {O, C / groups, KH, KW}.
// Padding contributes the activation zero point, i.e. a real 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <samd/kernels/gemm.hpp>
#include <samd/kernels/requant.hpp>

namespace samd::kernels {

enum class DataFormat { NCHW, NHWC };

class PackedConvWeights;
namespace detail {
struct ConvStore; // the formats built so far (conv_weight_store.hpp)
struct ConvBits;  // the weights' bit planes (conv_weight_store.hpp)
// post: w's bit planes, valid while the pointer is held (also if another call drops them from
// w); when an im2col build dropped them, decoded again from the GEMM weights and held again.
// Safe from several threads at a time.
std::shared_ptr<const ConvBits> conv_bits(const PackedConvWeights &w);
// pre: p is a resolved path this build supports. post: one PackedWeights per group ({O/groups,
// K} in (ky, kx, c) order), built by the first call (prepared for its p; later calls on other
// paths build their formats inside PackedWeights), which drops the bit planes; the reference
// stays valid for w's (and its copies') lifetime. Safe from several threads at a time.
const std::vector<PackedWeights> &conv_groups(const PackedConvWeights &w, Path p);
struct ConvLut64Group; // one group's LUT64 weights (conv_weight_store.hpp)
// pre: w's weights and activations are 2 bits wide, KW = 3. post: one ConvLut64Group per group,
// built by the first call, which drops the bit planes (as conv_groups does); the reference stays
// valid for w's (and its copies') lifetime. Safe from several threads at a time.
const std::vector<ConvLut64Group> &conv_lut64_groups(const PackedConvWeights &w);
} // namespace detail

struct Conv2dParams {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  DataFormat format = DataFormat::NCHW;
};

// Conv weights hold one b-bit representation of the path they run on: prepack keeps the weights
// as b bit planes per output channel (exactly b bits a weight), which the reference loops, the
// Swar im2col and the AVX-512 direct kernels (few taps, Dot8, bit-serial) decode per call into
// their own formats in scratch memory. The first im2col + GEMM call builds one PackedWeights per
// group for its path (PackedWeights: its formats on first use) and drops the bit planes then, so
// the GEMM's format is all that stays; a later call that needs the bit planes again decodes them
// from the GEMM weights (then both are held). The implicit LUT64 conv (AVX-512 VBMI, W2A2, KW = 3)
// does the same with its own per-group 2-bit nibbles in a triple k order (conv_lut64.hpp).
// Builds are thread-safe (one mutex; readers hold what they read by shared ownership, so dropping
// never frees what another call still reads).
class PackedConvWeights {
public:
  PackedConvWeights() = default;
  // w: {O, C/groups, KH, KW}, 1-8 bits, per tensor or per output channel (axis 0); bias: empty
  // or O values; act: the activation layout (1-8 bits); swar_guard: 1..32 (PackedWeights).
  // pre: as stated, else std::invalid_argument. post: holds the bit planes, bias and the
  // quantization parameters only.
  static PackedConvWeights prepack(const QTensor &w, std::vector<std::int32_t> bias,
                                   const Layout &act, std::int64_t groups, unsigned swar_guard = 5);
  std::int64_t out_channels() const { return o_; }
  std::int64_t in_channels_per_group() const { return cg_; }
  std::int64_t kernel_h() const { return kh_; }
  std::int64_t kernel_w() const { return kw_; }
  std::int64_t groups() const { return groups_; }
  const Layout &weight_layout() const { return wl_; }
  const QuantParams &weight_quant() const { return wq_; }
  // The weights {O, C/groups, KH, KW} as prepack got them, decoded from what the object holds
  // (a copy; the object keeps no QTensor).
  QTensor weights() const;
  const std::vector<std::int32_t> &bias() const { return bias_; }
  const Layout &act_layout() const { return act_; }
  unsigned swar_guard() const { return guard_; }

  // Bytes the object holds now: the bit planes if held, each group's PackedWeights
  // (resident_bytes: its formats and per-channel data), the LUT64 groups if built (nibbles and
  // column sums), bias, quantization parameters and the objects themselves (shared formats are
  // counted in full by each copy).
  // post: after conv2d calls that all ran one algorithm on one SIMD path, resident_bytes() <=
  // the bytes of that path's format (bit planes: b/8 * O * C/groups * KH * KW rounded up to 8;
  // GEMM: the groups' weight_bytes; LUT64: its weight_bytes) + per-channel data + objects (a few
  // hundred bytes).
  std::size_t resident_bytes() const;
  // The weight format conv2d_s32(x, *this, p, opt) reads and its bytes: "bits" (the bit planes,
  // which the reference loops and the AVX-512 direct kernels decode per call; by the shape rules
  // conv_uses_small / conv_uses_direct) with the per-channel data, or "gemm:" + the first group's
  // PackedWeights::weight_format and the sum of the groups' weight_bytes ("taps:" instead when
  // the Dot8 conv that skips padding taps reads those same weights), or "lut64" (the LUT64
  // conv's nibbles) with their bytes, the column sums and the per-channel data.
  // pre: conv2d_s32(x, *this, p, opt) would not throw (else its std::invalid_argument).
  // post: the GEMM (or LUT64) weights are built as that call would build them (nothing else
  // changes).
  std::string weight_format(const QTensor &x, const Conv2dParams &p,
                            const KernelOptions &opt = {}) const;
  std::size_t weight_bytes(const QTensor &x, const Conv2dParams &p,
                           const KernelOptions &opt = {}) const;

private:
  friend std::shared_ptr<const detail::ConvBits> detail::conv_bits(const PackedConvWeights &);
  friend const std::vector<PackedWeights> &detail::conv_groups(const PackedConvWeights &, Path);
  friend const std::vector<detail::ConvLut64Group> &
  detail::conv_lut64_groups(const PackedConvWeights &);
  std::vector<std::int32_t> bias_;
  Layout act_{8, 0, Signedness::Unsigned};
  Layout wl_{8, 0, Signedness::Unsigned};
  QuantParams wq_;
  unsigned guard_ = 5;
  std::int64_t o_ = 0, cg_ = 0, kh_ = 0, kw_ = 0, groups_ = 1;
  std::shared_ptr<detail::ConvStore> store_;
};

// conv2d_s32: x {N, C, H, W} (NCHW) or {N, H, W, C} (NHWC), per-tensor quantized, layout equal to
// the weights' act_layout. Result in the same format with O channels. The SIMD paths run im2col +
// the fast GEMM; the AVX-512 path runs its direct kernels instead where they are faster: for NCHW
// and groups = 1 the one for few taps (K = C * KH * KW <= 32, or <= 576 where the others would
// use bytes; conv_small.cpp), else small channel counts (K below ~256-384) or 1-2-bit pairs up to
// ~0.5M weights (the rules and their measurements are in conv.cpp, conv_uses_small and
// conv_uses_direct); W2A2 layers of width-3 kernels can run the implicit LUT64 GEMM (conv.cpp
// conv_uses_lut64), and layers at a vpdpbusd width pair with many padding taps (K >= 512, at
// least 4 % of the products) a conv that skips them (conv.cpp conv_uses_taps). Each is exact.
Int32Tensor conv2d_s32(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                       const KernelOptions &opt = {});
// The same into out, for callers that run a layer many times: out's storage is reused (resized to
// the result; elements kept from a previous call are overwritten, not zero-filled first).
// post: out = conv2d_s32(x, w, p, opt). Bad input (layouts, groups, shapes, the K bound that makes
// every exact sum fit int32, on Swar a K = C/groups x KH x KW past the GEMM's capacity with
// allow_split = false) is refused before out is touched, so it is then unchanged; only an
// allocation failure can leave it valid but unspecified.
void conv2d_s32(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                Int32Tensor &out, const KernelOptions &opt = {});
QTensor conv2d(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
               const Requant &rq, const KernelOptions &opt = {});

// Two-level weights (values {v0, v1}, e.g. binary +-1, which a 1-bit lane with an integer zero
// point cannot hold): the weights are stored as 1-bit u (zero point 0, no bias) with one extra
// all-ones output channel last, whose sums are S = sum (a - za). Output channel o < O - 1 is
// d * sum_o + v0_minus_zp[o] * S + bias[o] = sum (a - za) (w - zw) + bias, exactly
// (std::overflow_error when it does not fit int32).
struct TwoLevel {
  std::int64_t d = 1; // v1 - v0
  std::vector<std::int64_t> v0_minus_zp, bias;
};
// The layer's int32 sums {N, O - 1, ...} from the kernel's {N, O, ...} sums (channel_axis: 1 for
// NCHW, 3 for NHWC). pre: acc.shape's dimensions >= 0 (at most 2^40 elements) with acc.data
// holding exactly that many sums, O >= 1, and O - 1 values in t.v0_minus_zp and t.bias
// (std::invalid_argument otherwise). The combination is exact whatever d, v0_minus_zp and bias;
// a result outside int32 is the std::overflow_error above.
Int32Tensor combine_two_level(const Int32Tensor &acc, const TwoLevel &t, int channel_axis);

// The same with the requantization prepared once (for the output channels, the input scale and
// the weights' scales), optionally of two-level sums (then r is made for O - 1 channels and two
// holds O - 1 values in v0_minus_zp and bias, checked first on every path: std::invalid_argument):
// for callers that run a layer many times. The AVX-512 direct kernels fuse it all into the
// convolution.
QTensor conv2d(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
               const Requantizer &r, const KernelOptions &opt = {}, const TwoLevel *two = nullptr);

} // namespace samd::kernels
