#include <stdexcept>
#include <string>

#include "gemm_internal.hpp"

namespace samd::kernels::detail {

std::vector<std::int32_t> finish_rows(const std::vector<std::int64_t> &D,
                                      const std::vector<std::int64_t> &rowsum,
                                      const std::vector<std::int64_t> &colsum, std::int64_t c,
                                      std::int32_t za, const PackedWeights &w, const char *path) {
  const std::int64_t N = w.n(), K = w.k(), M = static_cast<std::int64_t>(rowsum.size());
  const std::int64_t da = w.act_layout().min_value() - za;
  const QuantParams &wq = w.weight_quant();
  std::vector<std::int32_t> out(static_cast<std::size_t>(M * N));
  for (std::int64_t n = 0; n < N; ++n) {
    const std::int64_t dz = c - wq.zero_point_of(static_cast<std::size_t>(n));
    const std::int64_t fixed = da * colsum[static_cast<std::size_t>(n)] + K * da * dz +
                               (w.bias().empty() ? 0 : w.bias()[static_cast<std::size_t>(n)]);
    for (std::int64_t m = 0; m < M; ++m) {
      const std::int64_t s =
          D[static_cast<std::size_t>(m * N + n)] + dz * rowsum[static_cast<std::size_t>(m)] + fixed;
      if (s < INT32_MIN || s > INT32_MAX)
        throw std::logic_error(std::string("samd: gemm (") + path + "): int32 bound violated");
      out[static_cast<std::size_t>(m * N + n)] = static_cast<std::int32_t>(s);
    }
  }
  return out;
}

std::vector<std::int32_t> gemm_rows(Path p, const std::int64_t *a, std::int64_t M, std::int32_t za,
                                    const PackedWeights &w, const KernelOptions &opt) {
  switch (p) {
  case Path::Reference:
    return gemm_rows_reference(a, M, za, w);
  case Path::Swar:
    return gemm_rows_swar(a, M, za, w, opt);
  default:
    return gemm_rows_fast(p, a, M, za, w, opt);
  }
}

} // namespace samd::kernels::detail
