// Fixed-point rescaling shared by every path, so requantized outputs are bit-exact across paths.
//
// A real multiplier m > 0 is stored as (mantissa, shift) with mantissa = round(m * 2^shift) < 2^31
// and shift the largest in [0, 62] that keeps it so (at least 1 where m allows). Applying it to
// an integer v: round_half_away_from_zero(v * mantissa / 2^shift), computed exactly in 128 bits.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <samd/kernels/tensor.hpp>
#include <samd/layout.hpp>

namespace samd::kernels {

struct FixedMultiplier {
  std::int64_t mantissa = 0;
  unsigned shift = 0;
};

// The range make_multiplier takes: from 2^-63 (below, round(m * 2^62) is 0) to below 2^31 - 1/2
// (from there, round(m) at shift 0 is 2^31).
inline constexpr double kMinMultiplier = 0x1p-63, kMaxMultiplier = 2147483647.5;
// make_multiplier: pre: m finite, kMinMultiplier <= m < kMaxMultiplier (std::invalid_argument
// naming m and the limit otherwise). post: 0 < mantissa < 2^31, shift <= 62.
FixedMultiplier make_multiplier(double m);
// apply: round_half_away_from_zero(v * mantissa / 2^shift), exact where its magnitude is at most
// kApplyLimit = 2^62, else +-2^62 with its sign (only from |v| > 2^31; every caller clamps the
// result into a range of at most 16 bits, where the capped value lands as the exact one would).
inline constexpr std::int64_t kApplyLimit = std::int64_t{1} << 62;
std::int64_t apply_wide(const FixedMultiplier &f, std::int64_t v); // the 128-bit computation
// pre: f from make_multiplier (0 < mantissa < 2^31, shift <= 62).
inline std::int64_t apply(const FixedMultiplier &f, std::int64_t v) {
  if (v < -(std::int64_t{1} << 31) || v > (std::int64_t{1} << 31))
    return apply_wide(f, v);
  // |v * mantissa| < 2^62 and the half < 2^62: exact in int64. For p < 0, rounding half away
  // from zero is -((-p + half) >> s) = (p + half - 1) >> s (arithmetic shift = floor).
  const std::int64_t p = v * f.mantissa;
  if (f.shift == 0)
    return p;
  const std::int64_t half = std::int64_t{1} << (f.shift - 1);
  return (p + half - (p < 0 ? 1 : 0)) >> f.shift;
}
// round_div: round_half_away_from_zero(num / den), den > 0.
std::int64_t round_div(std::int64_t num, std::int64_t den);

// Requantization of int32 accumulations to a packed output tensor.
struct Requant {
  Layout out_layout{8, 0, Signedness::Unsigned}; // 1–16 bits
  float out_scale = 1.0f;
  std::int32_t out_zero_point = 0;
  std::optional<std::int64_t> clamp_min; // quantized units; ReLU: clamp_min = out_zero_point
  std::optional<std::int64_t> clamp_max;
};

// The output range after clamping: [max(layout min, clamp_min), min(layout max, clamp_max)].
// Throws std::invalid_argument when it is empty or the zero point is outside the layout.
std::pair<std::int64_t, std::int64_t> requant_range(const Requant &r);

// Requantizer: the requantization of int32 sums (gemm.hpp's requantize) prepared once:
// q = clamp(out_zero_point + apply(M[c], acc), range) with M[c] = make_multiplier(a_scale *
// w_scale[c] / out_scale), that product and quotient computed in double from the float scales.
// Validates like requantize (std::invalid_argument; a multiplier out of make_multiplier's range is
// named with its channel and the three scales).
class Requantizer {
public:
  Requantizer(float a_scale, const QuantParams &wq, std::size_t channels, const Requant &rq);
  std::int64_t operator()(std::size_t channel, std::int64_t acc) const {
    const std::int64_t v = zo_ + apply(mult_[mult_.size() == 1 ? 0 : channel], acc);
    return v < lo_ ? lo_ : (v > hi_ ? hi_ : v);
  }
  const FixedMultiplier &multiplier(std::size_t channel) const {
    return mult_[mult_.size() == 1 ? 0 : channel];
  }
  std::int64_t lo() const { return lo_; }
  std::int64_t hi() const { return hi_; }
  std::int64_t zero_point() const { return zo_; }
  std::size_t channels() const { return channels_; }
  const Requant &requant() const { return rq_; }

  // A narrow output range (hi() - lo() <= 3) as thresholds on the exact sum, found once here by
  // bisection on operator(): for every int32 acc, operator()(channel, acc) = base + #{t < count :
  // acc >= thr[t]} (the requantization is a monotone step function of acc). count = -1 for a
  // wider range (no thresholds).
  struct Steps {
    int count = -1;
    std::int32_t base = 0, thr[3] = {0, 0, 0};
  };
  const Steps &steps(std::size_t channel) const { return steps_[steps_.size() == 1 ? 0 : channel]; }

private:
  Requant rq_;
  std::size_t channels_ = 0;
  std::vector<FixedMultiplier> mult_;
  std::int64_t zo_ = 0, lo_ = 0, hi_ = 0;
  std::vector<Steps> steps_; // one per multiplier (or one count = -1 entry)
};

// requantize_with: gemm.hpp's requantize with a prepared Requantizer (made for the size of acc's
// channel axis): the same integers, in a packed tensor of its Requant's layout and parameters.
// pre: as requantize's (axis, acc's shape and sums agree) and r.channels() ==
// acc.shape[channel_axis] (std::invalid_argument otherwise).
QTensor requantize_with(const Requantizer &r, const Int32Tensor &acc, int channel_axis);

} // namespace samd::kernels
