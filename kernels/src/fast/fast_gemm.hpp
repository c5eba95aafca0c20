// The SIMD GEMM paths. Two methods, chosen per (activation bits, weight bits):
//  - Bitserial: activations and weights as bit planes (offset to unsigned); the product of a
//    plane pair over 512 k is one AND + POPCOUNT; D = sum_ij 2^(i+j) popcount(A_i & W_j).
//  - Dot8: activations as unsigned bytes, weights stored at their own width in byte streams and
//    unpacked to bytes in registers, multiplied with VNNI vpdpbusd (AVX-512) or exact 16-bit
//    madds (AVX2). int32 lanes are flushed to int64 before they can overflow (fast_bounds.hpp).
// Both compute the raw sums D[m][n] = sum_k ua[m][k] * v[n][k]; the caller adds the zero-point
// corrections exactly as the Swar path does.
#pragma once

#include <cstdint>
#include <vector>

#include <samd/kernels/path.hpp>
#include <samd/layout.hpp>

namespace samd::kernels::detail::fast {

inline constexpr std::int64_t kSuperBlock = 512; // k per super-block: 8 slots of 64 bytes

enum class Method { Bitserial, Dot8 };
const char* to_string(Method m);

bool compiled(Path p);
// The method a SIMD path uses for a width pair (chosen by measurement; see bench/).
Method choose_method(Path p, unsigned ab, unsigned wb);

struct FastWeights {
  std::int64_t n = 0, k = 0, kpad = 0; // kpad: K rounded up to a multiple of kSuperBlock
  unsigned wb = 0;
  // Bitserial format: planes[(n * wb + j) * (kpad / 64) + word], bits of u = w - plane_offset.
  std::vector<std::uint64_t> planes;
  std::int64_t plane_offset = 0;
  std::vector<std::int64_t> plane_colsum; // sum_k u
  // Dot8 format: per row, kpad / 512 super-blocks of 64 * wb bytes; parts low bits first.
  std::vector<unsigned> parts;
  std::vector<std::uint8_t> streams;
  std::size_t stream_row_bytes = 0;
  std::int64_t byte_offset = 0;          // v = w - byte_offset, in [-128, 127]
  std::vector<std::int64_t> byte_colsum; // sum_k v

  std::size_t plane_bytes() const { return planes.size() * sizeof(std::uint64_t); }
  std::size_t stream_bytes() const { return streams.size(); }
};

// q: N x K weight integers (row-major) of layout wl.
FastWeights build_weights(const std::vector<std::int64_t>& q, const Layout& wl, std::int64_t N, std::int64_t K);

// Activations prepared once per call: ua = a - a_min.
struct FastActs {
  std::int64_t m = 0, kpad = 0;
  unsigned ab = 0;
  std::vector<std::uint8_t> bytes;   // m x kpad (Dot8)
  std::vector<std::uint64_t> planes; // m x ab x kpad/64 (Bitserial)
  std::vector<std::int64_t> rowsum;  // sum_k ua
};
// From unsigned offsets ua = a - a_min (M rows of K bytes): the method's format for path p.
FastActs build_acts(Path p, const std::uint8_t* ua, std::int64_t M, std::int64_t K, std::int64_t kpad, unsigned ab,
                    Method method);
// The same from activation integers of layout al.
FastActs build_acts(Path p, const std::int64_t* a, std::int64_t M, std::int64_t K, std::int64_t kpad, const Layout& al,
                    Method method);
// Bit planes of M rows of kpad bytes: planes[(m * ab + i) * kpad / 64 + word] (ISA versions).
void planes_avx512(const std::uint8_t* bytes, std::int64_t M, std::int64_t kpad, unsigned ab, std::uint64_t* planes);
void planes_avx2(const std::uint8_t* bytes, std::int64_t M, std::int64_t kpad, unsigned ab, std::uint64_t* planes);
void planes_neon(const std::uint8_t* bytes, std::int64_t M, std::int64_t kpad, unsigned ab, std::uint64_t* planes);

// D[m * N + n] for n in [n0, n1); threads > 1 splits N.
void gemm_raw(Path p, Method method, const FastWeights& w, const FastActs& a, std::int64_t* D, int threads);

// ISA kernels (each compiled with its own target flags), for n in [n0, n1).
void bitserial_avx512(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1);
void dot8_avx512(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1);
void bitserial_avx2(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1);
void dot8_avx2(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1);
// NEON (AArch64 only; gemm_neon.cpp): vcntq_u8 bit-serial, and Dot8 with exact widening multiplies.
void bitserial_neon(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1);
void dot8_neon(const FastActs& a, const FastWeights& w, std::int64_t* D, std::int64_t n0, std::int64_t n1);

} // namespace samd::kernels::detail::fast
