// The implicit LUT64 convolution (AVX-512 VBMI, W2A2, kernels KH x 3): the GEMM of fast::lut64_rows
// (fast/lut64.hpp: 3 weights per 64-entry vpermb lookup) reading each row's table offsets in place
// from an index image of the padded input, with no im2col copy.
//
// The k order of a weight row makes every group of 3 weights one horizontal triple (ky, c, kx =
// 0..2) of one channel: with cp = the group's channels rounded up to 4 (lut64_conv_channels),
// LUT64 group j = ky * cp + c holds the weights (ky, c, kx) as its weights kx = 0, 1, 2, i.e. k' =
// fast::lut64_group_k(j, kx) (for each ky and block of 4 channels c0..c3 the 12 k of 3 vectors:
// c0's triple, c3's kx 0, c1's triple, c3's kx 1, c2's triple, c3's kx 2). The padding channels
// c >= cg hold u = 0 (the layout's minimum), so the raw sums are the real conv's; the epilogue's
// column sums, row sums and K are the real conv's (K = cg * KH * 3).
//
// The index image of one padded image (padding = the activation zero point's offset), column by
// column: index[(x * hp + y) * ct + grp * cp + c] = 64 * (ua[y][x][c'] | ua[y][x + dw][c'] << 2 |
// ua[y][x + 2 dw][c'] << 4), c' = grp * cg + c (0 for the padding channels c >= cg), for x < wx =
// wp - 2 dw (the columns a triple can start at), ct = groups * cp. Output pixel (oy, ox) reads
// row_base = (ox * sw * hp + oy * sh) * ct, group (ky, c) group_off = ky * dh * ct + c, from
// index + grp * cp: a row's lookups are KH runs of cp consecutive entries, one run when there is
// one group and no y dilation (the kernels of ResNet-like layers), and the rows of one output
// column are equally spaced. So with group_off the identity, the LUT64 GEMM reads a column's rows
// in place exactly as GEMM rows (the AVX-512 kernel gathers other rows' offsets per block first).
// Why columns and not rows (y * wx + x): a row-major image puts a pixel's KH runs wx * ct apart, so
// every row would be gathered; measured with the AVX-512 kernel (lut64k 12d0dc4) on ResNet-18's
// 3x3 stages, gathering the rows cost 15-77 % more kernel time than reading them in place, one
// output column a call 3-8 % more than one GEMM call (bench/prototypes/lut64_conv).
#pragma once

#include <cstdint>
#include <vector>

#include <samd/kernels/conv.hpp>
#include <samd/kernels/fast_bounds.hpp>

#include "conv_geometry.hpp"
#include "conv_weight_store.hpp"
#include "fast/lut64.hpp"

