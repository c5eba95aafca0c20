#include <samd/kernels/eltwise.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

#include <samd/ops/add.hpp>
#include <samd/ops/convert.hpp>
#include <samd/pack.hpp>

#include "gemm_internal.hpp"

namespace samd::kernels {
namespace {

struct AddPlan {
  std::int64_t ma = 0, mb = 0;
  unsigned shift = 0;
};

AddPlan plan_add(double ra, double rb) {
  const double hi = std::max(ra, rb);
  // From 2^31 - 1/2 (make_multiplier's kMaxMultiplier) a ratio rounds to 2^31 at shift 0, past
  // the contract's "below 2^31" (float scales cannot form such a ratio: their closest below a
  // power of two is 2^-24 away, relatively; refused all the same).
  if (!std::isfinite(hi) || !(ra > 0.0) || !(rb > 0.0) || hi >= kMaxMultiplier)
    throw std::invalid_argument("samd: add: input/output scale ratios " + detail::readable(ra) +
                                " and " + detail::readable(rb) +
                                " must be finite, > 0 and < 2^31 - 1/2");
  for (unsigned s = 62;; --s) {
    const double a = std::round(std::ldexp(ra, static_cast<int>(s))),
                 b = std::round(std::ldexp(rb, static_cast<int>(s)));
    if ((a < 2147483648.0 && b < 2147483648.0) || s == 0)
      return {static_cast<std::int64_t>(a), static_cast<std::int64_t>(b), s};
  }
}

// The shared scalar rescale: both paths end here, so they agree bit for bit.
std::int64_t combine(const AddPlan &plan, std::int64_t da, std::int64_t db, std::int64_t zo,
                     std::int64_t lo, std::int64_t hi) {
  const FixedMultiplier one{1, plan.shift};
  const std::int64_t v = zo + apply(one, da * plan.ma + db * plan.mb);
  return v < lo ? lo : (v > hi ? hi : v);
}

} // namespace

QTensor add(const QTensor &a, const QTensor &b, const Requant &rq, const KernelOptions &opt) {
  const Path path = resolve_options(opt, "add");
  detail::check_kernel_layout(a.layout(), "add", "first input");
  detail::check_kernel_layout(b.layout(), "add", "second input");
  if (a.shape() != b.shape())
    throw std::invalid_argument("samd: add: shapes " + to_string(a.shape()) + " and " +
                                to_string(b.shape()) + " differ (broadcasting is not supported)");
  const std::int64_t za = detail::per_tensor_zero_point(a, "add", "first input");
  const std::int64_t zb = detail::per_tensor_zero_point(b, "add", "second input");
  const auto [lo, hi] = requant_range(rq);
  const AddPlan plan = plan_add(static_cast<double>(a.quant().scale[0]) / rq.out_scale,
                                static_cast<double>(b.quant().scale[0]) / rq.out_scale);
  std::vector<std::int64_t> out(a.size());
  if (path == Path::Reference) {
    const std::vector<std::int64_t> av = a.to_ints(), bv = b.to_ints();
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = combine(plan, av[i] - za, bv[i] - zb, rq.out_zero_point, lo, hi);
  } else {
    // Swar: widen both operands to signed 16-bit lanes (exact) and subtract the zero points
    // lane-wise with the verified core ops; |q - z| < 2^9 so the 16-bit subtraction never wraps.
    const Layout W{16, 0, Signedness::Signed};
    const std::vector<std::uint64_t> aw = convert(a.layout(), W, a.words(), Overflow::Wrap);
    const std::vector<std::uint64_t> bw = convert(b.layout(), W, b.words(), Overflow::Wrap);
    const std::uint64_t zaw = broadcast_value(W, za), zbw = broadcast_value(W, zb);
    for (std::size_t j = 0; j * W.lanes() < out.size(); ++j) {
      const std::uint64_t da = sub_wrap(W, aw[j], zaw), db = sub_wrap(W, bw[j], zbw);
      for (unsigned i = 0; i < W.lanes() && j * W.lanes() + i < out.size(); ++i)
        out[j * W.lanes() + i] =
            combine(plan, get_lane(W, da, i), get_lane(W, db, i), rq.out_zero_point, lo, hi);
    }
  }
  return QTensor::from_ints(a.shape(), rq.out_layout, out,
                            QuantParams{{rq.out_scale}, {rq.out_zero_point}, -1});
}

} // namespace samd::kernels
