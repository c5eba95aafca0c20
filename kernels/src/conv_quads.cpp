#include "conv_quads.hpp"

#include <algorithm>
#include <cstring>

#include "fast/transpose_avx512.hpp"
#include "x86_intrinsics.hpp"

namespace samd::kernels::detail {

void quad_image_size(QuadImage &img, std::int64_t hp, std::int64_t wp, std::int64_t c,
                     std::int64_t images) {
  img.hp = hp, img.wp = wp, img.cq = c / 4, img.images = images;
  img.plane = images * hp * wp;
  img.dwords.resize(static_cast<std::size_t>(img.cq * img.plane + 16));
}

#if defined(SAMD_HAVE_X86_KERNELS)

// Blocks of 16 pixels x 16 quads: 16 (masked) loads of a pixel's quads, a 16 x 16 transpose of
// dwords (as fast::interleave_avx512), 16 (masked) stores of a quad's pixels.
__attribute__((target("avx512f,avx512bw"))) void quad_image_put(QuadImage &img, std::int64_t image,
                                                                const std::uint8_t *bytes) {
  const std::int64_t pixels = img.hp * img.wp, cq = img.cq;
  std::uint32_t *dst = img.dwords.data() + image * pixels;
  for (std::int64_t px0 = 0; px0 < pixels; px0 += 16) {
    const int np = static_cast<int>(std::min<std::int64_t>(16, pixels - px0));
    const __mmask16 pm = static_cast<__mmask16>((1u << np) - 1u);
    for (std::int64_t q0 = 0; q0 < cq; q0 += 16) {
      const int nq = static_cast<int>(std::min<std::int64_t>(16, cq - q0));
      const __mmask16 qm = static_cast<__mmask16>((1u << nq) - 1u);
      __m512i r[16]; // pixel i's quads, then (transposed) quad q0 + q of the 16 pixels
      for (int i = 0; i < 16; ++i)
        r[i] = i < np ? _mm512_maskz_loadu_epi32(qm, bytes + ((px0 + i) * cq + q0) * 4)
                      : _mm512_setzero_si512();
      fast::transpose16x16(r);
      for (int q = 0; q < nq; ++q)
        _mm512_mask_storeu_epi32(dst + (q0 + q) * img.plane + px0, pm, r[q]);
    }
  }
}

// The pad dword around the interior, then per interior row blocks of 16 pixels x 16 quads: each
// pixel's quads loaded from the words (field 4: 2 bytes per quad, nibbles spread to bytes), the
// offsets made in the same registers, and the block transposed as in quad_image_put.
__attribute__((target("avx512f,avx512bw"))) void
quad_image_put_words(QuadImage &img, std::int64_t image, const std::uint64_t *words,
                     std::size_t first, unsigned field, std::uint8_t mask, std::uint8_t flip,
                     std::int64_t h, std::int64_t w, std::int64_t pt, std::int64_t pl,
                     std::uint8_t pad) {
  const std::int64_t cq = img.cq, hp = img.hp, wp = img.wp;
  std::uint32_t *dst = img.dwords.data() + image * hp * wp;
  const std::uint32_t pad4 = pad * 0x01010101u;
  for (std::int64_t q = 0; q < cq; ++q) {
    std::uint32_t *plane = dst + q * img.plane;
    std::fill(plane, plane + pt * wp, pad4);
    for (std::int64_t y = pt; y < pt + h; ++y) {
      std::fill(plane + y * wp, plane + y * wp + pl, pad4);
      std::fill(plane + y * wp + pl + w, plane + (y + 1) * wp, pad4);
    }
    std::fill(plane + (pt + h) * wp, plane + hp * wp, pad4);
  }
  // Element first + e is byte first + e (field 8) or the nibble at byte (first + e) / 2 (field 4;
  // e even, as 4 | c).
  const std::uint8_t *src = reinterpret_cast<const std::uint8_t *>(words) + first * field / 8;
  const std::int64_t quad_bytes = field / 2; // 4 lanes of `field` bits
  const __m512i mk = _mm512_set1_epi8(static_cast<char>(mask)),
                fl = _mm512_set1_epi8(static_cast<char>(flip));
  const __m512i lo4 = _mm512_set1_epi16(0x000F), hi4 = _mm512_set1_epi16(0x0F00);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x0 = 0; x0 < w; x0 += 16) {
      const int np = static_cast<int>(std::min<std::int64_t>(16, w - x0));
      const __mmask16 pm = static_cast<__mmask16>((1u << np) - 1u);
      std::uint32_t *out = dst + (y + pt) * wp + pl + x0;
      for (std::int64_t q0 = 0; q0 < cq; q0 += 16) {
        const int nq = static_cast<int>(std::min<std::int64_t>(16, cq - q0));
        const __mmask16 qm = static_cast<__mmask16>((1u << nq) - 1u);
        __m512i r[16];
        for (int i = 0; i < 16; ++i) {
          if (i >= np) {
            r[i] = _mm512_setzero_si512();
            continue;
          }
          const std::uint8_t *at = src + ((y * w + x0 + i) * cq + q0) * quad_bytes;
          __m512i v;
          if (field == 8) {
            v = _mm512_maskz_loadu_epi32(qm, at);
          } else { // 16 quads of 2 bytes: byte j -> word j, low nibble to its low byte
            const __m512i b = _mm512_cvtepu8_epi16(
                _mm512_castsi512_si256(_mm512_maskz_loadu_epi16(static_cast<__mmask32>(qm), at)));
            v = _mm512_ternarylogic_epi32(_mm512_and_si512(b, lo4), _mm512_slli_epi16(b, 4), hi4,
                                          0xF8); // A | (B & C)
          }
          r[i] = _mm512_xor_si512(_mm512_and_si512(v, mk), fl); // (lane & mask) ^ flip
        }
        fast::transpose16x16(r);
        for (int q = 0; q < nq; ++q)
          _mm512_mask_storeu_epi32(out + (q0 + q) * img.plane, pm, r[q]);
      }
    }
}
#else
void quad_image_put(QuadImage &img, std::int64_t image, const std::uint8_t *bytes) {
  const std::int64_t pixels = img.hp * img.wp, cq = img.cq;
  std::uint32_t *dst = img.dwords.data() + image * pixels;
  for (std::int64_t q = 0; q < cq; ++q)
    for (std::int64_t px = 0; px < pixels; ++px)
      std::memcpy(dst + q * img.plane + px, bytes + (px * cq + q) * 4, 4);
}

