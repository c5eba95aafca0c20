// The direct convolution for few taps per output (conv_small.hpp), AVX-512.
//
// Each input channel is kept per image as a padded plane of activation offsets ua = a - a_min
// (bytes; padding holds the zero point's offset), split by column phase when stride_w > 1 so that
// the taps of one output row are always a contiguous run. The taps of one (channel, kernel row,
// phase) go four at a time into one dword "slot": for 16 consecutive output pixels of a row, a
// slot's dwords are 4 bytes at consecutive addresses, formed from one 64-byte load by vpermd +
// vpshufb. One vpdpbusd per slot and output channel then adds 4 products ua * v for 16 pixels,
// with v the channel's weight bytes (e - c, e = w - zw or the two-level combination, c the
// channel's offset that brings e into a signed byte; 0 for symmetric weights).
//
// Exactness (conv_bounds.hpp): C = D + fixed + c * R in int32 arithmetic mod 2^32, with D = sum
// ua * v (exact: at most kSmallConvMaxSteps slots), R = sum ua over the real taps, fixed = (a_min
// - za) * sum_t e_t + bias, since sum_t (a_t - za) e_t = sum_t (ua_t + a_min - za)(v_t + c); the
// layer's sum C fits int32 (small_conv_exact_int32), so the wrapped value is the exact one. Z3
// proves both halves over conv_bounds.hpp's templates (samd prove --op small_conv_ring,
// small_conv_exact); that the vector code below adds and multiplies in small_conv_sum's order is
// read, not proven. Requantization is monotone (a positive multiplier, round half away from zero,
// clamp), so max pooling commutes with it: the pooled outputs are requantized after the pool, on
// a quarter of the values for a 2x2 window; the pool is over the exact sums C.
#include "conv_small.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include <samd/kernels/conv_bounds.hpp>
#include <samd/pack.hpp>

#include "conv_direct_common.hpp"
#include "conv_weight_store.hpp"

