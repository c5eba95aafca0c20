// conv2d (NCHW or NHWC; stride, padding, dilation, groups — depthwise is groups = channels) as
// exact int32 accumulations, optionally requantized. Weights are {O, C / groups, KH, KW}.
// Padding contributes the activation zero point, i.e. a real 0.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <samd/kernels/gemm.hpp>
#include <samd/kernels/requant.hpp>

namespace samd::kernels {

enum class DataFormat { NCHW, NHWC };

namespace detail {
struct DirectConv; // the direct (implicit-GEMM) kernels' weight formats, built by prepack
}

struct Conv2dParams {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  DataFormat format = DataFormat::NCHW;
};

class PackedConvWeights {
public:
  PackedConvWeights() = default;
  // w: {O, C/groups, KH, KW}, per tensor or per output channel (axis 0); bias: empty or O values.
  static PackedConvWeights prepack(const QTensor &w, std::vector<std::int32_t> bias,
                                   const Layout &act, std::int64_t groups, unsigned swar_guard = 5);
  std::int64_t out_channels() const { return o_; }
  std::int64_t in_channels_per_group() const { return cg_; }
  std::int64_t kernel_h() const { return kh_; }
  std::int64_t kernel_w() const { return kw_; }
  std::int64_t groups() const { return groups_; }
  const QTensor &weights() const { return w_; }
  const std::vector<std::int32_t> &bias() const { return bias_; }
  const Layout &act_layout() const { return act_; }
  // One GEMM weight matrix {O/groups, C/groups * KH * KW} per group.
  const std::vector<PackedWeights> &groups_packed() const { return per_group_; }
  const detail::DirectConv &direct() const { return *direct_; }

private:
  QTensor w_;
  std::vector<std::int32_t> bias_;
  Layout act_{8, 0, Signedness::Unsigned};
  std::int64_t o_ = 0, cg_ = 0, kh_ = 0, kw_ = 0, groups_ = 1;
  std::vector<PackedWeights> per_group_;
  std::shared_ptr<const detail::DirectConv> direct_;
};

// conv2d_s32: x {N, C, H, W} (NCHW) or {N, H, W, C} (NHWC), per-tensor quantized, layout equal to
// the weights' act_layout. Result in the same format with O channels. The SIMD paths run im2col +
// the fast GEMM; the AVX-512 path runs its direct kernels instead where they are faster: for NCHW
// and groups = 1 the one for few taps (K = C * KH * KW <= 32, or <= 576 where the others would
// use bytes; conv_small.cpp), else small channel counts (K below ~256-384) or 1-2-bit pairs up to
// ~0.5M weights (the rules and their measurements are in conv.cpp, conv_uses_small and
// conv_uses_direct). Each is exact.
Int32Tensor conv2d_s32(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                       const KernelOptions &opt = {});
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
// NCHW, 3 for NHWC).
Int32Tensor combine_two_level(const Int32Tensor &acc, const TwoLevel &t, int channel_axis);

// The same with the requantization prepared once (for the output channels, the input scale and
// the weights' scales), optionally of two-level sums (then r is made for O - 1 channels): for
// callers that run a layer many times. The AVX-512 direct kernels fuse it all into the convolution.
QTensor conv2d(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
               const Requantizer &r, const KernelOptions &opt = {}, const TwoLevel *two = nullptr);

} // namespace samd::kernels
