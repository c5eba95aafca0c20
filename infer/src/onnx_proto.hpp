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

// A constant: values held as double (exact for every float and every integer within +-2^53;
// decode_tensor refuses wider int64 / uint64 values).
struct ConstTensor {
  Shape shape;
  int dtype = onnx::TensorProto_DataType_FLOAT;
  std::vector<double> values;

  bool is_integer() const;
  std::size_t size() const { return values.size(); }
};

// Largest initializer accepted (elements), and all that nodes read together: decoded constants
// take 8 bytes an element, so these bound the memory a hostile file can make the import use.
inline constexpr std::size_t kMaxConstElements = std::size_t{1} << 26;
inline constexpr std::size_t kMaxTotalConstElements = std::size_t{1} << 27;
// Largest activation of one image (elements) a model may compute.
inline constexpr std::size_t kMaxActivationElements = std::size_t{1} << 28;
// Largest model file read.
inline constexpr std::size_t kMaxModelBytes = std::size_t{1} << 30;

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