namespace samd::kernels::detail {

#if defined(SAMD_HAVE_X86_KERNELS)
namespace {

// A slot: up to 4 taps of one (channel, kernel row, column phase) at byte offsets 0..3 from col.
struct Slot {
  std::int64_t plane = 0, row = 0, col = 0;
  std::int64_t tap[4] = {-1, -1, -1, -1}; // tap index (c * KH + ky) * KW + kx, or -1
};

struct Plan {
  std::int64_t C = 0, KH = 0, KW = 0, K = 0, O = 0, O_out = 0, Opad = 0;
  std::int64_t sw = 1, phases = 1, Hp = 0, Wd = 0, plane_bytes = 0;
  std::vector<Slot> slots;
  std::vector<std::int64_t> offset; // [s]: byte offset of the slot's pixel (0, 0)
  std::vector<std::uint32_t> wt;    // [s][Opad]: the channel's 4 weight bytes v
  std::vector<std::uint32_t> ones;  // [s]: byte 1 at the real taps (row sums)
  std::vector<std::int32_t> corr;   // [o]: c (int32 mod 2^32)
  std::vector<std::int32_t> fixed;  // [o]: (a_min - za) * sum e + bias (mod 2^32)
  bool rowsum = false;              // some c != 0
  std::uint8_t pad = 0;             // the zero point's offset
};

// The plan of one call; false when the kernel does not apply to these weights: an effective
// weight range wider than a byte, or a layer sum that may not fit int32 (two-level weights whose
// combination is too large; conv2d then reports it as the other paths do).
bool make_plan(const SmallConvJob &job, Plan &pl) {
  const QTensor &x = *job.x;
  const PackedConvWeights &w = *job.w;
  const Conv2dParams &p = *job.p;
  const Geometry &g = job.g;
  pl.C = w.in_channels_per_group(), pl.KH = w.kernel_h(), pl.KW = w.kernel_w();
  pl.K = pl.C * pl.KH * pl.KW;
  pl.O = w.out_channels();
  pl.O_out = job.two ? pl.O - 1 : pl.O;
  pl.Opad = (pl.O_out + 7) / 8 * 8;
  pl.sw = p.stride_w;
  pl.Hp = g.h + p.pad_top + p.pad_bottom;
  const std::int64_t Wp = g.w + p.pad_left + p.pad_right;
  pl.Wd = (Wp + pl.sw - 1) / pl.sw;
  pl.phases = std::min(pl.sw, Wp);
  pl.plane_bytes = pl.Hp * pl.Wd;
  const std::int64_t amin = x.layout().min_value(), amax = x.layout().max_value();
  pl.pad = static_cast<std::uint8_t>(job.za - amin);

  // Effective weights e[o][t] (t in (c, ky, kx) order) and bias.
  // The weights' integers, decoded for this call from the bit planes ((ky, kx, c) order there).
  const QuantParams &wq = w.weight_quant();
  const std::shared_ptr<const ConvBits> bits = conv_bits(w);
  const std::int64_t wmin = w.weight_layout().min_value(), taps = pl.KH * pl.KW;
  std::vector<std::int64_t> u(static_cast<std::size_t>(pl.K));
  std::vector<std::int64_t> e(static_cast<std::size_t>(pl.O_out * pl.K));
  std::vector<std::int64_t> bias(static_cast<std::size_t>(pl.O_out), 0);
  for (std::int64_t o = 0; o < pl.O_out; ++o) {
    const auto ou = static_cast<std::size_t>(o);
    bits->row(o, u.data());
    for (std::int64_t t = 0; t < pl.K; ++t) { // t = c * KH * KW + tap
      const std::int64_t v = u[static_cast<std::size_t>((t % taps) * pl.C + t / taps)] + wmin;
      e[static_cast<std::size_t>(o * pl.K + t)] =
          job.two ? job.two->v0_minus_zp[ou] + job.two->d * v : v - wq.zero_point_of(ou);
    }
    if (job.two)
      bias[ou] = job.two->bias[ou];
    else if (!w.bias().empty())
      bias[ou] = w.bias()[ou];
  }

  // Slots: per (c, ky, phase), the taps' decimated columns in 4-byte windows.
  for (std::int64_t c = 0; c < pl.C; ++c)
    for (std::int64_t ky = 0; ky < pl.KH; ++ky)
      for (std::int64_t r = 0; r < pl.sw; ++r) {
        Slot cur;
        bool open = false;
        for (std::int64_t kx = 0; kx < pl.KW; ++kx) {
          const std::int64_t cx = kx * p.dilation_w;
          if (cx % pl.sw != r)
            continue;
          const std::int64_t dx = cx / pl.sw;
          if (open && dx >= cur.col + 4) {
            pl.slots.push_back(cur);
            open = false;
          }
          if (!open) {
            cur = Slot{};
            cur.plane = c * pl.phases + r;
            cur.row = ky * p.dilation_h;
            cur.col = dx;
            open = true;
          }
          cur.tap[dx - cur.col] = (c * pl.KH + ky) * pl.KW + kx;
        }
        if (open)
          pl.slots.push_back(cur);
      }
  const std::int64_t S = static_cast<std::int64_t>(pl.slots.size());
  if (S > kSmallConvMaxSteps)
    return false;

  // Per channel: the byte offset c, the bound, the fixed part.
  pl.corr.assign(static_cast<std::size_t>(pl.Opad), 0);
  pl.fixed.assign(static_cast<std::size_t>(pl.Opad), 0);
  std::vector<std::int64_t> cof(static_cast<std::size_t>(pl.O_out), 0);
  const std::int64_t amag = std::max(amax - job.za, job.za - amin);
  for (std::int64_t o = 0; o < pl.O_out; ++o) {
    const auto ou = static_cast<std::size_t>(o);
    const std::int64_t *eo = e.data() + o * pl.K;
    std::int64_t lo = eo[0], hi = eo[0], sum = 0, sum_abs = 0;
    for (std::int64_t t = 0; t < pl.K; ++t) {
      lo = std::min(lo, eo[t]), hi = std::max(hi, eo[t]);
      sum += eo[t];
      sum_abs += std::abs(eo[t]);
      if (sum_abs > (std::int64_t{1} << 31))
        return false;
    }
    if (hi - lo > 255 || !small_conv_exact_int32(amag, sum_abs, std::abs(bias[ou])))
      return false;
    cof[ou] = small_conv_byte_offset(lo, hi);
    pl.rowsum = pl.rowsum || cof[ou] != 0;
    pl.corr[ou] = wrap32(cof[ou]);
    pl.fixed[ou] = wrap32(small_conv_fixed(amin - job.za, sum, bias[ou]));
  }

  pl.wt.assign(static_cast<std::size_t>(S * pl.Opad), 0);
  pl.ones.assign(static_cast<std::size_t>(S), 0);
  pl.offset.resize(static_cast<std::size_t>(S));
  for (std::int64_t s = 0; s < S; ++s) {
    const Slot &sl = pl.slots[static_cast<std::size_t>(s)];
    pl.offset[static_cast<std::size_t>(s)] = sl.plane * pl.plane_bytes + sl.row * pl.Wd + sl.col;
    for (unsigned j = 0; j < 4; ++j) {
      if (sl.tap[j] < 0)
        continue;
      pl.ones[static_cast<std::size_t>(s)] |= 1u << (8 * j);
      for (std::int64_t o = 0; o < pl.O_out; ++o) {
        const std::int64_t v =
            e[static_cast<std::size_t>(o * pl.K + sl.tap[j])] - cof[static_cast<std::size_t>(o)];
        pl.wt[static_cast<std::size_t>(s * pl.Opad + o)] |= (static_cast<std::uint32_t>(v) & 0xFFu)
                                                            << (8 * j);
      }
    }
  }
  return true;
}

// The padded, phase-split planes of image b: plane (c, r) holds column j * sw + r of the padded
// channel c at [y * Wd + j]; 128 bytes of slack after the last plane for the kernel's 64-byte
// loads (a pooled block's second half may start up to 16 columns past the row's last output).
// first: the call's first image (the padding is filled then; later images rewrite only the
// image's own positions).
void build_planes(const Plan &pl, const std::uint8_t *img, const Geometry &g, const Conv2dParams &p,
                  bool first, std::vector<std::uint8_t> &planes) {
  const std::size_t total = static_cast<std::size_t>(pl.C * pl.phases * pl.plane_bytes) + 128;
  if (first)
    planes.assign(total, pl.pad);
  for (std::int64_t c = 0; c < pl.C; ++c)
    for (std::int64_t y = 0; y < g.h; ++y) {
      const std::uint8_t *src = img + (c * g.h + y) * g.w;
      const std::int64_t row = (y + p.pad_top) * pl.Wd;
      if (pl.sw == 1) {
        if (g.w > 0)
          std::memcpy(planes.data() + c * pl.plane_bytes + row + p.pad_left, src,
                      static_cast<std::size_t>(g.w));
        continue;
      }
      for (std::int64_t xx = 0; xx < g.w; ++xx) {
        const std::int64_t col = xx + p.pad_left;
        planes[static_cast<std::size_t>((c * pl.phases + col % pl.sw) * pl.plane_bytes + row +
                                        col / pl.sw)] = src[xx];
      }
    }
}

// 16 dwords: lane i = bytes src[i .. i + 3] (src[0 .. 63] readable).
SAMD_DIRECT_TARGET inline __m512i quads(const std::uint8_t *src) {
  const __m512i dw = _mm512_set_epi32(6, 5, 4, 3, 5, 4, 3, 2, 4, 3, 2, 1, 3, 2, 1, 0);
  const __m512i sh =
      _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6));
  return _mm512_shuffle_epi8(_mm512_permutexvar_epi32(dw, _mm512_loadu_si512(src)), sh);
}

