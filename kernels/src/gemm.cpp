#include <samd/kernels/gemm.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "fast/fast_gemm.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels {

namespace {
// The checks that depend on the weights beyond K and the activation layout, for M rows of
// activations of layout act and zero point za: the output's size and the int32 bound.
void check_gemm_weights(std::int64_t M, const Layout &act, std::int32_t za,
                        const PackedWeights &w) {
  (void)element_count({M, w.n()}, "gemm: output"); // M x N, at most 2^40
  detail::check_k_bound(w.k(), act, za, w, "gemm");
}

std::int32_t check_gemm_operands(const QTensor &a, const PackedWeights &w) {
  detail::check_kernel_layout(a.layout(), "gemm", "activation");
  if (a.shape().size() != 2)
    throw std::invalid_argument("samd: gemm: activation must be {M, K}; got shape " +
                                to_string(a.shape()));
  if (a.shape()[1] != w.k())
    throw std::invalid_argument("samd: gemm: activation K = " + std::to_string(a.shape()[1]) +
                                " does not match the weights' K = " + std::to_string(w.k()));
  if (!(a.layout() == w.act_layout()))
    throw std::invalid_argument("samd: gemm: activation layout " + samd::to_string(a.layout()) +
                                " does not match the layout the weights were prepacked for, " +
                                samd::to_string(w.act_layout()));
  const std::int32_t za = detail::per_tensor_zero_point(a, "gemm", "activation");
  check_gemm_weights(a.shape()[0], a.layout(), za, w);
  return za;
}
} // namespace

namespace {
#if defined(SAMD_HAVE_X86_KERNELS)
// Only reached on the AVX-512 path, which implies popcnt (else a libgcc call per word).
#define SAMD_POPCNT_TARGET __attribute__((target("popcnt")))
#else
#define SAMD_POPCNT_TARGET
#endif

// 1-bit activations as the AVX-512 bit-serial kernel's planes, straight from the packed words.
SAMD_POPCNT_TARGET detail::fast::FastActs bit_plane_acts(const QTensor &a, std::int64_t K,
                                                         std::int64_t kpad) {
  namespace fast = detail::fast;
  const std::int64_t M = a.shape()[0];
  fast::FastActs x;
  x.m = M, x.kpad = kpad, x.ab = 1;
  const std::int64_t words = kpad / 64;
  x.planes.assign(static_cast<std::size_t>(M * words), 0);
  x.rowsum.resize(static_cast<std::size_t>(M));
  const std::uint64_t flip = a.layout().is_signed() ? ~std::uint64_t{0} : 0; // ua = bit ^ 1
  const std::vector<std::uint64_t> &src = a.words();
  for (std::int64_t m = 0; m < M; ++m) {
    std::int64_t rs = 0;
    for (std::int64_t wd = 0; wd * 64 < K; ++wd) {
      const std::int64_t pos = m * K + 64 * wd, n = std::min<std::int64_t>(64, K - 64 * wd);
      const std::size_t i = static_cast<std::size_t>(pos / 64);
      const unsigned sh = static_cast<unsigned>(pos % 64);
      std::uint64_t v = src[i] >> sh;
      if (sh && i + 1 < src.size())
        v |= src[i + 1] << (64 - sh);
      v = (v ^ flip) & (n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1);
      x.planes[static_cast<std::size_t>(m * words + wd)] = v;
      rs += __builtin_popcountll(v);
    }
    x.rowsum[static_cast<std::size_t>(m)] = rs;
  }
  return x;
}

// The activations as a SIMD path's kernels read them, built once for gemm_s32 and
// prepare_activations alike: 1-bit lanes are already the bit plane the AVX-512 bit-serial kernel
// reads (each row's K bits, word by word); other widths go through offset bytes (never int64).
detail::fast::FastActs fast_acts(const QTensor &a, const PackedWeights &w, Path path) {
  namespace fast = detail::fast;
  const std::int64_t M = a.shape()[0], K = w.k(), kpad = w.fast().kpad;
  const fast::Method method = fast::gemm_method(path, a.layout().bits, w.fast());
  if (path != Path::Avx512 || a.layout().field() != 1 || method != fast::Method::Bitserial) {
    const std::vector<std::uint8_t> ua = a.to_offsets();
    return fast::build_acts(path, ua.data(), M, K, kpad, a.layout().bits, w.fast().wb, method);
  }
  return bit_plane_acts(a, K, kpad);
}
} // namespace

Path resolve_options(const KernelOptions &opt, const char *kernel) {
  if (opt.threads < 1 || opt.threads > kMaxKernelThreads)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": KernelOptions::threads is " +
                                std::to_string(opt.threads) + "; it must be 1.." +
                                std::to_string(kMaxKernelThreads));
  return resolve_path(opt.path);
}

