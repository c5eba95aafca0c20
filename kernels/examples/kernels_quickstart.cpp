// The README's kernel example, compiled and run as a test (label `examples`).
#include <samd/kernels/kernels.hpp>

#include <cstdio>
#include <vector>

int main() {
  using namespace samd;
  using namespace samd::kernels;
  const Layout a4{4, 0, Signedness::Unsigned}, w3{3, 0, Signedness::Signed}; // W3A4
  // A {2, 3} activations (zero point 0) and B {2, 3} weights, one row per output channel.
  const QTensor a = QTensor::from_ints({2, 3}, a4, std::vector<std::int64_t>{1, 2, 3, 15, 0, 7});
  const QTensor b = QTensor::from_ints({2, 3}, w3, std::vector<std::int64_t>{1, -4, 3, 0, 2, -1});
  const PackedWeights pb = PackedWeights::prepack(b, /*bias=*/{}, a4); // once per layer
  const Int32Tensor c = gemm_s32(a, pb);                               // exact int32: C = A * B^T
  std::printf("gemm: %d %d %d %d\n", c.data[0], c.data[1], c.data[2], c.data[3]);

  // conv2d on a 1x1x4x4 input with a 3x3 filter, padding 1, requantized to 4 bits with ReLU.
  std::vector<std::int64_t> img(16);
  for (int i = 0; i < 16; ++i)
    img[i] = i % 16;
  const QTensor x = QTensor::from_ints({1, 1, 4, 4}, a4, img, {{0.1f}, {0}, -1});
  const QTensor k =
      QTensor::from_ints({1, 1, 3, 3}, w3, std::vector<std::int64_t>(9, 1), {{0.05f}, {0}, -1});
  const PackedConvWeights pk = PackedConvWeights::prepack(k, {}, a4, /*groups=*/1);
  Conv2dParams p;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  Requant rq{a4, /*out_scale=*/0.05f, /*out_zero_point=*/0, /*clamp_min=*/0, std::nullopt};
  const QTensor y = conv2d(x, pk, p, rq);
  const std::vector<std::int64_t> yv = y.to_ints();
  std::printf("conv2d: %lld ... %lld\n", (long long)yv.front(), (long long)yv.back());
  // The same call on the Reference path gives the same integers.
  const bool same = conv2d(x, pk, p, rq, KernelOptions{Path::Reference}).to_ints() == yv;
  return c.data == std::vector<std::int32_t>{2, 1, 36, -7} && same ? 0 : 1;
}
