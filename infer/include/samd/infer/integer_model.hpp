// The integer executor: a quantized Graph (QDQ import or post-training quantization) compiled
// into steps over packed QTensors and exact int32 accumulations on the samd kernels. Between
// layers every tensor is integer; the only float work is quantizing the input image and
// dequantizing the final output (and computing fixed-point multipliers once, at compile time).
//
// The kernel path (Reference, Swar, or a SIMD path) comes from KernelOptions::path and is passed
// to every kernel call, so new paths plug in without changes here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <samd/infer/dataset.hpp>
#include <samd/infer/graph.hpp>
#include <samd/kernels/kernels.hpp>

namespace samd::infer {

// What a Conv / Gemm layer runs at.
struct LayerInfo {
  std::string name, op;
  unsigned wbits = 0, abits = 0; // weight and input activation widths in the kernels
  std::string weight_encoding;   // natural | offset | two-level (see quant_layout.hpp)
  std::int64_t weight_count = 0;
  std::size_t bytes = 0; // weights at wbits, plus a float32 scale and an int32 bias per channel
};

struct IntegerOutput {
  FloatTensor real;               // dequantized graph output (logits)
  std::vector<std::int64_t> ints; // the integers it was dequantized from (int32 sums or q)
};

class IntegerModel {
public:
  // Throws std::invalid_argument naming the layer when the graph is not fully quantized (a Conv
  // with float weights or a float input, an op on int32 sums that needs a QuantizeLinear first)
  // or a width is outside the kernels' 1-8 bits.
  static IntegerModel compile(const Graph &g, const kernels::KernelOptions &opt = {});

  // x: the graph input, any batch size. Thread-safe (const; no shared mutable state).
  IntegerOutput run(const FloatTensor &x) const;
  // The same result as run(x.floats()), with the input's QuantizeLinear done by a 256-entry table
  // of x.values' quantized codes (made by the same function on the same floats, so the same
  // integers) when the graph reads its input only through QuantizeLinear per tensor.
  IntegerOutput run(const PixelBatch &x) const;

  const std::vector<LayerInfo> &layers() const;
  std::size_t model_bytes() const;
  kernels::Path path() const; // the resolved kernel path

  IntegerModel();
  ~IntegerModel();
  IntegerModel(IntegerModel &&) noexcept;
  IntegerModel &operator=(IntegerModel &&) noexcept;

  struct Impl;

private:
  void check_input_shape(const Shape &shape) const;
  IntegerOutput run_steps(const FloatTensor *x, const PixelBatch *px) const;

  std::unique_ptr<Impl> impl_;
};

} // namespace samd::infer
