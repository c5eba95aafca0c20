#include <samd/kernels/pool.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include <samd/accumulator.hpp>

#include "x86_intrinsics.hpp"
#include <samd/ops/minmax.hpp>
#include <samd/pack.hpp>

#include "conv_geometry.hpp"
#include "conv_small.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels {
namespace {

enum class Kind { Max, Avg };

detail::Geometry pool_geometry(const Shape &shape, const Layout &layout, const QuantParams &quant,
                               const Pool2dParams &p, const char *kernel) {
  detail::check_kernel_layout(layout, kernel, "input");
  const detail::Geometry g =
      detail::make_geometry(shape, p.format,
                            {p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.pad_top, p.pad_left,
                             p.pad_bottom, p.pad_right, p.dilation_h, p.dilation_w},
                            kernel);
  // make_geometry checked these extents and the padded area (<= 2^40, so the taps kernel_h x
  // kernel_w too) and the output's element count is bounded here.
  (void)element_count(g.out_shape(g.c), (std::string(kernel) + ": output").c_str());
  const std::int64_t eh = p.dilation_h * (p.kernel_h - 1) + 1,
                     ew = p.dilation_w * (p.kernel_w - 1) + 1;
  if (p.pad_top >= eh || p.pad_bottom >= eh || p.pad_left >= ew || p.pad_right >= ew)
    throw std::invalid_argument(std::string("samd: ") + kernel +
                                ": padding must be smaller than the " + std::to_string(eh) + "x" +
                                std::to_string(ew) + " window on every side");
  // With dilation a window can straddle the input and still see only padding: refuse that.
  auto covers = [](std::int64_t out, std::int64_t k, std::int64_t s, std::int64_t pad,
                   std::int64_t d, std::int64_t in) {
    for (std::int64_t o = 0; o < out; ++o) {
      bool any = false;
      for (std::int64_t t = 0; t < k && !any; ++t)
        any = o * s - pad + t * d >= 0 && o * s - pad + t * d < in;
      if (!any)
        return o;
    }
    return std::int64_t{-1};
  };
  if (const auto oy = covers(g.oh, p.kernel_h, p.stride_h, p.pad_top, p.dilation_h, g.h); oy >= 0)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": the window of output row " +
                                std::to_string(oy) + " covers only padding");
  if (const auto ox = covers(g.ow, p.kernel_w, p.stride_w, p.pad_left, p.dilation_w, g.w); ox >= 0)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": the window of output column " +
                                std::to_string(ox) + " covers only padding");
  const int axis = quant.axis;
  if (quant.channels() > 1 && axis != g.channel_axis())
    throw std::invalid_argument(std::string("samd: ") + kernel +
                                ": per-channel quantization must be along the channel axis " +
                                std::to_string(g.channel_axis()) + ", not " + std::to_string(axis));
  return g;
}

// Visit the window of output (oy, ox): f(inside, y, x) for every tap.
template <class F>
void for_window(const Pool2dParams &p, const detail::Geometry &g, std::int64_t oy, std::int64_t ox,
                F f) {
  for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
    for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
      const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      const std::int64_t xx = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
      f(y >= 0 && y < g.h && xx >= 0 && xx < g.w, y, xx);
    }
}

