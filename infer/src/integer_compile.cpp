// Graph -> integer steps. Walks the layers in order, tracking each value's domain (float input,
// packed QTensor, or int32 sums awaiting requantization), and fuses Conv / Gemm / Add with the
// Relu / Clip and QuantizeLinear -> DequantizeLinear after them into one kernel call.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string_view>

#include <samd/kernels/swar_schedule.hpp>

#include "integer_impl.hpp"
#include "quant_layout.hpp"

namespace samd::infer {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Domain {
  enum Kind { None, Float, Quant, Acc } kind = None;
  int slot = -1;
  // Quant: stored integers s = q - offset in `layout`; real = scale * (s - zp); s in [lo, hi].
  Layout layout{8, 0, Signedness::Unsigned};
  float scale = 1.0f;
  std::int32_t zp = 0;
  std::int64_t offset = 0, lo = 0, hi = 0;
  // Acc: real = a_scale * w_scale[c] * sum, then clamped to [clo, chi] (a pending Relu / Clip).
  float a_scale = 1.0f;
  kernels::QuantParams wq;
  double clo = -kInf, chi = kInf;
};

// Relu / Clip layers and then a FakeQuant that alone read a value: fused into its producer.
struct Chain {
  int fake_quant = -1;
  double lo = -kInf, hi = kInf;
  std::vector<int> layers;
};

Chain requant_chain(const Graph &g, int value) {
  Chain c;
  for (int cur = value; cur != g.output;) {
    const std::vector<int> readers = g.consumers(cur);
    if (readers.size() != 1)
      break;
    const Layer &l = g.layers[static_cast<std::size_t>(readers[0])];
    c.layers.push_back(readers[0]);
    if (l.kind == LayerKind::FakeQuant) {
      c.fake_quant = readers[0];
      break;
    }
    if (l.kind != LayerKind::Relu && l.kind != LayerKind::Clip)
      break;
    c.lo = std::max<double>(c.lo, l.clip_lo);
    c.hi = std::min<double>(c.hi, l.clip_hi);
    cur = l.output;
  }
  if (c.fake_quant < 0)
    c.layers.clear();
  return c;
}

// ONNX QuantizeLinear of a real bound, clamped into [qmin, qmax].
std::int64_t quantize_bound(double v, const FakeQuantParams &fq) {
  const double q = std::nearbyint(v / fq.scale) + fq.zero_point;
  return static_cast<std::int64_t>(std::clamp(q, double(fq.qmin), double(fq.qmax)));
}

// The requantization a FakeQuant (after a Clip range [clo, chi]) stands for, and the domain it
// produces. clamp(q, Q(clo), Q(chi)) then clamp to [qmin, qmax] equals one clamp to the clamped
// bounds, since both are monotone.
kernels::Requant requant_for(const Layer &fql, double clo, double chi, Domain &out) {
  const FakeQuantParams &fq = fql.fq;
  const detail::IntLayout il = detail::range_layout(fq.qmin, fq.qmax, fq.zero_point, fq.zero_point);
  if (il.layout.bits > kernels::kMaxKernelBits)
    throw std::invalid_argument("samd infer: " + fql.op_type + " node '" + fql.name +
                                "': integers in [" + std::to_string(fq.qmin) + ", " +
                                std::to_string(fq.qmax) + "] need " +
                                std::to_string(il.layout.bits) + " bits; the kernels take 1-8");
  const std::int64_t lo = std::isfinite(clo) ? quantize_bound(clo, fq) : fq.qmin;
  const std::int64_t hi = std::isfinite(chi) ? quantize_bound(chi, fq) : fq.qmax;
  kernels::Requant rq;
  rq.out_layout = il.layout;
  rq.out_scale = fq.scale;
  rq.out_zero_point = static_cast<std::int32_t>(fq.zero_point - il.offset);
  rq.clamp_min = lo - il.offset;
  rq.clamp_max = hi - il.offset;
  out.kind = Domain::Quant;
  out.layout = il.layout;
  out.scale = fq.scale;
  out.zp = rq.out_zero_point;
  out.offset = il.offset;
  out.lo = *rq.clamp_min;
  out.hi = *rq.clamp_max;
  return rq;
}

// The Swar guard (headroom bits per field) with the fewest word operations for a K x N product:
// more guard means fewer flushes but fewer lanes per word.
unsigned choose_swar_guard(unsigned ab, unsigned wb, std::int64_t K, std::int64_t N) {
  unsigned best = 5;
  double best_cost = std::numeric_limits<double>::infinity();
  for (unsigned g = 1; g <= 32 && ab + wb + g <= 64; ++g) {
    const std::uint64_t cap = kernels::gemm_capacity(ab, wb, g);
    if (cap < 1)
      continue;
    const unsigned lanes = 64 / (ab + wb + g);
    const double words = std::ceil(double(N) / lanes);
    const double cost =
        double(K) * words + std::ceil(double(K) / double(cap)) * words * lanes * 2.0;
    if (cost < best_cost)
      best_cost = cost, best = g;
  }
  return best;
}

class Compiler {
public:
  Compiler(const Graph &g, const kernels::KernelOptions &opt) : g_(g) {
    m_.opt = opt;
    m_.opt.path = kernels::resolve_path(opt.path);
  }

