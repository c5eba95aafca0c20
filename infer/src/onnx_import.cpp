// ONNX -> Graph. One pass over the nodes (ONNX requires topological order) with a symbol table
// from tensor names to activations, constants and pending QuantizeLinear outputs.
#include <samd/infer/onnx_import.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <system_error>
#include <variant>

#include "onnx_proto.hpp"

namespace samd::infer {
namespace {

using namespace onnx_detail;
using TP = onnx::TensorProto;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kMinOpset = 9, kMaxOpset = 21;

// A constant built by DequantizeLinear from integers: the integers and their parameters.
struct QuantConst {
  std::vector<double> q;
  std::vector<float> scale;
  std::vector<std::int32_t> zero_point;
  int axis = -1; // -1: one scale for the tensor
};

struct Constant {
  ConstTensor t; // real values (dequantized when quant is set)
  std::optional<QuantConst> quant;
};

// The output of a QuantizeLinear on an activation, waiting for its DequantizeLinear.
struct PendingQuant {
  int value = -1;
  FakeQuantParams fq;
  std::string node;
};

using Symbol = std::variant<int, Constant, PendingQuant>;

struct Range {
  double lo = -kInf, hi = kInf;
};

// ONNX QuantizeLinear of one real value (round half to even, then the zero point).
double quantize_real(double x, float scale, std::int32_t zp) {
  return std::nearbyint(x / scale) + zp;
}

class Importer {
public:
  Importer(const onnx::ModelProto &m, std::string what) : m_(m), what_(std::move(what)) {}

  Graph run() {
    check_opset();
    const onnx::GraphProto &gp = m_.graph();
    for (const auto &p : m_.metadata_props())
      g_.metadata[p.key()] = p.value();
    count_uses(gp);
    std::size_t decoded = 0;
    for (int i = 0; i < gp.initializer_size(); ++i) {
      const auto &t = gp.initializer(i);
      // Only what a node reads is decoded (8 bytes an element): an unused initializer costs no
      // memory and cannot fail the import.
      Constant c;
      if (uses_.count(t.name())) {
        c.t = decode_tensor(t, what_ + ": initializer '" + t.name() + "'");
        decoded += c.t.size();
        if (decoded > kMaxTotalConstElements)
          fail("the initializers read by nodes hold more than " +
               std::to_string(kMaxTotalConstElements) + " elements in total (at '" + t.name() +
               "')");
      }
      define(t.name(), std::move(c), "initializer");
    }
    define_input(gp);
    for (int i = 0; i < gp.node_size(); ++i)
      node(gp.node(i), i);
    define_output(gp);
    prune();
    return std::move(g_);
  }

private:
  [[noreturn]] void fail(const std::string &msg) const {
    throw ImportError("samd infer: " + what_ + ": " + msg);
  }

