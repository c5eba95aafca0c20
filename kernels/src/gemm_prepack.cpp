#include <samd/kernels/gemm.hpp>
#include <samd/kernels/swar_schedule.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "fast/fast_gemm.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels {

PackedWeights PackedWeights::prepack(const QTensor &w, std::vector<std::int32_t> bias,
                                     const Layout &act, unsigned swar_guard) {
  detail::check_kernel_layout(w.layout(), "prepack", "weights");
  detail::check_kernel_layout(act, "prepack", "activation layout");
  if (w.shape().size() != 2)
    throw std::invalid_argument("samd: prepack: weights must be {N, K}; got shape " +
                                to_string(w.shape()));
  if (w.quant().axis > 0 && w.quant().channels() > 1)
    throw std::invalid_argument(
        "samd: prepack: weights may be quantized per tensor or per output channel (axis 0), "
        "not along axis " +
        std::to_string(w.quant().axis));
  if (swar_guard < 1 || swar_guard > 32)
    throw std::invalid_argument("samd: prepack: swar_guard = " + std::to_string(swar_guard) +
                                " outside 1..32");
  PackedWeights p;
  p.n_ = w.shape()[0];
  p.k_ = w.shape()[1];
  if (!bias.empty() && static_cast<std::int64_t>(bias.size()) != p.n_)
    throw std::invalid_argument("samd: prepack: " + std::to_string(bias.size()) +
                                " bias values for N = " + std::to_string(p.n_) +
                                " output channels");
  p.w_ = w;
  p.act_ = act;
  p.bias_ = std::move(bias);
  p.guard_ = swar_guard;
  p.wmin_ = w.layout().min_value();

  const Layout L = gemm_weight_layout(act.bits, w.layout().bits, swar_guard);
  const std::vector<std::int64_t> q = w.to_ints();
  p.words_per_row_ = (static_cast<std::size_t>(p.n_) + L.lanes() - 1) / L.lanes();
  p.words_.assign(p.words_per_row_ * static_cast<std::size_t>(p.k_), 0);
  p.colsum_.assign(static_cast<std::size_t>(p.n_), 0);
  for (std::int64_t n = 0; n < p.n_; ++n)
    for (std::int64_t k = 0; k < p.k_; ++k) {
      const auto u =
          static_cast<std::uint64_t>(q[static_cast<std::size_t>(n * p.k_ + k)] - p.wmin_);
      const std::size_t word =
          static_cast<std::size_t>(k) * p.words_per_row_ + static_cast<std::size_t>(n) / L.lanes();
      p.words_[word] |= u << ((static_cast<std::size_t>(n) % L.lanes()) * L.field());
      p.colsum_[static_cast<std::size_t>(n)] += static_cast<std::int64_t>(u);
    }
  p.fast_ = std::make_shared<const detail::fast::FastWeights>(
      detail::fast::build_weights(q, w.layout(), p.n_, p.k_));
  return p;
}

std::size_t PackedWeights::weight_bytes(Path path) const {
  // Per output channel: a column sum (8 bytes), zero point and scale (8 bytes), bias (4 bytes).
  const std::size_t meta = static_cast<std::size_t>(n_) * (8 + 8 + (bias_.empty() ? 0 : 4));
  switch (resolve_path(path)) {
  case Path::Reference:
    return w_.words().size() * sizeof(std::uint64_t) + meta;
  case Path::Swar:
    return words_.size() * sizeof(std::uint64_t) + meta;
  default: {
    const Path p = resolve_path(path);
    const bool planes = detail::fast::choose_method(p, act_.bits, w_.layout().bits) ==
                        detail::fast::Method::Bitserial;
    // Dot8 reads the panel format on AVX-512, the row streams elsewhere.
    if (p == Path::Avx512)
      return (planes ? fast_->iplane_bytes() : fast_->pstream_bytes()) + meta; // panel formats
    return (planes ? fast_->plane_bytes() : fast_->stream_bytes()) + meta;
  }
  }
}

std::int64_t max_k_int32(const Layout &act, std::int32_t za, const PackedWeights &w) {
  const std::int64_t ma = std::max<std::int64_t>(za - act.min_value(), act.max_value() - za);
  std::int64_t mw = 0;
  const Layout &wl = w.weights().layout();
  for (std::size_t c = 0; c < w.weights().quant().channels(); ++c) {
    const std::int64_t z = w.weights().quant().zero_point_of(c);
    mw = std::max<std::int64_t>({mw, z - wl.min_value(), wl.max_value() - z});
  }
  std::int64_t mb = 0;
  for (std::int32_t b : w.bias())
    mb = std::max<std::int64_t>(mb, b < 0 ? -std::int64_t{b} : b);
  const std::int64_t room = std::int64_t{2147483647} - mb;
  if (ma * mw == 0)
    return room >= 0 ? INT64_MAX : 0;
  return room < 0 ? 0 : room / (ma * mw);
}

namespace detail {

void check_kernel_layout(const Layout &L, const char *kernel, const char *operand) {
  validate(L);
  if (L.bits > kMaxKernelBits)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": " + operand + " width " +
                                std::to_string(L.bits) + " bits is outside the kernel range 1..8");
}

void check_k_bound(std::int64_t K, const Layout &act, std::int32_t za, const PackedWeights &w,
                   const char *kernel) {
  const std::int64_t limit = max_k_int32(act, za, w);
  if (K > limit)
    throw std::invalid_argument(
        std::string("samd: ") + kernel + ": reduction length K = " + std::to_string(K) +
        " exceeds " + std::to_string(limit) + ", the largest K whose exact sums fit int32 for " +
        samd::to_string(act) + " activations x " + samd::to_string(w.weights().layout()) +
        " weights");
}

std::int32_t per_tensor_zero_point(const QTensor &t, const char *kernel, const char *operand) {
  if (t.quant().channels() != 1)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": " + operand +
                                " must be quantized per tensor; got " +
                                std::to_string(t.quant().channels()) + " channels");
  return t.quant().zero_point[0];
}

} // namespace detail
} // namespace samd::kernels
