// Pooling by pool.hpp's contract, in plain loops over the integers a fuzz target drew: an oracle
// for the Reference path, which reads the same packed tensor (QTensor) and shares its geometry,
// rounding and packing code with every other path, so compare_paths alone misses a bug there.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <samd/kernels/pool.hpp>

#include "kernel_inputs.hpp"

namespace samd::fuzz {

enum class PlainPool { Max, Avg };

// max_pool2d / avg_pool2d of x (4-D `shape` in p.format; zero points one or one per channel) as
// the contract states it: output {N, C, OH, OW} (or {N, OH, OW, C}) with OH = (H + pad_top +
// pad_bottom - dilated window) / stride + 1; max over the window's taps inside the input (padding
// ignored); the average of those taps, padding taps counted as the zero point when
// count_include_pad, rounded half away from zero. The result: the output's shape, -1, then its
// integers. std::nullopt where the contract refuses the parameters: a padding as large as the
// dilated window on its side, a window larger than the padded input, or a window that sees
// only padding.
SAMD_FUZZ_ORACLE inline std::optional<std::vector<std::int64_t>>
plain_pool(PlainPool kind, const PlainTensor &x, const kernels::Shape &shape,
           const kernels::Pool2dParams &p) {
  const bool nchw = p.format == kernels::DataFormat::NCHW;
  const std::int64_t n = shape[0], c = nchw ? shape[1] : shape[3], h = nchw ? shape[2] : shape[1],
                     w = nchw ? shape[3] : shape[2];
  const std::int64_t eh = p.dilation_h * (p.kernel_h - 1) + 1,
                     ew = p.dilation_w * (p.kernel_w - 1) + 1;
  if (p.pad_top >= eh || p.pad_bottom >= eh || p.pad_left >= ew || p.pad_right >= ew)
    return std::nullopt;
  if (h + p.pad_top + p.pad_bottom < eh || w + p.pad_left + p.pad_right < ew)
    return std::nullopt;
  const std::int64_t oh = (h + p.pad_top + p.pad_bottom - eh) / p.stride_h + 1,
                     ow = (w + p.pad_left + p.pad_right - ew) / p.stride_w + 1;
  // Every window sees the input: some tap of each output row and of each output column does.
  const auto sees = [](std::int64_t o, std::int64_t k, std::int64_t s, std::int64_t pad,
                       std::int64_t d, std::int64_t size) {
    for (std::int64_t t = 0; t < k; ++t)
      if (o * s - pad + t * d >= 0 && o * s - pad + t * d < size)
        return true;
    return false;
  };
  for (std::int64_t y = 0; y < oh; ++y)
    if (!sees(y, p.kernel_h, p.stride_h, p.pad_top, p.dilation_h, h))
      return std::nullopt;
  for (std::int64_t xo = 0; xo < ow; ++xo)
    if (!sees(xo, p.kernel_w, p.stride_w, p.pad_left, p.dilation_w, w))
      return std::nullopt;

  std::vector<std::int64_t> out =
      nchw ? std::vector<std::int64_t>{n, c, oh, ow} : std::vector<std::int64_t>{n, oh, ow, c};
  out.push_back(-1);
  const std::size_t head = out.size();
  out.resize(head + static_cast<std::size_t>(n * c * oh * ow));
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const std::int64_t zp =
          x.zero_point[x.zero_point.size() > 1 ? static_cast<std::size_t>(ch) : 0];
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t xo = 0; xo < ow; ++xo) {
          bool any = false;
          std::int64_t best = 0, sum = 0, count = 0;
          for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
            for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
              const std::int64_t iy = y * p.stride_h - p.pad_top + ky * p.dilation_h,
                                 ix = xo * p.stride_w - p.pad_left + kx * p.dilation_w;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                if (p.count_include_pad) // (max ignores padding)
                  sum += zp, ++count;
                continue;
              }
              const std::int64_t v = x.values[static_cast<std::size_t>(
                  nchw ? ((b * c + ch) * h + iy) * w + ix : ((b * h + iy) * w + ix) * c + ch)];
              if (!any || v > best)
                best = v;
              any = true;
              sum += v, ++count;
            }
          std::int64_t r = best;
          if (kind == PlainPool::Avg) { // |sum| / count, then half away from zero
            const std::int64_t mag = sum < 0 ? -sum : sum;
            std::int64_t q = mag / count;
            if (2 * (mag % count) >= count)
              ++q;
            r = sum < 0 ? -q : q;
          }
          out[head + static_cast<std::size_t>(nchw ? ((b * c + ch) * oh + y) * ow + xo
                                                   : ((b * oh + y) * ow + xo) * c + ch)] = r;
        }
    }
  return out;
}

// global_avg_pool by its contract: the mean of each image's H x W values per channel, rounded as
// avg_pool2d's; output {N, C, 1, 1} (or {N, 1, 1, C}), in plain_pool's form.
inline std::vector<std::int64_t>
plain_global_pool(const PlainTensor &x, const kernels::Shape &shape, kernels::DataFormat format) {
  kernels::Pool2dParams p;
  p.format = format;
  p.kernel_h = format == kernels::DataFormat::NCHW ? shape[2] : shape[1];
  p.kernel_w = format == kernels::DataFormat::NCHW ? shape[3] : shape[2];
  return *plain_pool(PlainPool::Avg, x, shape, p); // a whole image's window: never refused
}

// The Reference path's result (its shape, -1, its integers) against the oracle's; `want`
// std::nullopt: the contract refuses the case, so must the Reference path (`got` std::nullopt).
inline void expect_plain_pool(const std::string &what,
                              const std::optional<std::vector<std::int64_t>> &want,
                              const std::optional<std::vector<std::int64_t>> &got) {
  if (want.has_value() != got.has_value())
    fail(what + ": the Reference path " + (got ? "pools" : "refuses") +
         " parameters the contract " + (want ? "accepts" : "refuses"));
  if (want && *want != *got)
    fail(what + ": Reference path differs from the pool of the integers drawn\n  drawn:     " +
         show(*want) + "\n  reference: " + show(*got));
}

} // namespace samd::fuzz
