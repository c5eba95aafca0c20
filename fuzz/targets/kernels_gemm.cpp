// fuzz_kernels_gemm: GEMM at any width pair, shape (tails), guard, zero points and bias: every
// supported path gives the Reference path's int32 results and requantized outputs, through
// gemm_s32 on a QTensor and on PreparedActivations (both overloads, the one writing into a
// reused Int32Tensor included). The weights are prepacked for a path the input picks (Auto or any
// supported one), and the others build their formats from it on first use. The Reference path's
// sums are checked against plain int64 sums of the integers drawn, and its requantized outputs
// against requant.hpp's contract on them (plain_requant.hpp).
//
// Shapes reach the SIMD kernels' register blocks (AVX-512 bit-serial 6 x 32 for W1A1, 2 x 32 for
// W2A2 / W1A2 / W2A1, Dot8 GEMM for M >= 8 in 2 groups of 16 rows x 8 columns, GEMV below 8 rows;
// AVX2 fused Dot8 for M >= 8; AVX-512 VBMI Lut64 for W2A2 in tiles of 1-5 rows x 1-4 panels of 64
// columns) and K past the 32 / 64 / 512 / 1024 (Dot8 chunk) / 1984 (AVX2 bit-serial u8 counts)
// boundaries and Lut64's 24-k chunks (its partial tail chunk) and 576; AVX2 table lookup from 32
// rows (expanded index bytes; W1A1 in paired rows) when the last byte's bit 6 is set. M * N * K is
// capped (kWork) so an execution stays cheap.
#include <algorithm>
#include <cstdint>
#include <sstream>

#include "../../kernels/src/fast/lut64.hpp"
#include "../../kernels/tests/plain_requant.hpp"
#include "kernel_inputs.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

