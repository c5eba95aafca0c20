#include <samd/kernels/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <samd/kernels/path.hpp>
#include <samd/pack.hpp>

#include "checked.hpp"
#include "x86_intrinsics.hpp"

namespace samd::kernels {

std::size_t element_count(const Shape &shape, const char *what) {
  // The bound holds for the product of the nonzero dimensions too: a 0 dimension does not admit
  // others whose products (strides, outputs, windows over them) would overflow.
  const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
  const auto limit = static_cast<std::size_t>(detail::kMaxElements);
  std::size_t nonzero = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0)
      throw std::invalid_argument(std::string("samd: ") + what + ": dimension " +
                                  std::to_string(i) + " is " + std::to_string(shape[i]) +
                                  "; dimensions must be >= 0");
    if (shape[i] > 0 && nonzero > limit / static_cast<std::size_t>(shape[i]))
      throw std::invalid_argument(std::string("samd: ") + what + ": shape " + to_string(shape) +
                                  (empty ? " has nonzero dimensions whose product exceeds 2^40"
                                         : " has more than 2^40 elements"));
    if (shape[i] > 0)
      nonzero *= static_cast<std::size_t>(shape[i]);
  }
  return empty ? 0 : nonzero;
}

std::string to_string(const Shape &shape) {
  std::string s = "{";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "}";
}

namespace {
void validate_quant(const Shape &shape, const Layout &L, const QuantParams &q) {
  if (q.scale.empty() || q.scale.size() != q.zero_point.size())
    throw std::invalid_argument("samd: QTensor: " + std::to_string(q.scale.size()) +
                                " scales and " + std::to_string(q.zero_point.size()) +
                                " zero points; need the same number >= 1");
  if (q.axis < -1 || q.axis >= static_cast<int>(shape.size()))
    throw std::invalid_argument("samd: QTensor: quantization axis " + std::to_string(q.axis) +
                                " outside -1.." +
                                std::to_string(static_cast<int>(shape.size()) - 1));
  const std::size_t want = q.axis < 0 ? 1 : static_cast<std::size_t>(shape[q.axis]);
  if (q.scale.size() != 1 && q.scale.size() != want)
    throw std::invalid_argument("samd: QTensor: " + std::to_string(q.scale.size()) +
                                " quantization channels for axis " + std::to_string(q.axis) +
                                " of size " + std::to_string(want));
  for (std::size_t c = 0; c < q.scale.size(); ++c) {
    if (!(q.scale[c] > 0.0f) || !std::isfinite(q.scale[c]))
      throw std::invalid_argument("samd: QTensor: scale[" + std::to_string(c) +
                                  "] = " + std::to_string(q.scale[c]) + " must be finite and > 0");
    if (q.zero_point[c] < L.min_value() || q.zero_point[c] > L.max_value())
      throw std::invalid_argument("samd: QTensor: zero_point[" + std::to_string(c) +
                                  "] = " + std::to_string(q.zero_point[c]) +
                                  " outside the range [" + std::to_string(L.min_value()) + ", " +
                                  std::to_string(L.max_value()) + "] of " + samd::to_string(L));
  }
}
} // namespace

QTensor::QTensor(Shape shape, Layout layout, QuantParams quant, NoFill)
    : shape_(std::move(shape)), layout_(layout), quant_(std::move(quant)) {
  validate(layout_);
  if (layout_.bits > kMaxMulBits)
    throw std::invalid_argument("samd: QTensor: bits = " + std::to_string(layout_.bits) +
                                " exceeds the limit of 16");
  size_ = element_count(shape_, "QTensor");
  validate_quant(shape_, layout_, quant_);
}