  // --- model-level checks -------------------------------------------------------------------
  void check_opset() {
    if (!m_.has_graph())
      fail("no graph (not an ONNX model, or truncated)");
    for (const auto &o : m_.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx")
        opset_ = o.version();
    if (opset_ < 0)
      fail("no opset for the default ONNX domain");
    if (opset_ < kMinOpset || opset_ > kMaxOpset)
      fail("opset " + std::to_string(opset_) + " is not supported (" + std::to_string(kMinOpset) +
           " to " + std::to_string(kMaxOpset) + ")");
  }

  void count_uses(const onnx::GraphProto &gp) {
    for (const auto &n : gp.node())
      for (const auto &in : n.input())
        if (!in.empty())
          ++uses_[in];
    for (const auto &o : gp.output())
      ++uses_[o.name()];
  }

  void define(const std::string &name, Symbol s, const std::string &by) {
    if (name.empty())
      fail(by + " has an empty name");
    if (sym_.count(name))
      fail("tensor '" + name + "' is defined twice (by " + by + ")");
    sym_.emplace(name, std::move(s));
  }

  void define_input(const onnx::GraphProto &gp) {
    for (const auto &in : gp.input()) {
      if (sym_.count(in.name()))
        continue; // an initializer listed as an input (IR < 4)
      if (g_.input >= 0)
        fail("more than one graph input ('" + g_.values[0].name + "', '" + in.name() + "')");
      if (!in.type().has_tensor_type() || in.type().tensor_type().elem_type() != TP::FLOAT)
        fail("graph input '" + in.name() + "' must be a float32 tensor");
      if (!in.type().tensor_type().has_shape())
        fail("graph input '" + in.name() + "' has no shape");
      Shape shape;
      const auto &dims = in.type().tensor_type().shape().dim();
      for (int d = 0; d < dims.size(); ++d) {
        if (d == 0) {
          shape.push_back(1); // the batch: any size
          continue;
        }
        if (!dims[d].has_dim_value() || dims[d].dim_value() < 1 || dims[d].dim_value() > (1 << 20))
          fail("graph input '" + in.name() + "' dimension " + std::to_string(d) +
               " must be a fixed size >= 1");
        shape.push_back(dims[d].dim_value());
      }
      if (shape.size() != 2 && shape.size() != 4)
        fail("graph input '" + in.name() + "' must be {N, K} or {N, C, H, W}; it has rank " +
             std::to_string(shape.size()));
      check_activation_size(shape, "graph input '" + in.name() + "'");
      g_.input = new_value(in.name(), shape, Range{}, -1);
      define(in.name(), g_.input, "the graph input");
    }
    if (g_.input < 0)
      fail("no graph input (every input is an initializer)");
  }

  void define_output(const onnx::GraphProto &gp) {
    if (gp.output_size() != 1)
      fail("the graph must have exactly one output; it has " + std::to_string(gp.output_size()));
    const std::string &name = gp.output(0).name();
    auto it = sym_.find(name);
    if (it == sym_.end())
      fail("graph output '" + name + "' is not produced by any node");
    if (!std::holds_alternative<int>(it->second))
      fail("graph output '" + name +
           "' must be an activation (not a constant or a QuantizeLinear output)");
    g_.output = std::get<int>(it->second);
    if (g_.output == g_.input)
      fail("the graph computes nothing (its output is its input)");
  }

  // Keep only the layers the output depends on.
  void prune() {
    std::vector<bool> needed_value(g_.values.size(), false);
    needed_value[static_cast<std::size_t>(g_.output)] = true;
    std::vector<bool> keep(g_.layers.size(), false);
    for (std::size_t i = g_.layers.size(); i-- > 0;) {
      if (!needed_value[static_cast<std::size_t>(g_.layers[i].output)])
        continue;
      keep[i] = true;
      for (int in : g_.layers[i].inputs)
        needed_value[static_cast<std::size_t>(in)] = true;
    }
    std::vector<Layer> kept;
    for (std::size_t i = 0; i < g_.layers.size(); ++i)
      if (keep[i])
        kept.push_back(std::move(g_.layers[i]));
    g_.layers = std::move(kept);
  }

  int new_value(const std::string &name, Shape shape, Range r, int producer) {
    g_.values.push_back(Value{name, std::move(shape)});
    range_.push_back(r);
    producer_.push_back(producer);
    aliased_.push_back(false);
    return static_cast<int>(g_.values.size()) - 1;
  }

  // --- node inputs ----------------------------------------------------------------------------
  std::string where(const onnx::NodeProto &n) const {
    return n.op_type() + " node '" + name_ + "'";
  }

  // A node's attributes, whose errors name the model file and the node.
  Attributes attributes(const onnx::NodeProto &n) const {
    return Attributes(n, what_ + ": " + where(n));
  }

  bool has_input(const onnx::NodeProto &n, int i) const {
    return i < n.input_size() && !n.input(i).empty();
  }

  const Symbol &input(const onnx::NodeProto &n, int i) const {
    if (!has_input(n, i))
      fail(where(n) + ": input " + std::to_string(i) + " is missing");
    auto it = sym_.find(n.input(i));
    if (it == sym_.end())
      fail(where(n) + ": input '" + n.input(i) +
           "' is not produced by any earlier node, initializer or graph input");
    return it->second;
  }

  int activation(const onnx::NodeProto &n, int i) const {
    const Symbol &s = input(n, i);
    if (const auto *p = std::get_if<PendingQuant>(&s))
      fail(where(n) + ": reads the QuantizeLinear output '" + n.input(i) + "' of node '" + p->node +
           "' directly; only a DequantizeLinear may read it");
    if (!std::holds_alternative<int>(s))
      fail(where(n) + ": input '" + n.input(i) + "' must be an activation, not a constant");
    return std::get<int>(s);
  }

  const Constant &constant(const onnx::NodeProto &n, int i) const {
    const Symbol &s = input(n, i);
    if (!std::holds_alternative<Constant>(s))
      fail(where(n) + ": input '" + n.input(i) + "' must be a constant (an initializer)");
    return std::get<Constant>(s);
  }

  float scalar(const onnx::NodeProto &n, int i, const char *what) const {
    const Constant &c = constant(n, i);
    if (c.t.size() != 1)
      fail(where(n) + ": " + what + " must be a single value; it has " +
           std::to_string(c.t.size()));
    return static_cast<float>(c.t.values[0]);
  }

  void define_output_value(const onnx::NodeProto &n, Symbol s) {
    if (n.output_size() < 1 || n.output(0).empty())
      fail(where(n) + ": has no output");
    for (int i = 1; i < n.output_size(); ++i)
      if (!n.output(i).empty() && uses_.count(n.output(i)))
        fail(where(n) + ": output " + std::to_string(i) + " ('" + n.output(i) +
             "') is not supported");
    define(n.output(0), std::move(s), where(n));
  }

  int add_layer(const onnx::NodeProto &n, Layer l, std::vector<int> inputs, Range r) {
    l.name = name_;
    l.op_type = n.op_type();
    l.inputs = std::move(inputs);
    std::vector<Shape> shapes;
    for (int v : l.inputs)
      shapes.push_back(g_.values[static_cast<std::size_t>(v)].shape);
    Shape out;
    try {
      out = infer_shape(l, shapes);
    } catch (const std::invalid_argument &e) {
      throw ImportError(std::string(e.what()) + " (in " + what_ + ")");
    }
    check_activation_size(out, where(n) + ": its output");
    l.output = new_value(n.output_size() > 0 ? n.output(0) : name_, out, r,
                         static_cast<int>(g_.layers.size()));
    g_.layers.push_back(std::move(l));
    return g_.layers.back().output;
  }

  // An activation of one image (the batch dimension is 1 here) within the importer's limit, so
  // that running the model fails here, naming the node, and not in an allocation.
  void check_activation_size(const Shape &shape, const std::string &what) const {
    if (kernels::element_count(shape, "activation") > kMaxActivationElements)
      fail(what + " " + kernels::to_string(shape) + " holds more than " +
           std::to_string(kMaxActivationElements) + " elements an image (1 GiB of float32)");
  }

  // --- nodes ----------------------------------------------------------------------------------
  void node(const onnx::NodeProto &n, int index) {
    name_ = n.name().empty() ? n.op_type() + "#" + std::to_string(index) : n.name();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      fail("unsupported op '" + n.domain() + "." + n.op_type() + "' at node '" + name_ + "'");
    const std::string &op = n.op_type();
    if (op == "Conv")
      return conv(n);
    if (op == "Gemm")
      return gemm(n);
    if (op == "MatMul")
      return matmul(n);
    if (op == "Relu")
      return clip(n, 0.0f, std::numeric_limits<float>::infinity());
    if (op == "Clip")
      return clip_node(n);
    if (op == "MaxPool" || op == "AveragePool")
      return pool(n);
    if (op == "GlobalAveragePool")
      return global_pool(n);
    if (op == "Flatten")
      return flatten(n);
    if (op == "Reshape")
      return reshape(n);
    if (op == "Add")
      return add(n);
    if (op == "BatchNormalization")
      return batch_norm(n);
    if (op == "QuantizeLinear")
      return quantize_linear(n);
    if (op == "DequantizeLinear")
      return dequantize_linear(n);
    if (op == "Identity" || op == "Dropout")
      return alias(n);
    if (op == "Constant")
      return constant_node(n);
    fail("unsupported op '" + op + "' at node '" + name_ +
         "' (supported: Conv, Gemm, MatMul, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, "
         "Flatten, "
         "Reshape, Add, BatchNormalization, QuantizeLinear, DequantizeLinear, Identity, Dropout, "
         "Constant)");
  }

  // Explicit pads or auto_pad for a 2-D window over an input of h x w.
  void window_pads(const onnx::NodeProto &n, const Attributes &a, std::int64_t h, std::int64_t w,
                   std::int64_t kh, std::int64_t kw, std::int64_t sh, std::int64_t sw,
                   std::int64_t dh, std::int64_t dw, std::int64_t pads[4]) const {
    const std::string autopad = a.get_string("auto_pad", "NOTSET");
    std::fill(pads, pads + 4, 0);
    if (autopad == "NOTSET") {
      if (auto p = a.get_ints("pads")) {
        if (p->size() != 4)
          fail(where(n) + ": pads must have 4 values for a 2-D window");
        pads[0] = (*p)[0], pads[1] = (*p)[1], pads[2] = (*p)[2], pads[3] = (*p)[3];
      }
    } else if (autopad == "SAME_UPPER" || autopad == "SAME_LOWER") {
      const std::int64_t in[2] = {h, w}, k[2] = {kh, kw}, s[2] = {sh, sw}, d[2] = {dh, dw};
      for (int i = 0; i < 2; ++i) {
        if (s[i] < 1 || s[i] > 4096 || k[i] < 1 || k[i] > 4096 || d[i] < 1 || d[i] > 4096)
          fail(where(n) + ": kernel, stride and dilation must be in 1..4096");
        const std::int64_t out = (in[i] + s[i] - 1) / s[i];
        const std::int64_t total =
            std::max<std::int64_t>(0, (out - 1) * s[i] + d[i] * (k[i] - 1) + 1 - in[i]);
        const std::int64_t small = total / 2, big = total - small;
        pads[i] = autopad == "SAME_UPPER" ? small : big;
        pads[i + 2] = autopad == "SAME_UPPER" ? big : small;
      }
    } else if (autopad != "VALID") {
      fail(where(n) + ": auto_pad '" + autopad + "' is not supported");
    }
  }

  std::vector<std::int64_t> pair_attr(const onnx::NodeProto &n, const Attributes &a,
                                      const char *name) const {
    auto v = a.get_ints(name);
    if (!v)
      return {1, 1};
    if (v->size() != 2)
      fail(where(n) + ": " + name + " must have 2 values (only 2-D windows are supported)");
    return *v;
  }

  Weights make_weights(const onnx::NodeProto &n, const Constant &c) const {
    if (c.t.is_integer() && !c.quant)
      fail(where(n) + ": the weights are " + dtype_name(c.t.dtype) + " without a DequantizeLinear");
    if (c.t.size() == 0)
      fail(where(n) + ": the weights " + kernels::to_string(c.t.shape) + " are empty");
    Weights w;
    w.real.shape = c.t.shape;
    w.real.data.assign(c.t.values.begin(), c.t.values.end());
    for (float v : w.real.data)
      if (!std::isfinite(v))
        fail(where(n) + ": the weights hold a value that is not finite");
    if (c.quant) {
      const QuantConst &q = *c.quant;
      if (q.scale.size() > 1 && q.axis != 0)
        fail(where(n) + ": weights quantized along axis " + std::to_string(q.axis) +
             "; only per-tensor or per-output-channel (axis 0) quantization is supported");
      w.quant =
          QuantWeights{std::vector<std::int64_t>(q.q.begin(), q.q.end()), q.scale, q.zero_point};
    }
    return w;
  }

  Bias make_bias(const onnx::NodeProto &n, const Constant &c, std::int64_t channels) const {
    if (static_cast<std::int64_t>(c.t.size()) != channels)
      fail(where(n) + ": " + std::to_string(c.t.size()) + " bias values for " +
           std::to_string(channels) + " channels");
    Bias b;
    b.real.assign(c.t.values.begin(), c.t.values.end());
    for (float v : b.real)
      if (!std::isfinite(v))
        fail(where(n) + ": the bias holds a value that is not finite");
    if (c.quant && c.t.dtype == TP::FLOAT && c.quant->scale.size() >= 1) {
      const QuantConst &q = *c.quant;
      if (q.scale.size() != 1 && static_cast<std::int64_t>(q.scale.size()) != channels)
        return b;
      for (std::size_t i = 0; i < q.q.size(); ++i) {
        const std::int32_t zp = q.zero_point.size() == 1 ? q.zero_point[0] : q.zero_point[i];
        b.q.push_back(static_cast<std::int64_t>(q.q[i]) - zp);
      }
      b.scale = q.scale;
    }
    return b;
  }

  void conv(const onnx::NodeProto &n) {
    const int x = activation(n, 0);
    const Constant &wc = constant(n, 1);
    if (wc.t.shape.size() != 4)
      fail(where(n) + ": only 2-D convolution is supported; the weights have shape " +
           kernels::to_string(wc.t.shape));
    const Attributes a = attributes(n);
    Layer l;
    l.kind = LayerKind::Conv;
    l.weights = make_weights(n, wc);
    const Shape &ws = wc.t.shape;
    const Shape &xs = g_.values[static_cast<std::size_t>(x)].shape;
    if (xs.size() != 4)
      fail(where(n) + ": input must be {N, C, H, W}; got " + kernels::to_string(xs));
    ConvParams &p = l.conv;
    p.kernel_h = ws[2], p.kernel_w = ws[3];
    if (auto k = a.get_ints("kernel_shape");
        k && (k->size() != 2 || (*k)[0] != ws[2] || (*k)[1] != ws[3]))
      fail(where(n) + ": kernel_shape does not match the weights " + kernels::to_string(ws));
    const auto s = pair_attr(n, a, "strides"), d = pair_attr(n, a, "dilations");
    p.stride_h = s[0], p.stride_w = s[1], p.dilation_h = d[0], p.dilation_w = d[1];
    p.groups = a.get_int("group", 1);
    std::int64_t pads[4];
    window_pads(n, a, xs[2], xs[3], p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.dilation_h,
                p.dilation_w, pads);
    p.pad_top = pads[0], p.pad_left = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
    if (has_input(n, 2))
      l.bias = make_bias(n, constant(n, 2), ws[0]);
    define_output_value(n, add_layer(n, std::move(l), {x}, Range{}));
  }

  // Gemm weights are kept as {N, K}: a {K, N} matrix is transposed (with its quantization axis).
  static Constant transposed(const Constant &c) {
    Constant t = c;
    const std::int64_t K = c.t.shape[0], N = c.t.shape[1];
    t.t.shape = {N, K};
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t j = 0; j < N; ++j)
        t.t.values[static_cast<std::size_t>(j * K + k)] =
            c.t.values[static_cast<std::size_t>(k * N + j)];
    if (c.quant) {
      for (std::int64_t k = 0; k < K; ++k)
        for (std::int64_t j = 0; j < N; ++j)
          t.quant->q[static_cast<std::size_t>(j * K + k)] =
              c.quant->q[static_cast<std::size_t>(k * N + j)];
      if (c.quant->scale.size() > 1)
        t.quant->axis = c.quant->axis == 1 ? 0 : 1;
    }
    return t;
  }

