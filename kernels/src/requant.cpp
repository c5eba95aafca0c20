#include <samd/kernels/requant.hpp>

#include <samd/kernels/gemm.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "gemm_internal.hpp"

namespace samd::kernels {

using detail::readable;

FixedMultiplier make_multiplier(double m) {
  auto fail = [&](const char *why) {
    throw std::invalid_argument("samd: requantization multiplier " + readable(m) + " " + why);
  };
  if (!std::isfinite(m) || !(m > 0.0))
    fail("must be finite and > 0");
  // At shift 0 the mantissa is round(m): 2^31 from 2^31 - 1/2 on.
  if (m >= kMaxMultiplier)
    fail("must be < 2^31 - 1/2 (2147483647.5), the largest whose mantissa stays below 2^31");
  // At the largest shift, 62, the mantissa is round(m * 2^62): 0 below 2^-63.
  if (m < kMinMultiplier)
    fail("must be >= 2^-63 (1.08e-19), the smallest with a nonzero mantissa at the largest "
         "shift, 62");
  FixedMultiplier f;
  // round(m * 2^s) only grows with s, and m * 2^s >= 2^31 once s >= 32 - e (m >= 2^(e-1)):
  // start the search there (the same answer as starting at 62).
  int e = 0;
  (void)std::frexp(m, &e);
  const unsigned start = static_cast<unsigned>(std::clamp(32 - e, 0, 62));
  for (unsigned s = start;; --s) {
    const double scaled = std::round(std::ldexp(m, static_cast<int>(s)));
    if (scaled < 2147483648.0 || s == 0) { // s == 0: round(m) < 2^31 (m < 2^31 - 1/2)
      f.mantissa = static_cast<std::int64_t>(scaled);
      f.shift = s;
      break;
    }
  }
  return f;
}

std::int64_t apply_wide(const FixedMultiplier &f, std::int64_t v) {
  // |v * mantissa| < 2^94: exact in 128 bits. The rounded result may not fit int64, and callers
  // add a zero point to it: capped at 2^62 (it was cast to int64, wrapping).
  const __int128 p = static_cast<__int128>(v) * f.mantissa;
  const __int128 mag = p < 0 ? -p : p;
  const __int128 q =
      f.shift == 0 ? mag : (mag + (static_cast<__int128>(1) << (f.shift - 1))) >> f.shift;
  const __int128 capped = q > kApplyLimit ? kApplyLimit : q; // half away from zero, then capped
  return static_cast<std::int64_t>(p < 0 ? -capped : capped);
}

std::int64_t round_div(std::int64_t num, std::int64_t den) {
  const std::int64_t mag = num < 0 ? -num : num;
  const std::int64_t q = (2 * mag + den) / (2 * den);
  return num < 0 ? -q : q;
}

std::pair<std::int64_t, std::int64_t> requant_range(const Requant &r) {
  validate(r.out_layout);
  if (r.out_layout.bits > kMaxMulBits)
    throw std::invalid_argument("samd: requantize: output bits = " +
                                std::to_string(r.out_layout.bits) + " exceeds the limit of 16");
  if (!(r.out_scale > 0.0f) || !std::isfinite(r.out_scale))
    throw std::invalid_argument("samd: requantize: output scale " + std::to_string(r.out_scale) +
                                " must be finite and > 0");
  if (r.out_zero_point < r.out_layout.min_value() || r.out_zero_point > r.out_layout.max_value())
    throw std::invalid_argument("samd: requantize: output zero point " +
                                std::to_string(r.out_zero_point) + " outside [" +
                                std::to_string(r.out_layout.min_value()) + ", " +
                                std::to_string(r.out_layout.max_value()) + "]");
  std::int64_t lo = r.out_layout.min_value(), hi = r.out_layout.max_value();
  if (r.clamp_min && *r.clamp_min > lo)
    lo = *r.clamp_min;
  if (r.clamp_max && *r.clamp_max < hi)
    hi = *r.clamp_max;
  if (lo > hi)
    throw std::invalid_argument("samd: requantize: empty clamp range [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "]");
  return {lo, hi};
}

Requantizer::Requantizer(float a_scale, const QuantParams &wq, std::size_t channels,
                         const Requant &rq) {
  const auto [lo, hi] = requant_range(rq);
  if (wq.channels() != 1 && wq.channels() != channels)
    throw std::invalid_argument("samd: requantize: " + std::to_string(wq.channels()) +
                                " weight scales for " + std::to_string(channels) +
                                " output channels");
  lo_ = lo, hi_ = hi, zo_ = rq.out_zero_point;
  rq_ = rq;
  channels_ = channels;
  // One multiplier per channel (or one for all when the weights have one scale).
  const std::size_t n = channels == 0 ? 0 : (wq.channels() == 1 ? 1 : channels);
  for (std::size_t c = 0; c < n; ++c) {
    const double m = static_cast<double>(a_scale) * wq.scale_of(c) / rq.out_scale;
    try {
      mult_.push_back(make_multiplier(m));
    } catch (const std::invalid_argument &e) { // name the channel and the scales
      throw std::invalid_argument(std::string(e.what()) + " (channel " + std::to_string(c) +
                                  ": input scale " + readable(a_scale) + " x weight scale " +
                                  readable(wq.scale_of(c)) + " / output scale " +
                                  readable(rq.out_scale) + ")");
    }
  }
  steps_.assign(1, Steps{});
  if (hi_ - lo_ > 3 || n == 0)
    return;
  steps_.assign(n, Steps{});
  for (std::size_t c = 0; c < n; ++c) {
    Steps &st = steps_[c];
    st.count = 0;
    st.base = static_cast<std::int32_t>(lo_);
    for (std::int64_t level = lo_ + 1; level <= hi_; ++level) {
      if ((*this)(c, INT32_MAX) < level)
        continue;                           // never reached
      if ((*this)(c, INT32_MIN) >= level) { // always
        ++st.base;
        continue;
      }
      std::int64_t below = INT32_MIN, at = INT32_MAX; // r(below) < level <= r(at)
      while (at - below > 1) {
        const std::int64_t mid = below + (at - below) / 2;
        ((*this)(c, mid) >= level ? at : below) = mid;
      }
      st.thr[st.count++] = static_cast<std::int32_t>(at);
    }
  }
}

namespace {
// The size of acc's channel axis, after checking the axis and that acc's shape (dimensions >= 0,
// at most 2^40 elements) and its number of sums agree.
std::size_t checked_channels(const Int32Tensor &acc, int channel_axis) {
  if (channel_axis < 0 || channel_axis >= static_cast<int>(acc.shape.size()))
    throw std::invalid_argument("samd: requantize: channel axis " + std::to_string(channel_axis) +
                                " outside the result's rank " + std::to_string(acc.shape.size()));
  const std::size_t n = element_count(acc.shape, "requantize: the sums' shape");
  if (n != acc.data.size())
    throw std::invalid_argument("samd: requantize: " + std::to_string(acc.data.size()) +
                                " sums for shape " + to_string(acc.shape) + " of " +
                                std::to_string(n) + " elements");
  return static_cast<std::size_t>(acc.shape[static_cast<std::size_t>(channel_axis)]);
}
} // namespace

QTensor requantize(const Int32Tensor &acc, float a_scale, const QuantParams &wq, int channel_axis,
                   const Requant &rq) {
  const std::size_t channels = checked_channels(acc, channel_axis);
  return requantize_with(Requantizer(a_scale, wq, channels, rq), acc, channel_axis);
}

QTensor requantize_with(const Requantizer &r, const Int32Tensor &acc, int channel_axis) {
  const Requant &rq = r.requant();
  const std::size_t channels = checked_channels(acc, channel_axis);
  if (channels != r.channels())
    throw std::invalid_argument("samd: requantize: the requantizer was made for " +
                                std::to_string(r.channels()) + " channels, the sums have " +
                                std::to_string(channels));
  std::size_t outer = 1, inner = 1; // the shape is checked: no overflow
  for (int d = 0; d < channel_axis; ++d)
    outer *= static_cast<std::size_t>(acc.shape[static_cast<std::size_t>(d)]);
  for (std::size_t d = static_cast<std::size_t>(channel_axis) + 1; d < acc.shape.size(); ++d)
    inner *= static_cast<std::size_t>(acc.shape[d]);
  std::vector<std::int32_t> q(acc.data.size());
  const std::int32_t *v = acc.data.data();
  std::int32_t *dst = q.data();
  const std::int64_t zo = r.zero_point(), lo = r.lo(), hi = r.hi();
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t c = 0; c < channels; ++c, v += inner, dst += inner) {
      const FixedMultiplier f = r.multiplier(c);
      if (f.shift == 0) {
        for (std::size_t i = 0; i < inner; ++i)
          dst[i] = static_cast<std::int32_t>(r(c, v[i]));
        continue;
      }
      const std::int64_t half = std::int64_t{1} << (f.shift - 1);
      for (std::size_t i = 0; i < inner; ++i) { // apply() on int32 sums (exact in int64)
        const std::int64_t p = static_cast<std::int64_t>(v[i]) * f.mantissa;
        const std::int64_t t = zo + ((p + half - (p < 0 ? 1 : 0)) >> f.shift);
        dst[i] = static_cast<std::int32_t>(t < lo ? lo : (t > hi ? hi : t));
      }
    }
  return QTensor::from_words(acc.shape, rq.out_layout,
                             pack_lanes(rq.out_layout, q.data(), q.size()),
                             QuantParams{{rq.out_scale}, {rq.out_zero_point}, -1});
}
} // namespace samd::kernels
