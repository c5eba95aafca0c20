// fuzz_kernels_pool: max / average / global average pooling at any width, format, window,
// stride, padding and dilation: every supported path agrees with Reference (or refuses alike).
#include <cstdint>
#include <sstream>

#include "kernel_inputs.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const Layout L = fuzz::kernel_layout(in);
  Pool2dParams p;
  p.kernel_h = fuzz::in_range(in, 1, 4);
  p.kernel_w = fuzz::in_range(in, 1, 4);
  p.stride_h = fuzz::in_range(in, 1, 3);
  p.stride_w = fuzz::in_range(in, 1, 3);
  p.dilation_h = fuzz::in_range(in, 1, 2);
  p.dilation_w = fuzz::in_range(in, 1, 2);
  p.pad_top = fuzz::in_range(in, 0, 3);
  p.pad_left = fuzz::in_range(in, 0, 3);
  p.pad_bottom = fuzz::in_range(in, 0, 3);
  p.pad_right = fuzz::in_range(in, 0, 3);
  p.count_include_pad = in.u8() & 1;
  p.format = (in.u8() & 1) ? DataFormat::NHWC : DataFormat::NCHW;
  const std::int64_t C = fuzz::in_range(in, 1, 3), H = fuzz::in_range(in, 1, 7), W = fuzz::in_range(in, 1, 7);
  const Shape xs = p.format == DataFormat::NCHW ? Shape{1, C, H, W} : Shape{1, H, W, C};
  const bool per_channel = in.u8() & 1;
  const QTensor x = fuzz::kernel_tensor(in, xs, L, per_channel ? static_cast<std::size_t>(C) : 0,
                                        p.format == DataFormat::NCHW ? 1 : 3);
  std::ostringstream what;
  what << "pool " << to_string(L) << " x=" << to_string(xs) << " k=" << p.kernel_h << "x" << p.kernel_w
       << " stride=" << p.stride_h << "," << p.stride_w << " dil=" << p.dilation_h << "," << p.dilation_w
       << " pads=" << p.pad_top << "," << p.pad_left << "," << p.pad_bottom << "," << p.pad_right
       << " include_pad=" << p.count_include_pad;
  const auto show = [](const std::vector<std::int64_t>& v) { return fuzz::show(v); };
  fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str() + " max", [&](Path path) { return max_pool2d(x, p, KernelOptions{path}).to_ints(); }, show);
  fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str() + " avg", [&](Path path) { return avg_pool2d(x, p, KernelOptions{path}).to_ints(); }, show);
  fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str() + " global", [&](Path path) { return global_avg_pool(x, p.format, KernelOptions{path}).to_ints(); },
      show);
  return 0;
}
