#include <samd/kernels/conv.hpp>
#include <samd/kernels/exact_sums.hpp>
#include <samd/kernels/pool.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "conv_direct_common.hpp"
#include "conv_geometry.hpp"
#include "conv_lut64.hpp"
#include "conv_planes.hpp"
#include "conv_quads.hpp"
#include "conv_small.hpp"
#include "conv_taps.hpp"
#include "conv_weight_store.hpp"
#include "cpu_features.hpp"
#include "fast/byte_sums.hpp"
#include "fast/fast_gemm.hpp"
#include "gemm_internal.hpp"
#include "gemm_weight_store.hpp"

#include "x86_intrinsics.hpp"

namespace samd::kernels {

namespace detail {

// The direct kernels (AVX-512 path): no im2col matrix, 16 output pixels per vector. For each image
// and group, every output pixel's window is gathered once into a row of K activation offsets
// ua = a - a_min (in the weights' (ky, kx, c) order; padding taps hold the zero point's offset),
// stored transposed so that 16 pixels sit in one vector:
//  - Dot8: 4 consecutive k per 32-bit lane, vpdpbusd with one output channel's 4 weight bytes
//    broadcast (v8 = w - off8, a signed byte);
//  - Bitserial: bit i of 32 consecutive k per 32-bit lane, and + vpopcntd with one channel's
//    plane-j word broadcast, shifted by i + j (u = w - off1, wb bits).
// Then C = D + (off - zw) * rowsum(ua) + (a_min - za) * colsum(v) + K (a_min - za)(off - zw) +
// bias, all in int32 arithmetic mod 2^32: every operation is a ring operation and the exact C fits
// int32 (check_k_bound), so the wrapped result is the exact one. Z3 proves both halves over
// exact_sums.hpp's templates, which the epilogue below computes its constants with (samd prove
// --op epilogue_ring,k_bound_int32); that the vector code adds and multiplies in that order is
// read, not proven.
// A call builds the one format its kernel reads (direct_group) from the bit planes the weights
// hold (ConvBits), in memory of its own: nothing of it stays in the PackedConvWeights.
struct DirectGroup {
  std::int64_t og = 0, K = 0, kq = 0, kd = 0;
  std::vector<std::uint32_t> w8; // [q][n]: 4 signed bytes of k = 4q..4q+3
  // Row-padded Dot8 (groups = 1, no x dilation): each kernel row's KW * C taps are one run of the
  // padded NHWC image, padded to rq dwords; q = ky * rq + j holds k = ky * KW * C + 4j + 0..3.
  std::int64_t rq = 0, kqr = 0;
  std::vector<std::uint32_t> w8r;           // [q][n]
  std::vector<std::uint32_t> ones8r, ones8; // [q]: byte 1 where k is real (the row sums)
  std::int64_t off8 = 0;
  std::vector<std::int64_t> colsum8;
  std::vector<std::uint32_t> w1; // [j][d][n]: bit j of u for k = 32d..32d+31
  // Tap-wise bit-serial (1-bit activations, C <= 32, groups = 1): [j][t][n] the channel bits of
  // plane j of u at tap t = ky * KW + kx.
  std::int64_t taps = 0;
  std::vector<std::uint32_t> w1t;
  // The same with two consecutive taps per dword (C <= 16): slot k holds taps 2k in bits 0..15 and
  // 2k + 1 in bits 16..31 (none past the last tap): [j][k][n].
  std::int64_t pair_slots = 0;
  std::vector<std::uint32_t> w1p;
  std::int64_t off1 = 0;
  std::vector<std::int64_t> colsum1;
};

void ConvBits::allocate(unsigned bits, std::int64_t out, std::int64_t k) {
  b = bits, O = out, K = k;
  words.assign((static_cast<std::size_t>(O * b * K) + 63) / 64 + 1, 0);
}

void ConvBits::row(std::int64_t o, std::int64_t *u) const {
  std::fill(u, u + K, 0);
  for (unsigned j = 0; j < b; ++j)
    for (std::int64_t k0 = 0; k0 < K; k0 += 32) {
      const unsigned n = static_cast<unsigned>(std::min<std::int64_t>(32, K - k0));
      std::uint32_t v = bits32(o, j, k0, n);
      for (std::int64_t k = k0; v != 0; ++k, v >>= 1)
        u[k] |= static_cast<std::int64_t>(v & 1u) << j;
    }
}

void ConvBits::put_row(std::int64_t o, const std::int64_t *u) {
  for (unsigned j = 0; j < b; ++j) {
    auto pos = static_cast<std::uint64_t>((o * b + j) * K);
    for (std::int64_t k = 0; k < K; ++k, ++pos)
      words[pos / 64] |= static_cast<std::uint64_t>((u[k] >> j) & 1) << (pos % 64);
  }
}

} // namespace detail

namespace {

// pre: w {O, C/groups, KH, KW}, 1-8 bits. post: its bit planes (u = w - w_min, each channel's
// integers reordered to (ky, kx, c)), read from w's own lanes (no integer copy of w).
detail::ConvBits to_bits(const QTensor &w) {
  const Layout &L = w.layout();
  const std::int64_t O = w.shape()[0], CG = w.shape()[1], KH = w.shape()[2], KW = w.shape()[3];
  const std::int64_t K = CG * KH * KW;
  detail::ConvBits bits;
  bits.allocate(L.bits, O, K);
  const std::uint64_t sign = L.is_signed() ? std::uint64_t{1} << (L.bits - 1) : 0;
  std::vector<std::int64_t> u(static_cast<std::size_t>(K));
  for (std::int64_t o = 0; o < O; ++o) {
    for (std::int64_t c = 0; c < CG; ++c)
      for (std::int64_t t = 0; t < KH * KW; ++t) {
        const auto i = static_cast<std::size_t>(o * K + c * KH * KW + t);
        const std::uint64_t v = (w.words()[i / L.lanes()] >> (i % L.lanes() * L.field())) &
                                L.lane_bits(); // two's complement of a b-bit lane
        u[static_cast<std::size_t>(t * CG + c)] =
            static_cast<std::int64_t>(v ^ sign) - static_cast<std::int64_t>(sign) - L.min_value();
      }
    bits.put_row(o, u.data());
  }
  return bits;
}

// pre: bits of weights of layout L, grp < groups, og channels a group, gq the group's
// parameters. post: group grp's weights {og, K} in (ky, kx, c) order as a QTensor of layout L.
QTensor group_tensor(const detail::ConvBits &bits, const Layout &L, std::int64_t grp,
                     std::int64_t og, const QuantParams &gq) {
  const std::int64_t K = bits.K;
  std::vector<std::uint64_t> words((static_cast<std::size_t>(og * K) + L.lanes() - 1) / L.lanes(),
                                   0);
  std::vector<std::int64_t> u(static_cast<std::size_t>(K));
  std::size_t i = 0;
  for (std::int64_t n = 0; n < og; ++n) {
    bits.row(grp * og + n, u.data());
    for (std::int64_t k = 0; k < K; ++k, ++i)
      words[i / L.lanes()] |=
          (static_cast<std::uint64_t>(u[static_cast<std::size_t>(k)] + L.min_value()) &
           L.lane_bits())
          << (i % L.lanes() * L.field());
  }
  return QTensor::from_words({og, K}, L, std::move(words), gq);
}

// post: group grp's quantization parameters (per tensor as q, or its og channels along axis 0),
// as prepack gave each group's PackedWeights before they were built on first use.
QuantParams group_quant(const QuantParams &q, std::int64_t grp, std::int64_t og) {
  QuantParams gq;
  gq.axis = q.channels() > 1 ? 0 : -1;
  gq.scale.clear();
  gq.zero_point.clear();
  for (std::int64_t o = grp * og; o < (grp + 1) * og; ++o) {
    if (q.channels() == 1 && o > grp * og)
      break;
    const auto c = static_cast<std::size_t>(q.channels() == 1 ? 0 : o);
    gq.scale.push_back(q.scale[c]);
    gq.zero_point.push_back(q.zero_point[c]);
  }
  if (og == 0) { // no output channels: keep the per-tensor parameters
    gq.scale = {q.scale[0]};
    gq.zero_point = {q.zero_point[0]};
    gq.axis = -1;
  }
  return gq;
}

} // namespace

namespace detail {

std::shared_ptr<const ConvBits> held_bits(const PackedConvWeights &w, ConvStore &s) {
  if (s.bits)
    return s.bits;
  // Dropped when an im2col or LUT64 call built its weights: decoded again from them (the GEMM
  // weights' QTensor, built on first use by PackedWeights, stays there too).
  const std::int64_t G = w.groups(), og = w.out_channels() / G;
  const std::int64_t K = w.in_channels_per_group() * w.kernel_h() * w.kernel_w();
  const Layout &wl = w.weight_layout();
  auto bits = std::make_shared<ConvBits>();
  bits->allocate(wl.bits, w.out_channels(), K);
  if (s.has_groups.load(std::memory_order_acquire)) {
    std::vector<std::int64_t> row(static_cast<std::size_t>(K));
    for (std::int64_t grp = 0; grp < G; ++grp) {
      const QTensor &t = s.groups[static_cast<std::size_t>(grp)].weights();
      for (std::int64_t n = 0; n < og; ++n) {
        read_qtensor_row(t, n, row.data());
        for (std::int64_t &v : row)
          v -= wl.min_value();
        bits->put_row(grp * og + n, row.data());
      }
    }
  } else {
    if (!s.has_lut64.load(std::memory_order_acquire))
      throw std::logic_error("samd: conv2d: the weights are in no format");
    for (std::int64_t grp = 0; grp < G; ++grp)
      lut64_group_bits(s.lut64[static_cast<std::size_t>(grp)], grp, w.kernel_h(),
                       w.in_channels_per_group(), *bits);
  }
  s.bits = bits;
  return s.bits;
}

std::shared_ptr<const ConvBits> conv_bits(const PackedConvWeights &w) {
  if (!w.store_) {
    auto none = std::make_shared<ConvBits>();
    none->allocate(w.wl_.bits, 0, 0);
    return none;
  }
  ConvStore &s = *w.store_;
  const std::lock_guard<std::mutex> lock(s.mu);
  return held_bits(w, s);
}

namespace {
// A format built once from the bit planes (the GEMM groups, the LUT64 groups): double-checked
// under s.mu, published by flag (release store), and then the one b-bit copy (the bit planes are
// dropped; held_bits decodes them again from it when a call needs them).
// post: held = make(bit planes), built by the first call; later calls return it without the lock.
template <class T, class Make>
const std::vector<T> &build_once(const PackedConvWeights &w, ConvStore &s, std::vector<T> &held,
                                 std::atomic<bool> &flag, const Make &make) {
  if (flag.load(std::memory_order_acquire))
    return held;
  const std::lock_guard<std::mutex> lock(s.mu);
  if (flag.load(std::memory_order_acquire)) // built by another thread meanwhile
    return held;
  const std::shared_ptr<const ConvBits> bits = held_bits(w, s); // held: only this build drops it
  held = make(*bits);
  flag.store(true, std::memory_order_release);
  s.bits.reset();
  return held;
}
} // namespace

const std::vector<PackedWeights> &conv_groups(const PackedConvWeights &w, Path p) {
  static const std::vector<PackedWeights> kNone;
  if (!w.store_)
    return kNone;
  ConvStore &s = *w.store_;
  return build_once(w, s, s.groups, s.has_groups, [&](const ConvBits &bits) {
    const std::int64_t og = w.o_ / w.groups_;
    std::vector<PackedWeights> groups;
    for (std::int64_t grp = 0; grp < w.groups_; ++grp) {
      const QuantParams gq = group_quant(w.wq_, grp, og);
      std::vector<std::int32_t> gb;
      if (!w.bias_.empty())
        gb.assign(w.bias_.begin() + grp * og, w.bias_.begin() + (grp + 1) * og);
      groups.push_back(prepack_conv_group(group_tensor(bits, w.wl_, grp, og, gq), std::move(gb),
                                          w.act_, w.guard_, resolve_path(p)));
    }
    return groups;
  });
}

const std::vector<ConvLut64Group> &conv_lut64_groups(const PackedConvWeights &w) {
  static const std::vector<ConvLut64Group> kNone;
  if (!w.store_)
    return kNone;
  ConvStore &s = *w.store_;
  return build_once(w, s, s.lut64, s.has_lut64, [&](const ConvBits &bits) {
    std::vector<ConvLut64Group> groups;
    for (std::int64_t grp = 0; grp < w.groups_; ++grp)
      groups.push_back(lut64_group_weights(bits, w.wl_, grp, w.o_ / w.groups_, w.kh_, w.cg_));
    return groups;
  });
}

} // namespace detail

PackedConvWeights PackedConvWeights::prepack(const QTensor &w, std::vector<std::int32_t> bias,
                                             const Layout &act, std::int64_t groups,
                                             unsigned swar_guard) {
  if (w.shape().size() != 4)
    throw std::invalid_argument(
        "samd: conv2d prepack: weights must be {O, C/groups, KH, KW}; got shape " +
        to_string(w.shape()));
  if (groups < 1 || w.shape()[0] % groups != 0)
    throw std::invalid_argument("samd: conv2d prepack: groups = " + std::to_string(groups) +
                                " must be >= 1 and divide the " + std::to_string(w.shape()[0]) +
                                " output channels");
  if (w.quant().axis > 0 && w.quant().channels() > 1)
    throw std::invalid_argument(
        "samd: conv2d prepack: weights may be quantized per tensor or per output channel "
        "(axis 0), not along axis " +
        std::to_string(w.quant().axis));
  if (!bias.empty() && static_cast<std::int64_t>(bias.size()) != w.shape()[0])
    throw std::invalid_argument("samd: conv2d prepack: " + std::to_string(bias.size()) +
                                " bias values for " + std::to_string(w.shape()[0]) +
                                " output channels");
  // What PackedWeights::prepack checks, now, though the GEMM weights are built on first use.
  detail::check_kernel_layout(w.layout(), "prepack", "weights");
  detail::check_kernel_layout(act, "prepack", "activation layout");
  if (swar_guard < 1 || swar_guard > 32)
    throw std::invalid_argument("samd: prepack: swar_guard = " + std::to_string(swar_guard) +
                                " outside 1..32");
  PackedConvWeights p;
  p.bias_ = std::move(bias);
  p.act_ = act;
  p.wl_ = w.layout();
  p.wq_ = w.quant();
  p.guard_ = swar_guard;
  p.o_ = w.shape()[0];
  p.cg_ = w.shape()[1];
  p.kh_ = w.shape()[2];
  p.kw_ = w.shape()[3];
  p.groups_ = groups;
  p.store_ = std::make_shared<detail::ConvStore>();
  p.store_->bits = std::make_shared<const detail::ConvBits>(to_bits(w));
  return p;
}

QTensor PackedConvWeights::weights() const {
  const std::shared_ptr<const detail::ConvBits> bits = detail::conv_bits(*this);
  const Layout &L = wl_;
  const std::int64_t K = cg_ * kh_ * kw_;
  std::vector<std::uint64_t> words((static_cast<std::size_t>(o_ * K) + L.lanes() - 1) / L.lanes(),
                                   0);
  std::vector<std::int64_t> u(static_cast<std::size_t>(K));
  for (std::int64_t o = 0; o < o_; ++o) {
    bits->row(o, u.data());
    for (std::int64_t c = 0; c < cg_; ++c)
      for (std::int64_t t = 0; t < kh_ * kw_; ++t) {
        const auto i = static_cast<std::size_t>(o * K + c * kh_ * kw_ + t);
        words[i / L.lanes()] |=
            (static_cast<std::uint64_t>(u[static_cast<std::size_t>(t * cg_ + c)] + L.min_value()) &
             L.lane_bits())
            << (i % L.lanes() * L.field());
      }
  }
  return QTensor::from_words({o_, cg_, kh_, kw_}, L, std::move(words), wq_);
}

std::size_t PackedConvWeights::resident_bytes() const {
  std::size_t bytes = sizeof(PackedConvWeights) + bias_.capacity() * sizeof(std::int32_t) +
                      wq_.scale.capacity() * sizeof(float) +
                      wq_.zero_point.capacity() * sizeof(std::int32_t);
  if (!store_)
    return bytes;
  detail::ConvStore &s = *store_;
  const std::lock_guard<std::mutex> lock(s.mu);
  bytes += sizeof(detail::ConvStore);
  if (s.bits)
    bytes += sizeof(detail::ConvBits) + s.bits->bytes();
  if (s.has_groups.load(std::memory_order_acquire)) {
    bytes += (s.groups.capacity() - s.groups.size()) * sizeof(PackedWeights);
    for (const PackedWeights &pw : s.groups)
      bytes += pw.resident_bytes(); // includes sizeof(PackedWeights)
  }
  if (s.has_lut64.load(std::memory_order_acquire)) {
    bytes += (s.lut64.capacity() - s.lut64.size()) * sizeof(detail::ConvLut64Group);
    for (const detail::ConvLut64Group &l : s.lut64)
      bytes += sizeof(detail::ConvLut64Group) + l.w.nibbles.capacity() +
               l.w.parts.capacity() * sizeof(unsigned) + l.colsum.bytes();
  }
  return bytes;
}

namespace {

std::vector<std::int32_t> conv_reference(const std::vector<std::int64_t> &x,
                                         const detail::Geometry &g, std::int32_t za,
                                         const PackedConvWeights &w, const Conv2dParams &p) {
  const QuantParams &wq = w.weight_quant();
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(), KH = w.kernel_h(),
                     KW = w.kernel_w();
  const std::int64_t og = O / w.groups(), K = CG * KH * KW;
  // The weights' integers in (o, ky, kx, c) order, decoded for this call.
  const std::shared_ptr<const detail::ConvBits> bits = detail::conv_bits(w);
  std::vector<std::int64_t> q(static_cast<std::size_t>(O * K));
  for (std::int64_t o = 0; o < O; ++o) {
    std::int64_t *row = q.data() + o * K;
    bits->row(o, row);
    for (std::int64_t k = 0; k < K; ++k)
      row[k] += w.weight_layout().min_value();
  }
  std::vector<std::int32_t> out(static_cast<std::size_t>(g.n * O * g.oh * g.ow));
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t o = 0; o < O; ++o) {
      const std::int64_t grp = o / og, zw = wq.zero_point_of(static_cast<std::size_t>(o));
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          std::int64_t s = w.bias().empty() ? 0 : w.bias()[static_cast<std::size_t>(o)];
          for (std::int64_t c = 0; c < CG; ++c)
            for (std::int64_t ky = 0; ky < KH; ++ky)
              for (std::int64_t kx = 0; kx < KW; ++kx) {
                const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                const std::int64_t xx = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                if (y < 0 || y >= g.h || xx < 0 || xx >= g.w)
                  continue; // padding: a - za = 0
                const std::int64_t a = x[g.in_index(b, grp * CG + c, y, xx)];
                s += (a - za) * (q[static_cast<std::size_t>(o * K + (ky * KW + kx) * CG + c)] - zw);
              }
          if (s < INT32_MIN || s > INT32_MAX)
            throw std::logic_error("samd: conv2d reference: int32 bound violated");
          out[g.out_index(b, o, oy, ox, O)] = static_cast<std::int32_t>(s);
        }
    }
  return out;
}

