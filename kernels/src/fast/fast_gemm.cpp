#include "fast_gemm.hpp"

#include <samd/kernels/fast_bounds.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace samd::kernels::detail::fast {

const char *to_string(Method m) { return m == Method::Bitserial ? "bitserial" : "dot8"; }

bool compiled(Path p) {
#if defined(SAMD_HAVE_X86_KERNELS)
  if (p == Path::Avx2 || p == Path::Avx512)
    return true;
#elif defined(__aarch64__)
  if (p == Path::Neon)
    return true; // gemm_neon.cpp: kernels/CMakeLists.txt compiles it for aarch64
#else
  // No SIMD kernels for this target: only the portable paths (Reference, Swar).
#endif
  (void)p;
  return false;
}

Method choose_method(Path p, unsigned ab, unsigned wb) {
  // Bit-serial costs ab * wb plane products (AND + POPCNT + ADD each) per 512 k and output; Dot8
  // 8 vpdpbusd per 512 k. Measured on Zen 5 (256 x 256 x 4096, ratio to oneDNN u8s8s32): bit-serial
  // W1A1 4.6x, W2A2 1.26x, W1A3 1.7x, W3A3 0.40x, W2A4 0.65x, W4A2 0.38x, W4A4 0.29x; Dot8 0.91x
  // for each of the last four. So bit-serial up to ab * wb = 4 on AVX-512, and only for W1A1 on
  // AVX2 (no vector popcount there).
  if (p == Path::Avx512)
    return ab * wb <= 4 ? Method::Bitserial : Method::Dot8;
  // NEON: chosen by instruction count, not timed (no ARM timings are claimed): per 128 k and output
  // a plane pair costs AND + CNT + ADD (~4 with loads), Dot8 ~44 (2 vmull + 2 vpadal per 16 k plus
  // the unpacking), so bit-serial up to ab * wb = 8.
  if (p == Path::Neon)
    return ab * wb <= 8 ? Method::Bitserial : Method::Dot8;
  return ab * wb <= 1 ? Method::Bitserial : Method::Dot8;
}

namespace {
// The parts a width is stored in, low bits first: each part's values sit in whole bytes.
std::vector<unsigned> parts_of(unsigned wb) {
  switch (wb) {
  case 1:
    return {1};
  case 2:
    return {2};
  case 3:
    return {2, 1};
  case 4:
    return {4};
  case 5:
    return {4, 1};
  case 6:
    return {4, 2};
  case 7:
    return {4, 2, 1};
  default:
    return {8};
  }
}
} // namespace

