// fuzz_kernels_add: element-wise add with requantization at any input / output widths, scales,
// zero points and clamps: every supported path agrees with Reference, and Reference with
// eltwise.hpp's formula on the integers drawn (computed here in plain integer arithmetic: the
// paths share the multipliers, the rescale and the packing), refusals included (empty clamp
// ranges, scale ratios past the multipliers' range).
#include <cmath>
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
  QTensor a = fuzz::kernel_tensor(in, s, la, 0, -1, &ap),
          b = fuzz::kernel_tensor(in, s, lb, 0, -1, &bp);
  Requant rq;
  rq.out_layout = fuzz::kernel_layout(in);
  rq.out_scale = 0.01f * static_cast<float>(1 + in.u8());
  rq.out_zero_point = static_cast<std::int32_t>(
      fuzz::in_range(in, rq.out_layout.min_value(), rq.out_layout.max_value()));
  if (in.u8() & 1)
    rq.clamp_min = rq.out_zero_point;
  // Fields appended after the original ones (an older seed ends before them and reads zeros: no
  // change): clamps anywhere in the layout's range and 2 beyond it (empty ranges, which add
  // refuses), and input scales whose ratio to the output scale is near a power of two from 2^-67
  // to 2^32 (make_multiplier's limits 2^-63 and 2^31 - 1/2, past which add refuses, and a shared
  // shift that rounds the smaller ratio's mantissa to 0 or a tie).
  const std::uint8_t extra = in.u8();
  const std::int64_t out_min = rq.out_layout.min_value(), out_max = rq.out_layout.max_value();
  if (extra & 1)
    rq.clamp_min = fuzz::in_range(in, out_min - 2, out_max + 2);
  if (extra & 2)
    rq.clamp_max = fuzz::in_range(in, out_min - 2, out_max + 2);
  const auto near_ratio = [&] { // out_scale 2^e (1 + nudge), |nudge| < 2^-9, rounded to float
    const int e = static_cast<int>(in.u8() % 100) - 67;
    const double nudge = static_cast<double>(static_cast<std::int16_t>(in.u16())) * 0x1p-24;
    return static_cast<float>(static_cast<double>(rq.out_scale) * std::ldexp(1.0 + nudge, e));
  };
  if (extra & 4) {
    ap.scale[0] = near_ratio();
    a = QTensor::from_ints(s, la, ap.values, QuantParams{ap.scale, ap.zero_point, -1});
  }
  if (extra & 8) {
    bp.scale[0] = near_ratio();
    b = QTensor::from_ints(s, lb, bp.values, QuantParams{bp.scale, bp.zero_point, -1});
  }
  std::ostringstream what;
  what.precision(9); // the scales exactly (float)
  what << "add " << to_string(la) << " + " << to_string(lb) << " -> " << to_string(rq.out_layout)
       << " shape " << to_string(s) << " scales " << ap.scale[0] << ", " << bp.scale[0] << " -> "
       << rq.out_scale << " zp " << rq.out_zero_point;
  if (rq.clamp_min)
    what << " clamp_min " << *rq.clamp_min;
  if (rq.clamp_max)
    what << " clamp_max " << *rq.clamp_max;
  const auto ref = fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str(), [&](Path p) { return add(a, b, rq, KernelOptions{p}).to_ints(); },
      [](const std::vector<std::int64_t> &v) { return fuzz::show(v); });

  // q = clamp(zo + round_half_away(((qa - za) Ma + (qb - zb) Mb) / 2^S)), Ma = round(sa / so 2^S),
  // Mb = round(sb / so 2^S), S the largest <= 62 keeping both below 2^31; the clamp: [max(layout
  // min, clamp_min), min(layout max, clamp_max)]. add refuses a case exactly where no such S
  // exists (a ratio of 2^31 - 1/2 or more) or the range is empty.
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
  const bool refused = !range || ma >= (std::int64_t{1} << 31) || mb >= (std::int64_t{1} << 31);
  if (refused != !ref)
    fuzz::fail(what.str() + ": the contract " + (refused ? "refuses" : "accepts") +
               " the case, the Reference path " + (ref ? "accepts" : "refuses") + " it");
  if (refused)
    return 0;
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
