#include <samd/infer/graph.hpp>

#include <limits>
#include <stdexcept>
#include <string>

namespace samd::infer {

const char *to_string(LayerKind k) {
  switch (k) {
  case LayerKind::FakeQuant:
    return "FakeQuant";
  case LayerKind::Conv:
    return "Conv";
  case LayerKind::Gemm:
    return "Gemm";
  case LayerKind::Relu:
    return "Relu";
  case LayerKind::Clip:
    return "Clip";
  case LayerKind::MaxPool:
    return "MaxPool";
  case LayerKind::AvgPool:
    return "AveragePool";
  case LayerKind::GlobalAvgPool:
    return "GlobalAveragePool";
  case LayerKind::Reshape:
    return "Reshape";
  case LayerKind::Add:
    return "Add";
  }
  return "?";
}

std::vector<int> Graph::consumers(int v) const {
  std::vector<int> out;
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (int in : layers[i].inputs)
      if (in == v) {
        out.push_back(static_cast<int>(i));
        break;
      }
  return out;
}

std::vector<int> Graph::compute_layers() const {
  std::vector<int> out;
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].kind == LayerKind::Conv || layers[i].kind == LayerKind::Gemm)
      out.push_back(static_cast<int>(i));
  return out;
}

bool Graph::has_fake_quant() const {
  for (const Layer &l : layers)
    if (l.kind == LayerKind::FakeQuant)
      return true;
  return false;
}

Shape with_batch(Shape s, std::int64_t batch) {
  if (!s.empty())
    s[0] = batch;
  return s;
}

namespace {

[[noreturn]] void fail(const Layer &l, const std::string &what) {
  throw std::invalid_argument("samd infer: " + l.op_type + " node '" + l.name + "': " + what);
}

void need_rank(const Layer &l, const Shape &s, std::size_t rank, const char *what) {
  if (s.size() != rank)
    fail(l, std::string(what) + " must have rank " + std::to_string(rank) + "; got shape " +
                kernels::to_string(s));
}

// Output length of a window sweep; fails when the (dilated) window does not fit.
std::int64_t window_out(const Layer &l, std::int64_t in, std::int64_t k, std::int64_t stride,
                        std::int64_t pad0, std::int64_t pad1, std::int64_t dilation) {
  if (k < 1 || stride < 1 || dilation < 1 || pad0 < 0 || pad1 < 0)
    fail(l, "kernel, stride and dilation must be >= 1 and pads >= 0");
  if (k > 4096 || stride > 4096 || dilation > 4096 || pad0 > 4096 || pad1 > 4096)
    fail(l, "kernel, stride, dilation or pad beyond 4096");
  const std::int64_t span = dilation * (k - 1) + 1;
  if (in + pad0 + pad1 < span)
    fail(l, "window of " + std::to_string(span) + " does not fit the padded input of " +
                std::to_string(in + pad0 + pad1));
  return (in + pad0 + pad1 - span) / stride + 1;
}

Shape reshape_target(const Layer &l, const Shape &in) {
  const std::size_t count = kernels::element_count(in, "Reshape input");
  Shape out;
  int infer_at = -1;
  std::size_t known = 1;
  for (std::size_t i = 0; i < l.reshape.size(); ++i) {
    std::int64_t d = l.reshape[i];
    if (d == 0) {
      if (i >= in.size())
        fail(l, "target dimension " + std::to_string(i) + " copies a missing input dimension");
      d = in[i];
    }
    if (d == -1) {
      if (infer_at >= 0)
        fail(l, "more than one -1 in the target shape");
      infer_at = static_cast<int>(i);
      out.push_back(1);
      continue;
    }
    if (d < 0)
      fail(l, "target dimension " + std::to_string(d) + " is negative");
    if (d > 0 && known > (std::size_t{1} << 40) / static_cast<std::size_t>(d))
      fail(l, "target shape too large");
    known *= static_cast<std::size_t>(d);
    out.push_back(d);
  }
  if (infer_at >= 0) {
    if (known == 0 || count % known != 0)
      fail(l, "cannot infer -1: " + std::to_string(count) + " elements into " +
                  kernels::to_string(out));
    out[static_cast<std::size_t>(infer_at)] = static_cast<std::int64_t>(count / known);
  } else if (known != count) {
    fail(l, "target shape " + kernels::to_string(out) + " does not hold the " +
                std::to_string(count) + " elements of " + kernels::to_string(in));
  }
  if (out.empty() || in.empty() || out[0] != in[0])
    fail(l, "must keep the batch dimension: " + kernels::to_string(in) + " -> " +
                kernels::to_string(out));
  return out;
}

} // namespace

