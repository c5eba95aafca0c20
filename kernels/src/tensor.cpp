#include <samd/kernels/tensor.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

#include <samd/pack.hpp>

namespace samd::kernels {

std::size_t element_count(const Shape& shape, const char* what) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0)
      throw std::invalid_argument(std::string("samd: ") + what + ": dimension " + std::to_string(i) + " is " +
                                  std::to_string(shape[i]) + "; dimensions must be >= 0");
    if (shape[i] > 0 && n > (std::size_t{1} << 40) / static_cast<std::size_t>(shape[i]))
      throw std::invalid_argument(std::string("samd: ") + what + ": shape " + to_string(shape) +
                                  " has more than 2^40 elements");
    n *= static_cast<std::size_t>(shape[i]);
  }
  return n;
}

std::string to_string(const Shape& shape) {
  std::string s = "{";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "}";
}

namespace {
void validate_quant(const Shape& shape, const Layout& L, const QuantParams& q) {
  if (q.scale.empty() || q.scale.size() != q.zero_point.size())
    throw std::invalid_argument("samd: QTensor: " + std::to_string(q.scale.size()) + " scales and " +
                                std::to_string(q.zero_point.size()) + " zero points; need the same number >= 1");
  if (q.axis < -1 || q.axis >= static_cast<int>(shape.size()))
    throw std::invalid_argument("samd: QTensor: quantization axis " + std::to_string(q.axis) + " outside -1.." +
                                std::to_string(static_cast<int>(shape.size()) - 1));
  const std::size_t want = q.axis < 0 ? 1 : static_cast<std::size_t>(shape[q.axis]);
  if (q.scale.size() != 1 && q.scale.size() != want)
    throw std::invalid_argument("samd: QTensor: " + std::to_string(q.scale.size()) +
                                " quantization channels for axis " + std::to_string(q.axis) + " of size " +
                                std::to_string(want));
  for (std::size_t c = 0; c < q.scale.size(); ++c) {
    if (!(q.scale[c] > 0.0f) || !std::isfinite(q.scale[c]))
      throw std::invalid_argument("samd: QTensor: scale[" + std::to_string(c) + "] = " + std::to_string(q.scale[c]) +
                                  " must be finite and > 0");
    if (q.zero_point[c] < L.min_value() || q.zero_point[c] > L.max_value())
      throw std::invalid_argument("samd: QTensor: zero_point[" + std::to_string(c) + "] = " +
                                  std::to_string(q.zero_point[c]) + " outside the range [" +
                                  std::to_string(L.min_value()) + ", " + std::to_string(L.max_value()) + "] of " +
                                  samd::to_string(L));
  }
}
} // namespace

QTensor::QTensor(Shape shape, Layout layout, QuantParams quant)
    : shape_(std::move(shape)), layout_(layout), quant_(std::move(quant)) {
  validate(layout_);
  if (layout_.bits > kMaxMulBits)
    throw std::invalid_argument("samd: QTensor: bits = " + std::to_string(layout_.bits) + " exceeds the limit of 16");
  size_ = element_count(shape_, "QTensor");
  validate_quant(shape_, layout_, quant_);
  std::vector<std::int64_t> zeros(size_);
  for (std::size_t i = 0; i < size_; ++i) zeros[i] = quant_.zero_point_of(channel_of(i));
  words_ = pack(layout_, zeros);
}

std::size_t QTensor::channel_of(std::size_t flat) const {
  if (quant_.axis < 0 || quant_.channels() == 1) return 0;
  std::size_t inner = 1;
  for (std::size_t d = static_cast<std::size_t>(quant_.axis) + 1; d < shape_.size(); ++d)
    inner *= static_cast<std::size_t>(shape_[d]);
  return (flat / inner) % static_cast<std::size_t>(shape_[quant_.axis]);
}

QTensor QTensor::from_ints(Shape shape, Layout layout, std::span<const std::int64_t> values, QuantParams quant,
                           Overflow policy) {
  QTensor t(std::move(shape), layout, std::move(quant));
  if (values.size() != t.size_)
    throw std::invalid_argument("samd: QTensor::from_ints: " + std::to_string(values.size()) +
                                " values for shape " + to_string(t.shape_) + " of " + std::to_string(t.size_) +
                                " elements");
  t.words_ = pack(t.layout_, values, policy);
  return t;
}

QTensor QTensor::quantize(Shape shape, Layout layout, std::span<const float> values, QuantParams quant) {
  QTensor t(std::move(shape), layout, std::move(quant));
  if (values.size() != t.size_)
    throw std::invalid_argument("samd: QTensor::quantize: " + std::to_string(values.size()) +
                                " values for shape " + to_string(t.shape_) + " of " + std::to_string(t.size_) +
                                " elements");
  std::vector<std::int64_t> q(t.size_);
  for (std::size_t i = 0; i < t.size_; ++i) {
    if (std::isnan(values[i]))
      throw std::invalid_argument("samd: QTensor::quantize: value at index " + std::to_string(i) + " is NaN");
    const std::size_t c = t.channel_of(i);
    // nearbyint rounds half to even in the default rounding mode; clamp before converting.
    const double r = std::nearbyint(static_cast<double>(values[i]) / t.quant_.scale_of(c)) + t.quant_.zero_point_of(c);
    const double lo = static_cast<double>(layout.min_value()), hi = static_cast<double>(layout.max_value());
    q[i] = static_cast<std::int64_t>(r < lo ? lo : (r > hi ? hi : r));
  }
  t.words_ = pack(t.layout_, q);
  return t;
}

std::vector<std::int64_t> QTensor::to_ints() const { return unpack(layout_, words_, size_); }

std::int64_t QTensor::at(std::size_t i) const {
  if (i >= size_)
    throw std::out_of_range("samd: QTensor::at: index " + std::to_string(i) + " >= size " + std::to_string(size_));
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
