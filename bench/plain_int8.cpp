#include "plain_int8.hpp"

#include <random>

namespace samd::bench {

PlainInt8Gemm::PlainInt8Gemm(std::int64_t M, std::int64_t N, std::int64_t K)
    : m_(M), n_(N), k_(K), a_(static_cast<std::size_t>(M * K)), b_(static_cast<std::size_t>(N * K)),
      c_(static_cast<std::size_t>(M * N)) {
  std::mt19937 rng(3);
  for (auto &x : a_)
    x = static_cast<std::uint8_t>(rng());
  for (auto &x : b_)
    x = static_cast<std::int8_t>(rng());
}

void PlainInt8Gemm::run() {
  for (std::int64_t m = 0; m < m_; ++m)
    for (std::int64_t n = 0; n < n_; ++n) {
      const std::uint8_t *a = a_.data() + m * k_;
      const std::int8_t *b = b_.data() + n * k_;
      std::int32_t s = 0;
      for (std::int64_t k = 0; k < k_; ++k)
        s += static_cast<std::int32_t>(a[k]) * b[k];
      c_[static_cast<std::size_t>(m * n_ + n)] = s;
    }
}

std::int64_t PlainInt8Gemm::checksum() const {
  std::int64_t s = 0;
  for (auto v : c_)
    s += v;
  return s;
}

} // namespace samd::bench
