// PackedWeights' formats built on first use: each is decoded row by row from a format already
// held (gemm_weight_store.hpp), so the object holds only what its paths read.
#include "gemm_weight_store.hpp"

#include <samd/kernels/swar_schedule.hpp>

#include <cstdint>
#include <stdexcept>

namespace samd::kernels::detail {

namespace {
std::size_t words_for(const Layout &L, std::size_t values) {
  return (values + L.lanes() - 1) / L.lanes();
}
} // namespace

void ColumnSums::assign(const std::vector<std::int64_t> &sums, std::int64_t max_sum) {
  s16_.clear(), s32_.clear(), s64_.clear();
  if (max_sum <= INT16_MAX)
    s16_.assign(sums.begin(), sums.end());
  else if (max_sum <= INT32_MAX)
    s32_.assign(sums.begin(), sums.end());
  else
    s64_ = sums;
}
std::size_t ColumnSums::bytes() const {
  return s16_.capacity() * 2 + s32_.capacity() * 4 + s64_.capacity() * 8;
}
std::size_t ColumnSums::element_bytes() const {
  return !s16_.empty() ? 2 : (!s32_.empty() ? 4 : 8);
}

FormatWriter::FormatWriter(const PackedWeights &w, WeightStore &s, WeightFormat f)
    : w_(w), s_(s), f_(f) {
  const auto N = static_cast<std::size_t>(w.n()), K = static_cast<std::size_t>(w.k());
  if (f == WeightFormat::Source)
    lanes_.assign(words_for(w.weight_layout(), N * K), 0);
  else if (f == WeightFormat::Swar)
    s.swar.assign(w.words_per_row() * K, 0);
  else
    fast::allocate_format(s.fast, f);
}

void FormatWriter::put(std::int64_t n, const std::int64_t *row) {
  const std::int64_t K = w_.k();
  if (f_ == WeightFormat::Source) {
    const Layout &L = w_.weight_layout();
    for (std::int64_t k = 0; k < K; ++k, ++next_)
      lanes_[next_ / L.lanes()] |= (static_cast<std::uint64_t>(row[k]) & L.lane_bits())
                                   << (next_ % L.lanes() * L.field());
  } else if (f_ == WeightFormat::Swar) {
    // u = w - w_min in lane n % lanes of word n / lanes of each k's row of words.
    const Layout L =
        gemm_weight_layout(w_.act_layout().bits, w_.weight_layout().bits, w_.swar_guard());
    const std::size_t word = static_cast<std::size_t>(n) / L.lanes(), NW = w_.words_per_row();
    const unsigned shift = static_cast<unsigned>(n) % L.lanes() * L.field();
    for (std::int64_t k = 0; k < K; ++k)
      s_.swar[static_cast<std::size_t>(k) * NW + word] |=
          static_cast<std::uint64_t>(row[k] - w_.weight_offset()) << shift;
  } else {
    fast::put_row(s_.fast, f_, n, row);
  }
}

void FormatWriter::finish() {
  if (f_ == WeightFormat::Source)
    s_.source = QTensor::from_words({w_.n(), w_.k()}, w_.weight_layout(), std::move(lanes_),
                                    w_.weight_quant());
  s_.built[static_cast<std::size_t>(f_)].store(true, std::memory_order_release);
}

void read_qtensor_row(const QTensor &t, std::int64_t n, std::int64_t *row) {
  const Layout &L = t.layout();
  const std::int64_t K = t.shape()[1];
  const std::uint64_t sign = L.is_signed() ? std::uint64_t{1} << (L.bits - 1) : 0;
  auto i = static_cast<std::size_t>(n * K);
  for (std::int64_t k = 0; k < K; ++k, ++i) {
    const std::uint64_t v =
        (t.words()[i / L.lanes()] >> (i % L.lanes() * L.field())) & L.lane_bits();
    // Two's complement of a b-bit lane: (v ^ sign) - sign sign-extends it (0 when unsigned).
    row[k] = static_cast<std::int64_t>(v ^ sign) - static_cast<std::int64_t>(sign);
  }
}

void read_row(const PackedWeights &w, const WeightStore &s, std::int64_t n, std::int64_t *row) {
  // The cheapest to decode first.
  if (s.has(WeightFormat::Source))
    return read_qtensor_row(s.source, n, row);
  for (WeightFormat f : {WeightFormat::PStreams, WeightFormat::Streams, WeightFormat::IPlanes,
                         WeightFormat::Planes, WeightFormat::Nibbles})
    if (s.has(f))
      return fast::get_row(s.fast, f, n, row);
  if (!s.has(WeightFormat::Swar))
    throw std::logic_error("samd: PackedWeights: no weight format to decode from");
  const Layout L = gemm_weight_layout(w.act_layout().bits, w.weight_layout().bits, w.swar_guard());
  const std::size_t word = static_cast<std::size_t>(n) / L.lanes();
  const unsigned shift = static_cast<unsigned>(n) % L.lanes() * L.field();
  for (std::int64_t k = 0; k < w.k(); ++k)
    row[k] = static_cast<std::int64_t>(
                 (s.swar[static_cast<std::size_t>(k) * w.words_per_row() + word] >> shift) &
                 L.lane_bits()) +
             w.weight_offset();
}

void ensure_format(const PackedWeights &w, WeightStore &s, WeightFormat f) {
  if (s.has(f))
    return;
  const std::lock_guard<std::mutex> lock(s.mu);
  if (s.has(f)) // built by another thread meanwhile
    return;
  FormatWriter out(w, s, f);
  std::vector<std::int64_t> row(static_cast<std::size_t>(w.k()));
  for (std::int64_t n = 0; n < w.n(); ++n) {
    read_row(w, s, n, row.data());
    out.put(n, row.data());
  }
  out.finish();
}

std::size_t format_bytes(const PackedWeights &w, const WeightStore &s, WeightFormat f) {
  if (f == WeightFormat::Source)
    return words_for(w.weight_layout(), static_cast<std::size_t>(w.n() * w.k())) *
           sizeof(std::uint64_t);
  if (f == WeightFormat::Swar)
    return w.words_per_row() * static_cast<std::size_t>(w.k()) * sizeof(std::uint64_t);
  return fast::format_bytes(s.fast, f);
}

std::size_t held_bytes(const WeightStore &s, WeightFormat f) {
  if (!s.has(f))
    return 0;
  switch (f) {
  case WeightFormat::Source:
    return s.source.words().capacity() * sizeof(std::uint64_t) +
           s.source.shape().capacity() * sizeof(std::int64_t) +
           s.source.quant().scale.capacity() * sizeof(float) +
           s.source.quant().zero_point.capacity() * sizeof(std::int32_t);
  case WeightFormat::Swar:
    return s.swar.capacity() * sizeof(std::uint64_t);
  case WeightFormat::Planes:
    return s.fast.planes.capacity() * sizeof(std::uint64_t);
  case WeightFormat::IPlanes:
    return s.fast.iplanes.capacity() * sizeof(std::uint64_t);
  case WeightFormat::Streams:
    return s.fast.streams.capacity();
  case WeightFormat::PStreams:
    return s.fast.pstreams.capacity();
  case WeightFormat::Nibbles:
    return s.fast.nibbles.capacity();
  }
  return 0;
}

} // namespace samd::kernels::detail
