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

#include <samd/layout.hpp>

namespace samd::kernels {

struct FixedMultiplier {
  std::int64_t mantissa = 0;
  unsigned shift = 0;
};

// make_multiplier: pre: m finite and > 0 and < 2^31 (std::invalid_argument naming m otherwise).
FixedMultiplier make_multiplier(double m);
// apply: round_half_away_from_zero(v * mantissa / 2^shift), exact.
std::int64_t apply(const FixedMultiplier& f, std::int64_t v);
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
std::pair<std::int64_t, std::int64_t> requant_range(const Requant& r);

} // namespace samd::kernels