  void fully_connected(const onnx::NodeProto &n, int x, const Constant &w_kn_or_nk, bool is_nk,
                       float alpha, const Constant *bias, float beta) {
    if (w_kn_or_nk.t.shape.size() != 2)
      fail(where(n) + ": the weights must be a matrix; got shape " +
           kernels::to_string(w_kn_or_nk.t.shape));
    const Constant w = is_nk ? w_kn_or_nk : transposed(w_kn_or_nk);
    Layer l;
    l.kind = LayerKind::Gemm;
    l.weights = make_weights(n, w);
    if (alpha != 1.0f) {
      if (!(alpha > 0.0f) || !std::isfinite(alpha))
        fail(where(n) + ": alpha must be finite and > 0");
      for (float &v : l.weights.real.data)
        v *= alpha;
      if (l.weights.quant)
        for (float &s : l.weights.quant->scale)
          s *= alpha;
    }
    const std::int64_t N = w.t.shape[0];
    if (bias && beta != 0.0f) {
      Constant b = *bias;
      if (b.t.size() == 1 && N != 1) {
        b.t.values.assign(static_cast<std::size_t>(N), b.t.values[0]);
        b.quant.reset();
      }
      if (b.t.shape.size() == 2 && b.t.shape[0] != 1)
        fail(where(n) + ": bias C of shape " + kernels::to_string(b.t.shape) +
             " is not a row vector");
      l.bias = make_bias(n, b, N);
      if (beta != 1.0f) {
        for (float &v : l.bias.real)
          v *= beta;
        l.bias.q.clear();
      }
    }
    define_output_value(n, add_layer(n, std::move(l), {x}, Range{}));
  }

