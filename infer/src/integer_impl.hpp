// The compiled form of an IntegerModel: steps over numbered slots, each slot holding a packed
// QTensor, int32 sums, or (only at the edges) a float tensor.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <samd/infer/integer_model.hpp>

namespace samd::infer {

enum class StepKind {
  QuantizeInput,
  Conv,
  Gemm,
  Requant,
  MaxPool,
  AvgPool,
  GlobalAvgPool,
  Reshape,
  Add,
  Dequantize
};

// Two-level (binary) weights: the kernel output has one extra all-ones channel S; the layer's
// sums are d * A[c] + v0_minus_zp[c] * S + bias[c] (quant_layout.hpp).
struct TwoLevelCombine {
  bool on = false;
  kernels::TwoLevel t; // d, v0_minus_zp, bias
};

struct Step {
  StepKind kind = StepKind::Reshape;
  std::string where; // "<op> node '<name>'" for messages
  std::vector<int> in;
  int out = -1;

  // QuantizeInput: the stored-integer layout and parameters, and the clamp in stored integers.
  Layout layout{8, 0, Signedness::Unsigned};
  kernels::QuantParams quant;
  std::int64_t lo = 0, hi = 0;

  // Conv / Gemm
  kernels::PackedConvWeights conv_w;
  kernels::Conv2dParams conv_p;
  std::optional<kernels::Pool2dParams>
      fused_pool; // a MaxPool on the Conv's requantized output, fused
  kernels::PackedWeights gemm_w;
  TwoLevelCombine two;
  float a_scale = 1.0f;
  kernels::QuantParams wq; // per-channel weight scales for requantization
  std::optional<kernels::Requant> rq;
  std::optional<kernels::Requantizer>
      rqz; // rq prepared for the step's channels (Conv, Gemm, Requant)

  // Requant: from int32 sums (a_scale, wq, channel axis 1) or from a QTensor (its scale and
  // zero point, weight scale 1).
  bool from_quant = false;
  std::int32_t in_zero_point = 0;

  kernels::Pool2dParams pool;
  Layer reshape; // Reshape: the layer, for infer_shape at run time

  // Dequantize: sums (per-channel real scale) or a QTensor (scale, stored zero point, offset),
  // then the Clip / Relu still pending in real units.
  std::vector<double> deq_scale;
  std::int32_t deq_zero_point = 0;
  std::int64_t deq_offset = 0;
  double clamp_lo = 0, clamp_hi = 0;
};

struct IntegerModel::Impl {
  kernels::KernelOptions opt;
  std::vector<Step> steps;
  int slots = 0;
  int input_slot = -1, output_slot = -1, ints_slot = -1;
  Shape input_shape;
  std::vector<LayerInfo> layers;
};

using Slot = std::variant<std::monostate, kernels::QTensor, kernels::Int32Tensor, FloatTensor>;

} // namespace samd::infer
