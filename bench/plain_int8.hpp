// The plain C++ int8 baseline: what a user writes without a library (u8 x s8 -> s32 loops,
// compiled -O3 and left to the auto-vectorizer).
#pragma once

#include <cstdint>
#include <vector>

namespace samd::bench {

class PlainInt8Gemm {
public:
  PlainInt8Gemm(std::int64_t M, std::int64_t N, std::int64_t K);
  void run();
  std::int64_t checksum() const;

private:
  std::int64_t m_, n_, k_;
  std::vector<std::uint8_t> a_;
  std::vector<std::int8_t> b_; // {N, K}
  std::vector<std::int32_t> c_;
};

} // namespace samd::bench
