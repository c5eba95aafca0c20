// The direct convolution for few taps per output (an image network's first layer: C * KH * KW
// small, e.g. 1 x 3 x 3) on the AVX-512 path: NCHW, groups = 1, 16 output pixels of one row per
// vector, no im2col. conv.cpp decides when it runs (conv_uses_small) and calls it after conv2d's
// checks; conv_small.cpp has the kernel and its exactness argument.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <samd/kernels/conv.hpp>
#include <samd/kernels/pool.hpp>

#include "conv_geometry.hpp"

namespace samd::kernels::detail {

// Auto runs the kernel when K = C * KH * KW is at most kSmallConvMaxK, or at most
// kSmallConvMaxDot8K where the other direct kernels would use Dot8 (measured: conv.cpp,
// conv_uses_small).
inline constexpr std::int64_t kSmallConvMaxK = 32;
inline constexpr std::int64_t kSmallConvMaxDot8K = 576;

// One call: x, w, p passed conv2d's checks (conv_setup: layouts, shapes, check_k_bound), g is
// their geometry and za x's zero point.
struct SmallConvJob {
  const QTensor *x = nullptr;
  const PackedConvWeights *w = nullptr;
  const Conv2dParams *p = nullptr;
  Geometry g;
  std::int32_t za = 0;
  // Requantized outputs (r for the layer's output channels), optionally of two-level sums (then
  // the weights' last channel is the all-ones one and the layer has O - 1 channels), optionally
  // max-pooled (pool with its geometry pool_g over the convolution's output, n = 1, checked by the
  // caller; pool->format = p->format). Without r: the int32 sums of all O channels.
  const Requantizer *r = nullptr;
  const TwoLevel *two = nullptr;
  const Pool2dParams *pool = nullptr;
  Geometry pool_g;
};

// conv_small_s32: the exact int32 sums {N, O, OH, OW} into out.
// pre: job.r == nullptr, p->format == NCHW, groups == 1, the Avx512 path runs on this CPU.
// post: true and out = conv2d_s32's integers, or false (out untouched) when the kernel does not
// apply to these weights (see conv_small.cpp: the weight-byte and int32 bounds).
bool conv_small_s32(const SmallConvJob &job, std::int32_t *out);

// conv_small_quant: the requantized (and max-pooled when job.pool) outputs as the words of a
// QTensor of r's output layout and shape `shape` ({N, O_layer, OH, OW}, or the pooled size).
// pre: as conv_small_s32 with job.r set.
// post: true and the integers conv2d (then max_pool2d) give, or false (nothing written) when the
// kernel does not apply (the same bounds, for two-level weights their combination).
bool conv_small_quant(const SmallConvJob &job, Shape &shape, std::vector<std::uint64_t> &words);

// conv2d (pool == nullptr) or conv2d_max_pool through the kernel, with conv2d's checks: true and
// the result in out, or false (nothing done) when the kernel is not chosen (conv_uses_small) or
// does not apply. pool_geometry(conv output geometry) validates the pool and returns its geometry
// (n = 1); it is called only when the kernel runs.
bool conv_small_requant(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                        const Requantizer &r, const TwoLevel *two, const KernelOptions &opt,
                        const Pool2dParams *pool,
                        const std::function<Geometry(const Geometry &)> &pool_geometry,
                        QTensor &out);

} // namespace samd::kernels::detail