FastWeights build_weights(const std::vector<std::int64_t> &q, const Layout &wl, std::int64_t N,
                          std::int64_t K) {
  FastWeights f;
  f.n = N;
  f.k = K;
  f.kpad = (K + kSuperBlock - 1) / kSuperBlock * kSuperBlock;
  if (f.kpad == 0)
    f.kpad = kSuperBlock;
  f.wb = wl.bits;
  const std::int64_t words = f.kpad / 64;

  f.plane_offset = wl.min_value();
  f.planes.assign(static_cast<std::size_t>(N * f.wb * words), 0);
  f.plane_colsum.assign(static_cast<std::size_t>(N), 0);
  f.iplanes.assign(static_cast<std::size_t>((N + 7) / 8 * 8 * f.wb * words), 0);
  // Bytes: unsigned offsets fit s8 up to 7 bits; 8-bit weights are stored as signed bytes.
  f.byte_offset = f.wb >= 8 ? (wl.is_signed() ? 0 : 128) : wl.min_value();
  f.parts = parts_of(f.wb);
  const std::int64_t blocks = f.kpad / kSuperBlock;
  f.stream_row_bytes = static_cast<std::size_t>(blocks * 64 * f.wb);
  f.streams.assign(static_cast<std::size_t>(N) * f.stream_row_bytes, 0);
  f.pstream_panel_bytes = static_cast<std::size_t>(f.kpad / 32 * 64 * f.wb);
  f.pstreams.assign(static_cast<std::size_t>((N + kPanel - 1) / kPanel) * f.pstream_panel_bytes, 0);
  // Byte `byte` of vector s (0..7) of a packed group of 8 vectors at `block`: the parts of vb.
  auto put = [&f](std::uint8_t *block, unsigned s, std::int64_t byte, std::uint8_t vb) {
    unsigned off = 0;
    for (unsigned p : f.parts) {
      const unsigned per = 8 / p, t = s / per, sh = (s % per) * p;
      const auto bits = static_cast<std::uint8_t>((vb >> off) & ((1u << p) - 1));
      block[t * 64 + static_cast<unsigned>(byte)] |= static_cast<std::uint8_t>(bits << sh);
      off += p;
      block += 64 * p;
    }
  };
  f.byte_colsum.assign(static_cast<std::size_t>(N), 0);

  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t k = 0; k < K; ++k) {
      const std::int64_t w = q[static_cast<std::size_t>(n * K + k)];
      const auto u = static_cast<std::uint64_t>(w - f.plane_offset);
      for (unsigned j = 0; j < f.wb; ++j)
        if ((u >> j) & 1u) {
          f.planes[static_cast<std::size_t>((n * f.wb + j) * words + k / 64)] |= std::uint64_t{1}
                                                                                 << (k % 64);
          f.iplanes[static_cast<std::size_t>((((n / 8) * f.wb + j) * words + k / 64) * 8 +
                                             n % 8)] |= std::uint64_t{1} << (k % 64);
        }
      f.plane_colsum[static_cast<std::size_t>(n)] += static_cast<std::int64_t>(u);

      const std::int64_t v = w - f.byte_offset;
      f.byte_colsum[static_cast<std::size_t>(n)] += v;
      const auto vb = static_cast<std::uint8_t>(v); // two's complement byte
      const std::int64_t sb = k / kSuperBlock, s = (k % kSuperBlock) / 64, byte = k % 64;
      put(f.streams.data() + static_cast<std::size_t>(n) * f.stream_row_bytes +
              static_cast<std::size_t>(sb * 64 * f.wb),
          static_cast<unsigned>(s), byte, vb);
      const std::int64_t q = k / 4; // panel format: vector q, byte 4 * (n % 16) + k % 4
      put(f.pstreams.data() + static_cast<std::size_t>(n / kPanel) * f.pstream_panel_bytes +
              static_cast<std::size_t>(q / 8 * 64 * f.wb),
          static_cast<unsigned>(q % 8), 4 * (n % kPanel) + k % 4, vb);
    }
  return f;
}

FastActs build_acts(Path p, const std::uint8_t *ua, std::int64_t M, std::int64_t K,
                    std::int64_t kpad, unsigned ab, Method method) {
  FastActs x;
  x.m = M;
  x.kpad = kpad;
  x.ab = ab;
  x.rowsum.assign(static_cast<std::size_t>(M), 0);
  x.bytes.assign(static_cast<std::size_t>(M * kpad), 0);
  for (std::int64_t m = 0; m < M; ++m) {
    const std::uint8_t *row = ua + m * K;
    std::copy(row, row + K, x.bytes.begin() + m * kpad);
    std::int64_t s = 0;
    for (std::int64_t k = 0; k < K; ++k)
      s += row[k];
    x.rowsum[static_cast<std::size_t>(m)] = s;
  }
  if (method == Method::Dot8 && (p == Path::Avx512 || p == Path::Avx2) && M >= kInterleaveMinRows) {
    x.groups = (M + 15) / 16;
    const std::int64_t q4 =
        ((K + 3) / 4 + 15) / 16 * 16; // whole 64-k blocks holding k < K; the rest stays zero
    x.inter.assign(static_cast<std::size_t>(x.groups * 16 * kpad), 0);
#if defined(SAMD_HAVE_X86_KERNELS)
    if (p == Path::Avx512) {
      interleave_avx512(x.bytes.data(), M, K, kpad, x.inter.data());
    } else
#endif
    {
      for (std::int64_t m = 0; m < M; ++m) {
        const std::uint8_t *row = x.bytes.data() + m * kpad;
        std::uint8_t *dst = x.inter.data() + ((m / 16) * (kpad / 4) * 16 + m % 16) * 4;
        for (std::int64_t q = 0; q < q4; ++q)
          std::copy(row + q * 4, row + q * 4 + 4, dst + q * 64);
      }
    }
  }
  if (method == Method::Bitserial) {
    x.planes.assign(static_cast<std::size_t>(M * ab * (kpad / 64)), 0);
#if defined(SAMD_HAVE_X86_KERNELS)
    if (p == Path::Avx512)
      planes_avx512(x.bytes.data(), M, kpad, ab, x.planes.data());
    else
      planes_avx2(x.bytes.data(), M, kpad, ab, x.planes.data());
#elif defined(__aarch64__)
    (void)p;     // Neon is the only SIMD path here
    planes_neon(x.bytes.data(), M, kpad, ab, x.planes.data());
#else
    (void)p;
    throw std::logic_error("samd: build_acts: no SIMD path compiled in");
#endif
    x.bytes.clear();
    x.bytes.shrink_to_fit();
  }
  return x;
}