std::vector<std::int64_t> pool_reference(Kind kind, const QTensor &x,
                                         const std::vector<std::int64_t> &xv,
                                         const detail::Geometry &g, const Pool2dParams &p) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(g.n * g.c * g.oh * g.ow));
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t c = 0; c < g.c; ++c) {
      const std::int64_t zp =
          x.quant().zero_point_of(x.quant().channels() > 1 ? static_cast<std::size_t>(c) : 0);
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
std::vector<std::int64_t> pool_swar(Kind kind, const QTensor &x,
                                    const std::vector<std::int64_t> &xv, const detail::Geometry &g,
                                    const Pool2dParams &p) {
  const Layout L{x.layout().bits, 0, x.layout().sign};
  const std::int64_t taps = p.kernel_h * p.kernel_w;
  unsigned guard = 1;
  while (sum_capacity(Layout{L.bits, guard, L.sign}) < static_cast<std::uint64_t>(taps))
    ++guard;
  const Layout S{L.bits, guard, L.sign};
  const Layout &lanes_layout = kind == Kind::Max ? L : S;
  const unsigned lanes = lanes_layout.lanes();
  const std::int64_t P = g.oh * g.ow;
  std::vector<std::int64_t> out(static_cast<std::size_t>(g.n * g.c * P));
  std::vector<std::int64_t> vals(lanes), counts(lanes);
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t c = 0; c < g.c; ++c) {
      const std::int64_t zp =
          x.quant().zero_point_of(x.quant().channels() > 1 ? static_cast<std::size_t>(c) : 0);
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
                vals[i] =
                    kind == Kind::Max ? L.min_value() : 0; // neutral for max; excluded for avg
              }
            }
            if (kind == Kind::Max) {
              best = max_lanes(L, best, pack_word(L, vals));
            } else {
              sum.add(pack_word(S, vals));
            }
          }
        // Excluded avg taps contribute 0 to the exact sums (the accumulator removes its own bias).
        const std::vector<std::int64_t> sums =
            kind == Kind::Avg ? sum.lanes() : std::vector<std::int64_t>{};
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

// The SIMD paths: plain loops over unpacked integers straight into the packed output (the window
// bounds clipped once per output row and column; what the compiler vectorizes).
QTensor pool_direct(Kind kind, const QTensor &x, const detail::Geometry &g, const Pool2dParams &p) {
  const std::vector<std::int64_t> xv = x.to_ints();
  const std::int64_t P = g.oh * g.ow;
  // Per output column: the first and past-the-end tap inside the input, and the tap count.
  auto span_of = [](std::int64_t o, std::int64_t k, std::int64_t s, std::int64_t pad,
                    std::int64_t d, std::int64_t in) {
    std::int64_t t0 = 0, t1 = k;
    while (t0 < k && o * s - pad + t0 * d < 0)
      ++t0;
    while (t1 > t0 && o * s - pad + (t1 - 1) * d >= in)
      --t1;
    return std::pair<std::int64_t, std::int64_t>{t0, t1};
  };
  std::vector<std::pair<std::int64_t, std::int64_t>> ys(static_cast<std::size_t>(g.oh)),
      xs(static_cast<std::size_t>(g.ow));
  for (std::int64_t o = 0; o < g.oh; ++o)
    ys[static_cast<std::size_t>(o)] =
        span_of(o, p.kernel_h, p.stride_h, p.pad_top, p.dilation_h, g.h);
  for (std::int64_t o = 0; o < g.ow; ++o)
    xs[static_cast<std::size_t>(o)] =
        span_of(o, p.kernel_w, p.stride_w, p.pad_left, p.dilation_w, g.w);
  std::vector<std::int32_t> out(static_cast<std::size_t>(g.n * g.c * P));
  const std::int64_t taps = p.kernel_h * p.kernel_w;
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t c = 0; c < g.c; ++c) {
      const std::int64_t zp =
          x.quant().zero_point_of(x.quant().channels() > 1 ? static_cast<std::size_t>(c) : 0);
      for (std::int64_t oy = 0; oy < g.oh; ++oy) {
        const auto [y0, y1] = ys[static_cast<std::size_t>(oy)];
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          const auto [x0, x1] = xs[static_cast<std::size_t>(ox)];
          std::int64_t best = x.layout().min_value(), sum = 0;
          for (std::int64_t ky = y0; ky < y1; ++ky) {
            const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            for (std::int64_t kx = x0; kx < x1; ++kx) {
              const std::int64_t v =
                  xv[g.in_index(b, c, y, ox * p.stride_w - p.pad_left + kx * p.dilation_w)];
              best = std::max(best, v);
              sum += v;
            }
          }
          std::int64_t r = best;
          if (kind == Kind::Avg) {
            const std::int64_t inside = (y1 - y0) * (x1 - x0);
            r = p.count_include_pad ? round_div(sum + (taps - inside) * zp, taps)
                                    : round_div(sum, inside);
          }
          out[g.out_index(b, c, oy, ox, g.c)] = static_cast<std::int32_t>(r);
        }
      }
    }
  return QTensor::from_words(g.out_shape(g.c), x.layout(),
                             pack_lanes(x.layout(), out.data(), out.size()), x.quant());
}