  void gemm(const onnx::NodeProto &n) {
    const Attributes a = attributes(n);
    if (a.get_int("transA", 0) != 0)
      fail(where(n) + ": transA = 1 is not supported");
    const Constant *c = has_input(n, 2) ? &constant(n, 2) : nullptr;
    fully_connected(n, activation(n, 0), constant(n, 1), a.get_int("transB", 0) != 0,
                    a.get_float("alpha", 1.0f), c, a.get_float("beta", 1.0f));
  }

  void matmul(const onnx::NodeProto &n) {
    fully_connected(n, activation(n, 0), constant(n, 1), false, 1.0f, nullptr, 1.0f);
  }

  void clip(const onnx::NodeProto &n, float lo, float hi) {
    if (std::isnan(lo) || std::isnan(hi) || lo > hi)
      fail(where(n) + ": empty or NaN clip range");
    const int x = activation(n, 0);
    Layer l;
    l.kind = n.op_type() == "Relu" ? LayerKind::Relu : LayerKind::Clip;
    l.clip_lo = lo, l.clip_hi = hi;
    const Range in = range_[static_cast<std::size_t>(x)];
    const Range r{std::max<double>(in.lo, lo), std::min<double>(in.hi, hi)};
    define_output_value(n, add_layer(n, std::move(l), {x}, r));
  }

