// fuzz_kernels_add: element-wise add with requantization at any input / output widths, scales,
// zero points and clamps: every supported path agrees with Reference.
#include <cstdint>
#include <sstream>

#include "kernel_inputs.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Bytes in(data, size);
  const Layout la = fuzz::kernel_layout(in), lb = fuzz::kernel_layout(in);
  const Shape s{fuzz::in_range(in, 1, 3), fuzz::in_range(in, 1, 50)};
  const QTensor a = fuzz::kernel_tensor(in, s, la), b = fuzz::kernel_tensor(in, s, lb);
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
  fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str(), [&](Path p) { return add(a, b, rq, KernelOptions{p}).to_ints(); },
      [](const std::vector<std::int64_t> &v) { return fuzz::show(v); });
  return 0;
}