QTensor run_pool(Kind kind, const QTensor &x, const Pool2dParams &p, const KernelOptions &opt,
                 const char *name) {
  const Path path = resolve_options(opt, name);
  const detail::Geometry g = pool_geometry(x.shape(), x.layout(), x.quant(), p, name);
  if (path != Path::Reference && path != Path::Swar)
    return pool_direct(kind, x, g, p);
  const std::vector<std::int64_t> xv = x.to_ints();
  const std::vector<std::int64_t> out =
      path == Path::Reference ? pool_reference(kind, x, xv, g, p) : pool_swar(kind, x, xv, g, p);
  return QTensor::from_ints(g.out_shape(g.c), x.layout(), out, x.quant());
}

#if defined(SAMD_HAVE_X86_KERNELS)
// The 2x2 / 2 window on one NCHW plane row pair, 16 outputs per step (called only on the Avx512
// path, whose CPUs have these instructions).
__attribute__((target("avx512f"))) void max_pool_2x2_rows(const std::int32_t *r0,
                                                          const std::int32_t *r1, std::int64_t ow,
                                                          std::int32_t *dst) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  for (std::int64_t ox = 0; ox < ow; ox += 16) {
    const std::int64_t n = std::min<std::int64_t>(16, ow - ox), in = 2 * n;
    const auto m_lo = static_cast<__mmask16>(in >= 16 ? 0xFFFF : (1u << in) - 1);
    const auto m_hi =
        static_cast<__mmask16>(in <= 16 ? 0 : (in >= 32 ? 0xFFFF : (1u << (in - 16)) - 1));
    const __m512i a = _mm512_max_epi32(_mm512_maskz_loadu_epi32(m_lo, r0 + 2 * ox),
                                       _mm512_maskz_loadu_epi32(m_lo, r1 + 2 * ox));
    const __m512i b = _mm512_max_epi32(_mm512_maskz_loadu_epi32(m_hi, r0 + 2 * ox + 16),
                                       _mm512_maskz_loadu_epi32(m_hi, r1 + 2 * ox + 16));
    const __m512i r = _mm512_max_epi32(_mm512_permutex2var_epi32(a, even, b),
                                       _mm512_permutex2var_epi32(a, odd, b));
    _mm512_mask_storeu_epi32(dst + ox, static_cast<__mmask16>(n >= 16 ? 0xFFFF : (1u << n) - 1), r);
  }
}

// The 2x2 / 2 window on a whole image of C planes with even H and W: rows 2r and 2r + 1 of the
// stacked planes are always a window's two rows, and column pairs never cross a row, so both
// steps run over flat arrays. tmp: C * H / 2 * W values.
__attribute__((target("avx512f"))) void max_pool_2x2_image(const std::int32_t *in,
                                                           std::int64_t rows, std::int64_t w,
                                                           std::int32_t *tmp, std::int32_t *dst) {
  for (std::int64_t r = 0; r < rows / 2; ++r) // vertical: row pairs
    for (std::int64_t x = 0; x < w; x += 16) {
      const auto m = static_cast<__mmask16>(w - x >= 16 ? 0xFFFF : (1u << (w - x)) - 1);
      const std::int32_t *a = in + 2 * r * w + x;
      _mm512_mask_storeu_epi32(
          tmp + r * w + x, m,
          _mm512_max_epi32(_mm512_maskz_loadu_epi32(m, a), _mm512_maskz_loadu_epi32(m, a + w)));
    }
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const std::int64_t n = rows / 2 * w; // horizontal: column pairs, flat
  for (std::int64_t i = 0; i < n; i += 32) {
    const std::int64_t left = std::min<std::int64_t>(32, n - i);
    const auto m_lo = static_cast<__mmask16>(left >= 16 ? 0xFFFF : (1u << left) - 1);
    const auto m_hi =
        static_cast<__mmask16>(left <= 16 ? 0 : (left >= 32 ? 0xFFFF : (1u << (left - 16)) - 1));
    const __m512i a = _mm512_maskz_loadu_epi32(m_lo, tmp + i),
                  b = _mm512_maskz_loadu_epi32(m_hi, tmp + i + 16);
    const __m512i r = _mm512_max_epi32(_mm512_permutex2var_epi32(a, even, b),
                                       _mm512_permutex2var_epi32(a, odd, b));
    const std::int64_t outs = left / 2;
    _mm512_mask_storeu_epi32(dst + i / 2,
                             static_cast<__mmask16>(outs >= 16 ? 0xFFFF : (1u << outs) - 1), r);
  }
}
#endif

} // namespace

