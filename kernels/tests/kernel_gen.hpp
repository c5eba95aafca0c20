// Test data for the kernel equivalence tests: random quantized tensors at any layout, with a mode
// that pins every value at the layout's minimum or maximum (the extremes where overflow hides).
#pragma once

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <samd/kernels/kernels.hpp>

namespace samd::kernels::test {

enum class Fill { Random, AllMin, AllMax, Alternate };
inline const char *name(Fill f) {
  switch (f) {
  case Fill::Random:
    return "random";
  case Fill::AllMin:
    return "all-min";
  case Fill::AllMax:
    return "all-max";
  case Fill::Alternate:
    return "alternate";
  }
  return "?";
}
inline constexpr Fill kFills[] = {Fill::Random, Fill::AllMin, Fill::AllMax, Fill::Alternate};

// Every path but the oracle, as supported here (SIMD paths only where the CPU has them).
inline std::vector<Path> optimized_paths() {
  std::vector<Path> out;
  for (Path p : supported_paths())
    if (p != Path::Reference)
      out.push_back(p);
  return out;
}

inline Layout layout(unsigned bits, bool is_signed) {
  return Layout{bits, 0, is_signed ? Signedness::Signed : Signedness::Unsigned};
}

inline std::int64_t uniform(std::mt19937_64 &rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

inline std::vector<std::int64_t> values(std::mt19937_64 &rng, const Layout &L, std::size_t n,
                                        Fill f) {
  std::vector<std::int64_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (f) {
    case Fill::Random:
      v[i] = uniform(rng, L.min_value(), L.max_value());
      break;
    case Fill::AllMin:
      v[i] = L.min_value();
      break;
    case Fill::AllMax:
      v[i] = L.max_value();
      break;
    case Fill::Alternate:
      v[i] = (i % 2) ? L.min_value() : L.max_value();
      break;
    }
  }
  return v;
}

// A zero point: random, or at an end of the range for the extreme fills (so |q - z| is maximal).
inline std::int32_t zero_point(std::mt19937_64 &rng, const Layout &L, Fill f) {
  if (f == Fill::AllMin)
    return static_cast<std::int32_t>(L.max_value());
  if (f == Fill::AllMax)
    return static_cast<std::int32_t>(L.min_value());
  return static_cast<std::int32_t>(uniform(rng, L.min_value(), L.max_value()));
}

inline QTensor tensor(std::mt19937_64 &rng, Shape shape, const Layout &L, Fill f,
                      std::size_t per_channel_axis_size = 0, int axis = -1) {
  QuantParams q;
  if (per_channel_axis_size > 0) {
    q.axis = axis;
    q.scale.assign(per_channel_axis_size, 0.0f);
    q.zero_point.assign(per_channel_axis_size, 0);
    for (std::size_t c = 0; c < per_channel_axis_size; ++c) {
      q.scale[c] = 0.01f * static_cast<float>(1 + uniform(rng, 0, 50));
      q.zero_point[c] = zero_point(rng, L, f);
    }
  } else {
    q.scale = {0.02f * static_cast<float>(1 + uniform(rng, 0, 20))};
    q.zero_point = {zero_point(rng, L, f)};
  }
  std::size_t n = 1;
  for (auto d : shape)
    n *= static_cast<std::size_t>(d);
  return QTensor::from_ints(std::move(shape), L, values(rng, L, n, f), q);
}

inline std::string describe(const Layout &a, const Layout &w) {
  return "A=" + samd::to_string(a) + " W=" + samd::to_string(w);
}

} // namespace samd::kernels::test

namespace samd::kernels::test {
// The message of the exception f throws ("" if it does not throw).
template <class F> std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

// Runs body(t) on `threads` threads that start together (each waits until all have started, so
// their first calls collide), then joins them.
template <class Body> void run_together(int threads, const Body &body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }
      body(t);
    });
  for (std::thread &th : pool)
    th.join();
}

} // namespace samd::kernels::test