void quad_image_put_words(QuadImage &img, std::int64_t image, const std::uint64_t *words,
                          std::size_t first, unsigned field, std::uint8_t mask, std::uint8_t flip,
                          std::int64_t h, std::int64_t w, std::int64_t pt, std::int64_t pl,
                          std::uint8_t pad) {
  const std::int64_t cq = img.cq, wp = img.wp;
  std::uint32_t *dst = img.dwords.data() + image * img.hp * wp;
  const std::size_t lanes = 64 / field;
  for (std::int64_t q = 0; q < cq; ++q)
    for (std::int64_t y = 0; y < img.hp; ++y)
      for (std::int64_t x = 0; x < wp; ++x) {
        std::uint8_t b[4] = {pad, pad, pad, pad};
        if (y >= pt && y < pt + h && x >= pl && x < pl + w)
          for (int t = 0; t < 4; ++t) {
            const std::size_t e =
                first + static_cast<std::size_t>(((y - pt) * w + x - pl) * cq * 4 + q * 4 + t);
            b[t] = static_cast<std::uint8_t>(((words[e / lanes] >> (e % lanes * field)) & mask) ^
                                             flip);
          }
        std::memcpy(dst + q * img.plane + y * wp + x, b, 4);
      }
}
#endif

#if defined(SAMD_HAVE_X86_KERNELS)
namespace {
// The 16 rows' dwords of plane p (tap offset already added) as one vector; lanes past `valid`
// zero.
struct Runs { // 1..4 runs of consecutive dwords (lanes [start, next start) from base + lane)
  int n = 0;
  std::int32_t base[4] = {};
  __mmask16 mask[4] = {};
  __m512i idx[4];
};

// Where a group's 16 rows read a plane: runs of consecutive dwords, or a gather from their origins.
struct GroupSrc {
  bool gather = false;
  __mmask16 valid = 0;
  __m512i org;
  Runs runs;
};

// The 16 rows' dwords of the plane at p (tap offset added); lanes past the valid rows zero. Mode
// 0: one run, 1: several runs, 2: a gather (a template, so the tap loop has no branch on it).
template <int Mode>
__attribute__((target("avx512f,avx512bw"))) inline __m512i fetch(const GroupSrc &s,
                                                                 const std::uint32_t *p) {
  if constexpr (Mode == 2)
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), s.valid, s.org, p, 4);
  if constexpr (Mode == 0)
    return _mm512_maskz_loadu_epi32(s.valid, p + s.runs.base[0]);
  // Later runs' lanes overwrite the earlier ones' past their start (masks nest).
  __m512i v = _mm512_loadu_si512(p + s.runs.base[0]);
  for (int i = 1; i < s.runs.n; ++i)
    v = _mm512_mask_permutexvar_epi32(v, s.runs.mask[i], s.runs.idx[i],
                                      _mm512_loadu_si512(p + s.runs.base[i]));
  return _mm512_maskz_mov_epi32(s.valid, v);
}

