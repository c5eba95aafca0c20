#include <samd/kernels/pool.hpp>

#include <stdexcept>
#include <string>

#include <samd/accumulator.hpp>
#include <samd/ops/minmax.hpp>
#include <samd/pack.hpp>

#include "conv_geometry.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels {
namespace {

enum class Kind { Max, Avg };

detail::Geometry pool_geometry(const QTensor& x, const Pool2dParams& p, const char* kernel) {
  detail::check_kernel_layout(x.layout(), kernel, "input");
  const detail::Geometry g = detail::make_geometry(
      x.shape(), p.format,
      {p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.pad_bottom, p.pad_right,
       p.dilation_h, p.dilation_w},
      kernel);
  const std::int64_t eh = p.dilation_h * (p.kernel_h - 1) + 1, ew = p.dilation_w * (p.kernel_w - 1) + 1;
  if (p.pad_top >= eh || p.pad_bottom >= eh || p.pad_left >= ew || p.pad_right >= ew)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": padding must be smaller than the " +
                                std::to_string(eh) + "x" + std::to_string(ew) + " window on every side");
  // With dilation a window can straddle the input and still see only padding: refuse that.
  auto covers = [](std::int64_t out, std::int64_t k, std::int64_t s, std::int64_t pad, std::int64_t d, std::int64_t in) {
    for (std::int64_t o = 0; o < out; ++o) {
      bool any = false;
      for (std::int64_t t = 0; t < k && !any; ++t) any = o * s - pad + t * d >= 0 && o * s - pad + t * d < in;
      if (!any) return o;
    }
    return std::int64_t{-1};
  };
  if (const auto oy = covers(g.oh, p.kernel_h, p.stride_h, p.pad_top, p.dilation_h, g.h); oy >= 0)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": the window of output row " + std::to_string(oy) +
                                " covers only padding");
  if (const auto ox = covers(g.ow, p.kernel_w, p.stride_w, p.pad_left, p.dilation_w, g.w); ox >= 0)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": the window of output column " +
                                std::to_string(ox) + " covers only padding");
  const int axis = x.quant().axis;
  if (x.quant().channels() > 1 && axis != g.channel_axis())
    throw std::invalid_argument(std::string("samd: ") + kernel + ": per-channel quantization must be along the channel axis " +
                                std::to_string(g.channel_axis()) + ", not " + std::to_string(axis));
  return g;
}

// Visit the window of output (oy, ox): f(inside, y, x) for every tap.
template <class F> void for_window(const Pool2dParams& p, const detail::Geometry& g, std::int64_t oy, std::int64_t ox, F f) {
  for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
    for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
      const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      const std::int64_t xx = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
      f(y >= 0 && y < g.h && xx >= 0 && xx < g.w, y, xx);
    }
}

std::vector<std::int64_t> pool_reference(Kind kind, const QTensor& x, const std::vector<std::int64_t>& xv,
                                         const detail::Geometry& g, const Pool2dParams& p) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(g.n * g.c * g.oh * g.ow));
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t c = 0; c < g.c; ++c) {
      const std::int64_t zp = x.quant().zero_point_of(x.quant().channels() > 1 ? static_cast<std::size_t>(c) : 0);
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          std::int64_t best = x.layout().min_value(), sum = 0, count = 0;
          for_window(p, g, oy, ox, [&](bool inside, std::int64_t y, std::int64_t xx) {
            if (inside) {
              const std::int64_t v = xv[g.in_index(b, c, y, xx)];
              best = std::max(best, v);
              sum += v;
              ++count;
            } else if (p.count_include_pad) {
              sum += zp;
              ++count;
            }
          });
          out[g.out_index(b, c, oy, ox, g.c)] = kind == Kind::Max ? best : round_div(sum, count);
        }
    }
  return out;
}

