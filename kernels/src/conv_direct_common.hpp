// What the AVX-512 direct convolution kernels share (conv.cpp, conv_small.cpp): the target
// attribute, int32 arithmetic mod 2^32, and the requantization of 16 exact int32 sums at once.
#pragma once

#include <cstdint>

#include <samd/kernels/requant.hpp>

#include "x86_intrinsics.hpp"

#if defined(SAMD_HAVE_X86_KERNELS)
#define SAMD_DIRECT_TARGET                                                                         \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vpopcntdq")))

namespace samd::kernels::detail {

// Wrap an exact int64 into int32 arithmetic mod 2^32.
inline std::int32_t wrap32(std::int64_t v) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v)));
}

// One channel's requantization (Requantizer::operator() on 16 int32 sums at once).
// For a narrow output (at most 3 steps) the requantization, a monotone step function of the exact
// sum, is its thresholds: q = base + #{t : C >= thr[t]}, found once by bisection on the scalar
// Requantizer, so the same integers.
struct LaneRequant {
  std::int64_t mantissa = 0, half = 0, zo = 0, lo = 0, hi = 0;
  unsigned shift = 0;
  int nthr = -1; // -1: no thresholds
  std::int32_t base = 0, thr[3] = {0, 0, 0};
};

// 8 int64 lanes: clamp(zo + apply(f, v)), with apply as in requant.hpp (|v| <= 2^31: exact).
SAMD_DIRECT_TARGET inline __m512i requant_epi64(__m512i v, const LaneRequant &r) {
  const __m512i p =
      _mm512_mul_epi32(v, _mm512_set1_epi64(r.mantissa)); // low 32 bits of each lane, signed
  __m512i q = p;
  if (r.shift != 0) {
    const __m512i t =
        _mm512_add_epi64(_mm512_add_epi64(p, _mm512_set1_epi64(r.half)), _mm512_srai_epi64(p, 63));
    q = _mm512_sra_epi64(t, _mm_cvtsi64_si128(static_cast<long long>(r.shift)));
  }
  q = _mm512_add_epi64(q, _mm512_set1_epi64(r.zo));
  return _mm512_min_epi64(_mm512_max_epi64(q, _mm512_set1_epi64(r.lo)), _mm512_set1_epi64(r.hi));
}

// pre: every lane of c is an exact int32 sum. post: lane i = Requantizer::operator()(o, c_i) for
// the channel o r was made for (lane_requant).
SAMD_DIRECT_TARGET inline __m512i requant_epi32(__m512i c, const LaneRequant &r) {
  if (r.nthr == 1) // one step (a 1-bit output): a compare
    return _mm512_mask_mov_epi32(_mm512_set1_epi32(r.base),
                                 _mm512_cmpge_epi32_mask(c, _mm512_set1_epi32(r.thr[0])),
                                 _mm512_set1_epi32(r.base + 1));
  if (r.nthr >= 0) {
    __m512i q = _mm512_set1_epi32(r.base);
    for (int t = 0; t < r.nthr; ++t)
      q = _mm512_mask_add_epi32(q, _mm512_cmpge_epi32_mask(c, _mm512_set1_epi32(r.thr[t])), q,
                                _mm512_set1_epi32(1));
    return q;
  }
  const __m512i even = requant_epi64(c, r);
  const __m512i odd = requant_epi64(_mm512_srli_epi64(c, 32), r);
  return _mm512_mask_blend_epi32(static_cast<__mmask16>(0xAAAA), even, _mm512_slli_epi64(odd, 32));
}

// The lane form of r's requantization of channel o (its thresholds were found once, by the
// Requantizer).
inline LaneRequant lane_requant(const Requantizer &r, std::size_t o) {
  const FixedMultiplier &f = r.multiplier(o);
  LaneRequant l;
  l.mantissa = f.mantissa, l.shift = f.shift,
  l.half = f.shift ? std::int64_t{1} << (f.shift - 1) : 0;
  l.zo = r.zero_point(), l.lo = r.lo(), l.hi = r.hi();
  const Requantizer::Steps &st = r.steps(o);
  if (st.count >= 0) {
    l.nthr = st.count;
    l.base = st.base;
    for (int t = 0; t < st.count; ++t)
      l.thr[t] = st.thr[t];
  }
  return l;
}

} // namespace samd::kernels::detail
#endif