namespace detail {
// Max pooling of one image's int32 values (g: its geometry with n = 1) into out (g's output
// positions, the same format).
void max_pool_s32_image(const std::int32_t *in, const Geometry &g, const Pool2dParams &p,
                        std::int32_t *out, bool avx512, std::vector<std::int32_t> &tmp) {
  // No padding on any side: every window lies inside the image (found by fuzz_kernels_conv: bottom
  // or right padding on an odd size made the last window read past the plane).
  const bool simple = p.kernel_h == 2 && p.kernel_w == 2 && p.stride_h == 2 && p.stride_w == 2 &&
                      p.pad_top == 0 && p.pad_left == 0 && p.pad_bottom == 0 && p.pad_right == 0 &&
                      p.dilation_h == 1 && p.dilation_w == 1 && g.format == DataFormat::NCHW;
#if defined(SAMD_HAVE_X86_KERNELS)
  if (simple && avx512 && g.h % 2 == 0 && g.w % 2 == 0) { // then oh = h / 2 and ow = w / 2
    tmp.resize(static_cast<std::size_t>(g.c * g.h / 2 * g.w));
    max_pool_2x2_image(in, g.c * g.h, g.w, tmp.data(), out);
    return;
  }
#else
  (void)tmp, (void)avx512;
#endif
  if (simple) { // the common 2x2 / 2 window on NCHW planes: no padding taps
    for (std::int64_t c = 0; c < g.c; ++c) {
      const std::int32_t *plane = in + c * g.h * g.w;
      std::int32_t *dst = out + c * g.oh * g.ow;
      for (std::int64_t oy = 0; oy < g.oh; ++oy) {
        const std::int32_t *r0 = plane + 2 * oy * g.w, *r1 = r0 + g.w;
#if defined(SAMD_HAVE_X86_KERNELS)
        if (avx512) {
          max_pool_2x2_rows(r0, r1, g.ow, dst + oy * g.ow);
          continue;
        }
#endif
        for (std::int64_t ox = 0; ox < g.ow; ++ox)
          dst[oy * g.ow + ox] =
              std::max(std::max(r0[2 * ox], r0[2 * ox + 1]), std::max(r1[2 * ox], r1[2 * ox + 1]));
      }
    }
    return;
  }
  for (std::int64_t c = 0; c < g.c; ++c)
    for (std::int64_t oy = 0; oy < g.oh; ++oy)
      for (std::int64_t ox = 0; ox < g.ow; ++ox) {
        std::int32_t best = INT32_MIN;
        for_window(p, g, oy, ox, [&](bool inside, std::int64_t y, std::int64_t xx) {
          if (inside)
            best = std::max(best, in[g.in_index(0, c, y, xx)]);
        });
        out[g.out_index(0, c, oy, ox, g.c)] = best;
      }
}

} // namespace detail

