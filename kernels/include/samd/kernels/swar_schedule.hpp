// The Swar GEMM's inner step and its accumulation bound, as templates over the word type so the
// proofs (proofs/kernels.cpp) instantiate exactly this code with Z3 terms.
//
// Weights are offset to unsigned (u = w - w_min, wb bits) and packed across output channels in
// fields of f = ab + wb + guard bits; one word multiply by an unsigned activation a (ab bits)
// forms every lane's product a * u_i in its own field, and a word add accumulates them. The
// guard bits are the headroom: capacity() steps fit, then the fields are flushed to int64.
#pragma once

#include <cstdint>

#include <samd/layout.hpp>
#include <samd/word.hpp>

namespace samd::kernels {

// The packed-weight layout for activation width ab, weight width wb and `guard` headroom bits:
// wb-bit unsigned lanes in fields of ab + wb + guard bits.
constexpr Layout gemm_weight_layout(unsigned ab, unsigned wb, unsigned guard) {
  return Layout{wb, ab + guard, Signedness::Unsigned};
}

// gemm_capacity: how many products (2^ab - 1)(2^wb - 1) at most a field of ab + wb + guard bits
// can sum without overflowing: floor((2^f - 1) / ((2^ab - 1)(2^wb - 1))).
constexpr std::uint64_t gemm_capacity(unsigned ab, unsigned wb, unsigned guard) {
  const unsigned f = ab + wb + guard;
  const std::uint64_t field_max = f >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << f) - 1;
  return field_max / (((std::uint64_t{1} << ab) - 1) * ((std::uint64_t{1} << wb) - 1));
}

// gemm_step: pre: L = gemm_weight_layout(ab, wb, guard); u canonical in L (wb-bit lanes);
// a < 2^ab; every field of acc holds v_i <= (gemm_capacity - 1) * (2^ab - 1)(2^wb - 1).
// post: field i = v_i + a * u_i exactly (< 2^f: no field disturbs another).
template <class W> constexpr W gemm_step(const W &acc, const W &u, const W &a) {
  return add(acc, mul(u, a));
}

} // namespace samd::kernels