QTensor::QTensor(Shape shape, Layout layout, QuantParams quant)
    : QTensor(std::move(shape), layout, std::move(quant), NoFill{}) {
  if (quant_.channels() == 1) { // one zero point: whole words of it, the tail lanes 0
    const std::uint64_t full = broadcast_value(layout_, quant_.zero_point[0]);
    words_.assign(words_for(layout_, size_), full);
    if (const std::size_t tail = size_ % layout_.lanes(); tail != 0)
      words_.back() = full & ((std::uint64_t{1} << (tail * layout_.field())) - 1);
    return;
  }
  LaneWriter out(layout_, size_);
  for (std::size_t i = 0; i < size_; ++i)
    out.put(quant_.zero_point_of(channel_of(i)));
  words_ = out.finish();
}

namespace {
// round_half_to_even(x / s) of the exact quotient (s > 0), whatever the FP rounding mode: the
// computed quotient q (rounded in any mode: within an ulp of x / s) gives r = floor(q), and the
// exact quotient's nearest integer is r or r + 1. The sign of (r + 1/2) * s - x, in one fma,
// decides: exact before its one rounding, which keeps the sign (x and s are floats, so a nonzero
// value is a multiple of 2^-150, far from underflowing to 0 in double). |q| >= 2^31 (or inf) is
// returned as it is: the caller clamps it to a layout's range (16 bits at most).
double round_quotient_half_even(double x, double s) {
  const double q = x / s;
  if (!(std::fabs(q) < 2147483648.0))
    return q;
  const double r = std::floor(q);
  const double d = std::fma(r + 0.5, s, -x);
  return d < 0.0 || (d == 0.0 && std::fmod(r, 2.0) != 0.0) ? r + 1.0 : r;
}

// Whole words of F-bit fields with the value in the low `bits`: the shifts are constants.
template <unsigned F, class T>
void pack_fields(const T *v, std::size_t full, std::uint64_t mask, std::uint64_t *out) {
  constexpr unsigned lanes = 64 / F;
  for (std::size_t w = 0; w < full; ++w, v += lanes) {
    std::uint64_t word = 0;
    for (unsigned i = 0; i < lanes; ++i)
      word |= (static_cast<std::uint64_t>(v[i]) & mask) << (i * F);
    out[w] = word;
  }
}

#if defined(SAMD_HAVE_X86_KERNELS)
#define SAMD_TENSOR_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2")))
// Whole words of 1-bit lanes (the low bit of each value) and of 8-bit lanes (the low byte), 16
// int32 values per vector; called only when the CPU runs the Avx512 path.
SAMD_TENSOR_AVX512 void pack1_avx512(const std::int32_t *v, std::size_t full, std::uint64_t *out) {
  const __m512i one = _mm512_set1_epi32(1);
  for (std::size_t w = 0; w < full; ++w, v += 64) {
    std::uint64_t word = 0;
    for (unsigned i = 0; i < 4; ++i)
      word |=
          static_cast<std::uint64_t>(_mm512_test_epi32_mask(_mm512_loadu_si512(v + 16 * i), one))
          << (16 * i);
    out[w] = word;
  }
}
SAMD_TENSOR_AVX512 void pack8_avx512(const std::int32_t *v, std::size_t full, std::uint64_t *out) {
  std::size_t w = 0;
  for (; w + 2 <= full; w += 2, v += 16)
    _mm_storeu_si128(
        reinterpret_cast<__m128i *>(out + w),
        _mm512_maskz_cvtepi32_epi8(static_cast<__mmask16>(0xFFFF), _mm512_loadu_si512(v)));
  for (; w < full; ++w, v += 8) {
    std::uint64_t word = 0;
    for (unsigned i = 0; i < 8; ++i)
      word |= (static_cast<std::uint64_t>(v[i]) & 0xFF) << (8 * i);
    out[w] = word;
  }
}
SAMD_TENSOR_AVX512 void unpack1_avx512(const std::uint64_t *words, std::size_t full,
                                       std::uint8_t *out) {
  for (std::size_t w = 0; w < full; ++w, out += 64)
    _mm512_storeu_si512(out, _mm512_and_si512(_mm512_movm_epi8(words[w]), _mm512_set1_epi8(1)));
}
// to_ints of whole words of 1-bit and 8-bit lanes.
SAMD_TENSOR_AVX512 void unpack1_ints_avx512(const std::uint64_t *words, std::size_t full, bool sign,
                                            std::int64_t *out) {
  const __m512i one = _mm512_set1_epi64(sign ? -1 : 1);
  for (std::size_t w = 0; w < full; ++w)
    for (unsigned i = 0; i < 8; ++i, out += 8)
      _mm512_storeu_si512(out,
                          _mm512_maskz_mov_epi64(static_cast<__mmask8>(words[w] >> (8 * i)), one));
}
SAMD_TENSOR_AVX512 void unpack8_ints_avx512(const std::uint64_t *words, std::size_t full, bool sign,
                                            std::int64_t *out) {
  for (std::size_t w = 0; w < full; ++w, out += 8) {
    const __m128i b = _mm_cvtsi64_si128(static_cast<long long>(words[w]));
    _mm512_storeu_si512(out, sign ? _mm512_cvtepi8_epi64(b) : _mm512_cvtepu8_epi64(b));
  }
}
// 2-, 3- and 4-bit lanes <-> bytes, 8 lanes per pdep / pext (BMI2); whole words only.
inline std::uint64_t byte_spread(unsigned field) {
  return 0x0101010101010101ull * ((1u << field) - 1);
}

__attribute__((target("bmi2"))) void unpack_sub8_bmi2(const std::uint64_t *words, std::size_t full,
                                                      unsigned field, std::uint8_t *out) {
  const std::uint64_t spread = byte_spread(field);
  const unsigned per = 64 / field;
  for (std::size_t w = 0; w < full; ++w)
    for (unsigned g = 0; g < per; g += 8) {
      const std::uint64_t v = _pdep_u64(words[w] >> (g * field), spread);
      if (g + 8 <= per) { // a constant 8-byte copy is one store (a variable one was a memcpy call)
        std::memcpy(out, &v, 8);
        out += 8;
      } else { // a last group of fewer than 8 lanes (3 bits: 21 lanes)
        std::memcpy(out, &v, per - g);
        out += per - g;
      }
    }
}
__attribute__((target("avx512f,avx512bw,bmi2"))) void
pack_sub8_bmi2(const std::int32_t *v, std::size_t full, unsigned field, std::uint64_t *out) {
  const std::uint64_t gather = byte_spread(field);
  const unsigned per = 64 / field;
  for (std::size_t w = 0; w < full; ++w, v += per) {
    std::uint64_t word = 0;
    for (unsigned i = 0; i < per; i += 16) {
      const unsigned n = std::min(16u, per - i);
      alignas(16) std::uint8_t b[16];
      _mm_store_si128(reinterpret_cast<__m128i *>(b),
                      _mm512_maskz_cvtepi32_epi8(
                          static_cast<__mmask16>(0xFFFF),
                          _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << n) - 1), v + i)));
      std::uint64_t lo, hi;
      std::memcpy(&lo, b, 8);
      std::memcpy(&hi, b + 8, 8);
      word |= _pext_u64(lo, gather) << (i * field);
      if (n > 8)
        word |= _pext_u64(hi, gather) << ((i + 8) * field);
    }
    out[w] = word;
  }
}
// 2- and 4-bit lanes -> offset bytes (lane ^ flip), 64 lanes (2 or 4 whole words) per
// vpmultishiftqb (AVX-512 VBMI): output qword j takes its 8 lanes from the word holding lane 8 j,
// placed in qword j by vpermq. pre: field 2 or 4, groups * 64 lanes readable. post: groups * 64
// bytes written.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void
unpack24_vbmi(const std::uint64_t *words, std::size_t groups, unsigned field, std::uint8_t flip,
              std::uint8_t *out) {
  const unsigned per = 64 / field, wpv = 64 / per; // lanes a word, words a group
  alignas(64) std::uint64_t where[8];
  alignas(64) std::uint8_t shifts[64];
  for (unsigned j = 0; j < 8; ++j) {
    where[j] = 8 * j / per;
    for (unsigned i = 0; i < 8; ++i)
      shifts[8 * j + i] = static_cast<std::uint8_t>((8 * j % per + i) * field);
  }
  const __m512i idx = _mm512_load_si512(where), ctrl = _mm512_load_si512(shifts);
  const __m512i mask = _mm512_set1_epi8(static_cast<char>((1u << field) - 1));
  const __m512i fl = _mm512_set1_epi8(static_cast<char>(flip));
  const auto load = static_cast<__mmask8>((1u << wpv) - 1);
  for (std::size_t g = 0; g < groups; ++g, out += 64) {
    const __m512i w =
        _mm512_permutexvar_epi64(idx, _mm512_maskz_loadu_epi64(load, words + g * wpv));
    const __m512i lanes = _mm512_and_si512(_mm512_multishift_epi64_epi8(ctrl, w), mask);
    _mm512_storeu_si512(out, _mm512_xor_si512(lanes, fl));
  }
}
bool have_vbmi() {
  static const bool yes = supported(Path::Avx512) && __builtin_cpu_supports("avx512vbmi");
  return yes;
}
bool have_bmi2() {
  static const bool yes = __builtin_cpu_supports("bmi2");
  return yes;
}
bool have_avx512() {
  static const bool yes = supported(Path::Avx512);
  return yes;
}
// quantize's loop, 8 values at a time in double exactly as the scalar code (division, round half
// to even as round_quotient_half_even: floor, then the sign of one fma, so the FP rounding mode
// does not matter; + zero point, clamp). Stops at the first block holding a NaN (the scalar loop
// then names it); returns how many values it did.
SAMD_TENSOR_AVX512 std::size_t quantize_avx512(const float *v, std::size_t n, double scale,
                                               double zp, double lo, double hi, std::int32_t *q) {
  const __m512d s = _mm512_set1_pd(scale), half = _mm512_set1_pd(0.5), one = _mm512_set1_pd(1.0),
                zero = _mm512_setzero_pd();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d x = _mm512_cvtps_pd(_mm256_loadu_ps(v + i));
    if (_mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q) != 0)
      break;
    // |quotient| >= 2^31 or inf: any r on that side clamps to the same bound.
    __m512d r =
        _mm512_roundscale_pd(_mm512_div_pd(x, s), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512d d = _mm512_fmsub_pd(_mm512_add_pd(r, half), s, x); // (r + 1/2) s - x, exact sign
    const __m512d r_half =
        _mm512_roundscale_pd(_mm512_mul_pd(r, half), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __mmask8 odd = _mm512_cmp_pd_mask(_mm512_add_pd(r_half, r_half), r, _CMP_NEQ_OQ);
    const __mmask8 up = static_cast<__mmask8>(_mm512_cmp_pd_mask(d, zero, _CMP_LT_OQ) |
                                              (_mm512_cmp_pd_mask(d, zero, _CMP_EQ_OQ) & odd));
    r = _mm512_mask_add_pd(r, up, r, one);
    r = _mm512_add_pd(r, _mm512_set1_pd(zp));
    r = _mm512_min_pd(_mm512_max_pd(r, _mm512_set1_pd(lo)), _mm512_set1_pd(hi));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(q + i), _mm512_cvtpd_epi32(r));
  }
  return i;
}
#endif

