// Decoding kernel test cases from fuzzer bytes: layouts, small shapes, tensors, and the
// comparison of every supported path with the Reference path.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <samd/kernels/kernels.hpp>

#include "bytes.hpp"
#include "fail.hpp"

namespace samd::fuzz {

inline Layout kernel_layout(Bytes& in) {
  const std::uint8_t b = in.u8();
  return Layout{1u + (b & 7u), 0, (b & 8u) ? Signedness::Signed : Signedness::Unsigned};
}

inline std::int64_t in_range(Bytes& in, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(in.u16() % static_cast<std::uint64_t>(hi - lo + 1));
}

// A tensor whose values come from the input (the extremes of the range are the most likely).
inline kernels::QTensor kernel_tensor(Bytes& in, kernels::Shape shape, const Layout& L, std::size_t channels = 0,
                                      int axis = -1) {
  kernels::QuantParams q;
  q.axis = channels > 0 ? axis : -1;
  const std::size_t nq = channels > 0 ? channels : 1;
  q.scale.assign(nq, 0.0f);
  q.zero_point.assign(nq, 0);
  for (std::size_t c = 0; c < nq; ++c) {
    q.scale[c] = 0.01f * static_cast<float>(1 + in.u8());
    q.zero_point[c] = static_cast<std::int32_t>(in_range(in, L.min_value(), L.max_value()));
  }
  std::size_t n = 1;
  for (auto d : shape) n *= static_cast<std::size_t>(d);
  std::vector<std::int64_t> v(n);
  const std::uint8_t mode = in.u8() % 4;
  for (std::size_t i = 0; i < n; ++i) {
    switch (mode) {
    case 0: v[i] = L.min_value(); break;
    case 1: v[i] = L.max_value(); break;
    default: v[i] = L.min_value() + static_cast<std::int64_t>(in.u8() % (L.max_value() - L.min_value() + 1));
    }
  }
  return kernels::QTensor::from_ints(std::move(shape), L, v, q);
}

// Runs `run` on the Reference path and on every other supported path; they must agree exactly,
// including on whether they refuse the input.
template <class Result>
void compare_paths(const std::string& what, const std::function<Result(kernels::Path)>& run,
                   const std::function<std::string(const Result&)>& show_result) {
  std::string ref_error;
  Result ref{};
  try {
    ref = run(kernels::Path::Reference);
  } catch (const std::invalid_argument& e) {
    ref_error = e.what();
  }
  for (kernels::Path p : kernels::supported_paths()) {
    if (p == kernels::Path::Reference) continue;
    std::string err;
    Result got{};
    try {
      got = run(p);
    } catch (const std::invalid_argument& e) {
      err = e.what();
    }
    if (err != ref_error)
      fail(what + ": path " + kernels::to_string(p) + " error \"" + err + "\" vs reference \"" + ref_error + "\"");
    if (ref_error.empty() && !(got == ref))
      fail(what + ": path " + kernels::to_string(p) + " differs from reference\n  reference: " + show_result(ref) +
           "\n  got:       " + show_result(got));
  }
}

} // namespace samd::fuzz