Int32Tensor gemm_s32(const QTensor &a, const PackedWeights &w, const KernelOptions &opt) {
  const Path path = resolve_options(opt, "gemm");
  const std::int32_t za = check_gemm_operands(a, w);
  const std::int64_t M = a.shape()[0];
  Int32Tensor out{{M, w.n()}, {}};
  if (path == Path::Reference || path == Path::Swar) {
    const std::vector<std::int64_t> av = a.to_ints();
    out.data = detail::gemm_rows(path, av.data(), M, za, w, opt);
    return out;
  }
  out.data.resize(static_cast<std::size_t>(M * w.n()));
  detail::gemm_rows_prepared_into(path, fast_acts(a, w, path), za, w, opt, out.data.data());
  return out;
}

PreparedActivations prepare_activations(const QTensor &a, const PackedWeights &w, Path p) {
  PreparedActivations r;
  r.za_ = check_gemm_operands(a, w);
  r.path_ = resolve_path(p);
  r.layout_ = a.layout();
  r.m_ = a.shape()[0];
  r.k_ = a.shape()[1];
  if (r.path_ == Path::Reference || r.path_ == Path::Swar) {
    r.ints_ = a.to_ints();
  } else {
    r.fast_ = std::make_shared<const detail::fast::FastActs>(fast_acts(a, w, r.path_));
    r.wb_ = w.fast().wb;
    r.kpad_ = w.fast().kpad;
    r.method_ = static_cast<int>(detail::fast::gemm_method(r.path_, a.layout().bits, w.fast()));
  }
  return r;
}

void gemm_s32(const PreparedActivations &a, const PackedWeights &w, Int32Tensor &out,
              const KernelOptions &opt) {
  const Path path = resolve_options(opt, "gemm");
  if (path != a.path_ && opt.path != Path::Auto)
    throw std::invalid_argument(std::string("samd: gemm: activations were prepared for path ") +
                                to_string(a.path_) + ", not " + to_string(path));
  if (a.k_ != w.k() || !(a.layout_ == w.act_layout()))
    throw std::invalid_argument("samd: gemm: prepared activations (K = " + std::to_string(a.k_) +
                                ", " + samd::to_string(a.layout_) +
                                ") do not match the weights (K = " + std::to_string(w.k()) + ", " +
                                samd::to_string(w.act_layout()) + ")");
  if (a.fast_) {
    // The SIMD formats depend on the weights (fast_acts): refuse weights of another format.
    const detail::fast::FastWeights &fw = w.fast();
    const auto method = detail::fast::gemm_method(a.path_, a.layout_.bits, fw);
    if (fw.wb != a.wb_ || fw.kpad != a.kpad_ || static_cast<int>(method) != a.method_)
      throw std::invalid_argument(
          "samd: gemm: the activations were prepared for other weights (" + std::to_string(a.wb_) +
          "-bit, " + detail::fast::to_string(static_cast<detail::fast::Method>(a.method_)) +
          ", K padded to " + std::to_string(a.kpad_) + ") than these (" + std::to_string(fw.wb) +
          "-bit, " + detail::fast::to_string(method) + ", K padded to " + std::to_string(fw.kpad) +
          " on path " + to_string(a.path_) + "): prepare them again for these weights");
  }
  // What prepare_activations checked for the weights it was given, for these (their bias and zero
  // points may differ), and the Swar refusal of a split: all before out is touched.
  check_gemm_weights(a.m_, a.layout_, a.za_, w);
  if (a.path_ == Path::Swar)
    detail::check_swar_split(w.k(), a.layout_.bits, w.weight_layout().bits, w.swar_guard(), opt,
                             "gemm");
  if (a.fast_) {
    out.shape = {a.m_, w.n()};
    out.data.resize(static_cast<std::size_t>(a.m_ * w.n()));
    detail::gemm_rows_prepared_into(a.path_, *a.fast_, a.za_, w, opt, out.data.data());
  } else {
    std::vector<std::int32_t> data =
        detail::gemm_rows(a.path_, a.ints_.data(), a.m_, a.za_, w, opt);
    out.shape = {a.m_, w.n()};
    out.data = std::move(data);
  }
}

Int32Tensor gemm_s32(const PreparedActivations &a, const PackedWeights &w,
                     const KernelOptions &opt) {
  Int32Tensor out;
  gemm_s32(a, w, out, opt);
  return out;
}

QTensor gemm(const QTensor &a, const PackedWeights &w, const Requant &rq,
             const KernelOptions &opt) {
  requant_range(rq); // reject a bad output spec before any work
  const Int32Tensor acc = gemm_s32(a, w, opt);
  return requantize(acc, a.quant().scale[0], w.weight_quant(), 1, rq);
}

} // namespace samd::kernels