template <class T>
std::vector<std::uint64_t> pack_values(const Layout &L, const T *v, std::size_t n) {
  const unsigned lanes = L.lanes(), field = L.field();
  const std::uint64_t mask = L.lane_bits();
  std::vector<std::uint64_t> words((n + lanes - 1) / lanes, 0);
  const std::size_t full = n / lanes;
#if defined(SAMD_HAVE_X86_KERNELS)
  if constexpr (std::is_same_v<T, std::int32_t>)
    if ((field >= 2 && field <= 4) && L.bits == field && have_avx512() && have_bmi2()) {
      pack_sub8_bmi2(v, full, field, words.data());
      for (std::size_t i = full * lanes; i < n; ++i)
        words[full] |= (static_cast<std::uint64_t>(v[i]) & mask) << ((i - full * lanes) * field);
      return words;
    }
  if constexpr (std::is_same_v<T, std::int32_t>)
    if ((field == 1 || (field == 8 && L.bits == 8)) && have_avx512()) {
      (field == 1 ? pack1_avx512 : pack8_avx512)(v, full, words.data());
      for (std::size_t i = full * lanes; i < n; ++i)
        words[full] |= (static_cast<std::uint64_t>(v[i]) & mask) << ((i - full * lanes) * field);
      return words;
    }
#endif
  switch (field) {
  case 1:
    pack_fields<1>(v, full, mask, words.data());
    break;
  case 2:
    pack_fields<2>(v, full, mask, words.data());
    break;
  case 3:
    pack_fields<3>(v, full, mask, words.data());
    break;
  case 4:
    pack_fields<4>(v, full, mask, words.data());
    break;
  case 5:
    pack_fields<5>(v, full, mask, words.data());
    break;
  case 6:
    pack_fields<6>(v, full, mask, words.data());
    break;
  case 7:
    pack_fields<7>(v, full, mask, words.data());
    break;
  case 8:
    pack_fields<8>(v, full, mask, words.data());
    break;
  case 16:
    pack_fields<16>(v, full, mask, words.data());
    break;
  default:
    for (std::size_t w = 0; w < full; ++w)
      for (unsigned i = 0; i < lanes; ++i)
        words[w] |= (static_cast<std::uint64_t>(v[w * lanes + i]) & mask) << ((i * field) % 64);
  }
  for (std::size_t i = full * lanes; i < n; ++i)
    words[full] |= (static_cast<std::uint64_t>(v[i]) & mask) << (((i - full * lanes) * field) % 64);
  return words;
}

