// Decoding a convolution case from fuzzer bytes (shared by fuzz_kernels_conv and
// fuzz_kernels_pool): input, weights (ordinary, or two-level: 1-bit u plus the all-ones channel),
// parameters and a prepared requantization. Shapes reach the AVX-512 direct kernels (wide
// channels for tap-wise bit-serial and row-padded Dot8, 8 / 4 / 1 output channel blocks, batches
// of 2 images, more than 16 output pixels); N * O * H * W * K is capped so an execution stays
// cheap.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../../kernels/tests/plain_requant.hpp"
#include "kernel_inputs.hpp"

namespace samd::fuzz {

struct ConvCase {
  Layout al{8, 0, Signedness::Unsigned}, wl{8, 0, Signedness::Unsigned};
  kernels::Conv2dParams p;
  std::int64_t n = 1, c = 1, h = 1, w = 1, o = 1, kh = 1, kw = 1; // o: the layer's output channels
  kernels::QTensor x, weights; // weights as packed: two-level: {o + 1, c, kh, kw} 1-bit u
  kernels::PackedConvWeights packed;
  bool two_level = false;
  kernels::TwoLevel two;
  std::int64_t v0 = 0, v1 = 0, zw = 0; // two-level: the real weight values and their zero point
  std::vector<std::int64_t> u;         // two-level: the stored u (o x K), for the real-weight check
  std::vector<std::int32_t> bias;      // two-level: the layer's bias (in `two`)
  kernels::QuantParams wq;             // the layer's weight quantization (o channels or one)
  PlainTensor xp, wp;                  // x's and the packed weights' integers and zero points
  std::vector<std::int32_t> packed_bias; // the bias given to prepack
  std::string what;
};

// conv2d_max_pool's pool may use the other data format than the convolution (the pool then reads
// the convolution's output as that format, as max_pool2d of it would).
inline constexpr bool kPoolOtherFormat = true;
// conv2d_max_pool's pool may pad at the bottom / right only (max_pool2d allows it).
inline constexpr bool kPoolEndPadding = true;

// Max N * (O + 1) * H * W * K: most cases small (e.g. 12 channels, 3x3, 8 outputs, 1 x 1 pixels; 3
// channels, 2x2, 4 outputs, 4 x 4), one in eight large (e.g. 40 channels, 3x3, 8 outputs, 10 x 10
// pixels), so that CI's 10^5 executions stay within its time.
inline constexpr std::int64_t kConvWorkSmall = std::int64_t{1} << 10,
                              kConvWorkLarge = std::int64_t{1} << 14;

// Decodes a case (always a valid prepack: the shapes, bias and two-level parameters are
// consistent).
inline ConvCase conv_case(Bytes &in) {
  using namespace samd::kernels;
  ConvCase k;
  const std::uint8_t flags = in.u8();
  k.two_level = (flags & 3) == 0; // a quarter of the cases
  k.al = kernel_layout(in);
  k.wl = k.two_level ? Layout{1, 0, Signedness::Unsigned} : kernel_layout(in);
  k.p.groups = k.two_level ? 1 : in_range(in, 1, 3);
  const bool wide = flags & 4;
  // Some wide cases have whole 64-bit words of channels per group: the AVX-512 bit-serial im2col
  // then copies the image's bit planes (conv_planes.hpp), or the implicit GEMM reads them in
  // place (NHWC), whose whole register blocks need 24-32 output channels (a 1x1 kernel leaves
  // room for them within the work cap).
  const bool word_channels = wide && (flags & 0x20);
  const std::int64_t cg = word_channels ? 64 * in_range(in, 1, 2) : in_range(in, 1, wide ? 40 : 3);
  const std::int64_t og = in_range(in, 1, word_channels ? 40 : wide ? 20 : 3);
  k.c = k.p.groups * cg;
  k.o = k.p.groups * og;
  k.kh = in_range(in, 1, 3), k.kw = in_range(in, 1, 3);
  k.n = (flags & 8) ? 2 : 1;
  k.h = in_range(in, 1, 12), k.w = in_range(in, 1, 20);
  k.p.stride_h = in_range(in, 1, 3);
  k.p.stride_w = in_range(in, 1, 3);
  k.p.dilation_h = in_range(in, 1, 2);
  k.p.dilation_w = in_range(in, 1, 2);
  k.p.pad_top = in_range(in, 0, 2);
  k.p.pad_left = in_range(in, 0, 2);
  k.p.pad_bottom = in_range(in, 0, 2);
  k.p.pad_right = in_range(in, 0, 2);
  k.p.format = (flags & 16) ? DataFormat::NHWC : DataFormat::NCHW;
  // Cap the work: the image first, then the output channels.
  const std::int64_t kConvWork = (flags & 0xE0) == 0xE0 ? kConvWorkLarge : kConvWorkSmall;
  const auto work = [&k] { return k.n * (k.o + 1) * k.h * k.w * (k.c / k.p.groups) * k.kh * k.kw; };
  while (work() > kConvWork && (k.h > 2 || k.w > 2))
    (k.h >= k.w ? k.h : k.w) -= 1;
  while (work() > kConvWork && k.o > k.p.groups)
    k.o -= k.p.groups;
  const Shape xs =
      k.p.format == DataFormat::NCHW ? Shape{k.n, k.c, k.h, k.w} : Shape{k.n, k.h, k.w, k.c};
  k.x = kernel_tensor(in, xs, k.al, 0, -1, &k.xp);
  const std::int64_t K = (k.c / k.p.groups) * k.kh * k.kw;
  std::ostringstream what;
  what << "A=" << to_string(k.al) << " W=" << to_string(k.wl) << " x=" << to_string(xs)
       << " O=" << k.o << " k=" << k.kh << "x" << k.kw << " stride=" << k.p.stride_h << ","
       << k.p.stride_w << " dil=" << k.p.dilation_h << "," << k.p.dilation_w
       << " pads=" << k.p.pad_top << "," << k.p.pad_left << "," << k.p.pad_bottom << ","
       << k.p.pad_right << " groups=" << k.p.groups
       << " format=" << (k.p.format == DataFormat::NCHW ? "NCHW" : "NHWC");
  if (!k.two_level) {
    const bool per_channel = in.u8() & 1;
    k.weights = kernel_tensor(in, {k.o, k.c / k.p.groups, k.kh, k.kw}, k.wl,
                              per_channel ? static_cast<std::size_t>(k.o) : 0, 0, &k.wp);
    std::vector<std::int32_t> bias;
    if (in.u8() & 1)
      for (std::int64_t i = 0; i < k.o; ++i)
        bias.push_back(static_cast<std::int32_t>(in.u16()) - 32768);
    k.wq = k.weights.quant();
    k.packed_bias = bias;
    what << (per_channel ? " per-channel" : "") << (bias.empty() ? "" : " bias");
    k.packed = PackedConvWeights::prepack(k.weights, bias, k.al, k.p.groups);
  } else {
    // Real weights in {v0, v1} (v1 > v0), zero point zw, stored as u in {0, 1} with the all-ones
    // channel last (the importer's encoding).
    const std::uint8_t range = in.u8();
    k.v0 = static_cast<std::int64_t>(in.u8() % 9) - 4;
    k.v1 = k.v0 + 1 + (range & 3) +
           ((range & 4) ? static_cast<std::int64_t>(in.u8()) : 0); // wide gaps at times
    k.zw = static_cast<std::int64_t>(in.u8() % 7) - 3;
    PlainTensor up;
    (void)kernel_tensor(in, {k.o, k.c, k.kh, k.kw}, k.wl, 0, -1, &up);
    k.u = up.values;
    std::vector<std::int64_t> stored = k.u;
    stored.insert(stored.end(), static_cast<std::size_t>(K), 1);
    k.wp = {stored, {0}, {1.0f}};
    k.weights =
        QTensor::from_ints({k.o + 1, k.c, k.kh, k.kw}, k.wl, stored, QuantParams{{1.0f}, {0}, -1});
    k.packed = PackedConvWeights::prepack(k.weights, {}, k.al, 1);
    k.two.d = k.v1 - k.v0;
    const bool big_bias = range & 8;
    for (std::int64_t i = 0; i < k.o; ++i) {
      std::int64_t b = static_cast<std::int64_t>(in.u16() % 2001) - 1000;
      if (big_bias) { // any int32
        const std::uint32_t high = in.u16();
        b = static_cast<std::int32_t>(high << 16 | in.u16());
      }
      k.bias.push_back(static_cast<std::int32_t>(b));
      k.two.bias.push_back(b);
      k.two.v0_minus_zp.push_back(k.v0 - k.zw);
    }
    k.wq = QuantParams{{draw_scale(in, 0.01f, 64)}, {static_cast<std::int32_t>(k.zw)}, -1};
    what << " two-level v0=" << k.v0 << " v1=" << k.v1 << " zw=" << k.zw
         << (big_bias ? " big-bias" : "");
  }
  k.what = what.str();
  return k;
}

// A requantization for the case's o output channels, decoded from the bytes: narrow outputs (1 or 2
// bits, clamps: the AVX-512 threshold form) most of the time. std::nullopt when the spec is invalid
// (every path would refuse it alike: Requantizer validates before any kernel). `spec`, if given,
// receives the Requant drawn.
inline std::optional<kernels::Requantizer> conv_requantizer(Bytes &in, const ConvCase &k,
                                                            std::string &what,
                                                            kernels::Requant *spec = nullptr) {
  using namespace samd::kernels;
  Requant rq;
  const std::uint8_t b = in.u8();
  switch (b & 3) {
  case 0:
    rq.out_layout = Layout{1, 0, Signedness::Unsigned};
    break;
  case 1:
    rq.out_layout = Layout{2, 0, (b & 4) ? Signedness::Signed : Signedness::Unsigned};
    break;
  default:
    rq.out_layout = kernel_layout(in);
  }
  rq.out_scale = draw_scale(in, 0.002f);
  rq.out_zero_point =
      static_cast<std::int32_t>(in_range(in, rq.out_layout.min_value(), rq.out_layout.max_value()));
  if (b & 8)
    rq.clamp_min = in_range(in, rq.out_layout.min_value(), rq.out_layout.max_value());
  if (b & 16)
    rq.clamp_max = in_range(in, rq.out_layout.min_value(), rq.out_layout.max_value());
  std::ostringstream o;
  o << " requant out=" << to_string(rq.out_layout) << " scale=" << rq.out_scale
    << " zp=" << rq.out_zero_point;
  if (rq.clamp_min)
    o << " clamp_min=" << *rq.clamp_min;
  if (rq.clamp_max)
    o << " clamp_max=" << *rq.clamp_max;
  what = o.str();
  if (spec != nullptr)
    *spec = rq;
  try {
    return Requantizer(k.x.quant().scale[0], k.wq, static_cast<std::size_t>(k.o), rq);
  } catch (const std::invalid_argument &) {
    return std::nullopt;
  }
}

// A convolution of the case's input by the definition, from the integers it drew: `channels`
// output channels (channels / groups a group), weight(o, c, ky, kx) a weight minus its zero point
// (c within o's group), bias(o). The sums in the case's format, and their shape.
struct PlainConv {
  std::vector<std::int64_t> sums;
  kernels::Shape shape;
};
template <class Weight, class Bias>
SAMD_FUZZ_ORACLE PlainConv plain_conv(const ConvCase &k, std::int64_t channels,
                                      const Weight &weight, const Bias &bias) {
  const kernels::Conv2dParams &p = k.p;
  const bool nchw = p.format == kernels::DataFormat::NCHW;
  const std::int64_t O = channels, cg = k.c / p.groups, og = O / p.groups;
  const std::int64_t oh = (k.h + p.pad_top + p.pad_bottom - p.dilation_h * (k.kh - 1) - 1) /
                              p.stride_h +
                          1,
                     ow = (k.w + p.pad_left + p.pad_right - p.dilation_w * (k.kw - 1) - 1) /
                              p.stride_w +
                          1;
  PlainConv r{std::vector<std::int64_t>(static_cast<std::size_t>(k.n * O * oh * ow)),
              nchw ? kernels::Shape{k.n, O, oh, ow} : kernels::Shape{k.n, oh, ow, O}};
  for (std::int64_t b = 0; b < k.n; ++b)
    for (std::int64_t o = 0; o < O; ++o)
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t x = 0; x < ow; ++x) {
          std::int64_t s = bias(o);
          for (std::int64_t c = 0; c < cg; ++c)
            for (std::int64_t ky = 0; ky < k.kh; ++ky)
              for (std::int64_t kx = 0; kx < k.kw; ++kx) {
                const std::int64_t iy = y * p.stride_h - p.pad_top + ky * p.dilation_h,
                                   ix = x * p.stride_w - p.pad_left + kx * p.dilation_w,
                                   ic = o / og * cg + c;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w)
                  continue; // padding holds the zero point: it adds nothing
                const std::int64_t xi = nchw ? ((b * k.c + ic) * k.h + iy) * k.w + ix
                                             : ((b * k.h + iy) * k.w + ix) * k.c + ic;
                s += (k.xp.values[static_cast<std::size_t>(xi)] - k.xp.zero_point[0]) *
                     weight(o, c, ky, kx);
              }
          r.sums[static_cast<std::size_t>(nchw ? ((b * O + o) * oh + y) * ow + x
                                               : ((b * oh + y) * ow + x) * O + o)] = s;
        }
  return r;
}

