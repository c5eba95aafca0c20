// Reading ONNX protobuf messages into plain values: constant tensors (every numeric element
// type, raw or typed storage) and node attributes, each checked against the message's own
// counts so that a malformed file is an ImportError, never an out-of-bounds read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include <samd/infer/graph.hpp>
#include <samd/infer/onnx_import.hpp>

namespace samd::infer::onnx_detail {

// A constant: values held as double (exact for every int8..int32 and float value).
struct ConstTensor {
  Shape shape;
  int dtype = onnx::TensorProto_DataType_FLOAT;
  std::vector<double> values;

  bool is_integer() const;
  std::size_t size() const { return values.size(); }
};

// Largest initializer accepted (elements): bounds memory on hostile input.
inline constexpr std::size_t kMaxConstElements = std::size_t{1} << 26;

ConstTensor decode_tensor(const onnx::TensorProto &t, const std::string &what);
const char *dtype_name(int dtype);
// The integer range of an ONNX QuantizeLinear output type (uint8 / int8 / uint16 / int16).
bool quant_dtype_range(int dtype, std::int64_t &lo, std::int64_t &hi);

// Attributes of one node, looked up by name with the expected type.
class Attributes {
public:
  Attributes(const onnx::NodeProto &node, std::string where);
  std::int64_t get_int(const std::string &name, std::int64_t fallback) const;
  float get_float(const std::string &name, float fallback) const;
  std::string get_string(const std::string &name, const std::string &fallback) const;
  std::optional<std::vector<std::int64_t>> get_ints(const std::string &name) const;
  const onnx::TensorProto *get_tensor(const std::string &name) const;

private:
  const onnx::AttributeProto *find(const std::string &name, int type) const;
  const onnx::NodeProto &node_;
  std::string where_;
};

} // namespace samd::infer::onnx_detail
