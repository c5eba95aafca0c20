#include <samd/kernels/conv.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "conv_geometry.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels {

PackedConvWeights PackedConvWeights::prepack(const QTensor& w, std::vector<std::int32_t> bias, const Layout& act,
                                             std::int64_t groups, unsigned swar_guard) {
  if (w.shape().size() != 4)
    throw std::invalid_argument("samd: conv2d prepack: weights must be {O, C/groups, KH, KW}; got shape " +
                                to_string(w.shape()));
  if (groups < 1 || w.shape()[0] % groups != 0)
    throw std::invalid_argument("samd: conv2d prepack: groups = " + std::to_string(groups) +
                                " must be >= 1 and divide the " + std::to_string(w.shape()[0]) + " output channels");
  if (w.quant().axis > 0 && w.quant().channels() > 1)
    throw std::invalid_argument("samd: conv2d prepack: weights may be quantized per tensor or per output channel "
                                "(axis 0), not along axis " + std::to_string(w.quant().axis));
  if (!bias.empty() && static_cast<std::int64_t>(bias.size()) != w.shape()[0])
    throw std::invalid_argument("samd: conv2d prepack: " + std::to_string(bias.size()) + " bias values for " +
                                std::to_string(w.shape()[0]) + " output channels");
  PackedConvWeights p;
  p.w_ = w;
  p.bias_ = bias;
  p.act_ = act;
  p.o_ = w.shape()[0];
  p.cg_ = w.shape()[1];
  p.kh_ = w.shape()[2];
  p.kw_ = w.shape()[3];
  p.groups_ = groups;
  const std::int64_t og = p.o_ / groups, k = p.cg_ * p.kh_ * p.kw_;
  const std::vector<std::int64_t> q = w.to_ints();
  for (std::int64_t g = 0; g < groups; ++g) {
    QuantParams gq;
    gq.axis = w.quant().channels() > 1 ? 0 : -1;
    gq.scale.clear();
    gq.zero_point.clear();
    for (std::int64_t o = g * og; o < (g + 1) * og; ++o) {
      if (w.quant().channels() == 1 && o > g * og) break;
      const auto c = static_cast<std::size_t>(w.quant().channels() == 1 ? 0 : o);
      gq.scale.push_back(w.quant().scale[c]);
      gq.zero_point.push_back(w.quant().zero_point[c]);
    }
    if (og == 0) { // no output channels: keep the per-tensor parameters
      gq.scale = {w.quant().scale[0]};
      gq.zero_point = {w.quant().zero_point[0]};
      gq.axis = -1;
    }
    // K in (ky, kx, c) order, so that im2col copies whole channel runs of NHWC inputs.
    std::vector<std::int64_t> slice(static_cast<std::size_t>(og * k));
    for (std::int64_t o = 0; o < og; ++o)
      for (std::int64_t c = 0; c < p.cg_; ++c)
        for (std::int64_t ky = 0; ky < p.kh_; ++ky)
          for (std::int64_t kx = 0; kx < p.kw_; ++kx)
            slice[static_cast<std::size_t>(o * k + (ky * p.kw_ + kx) * p.cg_ + c)] =
                q[static_cast<std::size_t>((((g * og + o) * p.cg_ + c) * p.kh_ + ky) * p.kw_ + kx)];
    std::vector<std::int32_t> gb;
    if (!bias.empty()) gb.assign(bias.begin() + g * og, bias.begin() + (g + 1) * og);
    p.per_group_.push_back(PackedWeights::prepack(QTensor::from_ints({og, k}, w.layout(), slice, gq), gb, act, swar_guard));
  }
  return p;
}