// The exact sums C of one image into img ({O_out, OH, OW} int32).
// pre: planes from build_planes; qv: scratch for 16 * pl.slots.size() dwords.
SAMD_DIRECT_TARGET void image_sums(const Plan &pl, const std::uint8_t *planes, const Geometry &g,
                                   const Conv2dParams &p, std::int32_t *img, std::int32_t *qv) {
  const std::int64_t S = static_cast<std::int64_t>(pl.slots.size()), P = g.oh * g.ow;
  for (std::int64_t oy = 0; oy < g.oh; ++oy) {
    const std::uint8_t *base = planes + oy * p.stride_h * pl.Wd;
    for (std::int64_t ox0 = 0; ox0 < g.ow; ox0 += 16) {
      const std::int64_t n = std::min<std::int64_t>(16, g.ow - ox0);
      const auto mask = static_cast<__mmask16>(n >= 16 ? 0xFFFF : (1u << n) - 1);
      __m512i R = _mm512_setzero_si512();
      for (std::int64_t s = 0; s < S; ++s) {
        const __m512i q = quads(base + pl.offset[static_cast<std::size_t>(s)] + ox0);
        _mm512_storeu_si512(qv + 16 * s, q);
        if (pl.rowsum)
          R = _mm512_dpbusd_epi32(
              R, q, _mm512_set1_epi32(static_cast<int>(pl.ones[static_cast<std::size_t>(s)])));
      }
      std::int32_t *dst = img + oy * g.ow + ox0;
      for (std::int64_t ob = 0; ob < pl.Opad; ob += 8) {
        __m512i acc[8];
        for (int r = 0; r < 8; ++r)
          acc[r] = _mm512_setzero_si512();
        const std::uint32_t *wr = pl.wt.data() + ob;
        for (std::int64_t s = 0; s < S; ++s, wr += pl.Opad) {
          const __m512i q = _mm512_loadu_si512(qv + 16 * s);
          for (int r = 0; r < 8; ++r)
            acc[r] = _mm512_dpbusd_epi32(acc[r], q, _mm512_set1_epi32(static_cast<int>(wr[r])));
        }
        for (int r = 0; r < 8; ++r) {
          if (ob + r >= pl.O_out)
            break;
          const auto o = static_cast<std::size_t>(ob + r);
          __m512i c = _mm512_add_epi32(acc[r], _mm512_set1_epi32(pl.fixed[o]));
          if (pl.rowsum)
            c = _mm512_add_epi32(c, _mm512_mullo_epi32(R, _mm512_set1_epi32(pl.corr[o])));
          _mm512_mask_storeu_epi32(dst + (ob + r) * P, mask, c);
        }
      }
    }
  }
}

