// fuzz_kernels_pool: max / average / global average pooling at any width, format, window,
// stride, padding and dilation: every supported path agrees with Reference (or refuses alike), and
// Reference agrees with the pools of the integers drawn (plain_pool.hpp: shapes, values, refusals,
// the input's layout and quantization kept). Half of the cases also run the same max pool fused
// after a requantized convolution (conv2d_max_pool, ordinary or two-level weights) on every path,
// and Reference against the max pool of the requantized convolution of the integers drawn.
#include <cstdint>
#include <functional>
#include <sstream>

#include "conv_case.hpp"
#include "plain_pool.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

namespace {
// q's shape, -1, then its integers (plain_pool's form).
std::vector<std::int64_t> shaped(const QTensor &q) {
  std::vector<std::int64_t> v = q.shape();
  v.push_back(-1);
  const std::vector<std::int64_t> ints = q.to_ints();
  v.insert(v.end(), ints.begin(), ints.end());
  return v;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
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
  const std::int64_t C = fuzz::in_range(in, 1, 3), H = fuzz::in_range(in, 1, 7),
                     W = fuzz::in_range(in, 1, 7);
  const Shape xs = p.format == DataFormat::NCHW ? Shape{1, C, H, W} : Shape{1, H, W, C};
  const bool per_channel = in.u8() & 1;
  const int axis = p.format == DataFormat::NCHW ? 1 : 3;
  fuzz::PlainTensor xp;
  const QTensor x =
      fuzz::kernel_tensor(in, xs, L, per_channel ? static_cast<std::size_t>(C) : 0, axis, &xp);
  std::ostringstream what;
  what << "pool " << to_string(L) << " x=" << to_string(xs) << " k=" << p.kernel_h << "x"
       << p.kernel_w << " stride=" << p.stride_h << "," << p.stride_w << " dil=" << p.dilation_h
       << "," << p.dilation_w << " pads=" << p.pad_top << "," << p.pad_left << "," << p.pad_bottom
       << "," << p.pad_right << " include_pad=" << p.count_include_pad;
  const auto show = [](const std::vector<std::int64_t> &v) { return fuzz::show(v); };
  // Every path, then Reference against `want` (and its output's layout and quantization: x's).
  const auto check = [&](const std::string &name, const std::function<QTensor(Path)> &pool,
                         const std::optional<std::vector<std::int64_t>> &want) {
    QTensor ref;
    const auto got = fuzz::compare_paths<std::vector<std::int64_t>>(
        what.str() + name,
        [&](Path path) {
          QTensor q = pool(path);
          std::vector<std::int64_t> v = shaped(q);
          if (path == Path::Reference)
            ref = std::move(q);
          return v;
        },
        show);
    fuzz::expect_plain_pool(what.str() + name, want, got);
    if (got &&
        (!(ref.layout() == L) || ref.quant().scale != xp.scale ||
         ref.quant().zero_point != xp.zero_point || ref.quant().axis != (per_channel ? axis : -1)))
      fuzz::fail(what.str() + name +
                 ": the output does not keep the input's layout and quantization");
  };
  check(
      " max", [&](Path path) { return max_pool2d(x, p, KernelOptions{path}); },
      fuzz::plain_pool(fuzz::PlainPool::Max, xp, xs, p));
  check(
      " avg", [&](Path path) { return avg_pool2d(x, p, KernelOptions{path}); },
      fuzz::plain_pool(fuzz::PlainPool::Avg, xp, xs, p));
  check(
      " global", [&](Path path) { return global_avg_pool(x, p.format, KernelOptions{path}); },
      fuzz::plain_global_pool(xp, xs, p.format));

  if (!(in.u8() & 1))
    return 0;
  const fuzz::ConvCase k = fuzz::conv_case(in);
  // The pool in the convolution's format, or (one case in four) in the other one.
  if (!fuzz::kPoolOtherFormat || (in.u8() & 3) != 0)
    p.format = k.p.format;
  if (!fuzz::kPoolEndPadding && p.pad_top == 0 && p.pad_left == 0)
    p.pad_bottom = p.pad_right = 0;
  std::string rq_what;
  Requant rq;
  const auto r = fuzz::conv_requantizer(in, k, rq_what, &rq);
  if (!r)
    return 0;
  const std::string fused = what.str() + (p.format == DataFormat::NCHW ? " NCHW" : " NHWC") +
                            " fused after conv2d " + k.what + rq_what;
  const auto got = fuzz::compare_paths<std::vector<std::int64_t>>(
      fused,
      [&](Path path) {
        return shaped(conv2d_max_pool(k.x, k.packed, k.p, *r, p, KernelOptions{path},
                                      k.two_level ? &k.two : nullptr));
      },
      show);
  // The convolution may refuse (its int32 bound, a two-level overflow) where the pool would not:
  // only the cases Reference computed.
  if (got) {
    const auto [q, shape] = fuzz::plain_conv_requantized(k, rq, fused);
    fuzz::expect_plain_pool(fused, fuzz::plain_pool(fuzz::PlainPool::Max, q, shape, p), got);
  }
  return 0;
}
