// The implicit LUT64 convolution (conv_lut64.hpp): its weights in the triple k order, the index
// image, and the layer loop around fast::lut64_rows.
#include "conv_lut64.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <stdexcept>
#include <string>

#include <samd/kernels/exact_sums.hpp>

#include "x86_intrinsics.hpp"

namespace samd::kernels::detail {

ConvLut64Group lut64_group_weights(const ConvBits &bits, const Layout &wl, std::int64_t grp,
                                   std::int64_t og, std::int64_t kh, std::int64_t cg) {
  const std::int64_t cp = lut64_conv_channels(cg);
  ConvLut64Group l;
  l.w = fast::weight_params(wl, og, kh * cp * 3);
  fast::allocate_format(l.w, fast::WeightFormat::Nibbles);
  std::vector<std::int64_t> sums(static_cast<std::size_t>(og), 0);
  std::vector<std::int64_t> u(static_cast<std::size_t>(bits.K));
  // Padding weights (c >= cg) at the layout's minimum: u = 0, so they add nothing to a raw sum.
  std::vector<std::int64_t> row(static_cast<std::size_t>(kh * cp * 3));
  for (std::int64_t n = 0; n < og; ++n) {
    bits.row(grp * og + n, u.data());
    std::fill(row.begin(), row.end(), wl.min_value());
    std::int64_t sum = 0;
    for (std::int64_t ky = 0; ky < kh; ++ky)
      for (std::int64_t kx = 0; kx < 3; ++kx)
        for (std::int64_t c = 0; c < cg; ++c) {
          const std::int64_t v = u[static_cast<std::size_t>((ky * 3 + kx) * cg + c)];
          row[static_cast<std::size_t>(lut64_conv_k(cp, ky, c, kx))] = v + wl.min_value();
          sum += v;
        }
    fast::put_row(l.w, fast::WeightFormat::Nibbles, n, row.data());
    sums[static_cast<std::size_t>(n)] = sum;
  }
  l.colsum.assign(sums, bits.K * 3); // u <= 3
  return l;
}

void lut64_group_bits(const ConvLut64Group &l, std::int64_t grp, std::int64_t kh, std::int64_t cg,
                      ConvBits &bits) {
  const std::int64_t cp = lut64_conv_channels(cg), og = l.w.n;
  std::vector<std::int64_t> row(static_cast<std::size_t>(l.w.k)),
      u(static_cast<std::size_t>(bits.K));
  for (std::int64_t n = 0; n < og; ++n) {
    fast::get_row(l.w, fast::WeightFormat::Nibbles, n, row.data());
    for (std::int64_t ky = 0; ky < kh; ++ky)
      for (std::int64_t kx = 0; kx < 3; ++kx)
        for (std::int64_t c = 0; c < cg; ++c)
          u[static_cast<std::size_t>((ky * 3 + kx) * cg + c)] =
              row[static_cast<std::size_t>(lut64_conv_k(cp, ky, c, kx))] - l.w.plane_offset;
    bits.put_row(grp * og + n, u.data());
  }
}

#if defined(SAMD_HAVE_X86_KERNELS)
__attribute__((target("avx512f,avx512bw,avx512vl"))) void
lut64_index_image(const std::uint8_t *bytes, std::int64_t hp, std::int64_t wp, std::int64_t c,
                  std::int64_t groups, std::int64_t dw, Lut64Image &img) {
  const std::int64_t cg = c / groups, cp = lut64_conv_channels(cg);
  img.hp = hp, img.wp = wp, img.wx = wp - 2 * dw, img.cp = cp, img.ct = groups * cp;
  img.groups = groups;
  const std::int64_t entries = hp * img.wx * img.ct;
  img.index.resize(static_cast<std::size_t>(entries + kLut64Slack));
  std::fill(img.index.begin() + entries, img.index.end(), std::uint16_t{0});
  img.sums.resize(static_cast<std::size_t>(hp * wp * groups));
  // 32 channels at a time: the three offsets (< 4) of a triple in one byte, a | b << 2 | c << 4
  // (no bit crosses a byte, so 16-bit shifts serve), widened to u16 and times 64. Channels past
  // cg load as 0 (table 0: the padding weights are u = 0 anyway).
  for (std::int64_t x = 0; x < img.wx; ++x)
    for (std::int64_t y = 0; y < hp; ++y) {
      const std::uint8_t *p0 = bytes + (y * wp + x) * c, *p1 = p0 + dw * c, *p2 = p1 + dw * c;
      std::uint16_t *dst = img.index.data() + (x * hp + y) * img.ct;
      for (std::int64_t grp = 0; grp < groups; ++grp)
        for (std::int64_t c0 = 0; c0 < cp; c0 += 32) {
          const std::int64_t off = grp * cg + c0, n = std::min<std::int64_t>(32, cg - c0);
          const auto load = static_cast<__mmask32>(n >= 32 ? ~0u : (1u << n) - 1);
          const std::int64_t w = std::min<std::int64_t>(32, cp - c0);
          const auto store = static_cast<__mmask32>(w >= 32 ? ~0u : (1u << w) - 1);
          const __m256i a = _mm256_maskz_loadu_epi8(load, p0 + off);
          const __m256i b = _mm256_maskz_loadu_epi8(load, p1 + off);
          const __m256i d = _mm256_maskz_loadu_epi8(load, p2 + off);
          const __m256i t =
              _mm256_or_si256(a, _mm256_or_si256(_mm256_slli_epi16(b, 2), _mm256_slli_epi16(d, 4)));
          _mm512_mask_storeu_epi16(dst + grp * cp + c0, store,
                                   _mm512_slli_epi16(_mm512_cvtepu8_epi16(t), 6));
        }
    }
  const __m512i zero = _mm512_setzero_si512();
  for (std::int64_t px = 0; px < hp * wp; ++px)
    for (std::int64_t grp = 0; grp < groups; ++grp) {
      const std::uint8_t *src = bytes + px * c + grp * cg;
      __m512i acc = zero;
      for (std::int64_t c0 = 0; c0 < cg; c0 += 64) {
        const std::int64_t n = std::min<std::int64_t>(64, cg - c0);
        const __mmask64 m = n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
        acc = _mm512_add_epi64(acc, _mm512_sad_epu8(_mm512_maskz_loadu_epi8(m, src + c0), zero));
      }
      img.sums[static_cast<std::size_t>(px * groups + grp)] = _mm512_reduce_add_epi64(acc);
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,popcnt"))) void
lut64_index_image_words(const std::uint64_t *words, std::int64_t h, std::int64_t w, std::int64_t c,
                        const Lut64Padding &pad_by, std::int64_t groups, std::int64_t dw,
                        bool is_signed, std::uint8_t pad, Lut64Image &img) {
  const std::int64_t hp = h + pad_by.top + pad_by.bottom, wp = w + pad_by.left + pad_by.right;
  const std::int64_t cw = c / 32, gw = cw / groups; // words a pixel, and a group's
  img.hp = hp, img.wp = wp, img.wx = wp - 2 * dw, img.cp = c / groups, img.ct = c;
  img.groups = groups;
  const std::int64_t entries = hp * img.wx * img.ct;
  img.index.resize(static_cast<std::size_t>(entries + kLut64Slack));
  std::fill(img.index.begin() + entries, img.index.end(), std::uint16_t{0});
  img.sums.resize(static_cast<std::size_t>(hp * wp * groups));
  const std::uint64_t even = 0x5555555555555555u;
  const std::uint64_t flip = is_signed ? ~even : 0, pad_word = even * pad;
  // The padded image's words as stored (bits, not offsets: every word is flipped below, so the
  // padding pixels' words are stored pre-flipped), row by row: padding rows, then left padding, the
  // image row's w * cw words in one copy, right padding.
  img.words.resize(static_cast<std::size_t>(hp * wp * cw));
  std::uint64_t *pw = img.words.data();
  const std::uint64_t pad_bits = pad_word ^ flip;
  for (std::int64_t y = 0; y < hp; ++y) {
    std::uint64_t *row = pw + y * wp * cw;
    const std::int64_t iy = y - pad_by.top;
    if (iy < 0 || iy >= h) {
      std::fill(row, row + wp * cw, pad_bits);
      continue;
    }
    std::fill(row, row + pad_by.left * cw, pad_bits);
    std::copy(words + iy * w * cw, words + (iy + 1) * w * cw, row + pad_by.left * cw);
    std::fill(row + (pad_by.left + w) * cw, row + wp * cw, pad_bits);
  }
  // u16 lane i = 64 * (a_i | b_i << 2 | d_i << 4) from three words of 32 2-bit lanes broadcast to
  // every qword: vpmultishiftqb puts a_i (bits 2i, 2i + 1) at bits 6-7 of the lane's low byte
  // (control 2i - 6 mod 64: the selection wraps around the qword), b_i at bits 0-1 of its high
  // byte (2i) and d_i at its bits 2-3 (2i - 2).
  alignas(64) std::uint8_t ca[64], cb[64], cd[64];
  for (int i = 0; i < 32; ++i) {
    ca[2 * i] = static_cast<std::uint8_t>((2 * i - 6) & 63), ca[2 * i + 1] = 0;
    cb[2 * i] = 0, cb[2 * i + 1] = static_cast<std::uint8_t>(2 * i);
    cd[2 * i] = 0, cd[2 * i + 1] = static_cast<std::uint8_t>((2 * i - 2) & 63);
  }
  const __m512i ctrl_a = _mm512_load_si512(ca), ctrl_b = _mm512_load_si512(cb),
                ctrl_d = _mm512_load_si512(cd);
  // Fields: a at bits 6-7 (ma), b at 8-9, d at 10-11 (md); two bit selects (vpternlog 0xE4: mask ?
  // x : y) and one (v & keep) ^ flip (0x6A), flip = the lanes' sign bits at their fields.
  const __m512i ma = _mm512_set1_epi16(0x00C0), md = _mm512_set1_epi16(0x0C00),
                keep = _mm512_set1_epi16(0x0FC0),
                flipv = _mm512_set1_epi16(static_cast<short>(is_signed ? 0x0A80 : 0));
  for (std::int64_t x = 0; x < img.wx; ++x)
    for (std::int64_t y = 0; y < hp; ++y) {
      std::uint16_t *dst = img.index.data() + (x * hp + y) * img.ct;
      const std::uint64_t *pa = pw + (y * wp + x) * cw, *pb = pa + dw * cw, *pd = pb + dw * cw;
      for (std::int64_t q = 0; q < cw; ++q) {
        const __m512i va =
            _mm512_multishift_epi64_epi8(ctrl_a, _mm512_set1_epi64(static_cast<long long>(pa[q])));
        const __m512i vb =
            _mm512_multishift_epi64_epi8(ctrl_b, _mm512_set1_epi64(static_cast<long long>(pb[q])));
        const __m512i vd =
            _mm512_multishift_epi64_epi8(ctrl_d, _mm512_set1_epi64(static_cast<long long>(pd[q])));
        const __m512i ab = _mm512_ternarylogic_epi64(va, vb, ma, 0xE4);
        const __m512i abd = _mm512_ternarylogic_epi64(vd, ab, md, 0xE4);
        _mm512_storeu_si512(dst + 32 * q, _mm512_ternarylogic_epi64(abd, keep, flipv, 0x6A));
      }
    }
  // A word's offset sum: its lanes' low bits plus twice their high bits (of the flipped word).
  for (std::int64_t px = 0; px < hp * wp; ++px)
    for (std::int64_t grp = 0; grp < groups; ++grp) {
      const std::uint64_t *g0 = pw + px * cw + grp * gw;
      std::int64_t sum = 0;
      for (std::int64_t q = 0; q < gw; ++q) {
        const std::uint64_t v = g0[q] ^ flip;
        sum += std::popcount(v & even) + 2 * std::popcount(v & ~even);
      }
      img.sums[static_cast<std::size_t>(px * groups + grp)] = sum;
    }
}

namespace {

struct Lut64Scratch {
  PaddedImage padded;
  Lut64Image image;
  std::vector<std::int64_t> key, row_base, group_off; // the geometry the tables are for
  std::vector<std::int64_t> hsum, rowsum, dz, fixed;  // hsum: a padded row's 3-tap sums
  std::vector<std::int32_t> dz32, fixed32, res;
};

// The epilogue's columns for group grp: dz = w_min - zw, fixed = da * colsum + K * da * dz + bias
// (exact_sums.hpp, with the real K and column sums), and the int32 flags from bounds of the terms
// (as conv_planes_implicit: int32_epilogue_bound, proof int32_epilogue; each part checked
// against INT32_MAX first, so nothing overflows int64). kp: the raw sums' length (padded).
void lut64_epilogue(const PackedConvWeights &w, const ConvLut64Group &l, std::int64_t grp,
                    std::int64_t K, std::int64_t kp, std::int64_t da, std::int64_t rmax,
                    Lut64Scratch &s, fast::Epilogue &e) {
  const std::int64_t og = l.w.n, wmin = w.weight_layout().min_value();
  s.dz.resize(static_cast<std::size_t>(og));
  s.fixed.resize(static_cast<std::size_t>(og));
  s.dz32.resize(static_cast<std::size_t>(og));
  s.fixed32.resize(static_cast<std::size_t>(og));
  bool fits = rmax <= INT32_MAX, known = fits && kp * 9 <= INT32_MAX;
  std::int64_t max_dz = 0, max_fixed = 0;
  for (std::int64_t n = 0; n < og; ++n) {
    const auto i = static_cast<std::size_t>(n), o = static_cast<std::size_t>(grp * og + n);
    const std::int64_t dz = wmin - w.weight_quant().zero_point_of(o);
    const std::int64_t fixed =
        epilogue_fixed<std::int64_t>(K, da, dz, l.colsum[i], w.bias().empty() ? 0 : w.bias()[o]);
    const std::int64_t adz = dz < 0 ? -dz : dz, afixed = fixed < 0 ? -fixed : fixed;
    s.dz[i] = dz, s.fixed[i] = fixed;
    s.dz32[i] = static_cast<std::int32_t>(dz), s.fixed32[i] = static_cast<std::int32_t>(fixed);
    fits = fits && adz <= INT32_MAX;
    known = known && fits && afixed <= INT32_MAX &&
            int32_epilogue_bound<std::int64_t>(kp, 3, 3, adz, rmax, afixed) <= INT32_MAX;
    max_dz = std::max(max_dz, adz), max_fixed = std::max(max_fixed, afixed);
  }
  e.dz = s.dz.data();
  e.fixed = s.fixed.data();
  e.rowsum_fits_int32 = fits;
  e.known_int32 = known;
  // The bound of the columns' maxima together (a kernel may then add in int32 with no check).
  e.int32_exact =
      known && int32_epilogue_bound<std::int64_t>(kp, 3, 3, max_dz, rmax, max_fixed) <= INT32_MAX;
  e.dz32 = s.dz32.data();
  e.fixed32 = s.fixed32.data();
}

// lut64_rows on group grp of image img, one output column ox at a time: its rows oy < oh start at
// entry ox * sw * hp * ct + grp * cp (row_base oy * sh * ct: equally spaced, so with one group and
// no y dilation, group_off the identity, the kernel reads them in place as GEMM rows), pixel (oy,
// ox)'s results at e.out + (oy * ow + ox) * e.ld, its row sum at e.rowsum[ox * oh + oy]. Threads
// split the 64-column panels, or the output columns when there are fewer panels than threads.
// conv3 (3 kernel rows, stride and dilation 1 in y, fast::lut64_conv3_weights): the column's
// rows by fast::lut64_conv3_rows, which looks each input row's tables up for its 3 kernel rows.
void lut64_columns(const Lut64Image &img, std::int64_t grp, const Geometry &g, std::int64_t sw,
                   bool conv3, const Lut64Scratch &s, const fast::FastWeights &fw,
                   const fast::Epilogue &e, int threads) {
  const auto column = [&](std::int64_t ox, std::int64_t n0, std::int64_t n1) {
    const std::uint16_t *index = img.index.data() + ox * sw * img.hp * img.ct + grp * img.cp;
    fast::Epilogue ec = e;
    ec.rowsum = e.rowsum + ox * g.oh;
    ec.out = e.out + ox * e.ld;
    ec.ld = e.ld * g.ow;
    if (conv3)
      fast::lut64_conv3_rows(fast::Lut64Conv3Rows{index, img.ct, g.oh}, fw, ec, n0, n1);
    else
      fast::lut64_rows(fast::Lut64Rows{index, s.row_base.data(), s.group_off.data(), g.oh}, fw, ec,
                       n0, n1);
  };
  const std::int64_t panels = (e.n + fast::kLutPanel - 1) / fast::kLutPanel;
  const bool by_panels = panels >= threads;
  const std::int64_t T =
      std::max<std::int64_t>(1, std::min<std::int64_t>(threads, by_panels ? panels : g.ow));
  if (T == 1) {
    for (std::int64_t ox = 0; ox < g.ow; ++ox)
      column(ox, 0, e.n);
    return;
  }
#pragma omp parallel for num_threads(static_cast <int>(T)) schedule(static, 1)
  for (std::int64_t t = 0; t < T; ++t) {
    if (by_panels) {
      for (std::int64_t ox = 0; ox < g.ow; ++ox)
        column(ox, panels * t / T * fast::kLutPanel,
               std::min(e.n, panels * (t + 1) / T * fast::kLutPanel));
      continue;
    }
    for (std::int64_t ox = g.ow * t / T; ox < g.ow * (t + 1) / T; ++ox)
      column(ox, 0, e.n);
  }
}

} // namespace

void conv_lut64(const QTensor &x, const Geometry &g, std::int32_t za, const PackedConvWeights &w,
                const Conv2dParams &p, const KernelOptions &opt, std::int32_t *out) {
  thread_local Lut64Scratch s;
  const Layout &al = x.layout();
  const auto pad = static_cast<std::uint8_t>(za - al.min_value()); // the zero point's offset
  const std::int64_t O = w.out_channels(), CG = w.in_channels_per_group(), G = w.groups();
  const std::int64_t og = O / G, KH = w.kernel_h(), P = g.oh * g.ow, cp = lut64_conv_channels(CG);
  const std::int64_t K = CG * KH * 3, da = al.min_value() - za;
  const std::vector<ConvLut64Group> &groups = conv_lut64_groups(w);
  // NHWC 2-bit lanes with no guard bits, whole words a group: the index image from the words.
  const bool from_words = g.format == DataFormat::NHWC && al.guard == 0 && CG % 32 == 0;
  const std::vector<std::uint8_t> xv = from_words ? std::vector<std::uint8_t>{} : x.to_offsets();
  const std::size_t image = static_cast<std::size_t>(g.c * g.h * g.w);
  const bool nhwc = g.format == DataFormat::NHWC;
  if (!nhwc)
    s.res.resize(static_cast<std::size_t>(P * og));
  s.rowsum.resize(static_cast<std::size_t>(P));
  for (std::int64_t b = 0; b < g.n; ++b) {
    if (from_words) {
      lut64_index_image_words(x.words().data() + b * static_cast<std::int64_t>(image) / 32, g.h,
                              g.w, g.c, {p.pad_top, p.pad_left, p.pad_bottom, p.pad_right}, G,
                              p.dilation_w, al.is_signed(), pad, s.image);
    } else {
      pad_image(xv.data() + static_cast<std::size_t>(b) * image, g, p, pad, s.padded);
      lut64_index_image(s.padded.bytes.data(), s.padded.hp, s.padded.wp, g.c, G, p.dilation_w,
                        s.image);
    }
    const std::int64_t wp = s.image.wp;
    const std::int64_t ct = s.image.ct;
    // The offset tables (of one output column) depend on the geometry only: kept from call to
    // call while it stays.
    const std::vector<std::int64_t> key{ct, cp, KH, p.stride_h, p.dilation_h, g.oh};
    if (key != s.key) {
      s.row_base.resize(static_cast<std::size_t>(g.oh));
      for (std::int64_t oy = 0; oy < g.oh; ++oy)
        s.row_base[static_cast<std::size_t>(oy)] = oy * p.stride_h * ct;
      s.group_off.resize(static_cast<std::size_t>(KH * cp));
      for (std::int64_t j = 0; j < KH * cp; ++j)
        s.group_off[static_cast<std::size_t>(j)] = (j / cp) * p.dilation_h * ct + j % cp;
      s.key = key;
    }
    for (std::int64_t grp = 0; grp < G; ++grp) {
      const ConvLut64Group &l = groups[static_cast<std::size_t>(grp)];
      // Row sums, column by column: the group's pixel sums over the window, padding taps
      // included (the zero point's offset, as the GEMM row would hold it). Separably and row by
      // row (contiguous in ox): the KW = 3 taps of each padded row's output columns, the KH rows,
      // then into the column-major order of the calls.
      const std::int64_t ow = g.ow, oh = g.oh;
      s.hsum.resize(static_cast<std::size_t>((s.image.hp + oh) * ow));
      std::int64_t *hs = s.hsum.data(), *vs = hs + s.image.hp * ow;
      const std::int64_t sx = p.stride_w * G, dx = p.dilation_w * G;
      for (std::int64_t y = 0; y < s.image.hp; ++y) {
        const std::int64_t *row = s.image.sums.data() + y * wp * G + grp;
        for (std::int64_t ox = 0; ox < ow; ++ox)
          hs[y * ow + ox] = row[ox * sx] + row[ox * sx + dx] + row[ox * sx + 2 * dx];
      }
      for (std::int64_t oy = 0; oy < oh; ++oy) {
        std::int64_t *v = vs + oy * ow;
        std::fill(v, v + ow, std::int64_t{0});
        for (std::int64_t ky = 0; ky < KH; ++ky) {
          const std::int64_t *h = hs + (oy * p.stride_h + ky * p.dilation_h) * ow;
          for (std::int64_t ox = 0; ox < ow; ++ox)
            v[ox] += h[ox];
        }
      }
      std::int64_t rmax = 0;
      for (std::int64_t ox = 0; ox < ow; ++ox)
        for (std::int64_t oy = 0; oy < oh; ++oy) {
          const std::int64_t r = vs[oy * ow + ox];
          s.rowsum[static_cast<std::size_t>(ox * oh + oy)] = r;
          rmax = std::max(rmax, r);
        }
      std::atomic<int> bad{0};
      fast::Epilogue e;
      e.rowsum = s.rowsum.data();
      lut64_epilogue(w, l, grp, K, l.w.k, da, rmax, s, e);
      // NHWC: the group's columns of the image's rows in place; NCHW: P x og, transposed below.
      e.out = nhwc ? out + b * P * O + grp * og : s.res.data();
      e.n = og;
      e.ld = nhwc ? O : og;
      e.bad = &bad;
      const bool conv3 = lut64_conv3_applies(KH, p.stride_h, p.dilation_h, CG);
      lut64_columns(s.image, grp, g, p.stride_w, conv3, s, l.w, e, opt.threads);
      if (bad.load() != 0)
        throw std::logic_error("samd: conv2d (lut64): int32 bound violated");
      if (!nhwc)
        for (std::int64_t o = 0; o < og; ++o) {
          std::int32_t *dst = out + (b * O + grp * og + o) * P;
          for (std::int64_t pix = 0; pix < P; ++pix)
            dst[pix] = s.res[static_cast<std::size_t>(pix * og + o)];
        }
    }
  }
}
#endif

} // namespace samd::kernels::detail