// im2col per image and group, then the GEMM of the chosen path.
std::vector<std::int32_t> conv_im2col(Path path, const std::vector<std::int64_t> &x,
                                      const detail::Geometry &g, std::int32_t za,
                                      const PackedConvWeights &w, const Conv2dParams &p,
                                      const KernelOptions &opt) {
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(), KH = w.kernel_h(),
                     KW = w.kernel_w();
  const std::int64_t og = O / w.groups(), K = CG * KH * KW, P = g.oh * g.ow;
  std::vector<std::int32_t> out(static_cast<std::size_t>(g.n * O * P));
  std::vector<std::int64_t> cols(static_cast<std::size_t>(P * K));
  const std::vector<PackedWeights> &groups = detail::conv_groups(w, path);
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t grp = 0; grp < w.groups(); ++grp) {
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        for (std::int64_t ox = 0; ox < g.ow; ++ox) {
          std::int64_t *row = cols.data() + (oy * g.ow + ox) * K;
          for (std::int64_t c = 0; c < CG; ++c)
            for (std::int64_t ky = 0; ky < KH; ++ky)
              for (std::int64_t kx = 0; kx < KW; ++kx) {
                const std::int64_t y = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                const std::int64_t xx = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                const bool inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
                row[(ky * KW + kx) * CG + c] = inside ? x[g.in_index(b, grp * CG + c, y, xx)] : za;
              }
        }
      const std::vector<std::int32_t> r =
          detail::gemm_rows(path, cols.data(), P, za, groups[static_cast<std::size_t>(grp)], opt);
      for (std::int64_t pix = 0; pix < P; ++pix)
        for (std::int64_t o = 0; o < og; ++o)
          out[g.out_index(b, grp * og + o, pix / g.ow, pix % g.ow, O)] =
              r[static_cast<std::size_t>(pix * og + o)];
    }
  return out;
}

} // namespace

namespace detail {
void pad_image(const std::uint8_t *xo, const Geometry &g, const Conv2dParams &p, std::uint8_t pad,
               PaddedImage &img) {
  img.hp = g.h + p.pad_top + p.pad_bottom, img.wp = g.w + p.pad_left + p.pad_right, img.c = g.c;
  img.bytes.assign(static_cast<std::size_t>(img.hp * img.wp * g.c) + 64,
                   pad); // + slack for dword over-reads
  for (std::int64_t y = 0; y < g.h; ++y) {
    std::uint8_t *row = img.bytes.data() + ((y + p.pad_top) * img.wp + p.pad_left) * g.c;
    if (g.format == DataFormat::NHWC) {
      if (g.w * g.c != 0)
        std::memcpy(row, xo + y * g.w * g.c, static_cast<std::size_t>(g.w * g.c));
    } else {
      for (std::int64_t c = 0; c < g.c; ++c) {
        const std::uint8_t *src = xo + (c * g.h + y) * g.w;
        for (std::int64_t x = 0; x < g.w; ++x)
          row[x * g.c + c] = src[x];
      }
    }
  }
}
} // namespace detail

namespace {
using detail::pad_image;
using detail::PaddedImage;

// The SIMD paths' im2col + GEMM: the windows go straight from the padded image into the GEMM's
// own activation format (fast::FastActs: rows of kpad offset bytes with their row sums, then the
// method's interleaved bytes or bit planes, as fast::build_acts makes them), in buffers kept from
// call to call, and the GEMM writes its results in place (NHWC, groups = 1: the rows of several
// images are one GEMM whose M x O result is the output itself). Many rows go in chunks of about
// 512 KiB of bytes, so that the staging stays in cache.
struct Im2colScratch {
  PaddedImage padded;
  detail::PlaneImage plane_image; // the padded image's bit planes (conv_planes.hpp)
  detail::QuadImage quad_image;   // the padded images' channel quads (conv_quads.hpp)
  detail::fast::FastActs acts;
  // The Dot8 GEMM's groups read in place from quad_image (acts.quads = &quads while they are).
  detail::fast::QuadSource quads;
  std::vector<std::int64_t> quad_org, quad_off;
  std::vector<std::uint32_t> pixel_sums;
  std::vector<std::int32_t> res;
  // The bytes past k = K of every row, and the interleaved bytes the interleave does not write, are
  // zero while K and kpad stay the same (im2col and the interleave write only below K).
  std::int64_t k = -1, kpad = -1;
  unsigned ab = 0;
};

// Row m of acts.bytes: the window of output pixel pix of one padded image for group grp.
inline void im2col_row(const PaddedImage &img, const detail::Geometry &g, const Conv2dParams &p,
                       const PackedConvWeights &w, std::int64_t grp, std::int64_t pix,
                       std::int64_t m, detail::fast::FastActs &acts) {
  const std::int64_t CG = w.in_channels_per_group(), KH = w.kernel_h(), KW = w.kernel_w();
  const std::int64_t C = img.c, oy = pix / g.ow, ox = pix % g.ow;
  std::uint8_t *row = acts.bytes.data() + m * acts.kpad;
  for (std::int64_t ky = 0; ky < KH; ++ky) {
    const std::uint8_t *src =
        img.bytes.data() + ((oy * p.stride_h + ky * p.dilation_h) * img.wp + ox * p.stride_w) * C +
        grp * CG;
    std::uint8_t *dst = row + ky * KW * CG;
    if (p.dilation_w == 1 && CG == C) { // a kernel row's taps are one contiguous run
      std::memcpy(dst, src, static_cast<std::size_t>(KW * CG));
    } else if (CG == 1) {
      for (std::int64_t kx = 0; kx < KW; ++kx)
        dst[kx] = src[kx * p.dilation_w * C];
    } else {
      for (std::int64_t kx = 0; kx < KW; ++kx)
        std::memcpy(dst + kx * CG, src + kx * p.dilation_w * C, static_cast<std::size_t>(CG));
    }
  }
}

#if defined(SAMD_HAVE_X86_KERNELS)
// The AVX-512 path, while the row is in cache: its row sum and, for bit-serial, its bit planes
// (the words below K; the words past it stay zero, Im2colScratch).
__attribute__((target("avx512f,avx512bw"))) std::int64_t
finish_row_avx512(const std::uint8_t *row, std::int64_t K, unsigned ab, std::uint64_t *planes,
                  std::int64_t words) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i acc = zero;
  for (std::int64_t x = 0; x < (K + 63) / 64; ++x) {
    const __m512i v = _mm512_loadu_si512(row + 64 * x);
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(v, zero));
    if (planes)
      for (unsigned i = 0; i < ab; ++i)
        planes[i * words + x] =
            _mm512_test_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(1u << i)));
  }
  return _mm512_reduce_add_epi64(acc);
}
#endif

// acts.bytes and rowsum hold M rows: the method's other formats (fast::build_acts's rule).
void finish_acts(Path path, detail::fast::Method method, std::int64_t K, unsigned wb,
                 detail::fast::FastActs &a, bool planes_done) {
  namespace fast = detail::fast;
  if (method == fast::Method::Lut) { // the table indices of the bytes' steps (AVX2)
    a.inter.clear();
    a.groups = 0;
    fast::build_lut_index(a, K, wb);
    return;
  }
  if (method == fast::Method::Dot8 && (path == Path::Avx512 || path == Path::Avx2) &&
      a.m >= fast::kInterleaveMinRows) {
    a.groups = (a.m + 15) / 16;
    a.inter.resize(static_cast<std::size_t>(a.groups * 16 * a.kpad)); // zero past K (Im2colScratch)
#if defined(SAMD_HAVE_X86_KERNELS)
    if (path == Path::Avx512) {
      fast::interleave_avx512(a.bytes.data(), a.m, K, a.kpad, a.inter.data());
      return;
    }
#endif
    const std::int64_t q4 = ((K + 3) / 4 + 15) / 16 * 16;
    std::fill(a.inter.begin(), a.inter.end(), 0);
    for (std::int64_t m = 0; m < a.m; ++m) {
      const std::uint8_t *row = a.bytes.data() + m * a.kpad;
      std::uint8_t *dst = a.inter.data() + ((m / 16) * (a.kpad / 4) * 16 + m % 16) * 4;
      for (std::int64_t q = 0; q < q4; ++q)
        std::memcpy(dst + q * 64, row + q * 4, 4);
    }
    return;
  }
  a.inter.clear();
  a.groups = 0;
  if (method == fast::Method::Bitserial && !planes_done) {
#if defined(SAMD_HAVE_X86_KERNELS)
    a.planes.resize(static_cast<std::size_t>(a.m * a.ab * (a.kpad / 64))); // every word is written
    if (path == Path::Avx512)
      fast::planes_avx512(a.bytes.data(), a.m, a.kpad, a.ab, a.planes.data());
    else
      fast::planes_avx2(a.bytes.data(), a.m, a.kpad, a.ab, a.planes.data());
#elif defined(__aarch64__)
    (void)path;
    a.planes.assign(static_cast<std::size_t>(a.m * a.ab * (a.kpad / 64)), 0);
    fast::planes_neon(a.bytes.data(), a.m, a.kpad, a.ab, a.planes.data());
#else
    (void)path;
    throw std::logic_error("samd: conv2d: no SIMD path compiled in");
#endif
  }
}

void conv_im2col_fast(Path path, const QTensor &x, const detail::Geometry &g, std::int32_t za,
                      const PackedConvWeights &w, const Conv2dParams &p, const KernelOptions &opt,
                      std::int32_t *out) {
  namespace fast = detail::fast;
  if (!fast::compiled(path))
    throw std::invalid_argument(std::string("samd: conv2d: path ") + to_string(path) +
                                " is not compiled in");
  thread_local Im2colScratch s;
  const std::size_t image = static_cast<std::size_t>(g.c * g.h * g.w);
  // The input's offset bytes, made only when a row is built from them (the quad rows of NHWC
  // byte / nibble lanes read the packed words directly).
  std::vector<std::uint8_t> xv;
  bool have_xv = false;
  const auto image_bytes = [&](std::int64_t b) {
    if (!have_xv)
      xv = x.to_offsets(), have_xv = true;
    return xv.data() + static_cast<std::size_t>(b) * image;
  };
  const auto pad =
      static_cast<std::uint8_t>(za - x.layout().min_value()); // the zero point's offset
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(),
                     K = CG * w.kernel_h() * w.kernel_w();
  const std::int64_t og = O / w.groups(), P = g.oh * g.ow;
  fast::FastActs &a = s.acts;
  a.ab = x.layout().bits;
  std::int64_t padded_b = -1;
  // NHWC byte or nibble lanes: the quad image straight from the words (conv_quads.hpp).
  const Layout &xl = x.layout();
  [[maybe_unused]] const bool quad_words =
      g.format == DataFormat::NHWC && detail::quad_words_apply(xl.bits, xl.field());
  [[maybe_unused]] const auto flip =
      static_cast<std::uint8_t>(xl.is_signed() ? 1u << (xl.bits - 1) : 0u); // q - min = bits ^ flip
  // Dot8 rows from the images' channel quads (conv_quads.hpp): the images held (the batch's first
  // ones up to quad_b; with bfix, only image quad_b).
  [[maybe_unused]] std::int64_t quad_b = -1;
  // NHWC with groups = 1: the rows of all images form one M = N * P GEMM, written in place.
  const bool batch = g.format == DataFormat::NHWC && w.groups() == 1;
  const std::vector<PackedWeights> &groups = detail::conv_groups(w, path);
  auto rows = [&](std::int64_t grp, std::int64_t bfix, std::int64_t total) {
    const PackedWeights &pw = groups[static_cast<std::size_t>(grp)];
    const fast::FastWeights &fw = pw.fast();
    const fast::Method method = fast::choose_method(path, a.ab, fw.wb);
    if (s.k != K || s.kpad != fw.kpad ||
        s.ab != a.ab) { // the zero regions are kept for one (K, kpad, ab)
      a.bytes.clear(), a.inter.clear(), a.planes.clear();
      s.k = K, s.kpad = fw.kpad, s.ab = a.ab;
    }
#if defined(SAMD_HAVE_X86_KERNELS)
    const bool fused = path == Path::Avx512;
#else
    const bool fused = false;
#endif
    const bool planes = fused && method == fast::Method::Bitserial;
    // Whole-word taps: rows copied from the image's bit planes, no bytes (conv_planes.hpp).
    const bool word_taps = planes && detail::plane_taps_apply(CG, a.ab);
    [[maybe_unused]] const detail::PlaneTaps taps{
        w.kernel_h(), w.kernel_w(), p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, CG, grp};
    const std::int64_t words = fw.kpad / 64;
    a.kpad = fw.kpad;
    // Whole-quad taps: interleaved Dot8 rows copied from the images' channel quads, no bytes
    // (conv_quads.hpp; chunks of fewer than kInterleaveMinRows rows go the GEMV's way, in bytes).
    const std::int64_t hp = g.h + p.pad_top + p.pad_bottom, wp = g.w + p.pad_left + p.pad_right;
    const std::int64_t quad_images = bfix >= 0 ? 1 : g.n;
    const bool quad_taps = fused && method == fast::Method::Dot8 &&
                           detail::quad_taps_apply(CG, g.c, quad_images, hp, wp);
    [[maybe_unused]] const detail::QuadTaps qtaps{
        w.kernel_h(), w.kernel_w(), p.stride_h, p.stride_w, p.dilation_h,
        p.dilation_w, CG,           grp,        g.oh,       g.ow};
    if (quad_taps)
      detail::quad_image_size(s.quad_image, hp, wp, g.c, quad_images);
    const std::int64_t target =
        std::max<std::int64_t>(64, (std::int64_t{512} << 10) / fw.kpad / 16 * 16);
    std::int64_t chunk = total;
    if (total > target + target / 2) {
      const std::int64_t pieces = (total + target - 1) / target;
      chunk = ((total + pieces - 1) / pieces + 15) / 16 * 16;
    }
    for (std::int64_t r0 = 0; r0 < total; r0 += chunk) {
      const std::int64_t r1 = std::min(total, r0 + chunk);
      a.m = r1 - r0;
      a.quads = nullptr;
#if defined(SAMD_HAVE_X86_KERNELS)
      if (quad_taps && a.m >= fast::kInterleaveMinRows) {
        const std::int64_t b1 = bfix >= 0 ? bfix : (r1 - 1) / P;
        for (std::int64_t b = bfix >= 0 ? bfix : quad_b + 1; b <= b1; ++b) {
          if (bfix >= 0 && b == quad_b)
            break; // held
          const std::int64_t slot = bfix >= 0 ? 0 : b;
          if (quad_words) {
            detail::quad_image_put_words(s.quad_image, slot, x.words().data(),
                                         static_cast<std::size_t>(b) * image, xl.field(),
                                         static_cast<std::uint8_t>(xl.lane_bits()), flip, g.h, g.w,
                                         p.pad_top, p.pad_left, pad);
          } else {
            if (b != padded_b)
              pad_image(image_bytes(b), g, p, pad, s.padded), padded_b = b;
            detail::quad_image_put(s.quad_image, slot, s.padded.bytes.data());
          }
          quad_b = b;
        }
        a.rowsum.resize(static_cast<std::size_t>(a.m));
        a.groups = (a.m + 15) / 16;
        a.inter.resize(static_cast<std::size_t>(a.groups * 16 * a.kpad)); // zero past K
        // The groups of 16 consecutive pixels read in place by the GEMM (a.quads), the others
        // copied into a.inter.
        s.quad_org.resize(static_cast<std::size_t>(a.groups));
        detail::quad_rows(s.quad_image, qtaps, r0, a.m, a.kpad / 4, a.inter.data(), a.rowsum.data(),
                          s.pixel_sums, s.quad_org.data());
        detail::quad_offsets(s.quad_image, qtaps, (K + 31) / 32 * 8, s.quad_off);
        s.quads.image = reinterpret_cast<const std::uint8_t *>(s.quad_image.dwords.data() +
                                                               grp * (CG / 4) * s.quad_image.plane);
        s.quads.qoff = s.quad_off.data();
        s.quads.org = s.quad_org.data();
        a.quads = &s.quads;
      } else
#endif
      {
        if (!word_taps) // new bytes are zero; old ones are zero past K
          a.bytes.resize(static_cast<std::size_t>(a.m * a.kpad));
        a.rowsum.resize(static_cast<std::size_t>(a.m));
        if (planes)
          a.planes.resize(static_cast<std::size_t>(a.m * a.ab * words));
        for (std::int64_t r = r0; r < r1; ++r) {
          const std::int64_t b = bfix >= 0 ? bfix : r / P, m = r - r0;
          if (b != padded_b) {
            pad_image(image_bytes(b), g, p, pad, s.padded);
#if defined(SAMD_HAVE_X86_KERNELS)
            if (word_taps)
              detail::plane_image(s.padded.bytes.data(), s.padded.hp, s.padded.wp, g.c, w.groups(),
                                  a.ab, s.plane_image);
#endif
            padded_b = b;
          }
#if defined(SAMD_HAVE_X86_KERNELS)
          if (word_taps) {
            a.rowsum[static_cast<std::size_t>(m)] =
                detail::plane_row(s.plane_image, taps, (r % P) / g.ow, (r % P) % g.ow,
                                  a.planes.data() + m * a.ab * words, words);
            continue;
          }
#endif
          im2col_row(s.padded, g, p, w, grp, r % P, m, a);
          const std::uint8_t *row = a.bytes.data() + m * a.kpad;
#if defined(SAMD_HAVE_X86_KERNELS)
          if (fused) {
            a.rowsum[static_cast<std::size_t>(m)] = finish_row_avx512(
                row, K, a.ab, planes ? a.planes.data() + m * a.ab * words : nullptr, words);
            continue;
          }
#endif
          a.rowsum[static_cast<std::size_t>(m)] = detail::fast::sum_bytes(row, K);
        }
        finish_acts(path, method, K, fw.wb, a, planes);
      }
      if (batch) {
        detail::gemm_rows_prepared_into(path, a, za, pw, opt, out + r0 * O);
        continue;
      }
      s.res.resize(static_cast<std::size_t>(a.m * og));
      detail::gemm_rows_prepared_into(path, a, za, pw, opt, s.res.data());
      for (std::int64_t pix = r0; pix < r1; ++pix)
        for (std::int64_t o = 0; o < og; ++o)
          out[g.out_index(bfix, grp * og + o, pix / g.ow, pix % g.ow, O)] =
              s.res[static_cast<std::size_t>((pix - r0) * og + o)];
    }
  };
  if (batch) {
    rows(0, -1, g.n * P);
    return;
  }
  for (std::int64_t b = 0; b < g.n; ++b)
    for (std::int64_t grp = 0; grp < w.groups(); ++grp)
      rows(grp, b, P);
}