namespace {

std::vector<std::int32_t> conv_reference(const std::vector<std::int64_t>& x, const detail::Geometry& g,
                                         std::int32_t za, const PackedConvWeights& w, const Conv2dParams& p) {
  const std::vector<std::int64_t> q = w.weights().to_ints();
  const QuantParams& wq = w.weights().quant();
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(), KH = w.kernel_h(), KW = w.kernel_w();
  const std::int64_t og = O / w.groups();
  std::vector<std::int32_t> out(static_cast<std::size_t>(g.n * O * g.oh * g.ow));
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t o = 0; o < O; ++o) {
      const std::int64_t grp = o / og, zw = wq.zero_point_of(static_cast<std::size_t>(o));
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          std::int64_t s = w.bias().empty() ? 0 : w.bias()[static_cast<std::size_t>(o)];
          for (std::int64_t c = 0; c < CG; ++c)
            for (std::int64_t ky = 0; ky < KH; ++ky)
              for (std::int64_t kx = 0; kx < KW; ++kx) {
                const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                const std::int64_t xx = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                if (y < 0 || y >= g.h || xx < 0 || xx >= g.w) continue; // padding: a - za = 0
                const std::int64_t a = x[g.in_index(b, grp * CG + c, y, xx)];
                s += (a - za) * (q[static_cast<std::size_t>(((o * CG + c) * KH + ky) * KW + kx)] - zw);
              }
          if (s < INT32_MIN || s > INT32_MAX) throw std::logic_error("samd: conv2d reference: int32 bound violated");
          out[g.out_index(b, o, oy, ox, O)] = static_cast<std::int32_t>(s);
        }
    }
  return out;
}

// im2col per image and group, then the GEMM of the chosen path.
std::vector<std::int32_t> conv_im2col(Path path, const std::vector<std::int64_t>& x, const detail::Geometry& g, std::int32_t za,
                                    const PackedConvWeights& w, const Conv2dParams& p, const KernelOptions& opt) {
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(), KH = w.kernel_h(), KW = w.kernel_w();
  const std::int64_t og = O / w.groups(), K = CG * KH * KW, P = g.oh * g.ow;
  std::vector<std::int32_t> out(static_cast<std::size_t>(g.n * O * P));
  std::vector<std::int64_t> cols(static_cast<std::size_t>(P * K));
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t grp = 0; grp < w.groups(); ++grp) {
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          std::int64_t* row = cols.data() + (oy * g.ow + ox) * K;
          for (std::int64_t c = 0; c < CG; ++c)
            for (std::int64_t ky = 0; ky < KH; ++ky)
              for (std::int64_t kx = 0; kx < KW; ++kx) {
                const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                const std::int64_t xx = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                const bool inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
                row[(ky * KW + kx) * CG + c] = inside ? x[g.in_index(b, grp * CG + c, y, xx)] : za;
              }
        }
      const std::vector<std::int32_t> r =
          detail::gemm_rows(path, cols.data(), P, za, w.groups_packed()[static_cast<std::size_t>(grp)], opt);
      for (std::int64_t pix = 0; pix < P; ++pix)
        for (std::int64_t o = 0; o < og; ++o)
          out[g.out_index(b, grp * og + o, pix / g.ow, pix % g.ow, O)] = r[static_cast<std::size_t>(pix * og + o)];
    }
  return out;
}