// Requantize the n sums of one channel plane into dst.
SAMD_DIRECT_TARGET void requant_plane(const std::int32_t *src, std::int64_t n, const LaneRequant &r,
                                      std::int32_t *dst) {
  for (std::int64_t i = 0; i < n; i += 16) {
    const std::int64_t k = std::min<std::int64_t>(16, n - i);
    const auto mask = static_cast<__mmask16>(k >= 16 ? 0xFFFF : (1u << k) - 1);
    _mm512_mask_storeu_epi32(dst + i, mask,
                             requant_epi32(_mm512_maskz_loadu_epi32(mask, src + i), r));
  }
}

// Whether the 2x2 / 2 max pool (no padding, no dilation) can be fused into the kernel.
bool pool2x2(const Pool2dParams &p) {
  return p.kernel_h == 2 && p.kernel_w == 2 && p.stride_h == 2 && p.stride_w == 2 &&
         p.pad_top == 0 && p.pad_left == 0 && p.pad_bottom == 0 && p.pad_right == 0 &&
         p.dilation_h == 1 && p.dilation_w == 1;
}

// The requantization of every channel as one step when each has at most one threshold (1-bit
// outputs, and narrower clamps): q = C >= thr ? hi : lo (lo = hi for a constant channel).
struct StepRequant {
  bool on = false;
  std::vector<std::int32_t> thr, lo, hi;
};

StepRequant step_requant(const std::vector<LaneRequant> &lr) {
  StepRequant st;
  st.on = !lr.empty();
  for (const LaneRequant &r : lr) {
    if (r.nthr < 0 || r.nthr > 1) {
      st.on = false;
      break;
    }
    st.thr.push_back(r.nthr == 1 ? r.thr[0] : 0);
    st.lo.push_back(r.base);
    st.hi.push_back(r.nthr == 1 ? r.base + 1 : r.base);
  }
  return st;
}