  void clip_node(const onnx::NodeProto &n) {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (opset_ < 11) {
      const Attributes a = attributes(n);
      lo = a.get_float("min", lo);
      hi = a.get_float("max", hi);
    } else {
      if (has_input(n, 1))
        lo = scalar(n, 1, "min");
      if (has_input(n, 2))
        hi = scalar(n, 2, "max");
    }
    clip(n, lo, hi);
  }

  void pool(const onnx::NodeProto &n) {
    const int x = activation(n, 0);
    const Attributes a = attributes(n);
    if (a.get_int("ceil_mode", 0) != 0)
      fail(where(n) + ": ceil_mode = 1 is not supported");
    if (a.get_int("storage_order", 0) != 0)
      fail(where(n) + ": storage_order = 1 is not supported");
    auto k = a.get_ints("kernel_shape");
    if (!k || k->size() != 2)
      fail(where(n) + ": kernel_shape must have 2 values (only 2-D pooling is supported)");
    const Shape &xs = g_.values[static_cast<std::size_t>(x)].shape;
    if (xs.size() != 4)
      fail(where(n) + ": input must be {N, C, H, W}; got " + kernels::to_string(xs));
    Layer l;
    l.kind = n.op_type() == "MaxPool" ? LayerKind::MaxPool : LayerKind::AvgPool;
    PoolParams &p = l.pool;
    p.kernel_h = (*k)[0], p.kernel_w = (*k)[1];
    const auto s = pair_attr(n, a, "strides"), d = pair_attr(n, a, "dilations");
    p.stride_h = s[0], p.stride_w = s[1], p.dilation_h = d[0], p.dilation_w = d[1];
    p.count_include_pad = a.get_int("count_include_pad", 0) != 0;
    std::int64_t pads[4];
    window_pads(n, a, xs[2], xs[3], p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.dilation_h,
                p.dilation_w, pads);
    p.pad_top = pads[0], p.pad_left = pads[1], p.pad_bottom = pads[2], p.pad_right = pads[3];
    define_output_value(n, add_layer(n, std::move(l), {x}, range_[static_cast<std::size_t>(x)]));
  }

  void global_pool(const onnx::NodeProto &n) {
    const int x = activation(n, 0);
    Layer l;
    l.kind = LayerKind::GlobalAvgPool;
    define_output_value(n, add_layer(n, std::move(l), {x}, range_[static_cast<std::size_t>(x)]));
  }

