#include <samd/kernels/requant.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

namespace samd::kernels {

FixedMultiplier make_multiplier(double m) {
  if (!std::isfinite(m) || !(m > 0.0) || m >= 2147483648.0)
    throw std::invalid_argument("samd: requantization multiplier " + std::to_string(m) +
                                " must be finite, > 0 and < 2^31");
  FixedMultiplier f;
  for (unsigned s = 62;; --s) {
    const double scaled = std::round(std::ldexp(m, static_cast<int>(s)));
    if (scaled < 2147483648.0 || s == 0) {
      f.mantissa = static_cast<std::int64_t>(scaled);
      f.shift = s;
      break;
    }
  }
  if (f.mantissa == 0)
    throw std::invalid_argument("samd: requantization multiplier " + std::to_string(m) + " rounds to 0");
  return f;
}

std::int64_t apply(const FixedMultiplier& f, std::int64_t v) {
  const __int128 p = static_cast<__int128>(v) * f.mantissa;
  if (f.shift == 0) return static_cast<std::int64_t>(p);
  const __int128 half = static_cast<__int128>(1) << (f.shift - 1);
  const __int128 mag = p < 0 ? -p : p;
  const __int128 q = (mag + half) >> f.shift; // half away from zero
  return static_cast<std::int64_t>(p < 0 ? -q : q);
}

std::int64_t round_div(std::int64_t num, std::int64_t den) {
  const std::int64_t mag = num < 0 ? -num : num;
  const std::int64_t q = (2 * mag + den) / (2 * den);
  return num < 0 ? -q : q;
}

std::pair<std::int64_t, std::int64_t> requant_range(const Requant& r) {
  validate(r.out_layout);
  if (r.out_layout.bits > kMaxMulBits)
    throw std::invalid_argument("samd: requantize: output bits = " + std::to_string(r.out_layout.bits) +
                                " exceeds the limit of 16");
  if (!(r.out_scale > 0.0f) || !std::isfinite(r.out_scale))
    throw std::invalid_argument("samd: requantize: output scale " + std::to_string(r.out_scale) +
                                " must be finite and > 0");
  if (r.out_zero_point < r.out_layout.min_value() || r.out_zero_point > r.out_layout.max_value())
    throw std::invalid_argument("samd: requantize: output zero point " + std::to_string(r.out_zero_point) +
                                " outside [" + std::to_string(r.out_layout.min_value()) + ", " +
                                std::to_string(r.out_layout.max_value()) + "]");
  std::int64_t lo = r.out_layout.min_value(), hi = r.out_layout.max_value();
  if (r.clamp_min && *r.clamp_min > lo) lo = *r.clamp_min;
  if (r.clamp_max && *r.clamp_max < hi) hi = *r.clamp_max;
  if (lo > hi)
    throw std::invalid_argument("samd: requantize: empty clamp range [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  return {lo, hi};
}

} // namespace samd::kernels