// Pack values known to be in range (no per-value policy).
std::vector<std::uint64_t> pack_in_range(const Layout &L, std::span<const std::int64_t> values) {
  return pack_values(L, values.data(), values.size());
}
} // namespace

std::vector<std::uint64_t> pack_lanes(const Layout &L, const std::int32_t *values, std::size_t n) {
  validate(L);
  return pack_values(L, values, n);
}

std::size_t QTensor::channel_of(std::size_t flat) const {
  if (quant_.axis < 0 || quant_.channels() == 1)
    return 0;
  std::size_t inner = 1;
  for (std::size_t d = static_cast<std::size_t>(quant_.axis) + 1; d < shape_.size(); ++d)
    inner *= static_cast<std::size_t>(shape_[d]);
  return (flat / inner) % static_cast<std::size_t>(shape_[quant_.axis]);
}

QTensor QTensor::from_ints(Shape shape, Layout layout, std::span<const std::int64_t> values,
                           QuantParams quant, Overflow policy) {
  QTensor t(std::move(shape), layout, std::move(quant), NoFill{});
  if (values.size() != t.size_)
    throw std::invalid_argument("samd: QTensor::from_ints: " + std::to_string(values.size()) +
                                " values for shape " + to_string(t.shape_) + " of " +
                                std::to_string(t.size_) + " elements");
  const std::int64_t lo = t.layout_.min_value(), hi = t.layout_.max_value();
  bool inside = true;
  for (const std::int64_t v : values)
    inside &= v >= lo && v <= hi;
  t.words_ = inside ? pack_in_range(t.layout_, values) : pack(t.layout_, values, policy);
  return t;
}

