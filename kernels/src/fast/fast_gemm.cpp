#include "fast_gemm.hpp"

#include "byte_sums.hpp"
#include "lut64.hpp"

#include <samd/kernels/fast_bounds.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace samd::kernels::detail::fast {

const char *to_string(Method m) {
  switch (m) {
  case Method::Bitserial:
    return "bitserial";
  case Method::Dot8:
    return "dot8";
  case Method::Lut:
    return "lut";
  case Method::Lut64:
    return "lut64";
  }
  return "?";
}

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
  // AVX2: table lookup (Method::Lut) for 1- and 2-bit weights with g * ab <= 8 index bits, where
  // measured: per step of g = 4 / wb k a 4 x 2 block does one vpshufb + vpaddb per 32 columns
  // and row (128 MACs for wb = 1, 64 for wb = 2), against oneDNN's vpmaddubsw + vpmaddwd + vpaddd
  // per 32 MACs; from 32 rows with no nibble masks (index bytes expanded per column block).
  // Measured on Zen 5 (256 x 256 x 4096, ratio to oneDNN u8s8s32 limited to AVX2, same run, median
  // of 5, five runs on a shared machine): W1A1 5.96-6.38x (bit-serial 3.3x), W2A2 2.55-2.61x (Dot8
  // 1.5x), W1A2 5.42-5.53x (Dot8 1.5x), W2A1 3.07-3.13x (Dot8 1.5x); GEMV 1 x 8192 x 8192: W1A1
  // 1.1x the bit-serial kernel's GMAC/s, W2A2 1.95x Dot8's (so no row threshold). W2A3 and W2A4
  // (also lut_pair) are not measured and stay Dot8.
  if (lut_pair(ab, wb) && ab <= 2)
    return Method::Lut;
  return ab * wb <= 1 ? Method::Bitserial : Method::Dot8;
}

Method gemm_method(Path p, unsigned ab, const FastWeights &w) {
  // Lut64 against bit-serial, W2A2 on Zen 5, 1 thread, time of bit-serial / Lut64 (prepared
  // activations, best of runs): 256 x 256 x 4096 1.33x (samd bench: 1.71-1.73x oneDNN against
  // 1.27-1.32x), GEMV 1 x 8192 x 8192 1.27x. By shape (M = 8 / 64 / 256): K = 4096 N = 192 1.10 /
  // 1.25 / 1.25x, N = 128 0.95 / 1.11 / 1.10x, N = 64 0.58 / 0.73 / 0.74x, N = 32 0.33-0.37x
  // (tiles of fewer than 4 panels); K = 2048 N = 192 1.02 / 1.19x, N = 128 0.84 / 1.04x; K = 1024
  // N = 256 0.97 / 1.18x, N = 192 0.96 / 0.74x; K = 576 N = 256 0.99 / 1.18 / 1.10x, N = 128
  // 0.85-0.92x. GEMV (M = 1) wins once the weights leave L2 (K = 4096: N = 1024 1.04x, 2048 1.18x,
  // 4096 1.11x) and loses below (N = 256 0.81x, 512 0.79x). Again with the taller narrow tiles
  // (lut64_tile_shape.hpp, 2026-11-26, M = 1 / 8 / 64): N = 64 0.74-0.97x at any K; N = 128
  // 0.59-0.72 / 0.92-0.99 / 1.10-1.20x; N = 192-512 at K = 288-1152 0.70-0.90 / 1.02-1.20 /
  // 1.20-1.38x, at K = 4096 0.81-1.12 / 1.13-1.26 / 1.29-1.35x. The method is fixed at prepack,
  // before M is known, and batch-1 layers are GEMVs: without the caller's rows hint the threshold
  // stays where GEMVs lose least; with it (FastWeights::rows), lut64_shape takes the grid's wins.
  const bool shape = lut64_shape(w.n, w.k, w.rows) || lut64_any_shape();
  if (p == Path::Avx512 && lut64_pair(ab, w.wb) && !w.conv && shape && lut64_vbmi())
    return Method::Lut64;
  return choose_method(p, ab, w.wb);
}