  IntegerModel::Impl run() {
    dom_.assign(g_.values.size(), Domain{});
    Domain &in = dom_[static_cast<std::size_t>(g_.input)];
    in.kind = Domain::Float;
    in.slot = new_slot();
    m_.input_slot = in.slot;
    m_.input_shape = g_.values[static_cast<std::size_t>(g_.input)].shape;
    done_.assign(g_.layers.size(), false);
    for (std::size_t i = 0; i < g_.layers.size(); ++i)
      if (!done_[i])
        compile_layer(i);
    output();
    fuse_pools();
    return std::move(m_);
  }

private:
  [[noreturn]] void fail(const Layer &l, const std::string &msg) const {
    throw std::invalid_argument("samd infer: " + l.op_type + " node '" + l.name + "': " + msg);
  }
  static std::string where(const Layer &l) { return l.op_type + " node '" + l.name + "'"; }
  // A kernels-level error (requantization multiplier, packing, quantization parameters) gets the
  // name of the layer being compiled; the compiler's own errors name theirs already.
  void compile_layer(std::size_t i) {
    try {
      layer(static_cast<int>(i));
    } catch (const std::invalid_argument &e) {
      std::string_view msg = e.what();
      if (msg.starts_with("samd infer: "))
        throw;
      if (msg.starts_with("samd: "))
        msg.remove_prefix(6);
      fail(g_.layers[i], std::string(msg));
    }
  }
  int new_slot() { return m_.slots++; }
  const Domain &input_domain(const Layer &l, std::size_t i = 0) const {
    return dom_[static_cast<std::size_t>(l.inputs[i])];
  }

  const Domain &need_quant(const Layer &l, std::size_t i = 0) const {
    const Domain &d = input_domain(l, i);
    if (d.kind == Domain::Quant)
      return d;
    const std::string &v = g_.values[static_cast<std::size_t>(l.inputs[i])].name;
    if (d.kind == Domain::Float)
      fail(l,
           "its input '" + v +
               "' is not quantized; the integer executor needs QuantizeLinear -> DequantizeLinear "
               "on it (or post-training quantization: --bits)");
    fail(l, "its input '" + v +
                "' is an int32 sum that no QuantizeLinear requantizes; add QuantizeLinear -> "
                "DequantizeLinear before this node");
  }

