// The tap conv's driver (conv_taps.hpp): the padded image, each output pixel's window origin,
// padding taps and row sum, the pixels' order, then the GEMM's epilogue around
// fast::dot8_taps_avx512.
#include "conv_taps.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "fast/byte_sums.hpp"
#include "fast/fast_gemm.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels::detail {

bool conv_taps_apply(const QTensor &x, const PackedConvWeights &w, Path path) {
  const std::int64_t cg = w.in_channels_per_group(), taps = w.kernel_h() * w.kernel_w();
  return path == Path::Avx512 &&
         fast::choose_method(path, x.layout().bits, w.weight_layout().bits) == fast::Method::Dot8 &&
         cg % 4 == 0 && taps <= fast::kConvTapsMax && cg * taps <= 4 * kDot8BcastFlushGroups;
}

double conv_padding_share(const Geometry &g, const Conv2dParams &p, std::int64_t kh,
                          std::int64_t kw) {
  // Per axis, the taps of all output positions that land inside the image.
  const auto inside = [](std::int64_t out, std::int64_t k, std::int64_t stride, std::int64_t dil,
                         std::int64_t pad, std::int64_t size) {
    std::int64_t n = 0;
    for (std::int64_t o = 0; o < out; ++o)
      for (std::int64_t t = 0; t < k; ++t)
        n += in_image(o * stride + t * dil, pad, size);
    return static_cast<double>(n);
  };
  const double all = static_cast<double>(g.oh * kh) * static_cast<double>(g.ow * kw);
  if (all == 0)
    return 0;
  return 1.0 - inside(g.oh, kh, p.stride_h, p.dilation_h, p.pad_top, g.h) *
                   inside(g.ow, kw, p.stride_w, p.dilation_w, p.pad_left, g.w) / all;
}

namespace {
struct TapsScratch {
  PaddedImage padded;
  std::vector<std::int64_t> pixel_sums, row_off, tap_off;
  std::vector<std::uint64_t> pad_taps;
  std::vector<std::int32_t> order, res;
};
} // namespace

void conv_taps(Path path, const QTensor &x, const Geometry &g, std::int32_t za,
               const PackedConvWeights &w, const Conv2dParams &p, const KernelOptions &opt,
               std::int32_t *out) {
  thread_local TapsScratch s;
  const auto pad =
      static_cast<std::uint8_t>(za - x.layout().min_value()); // the zero point's offset
  const std::int64_t O = w.out_channels(), G = w.groups(), og = O / G;
  const std::int64_t CG = w.in_channels_per_group(), KH = w.kernel_h(), KW = w.kernel_w();
  const std::int64_t P = g.oh * g.ow, taps = KH * KW;
  const std::vector<std::uint8_t> xv = x.to_offsets();
  const std::size_t image = static_cast<std::size_t>(g.c * g.h * g.w);
  const std::vector<PackedWeights> &groups = conv_groups(w, path);
  const bool direct_out = g.format == DataFormat::NHWC && G == 1; // rows of out are the GEMM's
  s.row_off.resize(static_cast<std::size_t>(P));
  s.pad_taps.resize(static_cast<std::size_t>(P));
  s.order.resize(static_cast<std::size_t>(P));
  s.tap_off.resize(static_cast<std::size_t>(taps));
  fast::FastActs a;
  a.m = P;
  a.ab = x.layout().bits;
  a.rowsum.resize(static_cast<std::size_t>(P));
  fast::ConvTaps t;
  t.taps = taps;
  t.tap_quads = CG / 4;
  t.pad = pad;
  for (std::int64_t b = 0; b < g.n; ++b) {
    pad_image(xv.data() + static_cast<std::size_t>(b) * image, g, p, pad, s.padded);
    const std::int64_t wp = s.padded.wp, C = s.padded.c;
    for (std::int64_t ky = 0; ky < KH; ++ky)
      for (std::int64_t kx = 0; kx < KW; ++kx)
        s.tap_off[static_cast<std::size_t>(ky * KW + kx)] =
            (ky * p.dilation_h * wp + kx * p.dilation_w) * C;
    for (std::int64_t grp = 0; grp < G; ++grp) {
      // Each padded pixel's offset sum over the group's channels.
      s.pixel_sums.resize(static_cast<std::size_t>(s.padded.hp * wp));
      for (std::int64_t px = 0; px < s.padded.hp * wp; ++px) {
        const std::uint8_t *c0 = s.padded.bytes.data() + px * C + grp * CG;
        s.pixel_sums[static_cast<std::size_t>(px)] = fast::sum_bytes(c0, CG);
      }
      for (std::int64_t pix = 0; pix < P; ++pix) {
        const std::int64_t oy = pix / g.ow, ox = pix % g.ow;
        const std::int64_t y0 = oy * p.stride_h, x0 = ox * p.stride_w; // in the padded image
        std::uint64_t mask = 0;
        std::int64_t sum = 0;
        for (std::int64_t ky = 0; ky < KH; ++ky)
          for (std::int64_t kx = 0; kx < KW; ++kx) {
            const std::int64_t y = y0 + ky * p.dilation_h, xx = x0 + kx * p.dilation_w;
            if (!in_image(y, p.pad_top, g.h) || !in_image(xx, p.pad_left, g.w))
              mask |= std::uint64_t{1} << (ky * KW + kx);
            sum += s.pixel_sums[static_cast<std::size_t>(y * wp + xx)];
          }
        s.row_off[static_cast<std::size_t>(pix)] = (y0 * wp + x0) * C + grp * CG;
        s.pad_taps[static_cast<std::size_t>(pix)] = mask;
        a.rowsum[static_cast<std::size_t>(pix)] = sum;
      }
      // Pixels with the same padding taps adjacent, in raster order within each set.
      std::iota(s.order.begin(), s.order.end(), 0);
      std::stable_sort(s.order.begin(), s.order.end(), [&](std::int32_t i, std::int32_t j) {
        return s.pad_taps[static_cast<std::size_t>(i)] < s.pad_taps[static_cast<std::size_t>(j)];
      });
      t.image = s.padded.bytes.data();
      t.row_off = s.row_off.data();
      t.pad_taps = s.pad_taps.data();
      t.order = s.order.data();
      t.tap_off = s.tap_off.data();
      a.taps = &t;
      const PackedWeights &pw = groups[static_cast<std::size_t>(grp)];
      if (direct_out) {
        gemm_rows_prepared_into(path, a, za, pw, opt, out + b * P * O);
        continue;
      }
      s.res.resize(static_cast<std::size_t>(P * og));
      gemm_rows_prepared_into(path, a, za, pw, opt, s.res.data());
      for (std::int64_t pix = 0; pix < P; ++pix)
        for (std::int64_t o = 0; o < og; ++o)
          out[g.out_index(b, grp * og + o, pix / g.ow, pix % g.ow, O)] =
              s.res[static_cast<std::size_t>(pix * og + o)];
    }
  }
}

} // namespace samd::kernels::detail
