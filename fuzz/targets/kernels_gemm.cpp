// fuzz_kernels_gemm: GEMM at any width pair, shape (tails), guard, zero points and bias: every
// supported path gives the Reference path's int32 results and requantized outputs.
#include <cstdint>
#include <sstream>

#include "kernel_inputs.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const Layout al = fuzz::kernel_layout(in), wl = fuzz::kernel_layout(in);
  // Single-threaded: threads are covered by the unit tests; OpenMP under ASan slows the fuzzer 10x.
  const std::int64_t M = fuzz::in_range(in, 1, 4), N = fuzz::in_range(in, 1, 16), K = fuzz::in_range(in, 1, 300);
  const unsigned guard = static_cast<unsigned>(fuzz::in_range(in, 1, 8));
  const bool per_channel = in.u8() & 1;
  const QTensor a = fuzz::kernel_tensor(in, {M, K}, al);
  const QTensor w = fuzz::kernel_tensor(in, {N, K}, wl, per_channel ? static_cast<std::size_t>(N) : 0, 0);
  std::vector<std::int32_t> bias;
  if (in.u8() & 1)
    for (std::int64_t n = 0; n < N; ++n) bias.push_back(static_cast<std::int32_t>(in.u16()) - 32768);
  const PackedWeights pw = PackedWeights::prepack(w, bias, al, guard);
  std::ostringstream what;
  what << "gemm A=" << to_string(al) << " W=" << to_string(wl) << " M=" << M << " N=" << N << " K=" << K
       << " guard=" << guard;
  fuzz::compare_paths<std::vector<std::int32_t>>(
      what.str(), [&](Path p) { return gemm_s32(a, pw, KernelOptions{p, true, guard, 1}).data; },
      [](const std::vector<std::int32_t>& v) { return fuzz::show(v); });
  Requant rq;
  rq.out_layout = fuzz::kernel_layout(in);
  rq.out_scale = 0.01f * static_cast<float>(1 + in.u8());
  rq.out_zero_point = static_cast<std::int32_t>(fuzz::in_range(in, rq.out_layout.min_value(), rq.out_layout.max_value()));
  fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str() + " requantized", [&](Path p) { return gemm(a, pw, rq, KernelOptions{p}).to_ints(); },
      [](const std::vector<std::int64_t>& v) { return fuzz::show(v); });
  return 0;
}