  void layer(int i) {
    const Layer &l = g_.layers[static_cast<std::size_t>(i)];
    done_[static_cast<std::size_t>(i)] = true;
    switch (l.kind) {
    case LayerKind::FakeQuant:
      return fake_quant(l);
    case LayerKind::Conv:
    case LayerKind::Gemm:
      return compute(l);
    case LayerKind::Relu:
    case LayerKind::Clip:
      return clip(l);
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
    case LayerKind::GlobalAvgPool:
      return pool(l);
    case LayerKind::Reshape:
      return reshape(l);
    case LayerKind::Add:
      return add(l);
    }
  }

  void fake_quant(const Layer &l) {
    const Domain &d = input_domain(l);
    Domain out;
    Step s;
    s.where = where(l);
    s.in = {d.slot};
    if (d.kind == Domain::Float) {
      kernels::Requant rq = requant_for(l, d.clo, d.chi, out);
      s.kind = StepKind::QuantizeInput;
      s.layout = rq.out_layout;
      s.quant = kernels::QuantParams{{rq.out_scale}, {rq.out_zero_point}, -1};
      s.lo = *rq.clamp_min, s.hi = *rq.clamp_max;
    } else if (d.kind == Domain::Quant) {
      const FakeQuantParams &fq = l.fq;
      if (fq.scale == d.scale && fq.zero_point == d.zp + d.offset && fq.qmin <= d.lo + d.offset &&
          d.hi + d.offset <= fq.qmax) {
        dom_[static_cast<std::size_t>(l.output)] = d; // already exactly this: nothing to do
        return;
      }
      s.kind = StepKind::Requant;
      s.rq = requant_for(l, -kInf, kInf, out);
      s.from_quant = true;
      s.a_scale = d.scale;
      s.in_zero_point = d.zp;
    } else if (d.kind == Domain::Acc) {
      s.kind = StepKind::Requant;
      s.rq = requant_for(l, d.clo, d.chi, out);
      s.a_scale = d.a_scale;
      s.wq = d.wq;
    } else {
      fail(l, "input has no value");
    }
    out.slot = s.out = new_slot();
    dom_[static_cast<std::size_t>(l.output)] = out;
    m_.steps.push_back(std::move(s));
  }

  void clip(const Layer &l) {
    const Domain &d = input_domain(l);
    Domain out = d;
    if (d.kind == Domain::Acc || d.kind == Domain::Float) { // applied when quantized or dequantized
      out.clo = std::max<double>(d.clo, l.clip_lo);
      out.chi = std::min<double>(d.chi, l.clip_hi);
      dom_[static_cast<std::size_t>(l.output)] = out;
      return;
    }
    const Domain &q = need_quant(l);
    // The bounds in stored integers: the clip commutes with the (monotone) quantization.
    FakeQuantParams fq{q.scale, q.zp + static_cast<std::int32_t>(q.offset), q.lo + q.offset,
                       q.hi + q.offset};
    const std::int64_t lo =
        std::isfinite(l.clip_lo) ? quantize_bound(l.clip_lo, fq) - q.offset : q.lo;
    const std::int64_t hi =
        std::isfinite(l.clip_hi) ? quantize_bound(l.clip_hi, fq) - q.offset : q.hi;
    if (lo <= q.lo && hi >= q.hi) {
      dom_[static_cast<std::size_t>(l.output)] = q;
      return;
    }
    Step s;
    s.kind = StepKind::Requant;
    s.where = where(l);
    s.in = {q.slot};
    s.from_quant = true;
    s.a_scale = q.scale;
    s.in_zero_point = q.zp;
    s.rq = kernels::Requant{q.layout, q.scale, q.zp, lo, hi};
    out.lo = std::max(lo, q.lo), out.hi = std::min(hi, q.hi);
    out.slot = s.out = new_slot();
    dom_[static_cast<std::size_t>(l.output)] = out;
    m_.steps.push_back(std::move(s));
  }

