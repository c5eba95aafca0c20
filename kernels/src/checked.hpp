// Overflow-checked int64 arithmetic for the kernels' argument checks (shapes, windows, padding):
// the exact result, or a std::invalid_argument naming the kernel, the parameters, their values
// and the limit, before any of it is used to size or index anything.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace samd::kernels::detail {

// The bound of element_count (tensor.hpp), also on the window arithmetic below.
inline constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

struct Limit {
  std::int64_t value;
  const char *name;
};
inline constexpr Limit kInt64Limit{INT64_MAX, "2^63 - 1"};
inline constexpr Limit kElementLimit{kMaxElements, "2^40"};

// a op b ('*' or '+') when it is at most limit.value; else std::invalid_argument "samd: <kernel>:
// <what> = a op b exceeds <limit>" (what: the expression, e.g. "dilation_h x (kernel_h - 1)").
inline std::int64_t checked_op(std::int64_t a, char op, std::int64_t b, const char *kernel,
                               const char *what, const Limit &limit) {
  std::int64_t r = 0;
  const bool wraps =
      op == '*' ? __builtin_mul_overflow(a, b, &r) : __builtin_add_overflow(a, b, &r);
  if (wraps || r > limit.value)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": " + what + " = " +
                                std::to_string(a) + (op == '*' ? " x " : " + ") +
                                std::to_string(b) + " exceeds " + limit.name);
  return r;
}
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char *kernel,
                                const char *what, const Limit &limit = kInt64Limit) {
  return checked_op(a, '*', b, kernel, what, limit);
}
inline std::int64_t checked_add(std::int64_t a, std::int64_t b, const char *kernel,
                                const char *what, const Limit &limit = kInt64Limit) {
  return checked_op(a, '+', b, kernel, what, limit);
}

} // namespace samd::kernels::detail
