// Decoding kernel test cases from fuzzer bytes: layouts, small shapes, tensors, and the
// comparison of every supported path with the Reference path.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <samd/kernels/kernels.hpp>

#include "bytes.hpp"
#include "fail.hpp"

// An oracle's functions: not instrumented for libFuzzer's coverage (the oracle's branches are no
// guide to new kernel behaviour, and its plain loops then run faster).
#if defined(__clang__)
#define SAMD_FUZZ_ORACLE __attribute__((no_sanitize("coverage")))
#else
#define SAMD_FUZZ_ORACLE
#endif

namespace samd::fuzz {

inline Layout kernel_layout(Bytes &in) {
  const std::uint8_t b = in.u8();
  return Layout{1u + (b & 7u), 0, (b & 8u) ? Signedness::Signed : Signedness::Unsigned};
}

inline std::int64_t in_range(Bytes &in, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(in.u16() % static_cast<std::uint64_t>(hi - lo + 1));
}

// The integers and zero points a tensor was built from, as the fuzzer drew them (before
// QTensor::from_ints packed them): compare_paths takes the Reference path as the truth, and it
// reads the same packed tensors, weights and quantization as every path; an oracle computed from
// these shares no code with the kernels.
struct PlainTensor {
  std::vector<std::int64_t> values;
  std::vector<std::int32_t> zero_point; // one, or one per channel
  std::vector<float> scale;             // as many
};

// A positive scale from one byte: from 128 on a power of two, 2^0 ... 2^-7, so that the drawn
// scales' products and ratios are exact binary fractions and requantization meets exact ties
// (rounding half away from zero); below 128, step * (1 + byte % steps). A missing byte reads 0:
// `step`, as before this helper.
inline float draw_scale(Bytes &in, float step, unsigned steps = 128) {
  const std::uint8_t b = in.u8();
  if (b & 0x80)
    return std::ldexp(1.0f, -static_cast<int>(b & 7));
  return step * static_cast<float>(1 + (b & 0x7f) % steps);
}

// A tensor whose values come from the input (the extremes of the range are the most likely);
// `plain`, if given, receives its integers, zero points and scales.
inline kernels::QTensor kernel_tensor(Bytes &in, kernels::Shape shape, const Layout &L,
                                      std::size_t channels = 0, int axis = -1,
                                      PlainTensor *plain = nullptr) {
  kernels::QuantParams q;
  q.axis = channels > 0 ? axis : -1;
  const std::size_t nq = channels > 0 ? channels : 1;
  q.scale.assign(nq, 0.0f);
  q.zero_point.assign(nq, 0);
  for (std::size_t c = 0; c < nq; ++c) {
    q.scale[c] = draw_scale(in, 0.01f);
    q.zero_point[c] = static_cast<std::int32_t>(in_range(in, L.min_value(), L.max_value()));
  }
  std::size_t n = 1;
  for (auto d : shape)
    n *= static_cast<std::size_t>(d);
  std::vector<std::int64_t> v(n);
  // Modes 0, 1: every value the minimum / maximum; 4: pseudo-random values from an 8-byte seed
  // (large tensors without as many input bytes); 5: the extremes in a pattern from a 2-byte seed;
  // else one input byte per value.
  const std::uint8_t mode = in.u8() % 8;
  const std::uint64_t range = static_cast<std::uint64_t>(L.max_value() - L.min_value() + 1);
  std::uint64_t state = mode == 4 ? in.u64() | 1 : (mode == 5 ? in.u16() : 0);
  for (std::size_t i = 0; i < n; ++i) {
    switch (mode) {
    case 0:
      v[i] = L.min_value();
      break;
    case 1:
      v[i] = L.max_value();
      break;
    case 4: // xorshift64*
      state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
      v[i] = L.min_value() +
             static_cast<std::int64_t>(((state * 0x2545F4914F6CDD1Dull) >> 32) % range);
      break;
    case 5:
      v[i] = ((state >> (i % 16)) & 1) ? L.max_value() : L.min_value();
      break;
    default:
      v[i] = L.min_value() + static_cast<std::int64_t>(in.u8() % range);
    }
  }
  if (plain != nullptr)
    *plain = {v, q.zero_point, q.scale};
  return kernels::QTensor::from_ints(std::move(shape), L, v, q);
}

// An oracle's exact sums against the Reference path's int32 results (the first want.size()).
inline void expect_plain_sums(const std::string &what, const std::vector<std::int64_t> &want,
                              const std::vector<std::int32_t> &got) {
  std::vector<std::int64_t> head(
      got.begin(), got.begin() + static_cast<std::ptrdiff_t>(std::min(got.size(), want.size())));
  if (head != want)
    fail(what + ": Reference path differs from the sums of the integers drawn\n  drawn:     " +
         show(want) + "\n  reference: " + show(head));
}

// Runs `run` on the Reference path and on every other supported path; they must agree exactly,
// including on whether they refuse the input (std::invalid_argument) or report a result outside
// int32 (std::overflow_error, e.g. combine_two_level). Any other exception (std::logic_error: a
// kernel's internal bound violated) escapes, and libFuzzer reports the abort. Returns the
// Reference path's result (none if it refused), for an oracle of its own to check.
template <class Result>
std::optional<Result> compare_paths(const std::string &what,
                                    const std::function<Result(kernels::Path)> &run,
                                    const std::function<std::string(const Result &)> &show_result) {
  // SAMD_FUZZ_VERBOSE=1: print each case before running it (to read a crashing reproducer's case).
  static const bool verbose = std::getenv("SAMD_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "samd fuzz: case: %s\n", what.c_str());
  std::string ref_error;
  Result ref{};
  try {
    ref = run(kernels::Path::Reference);
  } catch (const std::invalid_argument &e) {
    ref_error = std::string("invalid_argument: ") + e.what();
  } catch (const std::overflow_error &e) {
    ref_error = std::string("overflow_error: ") + e.what();
  }
  for (kernels::Path p : kernels::supported_paths()) {
    if (p == kernels::Path::Reference)
      continue;
    std::string err;
    Result got{};
    try {
      got = run(p);
    } catch (const std::invalid_argument &e) {
      err = std::string("invalid_argument: ") + e.what();
    } catch (const std::overflow_error &e) {
      err = std::string("overflow_error: ") + e.what();
    }
    if (err != ref_error)
      fail(what + ": path " + kernels::to_string(p) + " error \"" + err + "\" vs reference \"" +
           ref_error + "\"");
    if (ref_error.empty() && !(got == ref))
      fail(what + ": path " + kernels::to_string(p) + " differs from reference\n  reference: " +
           show_result(ref) + "\n  got:       " + show_result(got));
  }
  if (!ref_error.empty())
    return std::nullopt;
  return ref;
}

} // namespace samd::fuzz