// One image with the 2x2 / 2 max pool fused: per pooled row and 16 pooled columns, the sums of
// the 2 x 32 convolution outputs under them stay in registers (4 vectors per channel), are
// pooled there (vertical max, then the max of even and odd columns), and only the pooled sums are
// requantized (max commutes with the monotone requantization). The max is taken on the exact sums
// C, not on D + c * R before the channel's constant: that partial sum can leave int32 where C does
// not. q: the image's requantized outputs {O_out, PH, PW}.
// pre: planes from build_planes; PH = floor(OH / 2), PW = floor(OW / 2); lr: one per output
// channel, st = step_requant(lr); S0 = pl.slots.size() when > 0, else S = pl.slots.size() at run
// time (then qbuf: scratch for 64 * S dwords).
// BITS: 1-bit outputs (st.on, values {0, 1}) as the bits of the result's words (bit e0 + the
// element's index in the image; or-ed, zero there) instead of q.
template <int S0, int RB, bool BITS>
SAMD_DIRECT_TARGET void image_pool2(const Plan &pl, const std::uint8_t *planes, const Geometry &g,
                                    const Conv2dParams &p, const LaneRequant *lr,
                                    const StepRequant &st, std::int32_t *q, std::int32_t *qbuf,
                                    std::uint64_t *bits, std::int64_t e0) {
  constexpr int NR = 4;
  const std::int64_t S = S0 > 0 ? S0 : static_cast<std::int64_t>(pl.slots.size());
  const std::int64_t ph = g.oh / 2, pw = g.ow / 2, plane = ph * pw;
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  __m512i qreg[RB][S0 > 0 ? S0 : 1];
  const auto qv = [&](int rb, std::int64_t s) SAMD_DIRECT_TARGET -> __m512i {
    if constexpr (S0 > 0)
      return qreg[rb][s];
    else
      return _mm512_loadu_si512(qbuf + (rb * S + s) * 16);
  };
  constexpr std::int64_t step = RB == 4 ? 16 : 8; // pooled columns per block
  for (std::int64_t py = 0; py < ph; ++py)
    for (std::int64_t px0 = 0; px0 < pw; px0 += step) {
      const std::int64_t n = std::min<std::int64_t>(step, pw - px0);
      const auto mask = static_cast<__mmask16>((1u << n) - 1);
      __m512i R[RB];
      for (int rb = 0; rb < RB; ++rb) { // RB = 4: rb = 2 * row + half (16 columns each); 2: row
        const std::uint8_t *base = planes +
                                   (2 * py + (RB == 4 ? rb / 2 : rb)) * p.stride_h * pl.Wd +
                                   2 * px0 + (RB == 4 ? 16 * (rb % 2) : 0);
        R[rb] = _mm512_setzero_si512();
        for (std::int64_t s = 0; s < S; ++s) {
          const __m512i v = quads(base + pl.offset[static_cast<std::size_t>(s)]);
          if constexpr (S0 > 0)
            qreg[rb][s] = v;
          else
            _mm512_storeu_si512(qbuf + (rb * S + s) * 16, v);
          if (pl.rowsum)
            R[rb] = _mm512_dpbusd_epi32(
                R[rb], v,
                _mm512_set1_epi32(static_cast<int>(pl.ones[static_cast<std::size_t>(s)])));
        }
      }
      std::int32_t *dst = nullptr; // q is null when the outputs are bits (no offsets on null)
      if constexpr (!BITS)
        dst = q + py * pw + px0;
      for (std::int64_t ob = 0; ob < pl.Opad; ob += NR) {
        __m512i acc[RB][NR];
        for (int rb = 0; rb < RB; ++rb)
          for (int r = 0; r < NR; ++r)
            acc[rb][r] = _mm512_setzero_si512();
        const std::uint32_t *wr = pl.wt.data() + ob;
        for (std::int64_t s = 0; s < S; ++s, wr += pl.Opad)
          for (int r = 0; r < NR; ++r) {
            const __m512i wv = _mm512_set1_epi32(static_cast<int>(wr[r]));
            for (int rb = 0; rb < RB; ++rb)
              acc[rb][r] = _mm512_dpbusd_epi32(acc[rb][r], qv(rb, s), wv);
          }
#pragma GCC unroll 4
        for (int r = 0; r < NR; ++r) { // unrolled, so that acc stays in registers
          const auto o = static_cast<std::size_t>(ob + r);
          if (ob + r >= pl.O_out)
            continue;
          // The whole sum C = D + fixed + R * c (small_conv_sum) before the max: C is exact in
          // int32 (small_conv_exact_int32), D + R * c = sum ua * e need not be (ua up to a_max -
          // a_min, twice |a - za| when za is mid-range), so the max must not be taken on it.
          const __m512i fixed = _mm512_set1_epi32(pl.fixed[o]);
          for (int rb = 0; rb < RB; ++rb)
            acc[rb][r] = _mm512_add_epi32(acc[rb][r], fixed);
          if (pl.rowsum) {
            const __m512i corr = _mm512_set1_epi32(pl.corr[o]);
            for (int rb = 0; rb < RB; ++rb)
              acc[rb][r] = _mm512_add_epi32(acc[rb][r], _mm512_mullo_epi32(R[rb], corr));
          }
          __m512i h;
          if constexpr (RB == 4) {
            const __m512i v0 = _mm512_max_epi32(acc[0][r], acc[2][r]),
                          v1 = _mm512_max_epi32(acc[1][r], acc[3][r]);
            h = _mm512_max_epi32(_mm512_permutex2var_epi32(v0, even, v1),
                                 _mm512_permutex2var_epi32(v0, odd, v1));
          } else {
            const __m512i v = _mm512_max_epi32(acc[0][r], acc[1][r]);
            h = _mm512_max_epi32(_mm512_permutexvar_epi32(even, v),
                                 _mm512_permutexvar_epi32(odd, v));
          }
          if constexpr (BITS) {
            const __mmask16 on =
                st.lo[o] != st.hi[o]
                    ? _mm512_mask_cmpge_epi32_mask(mask, h, _mm512_set1_epi32(st.thr[o]))
                    : static_cast<__mmask16>(st.lo[o] ? mask : 0);
            const std::int64_t e = e0 + static_cast<std::int64_t>(o) * plane + py * pw + px0;
            const std::int64_t w = e / 64, sh = e % 64;
            bits[w] |= static_cast<std::uint64_t>(on) << sh;
            if (sh > 48)
              bits[w + 1] |= static_cast<std::uint64_t>(on) >> (64 - sh);
            continue;
          }
          const __m512i v = st.on ? _mm512_mask_blend_epi32(
                                        _mm512_cmpge_epi32_mask(h, _mm512_set1_epi32(st.thr[o])),
                                        _mm512_set1_epi32(st.lo[o]), _mm512_set1_epi32(st.hi[o]))
                                  : requant_epi32(h, lr[o]);
          _mm512_mask_storeu_epi32(dst + static_cast<std::int64_t>(o) * plane, mask, v);
        }
      }
    }
}