  void flatten(const onnx::NodeProto &n) {
    const int x = activation(n, 0);
    const Attributes a = attributes(n);
    const auto rank =
        static_cast<std::int64_t>(g_.values[static_cast<std::size_t>(x)].shape.size());
    std::int64_t axis = a.get_int("axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis != 1)
      fail(where(n) + ": only axis = 1 (keep the batch, flatten the rest) is supported");
    Layer l;
    l.kind = LayerKind::Reshape;
    l.reshape = {0, -1};
    define_output_value(n, add_layer(n, std::move(l), {x}, range_[static_cast<std::size_t>(x)]));
  }

  void reshape(const onnx::NodeProto &n) {
    const int x = activation(n, 0);
    const Constant &shape = constant(n, 1);
    if (shape.t.shape.size() != 1 || shape.t.size() > 8)
      fail(where(n) + ": the target shape must be a 1-D constant of at most 8 values");
    if (attributes(n).get_int("allowzero", 0) != 0)
      fail(where(n) + ": allowzero = 1 is not supported");
    Layer l;
    l.kind = LayerKind::Reshape;
    for (double v : shape.t.values) {
      if (v < -1 || v > double(std::int64_t{1} << 40) || v != std::floor(v))
        fail(where(n) + ": target dimension " + std::to_string(v) + " is not valid");
      l.reshape.push_back(static_cast<std::int64_t>(v));
    }
    define_output_value(n, add_layer(n, std::move(l), {x}, range_[static_cast<std::size_t>(x)]));
  }

  // The Conv / Gemm layer whose output `x` is, when only the node at hand reads it (so that a
  // BatchNormalization or bias Add can be folded into it); nullptr otherwise.
  Layer *foldable_producer(const std::string &x_name, int x) {
    const int p = producer_[static_cast<std::size_t>(x)];
    if (p < 0 || aliased_[static_cast<std::size_t>(x)] || uses_[x_name] != 1)
      return nullptr;
    Layer &l = g_.layers[static_cast<std::size_t>(p)];
    if (l.kind != LayerKind::Conv && l.kind != LayerKind::Gemm)
      return nullptr;
    return &l;
  }

  // A constant that holds one value per channel of a Conv / Gemm output (broadcast along it).
  // (BatchNormalization's parameters are 1-D by definition: `one_d`.)
  std::vector<double> per_channel(const onnx::NodeProto &n, const Constant &c, const Layer &l,
                                  bool one_d = false) const {
    const std::int64_t channels = l.weights.real.shape[0];
    if (one_d) {
      if (c.t.shape.size() != 1 || c.t.shape[0] != channels)
        fail(where(n) + ": parameter of shape " + kernels::to_string(c.t.shape) + " for " +
             std::to_string(channels) + " channels of '" + l.name + "'");
      return c.t.values;
    }
    const std::size_t out_rank = l.kind == LayerKind::Conv ? 4 : 2;
    if (c.t.size() == 1)
      return std::vector<double>(static_cast<std::size_t>(channels), c.t.values[0]);
    const Shape &s = c.t.shape;
    bool ok = s.size() <= out_rank && static_cast<std::int64_t>(c.t.size()) == channels;
    for (std::size_t i = 0; ok && i < s.size(); ++i) {
      const std::size_t axis = out_rank - s.size() + i; // right-aligned broadcasting
      ok = axis == 1 ? s[i] == channels : s[i] == 1;
    }
    if (!ok)
      fail(where(n) + ": the constant of shape " + kernels::to_string(s) +
           " is not one value per channel of '" + l.name + "' (" + std::to_string(channels) +
           " channels)");
    return c.t.values;
  }

  void add(const onnx::NodeProto &n) {
    const Symbol &a = input(n, 0);
    const Symbol &b = input(n, 1);
    const bool ca = std::holds_alternative<Constant>(a), cb = std::holds_alternative<Constant>(b);
    if (!ca && !cb) {
      const int x = activation(n, 0), y = activation(n, 1);
      Layer l;
      l.kind = LayerKind::Add;
      define_output_value(n, add_layer(n, std::move(l), {x, y}, Range{}));
      return;
    }
    if (ca && cb)
      fail(where(n) + ": adds two constants (fold them before export)");
    const int x = activation(n, ca ? 1 : 0);
    Layer *l = foldable_producer(n.input(ca ? 1 : 0), x);
    if (!l)
      fail(where(n) +
           ": adds a constant to an activation that is not the output of a Conv, Gemm or MatMul "
           "read only here; only bias Adds (folded into that layer) are supported");
    const std::vector<double> c = per_channel(n, std::get<Constant>(ca ? a : b), *l);
    if (l->bias.real.empty())
      l->bias.real.assign(c.size(), 0.0f);
    for (std::size_t i = 0; i < c.size(); ++i)
      l->bias.real[i] += static_cast<float>(c[i]);
    l->bias.q.clear();
    define_output_value(n, x);
  }

  void batch_norm(const onnx::NodeProto &n) {
    const int x = activation(n, 0);
    const Attributes a = attributes(n);
    if (a.get_int("training_mode", 0) != 0)
      fail(where(n) + ": training_mode = 1 is not supported");
    Layer *l = foldable_producer(n.input(0), x);
    if (!l)
      fail(
          where(n) +
          ": must follow a Conv or Gemm whose output only it reads (it is folded into that layer)");
    const float eps = a.get_float("epsilon", 1e-5f);
    const std::vector<double> gamma = per_channel(n, constant(n, 1), *l, true),
                              beta = per_channel(n, constant(n, 2), *l, true),
                              mean = per_channel(n, constant(n, 3), *l, true),
                              var = per_channel(n, constant(n, 4), *l, true);
    const std::size_t channels = gamma.size();
    std::vector<double> k(channels);
    for (std::size_t c = 0; c < channels; ++c) {
      if (!(var[c] + eps > 0))
        fail(where(n) + ": variance + epsilon must be > 0 (channel " + std::to_string(c) + ")");
      k[c] = gamma[c] / std::sqrt(var[c] + eps);
      if (!std::isfinite(k[c]))
        fail(where(n) + ": the scale of channel " + std::to_string(c) + " is not finite");
    }
    // y = k * (conv(x) + b - mean) + beta: scale the weights, fold the rest into the bias.
    const std::size_t per = l->weights.real.data.size() / channels;
    for (std::size_t i = 0; i < l->weights.real.data.size(); ++i) {
      l->weights.real.data[i] = static_cast<float>(l->weights.real.data[i] * k[i / per]);
      if (!std::isfinite(l->weights.real.data[i]))
        fail(where(n) + ": folded into '" + l->name + "', it makes weight " + std::to_string(i) +
             " (channel " + std::to_string(i / per) + ") overflow float32");
    }
    if (l->weights.quant) {
      QuantWeights &q = *l->weights.quant;
      if (q.scale.size() == 1)
        q.scale.assign(channels, q.scale[0]);
      if (q.zero_point.size() == 1)
        q.zero_point.assign(channels, q.zero_point[0]);
      for (std::size_t c = 0; c < channels; ++c) {
        if (!(k[c] > 0))
          fail(where(n) + ": channel " + std::to_string(c) +
               " has a factor <= 0, which cannot be folded into "
               "the scale of quantized weights (fold BatchNormalization before quantizing)");
        q.scale[c] = static_cast<float>(q.scale[c] * k[c]);
        if (!(q.scale[c] > 0) || !std::isfinite(q.scale[c]))
          fail(where(n) + ": folded into '" + l->name + "', it makes the weight scale of channel " +
               std::to_string(c) + " " + std::to_string(q.scale[c]) + ", not a finite float32 > 0");
      }
    }
    if (l->bias.real.empty())
      l->bias.real.assign(channels, 0.0f);
    for (std::size_t c = 0; c < channels; ++c) {
      l->bias.real[c] = static_cast<float>((l->bias.real[c] - mean[c]) * k[c] + beta[c]);
      if (!std::isfinite(l->bias.real[c]))
        fail(where(n) + ": folded into '" + l->name + "', it makes the bias of channel " +
             std::to_string(c) + " overflow float32");
    }
    l->bias.q.clear();
    define_output_value(n, x);
  }

  // Scale and zero point inputs of QuantizeLinear / DequantizeLinear: one value per tensor, or
  // per slice along `axis` of a constant.
  void quant_params(const onnx::NodeProto &n, const Shape &x_shape, bool per_tensor_only,
                    std::vector<float> &scale, std::vector<std::int32_t> &zp, int &zp_dtype,
                    int &axis) const {
    const Constant &s = constant(n, 1);
    if (s.t.size() == 0)
      fail(where(n) + ": empty scale");
    scale.assign(s.t.values.begin(), s.t.values.end());
    for (float v : scale)
      if (!(v > 0.0f) || !std::isfinite(v))
        fail(where(n) + ": scale " + std::to_string(v) + " must be finite and > 0");
    zp_dtype = TP::UINT8;
    zp.assign(scale.size(), 0);
    if (has_input(n, 2)) {
      const Constant &z = constant(n, 2);
      if (z.t.size() != scale.size())
        fail(where(n) + ": " + std::to_string(z.t.size()) + " zero points for " +
             std::to_string(scale.size()) + " scales");
      zp_dtype = z.t.dtype;
      for (std::size_t i = 0; i < zp.size(); ++i) {
        if (!(std::fabs(z.t.values[i]) <= 2147483647.0)) // NaN too
          fail(where(n) + ": zero point " + std::to_string(z.t.values[i]) +
               " is not an int32 value");
        zp[i] = static_cast<std::int32_t>(z.t.values[i]);
      }
    }
    axis = -1;
    if (scale.size() > 1) {
      if (per_tensor_only)
        fail(where(n) + ": an activation must be quantized per tensor (one scale)");
      const auto rank = static_cast<std::int64_t>(x_shape.size());
      std::int64_t ax = attributes(n).get_int("axis", 1);
      if (ax < 0)
        ax += rank;
      if (ax < 0 || ax >= rank ||
          x_shape[static_cast<std::size_t>(ax)] != static_cast<std::int64_t>(scale.size()))
        fail(where(n) + ": " + std::to_string(scale.size()) + " scales do not match axis " +
             std::to_string(ax) + " of shape " + kernels::to_string(x_shape));
      axis = static_cast<int>(ax);
    }
  }

  static std::size_t slice_of(const Shape &shape, int axis, std::size_t flat) {
    if (axis < 0)
      return 0;
    std::size_t inner = 1;
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d)
      inner *= static_cast<std::size_t>(shape[d]);
    return (flat / inner) % static_cast<std::size_t>(shape[static_cast<std::size_t>(axis)]);
  }

