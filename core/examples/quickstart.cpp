// The README's C++ API example, compiled and run as a test (label `examples`).
#include <samd/samd.hpp>

#include <cstdio>
#include <vector>

int main() {
  using namespace samd;
  const Layout L =
      make_layout(/*bits=*/4, /*guard=*/1, Signedness::Signed); // 12 lanes of int4 per word
  const std::vector<std::int64_t> a = {-8, -3, 0, 7, 5}, b = {-1, 4, 2, 7, -6};
  const auto x = pack(L, a), y = pack(L, b);      // throws if a value does not fit in 4 bits
  const std::uint64_t s = add_sat(L, x[0], y[0]); // lane-wise saturating add
  const auto p = mul_widen(L, widening_layout(L), x[0], y[0]); // exact 8-bit products
  const auto sums = unpack(L, std::vector<std::uint64_t>{s}, a.size());
  std::printf("add_sat: %lld %lld %lld %lld %lld\n", (long long)sums[0], (long long)sums[1],
              (long long)sums[2], (long long)sums[3], (long long)sums[4]);
  std::printf("dot: %lld, first product: %lld\n", (long long)dot(L, x[0], y[0]),
              (long long)unpack(widening_layout(L), p, 1)[0]);
  const bool ok = sums == std::vector<std::int64_t>{-8, 1, 2, 7, -1} &&
                  dot(L, x[0], y[0]) == 8 - 12 + 0 + 49 - 30;
  return ok ? 0 : 1;
}
