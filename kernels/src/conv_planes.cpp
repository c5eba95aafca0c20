#include "conv_planes.hpp"

#include <algorithm>

#include "conv_geometry.hpp"
#include "x86_intrinsics.hpp"

namespace samd::kernels::detail {

void plane_tables(const PlaneImage &img, const PlaneTaps &t, std::int64_t oh, std::int64_t ow,
                  PlaneTables &tab) {
  const std::int64_t cwg = t.cg / 64, taps = t.kh * t.kw;
  tab.pixel_off.resize(static_cast<std::size_t>(taps));
  const bool rows = t.dw == 1 && cwg == img.cw; // plane_row's runs
  tab.run = rows ? t.kw * cwg : cwg;
  tab.run_start.resize(static_cast<std::size_t>(rows ? t.kh : taps));
  tab.row_base.resize(static_cast<std::size_t>(oh * ow));
  tab.row_pixel.resize(static_cast<std::size_t>(oh * ow));
  for (std::int64_t ky = 0; ky < t.kh; ++ky)
    for (std::int64_t kx = 0; kx < t.kw; ++kx) {
      const std::int64_t tap = ky * t.kw + kx, off = ky * t.dh * img.wp + kx * t.dw;
      tab.pixel_off[static_cast<std::size_t>(tap)] = off;
      if (!rows || kx == 0)
        tab.run_start[static_cast<std::size_t>(rows ? ky : tap)] = off * img.cw;
    }
  for (std::int64_t oy = 0; oy < oh; ++oy)
    for (std::int64_t ox = 0; ox < ow; ++ox) {
      const std::int64_t px = oy * t.sh * img.wp + ox * t.sw;
      tab.row_pixel[static_cast<std::size_t>(oy * ow + ox)] = px;
      tab.row_base[static_cast<std::size_t>(oy * ow + ox)] = px * img.cw;
    }
}

#if defined(SAMD_HAVE_X86_KERNELS)
bool plane_pad_runs(const PlaneTables &tab, const PlaneTaps &t, const PlanePadding &pad_by,
                    std::int64_t h, std::int64_t w, std::int64_t wp,
                    std::vector<std::uint64_t> &pad_runs) {
  const std::int64_t runs = static_cast<std::int64_t>(tab.run_start.size());
  const std::int64_t taps_per_run = runs == t.kh * t.kw ? 1 : t.kw; // tap runs or kernel-row runs
  pad_runs.assign(tab.row_pixel.size(), 0);
  if (runs > 64)
    return false;
  const auto padding = [&](std::int64_t px) { // a padded pixel index
    const std::int64_t y = px / wp, x = px % wp;
    return !in_image(y, pad_by.top, h) || !in_image(x, pad_by.left, w);
  };
  bool any = false;
  for (std::size_t m = 0; m < pad_runs.size(); ++m) {
    std::uint64_t mask = 0;
    for (std::int64_t q = 0; q < runs; ++q) {
      bool all = true;
      for (std::int64_t i = 0; i < taps_per_run && all; ++i)
        all = padding(tab.row_pixel[m] +
                      tab.pixel_off[static_cast<std::size_t>(q * taps_per_run + i)]);
      mask |= static_cast<std::uint64_t>(all) << q;
    }
    pad_runs[m] = mask;
    any = any || mask != 0;
  }
  return any;
}

__attribute__((target("avx512f,avx512vpopcntdq"))) void
plane_word_sums(const PlaneImage &img, std::vector<std::int64_t> &sums) {
  const std::int64_t n = img.hp * img.wp * img.cw;
  sums.resize(static_cast<std::size_t>(n));
  const std::uint64_t *w = img.words.data();
  std::int64_t q = 0;
  for (; q + 8 <= n; q += 8) {
    __m512i s = _mm512_setzero_si512();
    for (unsigned i = 0; i < img.ab; ++i)
      s = _mm512_add_epi64(
          s, _mm512_slli_epi64(_mm512_popcnt_epi64(_mm512_loadu_si512(w + i * n + q)), i));
    _mm512_storeu_si512(sums.data() + q, s);
  }
  if (q < n) {
    const __mmask8 k = static_cast<__mmask8>((1u << (n - q)) - 1u);
    __m512i s = _mm512_setzero_si512();
    for (unsigned i = 0; i < img.ab; ++i)
      s = _mm512_add_epi64(
          s, _mm512_slli_epi64(_mm512_popcnt_epi64(_mm512_maskz_loadu_epi64(k, w + i * n + q)), i));
    _mm512_mask_storeu_epi64(sums.data() + q, k, s);
  }
}

__attribute__((target("avx512f"))) std::int64_t
plane_row_sums(const PlaneTables &tab, const PlaneTaps &t, std::int64_t wp, std::int64_t oh,
               std::int64_t ow, const std::int64_t *pixel_sums, std::int64_t *rowsum) {
  __m512i most = _mm512_setzero_si512();
  for (std::int64_t oy = 0; oy < oh; ++oy) {
    std::int64_t *dst = rowsum + oy * ow;
    const std::int64_t *row = pixel_sums + oy * t.sh * wp;
    for (std::int64_t ox = 0; ox < ow; ox += 8) {
      const __mmask8 k = static_cast<__mmask8>((1u << std::min<std::int64_t>(8, ow - ox)) - 1u);
      // The 8 rows' start pixels: consecutive for stride 1, else every sw-th.
      const __m512i idx = _mm512_mul_epi32( // ox * sw < 2^31 (a pixel index)
          _mm512_add_epi64(_mm512_set1_epi64(ox), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7)),
          _mm512_set1_epi64(t.sw));
      __m512i sum = _mm512_setzero_si512();
      if (t.sw == 1) // loads (a gather cost 4x as much)
        for (const std::int64_t off : tab.pixel_off)
          sum = _mm512_add_epi64(sum, _mm512_maskz_loadu_epi64(k, row + off + ox));
      else
        for (const std::int64_t off : tab.pixel_off)
          sum = _mm512_add_epi64(
              sum, _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), k, idx, row + off, 8));
      _mm512_mask_storeu_epi64(dst + ox, k, sum);
      most = _mm512_mask_max_epi64(most, k, most, sum);
    }
  }
  return _mm512_reduce_max_epi64(most);
}