namespace samd::kernels::detail {

// A group's channels in the LUT64 k order: cg rounded up to a multiple of 4.
constexpr std::int64_t lut64_conv_channels(std::int64_t cg) { return (cg + 3) / 4 * 4; }
// The LUT64 k of weight (ky, c, kx), kx < 3, of a group of cp = lut64_conv_channels(cg) channels.
constexpr std::int64_t lut64_conv_k(std::int64_t cp, std::int64_t ky, std::int64_t c,
                                    std::int64_t kx) {
  return fast::lut64_group_k(ky * cp + c, static_cast<unsigned>(kx));
}
// Whether the LUT64 conv can run a layer: 2-bit activations and weights (fast::lut64_pair), KW =
// 3, at least one channel per group in and out. (The caller checks the path and the CPU.)
inline bool lut64_conv_applies(unsigned ab, unsigned wb, std::int64_t kw, std::int64_t cg,
                               std::int64_t og) {
  return lut64_pair(ab, wb) && kw == 3 && cg >= 1 && og >= 1;
}

// Whether a LUT64 conv layer runs fast::lut64_conv3_rows (each input row's tables looked up once
// for its 3 kernel rows): KH = 3, stride and dilation 1 in y, a group's channels padded to a
// multiple of 8 (whole chunks of the kernel: lut64_conv3_weights).
constexpr bool lut64_conv3_applies(std::int64_t kh, std::int64_t stride_h, std::int64_t dilation_h,
                                   std::int64_t cg) {
  return kh == 3 && stride_h == 1 && dilation_h == 1 && lut64_conv_channels(cg) % 8 == 0;
}
// pre: bits of 2-bit weights of layout wl, {O, cg, kh, 3} with O = groups * og, grp < groups.
// post: group grp's og channels as Lut nibbles (fast::WeightFormat::Nibbles) of K' = kh * cp * 3
// weights in the order above (padding weights u = 0), and their column sums of u over the real
// weights.
ConvLut64Group lut64_group_weights(const ConvBits &bits, const Layout &wl, std::int64_t grp,
                                   std::int64_t og, std::int64_t kh, std::int64_t cg);
// pre: l from lut64_group_weights(., ., grp, og, kh, cg); bits allocated for the layer, group
// grp's rows all zero. post: those rows hold the weights' u again (ConvBits' (ky, kx, c) order).
void lut64_group_bits(const ConvLut64Group &l, std::int64_t grp, std::int64_t kh, std::int64_t cg,
                      ConvBits &bits);

// The index image (x-major, as above) and the padded pixels' offset sums per group, sums[(y * wp +
// x) * groups + grp] = sum over the group's channels of ua[y][x][c] (y-major).
struct Lut64Image {
  std::int64_t hp = 0, wp = 0, wx = 0, ct = 0, cp = 0, groups = 1;
  std::vector<std::uint16_t> index; // hp * wx * ct entries and kLut64Slack zeros
  std::vector<std::int64_t> sums;   // hp * wp * groups
  std::vector<std::uint64_t> words; // lut64_index_image_words' scratch: the padded pixels' words
};
inline constexpr std::int64_t kLut64Slack = 64; // a kernel may read a vector past the last entry
// The AVX-512 parts (defined in x86-64 builds only, SAMD_HAVE_X86_KERNELS).
// pre: bytes holds hp x wp pixels of c = groups * cg offsets each (NHWC), each < 4; wp > 2 dw;
// the CPU has AVX-512 F, BW and VL. post: img as described above.
void lut64_index_image(const std::uint8_t *bytes, std::int64_t hp, std::int64_t wp, std::int64_t c,
                       std::int64_t groups, std::int64_t dw, Lut64Image &img);

// The same straight from a QTensor's words, for NHWC 2-bit activations with no guard bits and
// channels per group a multiple of 32 (a pixel's channels whole words, 32 a word): no offset bytes,
// no padded byte image (to_offsets and pad_image were 67-72 % of building it from bytes on
// ResNet-18's conv2_x-conv5_x; from the words it takes 40-54 % of their time, 26 / 11 / 5 / 3 us).
// words: the image's h * w * c / 32 words; offsets = bits ^ the sign bit (QTensor::to_offsets);
// padding pixels hold `pad`.
// pre: c % (32 * groups) == 0, w + left + right > 2 dw; the CPU has AVX-512 F, BW, VL and VBMI.
// post: img as lut64_index_image makes it from the padded offset bytes.
struct Lut64Padding {
  std::int64_t top = 0, left = 0, bottom = 0, right = 0;
};
void lut64_index_image_words(const std::uint64_t *words, std::int64_t h, std::int64_t w,
                             std::int64_t c, const Lut64Padding &pad_by, std::int64_t groups,
                             std::int64_t dw, bool is_signed, std::uint8_t pad, Lut64Image &img);

// conv2d_s32 by the LUT64 GEMM on the index image, image by image; threads split a group's
// output channels into 64-column panels, or its output columns when there are fewer panels.
// pre: path == Avx512 and the CPU has AVX-512 VBMI; lut64_conv_applies for the layer; g and za
// from conv_setup (the int32 bound checked). post: out (g.out_shape(O), p.format) holds the exact
// results; throws std::logic_error if one fell outside int32 (impossible after the K bound).
void conv_lut64(const QTensor &x, const Geometry &g, std::int32_t za, const PackedConvWeights &w,
                const Conv2dParams &p, const KernelOptions &opt, std::int32_t *out);

} // namespace samd::kernels::detail