// The SIMD paths: im2col straight into activation offset bytes (no int64 round trip).
std::vector<std::int32_t> conv_im2col_bytes(Path path, const QTensor& xt, const detail::Geometry& g, std::int32_t za,
                                            const PackedConvWeights& w, const Conv2dParams& p, const KernelOptions& opt) {
  const std::vector<std::uint8_t> x = detail::offset_bytes(xt);
  const auto pad = static_cast<std::uint8_t>(za - xt.layout().min_value()); // the zero point's offset
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(), KH = w.kernel_h(), KW = w.kernel_w();
  const std::int64_t og = O / w.groups(), K = CG * KH * KW, P = g.oh * g.ow;
  std::vector<std::int32_t> out(static_cast<std::size_t>(g.n * O * P));
  std::vector<std::uint8_t> cols(static_cast<std::size_t>(P * K));
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t grp = 0; grp < w.groups(); ++grp) {
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          std::uint8_t* row = cols.data() + (oy * g.ow + ox) * K;
          for (std::int64_t ky = 0; ky < KH; ++ky)
            for (std::int64_t kx = 0; kx < KW; ++kx) {
              const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
              const std::int64_t xx = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
              std::uint8_t* dst = row + (ky * KW + kx) * CG;
              if (y < 0 || y >= g.h || xx < 0 || xx >= g.w) {
                std::fill(dst, dst + CG, pad);
              } else if (g.format == DataFormat::NHWC) { // the group's channels are contiguous
                const std::uint8_t* src = x.data() + g.in_index(b, grp * CG, y, xx);
                std::copy(src, src + CG, dst);
              } else {
                for (std::int64_t c = 0; c < CG; ++c) dst[c] = x[g.in_index(b, grp * CG + c, y, xx)];
              }
            }
        }
      const std::vector<std::int32_t> r =
          detail::gemm_rows_fast_bytes(path, cols.data(), P, za, w.groups_packed()[static_cast<std::size_t>(grp)], opt);
      for (std::int64_t pix = 0; pix < P; ++pix)
        for (std::int64_t o = 0; o < og; ++o)
          out[g.out_index(b, grp * og + o, pix / g.ow, pix % g.ow, O)] = r[static_cast<std::size_t>(pix * og + o)];
    }
  return out;
}

} // namespace

Int32Tensor conv2d_s32(const QTensor& x, const PackedConvWeights& w, const Conv2dParams& p, const KernelOptions& opt) {
  detail::check_kernel_layout(x.layout(), "conv2d", "input");
  if (!(x.layout() == w.act_layout()))
    throw std::invalid_argument("samd: conv2d: input layout " + samd::to_string(x.layout()) +
                                " does not match the layout the weights were prepacked for, " +
                                samd::to_string(w.act_layout()));
  if (p.groups != w.groups())
    throw std::invalid_argument("samd: conv2d: groups = " + std::to_string(p.groups) +
                                " but the weights were prepacked for " + std::to_string(w.groups()));
  const detail::Geometry g = detail::make_geometry(
      x.shape(), p.format,
      {w.kernel_h(), w.kernel_w(), p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.pad_bottom, p.pad_right,
       p.dilation_h, p.dilation_w},
      "conv2d");
  if (g.c != w.in_channels_per_group() * w.groups())
    throw std::invalid_argument("samd: conv2d: input has " + std::to_string(g.c) + " channels; the weights expect " +
                                std::to_string(w.in_channels_per_group()) + " per group x " +
                                std::to_string(w.groups()) + " groups");
  const std::int32_t za = detail::per_tensor_zero_point(x, "conv2d", "input");
  for (const PackedWeights& pw : w.groups_packed()) detail::check_k_bound(pw.k(), x.layout(), za, pw, "conv2d");
  Int32Tensor out{g.out_shape(w.out_channels()), {}};
  const Path path = resolve_path(opt.path);
  if (path == Path::Reference || path == Path::Swar) {
    const std::vector<std::int64_t> xv = x.to_ints();
    out.data = path == Path::Reference ? conv_reference(xv, g, za, w, p) : conv_im2col(path, xv, g, za, w, p, opt);
  } else {
    out.data = conv_im2col_bytes(path, x, g, za, w, p, opt);
  }
  return out;
}

QTensor conv2d(const QTensor& x, const PackedConvWeights& w, const Conv2dParams& p, const Requant& rq,
               const KernelOptions& opt) {
  requant_range(rq);
  const Int32Tensor acc = conv2d_s32(x, w, p, opt);
  return requantize(acc, x.quant().scale[0], w.weights().quant(), p.format == DataFormat::NCHW ? 1 : 3, rq);
}

} // namespace samd::kernels
