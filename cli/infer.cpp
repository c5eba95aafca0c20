// samd infer: run quantized networks on the integer kernels and report accuracy, speed and size.
// With no arguments: every embedded model (models/embedded.txt) on the 10k Fashion-MNIST test
// images, one row per width.
#include "commands.hpp"
#include "options.hpp"

#include <output_file.hpp>

#include <samd/infer/infer.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <utility>

namespace samd::cli {
namespace {

namespace inf = samd::infer;

struct Options {
  std::vector<std::string> models;
  std::string data = inf::kDefaultFashionMnistDir;
  std::string bits, layers, path = "auto", json;
  unsigned wbits = 0, abits = 0; // 0: not given (the options take 1-8)
  int threads = 1;
  std::int64_t calib = 500, limit = 0, batch = 64;
  bool calib_given = false, use_float = false;
};

struct Job {
  enum class Mode { AsIs, Float, Ptq };
  Job(std::string model_, std::string label_, Mode mode_, std::string layers_ = "")
      : model(std::move(model_)), label(std::move(label_)), mode(mode_),
        layers(std::move(layers_)) {}

  std::string model, label;
  Mode mode;
  std::string layers;  // Ptq: the --layers list, or "" for every layer at `bits`
  inf::LayerBits bits; // Ptq without a list
  inf::PtqSpec spec;   // Ptq: resolved against the model before any job runs
};

struct Row {
  std::string model, label, widths;
  unsigned wbits = 32, abits = 32;
  bool integer = true, ptq = false;
  inf::EvalResult eval;
  double latency = 0;
  std::size_t bytes = 0;
  std::optional<double> torch_accuracy, agreement;
  std::string path;
};

std::string widths_text(const std::vector<inf::LayerInfo> &layers) {
  std::string s;
  for (const auto &l : layers)
    s += (s.empty() ? "" : " ") + std::to_string(l.wbits) + "/" + std::to_string(l.abits);
  return s;
}

// Evenly spaced training images for calibration: --calib of them (500 by default, or the whole
// set when it is smaller; more than the set holds, given explicitly, is an error).
inf::FloatTensor calibration_images(const Options &o) {
  const inf::ImageSet train = inf::load_fashion_mnist(o.data, "train"); // at least 1 image
  if (o.calib_given && o.calib > train.count)
    throw std::runtime_error("samd infer: --calib " + std::to_string(o.calib) + " exceeds the " +
                             std::to_string(train.count) + " training images in '" + o.data + "'");
  const std::int64_t n = std::min(o.calib, train.count);
  inf::FloatTensor all{{n, 1, train.rows, train.cols}, {}};
  const std::int64_t stride = train.count / n;
  for (std::int64_t i = 0; i < n; ++i) {
    const inf::FloatTensor one = train.batch(i * stride, 1);
    all.data.insert(all.data.end(), one.data.begin(), one.data.end());
  }
  return all;
}

void progress_bar(const std::string &label, std::int64_t done, std::int64_t total) {
  const int width = 30, filled = total ? static_cast<int>(width * done / total) : width;
  std::fprintf(stderr, "\r  %-22s [%s%s] %lld/%lld", label.c_str(),
               std::string(static_cast<std::size_t>(filled), '=').c_str(),
               std::string(static_cast<std::size_t>(width - filled), ' ').c_str(),
               static_cast<long long>(done), static_cast<long long>(total));
  if (done >= total)
    std::fprintf(stderr, "\r%*s\r", width + 50, "");
  std::fflush(stderr);
}

// Runs one job whose model and spec were checked (prepare_jobs).
Row run_job(const Job &job, const inf::Graph &model, const Options &o, const inf::ImageSet &test,
            const std::optional<inf::FloatTensor> &calibration) {
  Row row;
  row.model = std::filesystem::path(job.model).filename().string();
  row.label = job.label;
  // From the images' 8-bit codes: the float executor gets them as floats, the integer model
  // quantizes them by table (the same integers as from the floats).
  inf::PixelRunner runner;
  std::optional<inf::IntegerModel> im;
  if (job.mode == Job::Mode::Float) {
    row.integer = false;
    row.widths = "fp32 (float reference executor)";
    row.path = "float";
    runner = [&model](const inf::PixelBatch &x) { return inf::run_float(model, x.floats()); };
  } else {
    kernels::KernelOptions kopt;
    kopt.path = kernels::parse_path(o.path);
    std::optional<inf::Graph> quantized;
    if (job.mode == Job::Mode::Ptq)
      quantized = inf::quantize_post_training(model, job.spec, *calibration);
    im = inf::IntegerModel::compile(quantized ? *quantized : model, kopt);
    row.ptq = job.mode == Job::Mode::Ptq;
    row.widths = widths_text(im->layers());
    row.bytes = im->model_bytes();
    row.path = kernels::to_string(im->path());
    row.wbits = row.abits = 0;
    const auto &ls = im->layers();
    for (std::size_t i = 0; i < ls.size(); ++i) {
      row.wbits = std::max(row.wbits, ls[i].wbits);
      if (i > 0 || ls.size() == 1)
        row.abits = std::max(row.abits, ls[i].abits);
    }
    runner = [&im](const inf::PixelBatch &x) { return im->run(x).real; };
  }
  inf::EvalOptions eo;
  eo.limit = o.limit;
  eo.threads = o.threads;
  eo.batch = o.batch;
  if (isatty(STDERR_FILENO))
    eo.progress = [&](std::int64_t d, std::int64_t t) { progress_bar(row.label, d, t); };
  row.eval = inf::evaluate(runner, test, eo);
  row.latency = inf::latency_ms(runner, test, 30);
  if (job.mode != Job::Mode::Ptq)
    if (auto ref = inf::read_reference_predictions(job.model);
        ref && ref->size() >= row.eval.predictions.size()) {
      std::int64_t same = 0, right = 0;
      for (std::size_t i = 0; i < row.eval.predictions.size(); ++i) {
        same += (*ref)[i] == row.eval.predictions[i];
        right += (*ref)[i] == test.labels[i];
      }
      row.agreement = double(same) / double(row.eval.images);
      row.torch_accuracy = double(right) / double(row.eval.images);
    }
  return row;
}

// One record per row; nlohmann escapes control characters in names, writes a non-finite number
// as null and replaces bytes that are not UTF-8, so the file is always JSON.
std::string json_text(const std::vector<Row> &rows) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const Row &r : rows) {
    nlohmann::ordered_json j = {{"model", r.model},
                                {"label", r.label},
                                {"wbits", r.wbits},
                                {"abits", r.abits},
                                {"layers", r.widths},
                                {"path", r.path},
                                {"images", r.eval.images},
                                {"accuracy", r.eval.accuracy()},
                                {"images_per_s", r.eval.images_per_s()},
                                {"latency_ms", r.latency},
                                {"model_bytes", r.bytes}};
    if (r.agreement) {
      j["pytorch_accuracy"] = *r.torch_accuracy;
      j["pytorch_agreement"] = *r.agreement;
    }
    all.push_back(j);
  }
  return all.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void print_table(const std::vector<Row> &rows, const Options &o) {
  // The same network at W8A8: a QAT model if there is one, else a post-training quantized one.
  const Row *base = nullptr;
  for (const Row &r : rows)
    if (r.integer && r.wbits == 8 && r.abits == 8 && (!base || (base->ptq && !r.ptq)))
      base = &r;
  // The first two columns as wide as their longest entry (a --layers label can be long).
  int label_w = 26, widths_w = 18;
  for (const Row &r : rows) {
    label_w = std::max(label_w, static_cast<int>(r.label.size()));
    widths_w = std::max(widths_w, static_cast<int>(r.widths.size()));
  }
  std::printf("%-*s %-*s %8s %8s %8s %9s %8s %7s %8s\n", label_w, "model", widths_w,
              "W/A per layer", "top-1", "PyTorch", "agree", "images/s", "ms/image", "vs W8A8",
              "bytes");
  for (const Row &r : rows) {
    auto pct = [](std::optional<double> v) {
      char b[16];
      std::snprintf(b, sizeof b, v ? "%.2f%%" : "-", v ? *v * 100 : 0.0);
      return std::string(b);
    };
    char speed[16] = "-", bytes[24] = "-";
    if (base && r.integer)
      std::snprintf(speed, sizeof speed, "%.2fx",
                    r.eval.images_per_s() / base->eval.images_per_s());
    if (r.integer)
      std::snprintf(bytes, sizeof bytes, "%zu", r.bytes);
    std::printf("%-*s %-*s %8s %8s %8s %9.0f %8.3f %7s %8s\n", label_w, r.label.c_str(), widths_w,
                r.integer ? r.widths.c_str() : "fp32", pct(r.eval.accuracy()).c_str(),
                pct(r.torch_accuracy).c_str(), pct(r.agreement).c_str(), r.eval.images_per_s(),
                r.latency, speed, bytes);
  }
  std::printf("%lld test images, kernel path %s, %d thread(s). W/A per layer: weight / "
              "input-activation bits of each Conv and Gemm. images/s: batches of %lld; ms/image: "
              "one image a run (batch-1 latency). bytes: weights at their width + a float32 scale "
              "and an int32 bias per channel.\n",
              static_cast<long long>(rows.empty() ? 0 : rows[0].eval.images),
              rows.empty() ? "-" : o.path.c_str(), o.threads, static_cast<long long>(o.batch));
}

// Post-training quantization of every layer at w / a bits (the first layer reads the 8-bit
// image at 8 bits: uniform_spec).
Job uniform_ptq_job(const std::string &model, const std::string &stem, unsigned w, unsigned a) {
  Job j{model, stem + " PTQ W" + std::to_string(w) + "A" + std::to_string(a), Job::Mode::Ptq};
  j.bits = {w, a};
  return j;
}

// --bits: a comma list of widths 1-8, each used for weights and activations.
std::vector<unsigned> bits_list(const std::string &text) {
  std::vector<unsigned> out;
  for (const std::string &item : split_list(text)) {
    const auto b = inf::parse_width(item, 8);
    if (!b)
      throw CLI::ValidationError("--bits", "item '" + item + "' is not a width 1-8");
    out.push_back(*b);
  }
  return out;
}

std::vector<Job> manifest_jobs() {
  std::vector<Job> jobs;
  const std::string dir = inf::find_models_dir();
  for (const inf::EmbeddedModel &m : inf::read_manifest(dir)) {
    const std::string path = dir + "/" + m.file;
    const std::string stem = std::filesystem::path(m.file).stem().string();
    if (m.mode == inf::EmbeddedModel::Mode::Ptq)
      jobs.push_back(uniform_ptq_job(path, stem, m.wbits, m.abits));
    else if (m.mode == inf::EmbeddedModel::Mode::Float)
      jobs.push_back({path, stem + " (fp32)", Job::Mode::Float});
    else
      jobs.push_back({path, stem, Job::Mode::AsIs});
  }
  return jobs;
}

std::vector<Job> make_jobs(const Options &o) {
  const bool ptq = !o.bits.empty() || o.wbits || o.abits || !o.layers.empty();
  if (o.models.empty()) {
    if (ptq || o.use_float)
      throw std::runtime_error(
          "samd infer: --bits, --wbits/--abits, --layers and --float need --model");
    return manifest_jobs();
  }
  if ((o.wbits != 0) != (o.abits != 0))
    throw std::runtime_error("samd infer: give --wbits and --abits together");
  const std::vector<unsigned> bits = bits_list(o.bits);
  std::vector<Job> jobs;
  for (const std::string &model : o.models) {
    const std::string stem = std::filesystem::path(model).stem().string();
    if (o.use_float)
      jobs.push_back({model, stem + " (fp32)", Job::Mode::Float});
    if (!o.layers.empty())
      jobs.push_back({model, stem + " PTQ " + o.layers, Job::Mode::Ptq, o.layers});
    if (o.wbits)
      jobs.push_back(uniform_ptq_job(model, stem, o.wbits, o.abits));
    for (unsigned b : bits)
      jobs.push_back(uniform_ptq_job(model, stem, b, b));
    if (!ptq && !o.use_float)
      jobs.push_back({model, stem, Job::Mode::AsIs});
  }
  return jobs;
}

// Everything a job needs that can be wrong, checked before the first job runs: the model
// (imported once however many jobs use it), its input against the images, the mode against the
// model, and a PTQ spec against its layers.
void prepare_job(Job &job, const inf::Graph &g, const inf::ImageSet &test) {
  const inf::Shape &in = g.values[static_cast<std::size_t>(g.input)].shape;
  if (in.size() != 4 || in[1] != 1 || in[2] != test.rows || in[3] != test.cols)
    throw std::runtime_error(
        "samd infer: " + job.model + " takes input " + kernels::to_string(inf::with_batch(in, -1)) +
        " but the images are 1 x " + std::to_string(test.rows) + " x " + std::to_string(test.cols));
  // A model with fewer scores than the labels' classes could never be right on the others.
  const inf::Shape &out = g.values[static_cast<std::size_t>(g.output)].shape;
  const std::int64_t classes =
      test.labels.empty() ? 0 : *std::max_element(test.labels.begin(), test.labels.end()) + 1;
  if (out.size() != 2 || out[1] < classes)
    throw std::runtime_error(
        "samd infer: " + job.model + " gives " + kernels::to_string(inf::with_batch(out, -1)) +
        " class scores, but the images' labels go up to " + std::to_string(classes - 1));
  if (job.mode == Job::Mode::AsIs && !g.has_fake_quant()) {
    std::fprintf(stderr,
                 "samd infer: %s is a float model: post-training quantization at W8A8 (choose "
                 "with --bits, --wbits/--abits, --layers, or --float)\n",
                 job.model.c_str());
    job.mode = Job::Mode::Ptq, job.bits = {8, 8}, job.label += " PTQ W8A8";
  }
  if (job.mode != Job::Mode::AsIs && g.has_fake_quant()) {
    const char *what = job.mode == Job::Mode::Float ? "--float" : "post-training quantization";
    throw std::runtime_error(std::string("samd infer: ") + what + " needs a float model; " +
                             job.model + " is quantized");
  }
  if (job.mode == Job::Mode::Ptq)
    job.spec = job.layers.empty() ? inf::uniform_spec(g, job.bits.wbits, job.bits.abits)
                                  : inf::parse_layer_spec(job.layers, g);
}

int run_infer(const Options &o) {
  kernels::resolve_path(kernels::parse_path(o.path)); // an unknown or unsupported path, up front
  std::vector<Job> jobs = make_jobs(o);
  const inf::ImageSet test = inf::load_fashion_mnist(o.data, "t10k");
  std::map<std::string, inf::Graph> models;
  for (Job &j : jobs) {
    auto it = models.find(j.model);
    if (it == models.end())
      it = models.emplace(j.model, inf::import_onnx_file(j.model)).first;
    prepare_job(j, it->second, test);
  }
  std::optional<inf::FloatTensor> calibration;
  if (std::any_of(jobs.begin(), jobs.end(), [](const Job &j) { return j.mode == Job::Mode::Ptq; }))
    calibration = calibration_images(o);
  std::vector<Row> rows;
  for (const Job &j : jobs)
    rows.push_back(run_job(j, models.at(j.model), o, test, calibration));
  print_table(rows, o);
  if (!o.json.empty())
    output::write_file("samd infer", o.json, json_text(rows));
  return 0;
}

} // namespace