// One 16-row group's vectors for every tap and quad at dst, returning their per-row byte sums
// (uint32 lanes, exact while each row's sum < 2^32, which conv2d's K bound implies: proof
// quads_rowsum_u32).
template <int Mode>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) __m512i
group_taps(const GroupSrc &src, const QuadImage &img, const QuadTaps &t, const std::uint32_t *base,
           std::uint8_t *dst) {
  const std::int64_t cgq = t.cg / 4;
  const __m512i ones = _mm512_set1_epi8(1);
  // Two sums, so that the vpdpbusd chains overlap.
  __m512i sum0 = _mm512_setzero_si512(), sum1 = _mm512_setzero_si512();
  for (std::int64_t ky = 0; ky < t.kh; ++ky)
    for (std::int64_t kx = 0; kx < t.kw; ++kx) {
      const std::uint32_t *p = base + ky * t.dh * img.wp + kx * t.dw;
      std::int64_t j = 0;
      for (; j + 2 <= cgq; j += 2, p += 2 * img.plane, dst += 128) {
        const __m512i v0 = fetch<Mode>(src, p), v1 = fetch<Mode>(src, p + img.plane);
        _mm512_storeu_si512(dst, v0);
        _mm512_storeu_si512(dst + 64, v1);
        sum0 = _mm512_dpbusd_epi32(sum0, v0, ones);
        sum1 = _mm512_dpbusd_epi32(sum1, v1, ones);
      }
      if (j < cgq) {
        const __m512i v = fetch<Mode>(src, p);
        _mm512_storeu_si512(dst, v);
        sum0 = _mm512_dpbusd_epi32(sum0, v, ones);
        dst += 64;
      }
    }
  return _mm512_add_epi32(sum0, sum1);
}

