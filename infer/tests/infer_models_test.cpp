// The embedded models on real Fashion-MNIST test images:
//  - exactness: the integer pipeline gives identical integers (logit sums) on the Reference path
//    and on every other supported path (Swar, and each SIMD path the CPU runs);
//  - agreement: samd's top-1 predictions match PyTorch's fake-quantized model (saved by the
//    training tool next to each model) on >= 99 % of the images.
// Image counts: SAMD_INFER_TEST_IMAGES (exactness, default 200) and SAMD_INFER_AGREEMENT_IMAGES
// (default 10000; ctest uses 5000, the sanitizer build fewer).
#include <catch2/catch.hpp>

#include <samd/infer/infer.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace samd::infer;
namespace kernels = samd::kernels;

namespace {

std::int64_t env_count(const char *name, std::int64_t fallback) {
  const char *v = std::getenv(name);
  return v && *v ? std::atoll(v) : fallback;
}

const ImageSet &test_images() {
  static const ImageSet s = load_fashion_mnist(kDefaultFashionMnistDir, "t10k");
  return s;
}

// The quantized graph of a manifest entry (post-training quantization where the manifest asks).
Graph quantized_graph(const std::string &dir, const EmbeddedModel &m) {
  Graph g = import_onnx_file(dir + "/" + m.file);
  if (m.mode != EmbeddedModel::Mode::Ptq)
    return g;
  const ImageSet train = load_fashion_mnist(kDefaultFashionMnistDir, "train");
  return quantize_post_training(g, uniform_spec(g, m.wbits, m.abits), train.batch(0, 200));
}

// SAMD_INFER_TEST_IMAGES (default 200), at most the test set.
std::int64_t exactness_images() {
  return std::min<std::int64_t>(env_count("SAMD_INFER_TEST_IMAGES", 200), test_images().count);
}

std::vector<std::int64_t> run_ints(const IntegerModel &m, std::int64_t images) {
  std::vector<std::int64_t> all;
  for (std::int64_t first = 0; first < images; first += 50) {
    const IntegerOutput out =
        m.run(test_images().batch(first, std::min<std::int64_t>(50, images - first)));
    all.insert(all.end(), out.ints.begin(), out.ints.end());
  }
  return all;
}

} // namespace

TEST_CASE("every embedded model gives identical integers on every kernel path",
          "[infer][exactness]") {
  const std::string dir = find_models_dir();
  const std::int64_t images = exactness_images();
  int checked = 0;
  for (const EmbeddedModel &m : read_manifest(dir)) {
    if (m.mode == EmbeddedModel::Mode::Float)
      continue;
    const Graph g = quantized_graph(dir, m);
    kernels::KernelOptions ref;
    ref.path = kernels::Path::Reference;
    const std::vector<std::int64_t> want = run_ints(IntegerModel::compile(g, ref), images);
    for (kernels::Path p : kernels::supported_paths()) {
      if (p == kernels::Path::Reference)
        continue;
      kernels::KernelOptions o;
      o.path = p;
      INFO(m.file << " on the " << kernels::to_string(p) << " path, " << images << " images");
      CHECK(run_ints(IntegerModel::compile(g, o), images) == want);
      ++checked;
    }
  }
  CHECK(checked > 0);
}

TEST_CASE("the input quantized by table from the pixels' codes gives the integers of the float "
          "input",
          "[infer][exactness]") {
  const std::string dir = find_models_dir();
  const std::int64_t images = exactness_images();
  // Every one of the 256 codes, in one batch of one image per code value.
  std::vector<std::uint8_t> codes(256 * 28 * 28);
  for (std::size_t i = 0; i < codes.size(); ++i)
    codes[i] = static_cast<std::uint8_t>(i / (28 * 28) + i);
  const PixelBatch all{{256, 1, 28, 28}, codes.data(), &pixel_values()};
  int checked = 0;
  for (const EmbeddedModel &m : read_manifest(dir)) {
    if (m.mode == EmbeddedModel::Mode::Float)
      continue;
    const IntegerModel model = IntegerModel::compile(quantized_graph(dir, m));
    for (std::int64_t first = 0; first < images; first += 50) {
      const std::int64_t n = std::min<std::int64_t>(50, images - first);
      INFO(m.file << ", images " << first << " + " << n);
      const IntegerOutput from_codes = model.run(test_images().pixel_batch(first, n));
      const IntegerOutput from_floats = model.run(test_images().batch(first, n));
      CHECK(from_codes.ints == from_floats.ints);
      CHECK(from_codes.real.data == from_floats.real.data);
    }
    if (checked++ == 0) {
      INFO(m.file << ", all 256 codes");
      CHECK(model.run(all).ints == model.run(all.floats()).ints);
    }
  }
  CHECK(checked > 0);
}

TEST_CASE("predictions agree with PyTorch's fake-quantized models on >= 99 % of the images",
          "[infer][agreement]") {
  const std::string dir = find_models_dir();
  const std::int64_t images =
      std::min<std::int64_t>(env_count("SAMD_INFER_AGREEMENT_IMAGES", 10000), test_images().count);
  int checked = 0;
  for (const EmbeddedModel &m : read_manifest(dir)) {
    if (m.mode == EmbeddedModel::Mode::Ptq)
      continue;
    const auto want = read_reference_predictions(dir + "/" + m.file);
    if (!want)
      continue;
    REQUIRE(static_cast<std::int64_t>(want->size()) >= images);
    const Graph g = import_onnx_file(dir + "/" + m.file);
    std::optional<IntegerModel> im;
    BatchRunner run;
    if (m.mode == EmbeddedModel::Mode::Float) {
      run = [&g](const FloatTensor &x) { return run_float(g, x); };
    } else {
      im = IntegerModel::compile(g);
      run = [&im](const FloatTensor &x) { return im->run(x).real; };
    }
    EvalOptions eo;
    eo.limit = images;
    eo.threads = 2;
    const EvalResult r = evaluate(run, test_images(), eo);
    std::int64_t same = 0;
    for (std::int64_t i = 0; i < images; ++i)
      same += r.predictions[static_cast<std::size_t>(i)] == (*want)[static_cast<std::size_t>(i)];
    const double agreement = double(same) / double(images);
    std::printf("%-28s agreement with PyTorch %6.2f %% (%lld of %lld images), top-1 %.2f %%\n",
                m.file.c_str(), agreement * 100, static_cast<long long>(same),
                static_cast<long long>(images), r.accuracy() * 100);
    INFO(m.file);
    CHECK(agreement >= 0.99);
    ++checked;
  }
  CHECK(checked > 0);
}
