// Post-training quantization of a float Graph at any per-layer width: calibrate activation
// ranges on sample inputs with the float executor, quantize weights per output channel, and
// insert FakeQuant layers, giving the same form a QDQ import gives (so IntegerModel::compile
// runs it, and run_float runs its fake-quantized float twin).
#pragma once

#include <string>
#include <vector>

#include <samd/infer/graph.hpp>

namespace samd::infer {

// Widths of one Conv / Gemm: its weights and the activation it reads.
struct LayerBits {
  unsigned wbits = 8, abits = 8;
};

// One entry per Conv / Gemm, in graph order.
using PtqSpec = std::vector<LayerBits>;

// Every layer at wbits / abits, except that the first layer reads the input at input_bits (the
// 8-bit image stays exact).
PtqSpec uniform_spec(const Graph &g, unsigned wbits, unsigned abits, unsigned input_bits = 8);
// "W/A,W/A,..." with one pair per Conv / Gemm (e.g. "8/8,2/2,2/2"); std::invalid_argument on
// a malformed spec, a wrong count, or a width outside 1-8.
PtqSpec parse_layer_spec(const std::string &spec, const Graph &g);

// calibration: a batch of inputs (e.g. a few hundred training images). Rules:
//  - activations: unsigned [0, 2^b - 1] with zero point 0 when the calibrated minimum is >= 0
//    (after ReLU), the clipping bound chosen to minimize the squared quantization error for
//    b < 8 (min / max at 8 bits); otherwise asymmetric with a zero point;
//  - weights: symmetric per output channel, q in [-(2^(b-1) - 1), 2^(b-1) - 1], clip by least
//    squared error; 1 bit: q = sign(w) (+-1) with scale mean |w| (two-level in the kernels).
// Throws std::invalid_argument when the graph is already quantized (QDQ) or the spec's length
// differs from the number of Conv / Gemm layers.
Graph quantize_post_training(const Graph &g, const PtqSpec &spec, const FloatTensor &calibration);

} // namespace samd::infer