struct Scratch {
  std::vector<std::uint8_t> planes;
  std::vector<std::int32_t> qv, sums, pooled, pool_tmp, q;
};

// Plans the call, then per image builds the planes and calls f(b, scratch).
template <class PerImage> bool run(const SmallConvJob &job, Plan &pl, Scratch &s, PerImage f) {
  if (job.g.n == 0 || !make_plan(job, pl))
    return false;
  const Geometry &g = job.g;
  // The offsets a - a_min: unsigned bytes are their own (the words' little-endian lanes).
  const Layout &L = job.x->layout();
  const bool bytes = L.field() == 8 && !L.is_signed();
  const std::vector<std::uint8_t> ua = bytes ? std::vector<std::uint8_t>{} : job.x->to_offsets();
  const auto *base =
      bytes ? reinterpret_cast<const std::uint8_t *>(job.x->words().data()) : ua.data();
  const std::size_t image = static_cast<std::size_t>(g.c * g.h * g.w);
  s.qv.resize(64 * std::max<std::size_t>(pl.slots.size(), 1));
  for (std::int64_t b = 0; b < g.n; ++b) {
    build_planes(pl, base + static_cast<std::size_t>(b) * image, g, *job.p, b == 0, s.planes);
    f(b);
  }
  return true;
}

} // namespace

bool conv_small_s32(const SmallConvJob &job, std::int32_t *out) {
  thread_local Scratch s;
  Plan pl;
  const std::size_t per = static_cast<std::size_t>(job.w->out_channels() * job.g.oh * job.g.ow);
  return run(job, pl, s, [&](std::int64_t b) {
    image_sums(pl, s.planes.data(), job.g, *job.p, out + per * static_cast<std::size_t>(b),
               s.qv.data());
  });
}