// quad_rows once the pixel sums ps cover the rows' windows.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void
implicit_rows(const QuadImage &img, const QuadTaps &t, std::int64_t r0, std::int64_t m,
              std::int64_t qall, std::uint8_t *inter, std::int64_t *rowsum, const std::uint32_t *ps,
              std::int64_t *gorg) {
  const std::int64_t P = t.oh * t.ow, cgq = t.cg / 4;
  const std::uint32_t *base = img.dwords.data() + t.grp * cgq * img.plane;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (std::int64_t g = 0; g * 16 < m; ++g) {
    const int rows = static_cast<int>(std::min<std::int64_t>(16, m - 16 * g));
    const __mmask16 valid = static_cast<__mmask16>((1u << rows) - 1u);
    // Each row's window origin (tap (0, 0)) in a plane.
    alignas(64) std::int32_t org[16] = {};
    for (int i = 0; i < rows; ++i) {
      const std::int64_t r = r0 + 16 * g + i, pix = r % P;
      org[i] = static_cast<std::int32_t>((r / P * img.hp + pix / t.ow * t.sh) * img.wp +
                                         pix % t.ow * t.sw);
    }
    Runs runs;
    bool gather = false;
    for (int i = 0; i < rows && !gather; ++i) {
      if (i > 0 && org[i] == org[i - 1] + 1)
        continue;
      if (runs.n == 4) {
        gather = true;
        break;
      }
      runs.base[runs.n] = org[i];
      runs.idx[runs.n] = _mm512_sub_epi32(lane, _mm512_set1_epi32(i));
      runs.mask[runs.n] = static_cast<__mmask16>(valid & ~((1u << i) - 1u));
      ++runs.n;
    }
    alignas(64) std::uint32_t s[16];
    gorg[g] = -1;
    if (rows == 16 && !gather && runs.n == 1) { // one run: read in place, summed from ps
      gorg[g] = org[0];
      __m512i sum = _mm512_setzero_si512();
      for (std::int64_t ky = 0; ky < t.kh; ++ky)
        for (std::int64_t kx = 0; kx < t.kw; ++kx)
          sum = _mm512_add_epi32(sum,
                                 _mm512_loadu_si512(ps + org[0] + ky * t.dh * img.wp + kx * t.dw));
      _mm512_store_si512(s, sum);
      for (int i = 0; i < 16; ++i)
        rowsum[16 * g + i] = s[i];
      continue;
    }
    GroupSrc src;
    src.gather = gather, src.valid = valid, src.org = _mm512_load_si512(org), src.runs = runs;
    std::uint8_t *dst = inter + g * qall * 64;
    const __m512i sum = gather        ? group_taps<2>(src, img, t, base, dst)
                        : runs.n == 1 ? group_taps<0>(src, img, t, base, dst)
                                      : group_taps<1>(src, img, t, base, dst);
    _mm512_store_si512(s, sum);
    for (int i = 0; i < rows; ++i)
      rowsum[16 * g + i] = s[i];
  }
}
} // namespace

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void
quad_rows(const QuadImage &img, const QuadTaps &t, std::int64_t r0, std::int64_t m,
          std::int64_t qall, std::uint8_t *inter, std::int64_t *rowsum,
          std::vector<std::uint32_t> &pixel_sums, std::int64_t *org) {
  const std::int64_t P = t.oh * t.ow, cgq = t.cg / 4;
  const std::uint32_t *base = img.dwords.data() + t.grp * cgq * img.plane;
  // The pixels the rows' windows cover: from the first row's origin to the last row's last tap
  // (origins grow with the row).
  const auto origin = [&](std::int64_t r) {
    const std::int64_t pix = r % P;
    return (r / P * img.hp + pix / t.ow * t.sh) * img.wp + pix % t.ow * t.sw;
  };
  const std::int64_t lo = origin(r0),
                     hi = std::min(img.plane, origin(r0 + m - 1) + (t.kh - 1) * t.dh * img.wp +
                                                  (t.kw - 1) * t.dw + 1);
  pixel_sums.resize(static_cast<std::size_t>(img.plane + 16));
  const __m512i ones = _mm512_set1_epi8(1);
  for (std::int64_t px = lo; px < hi; px += 16) { // past hi: inside the planes' 16-dword slack
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    std::int64_t j = 0;
    for (; j + 2 <= cgq; j += 2) {
      s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(base + j * img.plane + px), ones);
      s1 = _mm512_dpbusd_epi32(s1, _mm512_loadu_si512(base + (j + 1) * img.plane + px), ones);
    }
    if (j < cgq)
      s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(base + j * img.plane + px), ones);
    _mm512_storeu_si512(pixel_sums.data() + px, _mm512_add_epi32(s0, s1));
  }
  implicit_rows(img, t, r0, m, qall, inter, rowsum, pixel_sums.data(), org);
}

void quad_offsets(const QuadImage &img, const QuadTaps &t, std::int64_t qv,
                  std::vector<std::int64_t> &qoff) {
  const std::int64_t cgq = t.cg / 4;
  qoff.assign(static_cast<std::size_t>(qv), 0);
  std::size_t q = 0;
  for (std::int64_t ky = 0; ky < t.kh; ++ky)
    for (std::int64_t kx = 0; kx < t.kw; ++kx)
      for (std::int64_t j = 0; j < cgq && q < qoff.size(); ++j, ++q)
        qoff[q] = 4 * (j * img.plane + ky * t.dh * img.wp + kx * t.dw);
}
#endif

} // namespace samd::kernels::detail