#if defined(SAMD_HAVE_X86_KERNELS)
// The implicit-GEMM bit-serial conv (AVX-512; channels per group a multiple of 64): per image the
// padded image's bit planes once (conv_planes.hpp), then per group the GEMM's bit-serial blocks
// read their rows' words from it in place (fast::conv_bitserial_avx512, in the runs of
// PlaneTables): no row is copied. The same kernel blocks, accumulators and epilogue as the GEMM
// on copied rows, and the same words in the same k order, so the same overflow argument as the
// GEMM's: the raw sums D <= K (2^ab - 1)(2^wb - 1) in int64 lanes, the results formed in int64
// and range-checked against int32 by the fused epilogue. A row's sum is the sum over its taps of
// the pixels' offset sums (plane_word_sums), exactly the GEMM row's sum.
struct PlanesScratch {
  PaddedImage padded;
  detail::PlaneImage image;
  detail::PlaneTables tables;
  std::vector<std::int64_t> tables_key; // the geometry the tables (and pad_runs) are for
  std::vector<std::uint64_t> pad_runs;  // plane_pad_runs
  bool any_pad_runs = false;
  std::vector<std::int64_t> pad_sums; // conv_pad_run_sums, per group
  std::vector<std::int64_t> word_sums, pixel_sums, rowsum, dz, fixed;
  std::vector<std::int32_t> dz32, fixed32; // mod 2^32 (Epilogue::known_int32)
  std::vector<std::int32_t> res;
};

// pre: path == Avx512 (the CPU has AVX-512 F, BW, VL, VPOPCNTDQ); conv_uses_planes(x, w, p,
// path); g and za from conv_setup (the int32 bound checked). post: out (g.out_shape(O), p.format)
// holds the conv's exact results; throws std::logic_error if one fell outside int32 (as the GEMM
// does).
void conv_planes_implicit(Path path, const QTensor &x, const detail::Geometry &g, std::int32_t za,
                          const PackedConvWeights &w, const Conv2dParams &p,
                          const KernelOptions &opt, std::int32_t *out) {
  namespace fast = detail::fast;
  thread_local PlanesScratch s;
  const auto pad = static_cast<std::uint8_t>(za - x.layout().min_value());
  const unsigned ab = x.layout().bits;
  // NHWC 1- and 2-bit activations without guard bits: the planes straight from the words (the
  // offset bytes, the padded byte image and the planes from them cost 10 % of conv2_x W1A1).
  static const bool bmi2 = __builtin_cpu_supports("bmi2");
  const bool from_words =
      g.format == DataFormat::NHWC && x.layout().guard == 0 && (ab == 1 || (ab == 2 && bmi2));
  const std::vector<std::uint8_t> xv = from_words ? std::vector<std::uint8_t>{} : x.to_offsets();
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(), G = w.groups();
  const std::int64_t og = O / G, P = g.oh * g.ow, cwg = CG / 64;
  const std::size_t image = static_cast<std::size_t>(g.c * g.h * g.w);
  const std::vector<PackedWeights> &groups = detail::conv_groups(w, path);
  const bool nhwc = g.format == DataFormat::NHWC;
  if (!nhwc)
    s.res.resize(static_cast<std::size_t>(P * og));
  for (std::int64_t b = 0; b < g.n; ++b) {
    if (from_words) {
      detail::plane_image_words(x.words().data() + b * static_cast<std::int64_t>(image) * ab / 64,
                                g.h, g.w, g.c, {p.pad_top, p.pad_left, p.pad_bottom, p.pad_right},
                                G, ab, x.layout().is_signed(), pad, s.image);
    } else {
      pad_image(xv.data() + static_cast<std::size_t>(b) * image, g, p, pad, s.padded);
      detail::plane_image(s.padded.bytes.data(), s.padded.hp, s.padded.wp, g.c, G, ab, s.image);
    }
    detail::plane_word_sums(s.image, s.word_sums);
    const std::int64_t pixels = s.image.hp * s.image.wp, cw = s.image.cw;
    const detail::PlaneTaps taps{w.kernel_h(), w.kernel_w(), p.stride_h, p.stride_w,
                                 p.dilation_h, p.dilation_w, CG,         0};
    // The tables depend on the geometry only: kept from call to call while it stays the same.
    const std::vector<std::int64_t> key{s.image.hp,   s.image.wp, cw,         w.kernel_h(),
                                        w.kernel_w(), p.stride_h, p.stride_w, p.dilation_h,
                                        p.dilation_w, CG,         g.oh,       g.ow,
                                        p.pad_top,    p.pad_left, g.h,        g.w};
    if (key != s.tables_key) {
      detail::plane_tables(s.image, taps, g.oh, g.ow, s.tables);
      s.any_pad_runs =
          detail::plane_pad_runs(s.tables, taps, {p.pad_top, p.pad_left, p.pad_bottom, p.pad_right},
                                 g.h, g.w, s.image.wp, s.pad_runs);
      s.tables_key = key;
    }
    for (std::int64_t grp = 0; grp < G; ++grp) {
      const PackedWeights &pw = groups[static_cast<std::size_t>(grp)];
      const fast::FastWeights &fw = pw.fast(fast::format_of(
          fast::choose_kernel(path, fast::Method::Bitserial, ab, pw.fast().wb, false)));
      // The group's offset sum per padded pixel (a pixel's one word's, for 64 channels), then per
      // output pixel over its taps.
      const std::int64_t *pixel_sums = s.word_sums.data();
      if (cw != 1) {
        s.pixel_sums.resize(static_cast<std::size_t>(pixels));
        for (std::int64_t px = 0; px < pixels; ++px) {
          std::int64_t t = 0;
          for (std::int64_t j = 0; j < cwg; ++j)
            t += s.word_sums[static_cast<std::size_t>(px * cw + grp * cwg + j)];
          s.pixel_sums[static_cast<std::size_t>(px)] = t;
        }
        pixel_sums = s.pixel_sums.data();
      }
      bool fits = detail::epilogue_columns(fast::Method::Bitserial, fw, za, pw, s.dz, s.fixed);
      s.rowsum.resize(static_cast<std::size_t>(P));
      const std::int64_t rmax = detail::plane_row_sums(s.tables, taps, s.image.wp, g.oh, g.ow,
                                                       pixel_sums, s.rowsum.data());
      fits = fits && rmax <= INT32_MAX;
      // Whether every result fits int32, from bounds of its terms: C = D + dz * R + fixed with
      // |D| <= K (2^ab - 1)(2^wb - 1), 0 <= R <= rmax: int32_epilogue_bound <= 2^31 - 1 per column
      // (proof int32_epilogue; each part checked first, so the int64 products and sums cannot
      // overflow). Then the kernel forms the results in int32 lanes (Epilogue::known_int32); else
      // it checks each as the GEMM does.
      const std::int64_t K = pw.k(), wmax = (std::int64_t{1} << fw.wb) - 1,
                         amax = (std::int64_t{1} << ab) - 1;
      bool known = fits && K <= INT32_MAX && K * amax * wmax <= INT32_MAX;
      s.dz32.resize(static_cast<std::size_t>(og));
      s.fixed32.resize(static_cast<std::size_t>(og));
      for (std::int64_t n = 0; n < og && known; ++n) {
        const std::int64_t dz = s.dz[static_cast<std::size_t>(n)],
                           fixed = s.fixed[static_cast<std::size_t>(n)];
        known = fixed >= -INT32_MAX && fixed <= INT32_MAX &&
                int32_epilogue_bound<std::int64_t>(K, amax, wmax, dz < 0 ? -dz : dz, rmax,
                                                   fixed < 0 ? -fixed : fixed) <= INT32_MAX;
        s.dz32[static_cast<std::size_t>(n)] = static_cast<std::int32_t>(dz);
        s.fixed32[static_cast<std::size_t>(n)] = static_cast<std::int32_t>(fixed); // mod 2^32
      }
      fast::ConvRows rows;
      rows.image = s.image.words.data() + grp * cwg;
      rows.row_base = s.tables.row_base.data();
      rows.run_start = s.tables.run_start.data();
      rows.run = s.tables.run;
      rows.m = P;
      rows.plane = pixels * cw;
      rows.ab = ab;
      if (s.any_pad_runs) { // blocks leave out the runs all their rows read in padding
        rows.pad_runs = s.pad_runs.data();
        fast::conv_pad_run_sums(rows, fw, pad, s.pad_sums);
        rows.pad_sums = s.pad_sums.data();
      }
      std::atomic<int> bad{0};
      fast::Epilogue e;
      e.rowsum = s.rowsum.data();
      e.dz = s.dz.data();
      e.fixed = s.fixed.data();
      // NHWC: the group's columns of the image's rows in place; NCHW: P x og, transposed below.
      e.out = nhwc ? out + b * P * O + grp * og : s.res.data();
      e.n = og;
      e.ld = nhwc ? O : og;
      e.rowsum_fits_int32 = fits;
      e.bad = &bad;
      e.known_int32 = known;
      e.dz32 = s.dz32.data();
      e.fixed32 = s.fixed32.data();
      // Threads as gemm_raw splits N: contiguous ranges of whole panels of kPanel columns.
      const std::int64_t nb = (og + fast::kPanel - 1) / fast::kPanel;
      const std::int64_t T = std::max<std::int64_t>(1, std::min<std::int64_t>(opt.threads, nb));
      if (T <= 1) {
        fast::conv_bitserial_avx512(rows, fw, e, 0, og);
      } else {
#pragma omp parallel for num_threads(static_cast <int>(T)) schedule(static, 1)
        for (std::int64_t t = 0; t < T; ++t) {
          const std::int64_t b0 = nb * t / T, b1 = nb * (t + 1) / T;
          fast::conv_bitserial_avx512(rows, fw, e, b0 * fast::kPanel,
                                      std::min<std::int64_t>(og, b1 * fast::kPanel));
        }
      }
      if (bad.load() != 0)
        throw std::logic_error(std::string("samd: gemm (") + to_string(path) +
                               "): int32 bound violated");
      if (!nhwc)
        for (std::int64_t o = 0; o < og; ++o) {
          std::int32_t *dst = out + (b * O + grp * og + o) * P;
          for (std::int64_t pix = 0; pix < P; ++pix)
            dst[pix] = s.res[static_cast<std::size_t>(pix * og + o)];
        }
    }
  }
}

using detail::lane_requant;
using detail::LaneRequant;
using detail::requant_epi32;
using detail::wrap32;

enum class DirectMethod { Dot8, Bitserial };

// Per output pixel and 16 pixels x 1 channel: Dot8 costs kq vpdpbusd, Bitserial ab * wb * kd
// (and + popcount + add, and a shift), so bit-serial wins only for the narrowest pairs.
DirectMethod direct_method(unsigned ab, unsigned wb, std::int64_t K) {
  const std::int64_t kq = (K + 3) / 4, kd = (K + 31) / 32;
  return 3 * static_cast<std::int64_t>(ab * wb) * kd < kq ? DirectMethod::Bitserial
                                                          : DirectMethod::Dot8;
}

// The formats of the direct kernels (DirectGroup): Dot8 bytes (W8, row-padded W8R), bit-serial
// planes (W1), tap-wise planes (W1T, tap pairs W1P).
enum class DirectFormat { W8, W8R, W1, W1T, W1P };

