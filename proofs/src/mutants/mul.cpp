// Mutants of samd/ops/mul.hpp.
#include "samd/ops/mul.hpp"
#include "common.hpp"

namespace samd::proofs {
namespace mutant {

// Shift-and-add with switchable defects.
struct MulDefects {
  bool drop_last_row = false; // one partial product short
  bool raw_shift = false;     // x << j without clearing the bits that leave the lane
};
template <class W>
W shift_add(const Layout &L, const W &x, const W &y, unsigned ybits, MulDefects d) {
  W acc = zero(x);
  const unsigned rows = d.drop_last_row ? ybits - 1 : ybits;
  for (unsigned j = 0; j < rows && j < L.bits; ++j) {
    const W take = spread_low(L, and_c(shr(y, j), L.lane_low_mask()));
    acc = add_wrap(L, acc, and_(d.raw_shift ? shl(x, j) : shift_left(L, x, j), take));
  }
  return acc;
}

template <class W> W mul_wrap_short(const Layout &L, const W &x, const W &y) {
  return shift_add(L, x, y, L.bits, {true, false});
}
template <class W> W mul_wrap_raw_shift(const Layout &L, const W &x, const W &y) {
  return shift_add(L, x, y, L.bits, {false, true});
}
// The one-multiply path taken when guard >= b - 1: a product can overflow its field.
template <class W> W mul_scalar_early_fast_path(const Layout &L, const W &x, const W &k) {
  const W kb = and_c(k, L.lane_bits());
  if (L.guard + 1 >= L.bits)
    return and_c(mul(x, kb), L.value_mask());
  return shift_add(L, x, broadcast(L, kb), L.bits, {});
}
// The scalar's high bits are not cleared.
template <class W> W mul_scalar_unmasked_k(const Layout &L, const W &x, const W &k) {
  if (L.guard >= L.bits)
    return and_c(mul(x, k), L.value_mask());
  return shift_add(L, x, broadcast(L, k), L.bits, {});
}
// Signed y lanes multiplied over b bits only, ignoring their sign extension.
template <class W>
std::vector<W> mul_widen_short_y(const Layout &L, const Layout &to, const W &x, const W &y) {
  const std::vector<W> xs = convert(L, to, std::vector<W>{x}, Overflow::Wrap);
  const std::vector<W> ys = convert(L, to, std::vector<W>{y}, Overflow::Wrap);
  std::vector<W> out;
  for (std::size_t i = 0; i < xs.size(); ++i)
    out.push_back(shift_add(to, xs[i], ys[i], L.bits, {}));
  return out;
}
// x widened as unsigned even for signed lanes (signed/unsigned swap).
template <class W>
std::vector<W> mul_widen_x_unsigned(const Layout &L, const Layout &to, const W &x, const W &y) {
  const std::vector<W> xs =
      convert(L.as_unsigned(), to.as_unsigned(), std::vector<W>{x}, Overflow::Wrap);
  const std::vector<W> ys = convert(L, to, std::vector<W>{y}, Overflow::Wrap);
  std::vector<W> out;
  const unsigned ybits = L.is_signed() ? to.bits : L.bits;
  for (std::size_t i = 0; i < xs.size(); ++i)
    out.push_back(shift_add(to, xs[i], ys[i], ybits, {}));
  return out;
}

} // namespace mutant

void register_mul_mutants(MutantSet &set) {
  using namespace mutant;
  set.add("mul_wrap/row-short", "mul_wrap", "shift-and-add stops one partial product early", 16,
          [](Query &q, const Layout &L) { check_mul_wrap(q, L, Binary(mul_wrap_short<W>)); });
  set.add("mul_wrap/raw-shift", "mul_wrap", "partial products not cleared before shifting", 16,
          [](Query &q, const Layout &L) { check_mul_wrap(q, L, Binary(mul_wrap_raw_shift<W>)); });
  set.add("mul_scalar/fast-path-early", "mul_scalar", "one-multiply path with guard = b - 1", 16,
          [](Query &q, const Layout &L) {
            check_mul_scalar(q, L, Binary(mul_scalar_early_fast_path<W>));
          });
  set.add(
      "mul_scalar/unmasked-scalar", "mul_scalar", "high bits of k not cleared", 16,
      [](Query &q, const Layout &L) { check_mul_scalar(q, L, Binary(mul_scalar_unmasked_k<W>)); });
  const auto widen_check = [](const MulWiden &impl) {
    return
        [impl](Query &q, const Layout &L) { check_mul_widen(q, L, widening_layout(L, 0), impl); };
  };
  set.add("mul_widen/short-y", "mul_widen", "signed y multiplied over b bits only", 16,
          widen_check(mul_widen_short_y<W>), 0, [](const Layout &L) { return L.is_signed(); });
  set.add("mul_widen/x-unsigned", "mul_widen", "signed x widened without sign extension", 16,
          widen_check(mul_widen_x_unsigned<W>), 0, [](const Layout &L) { return L.is_signed(); });
}

} // namespace samd::proofs
