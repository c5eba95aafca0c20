// Row-level GEMM entry points on unpacked activations, shared by gemm and conv2d.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <samd/kernels/gemm.hpp>

namespace samd::kernels::detail {
namespace fast {
struct FastActs;
struct FastWeights;
enum class Method;
} // namespace fast

// C {M, N} = bias + sum_k (a[m*K + k] - za) * (w[n][k] - zw[n]); a holds M*K values of
// w.act_layout(). pre: K == w.k(); K within max_k_int32 (checked by the callers).
std::vector<std::int32_t> gemm_rows_reference(const std::int64_t *a, std::int64_t M,
                                              std::int32_t za, const PackedWeights &w);
std::vector<std::int32_t> gemm_rows_swar(const std::int64_t *a, std::int64_t M, std::int32_t za,
                                         const PackedWeights &w, const KernelOptions &opt);
std::vector<std::int32_t> gemm_rows_fast(Path p, const std::int64_t *a, std::int64_t M,
                                         std::int32_t za, const PackedWeights &w,
                                         const KernelOptions &opt);
std::vector<std::int32_t> gemm_rows_prepared(Path p, const fast::FastActs &a, std::int32_t za,
                                             const PackedWeights &w, const KernelOptions &opt);
// The same into out (M x N int32), with the zero-point corrections fused into the kernels'
// epilogue.
void gemm_rows_prepared_into(Path p, const fast::FastActs &a, std::int32_t za,
                             const PackedWeights &w, const KernelOptions &opt, std::int32_t *out);
// The per-column parts of the fused epilogue (fast::Epilogue) of weights w read by a kernel of
// `method` in format fw: dz[n] = c - zw[n] and fixed[n] = epilogue_fixed(K, da, dz, colsum, bias)
// (c: the method's weight offset). post: dz and fixed hold N values; returns whether every dz fits
// int32 (with the rows' sums, the condition of Epilogue::rowsum_fits_int32).
bool epilogue_columns(fast::Method method, const fast::FastWeights &fw, std::int32_t za,
                      const PackedWeights &w, std::vector<std::int64_t> &dz,
                      std::vector<std::int64_t> &fixed);
// Dispatch on a resolved path.
std::vector<std::int32_t> gemm_rows(Path p, const std::int64_t *a, std::int64_t M, std::int32_t za,
                                    const PackedWeights &w, const KernelOptions &opt);

// From raw sums D[m][n] = sum_k ua[m][k] * v[n][k] (ua = a - a_min, v = w - c) to the exact result:
// C = bias + D + (c - zw) * rowsum(ua) + (a_min - za) * colsum(v) + K * (a_min - za) * (c - zw).
std::vector<std::int32_t> finish_rows(const std::vector<std::int64_t> &D,
                                      const std::vector<std::int64_t> &rowsum,
                                      const std::vector<std::int64_t> &colsum, std::int64_t c,
                                      std::int32_t za, const PackedWeights &w, const char *path);

// Validations shared by the kernels; each throws std::invalid_argument naming the problem.
void check_kernel_layout(const Layout &L, const char *kernel, const char *operand);
void check_k_bound(std::int64_t K, const Layout &act, std::int32_t za, const PackedWeights &w,
                   const char *kernel);
std::int32_t per_tensor_zero_point(const QTensor &t, const char *kernel, const char *operand);
// Swar with opt.allow_split = false: K within gemm_capacity(ab, wb, guard) of weights of wb bits
// packed with that guard for ab-bit activations; checked by the entry points before they touch
// an output, and again by gemm_rows_swar.
void check_swar_split(std::int64_t K, unsigned ab, unsigned wb, unsigned guard,
                      const KernelOptions &opt, const char *kernel);

// A real value in an error message: 10 significant digits, so that 1e-20 does not print as
// std::to_string's 0.000000.
inline std::string readable(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

} // namespace samd::kernels::detail