QTensor QTensor::quantize(Shape shape, Layout layout, std::span<const float> values,
                          QuantParams quant) {
  QTensor t(std::move(shape), layout, std::move(quant), NoFill{});
  if (values.size() != t.size_)
    throw std::invalid_argument("samd: QTensor::quantize: " + std::to_string(values.size()) +
                                " values for shape " + to_string(t.shape_) + " of " +
                                std::to_string(t.size_) + " elements");
  const double lo = static_cast<double>(layout.min_value()),
               hi = static_cast<double>(layout.max_value());
  std::vector<std::int32_t> q(t.size_);
  std::size_t done = 0;
#if defined(SAMD_HAVE_X86_KERNELS)
  if (t.quant_.channels() == 1 && have_avx512())
    done = quantize_avx512(values.data(), t.size_, static_cast<double>(t.quant_.scale[0]),
                           static_cast<double>(t.quant_.zero_point[0]), lo, hi, q.data());
#endif
  for (std::size_t i = done; i < t.size_; ++i) {
    if (std::isnan(values[i]))
      throw std::invalid_argument("samd: QTensor::quantize: value at index " + std::to_string(i) +
                                  " is NaN");
    const std::size_t c = t.channel_of(i);
    // Round half to even in any FP rounding mode; clamp before converting.
    const double r = round_quotient_half_even(static_cast<double>(values[i]),
                                              static_cast<double>(t.quant_.scale_of(c))) +
                     t.quant_.zero_point_of(c);
    q[i] = static_cast<std::int32_t>(r < lo ? lo : (r > hi ? hi : r));
  }
  t.words_ = pack_values(t.layout_, q.data(), q.size());
  return t;
}

