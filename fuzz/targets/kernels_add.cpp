// fuzz_kernels_add: element-wise add with requantization at any input / output widths, scales,
// zero points and clamps: every supported path agrees with Reference, and Reference with
// eltwise.hpp's formula on the integers drawn (computed here in plain integer arithmetic: the
// paths share the multipliers, the rescale and the packing).
#include <cstdint>
#include <sstream>

#include "../../kernels/tests/plain_requant.hpp"
#include "kernel_inputs.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Bytes in(data, size);
  const Layout la = fuzz::kernel_layout(in), lb = fuzz::kernel_layout(in);
  const Shape s{fuzz::in_range(in, 1, 3), fuzz::in_range(in, 1, 50)};
  fuzz::PlainTensor ap, bp;
  const QTensor a = fuzz::kernel_tensor(in, s, la, 0, -1, &ap),
                b = fuzz::kernel_tensor(in, s, lb, 0, -1, &bp);
  Requant rq;
  rq.out_layout = fuzz::kernel_layout(in);
  rq.out_scale = 0.01f * static_cast<float>(1 + in.u8());
  rq.out_zero_point = static_cast<std::int32_t>(
      fuzz::in_range(in, rq.out_layout.min_value(), rq.out_layout.max_value()));
  if (in.u8() & 1)
    rq.clamp_min = rq.out_zero_point;
  std::ostringstream what;
  what << "add " << to_string(la) << " + " << to_string(lb) << " -> " << to_string(rq.out_layout)
       << " shape " << to_string(s);
  const auto ref = fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str(), [&](Path p) { return add(a, b, rq, KernelOptions{p}).to_ints(); },
      [](const std::vector<std::int64_t> &v) { return fuzz::show(v); });

  // q = clamp(zo + round_half_away(((qa - za) Ma + (qb - zb) Mb) / 2^S)), Ma = round(sa / so 2^S),
  // Mb = round(sb / so 2^S), S the largest <= 62 keeping both below 2^31; the clamp: [max(layout
  // min, clamp_min), min(layout max, clamp_max)]. Every case drawn is in the contract.
  using namespace samd::kernels::test;
  const double ra = static_cast<double>(ap.scale[0]) / static_cast<double>(rq.out_scale),
               rb = static_cast<double>(bp.scale[0]) / static_cast<double>(rq.out_scale);
  int shift = 62;
  while (shift > 0 && (plain_scaled(ra, shift) >= (std::int64_t{1} << 31) ||
                       plain_scaled(rb, shift) >= (std::int64_t{1} << 31)))
    --shift;
  const std::int64_t ma = plain_scaled(ra, shift), mb = plain_scaled(rb, shift);
  const auto range =
      plain_requant_range(rq.out_layout.bits, rq.out_layout.sign == Signedness::Signed,
                          rq.out_zero_point, rq.clamp_min, rq.clamp_max);
  if (!range || ma >= (std::int64_t{1} << 31) || mb >= (std::int64_t{1} << 31))
    fuzz::fail(what.str() + ": the oracle refuses a case drawn (the decoding draws valid ones)");
  if (!ref)
    fuzz::fail(what.str() + ": the Reference path refuses a case its contract accepts");
  std::vector<std::int64_t> want(ap.values.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const __int128 v =
        rq.out_zero_point + plain_round_shift((ap.values[i] - ap.zero_point[0]) * ma +
                                                  (bp.values[i] - bp.zero_point[0]) * mb,
                                              static_cast<unsigned>(shift));
    want[i] = static_cast<std::int64_t>(v < range->first ? range->first
                                                         : (v > range->second ? range->second : v));
  }
  if (want != *ref)
    fuzz::fail(what.str() + ": Reference path differs from the formula on the integers drawn\n" +
               "  drawn:     " + fuzz::show(want) + "\n  reference: " + fuzz::show(*ref));
  return 0;
}