void register_infer(CLI::App &app) {
  auto *sub = app.add_subcommand(
      "infer", "run quantized networks (ONNX) on the integer kernels: accuracy, speed, size");
  static Options o;
  sub->add_option("--model", o.models,
                  "ONNX model(s); default: the embedded Fashion-MNIST models at every width");
  sub->add_option("--data", o.data, "Fashion-MNIST directory (IDX files)")->capture_default_str();
  sub->add_option("--bits", o.bits,
                  "post-training quantization of a float model, W = A, comma list of widths 1-8 "
                  "(e.g. 8,4,2)");
  sub->add_option("--wbits", o.wbits, "post-training quantization: weight bits (with --abits)")
      ->check(integer_in(1, 8));
  sub->add_option("--abits", o.abits, "post-training quantization: activation bits (with --wbits)")
      ->check(integer_in(1, 8));
  sub->add_option("--layers", o.layers,
                  "post-training quantization per Conv/Gemm layer: W/A,W/A,... one item per layer "
                  "(A = input bits)");
  sub->add_option("--calib", o.calib,
                  "training images used to calibrate post-training quantization (default: 500, "
                  "or all of a smaller set)")
      ->check(integer_in(1, std::numeric_limits<int>::max()));
  sub->add_option("--path", o.path, "kernel path: auto | reference | swar | avx2 | avx512")
      ->capture_default_str();
  sub->add_option("--threads", o.threads, "worker threads (each runs whole batches)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  sub->add_option("--limit", o.limit, "evaluate only the first N test images (0: all)")
      ->capture_default_str()
      ->check(integer_in(0, std::numeric_limits<std::int64_t>::max()));
  sub->add_option("--batch", o.batch, "images per kernel call")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  sub->add_flag("--float", o.use_float, "run a float model on the float reference executor");
  sub->add_option("--json", o.json, "write one record per model / width to FILE");
  sub->callback([sub] { // errors: main() prints them
    o.calib_given = sub->count("--calib") > 0;
    run_infer(o);
  });
}

} // namespace samd::cli
