// The AVX-512 Dot8 im2col for layers whose channels per group are whole 4-byte quads (C / groups a
// multiple of 4, as in ResNet's 64-512-channel layers). The Dot8 GEMM reads its activations
// interleaved (fast::FastActs::inter): for a group of 16 rows and a k-quad q, one 64-byte vector of
// the 16 rows' 4 bytes k = 4q..4q+3. With K in (ky, kx, c) order and 4 | C / groups, every k-quad
// is 4 channels of one tap, so the padded image is turned once into a quad-major image (for each
// channel quad, the dwords of all pixels, row after row), and a group's vector for (tap, quad) is
// the 16 rows' dwords of that plane: 16 consecutive dwords when the 16 output pixels are
// consecutive in one output row (stride 1), a few such runs put together when they wrap to the next
// row or image, a gather otherwise. The row sums come from the same vectors (vpdpbusd with ones).
// Building each row in bytes and then interleaving them (conv.cpp) cost about a third of the GEMM's
// time at K = 576. The groups of 16 consecutive dwords are not copied at all: the GEMM reads them
// in place (fast::QuadSource; copying them cost ~11 % of conv2_x's Dot8 time), their row sums
// summed from per-pixel channel sums over the taps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace samd::kernels::detail {

struct QuadImage {
  std::int64_t hp = 0, wp = 0, cq = 0, images = 0; // padded size, quads per pixel, images held
  std::int64_t plane = 0;                          // dwords per quad: images * hp * wp
  // [q][(image * hp + y) * wp + x]: channels 4q..4q+3 of padded pixel (y, x) (+ 16 dwords of
  // slack, so a 16-dword load from any pixel stays inside).
  std::vector<std::uint32_t> dwords;
};

// Which taps a row reads: the kernel window, stride, dilation, channels per group, the group, and
// the output size (row r of a GEMM is output pixel r % (oh * ow) of image r / (oh * ow)).
struct QuadTaps {
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, cg = 4, grp = 0, oh = 1, ow = 1;
};

// Whether a layer can use these rows: cg % 4 == 0, and images padded images of hp x wp pixels of c
// channels fit the gathers' int32 indices.
inline bool quad_taps_apply(std::int64_t cg, std::int64_t c, std::int64_t images, std::int64_t hp,
                            std::int64_t wp) {
  return cg > 0 && cg % 4 == 0 && c % 4 == 0 && images >= 1 &&
         images * hp * wp < (std::int64_t{1} << 31) - 16 &&
         images * hp * wp * (c / 4) < (std::int64_t{1} << 40);
}

// Sizes img for `images` padded images of hp x wp pixels of c channels (their dwords unset).
// pre: quad_taps_apply(4, c, images, hp, wp).
// post: img.hp, wp, cq = c / 4, images and plane are set; img.dwords has cq * plane + 16 entries.
void quad_image_size(QuadImage &img, std::int64_t hp, std::int64_t wp, std::int64_t c,
                     std::int64_t images);

// Puts one padded image into slot `image`.
// pre: img sized by quad_image_size; 0 <= image < img.images; bytes holds hp * wp pixels of
// 4 * img.cq activation offsets each (NHWC).
// post: img.dwords[q * plane + (image * hp + y) * wp + x] = bytes 4q..4q+3 of pixel (y, x).
void quad_image_put(QuadImage &img, std::int64_t image, const std::uint8_t *bytes);

// Whether quad_image_put_words reads a layout's words: every lane a byte or a nibble (field 8 or
// 4), so a pixel's channel quad is 4 whole bytes or 2 whole bytes of the packed words.
inline bool quad_words_apply(unsigned bits, unsigned field) {
  return bits >= 1 && bits <= field && (field == 8 || field == 4);
}

