// Building small ONNX models in C++ for the importer tests (no Python needed in CI).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace samd::infer::test {

class OnnxBuilder {
public:
  // input: {dims...} with dimension 0 the symbolic batch "N".
  explicit OnnxBuilder(std::vector<std::int64_t> input_dims, int opset = 13) {
    m_.set_ir_version(8);
    auto *o = m_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    g_ = m_.mutable_graph();
    g_->set_name("test");
    auto *in = g_->add_input();
    in->set_name("input");
    auto *tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (std::size_t i = 0; i < input_dims.size(); ++i) {
      auto *d = tt->mutable_shape()->add_dim();
      if (i == 0)
        d->set_dim_param("N");
      else
        d->set_dim_value(input_dims[i]);
    }
  }

  onnx::TensorProto *init(const std::string &name, int dtype, std::vector<std::int64_t> dims) {
    auto *t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(dtype);
    for (auto d : dims)
      t->add_dims(d);
    return t;
  }
  void floats(const std::string &name, std::vector<std::int64_t> dims,
              const std::vector<float> &v) {
    auto *t = init(name, onnx::TensorProto::FLOAT, dims);
    for (float f : v)
      t->add_float_data(f);
  }
  // int8 / uint8 / int32 values (int32_data storage).
  void ints(const std::string &name, int dtype, std::vector<std::int64_t> dims,
            const std::vector<std::int32_t> &v) {
    auto *t = init(name, dtype, dims);
    for (auto i : v)
      t->add_int32_data(i);
  }
  void int64s(const std::string &name, std::vector<std::int64_t> dims,
              const std::vector<std::int64_t> &v) {
    auto *t = init(name, onnx::TensorProto::INT64, dims);
    for (auto i : v)
      t->add_int64_data(i);
  }

  onnx::NodeProto *node(const std::string &op, std::initializer_list<std::string> in,
                        std::initializer_list<std::string> out, const std::string &name = "") {
    auto *n = g_->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + std::to_string(g_->node_size()) : name);
    for (const auto &s : in)
      n->add_input(s);
    for (const auto &s : out)
      n->add_output(s);
    return n;
  }
  static void attr(onnx::NodeProto *n, const std::string &name, std::int64_t v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr(onnx::NodeProto *n, const std::string &name, float v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void attr(onnx::NodeProto *n, const std::string &name, std::vector<std::int64_t> v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto i : v)
      a->add_ints(i);
  }

  // Scale and uint8 / int8 zero point, then QuantizeLinear -> DequantizeLinear of x.
  std::string qdq(const std::string &x, const std::string &name, float scale, std::int32_t zp,
                  int dtype) {
    floats(name + ".s", {}, {scale});
    ints(name + ".z", dtype, {}, {zp});
    node("QuantizeLinear", {x, name + ".s", name + ".z"}, {name + ".q"}, name + "/Q");
    node("DequantizeLinear", {name + ".q", name + ".s", name + ".z"}, {name + ".dq"}, name + "/DQ");
    return name + ".dq";
  }

  void output(const std::string &name) {
    auto *o = g_->add_output();
    o->set_name(name);
    o->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }

  std::string bytes() const { return m_.SerializeAsString(); }
  onnx::ModelProto &model() { return m_; }

private:
  onnx::ModelProto m_;
  onnx::GraphProto *g_;
};

} // namespace samd::infer::test
