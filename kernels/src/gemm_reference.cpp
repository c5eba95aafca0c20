// The oracle: naive loops on unpacked integers, int64 accumulation.
#include <stdexcept>

#include "gemm_internal.hpp"

namespace samd::kernels::detail {

std::vector<std::int32_t> gemm_rows_reference(const std::int64_t *a, std::int64_t M,
                                              std::int32_t za, const PackedWeights &w) {
  const std::int64_t N = w.n(), K = w.k();
  const std::vector<std::int64_t> q = w.weights().to_ints();
  const QuantParams &wq = w.weight_quant();
  std::vector<std::int32_t> c(static_cast<std::size_t>(M * N));
  for (std::int64_t m = 0; m < M; ++m)
    for (std::int64_t n = 0; n < N; ++n) {
      std::int64_t s = w.bias().empty() ? 0 : w.bias()[static_cast<std::size_t>(n)];
      const std::int64_t zw = wq.zero_point_of(static_cast<std::size_t>(n));
      for (std::int64_t k = 0; k < K; ++k)
        s += (a[m * K + k] - za) * (q[static_cast<std::size_t>(n * K + k)] - zw);
      if (s < INT32_MIN || s > INT32_MAX)
        throw std::logic_error("samd: gemm reference: int32 bound violated");
      c[static_cast<std::size_t>(m * N + n)] = static_cast<std::int32_t>(s);
    }
  return c;
}

} // namespace samd::kernels::detail