QTensor QTensor::from_words(Shape shape, Layout layout, std::vector<std::uint64_t> words,
                            QuantParams quant) {
  QTensor t(std::move(shape), layout, std::move(quant), NoFill{});
  const std::size_t need = words_for(t.layout_, t.size_);
  if (words.size() != need)
    throw std::invalid_argument("samd: QTensor::from_words: " + std::to_string(words.size()) +
                                " words for shape " + to_string(t.shape_) + " of " +
                                std::to_string(t.size_) + " elements (need " +
                                std::to_string(need) + ")");
  const std::uint64_t value_mask = t.layout_.value_mask();
  const auto allowed = [&](std::size_t i) {
    if (i + 1 == words.size() && t.size_ % t.layout_.lanes() != 0)
      return value_mask &
             ((std::uint64_t{1} << ((t.size_ % t.layout_.lanes()) * t.layout_.field())) - 1);
    return value_mask;
  };
  // One or-reduction over the body (vectorized; inputs are almost always canonical), then the
  // first offending word when there is one.
  std::uint64_t stray = 0;
  const std::size_t body = words.empty() ? 0 : words.size() - 1;
  if (value_mask != ~std::uint64_t{0}) // e.g. 8 lanes of 8 bits: every body word is canonical
    for (std::size_t i = 0; i < body; ++i)
      stray |= words[i] & ~value_mask;
  if (!words.empty())
    stray |= words[body] & ~allowed(body);
  if (stray != 0)
    for (std::size_t i = 0; i < words.size(); ++i)
      if ((words[i] & ~allowed(i)) != 0)
        throw std::invalid_argument("samd: QTensor::from_words: word " + std::to_string(i) +
                                    " is not canonical (guard or tail bits set) for " +
                                    samd::to_string(t.layout_));
  t.words_ = std::move(words);
  return t;
}

QTensor QTensor::reshaped(Shape shape) const {
  if (quant_.channels() > 1)
    throw std::invalid_argument(
        "samd: QTensor::reshaped: per-channel quantized tensors keep their shape");
  const std::size_t n = element_count(shape, "QTensor::reshaped");
  if (n != size_)
    throw std::invalid_argument("samd: QTensor::reshaped: shape " + to_string(shape) + " has " +
                                std::to_string(n) + " elements; the tensor has " +
                                std::to_string(size_));
  QTensor t;
  t.shape_ = std::move(shape);
  t.layout_ = layout_;
  t.quant_ = quant_;
  t.quant_.axis = -1;
  t.size_ = size_;
  t.words_ = words_;
  return t;
}

