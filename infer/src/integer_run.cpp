// Running the compiled steps: every step is one kernel call on packed integers, except the
// input quantization and the final dequantization.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "integer_impl.hpp"

namespace samd::infer {
namespace {

template <class T> const T &slot_as(const std::vector<Slot> &slots, int i, const Step &s) {
  const T *v = std::get_if<T>(&slots[static_cast<std::size_t>(i)]);
  if (!v)
    throw std::logic_error("samd infer: " + s.where +
                           ": input slot holds the wrong kind of tensor");
  return *v;
}

// Elements per channel step when the channel is dimension 1 ({N, C, ...}).
std::size_t inner_of(const Shape &s) {
  std::size_t inner = 1;
  for (std::size_t d = 2; d < s.size(); ++d)
    inner *= static_cast<std::size_t>(s[d]);
  return inner;
}

// Two-level weights: the layer's sums from the kernel's {N, O + 1, ...} sums (the last channel
// is the all-ones one), exactly; then the requantization if fused.
Slot finish_sums(kernels::Int32Tensor acc, const Step &s) {
  if (s.two.on)
    acc = kernels::combine_two_level(acc, s.two.t, 1);
  if (s.rqz)
    return kernels::requantize_with(*s.rqz, acc, 1);
  return acc;
}

Slot run_compute(const Step &s, const kernels::QTensor &x, const kernels::KernelOptions &opt) {
  if (s.kind == StepKind::Conv) {
    const kernels::TwoLevel *two = s.two.on ? &s.two.t : nullptr;
    if (s.rqz && s.fused_pool)
      return kernels::conv2d_max_pool(x, s.conv_w, s.conv_p, *s.rqz, *s.fused_pool, opt, two);
    if (s.rqz)
      return kernels::conv2d(x, s.conv_w, s.conv_p, *s.rqz, opt, two);
    return finish_sums(kernels::conv2d_s32(x, s.conv_w, s.conv_p, opt), s);
  }
  return finish_sums(kernels::gemm_s32(x, s.gemm_w, opt), s);
}

Slot run_requant(const Step &s, const Slot &in) {
  if (!s.from_quant) {
    const kernels::Int32Tensor &acc = std::get<kernels::Int32Tensor>(in);
    if (acc.shape.size() < 2)
      throw std::logic_error("samd infer: " + s.where + ": sums without a channel axis");
    const kernels::Requantizer r(s.a_scale, s.wq, static_cast<std::size_t>(acc.shape[1]), *s.rq);
    return kernels::requantize_with(r, acc, 1);
  }
  const kernels::QTensor &q = std::get<kernels::QTensor>(in);
  const std::vector<std::int64_t> v = q.to_ints();
  kernels::Int32Tensor centered{q.shape(), std::vector<std::int32_t>(v.size())};
  for (std::size_t i = 0; i < v.size(); ++i)
    centered.data[i] = static_cast<std::int32_t>(v[i] - s.in_zero_point);
  return kernels::requantize(centered, s.a_scale, kernels::QuantParams{}, 0, *s.rq);
}

FloatTensor dequantize(const Step &s, const Slot &in, std::vector<std::int64_t> &ints) {
  FloatTensor out;
  if (const auto *acc = std::get_if<kernels::Int32Tensor>(&in)) {
    out.shape = acc->shape;
    const std::size_t inner = inner_of(acc->shape),
                      channels =
                          acc->shape.size() > 1 ? static_cast<std::size_t>(acc->shape[1]) : 1;
    out.data.resize(acc->data.size());
    ints.assign(acc->data.begin(), acc->data.end());
    for (std::size_t i = 0; i < acc->data.size(); ++i) {
      const double sc =
          s.deq_scale.size() == 1 ? s.deq_scale[0] : s.deq_scale[(i / inner) % channels];
      out.data[i] = static_cast<float>(std::clamp(acc->data[i] * sc, s.clamp_lo, s.clamp_hi));
    }
    return out;
  }
  const kernels::QTensor &q = std::get<kernels::QTensor>(in);
  out.shape = q.shape();
  ints = q.to_ints();
  out.data.resize(ints.size());
  for (std::size_t i = 0; i < ints.size(); ++i) {
    out.data[i] = static_cast<float>(s.deq_scale[0] * double(ints[i] - s.deq_zero_point));
    ints[i] += s.deq_offset; // the model's own integers
  }
  return out;
}

// QuantizeLinear of the float input (round half to even), then the narrower clamp if any.
kernels::QTensor quantize_input(const Step &s, const FloatTensor &x) {
  kernels::QTensor q = kernels::QTensor::quantize(x.shape, s.layout, x.data, s.quant);
  if (s.lo <= s.layout.min_value() && s.hi >= s.layout.max_value())
    return q;
  std::vector<std::int64_t> v = q.to_ints();
  for (auto &e : v)
    e = std::clamp(e, s.lo, s.hi);
  return kernels::QTensor::from_ints(x.shape, s.layout, v, s.quant);
}

// The same for inputs given as codes into a 256-entry table: each code's integer from
// quantize_input on the table itself, then the codes mapped and packed.
// pre: s.quant is per tensor; x's element count matches x.shape.
kernels::QTensor quantize_codes(const Step &s, const PixelBatch &x) {
  const FloatTensor table{{256}, std::vector<float>(x.values->begin(), x.values->end())};
  const std::vector<std::int64_t> q = quantize_input(s, table).to_ints();
  std::array<std::int32_t, 256> lut{};
  for (std::size_t c = 0; c < lut.size(); ++c)
    lut[c] = static_cast<std::int32_t>(q[c]);
  const std::size_t n = kernels::element_count(x.shape, "input");
  if (s.layout.field() == 8 && std::endian::native == std::endian::little) {
    // 8 lanes of 8 bits a word, lane j in bits 8j..8j+7: the words are the lanes' bytes in order.
    std::array<std::uint8_t, 256> bytes{};
    for (std::size_t c = 0; c < bytes.size(); ++c)
      bytes[c] = static_cast<std::uint8_t>(lut[c] & 0xFF);
    std::vector<std::uint64_t> words((n + 7) / 8, 0); // the tail lanes 0
    auto *dst = reinterpret_cast<unsigned char *>(words.data());
    bool identity = true; // e.g. pixel / 255 at scale 1 / 255: the codes are the integers
    for (std::size_t c = 0; c < bytes.size(); ++c)
      identity = identity && lut[c] == static_cast<std::int32_t>(c);
    if (identity)
      std::memcpy(dst, x.codes, n);
    else
      for (std::size_t i = 0; i < n; ++i)
        dst[i] = bytes[x.codes[i]];
    return kernels::QTensor::from_words(x.shape, s.layout, std::move(words), s.quant);
  }
  std::vector<std::int32_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = lut[x.codes[i]];
  return kernels::QTensor::from_words(x.shape, s.layout, kernels::pack_lanes(s.layout, v.data(), n),
                                      s.quant);
}

} // namespace

IntegerModel::IntegerModel() : impl_(std::make_unique<Impl>()) {}
IntegerModel::~IntegerModel() = default;
IntegerModel::IntegerModel(IntegerModel &&) noexcept = default;
IntegerModel &IntegerModel::operator=(IntegerModel &&) noexcept = default;

const std::vector<LayerInfo> &IntegerModel::layers() const { return impl_->layers; }
kernels::Path IntegerModel::path() const { return impl_->opt.path; }

std::size_t IntegerModel::model_bytes() const {
  std::size_t b = 0;
  for (const LayerInfo &l : impl_->layers)
    b += l.bytes;
  return b;
}

IntegerOutput IntegerModel::run(const PixelBatch &x) const {
  const Impl &m = *impl_;
  for (const Step &s : m.steps)
    for (const std::int64_t in : s.in)
      if (in == m.input_slot && (s.kind != StepKind::QuantizeInput || s.quant.channels() != 1))
        return run(x.floats()); // the float input itself is read
  check_input_shape(x.shape);
  return run_steps(nullptr, &x);
}

IntegerOutput IntegerModel::run(const FloatTensor &x) const {
  check_input_shape(x.shape);
  if (x.data.size() != kernels::element_count(x.shape, "input"))
    throw std::invalid_argument("samd infer: input data does not match its shape " +
                                kernels::to_string(x.shape));
  return run_steps(&x, nullptr);
}

void IntegerModel::check_input_shape(const Shape &shape) const {
  const Shape &want = impl_->input_shape;
  if (shape.size() != want.size() || shape.empty() ||
      !std::equal(shape.begin() + 1, shape.end(), want.begin() + 1))
    throw std::invalid_argument("samd infer: input of shape " + kernels::to_string(shape) +
                                " for a model that takes " +
                                kernels::to_string(with_batch(want, -1)) + " (-1: any batch)");
}

// x or px: the input (px only when every step reading it is a per-tensor QuantizeLinear).
IntegerOutput IntegerModel::run_steps(const FloatTensor *x, const PixelBatch *px) const {
  const Impl &m = *impl_;
  std::vector<Slot> slots(static_cast<std::size_t>(m.slots));
  // The input is read where it is (no copy into its slot).
  const auto float_in = [&](const Step &s) -> const FloatTensor & {
    return s.in[0] == m.input_slot ? *x : slot_as<FloatTensor>(slots, s.in[0], s);
  };
  IntegerOutput result;
  for (const Step &s : m.steps) {
    const Slot &in = slots[static_cast<std::size_t>(s.in[0])];
    Slot out;
    switch (s.kind) {
    case StepKind::QuantizeInput:
      out = px && s.in[0] == m.input_slot ? quantize_codes(s, *px) : quantize_input(s, float_in(s));
      break;
    case StepKind::Conv:
    case StepKind::Gemm:
      out = run_compute(s, slot_as<kernels::QTensor>(slots, s.in[0], s), m.opt);
      break;
    case StepKind::Requant:
      out = run_requant(s, in);
      break;
    case StepKind::MaxPool:
      out = kernels::max_pool2d(slot_as<kernels::QTensor>(slots, s.in[0], s), s.pool, m.opt);
      break;
    case StepKind::AvgPool:
      out = kernels::avg_pool2d(slot_as<kernels::QTensor>(slots, s.in[0], s), s.pool, m.opt);
      break;
    case StepKind::GlobalAvgPool:
      out = kernels::global_avg_pool(slot_as<kernels::QTensor>(slots, s.in[0], s),
                                     kernels::DataFormat::NCHW, m.opt);
      break;
    case StepKind::Reshape:
      if (const auto *q = std::get_if<kernels::QTensor>(&in)) {
        const Shape shape = infer_shape(s.reshape, {q->shape()});
        out = q->quant().channels() == 1
                  ? q->reshaped(shape)
                  : kernels::QTensor::from_ints(shape, q->layout(), q->to_ints(), q->quant());
      } else {
        const FloatTensor &f = float_in(s);
        out = FloatTensor{infer_shape(s.reshape, {f.shape}), f.data};
      }
      break;
    case StepKind::Add:
      out = kernels::add(slot_as<kernels::QTensor>(slots, s.in[0], s),
                         slot_as<kernels::QTensor>(slots, s.in[1], s), *s.rq, m.opt);
      break;
    case StepKind::Dequantize:
      out = dequantize(s, in, result.ints);
      break;
    }
    slots[static_cast<std::size_t>(s.out)] = std::move(out);
  }
  result.real = std::move(std::get<FloatTensor>(slots[static_cast<std::size_t>(m.output_slot)]));
  return result;
}

} // namespace samd::infer
