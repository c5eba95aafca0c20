// Pooling on quantized tensors. The output keeps the input's layout and quantization.
// max_pool2d ignores padding (ONNX MaxPool); avg_pool2d rounds the mean half away from zero and
// counts padding (as the zero point, a real 0) only when count_include_pad is set.
#pragma once

#include <cstdint>

#include <samd/kernels/conv.hpp>
#include <samd/kernels/gemm.hpp>

namespace samd::kernels {

struct Pool2dParams {
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  bool count_include_pad = false;
  DataFormat format = DataFormat::NCHW;
};

// x: 4-D in p.format, 1–8 bits, quantized per tensor or per channel along the channel axis.
// Padding must be smaller than the (dilated) window on each side so no window is all padding.
QTensor max_pool2d(const QTensor &x, const Pool2dParams &p, const KernelOptions &opt = {});
QTensor avg_pool2d(const QTensor &x, const Pool2dParams &p, const KernelOptions &opt = {});
// The mean over H x W per channel; output {N, C, 1, 1} (NCHW) or {N, 1, 1, C} (NHWC).
QTensor global_avg_pool(const QTensor &x, DataFormat format, const KernelOptions &opt = {});

// conv2d (requantized with r, optionally of two-level sums) then max_pool2d of its output: the
// same integers as the two calls. The AVX-512 path fuses them image by image, so the convolution's
// output never leaves the cache; its direct kernels pool the exact sums first and requantize only
// the pooled ones (the requantization is monotone, so max commutes with it).
QTensor conv2d_max_pool(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                        const Requantizer &r, const Pool2dParams &pool,
                        const KernelOptions &opt = {}, const TwoLevel *two = nullptr);

} // namespace samd::kernels
