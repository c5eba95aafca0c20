// Pooling on quantized tensors. The output keeps the input's layout and quantization.
// max_pool2d ignores padding (ONNX MaxPool); avg_pool2d and global_avg_pool round the mean of the
// stored integers half away from zero (as TFLite's integer average pool does: with a zero point
// other than 0, a real mean exactly between two steps can round either way), and avg_pool2d
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
// Refused (std::invalid_argument, before any output): padding not smaller than the (dilated)
// window on a side; a window, at any output row or column, that covers only padding (dilation
// can leave one between input pixels); a rank other than 4, a kernel size, stride or dilation
// below 1, negative padding, a window that does not fit the padded input, a padded input or an
// output of more than 2^40 elements; per-channel quantization along another axis.
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