  void quantize_linear(const onnx::NodeProto &n) {
    const Symbol &in = input(n, 0);
    std::vector<float> scale;
    std::vector<std::int32_t> zp;
    int dtype = 0, axis = -1;
    std::int64_t lo = 0, hi = 0;
    if (const int *v = std::get_if<int>(&in)) {
      quant_params(n, g_.values[static_cast<std::size_t>(*v)].shape, true, scale, zp, dtype, axis);
      if (!quant_dtype_range(dtype, lo, hi))
        fail(where(n) + ": output type " + dtype_name(dtype) + " is not supported");
      if (zp[0] < lo || zp[0] > hi)
        fail(where(n) + ": zero point " + std::to_string(zp[0]) + " outside its type");
      // The value range known before the QuantizeLinear (a Clip or Relu) narrows the integers:
      // that is how a standard ONNX file states a width below 8 bits.
      const Range r = range_[static_cast<std::size_t>(*v)];
      if (std::isfinite(r.lo))
        lo = std::max<std::int64_t>(lo, static_cast<std::int64_t>(std::clamp(
                                            quantize_real(r.lo, scale[0], zp[0]), -1e12, 1e12)));
      if (std::isfinite(r.hi))
        hi = std::min<std::int64_t>(hi, static_cast<std::int64_t>(std::clamp(
                                            quantize_real(r.hi, scale[0], zp[0]), -1e12, 1e12)));
      if (lo > hi)
        fail(where(n) + ": the clipped range quantizes to no integer");
      PendingQuant p{*v, FakeQuantParams{scale[0], zp[0], lo, hi}, name_};
      define_output_value(n, p);
      return;
    }
    if (!std::holds_alternative<Constant>(in))
      fail(where(n) + ": quantizes the output of another QuantizeLinear");
    const Constant &c = std::get<Constant>(in);
    quant_params(n, c.t.shape, false, scale, zp, dtype, axis);
    if (!quant_dtype_range(dtype, lo, hi))
      fail(where(n) + ": output type " + dtype_name(dtype) + " is not supported");
    Constant q;
    q.t.shape = c.t.shape;
    q.t.dtype = dtype;
    q.t.values.resize(c.t.size());
    for (std::size_t i = 0; i < c.t.size(); ++i) {
      const std::size_t s = slice_of(c.t.shape, axis, i);
      if (std::isnan(c.t.values[i]))
        fail(where(n) + ": quantizes a NaN");
      q.t.values[i] =
          std::clamp(quantize_real(c.t.values[i], scale[s], zp[s]), double(lo), double(hi));
    }
    define_output_value(n, q);
  }

