#include <samd/kernels/exact_sums.hpp>
#include <samd/kernels/gemm.hpp>
#include <samd/kernels/swar_schedule.hpp>

#include <algorithm>
#include <climits>
#include <optional>
#include <stdexcept>
#include <string>

#include "fast/fast_gemm.hpp"
#include "gemm_internal.hpp"
#include "gemm_weight_store.hpp"

namespace samd::kernels {

namespace {
// The format prepack builds for a resolved path and weights w (their parameters).
detail::WeightFormat prepared_format(Path p, unsigned ab, const detail::fast::FastWeights &w) {
  if (p == Path::Reference)
    return detail::WeightFormat::Source;
  if (p == Path::Swar)
    return detail::WeightFormat::Swar;
  return detail::fast::gemm_format(p, ab, w);
}

const detail::fast::FastWeights kNoFastWeights{};
const std::vector<std::uint64_t> kNoWords{};
const QTensor kNoWeights{};
} // namespace

PackedWeights PackedWeights::prepack(const QTensor &w, std::vector<std::int32_t> bias,
                                     const Layout &act, unsigned swar_guard, Path prepare,
                                     std::int64_t rows) {
  if (rows < 0)
    throw std::invalid_argument("samd: prepack: rows = " + std::to_string(rows) +
                                " is negative (the GEMMs' rows M when known, 0 when not)");
  return prepack_for(w, std::move(bias), act, swar_guard, prepare, /*conv=*/false, rows);
}

PackedWeights detail::prepack_conv_group(const QTensor &w, std::vector<std::int32_t> bias,
                                         const Layout &act, unsigned swar_guard, Path prepare) {
  return PackedWeights::prepack_for(w, std::move(bias), act, swar_guard, prepare, /*conv=*/true);
}

PackedWeights PackedWeights::prepack_for(const QTensor &w, std::vector<std::int32_t> bias,
                                         const Layout &act, unsigned swar_guard, Path prepare,
                                         bool conv, std::int64_t rows) {
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
  p.act_ = act;
  p.wl_ = w.layout();
  p.wq_ = w.quant();
  p.bias_ = std::move(bias);
  p.guard_ = swar_guard;
  p.wmin_ = w.layout().min_value();
  const Layout L = gemm_weight_layout(act.bits, w.layout().bits, swar_guard);
  p.words_per_row_ = (static_cast<std::size_t>(p.n_) + L.lanes() - 1) / L.lanes();
  p.store_ = std::make_shared<detail::WeightStore>();
  detail::WeightStore &s = *p.store_;
  s.fast = detail::fast::weight_params(w.layout(), p.n_, p.k_);
  s.fast.conv = conv;
  s.fast.rows = rows;
  const detail::WeightFormat format = prepared_format(resolve_path(prepare), act.bits, s.fast);

  // One pass over w's rows: the column sums, and the prepared format (Source: w's own words).
  const std::int64_t umax = w.layout().max_value() - w.layout().min_value();
  std::vector<std::int64_t> sums(static_cast<std::size_t>(p.n_));
  std::vector<std::int64_t> row(static_cast<std::size_t>(p.k_));
  std::optional<detail::FormatWriter> out;
  if (format != detail::WeightFormat::Source)
    out.emplace(p, s, format);
  for (std::int64_t n = 0; n < p.n_; ++n) {
    detail::read_qtensor_row(w, n, row.data());
    for (std::int64_t v : row)
      sums[static_cast<std::size_t>(n)] += v - p.wmin_;
    if (out)
      out->put(n, row.data());
  }
  if (out) {
    out->finish();
  } else {
    s.source = w;
    s.built[static_cast<std::size_t>(format)].store(true, std::memory_order_release);
  }
  // The largest sum possible: K * (2^b - 1), saturated (only its size class matters).
  p.colsum_.assign(sums, umax == 0 || p.k_ <= INT64_MAX / umax ? p.k_ * umax : INT64_MAX);
  return p;
}

const QTensor &PackedWeights::weights() const {
  if (!store_)
    return kNoWeights;
  detail::ensure_format(*this, *store_, detail::WeightFormat::Source);
  return store_->source;
}

const std::vector<std::uint64_t> &PackedWeights::swar_words() const {
  if (!store_)
    return kNoWords;
  detail::ensure_format(*this, *store_, detail::WeightFormat::Swar);
  return store_->swar;
}

std::vector<std::int64_t> PackedWeights::column_sums() const {
  std::vector<std::int64_t> out(colsum_.size());
  for (std::size_t n = 0; n < out.size(); ++n)
    out[n] = colsum_[n];
  return out;
}

const detail::fast::FastWeights &PackedWeights::fast() const {
  return store_ ? store_->fast : kNoFastWeights;
}

const detail::fast::FastWeights &PackedWeights::fast(detail::fast::WeightFormat f) const {
  if (!store_)
    return kNoFastWeights;
  detail::ensure_format(*this, *store_, f);
  return store_->fast;
}

namespace {
// The format a GEMM of m rows on resolved path p reads (the kernel gemm_raw would pick).
detail::WeightFormat read_format(const PackedWeights &w, Path p, std::int64_t m) {
  const unsigned ab = w.act_layout().bits, wb = w.weight_layout().bits;
  if (p == Path::Reference || p == Path::Swar)
    return prepared_format(p, ab, w.fast());
  const auto method = detail::fast::gemm_method(p, ab, w.fast());
  const bool interleaved =
      method == detail::fast::Method::Dot8 && m >= detail::fast::kInterleaveMinRows;
  return detail::fast::format_of(detail::fast::choose_kernel(p, method, ab, wb, interleaved));
}
} // namespace

const char *PackedWeights::weight_format(Path p, std::int64_t m) const {
  return detail::fast::to_string(read_format(*this, resolve_path(p), m));
}

std::size_t PackedWeights::weight_bytes(Path path, std::int64_t m) const {
  if (!store_)
    return 0;
  const Path p = resolve_path(path);
  // The per-channel data the kernels read besides the format: quantization parameters and bias,
  // and the column sums everywhere but in the oracle (which multiplies the integers as they are).
  std::size_t channels = wq_.scale.size() * sizeof(float) +
                         wq_.zero_point.size() * sizeof(std::int32_t) +
                         bias_.size() * sizeof(std::int32_t);
  if (p != Path::Reference)
    channels += colsum_.size() * colsum_.element_bytes();
  return detail::format_bytes(*this, *store_, read_format(*this, p, m)) + channels;
}

std::size_t PackedWeights::resident_bytes() const {
  std::size_t bytes = sizeof(PackedWeights) + bias_.capacity() * sizeof(std::int32_t) +
                      colsum_.bytes() + wq_.scale.capacity() * sizeof(float) +
                      wq_.zero_point.capacity() * sizeof(std::int32_t);
  if (!store_)
    return bytes;
  bytes += sizeof(detail::WeightStore) + store_->fast.parts.capacity() * sizeof(unsigned);
  for (int f = 0; f < detail::fast::kWeightFormats; ++f)
    bytes += detail::held_bytes(*store_, static_cast<detail::WeightFormat>(f));
  return bytes;
}

std::int64_t max_k_int32(const Layout &act, std::int32_t za, const PackedWeights &w) {
  const std::int64_t ma = std::max<std::int64_t>(za - act.min_value(), act.max_value() - za);
  std::int64_t mw = 0;
  const Layout &wl = w.weight_layout();
  for (std::size_t c = 0; c < w.weight_quant().channels(); ++c) {
    const std::int64_t z = w.weight_quant().zero_point_of(c);
    mw = std::max<std::int64_t>({mw, z - wl.min_value(), wl.max_value() - z});
  }
  std::int64_t mb = 0;
  for (std::int32_t b : w.bias())
    mb = std::max<std::int64_t>(mb, b < 0 ? -std::int64_t{b} : b);
  return max_k_int32_limit(ma, mw, mb);
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
        samd::to_string(act) + " activations x " + samd::to_string(w.weight_layout()) + " weights");
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
