// fuzz_kernels_conv: conv2d with any widths, format, stride, padding, dilation, groups and batch,
// up to wide channels (the AVX-512 direct kernels; NCHW with groups = 1 and few channels runs the
// one for few taps, conv_small.cpp, with its fused 2x2 pool): every supported path gives the
// Reference path's int32 results, requantized outputs (prepared Requantizer, narrow threshold
// outputs included) and fused requantize + max pool (conv2d_max_pool), or refuses the same input. A
// quarter of the cases use two-level (+-1-style) weights: conv2d and conv2d_max_pool with the
// TwoLevel combination, combine_two_level on each path's sums, and the Reference combination
// against the convolution with the real weights. The last byte may force the AVX-512 path's
// algorithm (forced_algo), so the fuzzer reaches those Auto keeps for large layers. The Reference
// path's sums and requantized outputs are checked against the plain convolution of the integers
// drawn and requant.hpp's contract on it (plain_requant.hpp); a refused Requantizer, against the
// contract's refusals.
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>

#include "../../kernels/tests/conv_algos.hpp"
#include "conv_case.hpp"

using namespace samd;
using namespace samd::kernels;
using samd::fuzz::Bytes;

namespace {
// Auto picks some algorithms only at shapes far above the work cap (the LUT64 conv from 256 output
// channels): the last byte's top bit forces one, by its low bits, for this execution (read apart
// from the stream, so the seeds keep their meaning; where a forced one does not apply, Auto
// decides).
kernels::detail::ConvAlgo forced_algo(const std::uint8_t *data, std::size_t size) {
  using A = kernels::detail::ConvAlgo;
  static constexpr A kForced[] = {A::Lut64, A::Planes, A::Direct, A::Im2col, A::Small, A::Taps};
  if (size == 0 || !(data[size - 1] & 0x80))
    return A::Auto;
  return kForced[(data[size - 1] & 0x7F) % std::size(kForced)];
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const kernels::detail::ConvAlgo algo = forced_algo(data, size);
  const kernels::test::ForceAlgo forced(algo);
  Bytes in(data, size);
  const fuzz::ConvCase k = fuzz::conv_case(in);
  const std::string what =
      "conv2d " + k.what +
      (algo == kernels::detail::ConvAlgo::Auto
           ? ""
           : std::string(" (AVX-512 algorithm forced: ") + kernels::test::algo_name(algo) + ")");
  const int axis = k.p.format == DataFormat::NCHW ? 1 : 3;
  const auto show32 = [](const std::vector<std::int32_t> &v) { return fuzz::show(v); };
  const auto show64 = [](const std::vector<std::int64_t> &v) { return fuzz::show(v); };
  // The sums, and for two-level weights the combined sums after them (combine_two_level on each
  // path's sums; "overflow" when a combined sum does not fit int32).
  const TwoLevel *two = k.two_level ? &k.two : nullptr;
  std::optional<Int32Tensor> ref_combined;
  const auto sums = fuzz::compare_paths<std::vector<std::int32_t>>(
      what + (two ? " (sums, then combine_two_level)" : ""),
      [&](Path path) {
        Int32Tensor acc = conv2d_s32(k.x, k.packed, k.p, KernelOptions{path});
        if (!two)
          return acc.data;
        std::vector<std::int32_t> v = acc.data;
        try {
          Int32Tensor c = combine_two_level(acc, k.two, axis);
          v.insert(v.end(), c.data.begin(), c.data.end());
          if (path == Path::Reference)
            ref_combined = std::move(c);
        } catch (const std::overflow_error &) {
          v.push_back(INT32_MIN), v.push_back(INT32_MAX), v.push_back(INT32_MIN); // "overflow"
        }
        return v;
      },
      show32);
  std::optional<fuzz::PlainConv> plain; // the plain sums, for the requantized outputs' oracle too
  if (sums)
    plain = fuzz::check_plain_conv(k, *sums);
  if (ref_combined)
    fuzz::check_two_level_oracle(k, *ref_combined);

  // Then either requantized (conv2d with a prepared Requantizer) or requantized and max-pooled
  // (conv2d_max_pool): one of the two per execution keeps the execution cheap.
  const bool pooled = in.u8() & 1;
  std::string rq_what;
  Requant rq;
  const auto r = fuzz::conv_requantizer(in, k, rq_what, &rq);
  if (!r) {
    fuzz::expect_plain_refusal(what + rq_what, k, rq);
    return 0;
  }
  if (!pooled) {
    const auto got = fuzz::compare_paths<std::vector<std::int64_t>>(
        what + rq_what,
        [&](Path path) {
          return conv2d(k.x, k.packed, k.p, *r, KernelOptions{path}, two).to_ints();
        },
        show64);
    // The Reference path against requant.hpp's contract (plain_requant.hpp) on the plain
    // convolution of the integers drawn: the paths share the Requantizer, so only this sees a bug
    // in it. (Only the cases Reference computed: a two-level sum may overflow int32.)
    if (got) {
      const auto [q, shape] =
          fuzz::plain_conv_requantized(k, rq, what + rq_what, plain ? &*plain : nullptr);
      if (q.values != *got)
        fuzz::fail(what + rq_what +
                   ": Reference path differs from the requantized convolution of the integers "
                   "drawn\n  drawn:     " +
                   fuzz::show(q.values) + "\n  reference: " + show64(*got));
    }
    return 0;
  }

  // Fused with a max pool: mostly the 2x2 / 2 window in the convolution's format (the AVX-512
  // path's fused kernels, bit planes for 1-bit outputs), else any window the pool target would
  // take.
  Pool2dParams pool;
  const std::uint8_t pb = in.u8();
  pool.format = k.p.format;
  if (pb & 1) {
    pool.kernel_h = fuzz::in_range(in, 1, 3);
    pool.kernel_w = fuzz::in_range(in, 1, 3);
    pool.stride_h = fuzz::in_range(in, 1, 3);
    pool.stride_w = fuzz::in_range(in, 1, 3);
    pool.dilation_h = fuzz::in_range(in, 1, 2);
    pool.dilation_w = fuzz::in_range(in, 1, 2);
    pool.pad_top = fuzz::in_range(in, 0, 2);
    pool.pad_left = fuzz::in_range(in, 0, 2);
    pool.pad_bottom = fuzz::in_range(in, 0, 2);
    pool.pad_right = fuzz::in_range(in, 0, 2);
    if (fuzz::kPoolOtherFormat && (pb & 2))
      pool.format = pool.format == DataFormat::NCHW ? DataFormat::NHWC : DataFormat::NCHW;
  } else {
    pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  }
  if (!fuzz::kPoolEndPadding && pool.pad_top == 0 && pool.pad_left == 0)
    pool.pad_bottom = pool.pad_right = 0;
  const std::string pool_what =
      " max_pool k=" + std::to_string(pool.kernel_h) + "x" + std::to_string(pool.kernel_w) +
      " stride=" + std::to_string(pool.stride_h) + "," + std::to_string(pool.stride_w) +
      " dil=" + std::to_string(pool.dilation_h) + "," + std::to_string(pool.dilation_w) +
      " pads=" + std::to_string(pool.pad_top) + "," + std::to_string(pool.pad_left) + "," +
      std::to_string(pool.pad_bottom) + "," + std::to_string(pool.pad_right) +
      (pool.format == k.p.format ? "" : " other-format");
  fuzz::compare_paths<std::vector<std::int64_t>>(
      what + rq_what + pool_what,
      [&](Path path) {
        const QTensor q = conv2d_max_pool(k.x, k.packed, k.p, *r, pool, KernelOptions{path}, two);
        std::vector<std::int64_t> v = q.shape(); // the shape too, then the integers
        v.push_back(-1);
        const std::vector<std::int64_t> ints = q.to_ints();
        v.insert(v.end(), ints.begin(), ints.end());
        return v;
      },
      show64);
  return 0;
}
