// The oracle checked against an independent implementation: the Reference GEMM and conv2d agree
// with oneDNN's u8 x s8 -> s32 matmul and convolution on random int8-representable inputs.
#include <catch2/catch.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include "kernel_gen.hpp"

using namespace samd;
using namespace samd::kernels;
using namespace samd::kernels::test;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

namespace {

template <class T> std::vector<T> narrow_copy(const std::vector<std::int64_t> &v) {
  return std::vector<T>(v.begin(), v.end());
}

std::vector<std::int32_t> onednn_matmul(const std::vector<std::uint8_t> &a,
                                        const std::vector<std::int8_t> &bt, std::int64_t M,
                                        std::int64_t N, std::int64_t K) {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  // samd's weights are {N, K}; oneDNN's are K x N: describe {K, N} with N-major strides (tag ba).
  dnnl::memory::desc amd({M, K}, dt::u8, tag::ab), bmd({K, N}, dt::s8, tag::ba),
      cmd({M, N}, dt::s32, tag::ab);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(amd, bmd, cmd), eng);
  std::vector<std::int32_t> c(static_cast<std::size_t>(M * N));
  dnnl::memory am(amd, eng, const_cast<std::uint8_t *>(a.data())),
      bm(bmd, eng, const_cast<std::int8_t *>(bt.data())), cm(cmd, eng, c.data());
  dnnl::matmul(pd).execute(s, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
  s.wait();
  return c;
}

} // namespace

TEST_CASE("reference gemm agrees with oneDNN u8s8s32 matmul") {
  std::mt19937_64 rng(51);
  for (int rep = 0; rep < 40; ++rep) {
    const std::int64_t M = uniform(rng, 1, 9), N = uniform(rng, 1, 33), K = uniform(rng, 1, 700);
    const QTensor a = QTensor::from_ints(
        {M, K}, layout(8, false),
        values(rng, layout(8, false), M * K, rep % 4 == 0 ? Fill::AllMax : Fill::Random));
    const QTensor w = QTensor::from_ints(
        {N, K}, layout(8, true),
        values(rng, layout(8, true), N * K, rep % 4 == 0 ? Fill::AllMin : Fill::Random));
    const PackedWeights pw = PackedWeights::prepack(w, {}, a.layout());
    const Int32Tensor ours = gemm_s32(a, pw, KernelOptions{Path::Reference});
    INFO("M=" << M << " N=" << N << " K=" << K);
    CHECK(ours.data == onednn_matmul(narrow_copy<std::uint8_t>(a.to_ints()),
                                     narrow_copy<std::int8_t>(w.to_ints()), M, N, K));
  }
}

TEST_CASE("reference conv2d agrees with oneDNN u8s8s32 convolution") {
  std::mt19937_64 rng(52);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  for (int rep = 0; rep < 30; ++rep) {
    const std::int64_t g = rep % 3 == 0 ? uniform(rng, 1, 4) : 1;
    const std::int64_t N = uniform(rng, 1, 2), C = g * uniform(rng, 1, 4),
                       O = g * uniform(rng, 1, 4);
    const std::int64_t KH = uniform(rng, 1, 3), KW = uniform(rng, 1, 3);
    Conv2dParams p;
    p.groups = g;
    p.stride_h = uniform(rng, 1, 2);
    p.stride_w = uniform(rng, 1, 2);
    p.dilation_h = uniform(rng, 1, 2);
    p.dilation_w = uniform(rng, 1, 2);
    p.pad_top = p.pad_bottom = uniform(rng, 0, 1);
    p.pad_left = p.pad_right = uniform(rng, 0, 1);
    const std::int64_t H = p.dilation_h * (KH - 1) + 1 + uniform(rng, 0, 5),
                       W = p.dilation_w * (KW - 1) + 1 + uniform(rng, 0, 5);
    const QTensor x = QTensor::from_ints(
        {N, C, H, W}, layout(8, false), values(rng, layout(8, false), N * C * H * W, Fill::Random));
    const QTensor w =
        QTensor::from_ints({O, C / g, KH, KW}, layout(8, true),
                           values(rng, layout(8, true), O * (C / g) * KH * KW, Fill::Random));
    const PackedConvWeights pw = PackedConvWeights::prepack(w, {}, x.layout(), g);
    const Int32Tensor ours = conv2d_s32(x, pw, p, KernelOptions{Path::Reference});

    const dnnl::memory::dims strides{p.stride_h, p.stride_w},
        dil{p.dilation_h - 1, p.dilation_w - 1};
    const dnnl::memory::dims pl{p.pad_top, p.pad_left}, pr{p.pad_bottom, p.pad_right};
    dnnl::memory::desc xmd({N, C, H, W}, dt::u8, tag::nchw);
    dnnl::memory::desc wmd =
        g == 1 ? dnnl::memory::desc({O, C, KH, KW}, dt::s8, tag::oihw)
               : dnnl::memory::desc({g, O / g, C / g, KH, KW}, dt::s8, tag::goihw);
    dnnl::memory::desc ymd({N, O, ours.shape[2], ours.shape[3]}, dt::s32, tag::nchw);
    dnnl::convolution_forward::primitive_desc pd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                        dnnl::algorithm::convolution_direct, xmd, wmd, ymd, strides,
                                        dil, pl, pr),
        eng);
    auto xv = narrow_copy<std::uint8_t>(x.to_ints());
    auto wv = narrow_copy<std::int8_t>(w.to_ints());
    std::vector<std::int32_t> y(ours.data.size());
    dnnl::memory xm(xmd, eng, xv.data()), wm(wmd, eng, wv.data()), ym(ymd, eng, y.data());
    dnnl::convolution_forward(pd).execute(
        s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}});
    s.wait();
    INFO("rep " << rep << " g=" << g << " x={" << N << "," << C << "," << H << "," << W
                << "} O=" << O << " k=" << KH << "x" << KW);
    CHECK(ours.data == y);
  }
}
