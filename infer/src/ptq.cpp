#include <samd/infer/ptq.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

#include <samd/infer/float_executor.hpp>

namespace samd::infer {
namespace {

void check_bits(unsigned b, const char *what) {
  if (b < 1 || b > 8)
    throw std::invalid_argument(std::string("samd infer: ") + what + " width " + std::to_string(b) +
                                " is outside the kernels' 1-8 bits");
}

bool transparent(LayerKind k) {
  return k == LayerKind::MaxPool || k == LayerKind::AvgPool || k == LayerKind::GlobalAvgPool ||
         k == LayerKind::Reshape || k == LayerKind::Relu || k == LayerKind::Clip;
}

// The end of the Relu / Clip chain after a value (where its quantization point goes).
int chain_end(const Graph &g, int v) {
  for (;;) {
    if (v == g.output)
      return v;
    const std::vector<int> readers = g.consumers(v);
    if (readers.size() != 1)
      return v;
    const Layer &l = g.layers[static_cast<std::size_t>(readers[0])];
    if (l.kind != LayerKind::Relu && l.kind != LayerKind::Clip)
      return v;
    v = l.output;
  }
}

// The widest abits among the Conv / Gemm layers that read v through pooling / reshapes (a
// depth-first walk over the consumers of transparent layers).
unsigned downstream_abits(const Graph &g, int v, const std::map<int, unsigned> &abits_of_layer,
                          unsigned fallback) {
  unsigned best = 0;
  std::vector<int> pending{v};
  while (!pending.empty()) {
    const int cur = pending.back();
    pending.pop_back();
    for (int r : g.consumers(cur)) {
      const Layer &l = g.layers[static_cast<std::size_t>(r)];
      if (auto it = abits_of_layer.find(r); it != abits_of_layer.end())
        best = std::max(best, it->second);
      else if (transparent(l.kind))
        pending.push_back(l.output);
    }
  }
  return best == 0 ? fallback : best;
}

// Activation quantization from calibration samples.
// `what` names the activation in errors.
FakeQuantParams activation_params(std::vector<float> s, unsigned bits, bool exact_minmax,
                                  const std::string &what) {
  FakeQuantParams p;
  const std::int64_t levels = (std::int64_t{1} << bits) - 1;
  p.qmin = 0, p.qmax = levels;
  if (s.empty())
    return p;
  for (float v : s)
    if (!std::isfinite(v))
      throw std::invalid_argument("samd infer: calibration: activation '" + what +
                                  "' takes the value " + std::to_string(v) +
                                  " on the float model; its range cannot be quantized");
  const auto [mn, mx] = std::minmax_element(s.begin(), s.end());
  const double lo = *mn, hi = *mx;
  if (lo >= 0) {
    double best_hi = hi;
    if (!exact_minmax && bits < 8 && hi > 0) {
      double best_err = INFINITY;
      for (double r = 1.0; r >= 0.2; r -= 0.02) { // least squared error over clipping bounds
        const double c = hi * r, step = c / double(levels);
        double err = 0;
        for (float v : s) {
          const double q = std::min(std::nearbyint(v / step), double(levels)) * step;
          err += (q - v) * (q - v);
        }
        if (err < best_err)
          best_err = err, best_hi = c;
      }
    }
    p.scale = best_hi > 0 ? static_cast<float>(best_hi / double(levels)) : 1.0f;
    return p;
  }
  const double span = std::max(hi, 0.0) - lo;
  p.scale = static_cast<float>(span / double(levels));
  if (!(p.scale > 0) || !std::isfinite(p.scale)) // the span overflows or underflows float32
    throw std::invalid_argument("samd infer: calibration: activation '" + what + "' spans [" +
                                std::to_string(lo) + ", " + std::to_string(hi) +
                                "], whose step is not a finite float32 > 0");
  p.zero_point = static_cast<std::int32_t>(
      std::clamp<double>(std::nearbyint(-lo / p.scale), 0, double(levels)));
  return p;
}

// Per-output-channel symmetric weight quantization (bits >= 2) or sign with mean |w| (1 bit).
// `layer` names the layer in errors.
void quantize_weights(Weights &w, unsigned bits, const std::string &layer) {
  const std::int64_t O = w.real.shape[0];
  const std::size_t per =
      w.real.data.size() / static_cast<std::size_t>(std::max<std::int64_t>(O, 1));
  QuantWeights q;
  q.q.resize(w.real.data.size());
  q.zero_point.assign(static_cast<std::size_t>(O), 0);
  const double qmax = bits == 1 ? 1.0 : double((std::int64_t{1} << (bits - 1)) - 1);
  for (std::int64_t c = 0; c < O; ++c) {
    const float *v = w.real.data.data() + static_cast<std::size_t>(c) * per;
    std::int64_t *out = q.q.data() + static_cast<std::size_t>(c) * per;
    double amax = 0, asum = 0;
    for (std::size_t i = 0; i < per; ++i)
      amax = std::max<double>(amax, std::fabs(v[i])), asum += std::fabs(v[i]);
    double scale;
    if (bits == 1) {
      scale = asum > 0 ? asum / double(per) : 1e-6;
    } else if (amax == 0) {
      scale = 1.0;
    } else {
      scale = amax / qmax;
      if (bits < 6) { // least squared error over clipping bounds
        double best_err = INFINITY;
        for (double r = 1.0; r >= 0.3; r -= 0.02) {
          const double s = amax * r / qmax;
          double err = 0;
          for (std::size_t i = 0; i < per; ++i) {
            const double e = std::clamp(std::nearbyint(v[i] / s), -qmax, qmax) * s - v[i];
            err += e * e;
          }
          if (err < best_err)
            best_err = err, scale = s;
        }
      }
    }
    const auto fscale = static_cast<float>(scale);
    if (!(fscale > 0) || !std::isfinite(fscale)) // weights near float32's ends
      throw std::invalid_argument("samd infer: layer '" + layer + "': the weights of channel " +
                                  std::to_string(c) + " (largest |w| " + std::to_string(amax) +
                                  ") give " + std::to_string(bits) + "-bit scale " +
                                  std::to_string(scale) + ", not a finite float32 > 0");
    q.scale.push_back(fscale);
    for (std::size_t i = 0; i < per; ++i) {
      out[i] = bits == 1 ? (v[i] >= 0 ? 1 : -1)
                         : static_cast<std::int64_t>(
                               std::clamp<double>(std::nearbyint(v[i] / fscale), -qmax, qmax));
    }
  }
  for (std::size_t i = 0; i < q.q.size(); ++i)
    w.real.data[i] = static_cast<float>(q.q[i]) * q.scale[i / per];
  w.quant = std::move(q);
}

} // namespace

PtqSpec uniform_spec(const Graph &g, unsigned wbits, unsigned abits, unsigned input_bits) {
  check_bits(wbits, "weight");
  check_bits(abits, "activation");
  check_bits(input_bits, "input");
  PtqSpec spec(g.compute_layers().size(), LayerBits{wbits, abits});
  if (!spec.empty())
    spec[0].abits = input_bits;
  return spec;
}

PtqSpec parse_layer_spec(const std::string &text, const Graph &g) {
  PtqSpec spec;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    unsigned w = 0, a = 0;
    char slash = 0, extra = 0;
    std::stringstream is(item);
    if (!(is >> w >> slash >> a) || slash != '/' || (is >> extra))
      throw std::invalid_argument("samd infer: per-layer spec item '" + item +
                                  "' is not W/A (e.g. 8/8)");
    check_bits(w, "weight");
    check_bits(a, "activation");
    spec.push_back({w, a});
  }
  const std::size_t want = g.compute_layers().size();
  if (spec.size() != want)
    throw std::invalid_argument("samd infer: per-layer spec has " + std::to_string(spec.size()) +
                                " entries; the model has " + std::to_string(want) +
                                " Conv / Gemm layers");
  return spec;
}