// The weights as packed (two-level: the o + 1 channels of u, the all-ones one last) and the bias
// given to prepack, for plain_conv.
inline PlainConv plain_packed_conv(const ConvCase &k) {
  const std::int64_t O = k.two_level ? k.o + 1 : k.o, cg = k.c / k.p.groups;
  return plain_conv(
      k, O,
      [&](std::int64_t o, std::int64_t c, std::int64_t ky, std::int64_t kx) {
        const std::int64_t zw =
            k.wp.zero_point[k.wp.zero_point.size() > 1 ? static_cast<std::size_t>(o) : 0];
        return k.wp.values[static_cast<std::size_t>(((o * cg + c) * k.kh + ky) * k.kw + kx)] - zw;
      },
      [&](std::int64_t o) {
        return k.packed_bias.empty() ? std::int64_t{0}
                                     : std::int64_t{k.packed_bias[static_cast<std::size_t>(o)]};
      });
}

// conv2d_s32's sums by the definition, from the integers the case drew (x, and the weights as
// packed): the Reference path reads the same packed tensors as every path, so compare_paths alone
// would miss a bug they share. `sums`: the Reference path's result (two-level: the sums, then the
// combined values, which are not checked here).
// Returns the plain convolution, for plain_conv_requantized.
inline PlainConv check_plain_conv(const ConvCase &k, const std::vector<std::int32_t> &sums) {
  PlainConv conv = plain_packed_conv(k);
  expect_plain_sums("conv2d " + k.what, conv.sums, sums);
  return conv;
}