Shape infer_shape(const Layer &l, const std::vector<Shape> &in) {
  const std::size_t want = l.kind == LayerKind::Add ? 2 : 1;
  if (in.size() != want)
    fail(l, "expects " + std::to_string(want) + " activation input(s)");
  const Shape &x = in[0];
  for (const Shape &s : in)
    kernels::element_count(s, "activation");
  switch (l.kind) {
  case LayerKind::FakeQuant:
  case LayerKind::Relu:
  case LayerKind::Clip:
    return x;
  case LayerKind::Add:
    if (in[0] != in[1])
      fail(l, "inputs " + kernels::to_string(in[0]) + " and " + kernels::to_string(in[1]) +
                  " differ (no broadcasting)");
    return x;
  case LayerKind::Conv: {
    need_rank(l, x, 4, "input");
    const Shape &w = l.weights.real.shape;
    need_rank(l, w, 4, "weight");
    const ConvParams &p = l.conv;
    if (p.groups < 1 || w[0] % p.groups != 0)
      fail(l, "group = " + std::to_string(p.groups) + " must divide the " + std::to_string(w[0]) +
                  " output channels");
    // x[1] == w[1] * groups, without forming a product that could overflow.
    if (x[1] % p.groups != 0 || x[1] / p.groups != w[1])
      fail(l, "input has " + std::to_string(x[1]) + " channels; the weights " +
                  kernels::to_string(w) + " with group = " + std::to_string(p.groups) + " expect " +
                  (w[1] <= std::numeric_limits<std::int64_t>::max() / p.groups
                       ? std::to_string(w[1] * p.groups)
                       : std::string("more than 2^63")));
    if (w[2] != p.kernel_h || w[3] != p.kernel_w)
      fail(l, "kernel_shape does not match the weights");
    const std::int64_t oh =
        window_out(l, x[2], p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
    const std::int64_t ow =
        window_out(l, x[3], p.kernel_w, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
    if (!l.bias.real.empty() && static_cast<std::int64_t>(l.bias.real.size()) != w[0])
      fail(l, std::to_string(l.bias.real.size()) + " bias values for " + std::to_string(w[0]) +
                  " channels");
    return {x[0], w[0], oh, ow};
  }
  case LayerKind::Gemm: {
    need_rank(l, x, 2, "input");
    const Shape &w = l.weights.real.shape;
    need_rank(l, w, 2, "weight");
    if (x[1] != w[1])
      fail(l, "input {M, K} has K = " + std::to_string(x[1]) + "; the weights {N, K} = " +
                  kernels::to_string(w) + " need K = " + std::to_string(w[1]));
    if (!l.bias.real.empty() && static_cast<std::int64_t>(l.bias.real.size()) != w[0])
      fail(l, std::to_string(l.bias.real.size()) + " bias values for N = " + std::to_string(w[0]));
    return {x[0], w[0]};
  }
  case LayerKind::MaxPool:
  case LayerKind::AvgPool: {
    need_rank(l, x, 4, "input");
    const PoolParams &p = l.pool;
    if (p.pad_top >= p.kernel_h || p.pad_bottom >= p.kernel_h || p.pad_left >= p.kernel_w ||
        p.pad_right >= p.kernel_w)
      fail(l, "padding must be smaller than the window");
    const std::int64_t oh =
        window_out(l, x[2], p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
    const std::int64_t ow =
        window_out(l, x[3], p.kernel_w, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
    return {x[0], x[1], oh, ow};
  }
  case LayerKind::GlobalAvgPool:
    need_rank(l, x, 4, "input");
    if (x[2] < 1 || x[3] < 1)
      fail(l, "empty spatial dimensions");
    return {x[0], x[1], 1, 1};
  case LayerKind::Reshape:
    return reshape_target(l, x);
  }
  fail(l, "unknown layer kind");
}

} // namespace samd::infer
