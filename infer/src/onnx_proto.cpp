#include "onnx_proto.hpp"

#include <cmath>
#include <cstring>

namespace samd::infer::onnx_detail {

namespace {

using TP = onnx::TensorProto;

[[noreturn]] void fail(const std::string &msg) { throw ImportError("samd infer: " + msg); }

std::size_t element_size(int dtype) {
  switch (dtype) {
  case TP::FLOAT:
    return 4;
  case TP::DOUBLE:
    return 8;
  case TP::INT8:
  case TP::UINT8:
  case TP::BOOL:
    return 1;
  case TP::INT16:
  case TP::UINT16:
    return 2;
  case TP::INT32:
  case TP::UINT32:
    return 4;
  case TP::INT64:
  case TP::UINT64:
    return 8;
  default:
    return 0;
  }
}

// Integers are held as double, exact up to 2^53: a wider int64 / uint64 value is refused (no
// operator this importer supports needs one, and its rounding would change the model).
constexpr std::uint64_t kMaxExactInteger = std::uint64_t{1} << 53;

double exact_int64(std::int64_t v, const std::string &what, std::size_t i) {
  if (v < -static_cast<std::int64_t>(kMaxExactInteger) ||
      v > static_cast<std::int64_t>(kMaxExactInteger))
    fail(what + ": element " + std::to_string(i) + " = " + std::to_string(v) +
         " is beyond +-2^53, the integers this importer holds exactly");
  return static_cast<double>(v);
}

double exact_uint64(std::uint64_t v, const std::string &what, std::size_t i) {
  if (v > kMaxExactInteger)
    fail(what + ": element " + std::to_string(i) + " = " + std::to_string(v) +
         " is beyond 2^53, the integers this importer holds exactly");
  return static_cast<double>(v);
}

// The range of an element type stored in int32_data or uint64_data (ONNX keeps the narrow
// types there), so that a malformed file cannot widen an int8 tensor.
bool fits_dtype(double v, int dtype) {
  switch (dtype) {
  case TP::INT8:
    return v >= -128 && v <= 127;
  case TP::UINT8:
    return v >= 0 && v <= 255;
  case TP::BOOL:
    return v == 0 || v == 1;
  case TP::INT16:
    return v >= -32768 && v <= 32767;
  case TP::UINT16:
    return v >= 0 && v <= 65535;
  case TP::UINT32:
    return v >= 0 && v <= 4294967295.0;
  default:
    return true;
  }
}

// One little-endian element of raw_data.
double raw_element(const std::string &raw, std::size_t i, int dtype, const std::string &what) {
  const std::size_t es = element_size(dtype);
  unsigned char b[8] = {};
  std::memcpy(b, raw.data() + i * es, es);
  std::uint64_t u = 0;
  for (std::size_t k = 0; k < es; ++k)
    u |= static_cast<std::uint64_t>(b[k]) << (8 * k);
  switch (dtype) {
  case TP::FLOAT: {
    float f;
    const auto v = static_cast<std::uint32_t>(u);
    std::memcpy(&f, &v, 4);
    return f;
  }
  case TP::DOUBLE: {
    double d;
    std::memcpy(&d, &u, 8);
    return d;
  }
  case TP::INT8:
    return static_cast<std::int8_t>(u);
  case TP::UINT8:
  case TP::BOOL:
    return static_cast<std::uint8_t>(u);
  case TP::INT16:
    return static_cast<std::int16_t>(u);
  case TP::UINT16:
    return static_cast<std::uint16_t>(u);
  case TP::INT32:
    return static_cast<std::int32_t>(u);
  case TP::UINT32:
    return static_cast<std::uint32_t>(u);
  case TP::INT64:
    return exact_int64(static_cast<std::int64_t>(u), what, i);
  case TP::UINT64:
    return exact_uint64(u, what, i);
  default:
    return 0;
  }
}

void check_dtype_range(const ConstTensor &c, const std::string &what) {
  for (std::size_t i = 0; i < c.values.size(); ++i)
    if (!fits_dtype(c.values[i], c.dtype))
      fail(what + ": element " + std::to_string(i) + " = " +
           std::to_string(static_cast<long long>(c.values[i])) + " does not fit its type " +
           dtype_name(c.dtype));
}

} // namespace

bool ConstTensor::is_integer() const { return dtype != TP::FLOAT && dtype != TP::DOUBLE; }

const char *dtype_name(int dtype) {
  switch (dtype) {
  case TP::FLOAT:
    return "float32";
  case TP::DOUBLE:
    return "float64";
  case TP::INT8:
    return "int8";
  case TP::UINT8:
    return "uint8";
  case TP::BOOL:
    return "bool";
  case TP::INT16:
    return "int16";
  case TP::UINT16:
    return "uint16";
  case TP::INT32:
    return "int32";
  case TP::UINT32:
    return "uint32";
  case TP::INT64:
    return "int64";
  case TP::UINT64:
    return "uint64";
  case TP::FLOAT16:
    return "float16";
  case TP::BFLOAT16:
    return "bfloat16";
  case TP::STRING:
    return "string";
  default:
    return "an unknown element type";
  }
}

bool quant_dtype_range(int dtype, std::int64_t &lo, std::int64_t &hi) {
  switch (dtype) {
  case TP::UINT8:
    lo = 0, hi = 255;
    return true;
  case TP::INT8:
    lo = -128, hi = 127;
    return true;
  case TP::UINT16:
    lo = 0, hi = 65535;
    return true;
  case TP::INT16:
    lo = -32768, hi = 32767;
    return true;
  default:
    return false;
  }
}

ConstTensor decode_tensor(const onnx::TensorProto &t, const std::string &what) {
  ConstTensor c;
  c.dtype = t.data_type();
  if (t.data_location() == TP::EXTERNAL || t.external_data_size() > 0)
    fail(what +
         ": tensors with external data are not supported; save the model with the data inside");
  if (element_size(c.dtype) == 0)
    fail(what + ": element type " + dtype_name(c.dtype) + " is not supported");
  // The nonzero dimensions are bounded too: a 0 elsewhere must not let a huge one through to
  // the shape arithmetic that follows.
  std::size_t n = 1, nonzero = 1;
  for (std::int64_t d : t.dims()) {
    if (d < 0)
      fail(what + ": negative dimension " + std::to_string(d));
    if (d > 0 && nonzero > kMaxConstElements / static_cast<std::size_t>(d))
      fail(what + ": dimensions " + kernels::to_string(Shape(t.dims().begin(), t.dims().end())) +
           " multiply to more than " + std::to_string(kMaxConstElements) + " elements");
    if (d > 0)
      nonzero *= static_cast<std::size_t>(d);
    n *= static_cast<std::size_t>(d);
    c.shape.push_back(d);
  }
  c.values.resize(n);
  auto count_error = [&](std::size_t have) {
    fail(what + ": holds " + std::to_string(have) + " values for shape " +
         kernels::to_string(c.shape) + " (" + std::to_string(n) +
         " elements); the tensor is truncated or malformed");
  };
  if (t.has_raw_data()) {
    const std::string &raw = t.raw_data();
    if (raw.size() != n * element_size(c.dtype))
      count_error(raw.size() / element_size(c.dtype));
    for (std::size_t i = 0; i < n; ++i)
      c.values[i] = raw_element(raw, i, c.dtype, what);
    return c;
  }
  switch (c.dtype) {
  case TP::FLOAT:
    if (static_cast<std::size_t>(t.float_data_size()) != n)
      count_error(static_cast<std::size_t>(t.float_data_size()));
    for (std::size_t i = 0; i < n; ++i)
      c.values[i] = t.float_data(static_cast<int>(i));
    break;
  case TP::DOUBLE:
    if (static_cast<std::size_t>(t.double_data_size()) != n)
      count_error(static_cast<std::size_t>(t.double_data_size()));
    for (std::size_t i = 0; i < n; ++i)
      c.values[i] = t.double_data(static_cast<int>(i));
    break;
  case TP::INT64:
    if (static_cast<std::size_t>(t.int64_data_size()) != n)
      count_error(static_cast<std::size_t>(t.int64_data_size()));
    for (std::size_t i = 0; i < n; ++i)
      c.values[i] = exact_int64(t.int64_data(static_cast<int>(i)), what, i);
    break;
  case TP::UINT32:
  case TP::UINT64:
    if (static_cast<std::size_t>(t.uint64_data_size()) != n)
      count_error(static_cast<std::size_t>(t.uint64_data_size()));
    for (std::size_t i = 0; i < n; ++i)
      c.values[i] = exact_uint64(t.uint64_data(static_cast<int>(i)), what, i);
    check_dtype_range(c, what);
    break;
  default: // int8, uint8, bool, int16, uint16, int32 live in int32_data
    if (static_cast<std::size_t>(t.int32_data_size()) != n)
      count_error(static_cast<std::size_t>(t.int32_data_size()));
    for (std::size_t i = 0; i < n; ++i)
      c.values[i] = t.int32_data(static_cast<int>(i));
    check_dtype_range(c, what);
    break;
  }
  return c;
}

Attributes::Attributes(const onnx::NodeProto &node, std::string where)
    : node_(node), where_(std::move(where)) {}

const onnx::AttributeProto *Attributes::find(const std::string &name, int type) const {
  for (const auto &a : node_.attribute()) {
    if (a.name() != name)
      continue;
    if (a.type() != type && a.type() != onnx::AttributeProto::UNDEFINED)
      fail(where_ + ": attribute '" + name + "' has the wrong type");
    return &a;
  }
  return nullptr;
}

std::int64_t Attributes::get_int(const std::string &name, std::int64_t fallback) const {
  const auto *a = find(name, onnx::AttributeProto::INT);
  return a ? a->i() : fallback;
}

float Attributes::get_float(const std::string &name, float fallback) const {
  const auto *a = find(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : fallback;
}

std::string Attributes::get_string(const std::string &name, const std::string &fallback) const {
  const auto *a = find(name, onnx::AttributeProto::STRING);
  return a ? a->s() : fallback;
}

std::optional<std::vector<std::int64_t>> Attributes::get_ints(const std::string &name) const {
  const auto *a = find(name, onnx::AttributeProto::INTS);
  if (!a)
    return std::nullopt;
  if (a->ints_size() > 64)
    fail(where_ + ": attribute '" + name + "' has too many values");
  return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
}

const onnx::TensorProto *Attributes::get_tensor(const std::string &name) const {
  const auto *a = find(name, onnx::AttributeProto::TENSOR);
  return a && a->has_t() ? &a->t() : nullptr;
}

} // namespace samd::infer::onnx_detail
