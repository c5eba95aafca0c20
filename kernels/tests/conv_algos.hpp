// The conv tests' choice of algorithm on the AVX-512 path (conv_geometry.hpp ConvAlgo): forcing one
// for a scope, and the list to try on a path.
#pragma once

#include <vector>

#include <samd/kernels/kernels.hpp>

#include "../src/conv_geometry.hpp"

namespace samd::kernels::test {

using samd::kernels::detail::ConvAlgo;

// Forces conv2d's choice on the AVX-512 path for its lifetime.
struct ForceAlgo {
  explicit ForceAlgo(ConvAlgo a) { samd::kernels::detail::force_conv_algo(a); }
  ~ForceAlgo() { samd::kernels::detail::force_conv_algo(ConvAlgo::Auto); }
  ForceAlgo(const ForceAlgo &) = delete;
  ForceAlgo &operator=(const ForceAlgo &) = delete;
};

// The choices to try on a path: on AVX-512 its own, the direct kernel for few taps (where it
// applies: NCHW, groups = 1), the other direct kernels, im2col + GEMM and the implicit GEMM on the
// image's bit planes (where it applies: channels per group a multiple of 64, a bit-serial pair)
// the implicit LUT64 GEMM on the index image (where it applies: W2A2, KW = 3, VBMI) and the Dot8
// tap kernel that skips padding taps (where it applies: a Dot8 pair, channels per group a multiple
// of 4).
inline std::vector<ConvAlgo> algos(Path p) {
  if (resolve_path(p) != Path::Avx512)
    return {ConvAlgo::Auto};
  return {ConvAlgo::Auto,   ConvAlgo::Small, ConvAlgo::Direct, ConvAlgo::Im2col,
          ConvAlgo::Planes, ConvAlgo::Lut64, ConvAlgo::Taps};
}
inline const char *algo_name(ConvAlgo a) {
  return a == ConvAlgo::Auto     ? "auto"
         : a == ConvAlgo::Small  ? "small"
         : a == ConvAlgo::Direct ? "direct"
         : a == ConvAlgo::Im2col ? "im2col"
         : a == ConvAlgo::Planes ? "planes"
         : a == ConvAlgo::Lut64  ? "lut64"
                                 : "taps";
}

} // namespace samd::kernels::test