Kernel choose_kernel(Path p, Method method, unsigned ab, unsigned wb, bool interleaved) {
  const bool bits = method == Method::Bitserial;
  if (p == Path::Avx512 && method == Method::Lut64)
    return Kernel::Avx512Lut64;
  if (p == Path::Avx512)
    return bits ? Kernel::Avx512Bitserial : Kernel::Avx512Dot8;
  if (p == Path::Avx2) {
    if (method == Method::Lut)
      return Kernel::Avx2Lut;
    if (bits)
      return ab == 1 && wb == 1 ? Kernel::Avx2BitserialFused : Kernel::Avx2Bitserial;
    return interleaved && maddubs_i16_steps(ab, wb) > 0 ? Kernel::Avx2Dot8Fused : Kernel::Avx2Dot8;
  }
  if (p == Path::Neon)
    return bits ? Kernel::NeonBitserial : Kernel::NeonDot8;
  throw std::logic_error(std::string("samd: choose_kernel: ") + kernels::to_string(p) +
                         " is not a SIMD path");
}

WeightFormat format_of(Kernel k) {
  switch (k) {
  case Kernel::Avx512Bitserial:
  case Kernel::Avx2BitserialFused:
    return WeightFormat::IPlanes;
  case Kernel::Avx2Bitserial:
  case Kernel::NeonBitserial:
    return WeightFormat::Planes;
  case Kernel::Avx512Dot8:
  case Kernel::Avx2Dot8Fused:
  case Kernel::Avx2Dot8:
    return WeightFormat::PStreams;
  case Kernel::NeonDot8:
    return WeightFormat::Streams;
  case Kernel::Avx2Lut:
  case Kernel::Avx512Lut64:
    return WeightFormat::Nibbles;
  }
  throw std::logic_error("samd: format_of: unknown kernel");
}

WeightFormat gemm_format(Path p, unsigned ab, const FastWeights &w) {
  return format_of(choose_kernel(p, gemm_method(p, ab, w), ab, w.wb, /*interleaved=*/true));
}