// requant.hpp's contract for the case's scales (its real weights' for two-level cases) and rq.
inline std::optional<kernels::test::PlainRequantizer>
plain_requantizer_of(const ConvCase &k, const kernels::Requant &rq) {
  return kernels::test::plain_requantizer(
      rq.out_layout.bits, rq.out_layout.sign == Signedness::Signed, rq.out_zero_point, rq.clamp_min,
      rq.clamp_max, k.xp.scale[0], k.two_level ? k.wq.scale : k.wp.scale, rq.out_scale);
}

// The layer's requantized outputs (conv2d with a Requantizer made from `rq`; two-level cases: of
// the sums with the real weights, v0 or v1 minus zw, and the layer's bias) by the contracts, from
// the integers and scales drawn: values with one zero point (rq's) and their shape. For a case the
// Reference path computed: a sum outside int32 (which conv2d refuses) fails with `what`. `packed`:
// plain_packed_conv(k) if the caller has it (it is not computed again).
SAMD_FUZZ_ORACLE inline std::pair<PlainTensor, kernels::Shape>
plain_conv_requantized(const ConvCase &k, const kernels::Requant &rq, const std::string &what,
                       const PlainConv *packed = nullptr) {
  using namespace samd::kernels::test;
  const PlainConv conv =
      !k.two_level
          ? (packed != nullptr ? *packed : plain_packed_conv(k))
          : plain_conv(
                k, k.o,
                [&](std::int64_t o, std::int64_t c, std::int64_t ky, std::int64_t kx) {
                  const std::size_t i =
                      static_cast<std::size_t>(((o * k.c + c) * k.kh + ky) * k.kw + kx);
                  return (k.u[i] ? k.v1 : k.v0) - k.zw;
                },
                [&](std::int64_t o) { return std::int64_t{k.bias[static_cast<std::size_t>(o)]}; });
  const auto r = plain_requantizer_of(k, rq);
  if (!r)
    fail(what + ": a Requantizer was made for a requantization its contract refuses");
  const bool nchw = k.p.format == kernels::DataFormat::NCHW;
  const std::int64_t inner = nchw ? conv.shape[2] * conv.shape[3] : 1;
  PlainTensor q{std::vector<std::int64_t>(conv.sums.size()), {rq.out_zero_point}, {rq.out_scale}};
  for (std::size_t i = 0; i < conv.sums.size(); ++i) {
    const std::int64_t s = conv.sums[i], o = (static_cast<std::int64_t>(i) / inner) % k.o;
    if (s < INT32_MIN || s > INT32_MAX)
      fail(what + ": the Reference path computed a layer whose sum " + std::to_string(s) +
           " does not fit int32");
    q.values[i] = (*r)(static_cast<std::size_t>(o), s);
  }
  return {q, conv.shape};
}

