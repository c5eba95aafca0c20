// The weight formats a PackedWeights holds, each built at most once, on first use.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include <samd/kernels/gemm.hpp>

#include "fast/fast_gemm.hpp"

namespace samd::kernels::detail {

using fast::WeightFormat;

// A format is written under `mu` and then published by built[f] (release store). A reader that
// sees built[f] (acquire load) reads it without the lock: a built format never changes again, and
// building another one writes only that one's vector, so a gemm on one path runs while another
// path's format is being built.
struct WeightStore {
  fast::FastWeights fast;          // the SIMD formats and their parameters
  std::vector<std::uint64_t> swar; // WeightFormat::Swar
  QTensor source;                  // WeightFormat::Source
  std::array<std::atomic<bool>, fast::kWeightFormats> built{};
  std::mutex mu;

  bool has(WeightFormat f) const {
    return built[static_cast<std::size_t>(f)].load(std::memory_order_acquire);
  }
};

// Writes format f of w's weights row by row, then publishes it. pre: f not built, s.mu held (or s
// not shared yet, as in prepack); rows are put in order 0..N-1, each once, as K integers of
// w.weight_layout().
class FormatWriter {
public:
  FormatWriter(const PackedWeights &w, WeightStore &s, WeightFormat f);
  void put(std::int64_t n, const std::int64_t *row);
  // post: s.has(f)
  void finish();

private:
  const PackedWeights &w_;
  WeightStore &s_;
  WeightFormat f_;
  std::vector<std::uint64_t> lanes_; // Source: its words, written lane by lane
  std::size_t next_ = 0;             // Source: the next flat index
};

// Row n of t ({N, K}, any layout up to 16 bits): its K integers, decoded from the packed lanes.
void read_qtensor_row(const QTensor &t, std::int64_t n, std::int64_t *row);

// Row n of w's weights, decoded from a format s already holds. pre: some format built, s.mu held
// (the choice of format must not race with a build).
void read_row(const PackedWeights &w, const WeightStore &s, std::int64_t n, std::int64_t *row);

// post: s.has(f); builds f from a format already held when it is missing (under s.mu).
void ensure_format(const PackedWeights &w, WeightStore &s, WeightFormat f);

// Bytes of format f for w's shape and layouts (built or not).
std::size_t format_bytes(const PackedWeights &w, const WeightStore &s, WeightFormat f);
// Bytes format f holds now (0 if not built), allocation included.
std::size_t held_bytes(const WeightStore &s, WeightFormat f);

} // namespace samd::kernels::detail
