// The float reference executor: runs a Graph in float32 with plain loops. FakeQuant layers
// quantize and dequantize exactly as ONNX QuantizeLinear -> DequantizeLinear (round half to
// even), so a QDQ model runs here as its "fake-quantized" float model. Used for the float
// baseline, for calibration (post-training quantization), and as a cross-check in tests.
#pragma once

#include <functional>

#include <samd/infer/graph.hpp>

namespace samd::infer {

// Called with each layer's index and output (calibration observes activations through it).
using LayerObserver = std::function<void(int layer, const FloatTensor &out)>;

// x: the graph input with any batch size in dimension 0. Returns the graph output.
FloatTensor run_float(const Graph &g, const FloatTensor &x, const LayerObserver &observe = {});

// One ONNX QuantizeLinear -> DequantizeLinear of a value.
float fake_quantize(float x, const FakeQuantParams &p);

} // namespace samd::infer
