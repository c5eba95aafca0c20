#include "onednn_baseline.hpp"

#include <random>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace samd::bench {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::engine &engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

template <class T> std::vector<T> random_vec(std::size_t n, int lo, int hi) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto &x : v)
    x = static_cast<T>(d(rng));
  return v;
}

class Primitive final : public OnednnMatmul {
public:
  Primitive(dnnl::primitive p, std::vector<dnnl::memory> mems, std::vector<int> args,
            std::vector<std::shared_ptr<void>> storage)
      : prim_(std::move(p)), stream_(engine()), storage_(std::move(storage)) {
    for (std::size_t i = 0; i < mems.size(); ++i)
      args_[args[i]] = mems[i];
  }
  void run() override {
    prim_.execute(stream_, args_);
    stream_.wait();
  }

private:
  dnnl::primitive prim_;
  dnnl::stream stream_;
  std::unordered_map<int, dnnl::memory> args_;
  std::vector<std::shared_ptr<void>> storage_;
};

template <class T> std::shared_ptr<void> hold(std::vector<T> v) {
  return std::make_shared<std::vector<T>>(std::move(v));
}
template <class T> void *data_of(const std::shared_ptr<void> &p) {
  return static_cast<std::vector<T> *>(p.get())->data();
}

} // namespace

std::unique_ptr<OnednnMatmul> make_onednn_matmul(std::int64_t M, std::int64_t N, std::int64_t K,
                                                 bool int8) {
  auto &eng = engine();
  const dt ta = int8 ? dt::u8 : dt::f32, tb = int8 ? dt::s8 : dt::f32,
           tc = int8 ? dt::s32 : dt::f32;
  dnnl::memory::desc amd({M, K}, ta, tag::ab), cmd({M, N}, tc, tag::ab);
  // Weights in the layout oneDNN prefers (format_tag::any), reordered once outside the timing.
  dnnl::memory::desc bany({K, N}, tb, tag::any);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(amd, bany, cmd), eng);
  std::vector<std::shared_ptr<void>> st;
  if (int8) {
    st.push_back(hold(random_vec<std::uint8_t>(static_cast<std::size_t>(M * K), 0, 255)));
    st.push_back(hold(random_vec<std::int8_t>(static_cast<std::size_t>(K * N), -128, 127)));
    st.push_back(hold(std::vector<std::int32_t>(static_cast<std::size_t>(M * N))));
  } else {
    st.push_back(hold(random_vec<float>(static_cast<std::size_t>(M * K), 0, 255)));
    st.push_back(hold(random_vec<float>(static_cast<std::size_t>(K * N), -128, 127)));
    st.push_back(hold(std::vector<float>(static_cast<std::size_t>(M * N))));
  }
  auto ptr = [&](std::size_t i) {
    return int8 ? (i == 0   ? data_of<std::uint8_t>(st[0])
                   : i == 1 ? data_of<std::int8_t>(st[1])
                            : data_of<std::int32_t>(st[2]))
                : data_of<float>(st[i]);
  };
  dnnl::memory a(amd, eng, ptr(0)), c(cmd, eng, ptr(2));
  dnnl::memory b_plain(dnnl::memory::desc({K, N}, tb, tag::ab), eng, ptr(1));
  dnnl::memory b(pd.weights_desc(), eng);
  dnnl::stream s(eng);
  dnnl::reorder(b_plain, b).execute(s, b_plain, b);
  s.wait();
  return std::make_unique<Primitive>(dnnl::matmul(pd), std::vector<dnnl::memory>{a, b, c},
                                     std::vector<int>{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
                                     std::move(st));
}

std::unique_ptr<OnednnMatmul> make_onednn_conv(std::int64_t C, std::int64_t H, std::int64_t W,
                                               std::int64_t O, std::int64_t KHW,
                                               std::int64_t stride, std::int64_t pad, bool int8) {
  auto &eng = engine();
  const std::int64_t OH = (H + 2 * pad - KHW) / stride + 1, OW = (W + 2 * pad - KHW) / stride + 1;
  const dt ts = int8 ? dt::u8 : dt::f32, tw = int8 ? dt::s8 : dt::f32,
           td = int8 ? dt::s32 : dt::f32;
  dnnl::memory::desc xmd({1, C, H, W}, ts, tag::nhwc), ymd({1, O, OH, OW}, td, tag::nhwc);
  dnnl::memory::desc wany({O, C, KHW, KHW}, tw, tag::any);
  dnnl::convolution_forward::primitive_desc pd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                      dnnl::algorithm::convolution_direct, xmd, wany, ymd,
                                      {stride, stride}, {pad, pad}, {pad, pad}),
      eng);
  std::vector<std::shared_ptr<void>> st;
  const auto nx = static_cast<std::size_t>(C * H * W),
             nw = static_cast<std::size_t>(O * C * KHW * KHW),
             ny = static_cast<std::size_t>(O * OH * OW);
  if (int8) {
    st = {hold(random_vec<std::uint8_t>(nx, 0, 255)), hold(random_vec<std::int8_t>(nw, -128, 127)),
          hold(std::vector<std::int32_t>(ny))};
  } else {
    st = {hold(random_vec<float>(nx, 0, 255)), hold(random_vec<float>(nw, -128, 127)),
          hold(std::vector<float>(ny))};
  }
  void *px = int8 ? data_of<std::uint8_t>(st[0]) : data_of<float>(st[0]);
  void *pw = int8 ? data_of<std::int8_t>(st[1]) : data_of<float>(st[1]);
  void *py = int8 ? data_of<std::int32_t>(st[2]) : data_of<float>(st[2]);
  dnnl::memory x(xmd, eng, px), y(ymd, eng, py);
  dnnl::memory w_plain(dnnl::memory::desc({O, C, KHW, KHW}, tw, tag::oihw), eng, pw);
  dnnl::memory w(pd.weights_desc(), eng);
  dnnl::stream s(eng);
  dnnl::reorder(w_plain, w).execute(s, w_plain, w);
  s.wait();
  return std::make_unique<Primitive>(
      dnnl::convolution_forward(pd), std::vector<dnnl::memory>{x, w, y},
      std::vector<int>{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}, std::move(st));
}

const char *onednn_isa() {
  switch (dnnl::get_effective_cpu_isa()) {
  case dnnl::cpu_isa::avx2:
    return "avx2";
  case dnnl::cpu_isa::avx2_vnni:
    return "avx2_vnni";
  case dnnl::cpu_isa::avx512_core:
    return "avx512_core";
  case dnnl::cpu_isa::avx512_core_vnni:
    return "avx512_core_vnni";
  case dnnl::cpu_isa::avx512_core_bf16:
    return "avx512_core_bf16";
  case dnnl::cpu_isa::avx512_core_amx:
    return "avx512_core_amx";
  default:
    return "other";
  }
}

} // namespace samd::bench
