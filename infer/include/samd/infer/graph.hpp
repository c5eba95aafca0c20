// The imported model: a topologically ordered list of layers over numbered values, after the
// importer has resolved ONNX's details (QuantizeLinear -> DequantizeLinear pairs on activations
// become FakeQuant layers, constant DequantizeLinear becomes quantized weights, BatchNormalization
// and bias Adds are folded into the Conv / Gemm before them, MatMul and Flatten are normalized).
// The float executor, post-training quantization and the integer compiler all read this form.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <samd/kernels/tensor.hpp>

namespace samd::infer {

using kernels::Shape;

struct FloatTensor {
  Shape shape;
  std::vector<float> data;
};

// Integer weights with real = scale[c] * (q - zero_point[c]) along axis 0 (or per tensor).
struct QuantWeights {
  std::vector<std::int64_t> q;
  std::vector<float> scale;
  std::vector<std::int32_t> zero_point;
};

struct Weights {
  FloatTensor real;                  // Conv {O, C/g, KH, KW}; Gemm {N, K}; dequantized if quantized
  std::optional<QuantWeights> quant; // set when the model stores integers (QDQ) or after PTQ
};

struct Bias {
  std::vector<float> real; // empty: no bias
  // The int32 values and scale of a DequantizeLinear bias (units of input scale * weight scale
  // in a standard QDQ model); the integer compiler uses them directly when the scales agree.
  std::vector<std::int64_t> q;
  std::vector<float> scale;
};

enum class LayerKind {
  FakeQuant,
  Conv,
  Gemm,
  Relu,
  Clip,
  MaxPool,
  AvgPool,
  GlobalAvgPool,
  Reshape,
  Add
};
const char *to_string(LayerKind k);

// QuantizeLinear -> DequantizeLinear on an activation: q = clamp(round(x / scale) + zero_point,
// qmin, qmax) with [qmin, qmax] the element type's range narrowed by the value range known
// before it (a Clip or Relu): that is how a standard ONNX file carries a sub-8-bit width.
struct FakeQuantParams {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
  std::int64_t qmin = 0, qmax = 255;
};

struct ConvParams {
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
};

struct PoolParams {
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  bool count_include_pad = false;
};

struct Layer {
  LayerKind kind = LayerKind::Relu;
  std::string name;    // the ONNX node's name (or "<op>#<index>" when it has none)
  std::string op_type; // the ONNX op it came from
  std::vector<int> inputs;
  int output = -1;

  FakeQuantParams fq;                // FakeQuant
  ConvParams conv;                   // Conv
  Weights weights;                   // Conv, Gemm
  Bias bias;                         // Conv, Gemm
  PoolParams pool;                   // MaxPool, AvgPool
  float clip_lo = 0, clip_hi = 0;    // Clip (Relu: [0, inf))
  std::vector<std::int64_t> reshape; // Reshape: ONNX semantics (0 copies a dimension, -1 infers)
};

struct Value {
  std::string name;
  Shape shape; // dimension 0 is the batch; shapes are inferred with a batch of 1
};

struct Graph {
  std::vector<Value> values;
  std::vector<Layer> layers; // topological order
  int input = -1, output = -1;
  std::map<std::string, std::string> metadata; // ONNX metadata_props (informative only)

  // Indices of the layers that read value v.
  std::vector<int> consumers(int v) const;
  // The Conv and Gemm layers in order.
  std::vector<int> compute_layers() const;
  bool has_fake_quant() const;
};

// The output shape of one layer for the given input shapes; throws std::invalid_argument naming
// the layer when they do not fit (channels, kernel larger than the input, element counts, ...).
Shape infer_shape(const Layer &layer, const std::vector<Shape> &inputs);

// Shape with dimension 0 replaced by `batch`.
Shape with_batch(Shape s, std::int64_t batch);

} // namespace samd::infer