  void pool(const Layer &l) {
    const Domain &d = need_quant(l);
    Step s;
    s.kind = l.kind == LayerKind::MaxPool   ? StepKind::MaxPool
             : l.kind == LayerKind::AvgPool ? StepKind::AvgPool
                                            : StepKind::GlobalAvgPool;
    s.where = where(l);
    s.in = {d.slot};
    const PoolParams &p = l.pool;
    s.pool = kernels::Pool2dParams{p.kernel_h,   p.kernel_w,          p.stride_h,
                                   p.stride_w,   p.pad_top,           p.pad_left,
                                   p.pad_bottom, p.pad_right,         p.dilation_h,
                                   p.dilation_w, p.count_include_pad, kernels::DataFormat::NCHW};
    Domain out = d;
    out.slot = s.out = new_slot();
    dom_[static_cast<std::size_t>(l.output)] = out;
    m_.steps.push_back(std::move(s));
  }

  void reshape(const Layer &l) {
    const Domain &d = input_domain(l);
    if (d.kind != Domain::Float && d.kind != Domain::Quant)
      need_quant(l);
    Step s;
    s.kind = StepKind::Reshape;
    s.where = where(l);
    s.in = {d.slot};
    s.reshape = l;
    Domain out = d;
    out.slot = s.out = new_slot();
    dom_[static_cast<std::size_t>(l.output)] = out;
    m_.steps.push_back(std::move(s));
  }

  // Mark a fused chain's layers compiled; returns the FakeQuant layer.
  const Layer &take_chain(const Chain &c) {
    for (int i : c.layers)
      done_[static_cast<std::size_t>(i)] = true;
    return g_.layers[static_cast<std::size_t>(c.fake_quant)];
  }

  void add(const Layer &l) {
    const Domain &a = need_quant(l, 0);
    const Domain &b = need_quant(l, 1);
    const Chain c = requant_chain(g_, l.output);
    if (c.fake_quant < 0)
      fail(l, "its sum must be requantized: put QuantizeLinear -> DequantizeLinear after it "
              "(optionally after a Relu)");
    const Layer &fq = take_chain(c);
    Domain out;
    Step s;
    s.kind = StepKind::Add;
    s.where = where(l);
    s.in = {a.slot, b.slot};
    s.rq = requant_for(fq, c.lo, c.hi, out);
    out.slot = s.out = new_slot();
    dom_[static_cast<std::size_t>(fq.output)] = out;
    m_.steps.push_back(std::move(s));
  }

