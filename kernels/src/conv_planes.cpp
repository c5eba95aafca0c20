#include "conv_planes.hpp"

#include <algorithm>

#include "x86_intrinsics.hpp"

namespace samd::kernels::detail {

#if defined(SAMD_HAVE_X86_KERNELS)
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