// Format f of group grp (og output channels) with the column sums its kernel reads, decoded from
// the bit planes. pre: bits of the weights (layout wl, kernel KH x KW); W1T: C/groups <= 32; W1P:
// C/groups <= 16 and KH * KW >= 2. post: the fields of f as DirectGroup describes them (the
// others empty).
__attribute__((target("popcnt"))) detail::DirectGroup
direct_group(const detail::ConvBits &bits, const Layout &wl, std::int64_t grp, std::int64_t og,
             std::int64_t KH, std::int64_t KW, DirectFormat f) {
  const std::int64_t K = bits.K;
  const std::int64_t KWC = KH > 0 ? K / KH : 0; // KW * C per kernel row
  const std::int64_t CG = KH * KW > 0 ? K / (KH * KW) : 0;
  const unsigned b = bits.b;
  detail::DirectGroup d;
  d.og = og, d.K = K, d.kq = (K + 3) / 4, d.kd = (K + 31) / 32;
  d.off8 = wl.bits >= 8 ? (wl.is_signed() ? 0 : 128) : wl.min_value();
  d.off1 = wl.min_value();
  d.rq = (KWC + 3) / 4, d.kqr = KH * d.rq;
  d.taps = KH * KW;
  const auto at = [og](std::int64_t q, std::int64_t n) {
    return static_cast<std::size_t>(q * og + n);
  };
  if (f == DirectFormat::W8 || f == DirectFormat::W8R) {
    const bool r = f == DirectFormat::W8R;
    std::vector<std::uint32_t> &dst = r ? d.w8r : d.w8;
    dst.assign(static_cast<std::size_t>((r ? d.kqr : d.kq) * og), 0);
    if (r) {
      d.ones8r.assign(static_cast<std::size_t>(d.kqr), 0);
      for (std::int64_t k = 0; k < K; ++k)
        d.ones8r[static_cast<std::size_t>((k / KWC) * d.rq + (k % KWC) / 4)] |=
            1u << (8 * ((k % KWC) % 4));
    } else {
      d.ones8.assign(static_cast<std::size_t>(d.kq), 0x01010101u);
    }
    d.colsum8.assign(static_cast<std::size_t>(og), 0);
    const std::int64_t shift = d.off1 - d.off8; // v8 = w - off8 = u + shift
    std::vector<std::int64_t> u(static_cast<std::size_t>(K));
    for (std::int64_t n = 0; n < og; ++n) {
      bits.row(grp * og + n, u.data());
      std::int64_t sum = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        const std::int64_t v8 = u[static_cast<std::size_t>(k)] + shift;
        sum += v8;
        const std::int64_t q = r ? (k / KWC) * d.rq + (k % KWC) / 4 : k / 4;
        const std::int64_t byte = r ? (k % KWC) % 4 : k % 4;
        dst[at(q, n)] |= (static_cast<std::uint32_t>(v8) & 0xFFu) << (8 * byte);
      }
      d.colsum8[static_cast<std::size_t>(n)] = sum;
    }
    return d;
  }
  // Each dword of the format is bits of one plane of one channel: read them from the planes, and
  // the column sums (sum_j 2^j popcount(plane j)) from what was read.
  d.colsum1.assign(static_cast<std::size_t>(og), 0);
  const auto cg = static_cast<unsigned>(CG);
  // K a multiple of 32: W1's dwords are the planes' own dwords (little-endian words), in order.
  static_assert(std::endian::native == std::endian::little, "the direct kernels run on x86-64");
  const bool aligned = K % 32 == 0;
  const auto *dwords = reinterpret_cast<const unsigned char *>(bits.words.data());
  std::vector<std::uint32_t> &fmt = f == DirectFormat::W1    ? d.w1
                                    : f == DirectFormat::W1T ? d.w1t
                                                             : d.w1p;
  if (f == DirectFormat::W1P)
    d.pair_slots = (d.taps + 1) / 2;
  const std::int64_t slots = f == DirectFormat::W1    ? d.kd
                             : f == DirectFormat::W1T ? d.taps
                                                      : d.pair_slots;
  fmt.resize(static_cast<std::size_t>(b * slots * og));
  for (std::int64_t n = 0; n < og; ++n) {
    const std::int64_t o = grp * og + n;
    std::int64_t sum = 0;
    for (unsigned j = 0; j < b; ++j) {
      std::int64_t ones = 0;
      for (std::int64_t x = 0; x < slots; ++x) {
        std::uint32_t v = 0;
        if (f == DirectFormat::W1 && aligned)
          std::memcpy(&v, dwords + 4 * ((o * b + j) * d.kd + x), 4);
        else if (f == DirectFormat::W1)
          v = bits.bits32(o, j, 32 * x,
                          static_cast<unsigned>(std::min<std::int64_t>(32, K - 32 * x)));
        else if (f == DirectFormat::W1T)
          v = bits.bits32(o, j, x * CG, cg);
        else
          v = bits.bits32(o, j, 2 * x * CG, cg) |
              (2 * x + 1 < d.taps ? bits.bits32(o, j, (2 * x + 1) * CG, cg) << 16 : 0);
        fmt[at(j * slots + x, n)] = v;
        ones += std::popcount(v);
      }
      sum += ones << j;
    }
    d.colsum1[static_cast<std::size_t>(n)] = sum;
  }
  return d;
}

// Per-image scratch of the direct kernels.
struct DirectScratch {
  std::vector<std::uint8_t> row;    // one pixel's window, K bytes padded to a multiple of 64 with 0
  std::vector<std::uint32_t> acts;  // Dot8: [q][P16]; Bitserial: [i][d][P16]
  std::vector<std::uint32_t> pairs; // tap-pair bit image
  std::vector<std::uint32_t> rows;  // row sums of the channel-lane kernel
  std::vector<std::uint16_t> pool_masks; // tap_pool_cl: 16 channels' bits per pooled pixel
};

// n <= 64 bytes with one masked load and store (masked-off bytes are never touched).
SAMD_DIRECT_TARGET inline void copy_upto64(std::uint8_t *dst, const std::uint8_t *src,
                                           std::int64_t n) {
  const __mmask64 m = n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
  _mm512_mask_storeu_epi8(dst, m, _mm512_maskz_loadu_epi8(m, src));
}

SAMD_DIRECT_TARGET inline void copy_bytes(std::uint8_t *dst, const std::uint8_t *src,
                                          std::int64_t n) {
  for (; n > 64; n -= 64, dst += 64, src += 64)
    copy_upto64(dst, src, 64);
  copy_upto64(dst, src, n);
}

// Gather every output pixel's window of one image and group into the kernel's transposed format.
SAMD_DIRECT_TARGET void gather_rows(const PaddedImage &img, const detail::Geometry &g,
                                    const Conv2dParams &p, const PackedConvWeights &w,
                                    std::int64_t grp, DirectMethod method, bool rowpad, unsigned ab,
                                    std::int64_t P16, DirectScratch &s) {
  const std::int64_t CG = w.in_channels_per_group(), KH = w.kernel_h(), KW = w.kernel_w(),
                     K = CG * KH * KW;
  const std::int64_t chunks = (K + 63) / 64, kq = (K + 3) / 4, kd = (K + 31) / 32, C = img.c;
  const bool runs = p.dilation_w == 1 && CG == C; // a kernel row's taps are one contiguous run
  const std::int64_t rq = (KW * CG + 3) / 4;
  const std::size_t acts = static_cast<std::size_t>(
      (method == DirectMethod::Dot8 ? (rowpad ? KH * rq : kq) : ab * kd) * P16);
  if (s.acts.size() != acts)
    s.acts.assign(acts, 0);
  std::uint8_t *row = nullptr;
  std::int64_t pix = 0;
  if (rowpad) { // dwords straight from the padded image (the bytes past a run meet zero weights)
    const std::int64_t P = g.oh * g.ow;
    std::int32_t idx[16];
    for (std::int64_t pix0 = 0; pix0 < P; pix0 += 16) {
      for (std::int64_t i = 0, oy = pix0 / g.ow, ox = pix0 % g.ow; i < 16;
           ++i) { // pixels past P repeat the last
        idx[i] = static_cast<std::int32_t>((oy * p.stride_h * img.wp + ox * p.stride_w) * C);
        if (pix0 + i + 1 < P && ++ox == g.ow)
          ox = 0, ++oy;
      }
      const __m512i vidx = _mm512_loadu_si512(idx);
      std::uint32_t *a = s.acts.data() + pix0;
      if (C == 1 && p.stride_w == 1 && g.ow >= 16) {
        // One channel, unit stride: a pixel's dword is 4 consecutive bytes of its row, so 16 pixels
        // of one row are 4 overlapping 16-byte loads widened and merged; a block spans at most 2
        // rows.
        const std::int64_t oy0 = pix0 / g.ow, ox0 = pix0 % g.ow;
        const std::int64_t first = std::min<std::int64_t>(16, g.ow - ox0); // lanes in row oy0
        const auto m1 = static_cast<__mmask16>(first >= 16 ? 0xFFFF : (1u << first) - 1);
        for (std::int64_t ky = 0; ky < KH; ++ky)
          for (std::int64_t j = 0; j < rq; ++j, a += P16) {
            auto dwords = [&](const std::uint8_t *q) SAMD_DIRECT_TARGET {
              __m512i v =
                  _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(q)));
              for (int b = 1; b < 4; ++b)
                v = _mm512_or_si512(
                    v, _mm512_slli_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128(
                                             reinterpret_cast<const __m128i *>(q + b))),
                                         8 * b));
              return v;
            };
            const std::int64_t off = ky * p.dilation_h * img.wp + 4 * j;
            __m512i v = dwords(img.bytes.data() + oy0 * p.stride_h * img.wp + ox0 + off);
            if (first < 16 &&
                pix0 + first < P) // the rest from the next row: lane i is pixel i - first of it
              v = _mm512_mask_mov_epi32(
                  v, static_cast<__mmask16>(~m1),
                  dwords(img.bytes.data() + (oy0 + 1) * p.stride_h * img.wp - first + off));
            _mm512_storeu_si512(a, v);
          }
        continue;
      }
      for (std::int64_t ky = 0; ky < KH; ++ky)
        for (std::int64_t j = 0; j < rq; ++j, a += P16) {
          const __m512i off =
              _mm512_set1_epi32(static_cast<std::int32_t>(ky * p.dilation_h * img.wp * C + 4 * j));
          _mm512_storeu_si512(a, _mm512_i32gather_epi32(_mm512_add_epi32(vidx, off),
                                                        static_cast<const void *>(img.bytes.data()),
                                                        1));
        }
    }
    return;
  }
  s.row.assign(static_cast<std::size_t>(chunks * 64), 0);
  row = s.row.data();
  for (std::int64_t oy = 0; oy < g.oh; ++oy)
    for (std::int64_t ox = 0; ox < g.ow; ++ox, ++pix) {
      for (std::int64_t ky = 0; ky < KH; ++ky) {
        const std::uint8_t *src =
            img.bytes.data() +
            ((oy * p.stride_h + ky * p.dilation_h) * img.wp + ox * p.stride_w) * C + grp * CG;
        std::uint8_t *dst = row + ky * KW * CG;
        if (runs) {
          copy_bytes(dst, src, KW * CG);
        } else if (CG == 1) {
          for (std::int64_t kx = 0; kx < KW; ++kx)
            dst[kx] = src[kx * p.dilation_w * C];
        } else {
          for (std::int64_t kx = 0; kx < KW; ++kx)
            copy_bytes(dst + kx * CG, src + kx * p.dilation_w * C, CG);
        }
      }
      for (std::int64_t c = 0; c < chunks && method == DirectMethod::Bitserial; ++c) {
        const __m512i v = _mm512_loadu_si512(row + c * 64);
        for (unsigned i = 0; i < ab; ++i) {
          const std::uint64_t m =
              _mm512_test_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(1u << i)));
          std::uint32_t *plane = s.acts.data() + static_cast<std::size_t>(i * kd * P16);
          plane[(2 * c) * P16 + pix] = static_cast<std::uint32_t>(m);
          if (2 * c + 1 < kd)
            plane[(2 * c + 1) * P16 + pix] = static_cast<std::uint32_t>(m >> 32);
        }
      }
      if (method == DirectMethod::Dot8) {
        std::uint32_t *a = s.acts.data() + pix;
        for (std::int64_t q = 0; q < kq; ++q, a += P16)
          std::memcpy(a, row + 4 * q, 4);
      }
    }
}

// Sums of channels [n0, n0 + NR) for 16 pixels from pix0, finished and stored.
// What one image's kernel runs on.
struct DirectPlan {
  DirectMethod method = DirectMethod::Dot8;
  bool rowpad = false;
  unsigned ab = 8, wb = 8;
  std::int64_t kq = 0;                 // Dot8: dwords per pixel
  const std::uint32_t *w8 = nullptr;   // [q][n]
  const std::uint32_t *ones = nullptr; // [q]
};

DirectPlan direct_plan(const detail::DirectGroup &d, DirectMethod method, bool rowpad, unsigned ab,
                       unsigned wb) {
  DirectPlan pl;
  pl.method = method, pl.rowpad = rowpad && method == DirectMethod::Dot8, pl.ab = ab, pl.wb = wb;
  pl.kq = pl.rowpad ? d.kqr : d.kq;
  pl.w8 = pl.rowpad ? d.w8r.data() : d.w8.data();
  pl.ones = pl.rowpad ? d.ones8r.data() : d.ones8.data();
  return pl;
}

// The row sums of 16 pixels: sum_k ua.
SAMD_DIRECT_TARGET inline __m512i direct_rowsum(const detail::DirectGroup &d, const DirectPlan &pl,
                                                const DirectScratch &s, std::int64_t P16,
                                                std::int64_t pix0) {
  __m512i rs = _mm512_setzero_si512();
  if (pl.method == DirectMethod::Dot8) {
    const std::uint32_t *a = s.acts.data() + pix0;
    for (std::int64_t q = 0; q < pl.kq; ++q, a += P16)
      rs = _mm512_dpbusd_epi32(rs, _mm512_loadu_si512(a),
                               _mm512_set1_epi32(static_cast<int>(pl.ones[q])));
    return rs;
  }
  for (unsigned i = 0; i < pl.ab; ++i) {
    __m512i t = _mm512_setzero_si512();
    const std::uint32_t *a = s.acts.data() + static_cast<std::size_t>(i * d.kd * P16) + pix0;
    for (std::int64_t x = 0; x < d.kd; ++x, a += P16)
      t = _mm512_add_epi32(t, _mm512_popcnt_epi32(_mm512_loadu_si512(a)));
    rs = _mm512_add_epi32(rs, _mm512_slli_epi32(t, i));
  }
  return rs;
}

template <int NR>
SAMD_DIRECT_TARGET inline void
direct_block(const detail::DirectGroup &d, const DirectPlan &pl, const DirectScratch &s,
             std::int64_t P16, std::int64_t pix0, std::int64_t n0, __m512i (&acc)[NR]) {
  const unsigned ab = pl.ab, wb = pl.wb;
  for (int r = 0; r < NR; ++r)
    acc[r] = _mm512_setzero_si512();
  if (pl.method == DirectMethod::Dot8) {
    const std::uint32_t *a = s.acts.data() + pix0;
    const std::uint32_t *wq = pl.w8 + n0;
    for (std::int64_t q = 0; q < pl.kq; ++q, a += P16, wq += d.og) {
      const __m512i av = _mm512_loadu_si512(a);
      for (int r = 0; r < NR; ++r)
        acc[r] = _mm512_dpbusd_epi32(acc[r], av, _mm512_set1_epi32(static_cast<int>(wq[r])));
    }
    return;
  }
  for (unsigned i = 0; i < ab; ++i)
    for (unsigned j = 0; j < wb; ++j) {
      __m512i t[NR];
      for (int r = 0; r < NR; ++r)
        t[r] = _mm512_setzero_si512();
      const std::uint32_t *a = s.acts.data() + static_cast<std::size_t>(i * d.kd * P16) + pix0;
      const std::uint32_t *wp = d.w1.data() + static_cast<std::size_t>(j * d.kd * d.og) + n0;
      for (std::int64_t x = 0; x < d.kd; ++x, a += P16, wp += d.og) {
        const __m512i av = _mm512_loadu_si512(a);
        for (int r = 0; r < NR; ++r)
          t[r] = _mm512_add_epi32(t[r], _mm512_popcnt_epi32(_mm512_and_si512(
                                            av, _mm512_set1_epi32(static_cast<int>(wp[r])))));
      }
      for (int r = 0; r < NR; ++r)
        acc[r] = _mm512_add_epi32(acc[r], _mm512_slli_epi32(t[r], i + j));
    }
}

// Per output channel: C = scale * D + dz * rowsum + fixed (int32 mod 2^32), then optionally the
// requantization.
struct DirectPost {
  std::vector<std::int32_t> scale, dz, fixed;
  std::vector<std::int64_t> scale64, dz64; // exact
  std::vector<LaneRequant> rq;             // empty: int32 sums out
  bool plain = false;                      // every scale 1 and dz 0: C = D + fixed (no row sums)
  // 1-bit unsigned outputs as bits (NCHW): plane o of the image at bitmap + o * plane_words,
  // pixel i at bit i (the requantization is one threshold or a constant).
  std::uint64_t *bitmap = nullptr;
  std::int64_t plane_words = 0;
};

SAMD_DIRECT_TARGET inline void direct_store(const __m512i sums, const __m512i rowsum,
                                            const DirectPost &post, std::size_t o,
                                            std::int32_t *out, std::int64_t stride, __mmask16 mask,
                                            std::int32_t *tmp, std::int64_t pix0) {
  __m512i c = sums;
  if (!post.plain) {
    c = _mm512_mullo_epi32(sums, _mm512_set1_epi32(post.scale[o]));
    c = _mm512_add_epi32(c, _mm512_mullo_epi32(rowsum, _mm512_set1_epi32(post.dz[o])));
  }
  c = _mm512_add_epi32(c, _mm512_set1_epi32(post.fixed[o]));
  if (post.bitmap) {
    const LaneRequant &r = post.rq[o];
    const __mmask16 on = r.nthr == 1 ? _mm512_cmpge_epi32_mask(c, _mm512_set1_epi32(r.thr[0]))
                                     : static_cast<__mmask16>(r.base ? 0xFFFF : 0);
    const std::uint64_t bits = static_cast<std::uint64_t>(on & mask);
    std::uint64_t *plane = post.bitmap + static_cast<std::int64_t>(o) * post.plane_words;
    const std::int64_t w = pix0 / 64, sh = pix0 % 64;
    plane[w] |= bits << sh;
    if (sh > 48)
      plane[w + 1] |= bits >> (64 - sh);
    return;
  }
  if (!post.rq.empty())
    c = requant_epi32(c, post.rq[o]);
  if (stride == 1) {
    _mm512_mask_storeu_epi32(out, mask, c);
    return;
  }
  _mm512_storeu_si512(tmp, c);
  for (int i = 0; i < 16; ++i)
    if ((mask >> i) & 1)
      out[i * stride] = tmp[i];
}