  void dequantize_linear(const onnx::NodeProto &n) {
    const Symbol &in = input(n, 0);
    std::vector<float> scale;
    std::vector<std::int32_t> zp;
    int zp_dtype = 0, axis = -1;
    if (const auto *p = std::get_if<PendingQuant>(&in)) {
      quant_params(n, g_.values[static_cast<std::size_t>(p->value)].shape, true, scale, zp,
                   zp_dtype, axis);
      if (scale[0] != p->fq.scale || zp[0] != p->fq.zero_point)
        fail(where(n) + ": uses a scale / zero point different from its QuantizeLinear '" +
             p->node + "'");
      Layer l;
      l.kind = LayerKind::FakeQuant;
      l.fq = p->fq;
      const Range r{double(scale[0]) * double(p->fq.qmin - p->fq.zero_point),
                    double(scale[0]) * double(p->fq.qmax - p->fq.zero_point)};
      define_output_value(n, add_layer(n, std::move(l), {p->value}, r));
      return;
    }
    if (std::holds_alternative<int>(in))
      fail(where(n) + ": dequantizes an activation that no QuantizeLinear produced");
    const Constant &c = std::get<Constant>(in);
    // The types ONNX allows here (opset <= 21, without the 4-bit and float8 ones).
    if (c.t.dtype != TP::INT8 && c.t.dtype != TP::UINT8 && c.t.dtype != TP::INT32 &&
        c.t.dtype != TP::INT16 && c.t.dtype != TP::UINT16)
      fail(where(n) + ": dequantizes a " + dtype_name(c.t.dtype) +
           " tensor; expected int8, uint8, int16, uint16 or int32");
    quant_params(n, c.t.shape, false, scale, zp, zp_dtype, axis);
    if (has_input(n, 2) && zp_dtype != c.t.dtype)
      fail(where(n) + ": zero point type " + dtype_name(zp_dtype) + " differs from the input's " +
           dtype_name(c.t.dtype));
    Constant d;
    d.t.shape = c.t.shape;
    d.t.dtype = TP::FLOAT;
    d.t.values.resize(c.t.size());
    QuantConst qc{c.t.values, scale, zp, axis};
    for (std::size_t i = 0; i < c.t.size(); ++i) {
      const std::size_t s = slice_of(c.t.shape, axis, i);
      d.t.values[i] = static_cast<float>(static_cast<float>(c.t.values[i] - zp[s]) * scale[s]);
    }
    d.quant = std::move(qc);
    define_output_value(n, d);
  }

  // Identity / Dropout (inference): another name for the same tensor.
  void alias(const onnx::NodeProto &n) {
    const Symbol &s = input(n, 0);
    if (const int *v = std::get_if<int>(&s))
      aliased_[static_cast<std::size_t>(*v)] = true;
    define_output_value(n, s);
  }

  void constant_node(const onnx::NodeProto &n) {
    const Attributes a = attributes(n);
    Constant c;
    if (const onnx::TensorProto *t = a.get_tensor("value")) {
      c.t = decode_tensor(*t, what_ + ": " + where(n));
    } else if (auto ints = a.get_ints("value_ints")) {
      c.t.dtype = TP::INT64;
      c.t.shape = {static_cast<std::int64_t>(ints->size())};
      c.t.values.assign(ints->begin(), ints->end());
    } else {
      fail(where(n) + ": only the 'value' and 'value_ints' forms are supported");
    }
    define_output_value(n, c);
  }

  const onnx::ModelProto &m_;
  std::string what_;
  std::int64_t opset_ = -1;
  std::string name_;
  Graph g_;
  std::map<std::string, Symbol> sym_;
  std::map<std::string, int> uses_;
  std::vector<Range> range_;
  std::vector<int> producer_;
  std::vector<bool> aliased_; // read under a second name: never folded into
};

} // namespace

Graph import_onnx_bytes(std::span<const std::uint8_t> bytes, const std::string &what) {
  if (bytes.size() > kMaxModelBytes)
    throw ImportError("samd infer: " + what + ": larger than 1 GiB");
  onnx::ModelProto m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw ImportError("samd infer: " + what +
                      ": not a valid ONNX model (the protobuf is malformed or truncated)");
  try {
    return Importer(m, what).run();
  } catch (const ImportError &) {
    throw;
  } catch (const std::exception &e) { // a kernels-level check (shape, element count)
    throw ImportError("samd infer: " + what + ": " + e.what());
  }
}

Graph import_onnx_file(const std::string &path) {
  // Size first: a directory, a device or an endless stream is refused before anything is read.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw ImportError("samd infer: cannot open model '" + path + "'" +
                      (ec ? ": " + ec.message() : ""));
  if (!std::filesystem::is_regular_file(status))
    throw ImportError("samd infer: model '" + path + "' is not a regular file");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec)
    throw ImportError("samd infer: model '" + path + "': " + ec.message());
  if (size == 0)
    throw ImportError("samd infer: model '" + path + "' is empty");
  if (size > kMaxModelBytes)
    throw ImportError("samd infer: model '" + path + "' is larger than 1 GiB");
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw ImportError("samd infer: cannot open model '" + path + "'");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  f.read(reinterpret_cast<char *>(bytes.data()), static_cast<std::streamsize>(size));
  if (f.gcount() != static_cast<std::streamsize>(size))
    throw ImportError("samd infer: model '" + path + "': read " + std::to_string(f.gcount()) +
                      " of its " + std::to_string(size) + " bytes");
  return import_onnx_bytes(bytes, path);
}

} // namespace samd::infer