bool conv_small_quant(const SmallConvJob &job, Shape &shape, std::vector<std::uint64_t> &words) {
  thread_local Scratch s;
  const Requantizer &r = *job.r;
  const std::int64_t O = static_cast<std::int64_t>(r.channels());
  const Geometry &g = job.g;
  const bool pooled = job.pool != nullptr;
  const bool fused = pooled && pool2x2(*job.pool);
  const std::int64_t oh = pooled ? job.pool_g.oh : g.oh, ow = pooled ? job.pool_g.ow : g.ow;
  const std::int64_t plane = oh * ow;
  const std::size_t per = static_cast<std::size_t>(O * plane);
  std::vector<LaneRequant> lr;
  for (std::int64_t o = 0; o < O; ++o)
    lr.push_back(lane_requant(r, static_cast<std::size_t>(o)));
  const StepRequant st = step_requant(lr);
  Plan pl;
  const std::size_t total = per * static_cast<std::size_t>(g.n);
  // 1-bit outputs with the fused pool go straight into the result's bits.
  const Layout &L = r.requant().out_layout;
  const bool bits_out =
      fused && st.on && L == Layout{1, 0, Signedness::Unsigned} &&
      std::all_of(st.lo.begin(), st.lo.end(), [](std::int32_t v) { return v >= 0; }) &&
      std::all_of(st.hi.begin(), st.hi.end(), [](std::int32_t v) { return v <= 1; });
  if (bits_out)
    words.assign(words_for(L, total) + 1, 0);
  else
    s.q.resize(total);
  if (!fused)
    s.sums.resize(static_cast<std::size_t>(O * g.oh * g.ow));
  const bool ok = run(job, pl, s, [&](std::int64_t b) {
    std::int32_t *dst = bits_out ? nullptr : s.q.data() + per * static_cast<std::size_t>(b);
    if (fused) {
      const std::uint8_t *planes = s.planes.data();
      // The quads in registers for few slots; one half per row when it is at most 16 wide.
      const auto go = [&](auto s0, auto rb) {
        const std::int64_t e0 = static_cast<std::int64_t>(per) * b;
        if (bits_out)
          image_pool2<decltype(s0)::value, decltype(rb)::value, true>(
              pl, planes, g, *job.p, lr.data(), st, dst, s.qv.data(), words.data(), e0);
        else
          image_pool2<decltype(s0)::value, decltype(rb)::value, false>(
              pl, planes, g, *job.p, lr.data(), st, dst, s.qv.data(), nullptr, e0);
      };
      const auto with_rb = [&](auto s0) {
        if (g.ow > 16)
          go(s0, std::integral_constant<int, 4>{});
        else
          go(s0, std::integral_constant<int, 2>{});
      };
      switch (pl.slots.size()) {
      case 1:
        return with_rb(std::integral_constant<int, 1>{});
      case 2:
        return with_rb(std::integral_constant<int, 2>{});
      case 3:
        return with_rb(std::integral_constant<int, 3>{});
      case 4:
        return with_rb(std::integral_constant<int, 4>{});
      default:
        return with_rb(std::integral_constant<int, 0>{});
      }
    }
    image_sums(pl, s.planes.data(), g, *job.p, s.sums.data(), s.qv.data());
    const std::int32_t *src = s.sums.data();
    if (pooled) {
      s.pooled.resize(per);
      max_pool_s32_image(src, job.pool_g, *job.pool, s.pooled.data(), true, s.pool_tmp);
      src = s.pooled.data();
    }
    for (std::int64_t o = 0; o < O; ++o)
      requant_plane(src + o * plane, plane, lr[static_cast<std::size_t>(o)], dst + o * plane);
  });
  if (!ok)
    return false;
  shape = {g.n, O, oh, ow};
  if (bits_out)
    words.resize(words_for(L, total));
  else
    words = pack_lanes(L, s.q.data(), total);
  return true;
}

#else

bool conv_small_s32(const SmallConvJob &, std::int32_t *) { return false; }
bool conv_small_quant(const SmallConvJob &, Shape &, std::vector<std::uint64_t> &) { return false; }

#endif

} // namespace samd::kernels::detail
