// Requantization by requant.hpp's contract, in plain integer arithmetic and without samd code: the
// oracle of kernels_tensor_test's requantize test and of the kernel fuzzers' requantized outputs.
//   m = a_scale * w_scale / out_scale, in double (the floats' product is exact, the division
//       rounds once);
//   mantissa = round_half_away(m * 2^shift) with shift the largest in [0, 62] that keeps it below
//       2^31; m is refused when no shift does (m >= 2^31 - 1/2) or the mantissa is 0 (m < 2^-63);
//   q = clamp(out_zero_point + round_half_away(acc * mantissa / 2^shift), lo, hi) with
//       [lo, hi] = [max(layout min, clamp_min), min(layout max, clamp_max)], refused when empty or
//       when the zero point is outside the layout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace samd::kernels::test {

// round_half_away_from_zero(v / 2^s), by quotient and remainder. pre: |v| < 2^126.
inline __int128 plain_round_shift(__int128 v, unsigned s) {
  const __int128 den = static_cast<__int128>(1) << s, mag = v < 0 ? -v : v;
  __int128 q = mag / den;
  if (2 * (mag - q * den) >= den)
    ++q;
  return v < 0 ? -q : q;
}

// round_half_away_from_zero(m * 2^s) for a finite m > 0, exactly; any value of 2^32 or more as 2^32
// (only its comparison with 2^31 matters then).
inline std::int64_t plain_scaled(double m, int s) {
  int e = 0;
  const double fraction = std::frexp(m, &e); // m = fraction * 2^e, 1/2 <= fraction < 1
  const std::int64_t f = static_cast<std::int64_t>(std::ldexp(fraction, 53)); // exact, < 2^53
  const int t = e - 53 + s;                                                   // m * 2^s = f * 2^t
  constexpr std::int64_t kBig = std::int64_t{1} << 32;
  if (t >= 0)
    return t > 10 ? kBig : std::min(f << t, kBig); // (f >= 2^52)
  if (t < -60)
    return 0; // f * 2^t < 2^-7
  return static_cast<std::int64_t>(plain_round_shift(f, static_cast<unsigned>(-t)));
}

struct PlainMultiplier {
  std::int64_t mantissa = 0;
  unsigned shift = 0;
};

// The fixed-point form of m, or std::nullopt where the contract refuses m.
inline std::optional<PlainMultiplier> plain_multiplier(double m) {
  if (!std::isfinite(m) || !(m > 0.0))
    return std::nullopt;
  for (int s = 62; s >= 0; --s) // round(m * 2^s) does not decrease with s: the first that fits
    if (const std::int64_t v = plain_scaled(m, s); v < (std::int64_t{1} << 31)) {
      if (v == 0)
        return std::nullopt;
      return PlainMultiplier{v, static_cast<unsigned>(s)};
    }
  return std::nullopt;
}

inline double plain_ratio(float a_scale, float w_scale, float out_scale) {
  return static_cast<double>(a_scale) * static_cast<double>(w_scale) /
         static_cast<double>(out_scale);
}

// [lo, hi] of an output layout of `bits` (1-16) after the clamps, or std::nullopt where refused.
inline std::optional<std::pair<std::int64_t, std::int64_t>>
plain_requant_range(unsigned bits, bool is_signed, std::int64_t zero_point,
                    std::optional<std::int64_t> clamp_min, std::optional<std::int64_t> clamp_max) {
  const std::int64_t min = is_signed ? -(std::int64_t{1} << (bits - 1)) : 0,
                     max = is_signed ? (std::int64_t{1} << (bits - 1)) - 1
                                     : (std::int64_t{1} << bits) - 1;
  if (zero_point < min || zero_point > max)
    return std::nullopt;
  const std::int64_t lo = clamp_min && *clamp_min > min ? *clamp_min : min,
                     hi = clamp_max && *clamp_max < max ? *clamp_max : max;
  if (lo > hi)
    return std::nullopt;
  return std::pair{lo, hi};
}

// zero_point + round_half_away(acc * mantissa / 2^shift), before the clamp. pre: |acc| < 2^94.
inline __int128 plain_unclamped(const PlainMultiplier &f, std::int64_t zero_point,
                                std::int64_t acc) {
  return zero_point + plain_round_shift(static_cast<__int128>(acc) * f.mantissa, f.shift);
}

// The requantized value of acc.
inline std::int64_t plain_requant(const PlainMultiplier &f, std::int64_t zero_point,
                                  std::pair<std::int64_t, std::int64_t> range, std::int64_t acc) {
  const __int128 v = plain_unclamped(f, zero_point, acc);
  return v < range.first ? range.first
                         : (v > range.second ? range.second : static_cast<std::int64_t>(v));
}

// The contract's requantization for an input scale, weight scales (one, or one a channel) and an
// output spec, or std::nullopt where the contract refuses it (the range, or a channel's
// multiplier).
struct PlainRequantizer {
  std::pair<std::int64_t, std::int64_t> range;
  std::int64_t zero_point = 0;
  std::vector<PlainMultiplier> mult;
  // acc requantized for channel c (with the one multiplier when there is one).
  std::int64_t operator()(std::size_t c, std::int64_t acc) const {
    return plain_requant(mult[mult.size() > 1 ? c : 0], zero_point, range, acc);
  }
};
inline std::optional<PlainRequantizer>
plain_requantizer(unsigned bits, bool is_signed, std::int64_t zero_point,
                  std::optional<std::int64_t> clamp_min, std::optional<std::int64_t> clamp_max,
                  float a_scale, const std::vector<float> &w_scales, float out_scale) {
  const auto range = plain_requant_range(bits, is_signed, zero_point, clamp_min, clamp_max);
  if (!range)
    return std::nullopt;
  PlainRequantizer r{*range, zero_point, {}};
  for (const float w : w_scales) {
    const auto f = plain_multiplier(plain_ratio(a_scale, w, out_scale));
    if (!f)
      return std::nullopt;
    r.mult.push_back(*f);
  }
  return r;
}

} // namespace samd::kernels::test