__attribute__((target("bmi2"))) void
plane_image_words(const std::uint64_t *words, std::int64_t h, std::int64_t w, std::int64_t c,
                  const PlanePadding &pad_by, std::int64_t groups, unsigned ab, bool is_signed,
                  std::uint8_t pad, PlaneImage &img) {
  const std::int64_t hp = h + pad_by.top + pad_by.bottom, wp = w + pad_by.left + pad_by.right;
  const std::int64_t pixels = hp * wp, cw = c / 64;
  img.hp = hp, img.wp = wp, img.cw = cw, img.groups = groups, img.ab = ab;
  img.words.resize(static_cast<std::size_t>(ab * pixels * cw));
  for (unsigned i = 0; i < ab; ++i) // every pixel the padding's first; the image's then overwritten
    std::fill_n(img.words.begin() + static_cast<std::ptrdiff_t>(i * pixels * cw), pixels * cw,
                (pad >> i & 1u) ? ~std::uint64_t{0} : 0);
  const std::uint64_t even = 0x5555555555555555u;
  // q - min = bits ^ (the sign bit) in every lane (QTensor::to_offsets).
  const std::uint64_t flip = !is_signed ? 0 : ab == 1 ? ~std::uint64_t{0} : ~even;
  for (std::int64_t y = 0; y < h; ++y) {
    const std::int64_t run = w * cw; // the row's words of each plane, consecutive in both
    std::uint64_t *dst = img.words.data() + ((y + pad_by.top) * wp + pad_by.left) * cw;
    if (ab == 1) {
      const std::uint64_t *src = words + y * run;
      for (std::int64_t q = 0; q < run; ++q)
        dst[q] = src[q] ^ flip;
      continue;
    }
    const std::uint64_t *src = words + 2 * y * run; // 32 channels a word
    for (std::int64_t q = 0; q < run; ++q) {
      const std::uint64_t lo = src[2 * q] ^ flip, hi = src[2 * q + 1] ^ flip;
      dst[q] = _pext_u64(lo, even) | _pext_u64(hi, even) << 32;
      dst[pixels * cw + q] = _pext_u64(lo, ~even) | _pext_u64(hi, ~even) << 32;
    }
  }
}

