#include <samd/infer/float_executor.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace samd::infer {

float fake_quantize(float x, const FakeQuantParams &p) {
  const double q = std::clamp<double>(std::nearbyint(x / p.scale) + p.zero_point,
                                      static_cast<double>(p.qmin), static_cast<double>(p.qmax));
  return static_cast<float>(q - p.zero_point) * p.scale;
}

namespace {

FloatTensor conv(const Layer &l, const FloatTensor &x, const Shape &out_shape) {
  const ConvParams &p = l.conv;
  const std::int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const std::int64_t O = out_shape[1], OH = out_shape[2], OW = out_shape[3];
  const std::int64_t CG = C / p.groups, OG = O / p.groups, KH = p.kernel_h, KW = p.kernel_w;
  const std::vector<float> &w = l.weights.real.data;
  FloatTensor y{out_shape, std::vector<float>(static_cast<std::size_t>(N * O * OH * OW))};
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < O; ++o) {
      const std::int64_t g = o / OG;
      const float b = l.bias.real.empty() ? 0.0f : l.bias.real[static_cast<std::size_t>(o)];
      for (std::int64_t oy = 0; oy < OH; ++oy)
        for (std::int64_t ox = 0; ox < OW; ++ox) {
          float s = b;
          for (std::int64_t c = 0; c < CG; ++c)
            for (std::int64_t ky = 0; ky < KH; ++ky) {
              const std::int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
              if (iy < 0 || iy >= H)
                continue;
              for (std::int64_t kx = 0; kx < KW; ++kx) {
                const std::int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                if (ix < 0 || ix >= W)
                  continue;
                s += x.data[static_cast<std::size_t>(((n * C + g * CG + c) * H + iy) * W + ix)] *
                     w[static_cast<std::size_t>(((o * CG + c) * KH + ky) * KW + kx)];
              }
            }
          y.data[static_cast<std::size_t>(((n * O + o) * OH + oy) * OW + ox)] = s;
        }
    }
  return y;
}

FloatTensor gemm(const Layer &l, const FloatTensor &x, const Shape &out_shape) {
  const std::int64_t M = x.shape[0], K = x.shape[1], N = out_shape[1];
  FloatTensor y{out_shape, std::vector<float>(static_cast<std::size_t>(M * N))};
  for (std::int64_t m = 0; m < M; ++m)
    for (std::int64_t n = 0; n < N; ++n) {
      float s = l.bias.real.empty() ? 0.0f : l.bias.real[static_cast<std::size_t>(n)];
      for (std::int64_t k = 0; k < K; ++k)
        s += x.data[static_cast<std::size_t>(m * K + k)] *
             l.weights.real.data[static_cast<std::size_t>(n * K + k)];
      y.data[static_cast<std::size_t>(m * N + n)] = s;
    }
  return y;
}

FloatTensor pool(const Layer &l, const FloatTensor &x, const Shape &out_shape) {
  const PoolParams &p = l.pool;
  const std::int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const std::int64_t OH = out_shape[2], OW = out_shape[3];
  const bool is_max = l.kind == LayerKind::MaxPool;
  FloatTensor y{out_shape, std::vector<float>(static_cast<std::size_t>(N * C * OH * OW))};
  for (std::int64_t nc = 0; nc < N * C; ++nc)
    for (std::int64_t oy = 0; oy < OH; ++oy)
      for (std::int64_t ox = 0; ox < OW; ++ox) {
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        std::int64_t count = 0, inside = 0;
        for (std::int64_t ky = 0; ky < p.kernel_h; ++ky)
          for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
            const std::int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            const std::int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
              count += p.count_include_pad ? 1 : 0;
              continue;
            }
            const float v = x.data[static_cast<std::size_t>((nc * H + iy) * W + ix)];
            acc = is_max ? std::max(acc, v) : acc + v;
            ++count, ++inside;
          }
        // As the integer kernels: such a window has no value (0 / 0, or the max of nothing).
        if (inside == 0)
          throw std::invalid_argument("samd infer: " + l.op_type + " node '" + l.name +
                                      "': the window of output (" + std::to_string(oy) + ", " +
                                      std::to_string(ox) + ") covers only padding");
        y.data[static_cast<std::size_t>((nc * OH + oy) * OW + ox)] =
            is_max ? acc : acc / static_cast<float>(count);
      }
  return y;
}

FloatTensor global_pool(const FloatTensor &x, const Shape &out_shape) {
  const std::int64_t NC = x.shape[0] * x.shape[1], HW = x.shape[2] * x.shape[3];
  FloatTensor y{out_shape, std::vector<float>(static_cast<std::size_t>(NC))};
  for (std::int64_t i = 0; i < NC; ++i) {
    float s = 0;
    for (std::int64_t j = 0; j < HW; ++j)
      s += x.data[static_cast<std::size_t>(i * HW + j)];
    y.data[static_cast<std::size_t>(i)] = s / static_cast<float>(HW);
  }
  return y;
}

} // namespace

FloatTensor run_float(const Graph &g, const FloatTensor &x, const LayerObserver &observe) {
  const Value &in = g.values[static_cast<std::size_t>(g.input)];
  if (x.shape.size() != in.shape.size() ||
      !std::equal(x.shape.begin() + 1, x.shape.end(), in.shape.begin() + 1))
    throw std::invalid_argument("samd infer: input of shape " + kernels::to_string(x.shape) +
                                " for a model that takes " +
                                kernels::to_string(with_batch(in.shape, -1)) + " (-1: any batch)");
  if (x.data.size() != kernels::element_count(x.shape, "input"))
    throw std::invalid_argument("samd infer: input data does not match its shape");
  std::vector<FloatTensor> v(g.values.size());
  v[static_cast<std::size_t>(g.input)] = x;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer &l = g.layers[i];
    std::vector<Shape> shapes;
    for (int id : l.inputs)
      shapes.push_back(v[static_cast<std::size_t>(id)].shape);
    const Shape out_shape = infer_shape(l, shapes);
    const FloatTensor &a = v[static_cast<std::size_t>(l.inputs[0])];
    FloatTensor y;
    switch (l.kind) {
    case LayerKind::Conv:
      y = conv(l, a, out_shape);
      break;
    case LayerKind::Gemm:
      y = gemm(l, a, out_shape);
      break;
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      y = pool(l, a, out_shape);
      break;
    case LayerKind::GlobalAvgPool:
      y = global_pool(a, out_shape);
      break;
    case LayerKind::Reshape:
      y = FloatTensor{out_shape, a.data};
      break;
    case LayerKind::Relu:
    case LayerKind::Clip:
      y = a;
      for (float &f : y.data)
        f = std::clamp(f, l.clip_lo, l.clip_hi);
      break;
    case LayerKind::FakeQuant:
      y = a;
      for (float &f : y.data)
        f = fake_quantize(f, l.fq);
      break;
    case LayerKind::Add: {
      y = a;
      const FloatTensor &b = v[static_cast<std::size_t>(l.inputs[1])];
      for (std::size_t k = 0; k < y.data.size(); ++k)
        y.data[k] += b.data[k];
      break;
    }
    }
    if (observe)
      observe(static_cast<int>(i), y);
    v[static_cast<std::size_t>(l.output)] = std::move(y);
  }
  return v[static_cast<std::size_t>(g.output)];
}

} // namespace samd::infer
