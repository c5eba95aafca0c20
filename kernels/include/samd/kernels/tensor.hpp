// Quantized tensors packed in SAMD words.
//
// A QTensor holds integer values of any width (1–16 bits here; the kernels take 1–8) packed
// lane by lane in row-major order into 64-bit words of a samd::Layout, with quantization
// parameters: real = scale * (q - zero_point), per tensor or per channel along `axis`.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
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
  std::int32_t zero_point_of(std::size_t c) const {
    return zero_point.size() == 1 ? zero_point[0] : zero_point[c];
  }
};

// Number of elements of a shape; throws std::invalid_argument for a negative dimension or an
// element count beyond 2^40, also when a 0 dimension makes the count 0: the product of the nonzero
// dimensions is bounded the same (what = the argument name used in the message).
std::size_t element_count(const Shape &shape, const char *what);
std::string to_string(const Shape &shape);

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
  // QuantizeLinear semantics, x / scale the exact quotient, in any FP rounding mode (fesetround)
  // and the same integers per tensor and per channel. A NaN input is an error naming its index.
  static QTensor quantize(Shape shape, Layout layout, std::span<const float> values,
                          QuantParams quant);

  // from_words: values already packed in `layout` (row-major, lane by lane): words_for(size)
  // canonical words (guard bits and unused tail lanes 0), checked.
  static QTensor from_words(Shape shape, Layout layout, std::vector<std::uint64_t> words,
                            QuantParams quant = {});
  // reshaped: the same values under a shape of the same element count; quantization must be per
  // tensor (a per-channel axis would change meaning).
  QTensor reshaped(Shape shape) const;

  std::vector<std::int64_t> to_ints() const;
  // to_offsets: q - layout().min_value() of every element as bytes (bits <= 8).
  std::vector<std::uint8_t> to_offsets() const;
  std::vector<float> dequantize() const; // scale * (q - zero_point)
  std::int64_t at(std::size_t flat_index) const;

  const Shape &shape() const { return shape_; }
  const Layout &layout() const { return layout_; }
  const QuantParams &quant() const { return quant_; }
  std::size_t size() const { return size_; }
  const std::vector<std::uint64_t> &words() const { return words_; }
  // The channel (quantization slice) of a flat index.
  std::size_t channel_of(std::size_t flat_index) const;

private:
  struct NoFill {};
  QTensor(Shape shape, Layout layout, QuantParams quant, NoFill); // validated, words left empty

  Shape shape_;
  Layout layout_{8, 0, Signedness::Unsigned};
  QuantParams quant_;
  std::size_t size_ = 0;
  std::vector<std::uint64_t> words_;
};

// pack_lanes: n values already inside L's range (only each lane's low bits are kept) into
// words_for(L, n) canonical words, row-major lane by lane.
std::vector<std::uint64_t> pack_lanes(const Layout &L, const std::int32_t *values, std::size_t n);

// LaneWriter: appends lane values in order into canonical words of a layout. The caller keeps
// every value inside the layout's range (put() keeps only the lane's low bits).
class LaneWriter {
public:
  LaneWriter(const Layout &L, std::size_t count)
      : field_(L.field()), lanes_(L.lanes()), mask_(L.lane_bits()),
        words_((count + L.lanes() - 1) / L.lanes(), 0) {}
  void put(std::int64_t v) {
    cur_ |= (static_cast<std::uint64_t>(v) & mask_) << shift_;
    if (++lane_ == lanes_) {
      if (idx_ == words_.size())
        throw std::logic_error("samd: LaneWriter: more values than it was made for");
      words_[idx_++] = cur_;
      cur_ = 0, lane_ = 0, shift_ = 0;
    } else {
      shift_ += field_;
    }
  }
  std::vector<std::uint64_t> finish() {
    if (lane_ != 0)
      words_[idx_] = cur_;
    return std::move(words_);
  }

private:
  unsigned field_, lanes_, lane_ = 0, shift_ = 0;
  std::uint64_t mask_, cur_ = 0;
  std::size_t idx_ = 0;
  std::vector<std::uint64_t> words_;
};

// An int32 result tensor (exact accumulations).
struct Int32Tensor {
  Shape shape;
  std::vector<std::int32_t> data;
};

} // namespace samd::kernels
