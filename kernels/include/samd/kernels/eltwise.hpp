// Element-wise add with requantization:
//   q = clamp(zo + round_half_away((qa - za) * Ma + (qb - zb) * Mb) / 2^S)
// where Ma = round(sa / so * 2^S), Mb = round(sb / so * 2^S) share the largest S <= 62 that keeps
// both below 2^31, the ratios sa / so and sb / so computed in double from the float scales (so
// every float scale gives the same integers on every machine). Both paths compute exactly this.
// The common S is set by the larger ratio, so the smaller one is held only to within 2^-(S+1)
// and can round to Ma or Mb = 0 (below 2^-31 beside a ratio of 1, or below 2^-63 at S = 62): that
// input then adds nothing. That is the stated rounding, not refused.
#pragma once

#include <samd/kernels/gemm.hpp>
#include <samd/kernels/requant.hpp>
#include <samd/kernels/tensor.hpp>

namespace samd::kernels {

// a, b: the same shape, 1–8 bits, per-tensor quantized (no broadcasting).
QTensor add(const QTensor &a, const QTensor &b, const Requant &rq, const KernelOptions &opt = {});

} // namespace samd::kernels