// Swar: lanes are output positions of one (image, channel) plane; each window tap gathers one
// word of inputs and folds it with the verified max_lanes, or sums it into guard headroom with a
// SumAccumulator whose guard is sized for the window.
std::vector<std::int64_t> pool_swar(Kind kind, const QTensor& x, const std::vector<std::int64_t>& xv,
                                    const detail::Geometry& g, const Pool2dParams& p) {
  const Layout L{x.layout().bits, 0, x.layout().sign};
  const std::int64_t taps = p.kernel_h * p.kernel_w;
  unsigned guard = 1;
  while (sum_capacity(Layout{L.bits, guard, L.sign}) < static_cast<std::uint64_t>(taps)) ++guard;
  const Layout S{L.bits, guard, L.sign};
  const Layout& lanes_layout = kind == Kind::Max ? L : S;
  const unsigned lanes = lanes_layout.lanes();
  const std::int64_t P = g.oh * g.ow;
  std::vector<std::int64_t> out(static_cast<std::size_t>(g.n * g.c * P));
  std::vector<std::int64_t> vals(lanes), counts(lanes);
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t c = 0; c < g.c; ++c) {
      const std::int64_t zp = x.quant().zero_point_of(x.quant().channels() > 1 ? static_cast<std::size_t>(c) : 0);
      for (std::int64_t p0 = 0; p0 < P; p0 += lanes) {
        const unsigned n = static_cast<unsigned>(std::min<std::int64_t>(lanes, P - p0));
        std::uint64_t best = broadcast_value(L, L.min_value());
        SumAccumulator sum(S);
        std::fill(counts.begin(), counts.end(), 0);
        for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
          for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
            for (unsigned i = 0; i < lanes; ++i) {
              const std::int64_t pos = p0 + std::min<std::int64_t>(i, n - 1);
              const std::int64_t y = (pos / g.ow) * p.stride_h - p.pad_top + ky * p.dilation_h;
              const std::int64_t xx = (pos % g.ow) * p.stride_w - p.pad_left + kx * p.dilation_w;
              const bool inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
              if (inside) {
                vals[i] = xv[g.in_index(b, c, y, xx)];
                counts[i] += 1;
              } else if (kind == Kind::Avg && p.count_include_pad) {
                vals[i] = zp;
                counts[i] += 1;
              } else {
                vals[i] = kind == Kind::Max ? L.min_value() : 0; // neutral for max; excluded for avg
              }
            }
            if (kind == Kind::Max) {
              best = max_lanes(L, best, pack_word(L, vals));
            } else {
              sum.add(pack_word(S, vals));
            }
          }
        // Excluded avg taps contribute 0 to the exact sums (the accumulator removes its own bias).
        const std::vector<std::int64_t> sums = kind == Kind::Avg ? sum.lanes() : std::vector<std::int64_t>{};
        for (unsigned i = 0; i < n; ++i) {
          const std::int64_t pos = p0 + i;
          std::int64_t r;
          if (kind == Kind::Max) {
            r = get_lane(L, best, i);
          } else {
            r = round_div(sums[i], counts[i]);
          }
          out[g.out_index(b, c, pos / g.ow, pos % g.ow, g.c)] = r;
        }
      }
    }
  return out;
}

QTensor run_pool(Kind kind, const QTensor& x, const Pool2dParams& p, const KernelOptions& opt, const char* name) {
  const detail::Geometry g = pool_geometry(x, p, name);
  const std::vector<std::int64_t> xv = x.to_ints();
  const std::vector<std::int64_t> out =
      resolve_path(opt.path) == Path::Reference ? pool_reference(kind, x, xv, g, p) : pool_swar(kind, x, xv, g, p);
  return QTensor::from_ints(g.out_shape(g.c), x.layout(), out, x.quant());
}

} // namespace

QTensor max_pool2d(const QTensor& x, const Pool2dParams& p, const KernelOptions& opt) {
  return run_pool(Kind::Max, x, p, opt, "max_pool2d");
}
QTensor avg_pool2d(const QTensor& x, const Pool2dParams& p, const KernelOptions& opt) {
  return run_pool(Kind::Avg, x, p, opt, "avg_pool2d");
}
QTensor global_avg_pool(const QTensor& x, DataFormat format, const KernelOptions& opt) {
  if (x.shape().size() != 4)
    throw std::invalid_argument("samd: global_avg_pool: input must be 4-D; got shape " + to_string(x.shape()));
  Pool2dParams p;
  p.format = format;
  p.kernel_h = format == DataFormat::NCHW ? x.shape()[2] : x.shape()[1];
  p.kernel_w = format == DataFormat::NCHW ? x.shape()[3] : x.shape()[2];
  return run_pool(Kind::Avg, x, p, opt, "global_avg_pool");
}

} // namespace samd::kernels