// A requantization Requantizer refused (conv_requantizer gave none): its contract must refuse it
// too (an empty clamp range, or a channel's multiplier out of range).
inline void expect_plain_refusal(const std::string &what, const ConvCase &k,
                                 const kernels::Requant &rq) {
  const bool refused = !plain_requantizer_of(k, rq);
  if (!refused)
    fail(what + ": Requantizer refuses a requantization its contract accepts");
}

// Two-level cases: the Reference path's combined sums (combine_two_level of its conv2d_s32, which
// fitted int32) must equal the convolution with the real weights (an oracle independent of
// combine_two_level and of the all-ones channel).
inline void check_two_level_oracle(const ConvCase &k, const kernels::Int32Tensor &combined) {
  using namespace samd::kernels;
  if (!k.two_level)
    return;
  const std::int64_t lo = std::min(k.v0, k.zw), hi = std::max(k.v1, k.zw);
  if (lo < -128 || hi > 127)
    return; // the real weights do not fit 8 bits
  unsigned bits = 1;
  while (-(std::int64_t{1} << (bits - 1)) > lo || (std::int64_t{1} << (bits - 1)) - 1 < hi)
    ++bits;
  const Layout rl{bits, 0, Signedness::Signed};
  std::vector<std::int64_t> real(k.u.size());
  for (std::size_t i = 0; i < real.size(); ++i)
    real[i] = k.u[i] ? k.v1 : k.v0;
  const QTensor wr = QTensor::from_ints({k.o, k.c, k.kh, k.kw}, rl, real,
                                        QuantParams{{0.1f}, {static_cast<std::int32_t>(k.zw)}, -1});
  Int32Tensor want;
  try {
    want = conv2d_s32(k.x, PackedConvWeights::prepack(wr, k.bias, k.al, 1), k.p,
                      KernelOptions{Path::Reference});
  } catch (
      const std::invalid_argument &) { // the real weights' K bound (check_k_bound) may be stricter
    return;
  }
  if (!(combined.shape == want.shape) || combined.data != want.data)
    fail("conv2d " + k.what +
         ": two-level combination (Reference) differs from the real-weight convolution\n  real:    "
         "  " +
         show(want.data) + "\n  two-level: " + show(combined.data));
}

} // namespace samd::fuzz
