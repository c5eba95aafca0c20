// ONNX import (opset 9-21, default domain) into samd::infer::Graph.
//
// Supported ops: Conv (2-D), Gemm, MatMul (+ Add of a bias), Relu, Clip, MaxPool, AveragePool,
// GlobalAveragePool, Flatten, Reshape, Add, BatchNormalization (folded into the Conv / Gemm before
// it), QuantizeLinear / DequantizeLinear, plus Identity, Dropout and Constant. Sub-8-bit QDQ
// models are read with standard ops only: weights are integer initializers whose values lie in
// the narrow range; activations are QuantizeLinear -> DequantizeLinear whose integer range is
// narrowed by a Clip (or Relu) before the QuantizeLinear.
//
// Every problem -- malformed or truncated protobuf, unsupported op (named with its node), missing
// or mistyped inputs, shapes that do not fit -- throws ImportError with a message; nothing else
// escapes (no crash on any byte string: see infer/fuzz/).
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include <samd/infer/graph.hpp>

namespace samd::infer {

struct ImportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Graph import_onnx_file(const std::string &path);
// `what` names the source in messages (a file name).
Graph import_onnx_bytes(std::span<const std::uint8_t> bytes, const std::string &what = "model");

} // namespace samd::infer
