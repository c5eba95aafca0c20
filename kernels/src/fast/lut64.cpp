// LUT64's portable parts (lut64.hpp): tables, weight indices and the scalar reference.
#include "lut64.hpp"

#include <atomic>
#include <stdexcept>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "../cpu_features.hpp"

namespace samd::kernels::detail::fast {

namespace {
struct Lut64Tables {
  alignas(64) std::uint8_t t[kLut64TableBytes] = {};
  Lut64Tables() {
    for (unsigned a = 0; a < 64; ++a)
      for (unsigned w = 0; w < 64; ++w)
        t[a * 64 + w] = static_cast<std::uint8_t>(lut64_entry<unsigned>(a, w));
  }
};

unsigned weight_byte(const FastWeights &w, std::int64_t n, std::int64_t v) {
  return v < w.lut_vectors ? w.nibbles[lut_byte(w, n, v)] : 0u;
}
} // namespace

const std::uint8_t *lut64_tables() {
  static const Lut64Tables tables;
  return tables.t;
}

unsigned lut64_weight_index(const FastWeights &w, std::int64_t n, std::int64_t j) {
  const std::int64_t b = j / 4, i = j % 4;
  if (i < 3)
    return weight_byte(w, n, 3 * b + i) & 63u;
  unsigned x = 0;
  for (unsigned s = 0; s < 3; ++s)
    x |= (weight_byte(w, n, 3 * b + s) >> 6) << (2 * s);
  return x;
}

void lut64_reference(const Lut64Rows &r, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                     std::int64_t n1) {
  if (w.wb != 2 || (w.lut_vectors > 0 && w.nibbles.empty())) // K = 0: no vectors, no bytes
    throw std::logic_error("samd: lut64: weights are not W2 in the Lut format");
  const std::uint8_t *tables = lut64_tables();
  const std::int64_t groups = lut64_groups(w);
  for (std::int64_t m = 0; m < r.m; ++m)
    for (std::int64_t n = n0; n < n1; ++n) {
      std::int64_t d = 0;
      for (std::int64_t j = 0; j < groups; ++j) {
        const unsigned off = r.index[r.row_base[m] + r.group_off[j]];
        if (off % 64 != 0 || off >= kLut64TableBytes)
          throw std::logic_error("samd: lut64: a table offset is not 64 * (index < 64)");
        d += tables[off + lut64_weight_index(w, n, j)];
      }
      e.put(m, n, d);
    }
}

namespace {
std::atomic<Lut64Use> forced{Lut64Use::Auto};
} // namespace

bool lut64_vbmi() {
#if defined(SAMD_HAVE_X86_KERNELS)
  return cpu_features().avx512_vbmi && forced.load(std::memory_order_relaxed) != Lut64Use::Never;
#else
  return false;
#endif
}

void force_lut64(Lut64Use use) { forced.store(use, std::memory_order_relaxed); }

bool lut64_any_shape() { return forced.load(std::memory_order_relaxed) == Lut64Use::Always; }

#if !defined(SAMD_HAVE_X86_KERNELS)
// No x86 kernels in this build (lut64_vbmi() is false): the AVX-512 entry points exist only to
// refuse a call.
void lut64_avx512(const Lut64Rows &, const FastWeights &, const Epilogue &, std::int64_t,
                  std::int64_t) {
  throw std::logic_error("samd: lut64_avx512: the x86 kernels are not compiled in");
}
void lut64_conv3_avx512(const Lut64Conv3Rows &, const FastWeights &, const Epilogue &, std::int64_t,
                        std::int64_t) {
  throw std::logic_error("samd: lut64_conv3_avx512: the x86 kernels are not compiled in");
}
void lut64_index_avx512(const std::uint8_t *, std::int64_t, std::int64_t, std::int64_t,
                        std::int64_t, std::uint16_t *) {
  throw std::logic_error("samd: lut64_index_avx512: the x86 kernels are not compiled in");
}
#endif

void lut64_rows(const Lut64Rows &r, const FastWeights &w, const Epilogue &e, std::int64_t n0,
                std::int64_t n1) {
#if defined(SAMD_HAVE_X86_KERNELS)
  if (lut64_vbmi())
    return lut64_avx512(r, w, e, n0, n1);
#endif
  lut64_reference(r, w, e, n0, n1);
}

void lut64_conv3_rows(const Lut64Conv3Rows &r, const FastWeights &w, const Epilogue &e,
                      std::int64_t n0, std::int64_t n1) {
  if (!lut64_conv3_weights(w))
    throw std::logic_error("samd: lut64_conv3_rows: the weights are not 3 kernel rows of whole "
                           "chunks of 8 channels (K % 72 != 0)");
#if defined(SAMD_HAVE_X86_KERNELS)
  if (lut64_vbmi())
    return lut64_conv3_avx512(r, w, e, n0, n1);
#endif
  const std::int64_t cp = w.k / 9;
  std::vector<std::int64_t> row_base(static_cast<std::size_t>(r.m)),
      group_off(static_cast<std::size_t>(3 * cp));
  for (std::int64_t m = 0; m < r.m; ++m)
    row_base[static_cast<std::size_t>(m)] = m * r.ct;
  for (std::int64_t j = 0; j < 3 * cp; ++j)
    group_off[static_cast<std::size_t>(j)] = j / cp * r.ct + j % cp;
  lut64_reference(Lut64Rows{r.index, row_base.data(), group_off.data(), r.m}, w, e, n0, n1);
}

} // namespace samd::kernels::detail::fast