__attribute__((target("avx512f,avx512bw"))) void plane_image(const std::uint8_t *bytes,
                                                             std::int64_t hp, std::int64_t wp,
                                                             std::int64_t c, std::int64_t groups,
                                                             unsigned ab, PlaneImage &img) {
  const std::int64_t pixels = hp * wp, cw = c / 64;
  img.hp = hp, img.wp = wp, img.cw = cw, img.groups = groups, img.ab = ab;
  img.words.resize(static_cast<std::size_t>(ab * pixels * cw));
  for (std::int64_t px = 0; px < pixels; ++px)
    for (std::int64_t j = 0; j < cw; ++j) {
      const __m512i v = _mm512_loadu_si512(bytes + px * c + 64 * j);
      for (unsigned i = 0; i < ab; ++i)
        img.words[static_cast<std::size_t>((i * pixels + px) * cw + j)] =
            _mm512_test_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(1u << i)));
    }
}

// n words from src to dst, 8 at a time (runs are short: 3 x 1 words for ResNet's conv2_x), and
// their popcounts shifted left by `shift` added to cnt's lanes.
__attribute__((target("avx512f,avx512vpopcntdq"))) inline __m512i
copy_words(const std::uint64_t *src, std::uint64_t *dst, std::int64_t n, unsigned shift,
           __m512i cnt) {
  for (; n >= 8; n -= 8, src += 8, dst += 8) {
    const __m512i v = _mm512_loadu_si512(src);
    _mm512_storeu_si512(dst, v);
    cnt = _mm512_add_epi64(cnt, _mm512_slli_epi64(_mm512_popcnt_epi64(v), shift));
  }
  if (n > 0) {
    const __mmask8 k = static_cast<__mmask8>((1u << n) - 1u);
    const __m512i v = _mm512_maskz_loadu_epi64(k, src);
    _mm512_mask_storeu_epi64(dst, k, v);
    cnt = _mm512_add_epi64(cnt, _mm512_slli_epi64(_mm512_popcnt_epi64(v), shift));
  }
  return cnt;
}

__attribute__((target("avx512f,avx512vpopcntdq"))) std::int64_t
plane_row(const PlaneImage &img, const PlaneTaps &t, std::int64_t oy, std::int64_t ox,
          std::uint64_t *planes, std::int64_t words) {
  const std::int64_t pixels = img.hp * img.wp, cw = img.cw, cwg = t.cg / 64;
  const std::uint64_t *base = img.words.data() + t.grp * cwg;
  // The row sum: sum over planes i of 2^i * the popcount of the row's plane-i words.
  __m512i cnt = _mm512_setzero_si512();
  for (std::int64_t ky = 0; ky < t.kh; ++ky) {
    const std::int64_t px0 = (oy * t.sh + ky * t.dh) * img.wp + ox * t.sw;
    if (t.dw == 1 && cwg == cw) { // the kernel row's taps are one run of each plane
      for (unsigned i = 0; i < img.ab; ++i)
        cnt = copy_words(base + (i * pixels + px0) * cw, planes + i * words + ky * t.kw * cw,
                         t.kw * cw, i, cnt);
      continue;
    }
    for (unsigned i = 0; i < img.ab; ++i)
      for (std::int64_t kx = 0; kx < t.kw; ++kx)
        cnt = copy_words(base + (i * pixels + px0 + kx * t.dw) * cw,
                         planes + i * words + (ky * t.kw + kx) * cwg, cwg, i, cnt);
  }
  return _mm512_reduce_add_epi64(cnt);
}
#endif

} // namespace samd::kernels::detail
