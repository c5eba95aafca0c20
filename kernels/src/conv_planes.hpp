// The AVX-512 bit-serial im2col for layers whose channels per group fill whole 64-bit words
// (C / groups a multiple of 64, as in ResNet's 64-512-channel layers). The padded image becomes bit
// planes once, one word per 64 channels, plane and pixel; a GEMM row is then its taps' words,
// copied (K = taps * C / groups is a multiple of 64 and every tap starts a word), and its row sum
// their popcounts weighted by 2^plane. Building each row in bytes
// and then turning it into planes (conv.cpp) cost about as much as the bit-serial GEMM itself at
// K = 576. The implicit GEMM (conv.cpp conv_planes_implicit) copies no row: its kernel reads the
// words in place, through PlaneTables.
#pragma once

#include <cstdint>
#include <vector>

namespace samd::kernels::detail {

struct PlaneImage {
  std::int64_t hp = 0, wp = 0, cw = 0, groups = 1; // padded size, words per plane and pixel
  unsigned ab = 0;
  std::vector<std::uint64_t> words; // [i][y * wp + x][cw]: bit i of 64 channels' offsets
};

// Which taps a row reads: the kernel window, stride, dilation, channels per group and the group.
struct PlaneTaps {
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, cg = 64, grp = 0;
};

// Whether a layer can use these rows: cg % 64 == 0 (and 1 <= ab <= 8).
inline bool plane_taps_apply(std::int64_t cg, unsigned ab) {
  return cg > 0 && cg % 64 == 0 && ab >= 1 && ab <= 8;
}

// The implicit GEMM's tables (conv.cpp conv_planes_implicit): the rows read the plane image in
// place (fast::ConvRows). Output pixel (oy, ox) starts at padded pixel row_pixel[oy * ow + ox] = oy
// * sh
// * wp + ox * sw, its words at row_base = row_pixel * cw; tap t = ky * kw + kx is pixel_off[t] =
// ky * dh * wp + kx * dw after it. GEMM word x (the GEMM's k order, as plane_row copies it) is word
// u of run q = x / run: run_start[q] + u after the row's base, a run being a tap's cg / 64 words,
// or a kernel row's kw * cw words when they are consecutive (dw = 1 and one group).
struct PlaneTables {
  std::vector<std::int64_t> pixel_off, run_start, row_base, row_pixel;
  std::int64_t run = 1;
};
// pre: plane_taps_apply(t.cg, img.ab), t.cg * img.groups == 64 * img.cw, img sized for an oh x ow
// output of taps t (every tap inside the padded image). post: the tables above (t.grp is
// not used: the caller starts the image at the group's first word).
void plane_tables(const PlaneImage &img, const PlaneTaps &t, std::int64_t oh, std::int64_t ow,
                  PlaneTables &tab);

#if defined(SAMD_HAVE_X86_KERNELS)
// The offsets' sums per word: sums[q] = sum_i 2^i popcount(plane i's word q), q < hp * wp * cw
// (a pixel's offsets of 64 channels). pre: img built by plane_image; the CPU has AVX-512 F and
// VPOPCNTDQ. post: sums holds hp * wp * cw values.
void plane_word_sums(const PlaneImage &img, std::vector<std::int64_t> &sums);

// The rows' sums of offsets: rowsum[oy * ow + ox] = sum over taps t of pixel_sums[oy * sh * wp +
// ox * sw + tab.pixel_off[t]] (wp: the padded width the tables were built for).
// pre: tab from plane_tables for (t, oh, ow); pixel_sums holds every padded pixel's sum; the CPU
// has AVX-512 F. post: rowsum holds oh * ow sums; returns the largest (0 if none).
std::int64_t plane_row_sums(const PlaneTables &tab, const PlaneTaps &t, std::int64_t wp,
                            std::int64_t oh, std::int64_t ow, const std::int64_t *pixel_sums,
                            std::int64_t *rowsum);

// The same planes straight from a QTensor's words (no offset bytes, no padded byte image): for
// NHWC activations whose layout has no guard bits and 1 or 2 bits, a pixel's 64 channels are one
// word (1 bit) or two (2 bits: plane i gathered from bit i of every lane), offsets = bits ^ the
// sign bit (QTensor::to_offsets). words: the image's h * w * c / (64 / bits) words; padding pixels
// hold `pad` (the zero point's offset). pre: c % (64 * groups) == 0, ab in {1, 2}; ab == 2: the
// CPU has BMI2. post: img as plane_image makes it from the padded offset bytes.
struct PlanePadding {
  std::int64_t top = 0, left = 0, bottom = 0, right = 0;
};
void plane_image_words(const std::uint64_t *words, std::int64_t h, std::int64_t w, std::int64_t c,
                       const PlanePadding &pad_by, std::int64_t groups, unsigned ab, bool is_signed,
                       std::uint8_t pad, PlaneImage &img);

// Which runs of each row read padding pixels only (a kernel row above or below the image, or a
// tap outside it): bit q of pad_runs[m] for run q of row m (PlaneTables: a run is a kernel row's
// or a tap's words). The kernel may leave such a run out of a block whose rows all have it and add
// pad x the run's weight sums instead. pre: tab from plane_tables(img, t, oh, ow) for an image of
// h x w pixels padded by pad_by. post: pad_runs holds oh * ow masks; all 0 when the tables have
// more than 64 runs. Returns whether any mask is nonzero.
bool plane_pad_runs(const PlaneTables &tab, const PlaneTaps &t, const PlanePadding &pad_by,
                    std::int64_t h, std::int64_t w, std::int64_t wp,
                    std::vector<std::uint64_t> &pad_runs);

// pre: bytes holds hp * wp pixels of c activation offsets each (NHWC, each < 2^ab), groups >= 1,
// c % (64 * groups) == 0, 1 <= ab <= 8, and the CPU has AVX-512 F and BW.
// post: img.words[(i * hp * wp + y * wp + x) * cw + j] has bit b = bit i of the offset of channel
// 64 j + b at padded pixel (y, x); hp, wp, cw = c / 64, groups and ab are set.
void plane_image(const std::uint8_t *bytes, std::int64_t hp, std::int64_t wp, std::int64_t c,
                 std::int64_t groups, unsigned ab, PlaneImage &img);

// The GEMM row of output pixel (oy, ox): plane i's words [0, K / 64) at planes + i * words
// (K = kh * kw * cg, word t * cg / 64 + j = channel word j of tap t = ky * kw + kx of the group),
// in the GEMM's k order (ky, kx, c).
// pre: plane_taps_apply(t.cg, img.ab), t.cg * img.groups == 64 * img.cw, 0 <= t.grp < groups;
// img is the padded image (every tap inside it); K / 64 <= words; the CPU has AVX-512 F and
// VPOPCNTDQ.
// post: returns the row sum, the sum of its K offsets; words past K / 64 are untouched.
std::int64_t plane_row(const PlaneImage &img, const PlaneTaps &t, std::int64_t oy, std::int64_t ox,
                       std::uint64_t *planes, std::int64_t words);
#endif

} // namespace samd::kernels::detail
