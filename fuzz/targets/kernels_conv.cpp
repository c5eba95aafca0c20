// fuzz_kernels_conv: conv2d with any widths, format, stride, padding, dilation and groups: every
// supported path gives the Reference path's int32 results, or refuses the same input.
#include <cstdint>
#include <sstream>

#include "kernel_inputs.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const Layout al = fuzz::kernel_layout(in), wl = fuzz::kernel_layout(in);
  Conv2dParams p;
  p.groups = fuzz::in_range(in, 1, 3);
  const std::int64_t C = p.groups * fuzz::in_range(in, 1, 3), O = p.groups * fuzz::in_range(in, 1, 3);
  const std::int64_t KH = fuzz::in_range(in, 1, 3), KW = fuzz::in_range(in, 1, 3);
  const std::int64_t H = fuzz::in_range(in, 1, 8), W = fuzz::in_range(in, 1, 8);
  p.stride_h = fuzz::in_range(in, 1, 3);
  p.stride_w = fuzz::in_range(in, 1, 3);
  p.dilation_h = fuzz::in_range(in, 1, 2);
  p.dilation_w = fuzz::in_range(in, 1, 2);
  p.pad_top = fuzz::in_range(in, 0, 2);
  p.pad_left = fuzz::in_range(in, 0, 2);
  p.pad_bottom = fuzz::in_range(in, 0, 2);
  p.pad_right = fuzz::in_range(in, 0, 2);
  p.format = (in.u8() & 1) ? DataFormat::NHWC : DataFormat::NCHW;
  const Shape xs = p.format == DataFormat::NCHW ? Shape{1, C, H, W} : Shape{1, H, W, C};
  const QTensor x = fuzz::kernel_tensor(in, xs, al);
  const QTensor w = fuzz::kernel_tensor(in, {O, C / p.groups, KH, KW}, wl, (in.u8() & 1) ? static_cast<std::size_t>(O) : 0, 0);
  const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, al, p.groups);
  std::ostringstream what;
  what << "conv2d A=" << to_string(al) << " W=" << to_string(wl) << " x=" << to_string(xs) << " O=" << O << " k=" << KH
       << "x" << KW << " stride=" << p.stride_h << "," << p.stride_w << " dil=" << p.dilation_h << "," << p.dilation_w
       << " pads=" << p.pad_top << "," << p.pad_left << "," << p.pad_bottom << "," << p.pad_right << " groups=" << p.groups;
  fuzz::compare_paths<std::vector<std::int32_t>>(
      what.str(), [&](Path path) { return conv2d_s32(x, pw, p, KernelOptions{path}).data; },
      [](const std::vector<std::int32_t>& v) { return fuzz::show(v); });
  return 0;
}