// One image and group: channels [0, n_out) of the group into img (the image's outputs, O_out
// channels in g.format order).
SAMD_DIRECT_TARGET void conv_direct_group(const detail::DirectGroup &d, std::int64_t n_out,
                                          const DirectPlan &pl, const DirectScratch &s,
                                          const detail::Geometry &g, std::int64_t grp,
                                          std::int64_t O_out, std::int64_t P16,
                                          const DirectPost &post, std::int32_t *img,
                                          std::int32_t *tmp) {
  const std::int64_t P = g.oh * g.ow;
  const bool nchw = g.format == DataFormat::NCHW;
  const std::int64_t stride = nchw ? 1 : O_out;
  for (std::int64_t pix0 = 0; pix0 < P; pix0 += 16) {
    const __mmask16 mask = P - pix0 >= 16 ? static_cast<__mmask16>(0xFFFF)
                                          : static_cast<__mmask16>((1u << (P - pix0)) - 1);
    const __m512i rowsum = post.plain ? _mm512_setzero_si512() : direct_rowsum(d, pl, s, P16, pix0);
    std::int64_t n = 0;
    for (; n + 8 <= n_out; n += 8) {
      __m512i acc[8];
      direct_block<8>(d, pl, s, P16, pix0, n, acc);
      for (int r = 0; r < 8; ++r) {
        const std::int64_t o = grp * d.og + n + r;
        direct_store(acc[r], rowsum, post, static_cast<std::size_t>(o),
                     nchw ? img + o * P + pix0 : img + pix0 * O_out + o, stride, mask, tmp, pix0);
      }
    }
    for (; n + 4 <= n_out; n += 4) {
      __m512i acc[4];
      direct_block<4>(d, pl, s, P16, pix0, n, acc);
      for (int r = 0; r < 4; ++r) {
        const std::int64_t o = grp * d.og + n + r;
        direct_store(acc[r], rowsum, post, static_cast<std::size_t>(o),
                     nchw ? img + o * P + pix0 : img + pix0 * O_out + o, stride, mask, tmp, pix0);
      }
    }
    for (; n < n_out; ++n) {
      __m512i acc[1];
      direct_block<1>(d, pl, s, P16, pix0, n, acc);
      const std::int64_t o = grp * d.og + n;
      direct_store(acc[0], rowsum, post, static_cast<std::size_t>(o),
                   nchw ? img + o * P + pix0 : img + pix0 * O_out + o, stride, mask, tmp, pix0);
    }
  }
}

// 1-bit activations (field 1), groups = 1, C <= 32: each padded position's channel offsets as
// the bits of one dword (the "bit image"), and per 16 pixels one gathered vector per tap.
struct BitImage {
  std::int64_t hp = 0, wp = 0;
  std::vector<std::uint32_t> bits;
};

bool tap_bitserial(const QTensor &x, const PackedConvWeights &w) {
  const std::int64_t taps = w.kernel_h() * w.kernel_w(),
                     kq = (w.in_channels_per_group() * taps + 3) / 4;
  if (x.layout().field() != 1 || w.groups() != 1 || w.in_channels_per_group() > 32)
    return false;
  return 3 * static_cast<std::int64_t>(w.weight_layout().bits) * taps < kq; // vs Dot8's dwords
}

using detail::bits_at;

SAMD_DIRECT_TARGET void bit_image(const QTensor &x, std::int64_t b, const detail::Geometry &g,
                                  const Conv2dParams &p, bool pad_bit, BitImage &img) {
  const std::uint32_t cmask = g.c >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << g.c) - 1;
  const std::uint32_t flip = x.layout().is_signed() ? cmask : 0; // offset = bit ^ 1 when signed
  img.hp = g.h + p.pad_top + p.pad_bottom, img.wp = g.w + p.pad_left + p.pad_right;
  if (b == 0) // the padding, once per call: every image rewrites exactly its own positions
    img.bits.assign(static_cast<std::size_t>(img.hp * img.wp) + 48,
                    pad_bit ? cmask : 0); // + slack for 16-wide loads
  const std::vector<std::uint64_t> &words = x.words();
  for (std::int64_t y = 0; y < g.h; ++y) {
    std::uint32_t *row = img.bits.data() + (y + p.pad_top) * img.wp + p.pad_left;
    if (g.format == DataFormat::NHWC) {
      for (std::int64_t xx = 0; xx < g.w; ++xx)
        row[xx] = bits_at(words, static_cast<std::size_t>(((b * g.h + y) * g.w + xx) * g.c),
                          static_cast<unsigned>(g.c)) ^
                  flip;
      continue;
    }
    if (g.c <= 16 && g.w <= 25 && (b + 1) * g.c * g.h * g.w < (std::int64_t{1} << 31)) {
      // Every channel's row at once: its <= 25 bits from one gathered dword (scale 1, any byte),
      // then per position the channels' bits of that column (a 16 x W transposition).
      const auto cm = static_cast<__mmask16>(g.c >= 16 ? 0xFFFF : (1u << g.c) - 1);
      const __m512i start = _mm512_add_epi32(
          _mm512_mullo_epi32(_mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(b * g.c)),
                                              _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6,
                                                               5, 4, 3, 2, 1, 0)),
                             _mm512_set1_epi32(static_cast<int>(g.h * g.w))),
          _mm512_set1_epi32(static_cast<int>(y * g.w)));
      const std::int64_t last = ((b * g.c + g.c - 1) * g.h + y) * g.w / 8; // the last lane's byte
      if (last + 4 <= static_cast<std::int64_t>(words.size() * 8)) {
        const __m512i v =
            _mm512_and_si512(_mm512_srlv_epi32(_mm512_mask_i32gather_epi32(
                                                   _mm512_setzero_si512(), cm,
                                                   _mm512_srli_epi32(start, 3), words.data(), 1),
                                               _mm512_and_si512(start, _mm512_set1_epi32(7))),
                             _mm512_set1_epi32(static_cast<int>((std::uint32_t{1} << g.w) - 1)));
        for (std::int64_t xx = 0; xx < g.w; ++xx)
          row[xx] = static_cast<std::uint32_t>(_mm512_test_epi32_mask(
                        v, _mm512_set1_epi32(static_cast<int>(std::uint32_t{1} << xx)))) ^
                    flip;
        continue;
      }
    }
    for (std::int64_t x0 = 0; x0 < g.w;
         x0 += 16) { // 16 positions: every channel's bits, then one store
      const unsigned n = static_cast<unsigned>(std::min<std::int64_t>(16, g.w - x0));
      __m512i v = _mm512_set1_epi32(static_cast<int>(flip));
      for (std::int64_t c = 0; c < g.c; ++c) {
        const std::size_t start = static_cast<std::size_t>(((b * g.c + c) * g.h + y) * g.w + x0);
        const auto m = static_cast<__mmask16>(bits_at(words, start, n));
        v = _mm512_mask_xor_epi32(v, m, v,
                                  _mm512_set1_epi32(static_cast<int>(std::uint32_t{1} << c)));
      }
      _mm512_mask_storeu_epi32(row + x0, static_cast<__mmask16>((1u << n) - 1), v);
    }
  }
}

// Sums of 16 pixels (acts: T tap vectors) for channels [n, n + NR), finished and stored.
template <int NR>
SAMD_DIRECT_TARGET inline void
tap_block(const detail::DirectGroup &d, const std::uint32_t *wts, unsigned wb, std::int64_t T,
          const std::uint32_t *acts, const __m512i rowsum, std::int64_t n, const DirectPost &post,
          std::int32_t *out, std::int64_t ostride, std::int64_t stride, __mmask16 mask,
          std::int32_t *tmp, std::int64_t pix0) {
  __m512i acc[NR];
  for (int r = 0; r < NR; ++r)
    acc[r] = _mm512_setzero_si512();
  for (unsigned j = 0; j < wb; ++j) {
    __m512i tj[NR];
    for (int r = 0; r < NR; ++r)
      tj[r] = _mm512_setzero_si512();
    const std::uint32_t *wp = wts + static_cast<std::size_t>(j * T * d.og + n);
    for (std::int64_t t = 0; t < T; ++t, wp += d.og)
      for (int r = 0; r < NR; ++r)
        tj[r] = _mm512_add_epi32(tj[r], _mm512_popcnt_epi32(_mm512_and_si512(
                                            _mm512_loadu_si512(acts + 16 * t),
                                            _mm512_set1_epi32(static_cast<int>(wp[r])))));
    for (int r = 0; r < NR; ++r)
      acc[r] = j == 0 ? tj[r] : _mm512_add_epi32(acc[r], _mm512_slli_epi32(tj[r], j));
  }
  for (int r = 0; r < NR; ++r)
    direct_store(acc[r], rowsum, post, static_cast<std::size_t>(n + r), out + (n + r) * ostride,
                 stride, mask, tmp, pix0);
}

// n dwords of v starting at a 64-byte boundary: vectors stored there and loaded back whole stay
// within one cache line, so the stores forward to the loads.
inline std::uint32_t *aligned64(std::vector<std::uint32_t> &v, std::size_t n) {
  v.resize(n + 15);
  const auto skew = reinterpret_cast<std::uintptr_t>(v.data()) % 64 / 4;
  return v.data() + (16 - skew) % 16;
}

// Where the tap-wise kernels read their T tap vectors: tap vector t of the output pixel whose
// window starts at position i of the bit image is src[i + toff[t]]; live[t]: its bits that are
// taps (the row sums). With pairs (C <= 16) vector k holds taps 2k and 2k + 1 (bits 16..31), read
// from a pair image P[i] = bits[i] | bits[i + delta] << 16 for the offset delta between the two
// taps (the next column, or the next row's first column: at most two such images, side by side
// in pair_bits); otherwise vector t is tap t of the bit image.
struct TapSources {
  std::int64_t T = 0;
  const std::uint32_t *src = nullptr, *wts = nullptr; // wts: the weights' format for the vectors
  std::vector<std::int32_t> toff;
  std::vector<std::uint32_t> live;
};