  void compute(const Layer &l) {
    const Domain &x = need_quant(l);
    if (!l.weights.quant)
      fail(l, "its weights are float; the integer executor needs quantized weights (a QDQ model, "
              "or post-training "
              "quantization: --bits)");
    const QuantWeights &qw = *l.weights.quant;
    const Shape &ws = l.weights.real.shape;
    const std::int64_t O = ws[0],
                       K = static_cast<std::int64_t>(qw.q.size()) / std::max<std::int64_t>(O, 1);
    const bool is_conv = l.kind == LayerKind::Conv;

    // Per-channel parameters (one value each when the tensor has one scale and zero point).
    const bool per_channel = qw.scale.size() > 1 || qw.zero_point.size() > 1;
    const std::size_t nc = per_channel ? static_cast<std::size_t>(O) : 1;
    if ((qw.scale.size() != 1 && qw.scale.size() != nc) ||
        (qw.zero_point.size() != 1 && qw.zero_point.size() != nc))
      fail(l, "weight scales / zero points do not match the " + std::to_string(O) +
                  " output channels");
    std::vector<float> scale(nc);
    std::vector<std::int32_t> zp(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      scale[c] = qw.scale.size() == 1 ? qw.scale[0] : qw.scale[c];
      zp[c] = qw.zero_point.size() == 1 ? qw.zero_point[0] : qw.zero_point[c];
    }
    const detail::IntLayout il = detail::weight_layout(qw.q, zp, !is_conv || l.conv.groups == 1);
    if (il.layout.bits > kernels::kMaxKernelBits)
      fail(l, "its weights need " + std::to_string(il.layout.bits) + " bits; the kernels take 1-8");

    Step s;
    s.kind = is_conv ? StepKind::Conv : StepKind::Gemm;
    s.where = where(l);
    s.in = {x.slot};
    s.a_scale = x.scale;
    s.wq = kernels::QuantParams{scale, zp, per_channel ? 0 : -1};
    const std::vector<std::int64_t> bias = bias_ints(l, x.scale, scale, O);
    const unsigned guard = choose_swar_guard(x.layout.bits, il.layout.bits, K,
                                             O + (il.encoding == detail::Encoding::TwoLevel));

    std::vector<std::int64_t> stored(qw.q.size());
    kernels::QuantParams packed_q;
    std::vector<std::int32_t> packed_bias;
    Shape packed_shape = ws;
    if (il.encoding == detail::Encoding::TwoLevel) {
      for (std::size_t i = 0; i < stored.size(); ++i)
        stored[i] = qw.q[i] == il.v1 ? 1 : 0;
      stored.insert(stored.end(), static_cast<std::size_t>(K), 1); // the all-ones channel
      packed_shape[0] = O + 1;
      packed_q = kernels::QuantParams{{1.0f}, {0}, -1}; // only the integers matter here
      s.two.on = true;
      s.two.t.d = il.v1 - il.v0;
      s.two.t.bias = bias;
      for (std::int64_t c = 0; c < O; ++c)
        s.two.t.v0_minus_zp.push_back(il.v0 - zp[per_channel ? static_cast<std::size_t>(c) : 0]);
    } else {
      for (std::size_t i = 0; i < stored.size(); ++i)
        stored[i] = qw.q[i] - il.offset;
      std::vector<std::int32_t> zs(zp);
      for (auto &z : zs)
        z = static_cast<std::int32_t>(z - il.offset);
      packed_q = kernels::QuantParams{scale, zs, per_channel ? 0 : -1};
      for (std::int64_t b : bias)
        packed_bias.push_back(static_cast<std::int32_t>(b));
    }
    const kernels::QTensor wt =
        kernels::QTensor::from_ints(packed_shape, il.layout, stored, packed_q);
    if (is_conv) {
      const ConvParams &p = l.conv;
      s.conv_p = kernels::Conv2dParams{
          p.stride_h,  p.stride_w,   p.pad_top,    p.pad_left, p.pad_bottom,
          p.pad_right, p.dilation_h, p.dilation_w, p.groups,   kernels::DataFormat::NCHW};
      s.conv_w = kernels::PackedConvWeights::prepack(wt, packed_bias, x.layout, p.groups, guard);
    } else {
      s.gemm_w = kernels::PackedWeights::prepack(wt, packed_bias, x.layout, guard);
    }

    LayerInfo info;
    info.name = l.name;
    info.op = l.op_type;
    info.wbits = il.layout.bits;
    info.abits = x.layout.bits;
    info.weight_encoding = detail::to_string(il.encoding);
    info.weight_count = static_cast<std::int64_t>(qw.q.size());
    info.bytes = (qw.q.size() * il.layout.bits + 7) / 8 + 8 * static_cast<std::size_t>(O);
    m_.layers.push_back(info);

    Domain out;
    const Chain c = requant_chain(g_, l.output);
    if (c.fake_quant >= 0) {
      const Layer &fq = take_chain(c);
      s.rq = requant_for(fq, c.lo, c.hi, out);
      s.rqz.emplace(x.scale, s.wq, static_cast<std::size_t>(O), *s.rq);
      out.slot = s.out = new_slot();
      dom_[static_cast<std::size_t>(fq.output)] = out;
    } else {
      out.kind = Domain::Acc;
      out.a_scale = x.scale;
      out.wq = s.wq;
      out.slot = s.out = new_slot();
      dom_[static_cast<std::size_t>(l.output)] = out;
    }
    m_.steps.push_back(std::move(s));
  }

