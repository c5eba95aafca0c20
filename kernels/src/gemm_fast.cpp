// The SIMD paths' GEMM: prepare activations for the method, raw sums in the ISA kernel, then the
// shared exact correction.
#include <stdexcept>
#include <string>

#include "fast/fast_gemm.hpp"
#include "gemm_internal.hpp"

namespace samd::kernels::detail {

std::vector<std::int32_t> gemm_rows_fast(Path p, const std::int64_t* a, std::int64_t M, std::int32_t za,
                                         const PackedWeights& w, const KernelOptions& opt) {
  if (!fast::compiled(p))
    throw std::invalid_argument(std::string("samd: gemm: path ") + to_string(p) + " is not compiled in");
  const fast::FastWeights& fw = w.fast();
  const fast::Method method = fast::choose_method(p, w.act_layout().bits, fw.wb);
  return gemm_rows_prepared(p, fast::build_acts(a, M, w.k(), fw.kpad, w.act_layout(), method), za, w, opt);
}

std::vector<std::int32_t> gemm_rows_prepared(Path p, const fast::FastActs& acts, std::int32_t za, const PackedWeights& w,
                                             const KernelOptions& opt) {
  const fast::FastWeights& fw = w.fast();
  const fast::Method method = fast::choose_method(p, w.act_layout().bits, fw.wb);
  std::vector<std::int64_t> D(static_cast<std::size_t>(acts.m * w.n()));
  fast::gemm_raw(p, method, fw, acts, D.data(), opt.threads);
  const bool planes = method == fast::Method::Bitserial;
  return finish_rows(D, acts.rowsum, planes ? fw.plane_colsum : fw.byte_colsum, planes ? fw.plane_offset : fw.byte_offset,
                     za, w, to_string(p));
}

} // namespace samd::kernels::detail
