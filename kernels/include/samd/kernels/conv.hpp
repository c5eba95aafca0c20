// conv2d (NCHW or NHWC; stride, padding, dilation, groups — depthwise is groups = channels) as
// exact int32 accumulations, optionally requantized. Weights are {O, C / groups, KH, KW}.
// Padding contributes the activation zero point, i.e. a real 0.
#pragma once

#include <cstdint>
#include <vector>

#include <samd/kernels/gemm.hpp>

namespace samd::kernels {

enum class DataFormat { NCHW, NHWC };

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
  static PackedConvWeights prepack(const QTensor& w, std::vector<std::int32_t> bias, const Layout& act,
                                   std::int64_t groups, unsigned swar_guard = 5);
  std::int64_t out_channels() const { return o_; }
  std::int64_t in_channels_per_group() const { return cg_; }
  std::int64_t kernel_h() const { return kh_; }
  std::int64_t kernel_w() const { return kw_; }
  std::int64_t groups() const { return groups_; }
  const QTensor& weights() const { return w_; }
  const std::vector<std::int32_t>& bias() const { return bias_; }
  const Layout& act_layout() const { return act_; }
  // One GEMM weight matrix {O/groups, C/groups * KH * KW} per group.
  const std::vector<PackedWeights>& groups_packed() const { return per_group_; }

private:
  QTensor w_;
  std::vector<std::int32_t> bias_;
  Layout act_{8, 0, Signedness::Unsigned};
  std::int64_t o_ = 0, cg_ = 0, kh_ = 0, kw_ = 0, groups_ = 1;
  std::vector<PackedWeights> per_group_;
};

// conv2d_s32: x {N, C, H, W} (NCHW) or {N, H, W, C} (NHWC), per-tensor quantized, layout equal to
// the weights' act_layout. Result in the same format with O channels.
Int32Tensor conv2d_s32(const QTensor& x, const PackedConvWeights& w, const Conv2dParams& p,
                       const KernelOptions& opt = {});
QTensor conv2d(const QTensor& x, const PackedConvWeights& w, const Conv2dParams& p, const Requant& rq,
               const KernelOptions& opt = {});

} // namespace samd::kernels
