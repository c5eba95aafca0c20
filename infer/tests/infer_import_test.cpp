// The importer on bad input (malformed, truncated, unsupported, mismatched) and on every
// supported op; the width derivation of sub-8-bit QDQ models.
#include <catch2/catch.hpp>

#include <samd/infer/infer.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "../src/quant_layout.hpp"
#include "onnx_builder.hpp"

using namespace samd::infer;
using samd::infer::test::OnnxBuilder;
using TP = onnx::TensorProto;

namespace {

Graph import(const std::string &bytes) {
  return import_onnx_bytes({reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size()},
                           "test model");
}

std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float &f : v)
    f = d(rng);
  return v;
}

// A small QDQ CNN: 8-bit input, conv 3x3 (weights in [-wmax, wmax]), Clip to `abits` unsigned,
// maxpool, flatten, gemm with binary (+-1) weights.
std::string qdq_cnn(std::int32_t wmax, unsigned abits, float as = 0.05f) {
  OnnxBuilder b({-1, 1, 6, 6});
  std::string x = b.qdq("input", "in", 1.0f / 255, 0, TP::UINT8);
  std::mt19937 rng(7);
  std::vector<std::int32_t> w(4 * 9), fc(3 * 4 * 3 * 3);
  for (auto &v : w)
    v = static_cast<std::int32_t>(rng() % (2 * wmax + 1)) - wmax;
  for (auto &v : fc)
    v = rng() % 2 ? 1 : -1;
  b.ints("w", TP::INT8, {4, 1, 3, 3}, w);
  b.floats("w.s", {4}, {0.02f, 0.03f, 0.025f, 0.04f});
  b.ints("w.z", TP::INT8, {4}, {0, 0, 0, 0});
  OnnxBuilder::attr(b.node("DequantizeLinear", {"w", "w.s", "w.z"}, {"w.dq"}, "w/DQ"), "axis",
                    std::int64_t{0});
  b.ints("bias", TP::INT32, {4}, {10, -20, 5, 0});
  b.floats("bias.s", {4}, {0.02f / 255, 0.03f / 255, 0.025f / 255, 0.04f / 255});
  OnnxBuilder::attr(b.node("DequantizeLinear", {"bias", "bias.s"}, {"bias.dq"}, "bias/DQ"), "axis",
                    std::int64_t{0});
  auto *conv = b.node("Conv", {x, "w.dq", "bias.dq"}, {"c"}, "conv");
  OnnxBuilder::attr(conv, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  b.floats("lo", {}, {0.0f});
  b.floats("hi", {}, {as * float((1 << abits) - 1)});
  b.node("Clip", {"c", "lo", "hi"}, {"r"}, "clip");
  std::string a = b.qdq("r", "act", as, 0, TP::UINT8);
  auto *mp = b.node("MaxPool", {a}, {"p"}, "pool");
  OnnxBuilder::attr(mp, "kernel_shape", std::vector<std::int64_t>{2, 2});
  OnnxBuilder::attr(mp, "strides", std::vector<std::int64_t>{2, 2});
  std::string pq = b.qdq("p", "pool", as, 0, TP::UINT8);
  b.node("Flatten", {pq}, {"f"}, "flatten");
  b.ints("fc", TP::INT8, {3, 36}, fc);
  b.floats("fc.s", {3}, {0.1f, 0.2f, 0.15f});
  b.ints("fc.z", TP::INT8, {3}, {0, 0, 0});
  OnnxBuilder::attr(b.node("DequantizeLinear", {"fc", "fc.s", "fc.z"}, {"fc.dq"}, "fc/DQ"), "axis",
                    std::int64_t{0});
  auto *gemm = b.node("Gemm", {"f", "fc.dq"}, {"logits"}, "gemm");
  OnnxBuilder::attr(gemm, "transB", std::int64_t{1});
  b.output("logits");
  return b.bytes();
}

// A float model with every supported op: Conv + BatchNormalization + Relu, grouped strided
// Conv + Clip, AveragePool with padding, a residual Add, GlobalAveragePool, Reshape, MatMul + Add.
std::string float_model(bool with_bn) {
  OnnxBuilder b({-1, 2, 8, 8});
  b.floats("w1", {4, 2, 3, 3}, random_floats(72, 1, -0.5f, 0.5f));
  b.floats("b1", {4}, {0.1f, -0.1f, 0.2f, 0.0f});
  auto *c1 = b.node("Conv", {"input", "w1", "b1"}, {"c1"}, "conv1");
  OnnxBuilder::attr(c1, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  std::string y = "c1";
  if (with_bn) {
    b.floats("g", {4}, {1.5f, 0.5f, -1.0f, 2.0f});
    b.floats("be", {4}, {0.1f, 0.2f, 0.3f, -0.4f});
    b.floats("mu", {4}, {0.05f, -0.1f, 0.0f, 0.2f});
    b.floats("var", {4}, {1.0f, 0.25f, 2.0f, 0.5f});
    auto *bn = b.node("BatchNormalization", {"c1", "g", "be", "mu", "var"}, {"bn"}, "bn1");
    OnnxBuilder::attr(bn, "epsilon", 1e-5f);
    y = "bn";
  }
  b.node("Relu", {y}, {"r1"}, "relu1");
  b.floats("w2", {4, 2, 3, 3}, random_floats(72, 2, -0.5f, 0.5f));
  auto *c2 = b.node("Conv", {"r1", "w2"}, {"c2"}, "conv2");
  OnnxBuilder::attr(c2, "group", std::int64_t{2});
  OnnxBuilder::attr(c2, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  b.floats("lo", {}, {0.0f});
  b.floats("hi", {}, {6.0f});
  b.node("Clip", {"c2", "lo", "hi"}, {"r2"}, "clip2");
  auto *ap = b.node("AveragePool", {"r2"}, {"ap"}, "avgpool");
  OnnxBuilder::attr(ap, "kernel_shape", std::vector<std::int64_t>{3, 3});
  OnnxBuilder::attr(ap, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  OnnxBuilder::attr(ap, "count_include_pad", std::int64_t{1});
  b.node("Add", {"ap", "r1"}, {"sum"}, "residual");
  b.node("Relu", {"sum"}, {"rs"}, "relu_sum");
  b.node("GlobalAveragePool", {"rs"}, {"gap"}, "gap");
  b.int64s("shape", {2}, {0, -1});
  b.node("Reshape", {"gap", "shape"}, {"flat"}, "reshape");
  b.floats("wm", {4, 3}, random_floats(12, 3));
  b.node("MatMul", {"flat", "wm"}, {"mm"}, "matmul");
  b.floats("bm", {3}, {0.5f, -0.5f, 0.25f});
  b.node("Add", {"mm", "bm"}, {"logits"}, "bias_add");
  b.output("logits");
  return b.bytes();
}

template <class F> std::string error_of(F &&f) {
  try {
    f();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("malformed or truncated ONNX is an ImportError, never a crash", "[infer][import]") {
  CHECK_THROWS_AS(import(""), ImportError);
  CHECK_THROWS_WITH(import("this is not a protobuf \xff\xff\xff"),
                    Catch::Contains("not a valid ONNX model"));
  const std::string good = qdq_cnn(7, 4);
  REQUIRE_NOTHROW(import(good));
  int rejected = 0;
  for (std::size_t len = 0; len < good.size(); len += 3) {
    try {
      import(good.substr(0, len));
    } catch (const ImportError &) {
      ++rejected;
    }
  }
  CHECK(rejected > int(good.size() / 3) * 9 / 10);
  CHECK_THROWS_WITH(import_onnx_file("/nonexistent/model.onnx"),
                    Catch::Contains("cannot open model"));
}

TEST_CASE("an unsupported op names its node and op type", "[infer][import]") {
  OnnxBuilder b({-1, 4});
  b.node("Softmax", {"input"}, {"probs"}, "head/softmax");
  b.output("probs");
  const std::string e = error_of([&] { import(b.bytes()); });
  CHECK_THAT(e, Catch::Contains("unsupported op 'Softmax'") && Catch::Contains("head/softmax"));
}

TEST_CASE("shapes that do not fit are clear errors", "[infer][import]") {
  OnnxBuilder b({-1, 784});
  b.floats("w", {100, 10}, std::vector<float>(1000, 0.0f));
  b.node("MatMul", {"input", "w"}, {"y"}, "fc");
  b.output("y");
  CHECK_THAT(error_of([&] { import(b.bytes()); }),
             Catch::Contains("'fc'") && Catch::Contains("K = 784"));

  OnnxBuilder c({-1, 3, 8, 8});
  c.floats("w", {4, 2, 3, 3}, std::vector<float>(72, 0.0f));
  c.node("Conv", {"input", "w"}, {"y"}, "conv");
  c.output("y");
  CHECK_THAT(error_of([&] { import(c.bytes()); }),
             Catch::Contains("'conv'") && Catch::Contains("3 channels"));

  OnnxBuilder d({-1, 4});
  d.node("Relu", {"missing"}, {"y"}, "r");
  d.output("y");
  CHECK_THAT(error_of([&] { import(d.bytes()); }), Catch::Contains("'missing' is not produced"));

  OnnxBuilder e({-1, 4});
  e.floats("w", {2, 2}, {1, 2, 3}); // 3 values for 4 elements
  e.node("MatMul", {"input", "w"}, {"y"}, "fc");
  e.output("y");
  CHECK_THAT(error_of([&] { import(e.bytes()); }), Catch::Contains("truncated or malformed"));
}

TEST_CASE("every supported op imports; BatchNormalization and bias Adds are folded",
          "[infer][import]") {
  const Graph g = import(float_model(true));
  for (const Layer &l : g.layers)
    CHECK(l.op_type != "BatchNormalization");
  const FloatTensor x{{2, 2, 8, 8}, random_floats(256, 4)};
  const FloatTensor y = run_float(g, x);
  REQUIRE(y.shape == samd::kernels::Shape{2, 3});

  // The same network with BatchNormalization folded by hand.
  const Graph h = import(float_model(false));
  Graph folded = h;
  const float gamma[] = {1.5f, 0.5f, -1.0f, 2.0f}, beta[] = {0.1f, 0.2f, 0.3f, -0.4f},
              mu[] = {0.05f, -0.1f, 0.0f, 0.2f}, var[] = {1.0f, 0.25f, 2.0f, 0.5f};
  Layer &conv1 = folded.layers[0];
  for (std::size_t c = 0; c < 4; ++c) {
    const float k = gamma[c] / std::sqrt(var[c] + 1e-5f);
    for (std::size_t i = 0; i < 18; ++i)
      conv1.weights.real.data[c * 18 + i] *= k;
    conv1.bias.real[c] = (conv1.bias.real[c] - mu[c]) * k + beta[c];
  }
  const FloatTensor z = run_float(folded, x);
  for (std::size_t i = 0; i < y.data.size(); ++i)
    CHECK(y.data[i] == Approx(z.data[i]).margin(1e-4));

  // Post-training quantization runs the whole graph on integers, identically on every path.
  const Graph q = quantize_post_training(g, uniform_spec(g, 8, 8),
                                         FloatTensor{{4, 2, 8, 8}, random_floats(512, 5)});
  samd::kernels::KernelOptions ref;
  ref.path = samd::kernels::Path::Reference;
  const IntegerOutput r = IntegerModel::compile(q, ref).run(x);
  for (samd::kernels::Path p : samd::kernels::supported_paths()) {
    samd::kernels::KernelOptions o;
    o.path = p;
    CHECK(IntegerModel::compile(q, o).run(x).ints == r.ints);
  }
  // ... and close to the float model (8 bits everywhere).
  for (std::size_t i = 0; i < y.data.size(); ++i)
    CHECK(r.real.data[i] == Approx(y.data[i]).margin(0.05));
}

TEST_CASE("widths are read off standard QDQ ranges", "[infer][import]") {
  for (auto [wmax, wbits] : {std::pair{127, 8u}, {7, 4u}, {3, 3u}, {1, 2u}}) {
    for (unsigned abits : {8u, 4u, 2u, 1u}) {
      const Graph g = import(qdq_cnn(wmax, abits));
      const IntegerModel m = IntegerModel::compile(g);
      REQUIRE(m.layers().size() == 2);
      CHECK(m.layers()[0].wbits == wbits);
      CHECK(m.layers()[0].abits == 8);
      CHECK(m.layers()[1].abits == abits);
      // binary +-1 weights: 1-bit lanes (two-level) rather than a 2-bit signed range
      CHECK(m.layers()[1].wbits == 1);
      CHECK(m.layers()[1].weight_encoding == "two-level");
      // integer execution matches the fake-quantized float model
      const FloatTensor x{{3, 1, 6, 6}, random_floats(108, 9, 0, 1)};
      const FloatTensor f = run_float(g, x);
      const FloatTensor i = m.run(x).real;
      for (std::size_t k = 0; k < f.data.size(); ++k)
        CHECK(i.data[k] == Approx(f.data[k]).margin(1e-3));
    }
  }
}

TEST_CASE("an activation range away from zero gets an offset layout", "[infer][import]") {
  OnnxBuilder b({-1, 4});
  b.floats("lo", {}, {0.0f});
  b.floats("hi", {}, {0.3f});
  b.node("Clip", {"input", "lo", "hi"}, {"c"}, "clip");
  const std::string a = b.qdq("c", "a", 0.1f, 128, TP::UINT8); // q in [128, 131]
  b.ints("w", TP::INT8, {2, 4}, {1, -1, 1, -1, 0, 1, 0, -1});
  b.floats("w.s", {}, {0.5f});
  b.node("DequantizeLinear", {"w", "w.s"}, {"w.dq"}, "w/DQ");
  auto *g = b.node("Gemm", {a, "w.dq"}, {"y"}, "fc");
  OnnxBuilder::attr(g, "transB", std::int64_t{1});
  b.output("y");
  const Graph graph = import(b.bytes());
  const IntegerModel m = IntegerModel::compile(graph);
  CHECK(m.layers()[0].abits == 2);
  const FloatTensor x{{5, 4}, random_floats(20, 11, -0.2f, 0.5f)};
  const FloatTensor f = run_float(graph, x), i = m.run(x).real;
  for (std::size_t k = 0; k < f.data.size(); ++k)
    CHECK(i.data[k] == Approx(f.data[k]).margin(1e-5));
}

TEST_CASE("the integer executor refuses what it cannot run exactly", "[infer][import]") {
  const Graph g = import(float_model(true));
  CHECK_THAT(error_of([&] { IntegerModel::compile(g); }), Catch::Contains("--bits"));
  const Graph q = import(qdq_cnn(7, 4));
  const IntegerModel m = IntegerModel::compile(q);
  CHECK_THAT(error_of([&] {
               m.run(FloatTensor{{1, 1, 28, 28}, std::vector<float>(784)});
             }),
             Catch::Contains("{1, 1, 28, 28}") && Catch::Contains("{-1, 1, 6, 6}"));
  CHECK_THAT(error_of([&] {
               quantize_post_training(q, uniform_spec(q, 4, 4),
                                      FloatTensor{{1, 1, 6, 6}, std::vector<float>(36)});
             }),
             Catch::Contains("already quantized"));
  CHECK_THAT(error_of([&] { parse_layer_spec("8/8,9/2", q); }), Catch::Contains("outside"));
  CHECK_THAT(error_of([&] { parse_layer_spec("8/8", q); }), Catch::Contains("2 Conv / Gemm"));
}

TEST_CASE("empty weights and huge dimensions are refused before any arithmetic on them",
          "[infer][import]") {
  // A Conv with 0 output channels, then a BatchNormalization: it divided by the 0 channels.
  OnnxBuilder b({-1, 1, 6, 6});
  b.floats("w", {0, 1, 3, 3}, {});
  b.node("Conv", {"input", "w"}, {"c"}, "conv0");
  for (const char *p : {"g", "be", "mu", "var"})
    b.floats(p, {0}, {});
  b.node("BatchNormalization", {"c", "g", "be", "mu", "var"}, {"y"}, "bn");
  b.output("y");
  CHECK_THAT(error_of([&] { import(b.bytes()); }),
             Catch::Contains("'conv0'") && Catch::Contains("{0, 1, 3, 3} are empty"));

  // A 0 dimension used to let any other through (and w[1] * group overflow after it).
  OnnxBuilder c({-1, 4, 6, 6});
  c.floats("w", {0, std::int64_t{1} << 62, 3, 3}, {});
  auto *conv = c.node("Conv", {"input", "w"}, {"y"}, "conv");
  OnnxBuilder::attr(conv, "group", std::int64_t{4});
  c.output("y");
  CHECK_THAT(error_of([&] { import(c.bytes()); }),
             Catch::Contains("initializer 'w'") && Catch::Contains("multiply to more than"));
}

TEST_CASE("integer constants are exact or refused", "[infer][import]") {
  // int64 is no DequantizeLinear input in ONNX; the importer held it as double, inexactly.
  OnnxBuilder b({-1, 4});
  b.int64s("w", {2, 4}, std::vector<std::int64_t>(8, 1));
  b.floats("w.s", {}, {0.5f});
  b.node("DequantizeLinear", {"w", "w.s"}, {"w.dq"}, "w/DQ");
  auto *gemm = b.node("Gemm", {"input", "w.dq"}, {"y"}, "fc");
  OnnxBuilder::attr(gemm, "transB", std::int64_t{1});
  b.output("y");
  CHECK_THAT(error_of([&] { import(b.bytes()); }),
             Catch::Contains("'w/DQ'") && Catch::Contains("dequantizes a int64"));

  // An int64 beyond 2^53 (here a Reshape shape) has no exact double.
  OnnxBuilder c({-1, 4});
  c.int64s("shape", {2}, {0, (std::int64_t{1} << 53) + 1});
  c.node("Reshape", {"input", "shape"}, {"y"}, "reshape");
  c.output("y");
  CHECK_THAT(error_of([&] { import(c.bytes()); }),
             Catch::Contains("test model: initializer 'shape'") &&
                 Catch::Contains("9007199254740993 is beyond"));

  // An int8 tensor whose int32_data holds 1000 is malformed, not a 10-bit weight.
  OnnxBuilder d({-1, 4});
  d.ints("w", TP::INT8, {2, 4}, {1, 0, 0, 0, 0, 0, 0, 1000});
  d.floats("w.s", {}, {0.5f});
  d.ints("w.z", TP::INT8, {}, {0});
  d.node("DequantizeLinear", {"w", "w.s", "w.z"}, {"w.dq"}, "w/DQ");
  auto *gemm_d = d.node("Gemm", {"input", "w.dq"}, {"y"}, "fc");
  OnnxBuilder::attr(gemm_d, "transB", std::int64_t{1});
  d.output("y");
  CHECK_THAT(error_of([&] { import(d.bytes()); }),
             Catch::Contains("element 7 = 1000 does not fit its type int8"));

  // An initializer no node reads is not decoded: its bad value does not matter.
  OnnxBuilder e({-1, 4});
  e.int64s("unused", {1}, {std::numeric_limits<std::int64_t>::max()});
  e.node("Relu", {"input"}, {"y"}, "relu");
  e.output("y");
  CHECK(import(e.bytes()).layers.size() == 1);
}

TEST_CASE("a NaN zero point is an error, not a conversion", "[infer][import]") {
  OnnxBuilder b({-1, 4});
  b.floats("s", {}, {0.1f});
  b.floats("z", {}, {std::numeric_limits<float>::quiet_NaN()});
  b.node("QuantizeLinear", {"input", "s", "z"}, {"q"}, "in/Q");
  b.node("DequantizeLinear", {"q", "s", "z"}, {"y"}, "in/DQ");
  b.output("y");
  CHECK_THAT(error_of([&] { import(b.bytes()); }),
             Catch::Contains("'in/Q'") && Catch::Contains("zero point nan is not an int32"));
}

TEST_CASE("a folded BatchNormalization must leave finite weights and bias", "[infer][import]") {
  OnnxBuilder b({-1, 1, 4, 4});
  b.floats("w", {1, 1, 1, 1}, {3e38f});
  b.node("Conv", {"input", "w"}, {"c"}, "conv");
  b.floats("g", {1}, {100.0f});
  b.floats("be", {1}, {0.0f});
  b.floats("mu", {1}, {0.0f});
  b.floats("var", {1}, {1.0f});
  b.node("BatchNormalization", {"c", "g", "be", "mu", "var"}, {"y"}, "bn");
  b.output("y");
  CHECK_THAT(error_of([&] { import(b.bytes()); }), Catch::Contains("'bn'") &&
                                                       Catch::Contains("folded into 'conv'") &&
                                                       Catch::Contains("overflow float32"));
}

TEST_CASE("post-training quantization refuses ranges float32 cannot step through",
          "[infer][import]") {
  OnnxBuilder b({-1, 1, 2, 2});
  b.floats("w", {2, 1, 1, 1}, {1e-45f, -1e-45f}); // the smallest denormals: a 4-bit step of 0
  b.node("Conv", {"input", "w"}, {"y"}, "tiny");
  b.output("y");
  const Graph g = import(b.bytes());
  const FloatTensor calib{{1, 1, 2, 2}, {0.1f, 0.2f, 0.3f, 0.4f}};
  CHECK_THAT(error_of([&] { quantize_post_training(g, uniform_spec(g, 4, 4), calib); }),
             Catch::Contains("layer 'tiny'") && Catch::Contains("not a finite float32 > 0"));

  OnnxBuilder c({-1, 1, 2, 2});
  c.floats("w", {1, 1, 1, 1}, {0.5f});
  c.node("Conv", {"input", "w"}, {"y"}, "conv");
  c.output("y");
  const Graph h = import(c.bytes());
  const float inf = std::numeric_limits<float>::infinity();
  CHECK_THAT(error_of([&] {
               quantize_post_training(h, uniform_spec(h, 4, 4),
                                      FloatTensor{{1, 1, 2, 2}, {0.1f, -inf, 0.3f, 0.4f}});
             }),
             Catch::Contains("activation 'input'") && Catch::Contains("-inf"));
}

TEST_CASE("a kernels-level error names the layer it came from", "[infer][import]") {
  // An activation scale of 1e-38 makes the Conv's requantization multiplier ~1e34.
  const Graph g = import(qdq_cnn(7, 4, 1e-38f));
  CHECK_THAT(error_of([&] { IntegerModel::compile(g); }),
             Catch::Contains("Conv node 'conv'") && Catch::Contains("requantization multiplier"));
}

TEST_CASE("the widest integer range gets a layout without overflowing", "[infer][import]") {
  // all_hi - all_lo = 2^63 overflowed int64 and picked a 1-bit offset layout.
  const auto r =
      samd::infer::detail::range_layout(-(std::int64_t{1} << 62), std::int64_t{1} << 62, 0, 0);
  CHECK(r.encoding == samd::infer::detail::Encoding::Natural);
  CHECK(r.layout.bits == 63);
}

TEST_CASE("a model path that is not a regular file is refused before reading", "[infer][import]") {
  const std::string dir = std::filesystem::temp_directory_path().string();
  CHECK_THAT(error_of([&] { import_onnx_file(dir); }),
             Catch::Contains("'" + dir + "' is not a regular file"));
  CHECK_THAT(error_of([&] { import_onnx_file("/dev/zero"); }),
             Catch::Contains("'/dev/zero' is not a regular file"));
  CHECK_THAT(error_of([&] { import_onnx_file("/nonexistent/model.onnx"); }),
             Catch::Contains("cannot open model '/nonexistent/model.onnx'"));
}

TEST_CASE("an activation beyond the per-image limit names the node that makes it",
          "[infer][import]") {
  OnnxBuilder b({-1, 1, 8, 8});
  b.floats("w", {64, 1, 1, 1}, std::vector<float>(64, 0.5f));
  auto *conv = b.node("Conv", {"input", "w"}, {"y"}, "wide");
  OnnxBuilder::attr(conv, "pads", std::vector<std::int64_t>{2000, 2000, 2000, 2000});
  b.output("y");
  CHECK_THAT(error_of([&] { import(b.bytes()); }),
             Catch::Contains("Conv node 'wide': its output {1, 64, 4008, 4008} holds more than"));
}

TEST_CASE("a pooling window that sees only padding is an error on the float path too",
          "[infer][import]") {
  // Taps 5 apart after 1 row of padding: output row 0 reads rows -1 and 4 of a 4-row input.
  OnnxBuilder b({-1, 1, 4, 1}, 19);
  auto *ap = b.node("AveragePool", {"input"}, {"y"}, "avg");
  OnnxBuilder::attr(ap, "kernel_shape", std::vector<std::int64_t>{2, 1});
  OnnxBuilder::attr(ap, "dilations", std::vector<std::int64_t>{5, 1});
  OnnxBuilder::attr(ap, "pads", std::vector<std::int64_t>{1, 0, 1, 0});
  b.output("y");
  const Graph g = import(b.bytes());
  CHECK_THAT(error_of([&] {
               run_float(g, FloatTensor{{1, 1, 4, 1}, {1, 2, 3, 4}});
             }),
             Catch::Contains("node 'avg'") && Catch::Contains("output (0, 0) covers only padding"));
}
