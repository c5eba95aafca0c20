// Accumulation bounds of the direct convolution for few taps (kernels/src/conv_small.cpp), as
// constexpr functions the kernel uses and a proof can state (proofs/: the obligation belongs next
// to the fast_bounds.hpp ones in proofs/src/obligations/kernels.cpp).
#pragma once

#include <cstdint>

#include <samd/kernels/exact_sums.hpp>

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
// Both halves are Z3 obligations over these templates (proofs/src/obligations/kernels.cpp:
// small_conv_ring, small_conv_exact), as is the weight byte's range (small_conv_byte_offset).
// pre: amax, sum_abs_e, abs_bias >= 0 and each below 2^31 (no int64 overflow in the products:
// the product is evaluated only once both factors are at most 2^31).
template <class I>
constexpr auto small_conv_exact_int32(const I &amax, const I &sum_abs_e, const I &abs_bias) {
  const I two31 = bound_traits<I>::constant(amax, std::int64_t{1} << 31);
  return sum_abs_e <= two31 && amax <= two31 &&
         amax * sum_abs_e + abs_bias <= bound_traits<I>::constant(amax, 2147483647);
}

// The channel's weight-byte offset c: e - c is a signed byte for every e in [lo, hi] when hi - lo
// <= 255 (0 when the weights already are signed bytes).
template <class I> constexpr I small_conv_byte_offset(const I &lo, const I &hi) {
  using T = bound_traits<I>;
  return T::select(lo >= T::constant(lo, -128) && hi <= T::constant(lo, 127), T::constant(lo, 0),
                   hi - T::constant(lo, 127));
}
// fixed = (a_min - za) * sum_t e_t + bias (int64, wrapped to int32 by the kernel).
template <class I> constexpr I small_conv_fixed(const I &da, const I &sum_e, const I &bias) {
  return da * sum_e + bias;
}
// The lane sum in the kernel's order: D + fixed, then + R * c (vpaddd / vpmulld, mod 2^32). The
// pooled kernel forms the same sum before its max, so it pools exact sums.
template <class I> constexpr I small_conv_sum(const I &D, const I &R, const I &c, const I &fixed) {
  return D + fixed + R * c;
}

} // namespace samd::kernels
