// Quantized tensors packed in SAMD words.
//
// A QTensor holds integer values of any width (1–16 bits here; the kernels take 1–8) packed
// lane by lane in row-major order into 64-bit words of a samd::Layout, with quantization
// parameters: real = scale * (q - zero_point), per tensor or per channel along `axis`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <samd/layout.hpp>
#include <samd/ops/convert.hpp>

namespace samd::kernels {

using Shape = std::vector<std::int64_t>;

struct QuantParams {
  std::vector<float> scale{1.0f};
  std::vector<std::int32_t> zero_point{0};
  int axis = -1; // -1: one scale / zero point for the tensor; else per slice along this dimension

  // Number of channels the parameters describe (1 when per tensor).
  std::size_t channels() const { return scale.size(); }
  float scale_of(std::size_t c) const { return scale.size() == 1 ? scale[0] : scale[c]; }
  std::int32_t zero_point_of(std::size_t c) const { return zero_point.size() == 1 ? zero_point[0] : zero_point[c]; }
};

// Number of elements of a shape; throws std::invalid_argument for a negative dimension or an
// element count beyond 2^40 (what = the argument name used in the message).
std::size_t element_count(const Shape& shape, const char* what);
std::string to_string(const Shape& shape);

class QTensor {
public:
  QTensor() = default;
  // All values zero_point. Validates layout (bits 1–16), shape and quantization parameters.
  QTensor(Shape shape, Layout layout, QuantParams quant = {});

  // from_ints: values in row-major order; out-of-range values follow `policy` (default: an error
  // naming the index and value, nothing built).
  static QTensor from_ints(Shape shape, Layout layout, std::span<const std::int64_t> values,
                           QuantParams quant = {}, Overflow policy = Overflow::Error);
  // quantize: q = clamp(round_half_to_even(x / scale) + zero_point, min, max) — ONNX
  // QuantizeLinear semantics. A NaN input is an error naming its index.
  static QTensor quantize(Shape shape, Layout layout, std::span<const float> values, QuantParams quant);

  std::vector<std::int64_t> to_ints() const;
  std::vector<float> dequantize() const; // scale * (q - zero_point)
  std::int64_t at(std::size_t flat_index) const;

  const Shape& shape() const { return shape_; }
  const Layout& layout() const { return layout_; }
  const QuantParams& quant() const { return quant_; }
  std::size_t size() const { return size_; }
  const std::vector<std::uint64_t>& words() const { return words_; }
  // The channel (quantization slice) of a flat index.
  std::size_t channel_of(std::size_t flat_index) const;

private:
  Shape shape_;
  Layout layout_{8, 0, Signedness::Unsigned};
  QuantParams quant_;
  std::size_t size_ = 0;
  std::vector<std::uint64_t> words_;
};

// An int32 result tensor (exact accumulations).
struct Int32Tensor {
  Shape shape;
  std::vector<std::int32_t> data;
};

} // namespace samd::kernels