  // int32 bias in units of a_scale * w_scale[c]: the file's integers when their scale is that
  // (standard QDQ), else the float bias rounded onto that grid.
  std::vector<std::int64_t> bias_ints(const Layer &l, float a_scale,
                                      const std::vector<float> &scale, std::int64_t O) const {
    std::vector<std::int64_t> out(static_cast<std::size_t>(O), 0);
    if (l.bias.real.empty())
      return out;
    for (std::int64_t c = 0; c < O; ++c) {
      const auto cu = static_cast<std::size_t>(c);
      const double unit = double(a_scale) * double(scale.size() == 1 ? scale[0] : scale[cu]);
      double v;
      const bool exact =
          !l.bias.q.empty() &&
          std::fabs(double(l.bias.scale.size() == 1 ? l.bias.scale[0] : l.bias.scale[cu]) - unit) <=
              1e-6 * unit;
      if (exact)
        v = double(l.bias.q[cu]);
      else
        v = std::nearbyint(double(l.bias.real[cu]) / unit);
      if (!(std::fabs(v) <= 2147483647.0))
        fail(l, "bias of channel " + std::to_string(c) +
                    " does not fit int32 in units of input scale x weight scale");
      out[cu] = static_cast<std::int64_t>(v);
    }
    return out;
  }

  void output() {
    const Domain &d = dom_[static_cast<std::size_t>(g_.output)];
    Step s;
    s.kind = StepKind::Dequantize;
    s.where = "graph output '" + g_.values[static_cast<std::size_t>(g_.output)].name + "'";
    s.in = {d.slot};
    if (d.kind == Domain::Acc) {
      for (std::size_t c = 0; c < d.wq.channels(); ++c)
        s.deq_scale.push_back(double(d.a_scale) * d.wq.scale_of(c));
      s.clamp_lo = d.clo, s.clamp_hi = d.chi;
    } else if (d.kind == Domain::Quant) {
      s.deq_scale = {double(d.scale)};
      s.deq_zero_point = d.zp;
      s.deq_offset = d.offset;
      s.clamp_lo = -kInf, s.clamp_hi = kInf;
    } else {
      throw std::invalid_argument(
          "samd infer: the graph output is never quantized: nothing for the integer executor "
          "to run (quantize the model: --bits)");
    }
    m_.ints_slot = d.slot;
    m_.output_slot = s.out = new_slot();
    m_.steps.push_back(std::move(s));
  }

  // A requantized Conv whose output only a MaxPool right after it reads: one fused kernel call
  // (kernels::conv2d_max_pool, the same integers).
  void fuse_pools() {
    std::vector<int> readers(static_cast<std::size_t>(m_.slots), 0);
    for (const Step &s : m_.steps)
      for (int i : s.in)
        ++readers[static_cast<std::size_t>(i)];
    for (std::size_t i = 0; i + 1 < m_.steps.size(); ++i) {
      Step &c = m_.steps[i];
      const Step &p = m_.steps[i + 1];
      if (c.kind != StepKind::Conv || !c.rqz || c.fused_pool || p.kind != StepKind::MaxPool ||
          p.in[0] != c.out || readers[static_cast<std::size_t>(c.out)] != 1 ||
          c.out == m_.ints_slot || c.out == m_.output_slot || c.conv_p.format != p.pool.format)
        continue;
      c.fused_pool = p.pool;
      c.out = p.out;
      m_.steps.erase(m_.steps.begin() + static_cast<std::ptrdiff_t>(i + 1));
    }
  }

  const Graph &g_;
  IntegerModel::Impl m_;
  std::vector<Domain> dom_;
  std::vector<bool> done_;
};

} // namespace

IntegerModel IntegerModel::compile(const Graph &g, const kernels::KernelOptions &opt) {
  IntegerModel m;
  *m.impl_ = Compiler(g, opt).run();
  return m;
}

} // namespace samd::infer
