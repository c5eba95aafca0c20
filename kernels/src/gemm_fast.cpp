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
  return gemm_rows_prepared(p, fast::build_acts(p, a, M, w.k(), fw.kpad, w.act_layout(), method), za, w, opt);
}

std::vector<std::uint8_t> offset_bytes(const QTensor& t) {
  const Layout& L = t.layout();
  const std::uint64_t flip = L.is_signed() ? std::uint64_t{1} << (L.bits - 1) : 0; // q - min = pattern ^ H
  const std::uint64_t mask = L.lane_bits();
  std::vector<std::uint8_t> out(t.size());
  std::size_t i = 0;
  for (std::uint64_t w : t.words())
    for (unsigned lane = 0; lane < L.lanes() && i < out.size(); ++lane, ++i)
      out[i] = static_cast<std::uint8_t>(((w >> (lane * L.field())) & mask) ^ flip);
  return out;
}

std::vector<std::int32_t> gemm_rows_fast_bytes(Path p, const std::uint8_t* ua, std::int64_t M, std::int32_t za,
                                               const PackedWeights& w, const KernelOptions& opt) {
  const fast::FastWeights& fw = w.fast();
  const fast::Method method = fast::choose_method(p, w.act_layout().bits, fw.wb);
  return gemm_rows_prepared(p, fast::build_acts(p, ua, M, w.k(), fw.kpad, w.act_layout().bits, method), za, w, opt);
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
