// The portable SAMD GEMM: weights offset to unsigned and packed across output channels with
// guard headroom; one 64-bit multiply per (k, word) forms the products of every lane at once
// (swar_schedule.hpp, proven in proofs/). Fields are flushed to int64 every gemm_capacity steps.
#include <samd/kernels/swar_schedule.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "gemm_internal.hpp"

namespace samd::kernels::detail {

void check_swar_split(std::int64_t K, unsigned ab, unsigned wb, unsigned guard,
                      const KernelOptions &opt, const char *kernel) {
  const std::uint64_t cap = gemm_capacity(ab, wb, guard);
  if (!opt.allow_split && static_cast<std::uint64_t>(K) > cap)
    throw std::invalid_argument(
        std::string("samd: ") + kernel + " (swar): K = " + std::to_string(K) +
        " exceeds the proven accumulation bound " + std::to_string(cap) + " for " +
        std::to_string(wb) + "-bit weights x " + std::to_string(ab) +
        "-bit activations with guard " + std::to_string(guard) + ", and splitting is disabled");
}

std::vector<std::int32_t> gemm_rows_swar(const std::int64_t *a, std::int64_t M, std::int32_t za,
                                         const PackedWeights &w, const KernelOptions &opt) {
  const std::int64_t N = w.n(), K = w.k();
  const Layout &act = w.act_layout();
  const unsigned ab = act.bits, wb = w.weight_layout().bits;
  const Layout L = gemm_weight_layout(ab, wb, w.swar_guard());
  const std::uint64_t cap = gemm_capacity(ab, wb, w.swar_guard());
  check_swar_split(K, ab, wb, w.swar_guard(), opt, "gemm");
  const std::size_t NW = w.words_per_row();
  const std::uint64_t *words = w.swar_words().data();
  const std::uint64_t field_mask = L.field() >= 64 ? ~0ull : (1ull << L.field()) - 1;
  const std::int64_t amin = act.min_value();
  std::vector<std::uint64_t> acc(NW), ua(static_cast<std::size_t>(K));
  std::vector<std::int64_t> sums(NW * L.lanes());
  auto flush = [&] {
    for (std::size_t j = 0; j < NW; ++j) {
      for (unsigned i = 0; i < L.lanes(); ++i)
        sums[j * L.lanes() + i] +=
            static_cast<std::int64_t>((acc[j] >> (i * L.field())) & field_mask);
      acc[j] = 0;
    }
  };
  std::vector<std::int64_t> D(static_cast<std::size_t>(M * N)),
      rowsums(static_cast<std::size_t>(M));
  for (std::int64_t m = 0; m < M; ++m) {
    std::int64_t rowsum = 0;
    for (std::int64_t k = 0; k < K; ++k) {
      ua[static_cast<std::size_t>(k)] = static_cast<std::uint64_t>(a[m * K + k] - amin);
      rowsum += a[m * K + k] - amin;
    }
    rowsums[static_cast<std::size_t>(m)] = rowsum;
    std::fill(sums.begin(), sums.end(), 0);
    std::fill(acc.begin(), acc.end(), 0);
    std::uint64_t steps = 0;
    for (std::int64_t k = 0; k < K; ++k) {
      if (steps == cap) {
        flush();
        steps = 0;
      }
      const std::uint64_t av = ua[static_cast<std::size_t>(k)];
      const std::uint64_t *row = words + static_cast<std::size_t>(k) * NW;
      for (std::size_t j = 0; j < NW; ++j)
        acc[j] = gemm_step(acc[j], row[j], av);
      ++steps;
    }
    flush();
    std::copy(sums.begin(), sums.begin() + N, D.begin() + m * N);
  }
  return finish_rows(D, rowsums, w.column_sums(), w.weight_offset(), za, w, "swar");
}

} // namespace samd::kernels::detail