QTensor conv2d_max_pool(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                        const Requantizer &r, const Pool2dParams &pool, const KernelOptions &opt,
                        const TwoLevel *two) {
  (void)resolve_options(opt, "conv2d_max_pool");
  if (two) // before any kernel reads the parameters
    detail::check_two_level(*two, w.out_channels(), "conv2d_max_pool");
  const Requant &rq = r.requant();
  const QuantParams out_q{{rq.out_scale}, {rq.out_zero_point}, -1};
  // Every path checks the convolution and then the pool before it computes, so a pool that does
  // not fit is reported as such whether or not a sum would overflow first (the fused kernels pool
  // as they go; found by fuzz_kernels_conv).
  pool_geometry(detail::conv_geometry(x, w, p).out_shape(static_cast<std::int64_t>(r.channels())),
                rq.out_layout, out_q, pool, "max_pool2d");
  if (pool.format == p.format) { // the direct kernel for few taps: pooled, then requantized
    const auto pool_g = [&](const detail::Geometry &g) {
      detail::Geometry pg = pool_geometry(g.out_shape(static_cast<std::int64_t>(r.channels())),
                                          rq.out_layout, out_q, pool, "max_pool2d");
      pg.n = 1;
      return pg;
    };
    if (QTensor q; detail::conv_small_requant(x, w, p, r, two, opt, &pool, pool_g, q))
      return q;
  }
  {
    Shape shape;
    std::vector<std::uint64_t> words;
    const auto check = [&](const detail::Geometry &g) {
      pool_geometry(g.out_shape(static_cast<std::int64_t>(r.channels())), rq.out_layout, out_q,
                    pool, "max_pool2d");
    };
    if (detail::conv_direct_max_pool_bits(x, w, p, r, two, pool, opt, check, shape, words))
      return QTensor::from_words(shape, rq.out_layout, std::move(words), out_q);
  }
  // The fused path pools each image as the conv wrote it, so it needs the pool to read the conv's
  // format (found by fuzz_kernels_conv); otherwise the two calls.
  if (pool.format != p.format)
    return max_pool2d(conv2d(x, w, p, r, opt, two), pool, opt);
  std::vector<std::int32_t> pooled, tmp;
  detail::Geometry cg, pg;
  std::size_t per = 0;
  const bool direct = detail::conv_direct_requant(
      x, w, p, r, two, opt, cg, [&](std::int64_t b, const std::int32_t *img) {
        if (b == 0) {
          const std::int64_t O = static_cast<std::int64_t>(r.channels());
          pg = pool_geometry(cg.out_shape(O), rq.out_layout, out_q, pool, "max_pool2d");
          pg.n = 1;
          per = static_cast<std::size_t>(O * pg.oh * pg.ow);
          pooled.resize(per * static_cast<std::size_t>(cg.n));
        }
        // direct: the CPU runs Avx512
        detail::max_pool_s32_image(img, pg, pool, pooled.data() + per * static_cast<std::size_t>(b),
                                   true, tmp);
      });
  if (!direct)
    return max_pool2d(conv2d(x, w, p, r, opt, two), pool, opt);
  if (cg.n == 0)
    return max_pool2d(conv2d(x, w, p, r, opt, two), pool, opt); // no image: shapes and checks only
  pg.n = cg.n;
  return QTensor::from_words(pg.out_shape(pg.c), rq.out_layout,
                             pack_lanes(rq.out_layout, pooled.data(), pooled.size()), out_q);
}

QTensor max_pool2d(const QTensor &x, const Pool2dParams &p, const KernelOptions &opt) {
  return run_pool(Kind::Max, x, p, opt, "max_pool2d");
}
QTensor avg_pool2d(const QTensor &x, const Pool2dParams &p, const KernelOptions &opt) {
  return run_pool(Kind::Avg, x, p, opt, "avg_pool2d");
}
QTensor global_avg_pool(const QTensor &x, DataFormat format, const KernelOptions &opt) {
  if (x.shape().size() != 4)
    throw std::invalid_argument("samd: global_avg_pool: input must be 4-D; got shape " +
                                to_string(x.shape()));
  Pool2dParams p;
  p.format = format;
  p.kernel_h = format == DataFormat::NCHW ? x.shape()[2] : x.shape()[1];
  p.kernel_w = format == DataFormat::NCHW ? x.shape()[3] : x.shape()[2];
  if (p.kernel_h < 1 || p.kernel_w < 1)
    throw std::invalid_argument("samd: global_avg_pool: the input (shape " + to_string(x.shape()) +
                                ", " + (format == DataFormat::NCHW ? "NCHW" : "NHWC") + ") is " +
                                std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) +
                                " pixels: there is nothing to average");
  return run_pool(Kind::Avg, x, p, opt, "global_avg_pool");
}

} // namespace samd::kernels
