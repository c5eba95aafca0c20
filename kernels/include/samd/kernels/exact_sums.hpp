// The integer kernels' exact sums as ring expressions, and the bounds under which the wrapped
// value is the exact one: templates over the integer type, so the kernels run them on
// std::int64_t and the proofs (proofs/src/obligations/kernels.cpp) instantiate the same code with
// Z3 bit-vector terms (bound_traits<z3::expr> there).
//
// Every kernel forms, per output, C = sum_t (a_t - za) * e_t + bias from a raw dot product of
// offsets: with ua = a - a_min, da = a_min - za, v = e - off (the weight in the kernel's format),
// dz = off - (what e is measured from), (a - za) * e = ua * v + dz * ua + da * v + da * dz, so
//   C = D + dz * R + da * colsum(v) + K * da * dz + bias,  D = sum ua * v, R = sum ua.
// Only ring operations: computed mod 2^32 (int32 lanes) the result is C mod 2^32, which is C itself
// when C fits int32 (check_k_bound, small_conv_exact_int32). Z3 proves both halves.
#pragma once

#include <cstdint>

namespace samd::kernels {

// The constants and the choice a bound function needs, in the type of its arguments.
template <class I> struct bound_traits;
template <> struct bound_traits<std::int64_t> {
  static constexpr std::int64_t constant(std::int64_t, std::int64_t v) { return v; }
  static constexpr std::int64_t select(bool c, std::int64_t a, std::int64_t b) { return c ? a : b; }
};

// The per-channel constant of the direct conv and GEMM epilogues (conv.cpp conv_direct,
// gemm_fast.cpp): fixed = da * colsum + K * da * dz + bias.
template <class I>
constexpr I epilogue_fixed(const I &K, const I &da, const I &dz, const I &colsum, const I &bias) {
  return da * colsum + K * da * dz + bias;
}
// Their lane sum, C = scale * D + dz * R + fixed (scale 1 but for two-level weights; in the
// direct kernels vpmulld / vpaddd, int32 lanes mod 2^32, in this order).
template <class I>
constexpr I epilogue_sum(const I &D, const I &R, const I &scale, const I &dz, const I &fixed) {
  return D * scale + R * dz + fixed;
}
// Two-level weights (conv.cpp): the layer's sum is d * C[o] + v0mz * S + bias2 with S = sum (a -
// za) = R + K * da, so the epilogue takes scale = d, and these dz and fixed.
template <class I> constexpr I two_level_dz(const I &d, const I &dz, const I &v0mz) {
  return d * dz + v0mz;
}
template <class I>
constexpr I two_level_fixed(const I &d, const I &fixed, const I &v0mz, const I &K, const I &da,
                            const I &bias2) {
  return d * fixed + v0mz * K * da + bias2;
}

// The largest K whose exact sums fit int32 (gemm_prepack.cpp max_k_int32): K * ma * mw + mb <=
// 2^31 - 1, ma = max |a - za|, mw = max |w - zw|, mb = max |bias|. pre: ma * mw >= 1, mb <= 2^31 -
// 1 (max_k_int32 handles the other cases).
template <class I> constexpr I max_k_exact_int32(const I &ma, const I &mw, const I &mb) {
  return (bound_traits<I>::constant(mb, 2147483647) - mb) / (ma * mw);
}

// max_k_exact_int32 at every ma, mw >= 0 and mb >= 0 (gemm's max_k_int32 and conv2d's bound per
// group): no limit when a product is always 0 and the bias fits, none allowed when the bias alone
// leaves int32.
inline std::int64_t max_k_int32_limit(std::int64_t ma, std::int64_t mw, std::int64_t mb) {
  const std::int64_t room = std::int64_t{2147483647} - mb;
  if (ma * mw == 0)
    return room >= 0 ? INT64_MAX : 0;
  return room < 0 ? 0 : max_k_exact_int32(ma, mw, mb); // room / (ma * mw)
}

// The int32 epilogue's bound (gemm_fast.cpp Epilogue::int32_exact): with D = sum of K products ua *
// v, 0 <= ua <= max_ua, |v| <= max_v, 0 <= R <= max_rowsum, |dz| <= max_dz, |fixed| <= max_fixed,
// no partial sum of D, no dz * R, no D + dz * R and no C = D + dz * R + fixed is larger in
// magnitude, so when it is at most 2^31 - 1 a kernel may form them all in int32 lanes with no range
// check (proof: int32_epilogue). pre (for int64): each factor checked <= 2^31 - 1 first.
template <class I>
constexpr I int32_epilogue_bound(const I &K, const I &max_ua, const I &max_v, const I &max_dz,
                                 const I &max_rowsum, const I &max_fixed) {
  return K * max_ua * max_v + max_dz * max_rowsum + max_fixed;
}

} // namespace samd::kernels