namespace {
// Max M * N * K: most cases small (6 x 32 x 5, 8 x 16 x 8, 1 x 1 x 1024), one in eight up to
// kWorkLarge (8 x 32 x 64, 24 x 16 x 42, 16 x 1 x 1024), so that CI's 10^5 executions stay within
// its time.
constexpr std::int64_t kWorkSmall = std::int64_t{1} << 10, kWorkLarge = std::int64_t{1} << 14;

std::int64_t pick_k(Bytes &in) {
  static constexpr std::int64_t kEdges[] = {4, 32, 64, 128, 256, 512, 1024, 1984, 24, 576};
  switch (in.u8() % 4) {
  case 0:
    return fuzz::in_range(in, 1, 160);
  case 1: { // a boundary of some kernel's blocking, +-3
    const std::int64_t e = kEdges[in.u8() % 10];
    return std::max<std::int64_t>(1, e + static_cast<std::int64_t>(in.u8() % 7) - 3);
  }
  case 2:
    return fuzz::in_range(in, 1, 1100);
  default:
    return fuzz::in_range(in, 1, 2100);
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  // Lut64 (W2A2 on AVX-512 VBMI) takes only shapes far above kWork by itself: the last byte's top
  // bit forces it at every shape (read apart from the stream, so the seeds keep their meaning).
  namespace fast = samd::kernels::detail::fast;
  fast::force_lut64(size > 0 && (data[size - 1] & 0x80) ? fast::Lut64Use::Always
                                                        : fast::Lut64Use::Auto);
  Bytes in(data, size);
  const Layout al = fuzz::kernel_layout(in), wl = fuzz::kernel_layout(in);
  // Single-threaded: threads are covered by the unit tests; OpenMP under ASan slows the fuzzer 10x.
  std::int64_t M = fuzz::in_range(in, 1, 24), N = fuzz::in_range(in, 1, 40);
  // The last byte's bit 6 adds 32 rows: the AVX2 table lookup's expanded index bytes and, for W1A1,
  // its paired rows start at kLutExpandMinRows = 32 (apart from the stream, as bit 7; the seeds
  // blocks-13..15 set it, and so do the random seeds seed-00, seed-02 and seed-04).
  if (size > 0 && (data[size - 1] & 0x40))
    M += 32;
  const std::int64_t K = pick_k(in);
  const std::int64_t kWork = (in.u8() & 7) == 0 ? kWorkLarge : kWorkSmall;
  if (M * N * K > kWork) { // shrink N, then M (K keeps its boundary)
    N = std::max<std::int64_t>(1, kWork / (M * K));
    if (M * N * K > kWork)
      M = std::max<std::int64_t>(1, kWork / (N * K));
  }
  const unsigned guard = static_cast<unsigned>(fuzz::in_range(in, 1, 8));
  const bool per_channel = in.u8() & 1;
  fuzz::PlainTensor ap, wp;
  const QTensor a = fuzz::kernel_tensor(in, {M, K}, al, 0, -1, &ap);
  const QTensor w =
      fuzz::kernel_tensor(in, {N, K}, wl, per_channel ? static_cast<std::size_t>(N) : 0, 0, &wp);
  std::vector<std::int32_t> bias;
  if (in.u8() & 1)
    for (std::int64_t n = 0; n < N; ++n)
      bias.push_back(static_cast<std::int32_t>(in.u16()) - 32768);
  // The format built at prepack: Auto or any supported path's; the other paths' formats are then
  // decoded from it on first use, so every decoding between formats is fuzzed too.
  const std::vector<Path> paths = supported_paths();
  const std::uint8_t prep_byte = in.u8();
  const Path prepare = prep_byte % (paths.size() + 1) == paths.size()
                           ? Path::Auto
                           : paths[prep_byte % (paths.size() + 1)];
  const PackedWeights pw = PackedWeights::prepack(w, bias, al, guard, prepare);
  std::ostringstream what;
  what << "gemm A=" << to_string(al) << " W=" << to_string(wl) << " M=" << M << " N=" << N
       << " K=" << K << " guard=" << guard << " per_channel=" << per_channel
       << " bias=" << !bias.empty() << " prepared=" << to_string(prepare)
       << " lut64_any_shape=" << fast::lut64_any_shape();
  const auto show32 = [](const std::vector<std::int32_t> &v) { return fuzz::show(v); };
  const auto ref = fuzz::compare_paths<std::vector<std::int32_t>>(
      what.str(),
      [&](Path p) {
        return gemm_s32(a, pw, KernelOptions{p, true, guard, 1}).data;
      },
      show32);
  // The Reference path against C[m][n] = bias[n] + sum_k (A[m][k] - za) * (W[n][k] - zw[n]) on the
  // integers drawn (it reads the same packed tensors and weights as every path).
  std::vector<std::int64_t> want; // the sums, for the requantized outputs' oracle below too
  if (ref) {
    for (std::int64_t m = 0; m < M; ++m)
      for (std::int64_t n = 0; n < N; ++n) {
        std::int64_t s = bias.empty() ? 0 : bias[static_cast<std::size_t>(n)];
        const std::int64_t zw = wp.zero_point[per_channel ? static_cast<std::size_t>(n) : 0];
        for (std::int64_t k = 0; k < K; ++k)
          s += (ap.values[static_cast<std::size_t>(m * K + k)] - ap.zero_point[0]) *
               (wp.values[static_cast<std::size_t>(n * K + k)] - zw);
        want.push_back(s);
      }
    fuzz::expect_plain_sums(what.str(), want, *ref);
  }

  // Prepared activations: gemm_s32 into a reused destination whose storage is too small, exact or
  // too large and whose shape is stale, then once more into the same (now exact) destination.
  const std::uint8_t prep = in.u8();
  const std::size_t stale =
      static_cast<std::size_t>(M * N) + (prep & 2 ? 7 : 0) - (prep & 4 && M * N > 1 ? 1 : 0);
  fuzz::compare_paths<std::vector<std::int32_t>>(
      what.str() + " prepared",
      [&](Path p) {
        const PreparedActivations pa = prepare_activations(a, pw, p);
        const KernelOptions opt{(prep & 1) ? Path::Auto : p, true, guard, 1};
        Int32Tensor out{{3, 5}, std::vector<std::int32_t>(prep & 8 ? 0 : stale, 0x5a5a5a5a)};
        gemm_s32(pa, pw, out, opt);
        if (!(out.shape == Shape{M, N}) || out.data.size() != static_cast<std::size_t>(M * N))
          fuzz::fail(what.str() + ": prepared gemm_s32 into a reused tensor: shape " +
                     to_string(out.shape) + ", " + std::to_string(out.data.size()) +
                     " values (path " + to_string(p) + ")");
        const std::vector<std::int32_t> first = out.data;
        if (p == Path::Reference || p == Path::Swar)
          return first; // (no reused storage on these paths)
        gemm_s32(pa, pw, out, opt);
        if (out.data != first)
          fuzz::fail(what.str() +
                     ": prepared gemm_s32 differs on the second call into the same tensor (path " +
                     to_string(p) + ")\n  first:  " + fuzz::show(first) +
                     "\n  second: " + fuzz::show(out.data));
        if (prep & 16) {
          const Int32Tensor fresh = gemm_s32(pa, pw, opt);
          if (fresh.data != first || !(fresh.shape == out.shape))
            fuzz::fail(what.str() + ": the two prepared gemm_s32 overloads differ (path " +
                       to_string(p) + ")");
        }
        return first;
      },
      show32);

  if ((in.u8() & 3) != 0)
    return 0; // requantized: one case in four (requantize is shared by the paths)
  Requant rq;
  rq.out_layout = fuzz::kernel_layout(in);
  rq.out_scale = fuzz::draw_scale(in, 0.01f);
  rq.out_zero_point = static_cast<std::int32_t>(
      fuzz::in_range(in, rq.out_layout.min_value(), rq.out_layout.max_value()));
  const auto show64 = [](const std::vector<std::int64_t> &v) { return fuzz::show(v); };
  const auto rq_ref = fuzz::compare_paths<std::vector<std::int64_t>>(
      what.str() + " requantized",
      [&](Path p) { return gemm(a, pw, rq, KernelOptions{p}).to_ints(); }, show64);
  // The Reference path against requant.hpp's contract (plain_requant.hpp) applied to the plain
  // sums above, with the scales drawn: the paths share requantize, so only this sees a bug in it.
  if (!ref)
    return 0; // (the sums were refused: so is the requantization)
  using namespace samd::kernels::test;
  const auto plain_rq = plain_requantizer(
      rq.out_layout.bits, rq.out_layout.sign == Signedness::Signed, rq.out_zero_point, rq.clamp_min,
      rq.clamp_max, ap.scale[0], wp.scale, rq.out_scale);
  const bool refused = !plain_rq;
  if (refused != !rq_ref)
    fuzz::fail(what.str() + " requantized: the contract " + (refused ? "refuses" : "accepts") +
               " the requantization, the Reference path " + (rq_ref ? "accepts" : "refuses") +
               " it");
  if (refused)
    return 0;
  std::vector<std::int64_t> rq_want(want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    rq_want[i] = (*plain_rq)(i % static_cast<std::size_t>(N), want[i]);
  if (rq_want != *rq_ref)
    fuzz::fail(what.str() + " requantized: Reference path differs from the requantization of " +
               "the sums of the integers drawn\n  drawn:     " + fuzz::show(rq_want) +
               "\n  reference: " + show64(*rq_ref));
  return 0;
}