std::vector<std::int64_t> QTensor::to_ints() const {
  const unsigned field = layout_.field(), lanes = layout_.lanes(), up = 64 - layout_.bits;
  const bool sign = layout_.is_signed();
  std::vector<std::int64_t> out(size_);
  std::size_t i = 0;
#if defined(SAMD_HAVE_X86_KERNELS)
  if ((field == 1 || (field == 8 && layout_.bits == 8)) && have_avx512()) {
    const std::size_t full = size_ / lanes;
    (field == 1 ? unpack1_ints_avx512 : unpack8_ints_avx512)(words_.data(), full, sign, out.data());
    i = full * lanes;
  }
#endif
  for (std::size_t w = i / lanes; i < size_; ++w) {
    std::uint64_t word = words_[w];
    const unsigned n = static_cast<unsigned>(std::min<std::size_t>(lanes, size_ - i));
    // field % 64: a one-lane word (field 64) has n = 1, so its shift by 0 is never used.
    for (unsigned lane = 0; lane < n; ++lane, ++i, word >>= field % 64) {
      const std::uint64_t bits = word << up; // the lane's value bits at the top
      out[i] = sign ? static_cast<std::int64_t>(bits) >> up : static_cast<std::int64_t>(bits >> up);
    }
  }
  return out;
}

std::vector<std::uint8_t> QTensor::to_offsets() const {
  if (layout_.bits > 8)
    throw std::invalid_argument("samd: QTensor::to_offsets: " + samd::to_string(layout_) +
                                " is wider than 8 bits");
  const unsigned field = layout_.field(), lanes = layout_.lanes();
  const std::uint64_t mask = layout_.lane_bits();
  const std::uint64_t flip =
      layout_.is_signed() ? std::uint64_t{1} << (layout_.bits - 1) : 0; // q - min = bits ^ H
  std::vector<std::uint8_t> out(size_);
  std::size_t i = 0;
#if defined(SAMD_HAVE_X86_KERNELS)
  if (field == 1 && have_avx512()) { // 1-bit unsigned or signed: offset = bit ^ flip
    unpack1_avx512(words_.data(), size_ / 64, out.data());
    i = size_ / 64 * 64;
    if (flip)
      for (std::size_t k = 0; k < i; ++k)
        out[k] ^= 1;
  } else if (field == 8 && flip == 0) {
    if (size_ != 0)
      std::memcpy(out.data(), words_.data(), size_); // little-endian lanes are the bytes
    i = size_;
  } else if ((field == 2 || field == 4) && layout_.bits == field && have_vbmi()) {
    unpack24_vbmi(words_.data(), size_ / 64, field, static_cast<std::uint8_t>(flip), out.data());
    i = size_ / 64 * 64; // whole words: 64 lanes are 2 or 4 of them
  } else if ((field >= 2 && field <= 4) && layout_.bits == field && have_bmi2()) {
    unpack_sub8_bmi2(words_.data(), size_ / lanes, field, out.data());
    i = size_ / lanes * lanes;
    if (flip)
      for (std::size_t k = 0; k < i; ++k)
        out[k] ^= static_cast<std::uint8_t>(flip);
  }
#endif
  for (std::size_t w = i / lanes; i < size_; ++w) {
    std::uint64_t word = words_[w];
    const unsigned n = static_cast<unsigned>(std::min<std::size_t>(lanes, size_ - i));
    for (unsigned lane = 0; lane < n; ++lane, ++i, word >>= field % 64)
      out[i] = static_cast<std::uint8_t>((word & mask) ^ flip);
  }
  return out;
}

std::int64_t QTensor::at(std::size_t i) const {
  if (i >= size_)
    throw std::out_of_range("samd: QTensor::at: index " + std::to_string(i) + " >= size " +
                            std::to_string(size_));
  return get_lane(layout_, words_[i / layout_.lanes()], static_cast<unsigned>(i % layout_.lanes()));
}

std::vector<float> QTensor::dequantize() const {
  const std::vector<std::int64_t> q = to_ints();
  std::vector<float> out(size_);
  for (std::size_t i = 0; i < size_; ++i) {
    const std::size_t c = channel_of(i);
    out[i] = quant_.scale_of(c) * static_cast<float>(q[i] - quant_.zero_point_of(c));
  }
  return out;
}

} // namespace samd::kernels
