// How the integers of a model map onto kernel layouts. A standard ONNX file states a width only
// through the range of its integers (weight values, Clip-narrowed QuantizeLinear ranges), so
// the narrowest exact layout is derived from that range:
//  - natural: the values as they are, in the smallest signed or unsigned layout holding them
//    and their zero points;
//  - offset:  u = q - offset in an unsigned layout (zero points shifted alike), when that is
//    narrower (e.g. uint8 activations clipped to [128, 131] are 2-bit);
//  - two-level (weights only): values in {v0, v1} stored as 1-bit u with q = v0 + (v1 - v0) u.
//    Binary weights +-1 (zero point 0) need this: a 1-bit lane with an integer zero point holds
//    only {0, s} or {-s, 0}. The kernel computes A = sum (a - za) u with one extra all-ones
//    channel S = sum (a - za), and the layer combines (v1 - v0) A + (v0 - zp) S exactly in int.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <samd/layout.hpp>

namespace samd::infer::detail {

enum class Encoding { Natural, Offset, TwoLevel };
const char *to_string(Encoding e);

struct IntLayout {
  Encoding encoding = Encoding::Natural;
  Layout layout{8, 0, Signedness::Unsigned};
  std::int64_t offset = 0;     // stored = q - offset (Natural: 0)
  std::int64_t v0 = 0, v1 = 0; // TwoLevel values
};

// Narrowest exact layout for integers in [lo, hi] with zero points in [zlo, zhi] (no two-level).
IntLayout range_layout(std::int64_t lo, std::int64_t hi, std::int64_t zlo, std::int64_t zhi);

// Weights: the range layout, or two-level when that is the only way to 1 bit (and allowed).
IntLayout weight_layout(const std::vector<std::int64_t> &q,
                        const std::vector<std::int32_t> &zero_points, bool allow_two_level);

} // namespace samd::infer::detail