SAMD_DIRECT_TARGET void tap_sources(const detail::DirectGroup &d, std::int64_t KH, std::int64_t KW,
                                    const BitImage &img, const Conv2dParams &p,
                                    std::vector<std::uint32_t> &pair_bits, TapSources &ts) {
  const auto off = [&](std::int64_t t) {
    return (t / KW) * p.dilation_h * img.wp + (t % KW) * p.dilation_w;
  };
  const std::int64_t taps = KH * KW;
  if (d.w1p.empty()) {
    ts.T = taps, ts.src = img.bits.data(), ts.wts = d.w1t.data();
    ts.toff.resize(static_cast<std::size_t>(taps));
    ts.live.assign(static_cast<std::size_t>(taps), ~std::uint32_t{0});
    for (std::int64_t t = 0; t < taps; ++t)
      ts.toff[static_cast<std::size_t>(t)] = static_cast<std::int32_t>(off(t));
    return;
  }
  ts.T = d.pair_slots, ts.wts = d.w1p.data();
  ts.toff.resize(static_cast<std::size_t>(ts.T));
  ts.live.resize(static_cast<std::size_t>(ts.T));
  const std::int64_t n = img.hp * img.wp, size = static_cast<std::int64_t>(img.bits.size());
  const std::int64_t stride = (n + 31) / 16 * 16; // an image and 16 dwords of slack
  std::int64_t deltas[2] = {-1, -1};
  for (std::int64_t k = 0; k < ts.T; ++k) {
    const bool two = 2 * k + 1 < taps;
    int which = 0; // a lone last tap reads any image: its weights' high half is zero
    if (two) {     // a rectangular window has at most two distinct deltas
      const std::int64_t delta = off(2 * k + 1) - off(2 * k);
      which = deltas[0] < 0 || deltas[0] == delta ? 0 : 1;
      if (which == 1 && deltas[1] >= 0 && deltas[1] != delta)
        throw std::logic_error("samd: conv2d: a third tap-pair offset");
      deltas[which] = delta;
    }
    ts.toff[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(which * stride + off(2 * k));
    ts.live[static_cast<std::size_t>(k)] = two ? ~std::uint32_t{0} : 0xFFFFu;
  }
  pair_bits.resize(static_cast<std::size_t>(2 * stride));
  for (int which = 0; which < 2; ++which) {
    std::uint32_t *dst = pair_bits.data() + which * stride;
    const std::int64_t delta = std::max<std::int64_t>(deltas[which], 0);
    if (which == 1 && deltas[1] < 0)
      break;
    for (std::int64_t i = 0; i < stride; i += 16) { // past n: whatever, never a valid output's tap
      const auto m = [&](std::int64_t at) {
        const std::int64_t left = size - at;
        return static_cast<__mmask16>(left >= 16 ? 0xFFFF : (left <= 0 ? 0 : (1u << left) - 1));
      };
      const __m512i lo = _mm512_maskz_loadu_epi32(m(i), img.bits.data() + i);
      const __m512i hi = _mm512_maskz_loadu_epi32(m(i + delta), img.bits.data() + i + delta);
      _mm512_storeu_si512(dst + i, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
    }
  }
  ts.src = pair_bits.data();
}

// Pixel blocks: 16 consecutive outputs of one row when stride_w = 1 (each tap one masked load of
// the bit image), else 16 consecutive pixels gathered.
SAMD_DIRECT_TARGET void conv_tap_bitserial(const detail::DirectGroup &d, unsigned wb,
                                           std::int64_t KH, std::int64_t KW, const BitImage &img,
                                           const detail::Geometry &g, const Conv2dParams &p,
                                           const DirectPost &post, std::int32_t *out_img,
                                           std::int32_t *tmp, std::vector<std::uint32_t> &scratch,
                                           std::vector<std::uint32_t> &pair_bits) {
  const std::int64_t P = g.oh * g.ow, O_out = static_cast<std::int64_t>(post.dz.size());
  const bool nchw = g.format == DataFormat::NCHW;
  const std::int64_t stride = nchw ? 1 : O_out, ostride = nchw ? P : 1;
  // Pairs of taps per dword when the channels fit 16 bits: fewer and + popcount steps.
  TapSources ts;
  tap_sources(d, KH, KW, img, p, pair_bits, ts);
  const std::int64_t T = ts.T;
  const std::uint32_t *wts = ts.wts, *src = ts.src;
  const std::vector<std::int32_t> &toff = ts.toff;
  const std::vector<std::uint32_t> &live = ts.live;
  std::uint32_t *a = aligned64(scratch, static_cast<std::size_t>(T * 16)); // T vectors of 16 px
  auto run_block = [&](std::int64_t pix0, __mmask16 mask) SAMD_DIRECT_TARGET {
    __m512i rowsum = _mm512_setzero_si512();
    for (std::int64_t t = 0; t < T; ++t)
      rowsum = _mm512_add_epi32(
          rowsum, _mm512_popcnt_epi32(_mm512_and_si512(
                      _mm512_loadu_si512(a + 16 * t),
                      _mm512_set1_epi32(static_cast<int>(live[static_cast<std::size_t>(t)])))));
    std::int32_t *out = nchw ? out_img + pix0 : out_img + pix0 * O_out;
    std::int64_t n = 0;
    for (; n + 8 <= O_out; n += 8)
      tap_block<8>(d, wts, wb, T, a, rowsum, n, post, out, ostride, stride, mask, tmp, pix0);
    for (; n + 4 <= O_out; n += 4)
      tap_block<4>(d, wts, wb, T, a, rowsum, n, post, out, ostride, stride, mask, tmp, pix0);
    for (; n < O_out; ++n)
      tap_block<1>(d, wts, wb, T, a, rowsum, n, post, out, ostride, stride, mask, tmp, pix0);
  };
  if (p.stride_w == 1) {
    for (std::int64_t oy = 0; oy < g.oh; ++oy)
      for (std::int64_t ox0 = 0; ox0 < g.ow; ox0 += 16) {
        const std::int64_t n = std::min<std::int64_t>(16, g.ow - ox0);
        const auto mask = static_cast<__mmask16>(n >= 16 ? 0xFFFF : (1u << n) - 1);
        const std::uint32_t *base = src + oy * p.stride_h * img.wp + ox0;
        for (std::int64_t t = 0; t < T; ++t)
          _mm512_storeu_si512(
              a + 16 * t, _mm512_maskz_loadu_epi32(mask, base + toff[static_cast<std::size_t>(t)]));
        run_block(oy * g.ow + ox0, mask);
      }
    return;
  }
  std::int32_t idx[16];
  for (std::int64_t pix0 = 0; pix0 < P; pix0 += 16) {
    const __mmask16 mask = P - pix0 >= 16 ? static_cast<__mmask16>(0xFFFF)
                                          : static_cast<__mmask16>((1u << (P - pix0)) - 1);
    for (std::int64_t i = 0, oy = pix0 / g.ow, ox = pix0 % g.ow; i < 16;
         ++i) { // pixels past P repeat the last
      idx[i] = static_cast<std::int32_t>(oy * p.stride_h * img.wp + ox * p.stride_w);
      if (pix0 + i + 1 < P && ++ox == g.ow)
        ox = 0, ++oy;
    }
    const __m512i vidx = _mm512_loadu_si512(idx);
    for (std::int64_t t = 0; t < T; ++t)
      _mm512_storeu_si512(
          a + 16 * t,
          _mm512_i32gather_epi32(
              _mm512_add_epi32(vidx, _mm512_set1_epi32(toff[static_cast<std::size_t>(t)])),
              static_cast<const void *>(src), 4));
    run_block(pix0, mask);
  }
}

// The tap-wise bit-serial kernel with a 2x2 / 2 max pool and a 1-bit output fused, channels in
// lanes: per output pixel, each tap vector (a dword of channel bits, broadcast) is and-ed with 16
// output channels' weight dwords at once, so no lane is wasted on a row's tail and the pool is a
// max of whole vectors. The exact sums C (mod 2^32, as direct_store), their max over the window
// (max commutes with the monotone requantization), the channel's threshold: one mask of 16
// channels per pooled pixel and vector; then, per channel, the masks of 16 pooled pixels are its
// bits (a transposition by vptestmd) and go straight into the output's bit stream.
// Channels [ch0, ch0 + 16 * NV) of the image at bit `at` of words (or-ed; zero there, one word
// of slack past the end). pre: post.rq one threshold or a constant with values {0, 1} per channel
// (conv_direct_max_pool_bits checks); masks, row_sums: scratch. WB: wb when fixed at compile time
// (binary weights: one plane, no shifts), else 0.
template <int NV, unsigned WB>
SAMD_DIRECT_TARGET void
tap_pool_cl(const TapSources &ts, const detail::DirectGroup &d, unsigned wb,
            const detail::Geometry &g, const Conv2dParams &p, std::int64_t wp,
            const DirectPost &post, std::int64_t ch0, std::uint64_t *words, std::int64_t at,
            std::vector<std::uint16_t> &masks, std::vector<std::uint32_t> &row_sums) {
  const std::int64_t O_out = static_cast<std::int64_t>(post.dz.size()), T = ts.T;
  const std::int64_t ph = g.oh / 2, pw = g.ow / 2, plane = ph * pw;
  const std::int64_t nch = std::min<std::int64_t>(16 * NV, O_out - ch0);
  __m512i scale[NV], dz[NV], fixed[NV], thr[NV];
  __mmask16 live[NV], con[NV], held[NV]; // channels with a threshold; constant 1; in the weights
  for (int k = 0; k < NV; ++k) {
    const std::int64_t rest = d.og - (ch0 + 16 * k);
    held[k] = static_cast<__mmask16>(rest >= 16 ? 0xFFFF : (rest <= 0 ? 0 : (1u << rest) - 1));
    alignas(64) std::int32_t sc[16] = {}, z[16] = {}, f[16] = {}, th[16] = {};
    live[k] = con[k] = 0;
    for (int c = 0; c < 16; ++c) {
      const std::int64_t o = ch0 + 16 * k + c;
      if (o >= ch0 + nch)
        break;
      const auto ou = static_cast<std::size_t>(o);
      sc[c] = post.scale[ou], z[c] = post.dz[ou], f[c] = post.fixed[ou];
      const LaneRequant &l = post.rq[ou];
      if (l.nthr == 1) {
        th[c] = l.thr[0];
        live[k] = static_cast<__mmask16>(live[k] | (1u << c));
      } else if (l.base) {
        con[k] = static_cast<__mmask16>(con[k] | (1u << c));
      }
    }
    scale[k] = _mm512_load_si512(sc), dz[k] = _mm512_load_si512(z);
    fixed[k] = _mm512_load_si512(f), thr[k] = _mm512_load_si512(th);
  }
  const std::uint32_t *src = ts.src;
  const std::int32_t *toff = ts.toff.data();
  const std::uint32_t *tlive = ts.live.data();
  const std::int64_t mstride = (plane + 31) / 32 * 32; // each vector's masks, 32-aligned blocks
  masks.resize(static_cast<std::size_t>(NV * mstride));
  // The row sums (sum of the window's activation bits) of every pixel the pool reads, 16 at a time.
  std::vector<std::uint32_t> &rows = row_sums;
  rows.resize(static_cast<std::size_t>(2 * ph * g.ow + 16));
  for (std::int64_t oy = 0; oy < 2 * ph; ++oy)
    for (std::int64_t ox0 = 0; ox0 < g.ow; ox0 += 16) {
      alignas(64) std::int32_t idx[16];
      for (int i = 0; i < 16; ++i)
        idx[i] = static_cast<std::int32_t>(oy * p.stride_h * wp +
                                           std::min<std::int64_t>(ox0 + i, g.ow - 1) * p.stride_w);
      const __m512i vidx = _mm512_load_si512(idx);
      __m512i r = _mm512_setzero_si512();
      for (std::int64_t t = 0; t < T; ++t) { // unit stride: 16 consecutive positions
        const __m512i v =
            p.stride_w == 1
                ? _mm512_loadu_si512(src + oy * p.stride_h * wp + ox0 + toff[t])
                : _mm512_i32gather_epi32(_mm512_add_epi32(vidx, _mm512_set1_epi32(toff[t])),
                                         static_cast<const void *>(src), 4);
        r = _mm512_add_epi32(r, _mm512_popcnt_epi32(_mm512_and_si512(
                                    v, _mm512_set1_epi32(static_cast<int>(tlive[t])))));
      }
      _mm512_storeu_si512(rows.data() + oy * g.ow + ox0, r);
    }
  const auto wplane = [&](unsigned jj) {
    return (d.w1p.empty() ? d.w1t.data() : d.w1p.data()) +
           static_cast<std::size_t>(jj * T * d.og + ch0);
  };
  for (std::int64_t py = 0; py < ph; ++py)
    for (std::int64_t px = 0; px < pw; ++px) {
      __m512i m[NV];
      const std::uint32_t *base[4]; // the window's pixels
      for (int q = 0; q < 4; ++q)
        base[q] = src + (2 * py + q / 2) * p.stride_h * wp + (2 * px + q % 2) * p.stride_w;
      __m512i acc[4][NV];
      for (unsigned j = 0; j < (WB ? WB : wb); ++j) {
        __m512i tj[4][NV];
        for (int q = 0; q < 4; ++q)
          for (int k = 0; k < NV; ++k)
            tj[q][k] = _mm512_setzero_si512();
        const std::uint32_t *wj = wplane(j);
        for (std::int64_t t = 0; t < T; ++t, wj += d.og) {
          __m512i wv[NV];
          for (int k = 0; k < NV; ++k)
            wv[k] = _mm512_maskz_loadu_epi32(held[k], wj + 16 * k);
          for (int q = 0; q < 4; ++q) {
            const __m512i av = _mm512_broadcastd_epi32(_mm_loadu_si32(base[q] + toff[t]));
            for (int k = 0; k < NV; ++k)
              tj[q][k] =
                  _mm512_add_epi32(tj[q][k], _mm512_popcnt_epi32(_mm512_and_si512(av, wv[k])));
          }
        }
        for (int q = 0; q < 4; ++q)
          for (int k = 0; k < NV; ++k)
            acc[q][k] =
                j == 0 ? tj[q][k] : _mm512_add_epi32(acc[q][k], _mm512_slli_epi32(tj[q][k], j));
      }
      for (int q = 0; q < 4; ++q) {
        const __m512i r = _mm512_broadcastd_epi32(
            _mm_loadu_si32(rows.data() + (2 * py + q / 2) * g.ow + 2 * px + q % 2));
        for (int k = 0; k < NV; ++k) {
          const __m512i c = _mm512_add_epi32(_mm512_mullo_epi32(acc[q][k], scale[k]),
                                             _mm512_mullo_epi32(r, dz[k]));
          m[k] = q == 0 ? c : _mm512_max_epi32(m[k], c);
        }
      }
      for (int k = 0; k < NV; ++k) {
        const __mmask16 on = static_cast<__mmask16>(
            (_mm512_mask_cmpge_epi32_mask(live[k], _mm512_add_epi32(m[k], fixed[k]), thr[k])) |
            con[k]);
        masks[static_cast<std::size_t>(k * mstride + py * pw + px)] = on;
      }
    }
  for (int k = 0; k < NV; ++k) // per channel, its bits of 32 pooled pixels at a time
    for (std::int64_t p0 = 0; p0 < plane; p0 += 32) {
      const std::int64_t n = std::min<std::int64_t>(32, plane - p0);
      const auto valid = static_cast<__mmask32>(n >= 32 ? ~0u : (1u << n) - 1);
      const __m512i mv = _mm512_maskz_loadu_epi16(
          valid, masks.data() + static_cast<std::size_t>(k * mstride + p0));
      for (int c = 0; c < 16 && 16 * k + c < nch; ++c) {
        const auto bits = static_cast<std::uint64_t>(
            _mm512_test_epi16_mask(mv, _mm512_set1_epi16(static_cast<short>(1u << c))));
        const std::int64_t pos = at + (ch0 + 16 * k + c) * plane + p0, w = pos / 64, sh = pos % 64;
        words[w] |= bits << sh;
        if (sh > 32)
          words[w + 1] |= bits >> (64 - sh);
      }
    }
}

// The AVX-512 direct convolution, image by image (no im2col matrix, no GEMM padding): the
// image's outputs (int32 sums, or the requantized integers with a Requantizer, or the two-level
// combination of the sums) go to sink(b, img) while in cache.
template <class Sink>
void conv_direct(const QTensor &x, const detail::Geometry &g, std::int32_t za,
                 const PackedConvWeights &w, const Conv2dParams &p, const Requantizer *requant,
                 const TwoLevel *two, Sink sink, std::vector<std::uint64_t> *bitmap = nullptr,
                 std::vector<std::uint64_t> *pooled_bits = nullptr) {
  const std::int64_t O = w.out_channels(), O_out = two ? O - 1 : O, P = g.oh * g.ow,
                     P16 = (P + 15) / 16 * 16;
  const unsigned ab = x.layout().bits, wb = w.weight_layout().bits;
  const std::int64_t K = w.in_channels_per_group() * w.kernel_h() * w.kernel_w();
  const DirectMethod method = direct_method(ab, wb, K);
  const bool use_bits = x.layout().field() == 1 && w.groups() == 1 &&
                        method == DirectMethod::Bitserial && tap_bitserial(x, w);
  // The one format the kernel reads, decoded for this call from the bit planes.
  const DirectFormat format =
      use_bits ? (w.in_channels_per_group() <= 16 && w.kernel_h() * w.kernel_w() >= 2
                      ? DirectFormat::W1P
                      : DirectFormat::W1T)
      : method == DirectMethod::Bitserial    ? DirectFormat::W1
      : p.dilation_w == 1 && w.groups() == 1 ? DirectFormat::W8R
                                             : DirectFormat::W8;
  std::vector<detail::DirectGroup> direct;
  {
    const std::shared_ptr<const detail::ConvBits> bits = detail::conv_bits(w);
    for (std::int64_t grp = 0; grp < w.groups(); ++grp)
      direct.push_back(direct_group(*bits, w.weight_layout(), grp, O / w.groups(), w.kernel_h(),
                                    w.kernel_w(), format));
  }
  const std::vector<std::uint8_t> xv = use_bits ? std::vector<std::uint8_t>{} : x.to_offsets();
  const std::int64_t amin = x.layout().min_value(), da = amin - za;
  const auto pad = static_cast<std::uint8_t>(za - amin);
  const QuantParams &wq = w.weight_quant();
  DirectPost post;
  for (std::int64_t grp = 0; grp < w.groups(); ++grp) {
    const detail::DirectGroup &d = direct[static_cast<std::size_t>(grp)];
    const std::int64_t off = method == DirectMethod::Dot8 ? d.off8 : d.off1;
    const std::vector<std::int64_t> &colsum = method == DirectMethod::Dot8 ? d.colsum8 : d.colsum1;
    for (std::int64_t n = 0; n < d.og && grp * d.og + n < O_out; ++n) {
      const auto o = static_cast<std::size_t>(grp * d.og + n);
      const std::int64_t z = off - wq.zero_point_of(o);
      const std::int64_t bias = w.bias().empty() ? 0 : w.bias()[o];
      const std::int64_t fixed =
          epilogue_fixed<std::int64_t>(K, da, z, colsum[static_cast<std::size_t>(n)], bias);
      if (!two) {
        post.scale.push_back(1), post.dz.push_back(wrap32(z)), post.fixed.push_back(wrap32(fixed));
        post.scale64.push_back(1), post.dz64.push_back(z);
      } else { // d * C[o] + v0mz * S + bias2, with S = sum (a - za) = rowsum + K * da
        const std::int64_t dd = two->d, v = two->v0_minus_zp[o];
        post.scale.push_back(wrap32(dd));
        post.dz.push_back(wrap32(two_level_dz<std::int64_t>(dd, z, v)));
        post.scale64.push_back(dd), post.dz64.push_back(dd * z + v);
        post.fixed.push_back(
            wrap32(two_level_fixed<std::int64_t>(dd, fixed, v, K, da, two->bias[o])));
      }
      if (requant)
        post.rq.push_back(lane_requant(*requant, o));
    }
  }
  // Dot8: fold scale and dz into the weight bytes when every s * v + dz fits a signed byte
  // (binary +-1 weights, symmetric 8-bit ones): sum ua (s v + dz) = s D + dz R exactly, so the
  // kernel needs no row sums and no multiplies after the dot products.
  std::vector<std::vector<std::uint32_t>> folded(static_cast<std::size_t>(w.groups()));
  DirectPost fpost = post;
  if (method == DirectMethod::Dot8 && !use_bits) {
    const bool rowpad = p.dilation_w == 1 && w.groups() == 1;
    bool ok = true;
    std::vector<std::vector<std::uint32_t>> tables(folded.size());
    for (std::int64_t grp = 0; grp < w.groups() && ok; ++grp) {
      const detail::DirectGroup &d = direct[static_cast<std::size_t>(grp)];
      const std::vector<std::uint32_t> &src = rowpad ? d.w8r : d.w8;
      const std::vector<std::uint32_t> &ones = rowpad ? d.ones8r : d.ones8;
      const std::int64_t kq = rowpad ? d.kqr : d.kq;
      std::vector<std::uint32_t> &t = tables[static_cast<std::size_t>(grp)];
      t.assign(src.size(), 0);
      for (std::int64_t n = 0; n < d.og && ok; ++n) {
        const std::int64_t o = grp * d.og + n;
        if (o >= O_out)
          continue;
        const std::int64_t sc = post.scale64[static_cast<std::size_t>(o)],
                           dz = post.dz64[static_cast<std::size_t>(o)];
        for (std::int64_t q = 0; q < kq && ok; ++q) {
          const std::uint32_t word = src[static_cast<std::size_t>(q * d.og + n)],
                              live = ones[static_cast<std::size_t>(q)];
          std::uint32_t out = 0;
          for (unsigned b = 0; b < 4; ++b) {
            if (((live >> (8 * b)) & 0xFF) == 0)
              continue; // padding bytes keep weight 0
            const std::int64_t v =
                static_cast<std::int8_t>(static_cast<std::uint8_t>(word >> (8 * b)));
            const std::int64_t f = sc * v + dz;
            if (f < -128 || f > 127)
              ok = false;
            out |= (static_cast<std::uint32_t>(f) & 0xFFu) << (8 * b);
          }
          t[static_cast<std::size_t>(q * d.og + n)] = out;
        }
      }
    }
    if (ok) {
      folded = std::move(tables);
      fpost.plain = true;
      for (std::size_t o = 0; o < fpost.scale.size(); ++o)
        fpost.scale[o] = 1, fpost.dz[o] = 0;
    }
  }
  if (bitmap) { // 1-bit outputs as bit planes (the caller checked every channel's requantization)
    fpost.plane_words = (P + 63) / 64 + 1;
    bitmap->assign(static_cast<std::size_t>(O_out * fpost.plane_words), 0);
    fpost.bitmap = bitmap->data();
  }
  DirectScratch s;
  BitImage bimg;
  std::int32_t tmp[16];
  const bool taps1 = use_bits;
  if (taps1 && pooled_bits) { // the pooled bits straight from the kernel (tap_pool_cl)
    const std::int64_t per = O_out * (g.oh / 2) * (g.ow / 2);
    const detail::DirectGroup &d0 = direct[0];
    TapSources ts;
    for (std::int64_t b = 0; b < g.n; ++b) {
      bit_image(x, b, g, p, pad != 0, bimg);
      tap_sources(d0, w.kernel_h(), w.kernel_w(), bimg, p, s.pairs, ts);
      std::int64_t ch = 0;
      const auto pool_cl = [&](auto nv, auto fixed_wb) SAMD_DIRECT_TARGET {
        tap_pool_cl<decltype(nv)::value, decltype(fixed_wb)::value>(ts, d0, wb, g, p, bimg.wp,
                                                                    fpost, ch, pooled_bits->data(),
                                                                    b * per, s.pool_masks, s.rows);
      };
      using one = std::integral_constant<unsigned, 1>;
      using any = std::integral_constant<unsigned, 0>;
      for (; ch + 16 < O_out; ch += 32)
        wb == 1 ? pool_cl(std::integral_constant<int, 2>{}, one{})
                : pool_cl(std::integral_constant<int, 2>{}, any{});
      if (ch < O_out)
        wb == 1 ? pool_cl(std::integral_constant<int, 1>{}, one{})
                : pool_cl(std::integral_constant<int, 1>{}, any{});
    }
    return;
  }
  std::vector<std::int32_t> img(static_cast<std::size_t>(O_out * P));
  PaddedImage padded;
  const std::size_t image = static_cast<std::size_t>(g.c * g.h * g.w);
  for (std::int64_t b = 0; b < g.n; ++b) {
    if (bitmap && b > 0)
      std::fill(bitmap->begin(), bitmap->end(), 0);
    if (taps1) { // 1-bit activations straight from the packed words
      bit_image(x, b, g, p, pad != 0, bimg);
      conv_tap_bitserial(direct[0], wb, w.kernel_h(), w.kernel_w(), bimg, g, p, fpost, img.data(),
                         tmp, s.acts, s.pairs);
      sink(b, img.data());
      continue;
    }
    pad_image(xv.data() + static_cast<std::size_t>(b) * image, g, p, pad, padded);
    for (std::int64_t grp = 0; grp < w.groups(); ++grp) {
      const detail::DirectGroup &d = direct[static_cast<std::size_t>(grp)];
      const std::int64_t n_out = std::min(d.og, O_out - grp * d.og);
      if (n_out <= 0)
        continue;
      const bool rowpad = method == DirectMethod::Dot8 && p.dilation_w == 1 && w.groups() == 1;
      gather_rows(padded, g, p, w, grp, method, rowpad, ab, P16, s);
      DirectPlan plan = direct_plan(d, method, rowpad, ab, wb);
      if (!folded[static_cast<std::size_t>(grp)].empty())
        plan.w8 = folded[static_cast<std::size_t>(grp)].data();
      conv_direct_group(d, n_out, plan, s, g, grp, O_out, P16, fpost, img.data(), tmp);
    }
    sink(b, img.data());
  }
}

// The direct path applies when the combined sums provably fit int32 (two-level: the bound of
// the combination; otherwise check_k_bound already holds).
bool two_level_fits(const QTensor &x, std::int32_t za, const PackedConvWeights &w,
                    const TwoLevel &t) {
  const std::int64_t K = w.in_channels_per_group() * w.kernel_h() * w.kernel_w();
  const std::int64_t amax = std::max(x.layout().max_value() - za, za - x.layout().min_value());
  for (std::size_t o = 0; o + 1 < static_cast<std::size_t>(w.out_channels()); ++o) {
    const long double bound = static_cast<long double>(K) * amax *
                                  (std::abs(static_cast<long double>(t.d)) +
                                   std::abs(static_cast<long double>(t.v0_minus_zp[o]))) +
                              std::abs(static_cast<long double>(t.bias[o]));
    if (bound > 2147483647.0L)
      return false;
  }
  return true;
}
#endif

struct ConvSetup {
  detail::Geometry g;
  std::int32_t za = 0;
};

// detail::check_k_bound of each group's GEMM weights (what it checked when prepack built them),
// from the layer's parameters: max_k_int32 (gemm.hpp) of the group's zero points and bias.
// post: returns, or std::invalid_argument with check_k_bound's message for the first group whose
// K exceeds its bound.
void check_conv_k_bound(const Layout &act, std::int32_t za, const PackedConvWeights &w) {
  const Layout &wl = w.weight_layout();
  const QuantParams &wq = w.weight_quant();
  const std::int64_t K = w.in_channels_per_group() * w.kernel_h() * w.kernel_w();
  const std::int64_t og = w.out_channels() / w.groups();
  const std::int64_t ma = std::max<std::int64_t>(za - act.min_value(), act.max_value() - za);
  for (std::int64_t grp = 0; grp < w.groups(); ++grp) {
    std::int64_t mw = 0, mb = 0;
    const bool per_channel = wq.channels() > 1 && og > 0;
    for (std::int64_t o = per_channel ? grp * og : 0; o < (per_channel ? (grp + 1) * og : 1); ++o) {
      const std::int64_t z = wq.zero_point_of(static_cast<std::size_t>(o));
      mw = std::max<std::int64_t>({mw, z - wl.min_value(), wl.max_value() - z});
    }
    if (!w.bias().empty())
      for (std::int64_t o = grp * og; o < (grp + 1) * og; ++o) {
        const std::int64_t b = w.bias()[static_cast<std::size_t>(o)];
        mb = std::max<std::int64_t>(mb, b < 0 ? -b : b);
      }
    const std::int64_t limit = max_k_int32_limit(ma, mw, mb);
    if (K > limit)
      throw std::invalid_argument(
          "samd: conv2d: reduction length K = " + std::to_string(K) + " exceeds " +
          std::to_string(limit) + ", the largest K whose exact sums fit int32 for " +
          samd::to_string(act) + " activations x " + samd::to_string(wl) + " weights");
  }
}

// The checks of conv2d: layouts, groups, shapes, the int32 bound.
ConvSetup conv_setup(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p) {
  detail::check_kernel_layout(x.layout(), "conv2d", "input");
  if (!(x.layout() == w.act_layout()))
    throw std::invalid_argument("samd: conv2d: input layout " + samd::to_string(x.layout()) +
                                " does not match the layout the weights were prepacked for, " +
                                samd::to_string(w.act_layout()));
  if (p.groups != w.groups())
    throw std::invalid_argument("samd: conv2d: groups = " + std::to_string(p.groups) +
                                " but the weights were prepacked for " +
                                std::to_string(w.groups()));
  const detail::Geometry g =
      detail::make_geometry(x.shape(), p.format,
                            {w.kernel_h(), w.kernel_w(), p.stride_h, p.stride_w, p.pad_top,
                             p.pad_left, p.pad_bottom, p.pad_right, p.dilation_h, p.dilation_w},
                            "conv2d");
  if (g.c != w.in_channels_per_group() * w.groups())
    throw std::invalid_argument("samd: conv2d: input has " + std::to_string(g.c) +
                                " channels; the weights expect " +
                                std::to_string(w.in_channels_per_group()) + " per group x " +
                                std::to_string(w.groups()) + " groups");
  (void)element_count(g.out_shape(w.out_channels()), "conv2d: output"); // at most 2^40
  const std::int32_t za = detail::per_tensor_zero_point(x, "conv2d", "input");
  check_conv_k_bound(x.layout(), za, w);
  return {g, za};
}

} // namespace

namespace detail {
Geometry conv_geometry(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p) {
  return conv_setup(x, w, p).g;
}

namespace {
// SAMD_CONV_ALGO=direct or im2col forces the choice from the start (for measuring the two).
int initial_algo() {
  const char *e = std::getenv("SAMD_CONV_ALGO");
  if (e && std::string(e) == "direct")
    return static_cast<int>(ConvAlgo::Direct);
  if (e && std::string(e) == "im2col")
    return static_cast<int>(ConvAlgo::Im2col);
  if (e && std::string(e) == "small")
    return static_cast<int>(ConvAlgo::Small);
  if (e && std::string(e) == "planes")
    return static_cast<int>(ConvAlgo::Planes);
  if (e && std::string(e) == "lut64")
    return static_cast<int>(ConvAlgo::Lut64);
  if (e && std::string(e) == "taps")
    return static_cast<int>(ConvAlgo::Taps);
  return static_cast<int>(ConvAlgo::Auto);
}
std::atomic<int> forced_algo{initial_algo()};
} // namespace

void force_conv_algo(ConvAlgo a) {
  forced_algo.store(static_cast<int>(a), std::memory_order_relaxed);
}

// K = C/group x KH x KW > 0. With no input channel the direct, few-tap, plane, LUT64 and tap
// kernels have nothing to build their plans and buffers from (they formed pointers into empty
// ones): im2col + GEMM handles K = 0 and gives the bias, forced algorithm or not.
static bool has_taps(const PackedConvWeights &w) { return w.in_channels_per_group() > 0; }

bool conv_uses_lut64(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                     Path path) {
  // Any stride, dilation, padding and format; p only moves the channel threshold below.
  if (path != Path::Avx512 || !has_taps(w) || !cpu_features().avx512_vbmi ||
      !lut64_conv_applies(x.layout().bits, w.weight_layout().bits, w.kernel_w(),
                          w.in_channels_per_group(), w.out_channels() / w.groups()))
    return false;
  const auto forced = static_cast<ConvAlgo>(forced_algo.load(std::memory_order_relaxed));
  if (forced != ConvAlgo::Auto)
    return forced == ConvAlgo::Lut64;
  // Measured with the AVX-512 kernel (lut64k 12d0dc4 merged locally, 1 thread, ResNet-18 3x3
  // stages NHWC batch 1, samd bench ratio to oneDNN int8): LUT64 0.54x / 0.89x / 1.21x / 1.26x
  // against the implicit bit-serial conv's 1.05x / 1.17x / 1.15x / 1.17x at 64 / 128 / 256 / 512
  // output channels: the kernel's R x C tiles reach 360 / 610 / 900 / 945 GMAC/s on GEMM rows of
  // those shapes (it looks each row's table up for at most 4 64-column panels, so narrow layers
  // pay a table load per lookup).
  // With 3 kernel rows at stride 1 (lut64_conv3_applies) each input row's table serves its 3
  // kernel rows, and LUT64 ran conv2_x / conv3_x at 1.27-1.30x / 1.43x (693 / 787 GMAC/s) against
  // bit-serial's 1.05-1.08x / 1.14x in the same runs: from 64 output channels.
  const std::int64_t og = w.out_channels() / w.groups();
  if (lut64_conv3_applies(w.kernel_h(), p.stride_h, p.dilation_h, w.in_channels_per_group()))
    return og >= 64;
  return og >= 256;
}

bool conv_uses_planes(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                      Path path) {
  if (path != Path::Avx512 || !has_taps(w))
    return false;
#if defined(SAMD_HAVE_X86_KERNELS)
  const unsigned ab = x.layout().bits, wb = w.weight_layout().bits;
  if (!plane_taps_apply(w.in_channels_per_group(), ab) ||
      fast::choose_method(path, ab, wb) != fast::Method::Bitserial)
    return false;
  const auto forced = static_cast<ConvAlgo>(forced_algo.load(std::memory_order_relaxed));
  if (forced != ConvAlgo::Auto)
    return forced == ConvAlgo::Planes;
  // Measured on this machine (1 thread, thread CPU time, ResNet-18 3x3 stages, batch 1, best of
  // 3 alternating runs, GMAC/s), NHWC, against im2col + GEMM on rows copied from the same bit
  // planes: W1A1 1,832 vs 924 (conv2_x) ... 2,415 vs 2,291 (conv5_x), W2A2 540 vs 376 ... 669 vs
  // 642, W1A2 / W1A3 / W1A4 1.0-1.9x; with wider weights than activations the implicit kernel
  // wins at 64 channels (W2A1 758 vs 546, W4A1 327 vs 284) but can lose beyond (W2A1 conv3_x 869
  // vs 990, W4A1 377 vs 495, W3A1 conv5_x 537 vs 797). NCHW, whose input and output both go
  // through scalar transposes, is even with im2col and below the direct kernel at W2A1 conv2_x
  // (312 vs 379), so NCHW keeps the choice below.
  if (wb > ab && w.in_channels_per_group() > 64)
    return false;
  return p.format == DataFormat::NHWC;
#else
  (void)x, (void)w, (void)p;
  return false;
#endif
}

bool conv_uses_direct(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                      const Geometry &g, Path path) {
  if (path != Path::Avx512 || !has_taps(w))
    return false;
  const auto forced = static_cast<ConvAlgo>(forced_algo.load(std::memory_order_relaxed));
  if (forced == ConvAlgo::Direct || forced == ConvAlgo::Im2col)
    return forced == ConvAlgo::Direct;
  if (conv_uses_planes(x, w, p, path) || conv_uses_lut64(x, w, p, path) ||
      conv_uses_taps(x, w, p, g, path))
    return false;
#if defined(SAMD_HAVE_X86_KERNELS)
  // Measured on this machine (Zen 5, 1 thread, 3x3 kernels, time of the direct kernels over that
  // of im2col + GEMM; ResNet-18 stages NHWC batch 1, small layers batch 4-64):
  //  - the direct Dot8 kernel runs at a flat 100-190 GMAC/s while the GEMM gains with K: direct
  //    wins at K = 144 (Fashion-MNIST conv2: im2col 0.55-0.65x), K = 288 is about even (NHWC
  //    1.2-1.5x, NCHW with its transposed output 0.9x), and im2col wins from K = 432 (1.15-1.25x),
  //    K = 576 (1.2-2.5x) up to K = 4608 (ResNet-18 conv5_x: 9-16x);
  //  - the direct bit-serial kernels (W1A1, W1A2, W2A1) lose only for many weights: W1A1 im2col
  //    is 0.6x at K x O = 288 x 32, 0.8x at 1152 x 128, 1.3x at 2304 x 256, 1.2x at 4608 x 512.
  //  - with channels per group a multiple of 64 and a bit-serial GEMM, im2col copies words of the
  //    image's bit planes (conv_planes.hpp) and wins on every ResNet-18 stage (1 thread, W1A1 /
  //    W1A2 / W2A1): NHWC 1.3-2.7x the direct kernel, NCHW (output transposed after the GEMM)
  //    1.1-2.1x, except 0.9x at K x O = 576 x 64 (W2A1 conv2_x).
  const std::int64_t K = w.in_channels_per_group() * w.kernel_h() * w.kernel_w();
  const std::int64_t og = w.out_channels() / w.groups();
  const unsigned ab = x.layout().bits, wb = w.weight_layout().bits;
  if (direct_method(ab, wb, K) == DirectMethod::Bitserial) {
    if (plane_taps_apply(w.in_channels_per_group(), ab) &&
        fast::choose_method(path, ab, wb) == fast::Method::Bitserial)
      return p.format == DataFormat::NCHW && K * og < (std::int64_t{1} << 16);
    return K * og < (std::int64_t{1} << 19);
  }
  (void)g;
  return K < (p.format == DataFormat::NHWC ? 256 : 384);
#else
  (void)x, (void)w, (void)p, (void)g;
  return false;
#endif
}
bool conv_uses_taps(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                    const Geometry &g, Path path) {
  if (!has_taps(w) || !conv_taps_apply(x, w, path) ||
      g.oh * g.ow > INT32_MAX) // (its pixel order is int32)
    return false;
  const auto forced = static_cast<ConvAlgo>(forced_algo.load(std::memory_order_relaxed));
  if (forced != ConvAlgo::Auto)
    return forced == ConvAlgo::Taps;
  // Measured on a Zen 4 (1 thread, ResNet-18 3x3 stages NHWC batch 1, W4A4 / W8A8, GMAC/s of the
  // tap kernel over im2col + GEMM, alternating runs): conv2_x (K = 576, 2.4 % padding taps)
  // 0.92-0.93x / 0.89-0.91x, conv3_x (K = 1152, 4.7 %) 1.04x / 1.04x, conv4_x (2304, 9.3 %) 1.11x
  // / 1.11x, conv5_x (4608, 18.1 %) 1.06x / 1.09x. Below K = 512 im2col or the direct kernels
  // run (conv_uses_direct), as measured for them.
  const std::int64_t K = w.in_channels_per_group() * w.kernel_h() * w.kernel_w();
  return K >= 512 && conv_padding_share(g, p, w.kernel_h(), w.kernel_w()) >= 0.04;
}
bool conv_uses_small(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                     Path path) {
  if (path != Path::Avx512 || !has_taps(w) || p.format != DataFormat::NCHW || w.groups() != 1)
    return false;
  const auto forced = static_cast<ConvAlgo>(forced_algo.load(std::memory_order_relaxed));
  if (forced != ConvAlgo::Auto)
    return forced == ConvAlgo::Small;
#if defined(SAMD_HAVE_X86_KERNELS)
  // Measured on this machine (Zen 5, 1 thread, 3x3 pad 1, batch 64, NCHW, requantized and 2x2
  // max-pooled outputs, us per image, small kernel vs the best of the other two):
  //  - few taps: C = 1 (K = 9), 28x28, O = 16: 1.4 vs 4.9 (W8A8), 0.8 vs 4.0 (W1A1); C = 3: 3.1
  //    vs 9.2 (W8A8), 2.7 vs 12.5 (W1A1); C = 8: 6.6 vs 14.4 (W8A8), 7.0 vs 15.0 (W1A1);
  //  - where the other direct kernels use Dot8 (the byte pairs) the small kernel wins up to
  //    K = 576: C = 16 (Fashion-MNIST conv2), 14x14, O = 32: 6.1 vs 8.4 (W8A8), 6.0 vs 10.6
  //    (W2A2); C = 32: 11.5 vs 19.2; C = 64: 21.8 vs 28.5 (O = 64 unpooled: 41 vs 44); C = 128
  //    loses (111 vs 86);
  //  - where they run bit-serial (1-bit activations or weights, wide channels) those win: W1A1
  //    C = 16: 1.6 vs 5.6, C = 32: 2.6 vs 11.1.
  const std::int64_t K = w.in_channels_per_group() * w.kernel_h() * w.kernel_w();
  return K <= kSmallConvMaxK ||
         (K <= kSmallConvMaxDot8K &&
          direct_method(x.layout().bits, w.weight_layout().bits, K) == DirectMethod::Dot8);
#else
  (void)x;
  return false;
#endif
}
} // namespace detail

namespace {
// Whether conv2d on resolved path `path` reads the bit planes (the reference loops, the direct
// kernels by conv2d's choice) rather than the GEMM weights (im2col).
bool reads_bits(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                const detail::Geometry &g, Path path) {
  if (path == Path::Reference)
    return true;
  if (path == Path::Swar)
    return false;
  if (detail::conv_uses_small(x, w, p, path))
    return true;
  return !detail::conv_uses_lut64(x, w, p, path) && detail::conv_uses_direct(x, w, p, g, path);
}
// The rows of one im2col GEMM (all images' for NHWC with groups = 1).
std::int64_t gemm_rows_of(const detail::Geometry &g, const PackedConvWeights &w) {
  return g.oh * g.ow * (g.format == DataFormat::NHWC && w.groups() == 1 ? g.n : 1);
}
} // namespace

std::string PackedConvWeights::weight_format(const QTensor &x, const Conv2dParams &p,
                                             const KernelOptions &opt) const {
  const ConvSetup cs = conv_setup(x, *this, p);
  const Path path = resolve_path(opt.path);
  if (reads_bits(x, *this, p, cs.g, path))
    return "bits";
  if (detail::conv_uses_lut64(x, *this, p, path)) {
    (void)detail::conv_lut64_groups(*this); // built as the call would build them
    return "lut64";
  }
  const std::vector<PackedWeights> &groups = detail::conv_groups(*this, path);
  // The tap kernel reads the im2col GEMM's weights too.
  return std::string(detail::conv_uses_taps(x, *this, p, cs.g, path) ? "taps:" : "gemm:") +
         (groups.empty() ? "none" : groups[0].weight_format(path, gemm_rows_of(cs.g, *this)));
}

std::size_t PackedConvWeights::weight_bytes(const QTensor &x, const Conv2dParams &p,
                                            const KernelOptions &opt) const {
  const ConvSetup cs = conv_setup(x, *this, p);
  const Path path = resolve_path(opt.path);
  if (reads_bits(x, *this, p, cs.g, path)) {
    const std::size_t words =
        (static_cast<std::size_t>(o_ * wl_.bits * cg_ * kh_ * kw_) + 63) / 64 + 1;
    return words * sizeof(std::uint64_t) + bias_.size() * sizeof(std::int32_t) +
           wq_.scale.size() * sizeof(float) + wq_.zero_point.size() * sizeof(std::int32_t);
  }
  std::size_t bytes = 0;
  if (detail::conv_uses_lut64(x, *this, p, path)) {
    // The nibbles, and per channel the column sum and what the bits' branch counts.
    for (const detail::ConvLut64Group &l : detail::conv_lut64_groups(*this))
      bytes += l.w.nibbles.size() + l.colsum.size() * l.colsum.element_bytes();
    return bytes + bias_.size() * sizeof(std::int32_t) + wq_.scale.size() * sizeof(float) +
           wq_.zero_point.size() * sizeof(std::int32_t);
  }
  for (const PackedWeights &pw : detail::conv_groups(*this, path))
    bytes += pw.weight_bytes(path, gemm_rows_of(cs.g, *this));
  return bytes;
}

Int32Tensor conv2d_s32(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                       const KernelOptions &opt) {
  Int32Tensor out;
  conv2d_s32(x, w, p, out, opt);
  return out;
}

void conv2d_s32(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                Int32Tensor &out, const KernelOptions &opt) {
  const Path path = resolve_options(opt, "conv2d");
  const ConvSetup cs = conv_setup(x, w, p);
  const detail::Geometry &g = cs.g;
  const std::int32_t za = cs.za;
  if (path == Path::Swar) // the im2col GEMM's K against its capacity, before out is touched
    detail::check_swar_split(w.in_channels_per_group() * w.kernel_h() * w.kernel_w(),
                             w.act_layout().bits, w.weight_layout().bits, w.swar_guard(), opt,
                             "conv2d");
  if (path == Path::Reference || path == Path::Swar) {
    const std::vector<std::int64_t> xv = x.to_ints();
    std::vector<std::int32_t> data = path == Path::Reference
                                         ? conv_reference(xv, g, za, w, p)
                                         : conv_im2col(path, xv, g, za, w, p, opt);
    out.shape = g.out_shape(w.out_channels());
    out.data = std::move(data);
    return;
  }
  out.shape = g.out_shape(w.out_channels());
  const std::int64_t O = w.out_channels();
  // Every element is written below (each kernel covers all of them), so a reused buffer of the
  // right size is not cleared first.
  out.data.resize(static_cast<std::size_t>(g.n * O * g.oh * g.ow));
#if defined(SAMD_HAVE_X86_KERNELS)
  if (detail::conv_uses_small(x, w, p, path)) {
    detail::SmallConvJob job;
    job.x = &x, job.w = &w, job.p = &p, job.g = g, job.za = za;
    if (detail::conv_small_s32(job, out.data.data()))
      return;
  }
  if (detail::conv_uses_lut64(x, w, p, path)) {
    detail::conv_lut64(x, g, za, w, p, opt, out.data.data());
    return;
  }
  if (detail::conv_uses_planes(x, w, p, path)) {
    conv_planes_implicit(path, x, g, za, w, p, opt, out.data.data());
    return;
  }
  if (detail::conv_uses_taps(x, w, p, g, path)) {
    detail::conv_taps(path, x, g, za, w, p, opt, out.data.data());
    return;
  }
  if (path == Path::Avx512 && detail::conv_uses_direct(x, w, p, g, path)) {
    conv_direct(x, g, za, w, p, nullptr, nullptr, [&](std::int64_t b, const std::int32_t *img) {
      const std::size_t per = static_cast<std::size_t>(O * g.oh * g.ow);
      std::copy(img, img + per,
                out.data.begin() + static_cast<std::ptrdiff_t>(per * static_cast<std::size_t>(b)));
    });
    return;
  }
#endif
  conv_im2col_fast(path, x, g, za, w, p, opt, out.data.data());
  return;
}

QTensor conv2d(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
               const Requant &rq, const KernelOptions &opt) {
  const Requantizer r(x.quant().scale[0], w.weight_quant(),
                      static_cast<std::size_t>(w.out_channels()), rq);
  return conv2d(x, w, p, r, opt);
}

namespace detail {
void check_two_level(const TwoLevel &t, std::int64_t channels, const char *kernel) {
  if (channels < 1)
    throw std::invalid_argument(std::string("samd: ") + kernel +
                                ": two-level sums need the all-ones channel last; there are " +
                                std::to_string(channels) + " channels");
  const auto O = static_cast<std::size_t>(channels - 1);
  if (t.v0_minus_zp.size() != O || t.bias.size() != O)
    throw std::invalid_argument(std::string("samd: ") + kernel + ": " +
                                std::to_string(t.v0_minus_zp.size()) + " / " +
                                std::to_string(t.bias.size()) + " channel parameters for " +
                                std::to_string(O) + " channels");
}
} // namespace detail

Int32Tensor combine_two_level(const Int32Tensor &acc, const TwoLevel &t, int channel_axis) {
  if (channel_axis < 0 || channel_axis >= static_cast<int>(acc.shape.size()))
    throw std::invalid_argument("samd: combine_two_level: no channel axis " +
                                std::to_string(channel_axis) + " in " + to_string(acc.shape));
  const std::size_t n = element_count(acc.shape, "combine_two_level: the sums' shape");
  if (n != acc.data.size())
    throw std::invalid_argument("samd: combine_two_level: " + std::to_string(acc.data.size()) +
                                " sums for shape " + to_string(acc.shape) + " of " +
                                std::to_string(n) + " elements");
  Shape shape = acc.shape;
  detail::check_two_level(t, shape[static_cast<std::size_t>(channel_axis)], "combine_two_level");
  const auto O = static_cast<std::size_t>(shape[static_cast<std::size_t>(channel_axis)] - 1);
  shape[static_cast<std::size_t>(channel_axis)] = static_cast<std::int64_t>(O);
  std::size_t outer = 1, inner = 1; // the shape is checked: no overflow
  for (int d = 0; d < channel_axis; ++d)
    outer *= static_cast<std::size_t>(shape[static_cast<std::size_t>(d)]);
  for (std::size_t d = static_cast<std::size_t>(channel_axis) + 1; d < shape.size(); ++d)
    inner *= static_cast<std::size_t>(shape[d]);
  Int32Tensor out{shape, std::vector<std::int32_t>(outer * O * inner)};
  for (std::size_t b = 0; b < outer; ++b) {
    const std::int32_t *base = acc.data.data() + b * (O + 1) * inner, *S = base + O * inner;
    for (std::size_t o = 0; o < O; ++o) {
      const std::int32_t *A = base + o * inner;
      std::int32_t *dst = out.data.data() + (b * O + o) * inner;
      // In 128 bits: |d * A| and |v0 * S| < 2^94, so the sum cannot wrap before the range check.
      const __int128 d = t.d, v0 = t.v0_minus_zp[o], bias = t.bias[o];
      bool fits = true;
      for (std::size_t i = 0; i < inner; ++i) {
        const __int128 v = d * A[i] + v0 * S[i] + bias;
        fits &= v >= INT32_MIN && v <= INT32_MAX;
        dst[i] = static_cast<std::int32_t>(v);
      }
      if (!fits)
        throw std::overflow_error("samd: combine_two_level: a sum of channel " + std::to_string(o) +
                                  " exceeds int32");
    }
  }
  return out;
}

namespace detail {
bool conv_small_requant(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                        const Requantizer &r, const TwoLevel *two, const KernelOptions &opt,
                        const Pool2dParams *pool,
                        const std::function<Geometry(const Geometry &)> &pool_geometry,
                        QTensor &out) {
  if (!conv_uses_small(x, w, p, resolve_path(opt.path)))
    return false;
  const ConvSetup cs = conv_setup(x, w, p);
  const std::int64_t O = two ? w.out_channels() - 1 : w.out_channels();
  if (cs.g.n == 0 || O < 0 || r.channels() != static_cast<std::size_t>(O))
    return false; // no image (shapes only) or a mismatch the other paths report
  SmallConvJob job;
  job.x = &x, job.w = &w, job.p = &p, job.g = cs.g, job.za = cs.za;
  job.r = &r, job.two = two, job.pool = pool;
  if (pool)
    job.pool_g = pool_geometry(cs.g);
  Shape shape;
  std::vector<std::uint64_t> words;
  if (!conv_small_quant(job, shape, words))
    return false;
  const Requant &rq = r.requant();
  out = QTensor::from_words(shape, rq.out_layout, std::move(words),
                            QuantParams{{rq.out_scale}, {rq.out_zero_point}, -1});
  return true;
}

bool conv_direct_requant(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                         const Requantizer &r, const TwoLevel *two, const KernelOptions &opt,
                         Geometry &g,
                         const std::function<void(std::int64_t, const std::int32_t *)> &sink) {
#if defined(SAMD_HAVE_X86_KERNELS)
  if (resolve_path(opt.path) != Path::Avx512)
    return false;
  const ConvSetup cs = conv_setup(x, w, p);
  if (!conv_uses_direct(x, w, p, cs.g, Path::Avx512) || (two && !two_level_fits(x, cs.za, w, *two)))
    return false;
  g = cs.g;
  conv_direct(x, cs.g, cs.za, w, p, &r, two, sink);
  return true;
#else
  (void)x, (void)w, (void)p, (void)r, (void)two, (void)opt, (void)g, (void)sink;
  return false;
#endif
}

#if defined(SAMD_HAVE_X86_KERNELS)
namespace {
// n <= 57 bits from bit pos of words (words[pos / 64 + 1] must exist).
inline std::uint64_t bits_at64(const std::uint64_t *words, std::int64_t pos, std::int64_t n) {
  const std::int64_t i = pos / 64, sh = pos % 64;
  std::uint64_t v = words[i] >> sh;
  if (sh + n > 64)
    v |= words[i + 1] << (64 - sh);
  return v & ((std::uint64_t{1} << n) - 1);
}

// The 2x2 / 2 max pool of 1-bit {0, 1} planes (max = or): each output row is two input rows or-ed,
// neighbours or-ed, every second bit kept; appended to the output bit stream at bit `at`.
__attribute__((target("bmi2"))) void
pool_bit_planes(const std::uint64_t *bm, std::int64_t plane_words, std::int64_t planes,
                std::int64_t h, std::int64_t w, std::vector<std::uint64_t> &out, std::int64_t at) {
  const std::int64_t oh = h / 2, ow = w / 2;
  const std::uint64_t even = 0x5555555555555555ull & ((std::uint64_t{1} << (2 * ow)) - 1);
  for (std::int64_t c = 0; c < planes; ++c, bm += plane_words)
    for (std::int64_t oy = 0; oy < oh; ++oy, at += ow) {
      const std::uint64_t v = bits_at64(bm, 2 * oy * w, w) | bits_at64(bm, (2 * oy + 1) * w, w);
      const std::uint64_t row = _pext_u64(v | (v >> 1), even);
      const std::int64_t i = at / 64, sh = at % 64;
      out[static_cast<std::size_t>(i)] |= row << sh;
      if (sh + ow > 64)
        out[static_cast<std::size_t>(i + 1)] |= row >> (64 - sh);
    }
}
} // namespace
#endif

bool conv_direct_max_pool_bits(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
                               const Requantizer &r, const TwoLevel *two, const Pool2dParams &pool,
                               const KernelOptions &opt,
                               const std::function<void(const Geometry &)> &check_pool,
                               Shape &shape, std::vector<std::uint64_t> &words) {
#if defined(SAMD_HAVE_X86_KERNELS)
  static const bool bmi2 = __builtin_cpu_supports("bmi2");
  const Requant &rq = r.requant();
  if (resolve_path(opt.path) != Path::Avx512 || !bmi2 ||
      !(rq.out_layout == Layout{1, 0, Signedness::Unsigned}) || p.format != DataFormat::NCHW ||
      pool.format != DataFormat::NCHW || pool.kernel_h != 2 || pool.kernel_w != 2 ||
      pool.stride_h != 2 || pool.stride_w != 2 || pool.pad_top != 0 || pool.pad_left != 0 ||
      pool.pad_bottom != 0 || pool.pad_right != 0 || pool.dilation_h != 1 || pool.dilation_w != 1)
    return false;
  const ConvSetup cs = conv_setup(x, w, p);
  const std::int64_t O = static_cast<std::int64_t>(r.channels());
  if (!conv_uses_direct(x, w, p, cs.g, Path::Avx512))
    return false;
  if ((two && !two_level_fits(x, cs.za, w, *two)) || cs.g.ow > 56 || cs.g.oh < 2 || cs.g.ow < 2)
    return false;
  for (std::int64_t o = 0; o < O; ++o) { // one threshold or a constant, on the values {0, 1}
    const LaneRequant l = lane_requant(r, static_cast<std::size_t>(o));
    if (!((l.nthr == 1 && l.base == 0) || (l.nthr == 0 && (l.base == 0 || l.base == 1))))
      return false;
  }
  check_pool(cs.g);
  const std::int64_t ph = cs.g.oh / 2, pw = cs.g.ow / 2, per = O * ph * pw;
  shape = {cs.g.n, O, ph, pw};
  words.assign(static_cast<std::size_t>((cs.g.n * per + 63) / 64 + 1), 0);
  std::vector<std::uint64_t> bitmap;
  conv_direct(
      x, cs.g, cs.za, w, p, &r, two,
      [&](std::int64_t b, const std::int32_t *) {
        pool_bit_planes(bitmap.data(), (cs.g.oh * cs.g.ow + 63) / 64 + 1, O, cs.g.oh, cs.g.ow,
                        words, b * per);
      },
      &bitmap, &words);
  words.resize(static_cast<std::size_t>((cs.g.n * per + 63) / 64));
  return true;
#else
  (void)x, (void)w, (void)p, (void)r, (void)two, (void)pool, (void)opt, (void)check_pool,
      (void)shape, (void)words;
  return false;
#endif
}

} // namespace detail

QTensor conv2d(const QTensor &x, const PackedConvWeights &w, const Conv2dParams &p,
               const Requantizer &r, const KernelOptions &opt, const TwoLevel *two) {
  (void)resolve_options(opt, "conv2d");
  if (two) // before any kernel reads the parameters
    detail::check_two_level(*two, w.out_channels(), "conv2d");
  const std::int64_t O = two ? w.out_channels() - 1 : w.out_channels();
  if (r.channels() != static_cast<std::size_t>(O))
    throw std::invalid_argument("samd: conv2d: the requantizer was made for " +
                                std::to_string(r.channels()) + " channels, the layer has " +
                                std::to_string(O));
  const Requant &rq = r.requant();
  if (QTensor small; detail::conv_small_requant(x, w, p, r, two, opt, nullptr, {}, small))
    return small;
  std::vector<std::int32_t> q;
  detail::Geometry g;
  const bool direct = detail::conv_direct_requant(
      x, w, p, r, two, opt, g, [&](std::int64_t b, const std::int32_t *img) {
        const std::size_t per = static_cast<std::size_t>(O * g.oh * g.ow);
        if (b == 0)
          q.resize(per * static_cast<std::size_t>(g.n));
        std::copy(img, img + per,
                  q.begin() + static_cast<std::ptrdiff_t>(per * static_cast<std::size_t>(b)));
      });
  if (direct)
    return QTensor::from_words(g.out_shape(O), rq.out_layout,
                               pack_lanes(rq.out_layout, q.data(), q.size()),
                               QuantParams{{rq.out_scale}, {rq.out_zero_point}, -1});
  const int axis = p.format == DataFormat::NCHW ? 1 : 3;
  const Int32Tensor acc = conv2d_s32(x, w, p, opt);
  return requantize_with(r, two ? combine_two_level(acc, *two, axis) : acc, axis);
}

} // namespace samd::kernels