FastActs build_acts(Path p, const std::uint8_t *ua, std::int64_t M, std::int64_t K,
                    std::int64_t kpad, unsigned ab, unsigned wb, Method method) {
  FastActs x;
  x.m = M;
  x.kpad = kpad;
  x.ab = ab;
  x.rowsum.assign(static_cast<std::size_t>(M), 0);
  x.bytes.assign(static_cast<std::size_t>(M * kpad), 0);
  for (std::int64_t m = 0; m < M; ++m) {
    const std::uint8_t *row = ua + m * K;
    std::copy(row, row + K, x.bytes.begin() + m * kpad);
    x.rowsum[static_cast<std::size_t>(m)] = sum_bytes(row, K);
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
  if (method == Method::Lut) {
    build_lut_index(x, K, wb);
    x.bytes.clear();
    x.bytes.shrink_to_fit();
  }
  if (method == Method::Lut64) {
    if (!lut64_pair(ab, wb) || p != Path::Avx512)
      throw std::logic_error("samd: build_acts: Lut64 is the AVX-512 W2A2 GEMM's method");
    x.lut64 = true;
    x.lut64_stride = lut64_groups_of_k(K);
    x.lut64_index.assign(static_cast<std::size_t>(M * x.lut64_stride), 0);
#if defined(SAMD_HAVE_X86_KERNELS)
    lut64_index_avx512(x.bytes.data(), M, kpad, x.lut64_stride, x.lut64_stride,
                       x.lut64_index.data());
#else
    throw std::logic_error("samd: build_acts: Lut64 needs the x86 kernels");
#endif
    x.bytes.clear();
    x.bytes.shrink_to_fit();
  }
  if (method == Method::Bitserial) {
    x.planes.assign(static_cast<std::size_t>(M * ab * (kpad / 64)), 0);
#if defined(SAMD_HAVE_X86_KERNELS)
    if (p == Path::Avx512)
      planes_avx512(x.bytes.data(), M, kpad, ab, x.planes.data());
    else
      planes_avx2(x.bytes.data(), M, kpad, ab, x.planes.data());
#elif defined(__aarch64__)
    (void)p; // Neon is the only SIMD path here
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
                    std::int64_t kpad, const Layout &al, unsigned wb, Method method) {
  std::vector<std::uint8_t> ua(static_cast<std::size_t>(M * K));
  const std::int64_t amin = al.min_value();
  for (std::size_t i = 0; i < ua.size(); ++i)
    ua[i] = static_cast<std::uint8_t>(a[i] - amin);
  return build_acts(p, ua.data(), M, K, kpad, al.bits, wb, method);
}

namespace {
// The table offsets of x.m rows for compile-time g and ab. A row's bytes are zero past K up to
// kpad, a multiple of g (kpad is one of 512) that is >= steps * g, so every step reads g bytes of
// its row with no bound check, and the loop vectorizes (measured: the generic loop was 6.6 % of an
// AVX2 W2A2 inference).
template <unsigned G, unsigned AB> void lut_index_rows(FastActs &x, std::int64_t steps) {
  for (std::int64_t m = 0; m < x.m; ++m) {
    const std::uint8_t *row = x.bytes.data() + m * x.kpad;
    std::uint16_t *out = x.lut.data() + m * x.lut_steps;
    for (std::int64_t s = 0; s < steps; ++s) {
      unsigned a = 0;
      for (unsigned t = 0; t < G; ++t)
        a |= static_cast<unsigned>(row[s * G + t]) << (t * AB);
      out[s] = static_cast<std::uint16_t>(a * kLutTableBytes);
    }
  }
}
// FastActs::lut_paired from x.lut (as documented there).
void lut_pair_rows(FastActs &x) {
  const std::int64_t S = x.lut_steps;
  x.lut_paired.assign(static_cast<std::size_t>(x.m / 2 * S), 0);
  for (std::int64_t p = 0; p < x.m / 2; ++p) {
    const std::uint16_t *r0 = x.lut.data() + 2 * p * S, *r1 = r0 + S;
    std::uint16_t *out = x.lut_paired.data() + p * S;
    for (std::int64_t s = 0; s < S; ++s) // <= 15 * 32 + 16 * 15 * 32 = 8160
      out[s] = static_cast<std::uint16_t>(r0[s] + 16 * r1[s]);
  }
}
} // namespace

void build_lut_index(FastActs &x, std::int64_t K, unsigned wb) {
  if (!lut_pair(x.ab, wb))
    throw std::logic_error("samd: build_lut_index: not a table-lookup width pair");
  const std::int64_t g = lut_group(wb), steps = (K + g - 1) / g;
  if (x.kpad % g != 0 || x.kpad < steps * g ||
      x.bytes.size() < static_cast<std::size_t>(x.m * x.kpad))
    throw std::logic_error("samd: build_lut_index: rows shorter than ceil(K / g) steps");
  x.lut_steps = (steps + 1) / 2 * 2;
  x.lut.assign(static_cast<std::size_t>(x.m * x.lut_steps), 0);
  x.lut_paired.clear();
  switch (wb * 16 + x.ab) {
  case 0x11:
    lut_index_rows<4, 1>(x, steps);
    break;
  case 0x12:
    lut_index_rows<4, 2>(x, steps);
    break;
  case 0x21:
    lut_index_rows<2, 1>(x, steps);
    break;
  case 0x22:
    lut_index_rows<2, 2>(x, steps);
    break;
  case 0x23:
    lut_index_rows<2, 3>(x, steps);
    break;
  case 0x24:
    lut_index_rows<2, 4>(x, steps);
    break;
  default: // lut_pair above admits no other pair
    throw std::logic_error("samd: build_lut_index: no index builder for this pair");
  }
  if (lut_rows_paired(x.ab, wb, x.m))
    lut_pair_rows(x);
}

namespace {
// The table-of-tables of every lut_pair (ab, wb): wb 1 with ab 1..2, wb 2 with ab 1..4.
struct LutTables {
  alignas(64) std::uint8_t t[kLutPairs][256 * 16] = {};
  LutTables() {
    for (unsigned wb = 1; wb <= 2; ++wb)
      for (unsigned ab = 1; ab <= 4; ++ab) {
        if (!lut_pair(ab, wb))
          continue;
        const unsigned count = 1u << (lut_group(wb) * ab);
        for (unsigned a = 0; a < count; ++a)
          for (unsigned nib = 0; nib < 16; ++nib) {
            // nibbles hold g weights of wb bits: all 16 values are possible.
            const unsigned v = lut_entry<unsigned>(ab, wb, a, nib);
            t[lut_slot(ab, wb)][a * 16 + nib] = static_cast<std::uint8_t>(v);
          }
      }
  }
};
} // namespace

const std::uint8_t *lut_tables(unsigned ab, unsigned wb) {
  if (!lut_pair(ab, wb))
    throw std::logic_error("samd: lut_tables: not a table-lookup width pair");
  static const LutTables tables;
  return tables.t[lut_slot(ab, wb)];
}

const std::uint8_t *lut_paired_tables() {
  struct Paired {
    alignas(64) std::uint8_t t[256 * kLutTableBytes] = {};
    Paired() {
      const std::uint8_t *src = lut_tables(1, 1);
      for (unsigned p = 0; p < 256; ++p)
        for (unsigned j = 0; j < kLutTableBytes; ++j)
          t[p * kLutTableBytes + j] = lut_fields_entry<std::uint8_t>(src[(p % 16) * 16 + j % 16],
                                                                     src[(p / 16) * 16 + j % 16]);
    }
  };
  static const Paired paired;
  return paired.t;
}

Int32Columns int32_columns(const Epilogue &e, std::int64_t n0, std::int64_t n1) {
  if (!e.int32_exact || n0 < 0 || n0 > n1 || n1 > e.n)
    throw std::logic_error("samd: int32_columns: not an int32-exact epilogue of these columns");
  if (e.dz32 != nullptr && e.fixed32 != nullptr) // a conv's, built once for all its calls
    return {e.dz32, e.fixed32};
  thread_local std::vector<std::int32_t> dz32, fixed32;
  dz32.resize(static_cast<std::size_t>(e.n));
  fixed32.resize(static_cast<std::size_t>(e.n));
  for (std::int64_t n = n0; n < n1; ++n) {
    dz32[static_cast<std::size_t>(n)] = static_cast<std::int32_t>(e.dz[n]);
    fixed32[static_cast<std::size_t>(n)] = static_cast<std::int32_t>(e.fixed[n]);
  }
  return {dz32.data(), fixed32.data()};
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

namespace {
// The GEMM's rows as lut64_rows reads them: row m at m * lut64_stride, groups in order.
Lut64Rows lut64_rows_of(const FastActs &a, const FastWeights &w) {
  if (!a.lut64 || a.lut64_stride != lut64_groups(w) ||
      a.lut64_index.size() < static_cast<std::size_t>(a.m * a.lut64_stride))
    throw std::logic_error(
        "samd: gemm_raw: the activations' Lut64 index does not match the weights");
  thread_local std::vector<std::int64_t> row_base, group_off;
  row_base.resize(static_cast<std::size_t>(a.m));
  for (std::int64_t m = 0; m < a.m; ++m)
    row_base[static_cast<std::size_t>(m)] = m * a.lut64_stride;
  group_off.resize(static_cast<std::size_t>(a.lut64_stride));
  for (std::int64_t j = 0; j < a.lut64_stride; ++j)
    group_off[static_cast<std::size_t>(j)] = j;
  return Lut64Rows{a.lut64_index.data(), row_base.data(), group_off.data(), a.m};
}

// Lut64 on T threads by rows: its tiles are 4 panels wide, so splitting fewer than 4 panels a
// thread by columns would leave narrower, slower tiles (measured 256 x 256 x 4096 W2A2 on 2
// threads: 1.41-1.44x one thread's speed with 2 panels each, against 1.9x for bit-serial).
// pre: as lut64_rows', T >= 1. post: as lut64_rows(r, w, e, 0, w.n).
void lut64_split_rows(const Lut64Rows &r, const FastWeights &w, const Epilogue &e, int T) {
#pragma omp parallel for num_threads(T) schedule(static, 1)
  for (int t = 0; t < T; ++t) {
    const std::int64_t m0 = r.m * t / T, m1 = r.m * (t + 1) / T;
    Epilogue part = e;
    part.rowsum = e.rowsum + m0;
    part.out = e.out + m0 * e.ld;
    lut64_rows(Lut64Rows{r.index, r.row_base + m0, r.group_off, m1 - m0}, w, part, 0, w.n);
  }
}
} // namespace

void gemm_raw(Path p, Method method, const FastWeights &w, const FastActs &a, const Epilogue &e,
              int threads) {
  if (!compiled(p))
    throw std::logic_error(std::string("samd: gemm_raw: path ") + kernels::to_string(p) +
                           " is not compiled in");
  const Kernel kernel = choose_kernel(p, method, a.ab, w.wb, !a.inter.empty());
  // The caller built the kernel's weight format (PackedWeights::fast(format)); never read an
  // empty one.
  if (built_bytes(w, format_of(kernel)) != format_bytes(w, format_of(kernel)))
    throw std::logic_error(std::string("samd: gemm_raw: weight format ") +
                           to_string(format_of(kernel)) + " is not built");
  // Checked here, before the threads (an exception must not leave an OpenMP region).
  if (a.taps != nullptr && (kernel != Kernel::Avx512Dot8 || !conv_taps_fit(*a.taps, w)))
    throw std::logic_error(
        "samd: gemm_raw: conv tap rows need the AVX-512 Dot8 kernel and K = taps x channels <= "
        "65536");
  auto run = [&](std::int64_t n0, std::int64_t n1) {
    switch (kernel) {
#if defined(SAMD_HAVE_X86_KERNELS)
    case Kernel::Avx512Bitserial:
      return bitserial_avx512(a, w, e, n0, n1);
    case Kernel::Avx512Dot8:
      if (a.taps != nullptr)
        return dot8_taps_avx512(a, w, e, n0, n1);
      return dot8_avx512(a, w, e, n0, n1);
    case Kernel::Avx2BitserialFused:
      return bitserial_avx2_fused(a, w, e, n0, n1);
    case Kernel::Avx2Bitserial:
      return via_raw(bitserial_avx2, a, w, e, n0, n1);
    case Kernel::Avx2Dot8Fused:
      return dot8_avx2_fused(a, w, e, n0, n1);
    case Kernel::Avx2Dot8:
      return via_raw(dot8_avx2, a, w, e, n0, n1);
    case Kernel::Avx2Lut:
      return lut_avx2(a, w, e, n0, n1);
    case Kernel::Avx512Lut64:
      return lut64_rows(lut64_rows_of(a, w), w, e, n0, n1);
#elif defined(__aarch64__)
    case Kernel::NeonBitserial:
      return via_raw(bitserial_neon, a, w, e, n0, n1);
    case Kernel::NeonDot8:
      return via_raw(dot8_neon, a, w, e, n0, n1);
#endif
    default: // a kernel of another ISA: compiled(p) is false above
      (void)n0;
      (void)n1;
      throw std::logic_error("samd: gemm_raw: kernel not compiled in");
    }
  };
  // Static partition of N: `threads` contiguous ranges of whole panels (kPanel columns; Lut64's
  // tiles are kLutPanel wide), as equal as possible.
  const std::int64_t unit = kernel == Kernel::Avx512Lut64 ? kLutPanel : kPanel;
  const std::int64_t nb = (w.n + unit - 1) / unit;
  if (kernel == Kernel::Avx512Lut64 && threads > 1 && nb < 4 * threads && a.m > 1)
    return lut64_split_rows(lut64_rows_of(a, w), w, e,
                            static_cast<int>(std::min<std::int64_t>(threads, a.m)));
  const std::int64_t T = std::max<std::int64_t>(1, std::min<std::int64_t>(threads, nb));
  if (T <= 1) {
    run(0, w.n);
    return;
  }
#pragma omp parallel for num_threads(static_cast <int>(T)) schedule(static, 1)
  for (std::int64_t t = 0; t < T; ++t) {
    const std::int64_t b0 = nb * t / T, b1 = nb * (t + 1) / T;
    run(b0 * unit, std::min<std::int64_t>(w.n, b1 * unit));
  }
}

} // namespace samd::kernels::detail::fast