Graph quantize_post_training(const Graph &g, const PtqSpec &spec, const FloatTensor &calibration) {
  if (g.has_fake_quant())
    throw std::invalid_argument(
        "samd infer: the model is already quantized (QuantizeLinear / DequantizeLinear); "
        "post-training quantization applies to float models");
  const std::vector<int> compute = g.compute_layers();
  if (spec.size() != compute.size())
    throw std::invalid_argument("samd infer: " + std::to_string(spec.size()) +
                                " layer widths for " + std::to_string(compute.size()) +
                                " Conv / Gemm layers");
  std::map<int, unsigned> abits_of_layer;
  unsigned widest = 1;
  for (std::size_t i = 0; i < compute.size(); ++i) {
    abits_of_layer[compute[i]] = spec[i].abits;
    widest = std::max(widest, spec[i].abits);
  }

  // Quantization points: the input, and the end of the Relu / Clip chain after every Conv, Gemm
  // and Add (the pools and reshapes after it then run on integers).
  std::map<int, unsigned> points; // value -> bits
  points[g.input] = downstream_abits(g, g.input, abits_of_layer, widest);
  for (const Layer &l : g.layers)
    if (l.kind == LayerKind::Conv || l.kind == LayerKind::Gemm || l.kind == LayerKind::Add) {
      const int v = chain_end(g, l.output);
      if (v != g.output)
        points[v] = downstream_abits(g, v, abits_of_layer, widest);
    }

  // Calibrate on the float model.
  std::map<int, std::vector<float>> samples;
  const std::size_t keep = std::size_t{1} << 20;
  auto sample = [&](int v, const std::vector<float> &data) {
    std::vector<float> &s = samples[v];
    const std::size_t stride = std::max<std::size_t>(1, data.size() / keep);
    for (std::size_t i = 0; i < data.size(); i += stride)
      s.push_back(data[i]);
  };
  sample(g.input, calibration.data);
  run_float(g, calibration, [&](int layer, const FloatTensor &out) {
    const int v = g.layers[static_cast<std::size_t>(layer)].output;
    if (points.count(v) && v != g.input)
      sample(v, out.data);
  });

  // The quantized graph: FakeQuant after every point, readers rewired to it.
  Graph q;
  q.values = g.values;
  q.input = g.input;
  q.output = g.output;
  q.metadata = g.metadata;
  std::map<int, int> renamed;
  auto add_point = [&](int v) {
    Layer fq;
    fq.kind = LayerKind::FakeQuant;
    fq.name = g.values[static_cast<std::size_t>(v)].name + "/ptq";
    fq.op_type = "QuantizeLinear+DequantizeLinear";
    fq.fq = activation_params(std::move(samples[v]), points[v], v == g.input,
                              g.values[static_cast<std::size_t>(v)].name);
    fq.inputs = {v};
    q.values.push_back(Value{fq.name, g.values[static_cast<std::size_t>(v)].shape});
    fq.output = static_cast<int>(q.values.size()) - 1;
    renamed[v] = fq.output;
    q.layers.push_back(std::move(fq));
  };
  add_point(g.input);
  std::size_t next_compute = 0;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    Layer l = g.layers[i];
    for (int &in : l.inputs)
      if (auto it = renamed.find(in); it != renamed.end())
        in = it->second;
    if (l.kind == LayerKind::Conv || l.kind == LayerKind::Gemm)
      quantize_weights(l.weights, spec[next_compute++].wbits, l.name);
    const int out = l.output;
    q.layers.push_back(std::move(l));
    if (points.count(out))
      add_point(out);
  }
  return q;
}

} // namespace samd::infer