// Puts one padded image into slot `image` straight from an NHWC tensor's packed words (no offset
// bytes in between; conv_im2col_fast's to_offsets + pad_image + quad_image_put cost ~10 % of a
// ResNet layer): the pad dword outside the h x w interior, and inside it the offsets
// (lane & mask) ^ flip of the tensor's elements first + ((y * w + x) * c + ch).
// pre: img sized by quad_image_size for (h + pt + pb) x (w + pl + pr) pixels of c = 4 * img.cq
// channels (pb, pr >= 0 implied by img.hp, img.wp); 0 <= image < img.images;
// quad_words_apply(bits, field); `words` holds field-bit lanes (64 / field per word, lane i at bits
// field * i), elements [first, first + h * w * c) inside it; first * field % 8 == 0; mask = the
// lane's value bits, flip = 2^(bits - 1) for a signed layout (else 0), so every offset fits a byte.
// post: img.dwords[q * plane + (image * hp + y) * wp + x] = bytes 4q..4q+3 of padded pixel (y, x)
// as pad_image + quad_image_put would make them from to_offsets().
void quad_image_put_words(QuadImage &img, std::int64_t image, const std::uint64_t *words,
                          std::size_t first, unsigned field, std::uint8_t mask, std::uint8_t flip,
                          std::int64_t h, std::int64_t w, std::int64_t pt, std::int64_t pl,
                          std::uint8_t pad);

#if defined(SAMD_HAVE_X86_KERNELS)
// The GEMM's rows [r0, r0 + m) for the AVX-512 Dot8 GEMM that reads its 16-row groups in place
// where it can (the implicit Dot8 conv, fast::QuadSource). Row r0 + 16 g + i's k-quad q < K / 4
// (K = kh * kw * cg; q = (ky * kw + kx) * cg / 4 + j holds channel quad j of the group at tap
// (ky, kx)) is the dword of plane t.grp * cg / 4 + j at its window origin (tap (0, 0)) + ky * dh *
// wp + kx * dw. A group of 16 rows whose origins are 16 consecutive dwords of a plane (one output
// row, stride 1) gets org[g] = the first one's index in the plane, and its part of inter is not
// written; every other group (a partial last one, rows wrapping to the next output row or image,
// strides) gets org[g] = -1 and its vectors in inter: inter[((g * qall + q) * 16 + i) * 4 + t] =
// byte t of that dword (zero for 16 g + i >= m). rowsum[i] = the sum of row r0 + i's K offsets:
// the copied groups' from the copied vectors, the in-place groups' from the padded pixels'
// channel sums (pixel_sums[px] = the sum of group t.grp's channels at plane pixel px, made here
// for the pixels the rows' windows cover) summed over the taps; uint32 lanes, exact as each
// row's sum < 2^32 (proof quads_rowsum_u32), and a pixel's sum is part of a row's.
// pre: quad_taps_apply(t.cg, ...), t.cg * groups == 4 * img.cq, 0 <= t.grp < groups; every row's
// image r / (oh * ow) is in img (its slot); img holds the padded images (every tap inside);
// K / 4 <= qall; inter holds ceil(m / 16) * 16 * qall * 4 bytes; org holds ceil(m / 16)
// entries; every row sum < 2^32; the CPU has AVX-512 F, BW and VNNI.
// post: as above; inter's bytes at q >= K / 4, the in-place groups' and everything past the m
// rows' groups are untouched; pixel_sums has img.plane + 16 entries.
void quad_rows(const QuadImage &img, const QuadTaps &t, std::int64_t r0, std::int64_t m,
               std::int64_t qall, std::uint8_t *inter, std::int64_t *rowsum,
               std::vector<std::uint32_t> &pixel_sums, std::int64_t *org);
// The byte offsets of the GEMM's k-quads q < qv from a row's tap-(0, 0) dword of plane 0 of the
// group t.grp: qoff[q] = 4 * (j * img.plane + ky * t.dh * img.wp + kx * t.dw) for q = (ky * t.kw
// + kx) * t.cg / 4 + j < K / 4, and 0 past K / 4 (pre: t.cg % 4 == 0, qv >= 0).
// post: qoff has qv entries.
void quad_offsets(const QuadImage &img, const QuadTaps &t, std::int64_t qv,
                  std::vector<std::int64_t> &qoff);
#endif

} // namespace samd::kernels::detail
