// The AVX-512 Dot8 conv that skips padding taps (fast::dot8_taps_avx512): the output channels in
// the vector lanes and each output pixel's activation quads broadcast from the padded image in
// place, so a block of pixels leaves out the taps in which all of them read padding (a tap's
// products there are pad * the tap's weight sums, added per column). The im2col + Dot8 GEMM puts
// 16 pixels in the lanes instead and so computes every tap of every pixel: 18 % of ResNet-18
// conv5_x's M x N x K (7 x 7 outputs, 3 x 3 kernel, padding 1) are padding taps, which oneDNN's
// direct conv skips. The pixels are ordered by their padding taps first (the same set adjacent),
// so that blocks share them.
#pragma once

#include <cstdint>

#include <samd/kernels/conv.hpp>

#include "conv_geometry.hpp"

namespace samd::kernels::detail {

// Whether the tap kernel can run a layer on `path`: the AVX-512 path with a Dot8 width pair
// (fast::choose_method), channels per group a multiple of 4 (a k-quad is 4 channels of one tap),
// at most fast::kConvTapsMax taps and K <= 4 * kDot8BcastFlushGroups (the int32 lanes' bound).
bool conv_taps_apply(const QTensor &x, const PackedConvWeights &w, Path path);

// The share of the layer's products (output pixels x taps) whose tap reads a padding pixel.
double conv_padding_share(const Geometry &g, const Conv2dParams &p, std::int64_t kh,
                          std::int64_t kw);

// conv2d_s32 by the tap kernel, image by image and group by group, on opt.threads threads
// (splitting the output channels in 16-column panels, as gemm_raw splits a GEMM's columns).
// pre: conv_taps_apply(x, w, path), g.oh * g.ow <= INT32_MAX (conv_uses_taps checks both); g and
// za from conv_setup (the int32 bound checked).
// post: out (g.out_shape(O), p.format) holds the exact results; throws std::logic_error if one
// fell outside int32 (impossible after the K bound).
void conv_taps(Path path, const QTensor &x, const Geometry &g, std::int32_t za,
               const PackedConvWeights &w, const Conv2dParams &p, const KernelOptions &opt,
               std::int32_t *out);

} // namespace samd::kernels::detail
