// samd infer: run quantized networks on the integer kernels and report accuracy, speed and size.
// With no arguments: every embedded model (models/embedded.txt) on the 10k Fashion-MNIST test
// images, one row per width.
#include "commands.hpp"

#include <samd/infer/infer.hpp>

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace samd::cli {
namespace {

namespace inf = samd::infer;

struct Options {
  std::vector<std::string> models;
  std::string data = inf::kDefaultFashionMnistDir;
  std::string bits, layers, path = "auto", json;
  unsigned wbits = 0, abits = 0;
  int threads = 1, calib = 500;
  std::int64_t limit = 0, batch = 64;
  bool use_float = false;
};

struct Job {
  std::string model, label;
  enum class Mode { AsIs, Float, Ptq } mode = Mode::AsIs;
  std::string spec; // Ptq: "W/A" (all layers) or a per-layer list
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

// Evenly spaced training images for calibration.
inf::FloatTensor calibration_images(const std::string &data_dir, int count) {
  const inf::ImageSet train = inf::load_fashion_mnist(data_dir, "train");
  const std::int64_t n = std::clamp<std::int64_t>(count, 1, train.count);
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

Row run_job(const Job &job, const Options &o, const inf::ImageSet &test) {
  inf::Graph g = inf::import_onnx_file(job.model);
  const inf::Shape &in = g.values[static_cast<std::size_t>(g.input)].shape;
  if (in.size() != 4 || in[1] != 1 || in[2] != test.rows || in[3] != test.cols)
    throw std::runtime_error(
        "samd infer: " + job.model + " takes input " + kernels::to_string(inf::with_batch(in, -1)) +
        " but the images are 1 x " + std::to_string(test.rows) + " x " + std::to_string(test.cols));
  Row row;
  row.model = std::filesystem::path(job.model).filename().string();
  row.label = job.label;
  // From the images' 8-bit codes: the float executor gets them as floats, the integer model
  // quantizes them by table (the same integers as from the floats).
  inf::PixelRunner runner;
  std::optional<inf::IntegerModel> im;
  if (job.mode == Job::Mode::Float) {
    if (g.has_fake_quant())
      throw std::runtime_error("samd infer: --float needs a float model; " + job.model +
                               " is quantized");
    row.integer = false;
    row.widths = "fp32 (float reference executor)";
    row.path = "float";
    runner = [&g](const inf::PixelBatch &x) { return inf::run_float(g, x.floats()); };
  } else {
    if (job.mode == Job::Mode::Ptq) {
      const inf::PtqSpec spec =
          job.spec.find(',') != std::string::npos ? inf::parse_layer_spec(job.spec, g) : [&] {
            unsigned w = 0, a = 0;
            char slash = 0;
            std::istringstream is(job.spec);
            is >> w >> slash >> a;
            return inf::uniform_spec(g, w, a);
          }();
      g = inf::quantize_post_training(g, spec, calibration_images(o.data, o.calib));
      row.ptq = true;
    }
    kernels::KernelOptions kopt;
    kopt.path = kernels::parse_path(o.path);
    im = inf::IntegerModel::compile(g, kopt);
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

std::string json_escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

void write_json(const std::string &path, const std::vector<Row> &rows) {
  std::ofstream f(path);
  if (!f)
    throw std::runtime_error("samd infer: cannot write " + path);
  f << "[\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row &r = rows[i];
    f << "  {\"model\": \"" << json_escape(r.model) << "\", \"label\": \"" << json_escape(r.label)
      << "\", \"wbits\": " << r.wbits << ", \"abits\": " << r.abits << ", \"layers\": \""
      << json_escape(r.widths) << "\", \"path\": \"" << r.path
      << "\", \"images\": " << r.eval.images << ", \"accuracy\": " << r.eval.accuracy()
      << ", \"images_per_s\": " << r.eval.images_per_s() << ", \"latency_ms\": " << r.latency
      << ", \"model_bytes\": " << r.bytes;
    if (r.agreement)
      f << ", \"pytorch_accuracy\": " << *r.torch_accuracy
        << ", \"pytorch_agreement\": " << *r.agreement;
    f << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  f << "]\n";
}

void print_table(const std::vector<Row> &rows, const Options &o) {
  // The same network at W8A8: a QAT model if there is one, else a post-training quantized one.
  const Row *base = nullptr;
  for (const Row &r : rows)
    if (r.integer && r.wbits == 8 && r.abits == 8 && (!base || (base->ptq && !r.ptq)))
      base = &r;
  std::printf("%-26s %-18s %8s %8s %8s %9s %8s %7s %8s\n", "model", "W/A per layer", "top-1",
              "PyTorch", "agree", "images/s", "ms/image", "vs W8A8", "bytes");
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
    std::printf("%-26s %-18s %8s %8s %8s %9.0f %8.3f %7s %8s\n", r.label.c_str(),
                r.integer ? r.widths.c_str() : "fp32", pct(r.eval.accuracy()).c_str(),
                pct(r.torch_accuracy).c_str(), pct(r.agreement).c_str(), r.eval.images_per_s(),
                r.latency, speed, bytes);
  }
  std::printf("%lld test images, kernel path %s, %d thread(s). W/A per layer: weight / "
              "input-activation bits of each "
              "Conv and Gemm. bytes: weights at their width + a float32 scale and an int32 bias "
              "per channel.\n",
              static_cast<long long>(rows.empty() ? 0 : rows[0].eval.images),
              rows.empty() ? "-" : o.path.c_str(), o.threads);
}

std::vector<Job> make_jobs(const Options &o) {
  std::vector<Job> jobs;
  const bool ptq = !o.bits.empty() || o.wbits || o.abits || !o.layers.empty();
  if (o.models.empty()) {
    if (ptq || o.use_float)
      throw std::runtime_error(
          "samd infer: --bits, --wbits/--abits, --layers and --float need --model");
    const std::string dir = inf::find_models_dir();
    for (const inf::EmbeddedModel &m : inf::read_manifest(dir)) {
      Job j{dir + "/" + m.file, std::filesystem::path(m.file).stem().string(), Job::Mode::AsIs, ""};
      if (m.mode == inf::EmbeddedModel::Mode::Float)
        j.mode = Job::Mode::Float, j.label += " (fp32)";
      if (m.mode == inf::EmbeddedModel::Mode::Ptq) {
        j.mode = Job::Mode::Ptq;
        j.spec = std::to_string(m.wbits) + "/" + std::to_string(m.abits);
        j.label += " PTQ W" + std::to_string(m.wbits) + "A" + std::to_string(m.abits);
      }
      jobs.push_back(j);
    }
    return jobs;
  }
  if ((o.wbits != 0) != (o.abits != 0))
    throw std::runtime_error("samd infer: give --wbits and --abits together");
  for (const std::string &model : o.models) {
    const std::string stem = std::filesystem::path(model).stem().string();
    if (o.use_float)
      jobs.push_back({model, stem + " (fp32)", Job::Mode::Float, ""});
    if (!o.layers.empty())
      jobs.push_back({model, stem + " PTQ " + o.layers, Job::Mode::Ptq, o.layers});
    if (o.wbits)
      jobs.push_back({model,
                      stem + " PTQ W" + std::to_string(o.wbits) + "A" + std::to_string(o.abits),
                      Job::Mode::Ptq, std::to_string(o.wbits) + "/" + std::to_string(o.abits)});
    std::istringstream bits(o.bits);
    for (std::string b; std::getline(bits, b, ',');)
      jobs.push_back({model, stem + " PTQ W" + b + "A" + b, Job::Mode::Ptq, b + "/" + b});
    if (!ptq && !o.use_float)
      jobs.push_back({model, stem, Job::Mode::AsIs, ""});
  }
  return jobs;
}

int run_infer(const Options &o) {
  std::vector<Job> jobs = make_jobs(o);
  const inf::ImageSet test = inf::load_fashion_mnist(o.data, "t10k");
  std::vector<Row> rows;
  for (Job &j : jobs) {
    if (j.mode == Job::Mode::AsIs && !inf::import_onnx_file(j.model).has_fake_quant()) {
      std::fprintf(stderr,
                   "samd infer: %s is a float model: post-training quantization at W8A8 (choose "
                   "with --bits, "
                   "--wbits/--abits, --layers, or --float)\n",
                   j.model.c_str());
      j.mode = Job::Mode::Ptq, j.spec = "8/8", j.label += " PTQ W8A8";
    }
    rows.push_back(run_job(j, o, test));
  }
  print_table(rows, o);
  if (!o.json.empty())
    write_json(o.json, rows);
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
                  "post-training quantization of a float model, W = A, comma list (e.g. 8,4,2)");
  sub->add_option("--wbits", o.wbits, "post-training quantization: weight bits (with --abits)");
  sub->add_option("--abits", o.abits, "post-training quantization: activation bits (with --wbits)");
  sub->add_option("--layers", o.layers,
                  "post-training quantization per Conv/Gemm layer: W/A,W/A,... (A = input bits)");
  sub->add_option("--calib", o.calib,
                  "training images used to calibrate post-training quantization")
      ->capture_default_str();
  sub->add_option("--path", o.path, "kernel path: auto | reference | swar | avx2 | avx512")
      ->capture_default_str();
  sub->add_option("--threads", o.threads, "worker threads (each runs whole batches)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  sub->add_option("--limit", o.limit, "evaluate only the first N test images (0: all)")
      ->capture_default_str();
  sub->add_option("--batch", o.batch, "images per kernel call")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  sub->add_flag("--float", o.use_float, "run a float model on the float reference executor");
  sub->add_option("--json", o.json, "write one record per model / width to FILE");
  sub->callback([] {
    try {
      run_infer(o);
    } catch (const std::exception &e) {
      std::cerr << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

} // namespace samd::cli
