// The SIMD paths' GEMM: prepare activations for the method, raw sums in the ISA kernel, then the
// shared exact correction.
#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

#include <samd/kernels/exact_sums.hpp>

#include "fast/fast_gemm.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels::detail {

std::vector<std::int32_t> gemm_rows_fast(Path p, const std::int64_t *a, std::int64_t M,
                                         std::int32_t za, const PackedWeights &w,
                                         const KernelOptions &opt) {
  if (!fast::compiled(p))
    throw std::invalid_argument(std::string("samd: gemm: path ") + to_string(p) +
                                " is not compiled in");
  const fast::FastWeights &fw = w.fast();
  const fast::Method method = fast::gemm_method(p, w.act_layout().bits, fw);
  return gemm_rows_prepared(
      p, fast::build_acts(p, a, M, w.k(), fw.kpad, w.act_layout(), fw.wb, method), za, w, opt);
}

bool epilogue_columns(fast::Method method, const fast::FastWeights &fw, std::int32_t za,
                      const PackedWeights &w, std::vector<std::int64_t> &dz,
                      std::vector<std::int64_t> &fixed) {
  // Bit planes and Lut nibbles hold u = w - plane_offset (the column sums' offset); the bytes
  // hold v = w - byte_offset.
  const bool planes = method != fast::Method::Dot8;
  const std::int64_t c = planes ? fw.plane_offset : fw.byte_offset;
  const std::int64_t N = w.n(), K = w.k();
  const std::int64_t da = w.act_layout().min_value() - za;
  const QuantParams &wq = w.weight_quant();
  dz.resize(static_cast<std::size_t>(N));
  fixed.resize(static_cast<std::size_t>(N));
  bool fits = true;
  for (std::int64_t n = 0; n < N; ++n) {
    const std::size_t i = static_cast<std::size_t>(n);
    const std::int64_t colsum = w.column_sum(n) + K * (fw.plane_offset - c);
    dz[i] = c - wq.zero_point_of(i);
    fixed[i] =
        epilogue_fixed<std::int64_t>(K, da, dz[i], colsum, w.bias().empty() ? 0 : w.bias()[i]);
    fits = fits && dz[i] >= INT32_MIN && dz[i] <= INT32_MAX;
  }
  return fits;
}

void gemm_rows_prepared_into(Path p, const fast::FastActs &acts, std::int32_t za,
                             const PackedWeights &w, const KernelOptions &opt, std::int32_t *out) {
  if (!fast::compiled(p)) // before a format is built for it
    throw std::invalid_argument(std::string("samd: gemm: path ") + to_string(p) +
                                " is not compiled in");
  const fast::FastWeights &params = w.fast();
  // The method the activations were built for (build_acts; a conv's im2col builds choose_method's).
  const fast::Method method =
      acts.lut64 ? fast::Method::Lut64 : fast::choose_method(p, w.act_layout().bits, params.wb);
  const bool planes = method != fast::Method::Dot8; // raw sums of u = w - plane_offset
  // The format this call's kernel reads, built on first use (gemm_raw picks the same kernel).
  const fast::FastWeights &fw = w.fast(
      fast::format_of(fast::choose_kernel(p, method, acts.ab, params.wb, !acts.inter.empty())));
  thread_local std::vector<std::int64_t> dz, fixed;
  bool fits = epilogue_columns(method, fw, za, w, dz, fixed);
  const std::int64_t K = w.k();
  std::int64_t max_dz = 0, max_fixed = 0, max_rowsum = 0; // magnitudes
  for (std::size_t i = 0; i < dz.size(); ++i) {
    max_dz = std::max(max_dz, dz[i] < 0 ? -dz[i] : dz[i]);
    max_fixed = std::max(max_fixed, fixed[i] == INT64_MIN ? INT64_MAX
                                    : fixed[i] < 0        ? -fixed[i]
                                                          : fixed[i]);
  }
  for (std::int64_t r : acts.rowsum) {
    fits = fits && r <= INT32_MAX;
    max_rowsum = std::max(max_rowsum, r);
  }
  // Epilogue::int32_exact: int32_epilogue_bound <= 2^31 - 1 (proof int32_epilogue: every partial
  // sum fits int32). Each part is checked against INT32_MAX first, so nothing overflows int64
  // (max_dz * max_rowsum < 2^62, the sum < 2^63). A raw sum's products are ua * v with ua < 2^ab
  // and |v| <= 128 (Dot8: v = w - byte_offset in [-128, 127]; bit planes: v = u in [0, 2^wb)).
  const std::int64_t max_ua = (std::int64_t{1} << acts.ab) - 1;
  const std::int64_t max_v = planes ? (std::int64_t{1} << fw.wb) - 1 : 128;
  const bool int32_exact = fits && K <= INT32_MAX && K * max_ua * max_v <= INT32_MAX &&
                           max_fixed <= INT32_MAX &&
                           int32_epilogue_bound<std::int64_t>(K, max_ua, max_v, max_dz, max_rowsum,
                                                              max_fixed) <= INT32_MAX;
  std::atomic<int> bad{0};
  fast::Epilogue e;
  e.rowsum = acts.rowsum.data();
  e.dz = dz.data();
  e.fixed = fixed.data();
  e.out = out;
  e.n = w.n();
  e.ld = w.n();
  e.rowsum_fits_int32 = fits;
  e.int32_exact = int32_exact;
  e.bad = &bad;
  fast::gemm_raw(p, method, fw, acts, e, opt.threads);
  if (bad.load() != 0)
    throw std::logic_error(std::string("samd: gemm (") + to_string(p) + "): int32 bound violated");
}

std::vector<std::int32_t> gemm_rows_prepared(Path p, const fast::FastActs &acts, std::int32_t za,
                                             const PackedWeights &w, const KernelOptions &opt) {
  std::vector<std::int32_t> out(static_cast<std::size_t>(acts.m * w.n()));
  gemm_rows_prepared_into(p, acts, za, w, opt, out.data());
  return out;
}

} // namespace samd::kernels::detail