FastActs build_acts(Path p, const std::int64_t *a, std::int64_t M, std::int64_t K,
                    std::int64_t kpad, const Layout &al, Method method) {
  std::vector<std::uint8_t> ua(static_cast<std::size_t>(M * K));
  const std::int64_t amin = al.min_value();
  for (std::size_t i = 0; i < ua.size(); ++i)
    ua[i] = static_cast<std::uint8_t>(a[i] - amin);
  return build_acts(p, ua.data(), M, K, kpad, al.bits, method);
}

namespace {
// The kernels that write raw sums (AVX2, NEON): D for columns [n0, n1) in a buffer, then the
// epilogue.
template <class Kernel>
void via_raw(Kernel kernel, const FastActs &a, const FastWeights &w, const Epilogue &e,
             std::int64_t n0, std::int64_t n1) {
  // The kernels write D[m * w.n + n] for n in [n0, n1) (each thread its own buffer).
  thread_local std::vector<std::int64_t> D;
  if (D.size() < static_cast<std::size_t>(a.m * w.n))
    D.resize(static_cast<std::size_t>(a.m * w.n));
  kernel(a, w, D.data(), n0, n1);
  for (std::int64_t m = 0; m < a.m; ++m)
    for (std::int64_t n = n0; n < n1; ++n)
      e.put(m, n, D[static_cast<std::size_t>(m * w.n + n)]);
}
} // namespace

void gemm_raw(Path p, Method method, const FastWeights &w, const FastActs &a, const Epilogue &e,
              int threads) {
  if (!compiled(p))
    throw std::logic_error(std::string("samd: gemm_raw: path ") + kernels::to_string(p) +
                           " is not compiled in");
  auto run = [&](std::int64_t n0, std::int64_t n1) {
#if defined(SAMD_HAVE_X86_KERNELS)
    if (p == Path::Avx512)
      return method == Method::Bitserial ? bitserial_avx512(a, w, e, n0, n1)
                                         : dot8_avx512(a, w, e, n0, n1);
    if (method == Method::Bitserial && a.ab == 1 && w.wb == 1)
      bitserial_avx2_fused(a, w, e, n0, n1);
    else if (method == Method::Bitserial)
      via_raw(bitserial_avx2, a, w, e, n0, n1);
    else if (!a.inter.empty() && maddubs_i16_steps(a.ab, w.wb) > 0)
      dot8_avx2_fused(a, w, e, n0, n1);
    else
      via_raw(dot8_avx2, a, w, e, n0, n1);
#elif defined(__aarch64__)
    if (method == Method::Bitserial)
      via_raw(bitserial_neon, a, w, e, n0, n1);
    else
      via_raw(dot8_neon, a, w, e, n0, n1);
#else
    // No SIMD kernels for this target: compiled(p) is false above.
    (void)n0;
    (void)n1;
#endif
  };
  // Static partition of N: `threads` contiguous ranges of whole panels (kPanel columns), as equal
  // as possible.
  const std::int64_t nb = (w.n + kPanel - 1) / kPanel;
  const std::int64_t T = std::max<std::int64_t>(1, std::min<std::int64_t>(threads, nb));
  if (T <= 1) {
    run(0, w.n);
    return;
  }
#pragma omp parallel for num_threads(static_cast <int>(T)) schedule(static, 1)
  for (std::int64_t t = 0; t < T; ++t) {
    const std::int64_t b0 = nb * t / T, b1 = nb * (t + 1) / T;
    run(b0 * kPanel, std::min<std::int64_t>(w.n, b1 * kPanel));
  }
}

} // namespace samd::kernels::detail::fast
