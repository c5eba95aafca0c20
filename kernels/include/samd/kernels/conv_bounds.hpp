// Accumulation bounds of the direct convolution for few taps (kernels/src/conv_small.cpp), as
// constexpr functions the kernel uses and a proof can state (proofs/: the obligation belongs next
// to the fast_bounds.hpp ones in proofs/src/obligations/kernels.cpp).
#pragma once

#include <cstdint>

namespace samd::kernels {

// The kernel forms, per output, D = sum_s vpdpbusd step s: each step adds 4 products ua * v to an
// int32 lane, ua in [0, 255] (activation offsets a - a_min) and v in [-128, 127] (weight bytes).
// |step| <= 4 * 255 * 128 = 130,560, so S steps stay exact in int32 while S <= 16,448.
inline constexpr std::int64_t kSmallConvStepMax = 4 * 255 * 128;
inline constexpr std::int64_t kSmallConvMaxSteps = 2147483647 / kSmallConvStepMax;
static_assert(kSmallConvMaxSteps * kSmallConvStepMax <= 2147483647,
              "small conv: the raw dot product could overflow int32");

// The layer's sum per output, C = sum_t (a_t - za) * e_t + bias with e_t = w_t - zw (or the
// two-level combination v0 - zw + d * u_t), is then C = D + c * R + fixed, computed in int32
// arithmetic mod 2^32 (R = sum_t ua_t, c the per-channel weight-byte offset, fixed = (a_min - za) *
// sum_t e_t + bias). Every operation is a ring operation, so the wrapped result is the exact one
// exactly when C itself fits int32, which holds for every input when
//   amax * sum_t |e_t| + |bias| <= 2^31 - 1,   amax = max |a - za| over the activation range.
// pre: amax, sum_abs_e, abs_bias >= 0 and each below 2^31 (no int64 overflow in the products).
constexpr bool small_conv_exact_int32(std::int64_t amax, std::int64_t sum_abs_e,
                                      std::int64_t abs_bias) {
  return sum_abs_e <= (std::int64_t{1} << 31) && amax <= (std::int64_t{1} << 31) &&
         amax * sum_abs_e + abs_bias <= 2147483647;
}

} // namespace samd::kernels
