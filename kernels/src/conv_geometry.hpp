// Shape arithmetic shared by conv2d and the pooling kernels.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <samd/kernels/conv.hpp>
#include <samd/kernels/pool.hpp>

#include "checked.hpp"

namespace samd::kernels::detail {

struct Geometry {
  std::int64_t n = 0, c = 0, h = 0, w = 0; // input
  std::int64_t oh = 0, ow = 0;             // output spatial size
  DataFormat format = DataFormat::NCHW;

  std::size_t in_index(std::int64_t b, std::int64_t ch, std::int64_t y, std::int64_t x) const {
    return static_cast<std::size_t>(format == DataFormat::NCHW ? ((b * c + ch) * h + y) * w + x
                                                               : ((b * h + y) * w + x) * c + ch);
  }
  std::size_t out_index(std::int64_t b, std::int64_t ch, std::int64_t y, std::int64_t x,
                        std::int64_t channels) const {
    return static_cast<std::size_t>(format == DataFormat::NCHW
                                        ? ((b * channels + ch) * oh + y) * ow + x
                                        : ((b * oh + y) * ow + x) * channels + ch);
  }
  Shape out_shape(std::int64_t channels) const {
    return format == DataFormat::NCHW ? Shape{n, channels, oh, ow} : Shape{n, oh, ow, channels};
  }
  int channel_axis() const { return format == DataFormat::NCHW ? 1 : 3; }
};

struct Window {
  std::int64_t kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
};

// The geometry of a window over a 4-D input. std::invalid_argument naming `kernel` and the
// parameter for: a rank other than 4, a kernel size, stride or dilation below 1, negative padding,
// a dilated window extent or a padded extent beyond int64, a padded input of more than 2^40
// positions (height x width), or a window that does not fit the padded input. The output's element
// count is the caller's to check (it knows the output channels).
inline Geometry make_geometry(const Shape &s, DataFormat f, const Window &win, const char *kernel) {
  auto fail = [&](const std::string &what) {
    throw std::invalid_argument(std::string("samd: ") + kernel + ": " + what);
  };
  if (s.size() != 4)
    fail("input must be 4-D (" + std::string(f == DataFormat::NCHW ? "NCHW" : "NHWC") +
         "); got shape " + to_string(s));
  if (win.kh < 1 || win.kw < 1)
    fail("kernel size " + std::to_string(win.kh) + "x" + std::to_string(win.kw) + " must be >= 1");
  if (win.sh < 1 || win.sw < 1)
    fail("stride " + std::to_string(win.sh) + "x" + std::to_string(win.sw) + " must be >= 1");
  if (win.dh < 1 || win.dw < 1)
    fail("dilation " + std::to_string(win.dh) + "x" + std::to_string(win.dw) + " must be >= 1");
  if (win.pt < 0 || win.pl < 0 || win.pb < 0 || win.pr < 0)
    fail("padding must be >= 0");
  Geometry g;
  g.format = f;
  g.n = s[0];
  g.c = f == DataFormat::NCHW ? s[1] : s[3];
  g.h = f == DataFormat::NCHW ? s[2] : s[1];
  g.w = f == DataFormat::NCHW ? s[3] : s[2];
  // Every extent below is checked (checked.hpp): the padded input's area is at most 2^40, so
  // window taps, coordinates and output positions all stay far inside int64.
  const std::int64_t eh =
      checked_mul(win.dh, win.kh - 1, kernel, "dilation_h x (kernel_h - 1)") + 1;
  const std::int64_t ew =
      checked_mul(win.dw, win.kw - 1, kernel, "dilation_w x (kernel_w - 1)") + 1;
  const std::int64_t hp = checked_add(checked_add(g.h, win.pt, kernel, "input height + pad_top"),
                                      win.pb, kernel, "input height + pad_top + pad_bottom");
  const std::int64_t wp = checked_add(checked_add(g.w, win.pl, kernel, "input width + pad_left"),
                                      win.pr, kernel, "input width + pad_left + pad_right");
  checked_mul(hp, wp, kernel, "padded input height x width", kElementLimit);
  if (hp < eh || wp < ew)
    fail("the " + std::to_string(eh) + "x" + std::to_string(ew) +
         " window does not fit the padded " + std::to_string(hp) + "x" + std::to_string(wp) +
         " input");
  g.oh = (hp - eh) / win.sh + 1;
  g.ow = (wp - ew) / win.sw + 1;
  return g;
}

// Whether coordinate `pos` of a padded axis falls in the image rather than its padding: the
// image's `size` pixels start at `start` (the leading padding). Shared by the kernels that skip
// or correct for padding taps (conv_planes.cpp, conv_taps.cpp).
inline bool in_image(std::int64_t pos, std::int64_t start, std::int64_t size) {
  return pos >= start && pos < start + size;
}

// One image's activation offsets, NHWC, with the padding around it (the zero point's offset):
// every window tap is inside, so gathering needs no bounds checks.
struct PaddedImage {
  std::int64_t hp = 0, wp = 0, c = 0;
  std::vector<std::uint8_t> bytes; // hp * wp * c offsets and 64 bytes of slack
};
// pre: xo holds one image of g's input as offsets (g.format order). post: img is that image padded
// by p's padding with `pad`, NHWC (conv.cpp).
void pad_image(const std::uint8_t *xo, const Geometry &g, const Conv2dParams &p, std::uint8_t pad,
               PaddedImage &img);

// conv2d's checks (layouts, groups, shapes, the int32 bound) and its geometry, without computing.
Geometry conv_geometry(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p);

// On the AVX-512 path conv2d runs the direct kernel for few taps (conv_small.hpp; NCHW, groups =
// 1), the other direct kernels or im2col + the fast GEMM, whichever is faster for the layer's shape
// and width pair (Auto); tests force one (process-wide setting; the environment variable
// SAMD_CONV_ALGO=small, direct, im2col, planes, lut64 or taps sets it at start-up, for
// measurements).
// Forcing Small where it does not apply leaves the choice between the other two to Auto.
enum class ConvAlgo { Auto, Direct, Im2col, Small, Planes, Lut64, Taps };
void force_conv_algo(ConvAlgo a);
// Whether conv2d (on `path`, resolved) uses the direct kernels for this layer (false off AVX-512).
bool conv_uses_direct(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                      const Geometry &g, Path path);
// Whether conv2d (on `path`, resolved) runs the implicit-GEMM bit-serial kernel on the image's bit
// planes (conv.cpp conv_planes_implicit; false off AVX-512 and where it does not apply: channels
// per group not a multiple of 64, or a width pair the GEMM runs as Dot8). Forcing Planes where it
// does not apply leaves the choice to Auto, as for Small.
bool conv_uses_planes(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                      Path path);
// Whether conv2d (on `path`, resolved) runs the implicit LUT64 GEMM on the input's index image
// (conv_lut64.hpp; false off AVX-512, without VBMI and where it does not apply: not W2A2 or KW !=
// 3). Auto picks it where it applies with at least 256 output channels per group (but where the
// kernel for few taps runs); forcing Lut64 where it does not apply leaves
// the choice to Auto, as for Small.
bool conv_uses_lut64(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                     Path path);
// Whether conv2d (on `path`, resolved) runs the Dot8 tap kernel that skips padding taps
// (conv_taps.hpp; false off AVX-512 and where it does not apply: a width pair the GEMM runs as
// bit-serial or table lookup, channels per group not a multiple of 4, more than 64 taps, K above
// 65,536 or more than 2^31 - 1 output pixels an image). Auto takes it from K >= 512 with at least
// 4 % of the products on padding taps; forcing Taps where it does not apply leaves the choice to
// Auto, as for Small.
bool conv_uses_taps(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                    const Geometry &g, Path path);
// Whether conv2d (on `path`, resolved) tries the direct kernel for few taps first (it may still
// decline weights whose bytes or sums it cannot hold; then the choice above applies). Never for
// K = 0 (no input channel), even when forced.
bool conv_uses_small(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                     Path path);

// Max pooling of one image's int32 values in[c][h][w] (g: the pool's geometry, n = 1, NCHW or
// NHWC as p.format) into out (g's output positions, the same format); tmp: scratch. avx512: the
// CPU runs the Avx512 path.
void max_pool_s32_image(const std::int32_t *in, const Geometry &g, const Pool2dParams &p,
                        std::int32_t *out, bool avx512, std::vector<std::int32_t> &tmp);

// The AVX-512 direct convolution with requantization (optionally of two-level sums), image by
// image: sink(b, outputs of image b in g.format order). false (nothing done) when the path is
// not Avx512 or the direct kernels do not apply; then g is untouched. Checks as conv2d.
bool conv_direct_requant(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                         const Requantizer &r, const TwoLevel *two, const KernelOptions &opt,
                         Geometry &g,
                         const std::function<void(std::int64_t, const std::int32_t *)> &sink);

// Two-level parameters for weights of `channels` output channels (the all-ones one last): at
// least 1 channel and channels - 1 values in v0_minus_zp and bias, else std::invalid_argument
// naming `kernel` and the counts. conv2d and conv2d_max_pool check them before any kernel reads
// them (two_level_fits and the direct kernels index them unchecked).
void check_two_level(const TwoLevel &t, std::int64_t channels, const char *kernel);

// conv2d_max_pool for 1-bit unsigned outputs and a 2x2 / 2 max pool (NCHW) on the AVX-512 path:
// the requantized outputs as bit planes, pooled with or; check_pool(conv geometry) validates the
// pool first. false (nothing done) when it does not apply.
bool conv_direct_max_pool_bits(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                               const Requantizer &r, const TwoLevel *two, const Pool2dParams &pool,
                               const KernelOptions &opt,
                               const std::function<void(const Geometry &)> &check_pool,
                               Shape &shape, std::vector<std::uint64_t> &words);

} // namespace samd::kernels::detail
