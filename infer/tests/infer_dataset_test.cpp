// The IDX reader: gzipped and plain files, truncated and malformed ones, a missing dataset.
// The embedded models' manifest and the number syntax it shares with the CLI; evaluate() when its
// worker threads cannot start. Also leaves files for the CLI tests in the working directory: a
// well-formed set of 32 x 32 images in ./wrong-size/ (the "image size does not match the model"
// message), a set of 0 images in ./empty-set/ and float models of one Gemm, ./one-gemm.onnx and
// ./three-class.onnx.
#include <catch2/catch.hpp>

#include <samd/infer/dataset.hpp>
#include <samd/infer/evaluate.hpp>
#include <samd/infer/model_files.hpp>

#include "onnx_builder.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <zlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define SAMD_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAMD_TEST_ASAN 1
#endif
#endif

using namespace samd::infer;
using samd::infer::test::OnnxBuilder;

namespace {

std::vector<std::uint8_t> idx(std::uint32_t magic, std::vector<std::uint32_t> dims,
                              std::size_t data_bytes, std::uint8_t fill) {
  std::vector<std::uint8_t> b;
  auto be = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8)
      b.push_back(static_cast<std::uint8_t>(v >> s));
  };
  be(magic);
  for (auto d : dims)
    be(d);
  for (std::size_t i = 0; i < data_bytes; ++i)
    b.push_back(static_cast<std::uint8_t>(fill + i % 7));
  return b;
}

void write_gz(const std::string &path, const std::vector<std::uint8_t> &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  gzclose(f);
}

void write_plain(const std::string &path, const std::vector<std::uint8_t> &bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
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

TEST_CASE("IDX images and labels, gzipped or plain", "[infer][dataset]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "samd_infer_dataset_test";
  fs::create_directories(dir);
  write_gz((dir / "t10k-images-idx3-ubyte.gz").string(), idx(0x803, {3, 2, 2}, 12, 0));
  write_plain((dir / "t10k-labels-idx1-ubyte").string(), idx(0x801, {3}, 3, 1));
  const ImageSet s = load_fashion_mnist(dir.string(), "t10k");
  CHECK(s.count == 3);
  CHECK(s.rows == 2);
  CHECK(s.labels == std::vector<std::uint8_t>{1, 2, 3});
  const FloatTensor b = s.batch(1, 2);
  CHECK(b.shape == samd::kernels::Shape{2, 1, 2, 2});
  CHECK(b.data[0] == Approx(4.0 / 255));

  SECTION("missing files say how to install the dataset") {
    CHECK_THAT(error_of([&] { load_fashion_mnist("/nonexistent/dir", "t10k"); }),
               Catch::Contains("apt-get install dataset-fashion-mnist"));
    CHECK_THAT(error_of([&] { load_fashion_mnist(dir.string(), "train"); }),
               Catch::Contains("apt-get install dataset-fashion-mnist"));
  }
  SECTION("truncated and malformed files name the file") {
    const std::vector<std::uint8_t> full = idx(0x803, {3, 2, 2}, 12, 0);
    write_plain((dir / "short.idx").string(),
                std::vector<std::uint8_t>(full.begin(), full.end() - 5));
    CHECK_THAT(error_of([&] { read_idx_images((dir / "short.idx").string()); }),
               Catch::Contains("short.idx"));
    write_plain((dir / "magic.idx").string(), idx(0x1234, {3, 2, 2}, 12, 0));
    CHECK_THAT(error_of([&] { read_idx_images((dir / "magic.idx").string()); }),
               Catch::Contains("not an IDX file"));
    // a gzip stream cut in the middle
    write_gz((dir / "cut.gz").string(), idx(0x803, {100, 28, 28}, 78400, 3));
    std::vector<char> gz(fs::file_size(dir / "cut.gz"));
    std::ifstream(dir / "cut.gz", std::ios::binary)
        .read(gz.data(), static_cast<std::streamsize>(gz.size()));
    std::ofstream(dir / "cut.gz", std::ios::binary)
        .write(gz.data(), static_cast<std::streamsize>(gz.size() / 2));
    CHECK_THROWS_AS(read_idx_images((dir / "cut.gz").string()), DatasetError);
    write_plain((dir / "labels.idx").string(), idx(0x801, {2}, 2, 9)); // labels 9, 10
    CHECK_THAT(error_of([&] { read_idx_labels((dir / "labels.idx").string()); }),
               Catch::Contains("label 10"));
  }
  SECTION("a header whose dimensions multiply past the size limit names the file and the limit") {
    // 256 x 2^28 x 2^28 = 2^64 pixels: the product wraps to 0, which the 0 data bytes matched.
    write_plain((dir / "wrap.idx").string(), idx(0x803, {256, 1u << 28, 1u << 28}, 0, 0));
    const std::string e = error_of([&] { read_idx_images((dir / "wrap.idx").string()); });
    CHECK_THAT(e, Catch::Contains("wrap.idx") && Catch::Contains("2 GiB"));
  }
  SECTION("a set of 0 images is an error naming the file") {
    const fs::path empty = dir / "empty";
    fs::create_directories(empty);
    write_plain((empty / "t10k-images-idx3-ubyte").string(), idx(0x803, {0, 28, 28}, 0, 0));
    write_plain((empty / "t10k-labels-idx1-ubyte").string(), idx(0x801, {0}, 0, 0));
    CHECK_THAT(error_of([&] { load_fashion_mnist(empty.string(), "t10k"); }),
               Catch::Contains("t10k-images-idx3-ubyte' holds no images"));
  }
  fs::remove_all(dir);
}

TEST_CASE("a set of 32 x 32 images for the CLI's wrong-size test", "[infer][dataset]") {
  std::filesystem::create_directories("wrong-size");
  write_gz("wrong-size/t10k-images-idx3-ubyte.gz", idx(0x803, {4, 32, 32}, 4 * 32 * 32, 0));
  write_gz("wrong-size/t10k-labels-idx1-ubyte.gz", idx(0x801, {4}, 4, 0));
  CHECK(load_fashion_mnist("wrong-size", "t10k").rows == 32);
}

TEST_CASE("files for the CLI tests: a set of 0 images, a float model of one layer",
          "[infer][dataset]") {
  std::filesystem::create_directories("empty-set");
  write_gz("empty-set/t10k-images-idx3-ubyte.gz", idx(0x803, {0, 28, 28}, 0, 0));
  write_gz("empty-set/t10k-labels-idx1-ubyte.gz", idx(0x801, {0}, 0, 0));
  // Flatten + one Gemm (classes x 784): a --layers list of one item is the whole spec; with 3
  // classes the model cannot score the labels 3-9.
  for (const auto &[file, classes] : {std::pair{"one-gemm.onnx", 10}, {"three-class.onnx", 3}}) {
    OnnxBuilder b({-1, 1, 28, 28});
    std::vector<float> w(static_cast<std::size_t>(classes) * 784);
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] = static_cast<float>(static_cast<int>(i * 37 % 17) - 8) / 64;
    b.floats("fc.w", {classes, 784}, w);
    b.floats("fc.b", {classes}, std::vector<float>(static_cast<std::size_t>(classes), 0.0f));
    b.node("Flatten", {"input"}, {"flat"}, "flatten");
    OnnxBuilder::attr(b.node("Gemm", {"flat", "fc.w", "fc.b"}, {"logits"}, "fc"), "transB",
                      std::int64_t{1});
    b.output("logits");
    std::ofstream(file, std::ios::binary) << b.bytes();
    CHECK(std::filesystem::file_size(file) > 784u * static_cast<unsigned>(classes) * 4);
  }
}

TEST_CASE("the manifest: one model a line, anything else names the line", "[infer][manifest]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "samd_infer_manifest_test";
  fs::create_directories(dir);
  const auto manifest = [&](const std::string &text) {
    std::ofstream(dir / "embedded.txt") << text;
    return error_of([&] { read_manifest(dir.string()); });
  };
  CHECK(manifest("# comment\na.onnx\nb.onnx float # fp32\n\nc.onnx ptq 4/2\n").empty());
  const std::vector<EmbeddedModel> ms = read_manifest(dir.string());
  REQUIRE(ms.size() == 3);
  CHECK((ms[2].mode == EmbeddedModel::Mode::Ptq && ms[2].wbits == 4 && ms[2].abits == 2));
  CHECK_THAT(manifest("a.onnx\nb.onnx ptq -1/4\n"),
             Catch::Contains("embedded.txt:2: '-1/4' is not W/A with widths 1-8"));
  for (const char *bad : {"ptq 4/9", "ptq 4", "ptq 4/", "ptq /4", "ptq +4/4", "ptq 4/4x"})
    CHECK_THAT(manifest(std::string("a.onnx ") + bad + "\n"),
               Catch::Contains("embedded.txt:1: '") && Catch::Contains("is not W/A"));
  CHECK_THAT(manifest("a.onnx ptq 4/4 garbage\n"),
             Catch::Contains("embedded.txt:1: expected '<file.onnx> [float | ptq W/A]', got "
                             "'a.onnx ptq 4/4 garbage'"));
  CHECK_THAT(manifest("a.onnx\na.onnx float extra words\n"), Catch::Contains("embedded.txt:2"));
  CHECK_THAT(manifest("a.onnx bogus\n"), Catch::Contains("embedded.txt:1: expected"));
  CHECK_THAT(manifest("# nothing\n\n"), Catch::Contains("embedded.txt lists no model"));
  fs::remove_all(dir);
}

TEST_CASE("numbers: plain decimal digits only, no saturation", "[infer][manifest]") {
  CHECK(parse_decimal("0") == 0u);
  CHECK(parse_decimal("18446744073709551615") == 18446744073709551615u);
  for (const char *bad : {"", "-1", "+4", " 4", "4 ", "4x", "4.5", "0x10", "18446744073709551616"})
    CHECK_FALSE(parse_decimal(bad));
  CHECK(parse_width("8", 8) == 8u);
  CHECK_FALSE(parse_width("0", 8));
  CHECK_FALSE(parse_width("9", 8));
  CHECK_FALSE(parse_width("4294967297", 32)); // 2^32 + 1: no narrowing to 1
  CHECK(parse_width("32", 32) == 32u);
}

#ifndef SAMD_TEST_ASAN
namespace {

// The process's virtual memory size in bytes (/proc/self/statm: pages).
std::size_t virtual_bytes() {
  std::size_t pages = 0;
  std::ifstream("/proc/self/statm") >> pages;
  return pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

} // namespace
#endif

TEST_CASE("evaluate: a negative limit, threads < 1 or batch < 1 are refused", "[infer][evaluate]") {
  // They were taken as "all images" and "1", silently.
  ImageSet s;
  s.count = 2, s.rows = 1, s.cols = 1;
  s.pixels = {0, 1};
  s.labels = {0, 1};
  const PixelRunner run = [](const PixelBatch &b) {
    return FloatTensor{{b.shape[0], 2},
                       std::vector<float>(static_cast<std::size_t>(b.shape[0]) * 2)};
  };
  const std::vector<std::pair<EvalOptions, std::string>> cases = {
      {EvalOptions{-5, 1, 64, {}}, "limit -5 is negative (0: all images)"},
      {EvalOptions{0, 0, 64, {}}, "threads 0 is less than 1"},
      {EvalOptions{0, -3, 64, {}}, "threads -3 is less than 1"},
      {EvalOptions{0, 1, 0, {}}, "batch 0 is less than 1"}};
  for (const auto &c : cases) // not a structured binding: clang 14 cannot capture one
    CHECK_THAT(error_of([&] { evaluate(run, s, c.first); }),
               Catch::Contains("samd infer: evaluate: " + c.second));
  CHECK(evaluate(run, s, EvalOptions{0, 1, 1, {}}).images == 2);
}

TEST_CASE("evaluate: worker threads that cannot start are an error, not std::terminate",
          "[infer][evaluate]") {
#ifdef SAMD_TEST_ASAN
  SUCCEED("skipped: AddressSanitizer reserves far more address space than the limit below");
#else
  ImageSet s;
  s.count = 4, s.rows = 1, s.cols = 1;
  s.pixels = {0, 1, 2, 3};
  s.labels = {0, 1, 0, 1};
  const PixelRunner run = [](const PixelBatch &b) {
    return FloatTensor{{b.shape[0], 2},
                       std::vector<float>(static_cast<std::size_t>(b.shape[0]) * 2)};
  };
  EvalOptions o;
  o.threads = 256;
  o.batch = 1;
  // Address space for the test's own allocations, not for 256 thread stacks (MiBs each).
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_AS, &old) == 0);
  const rlimit tight{virtual_bytes() + (std::size_t{64} << 20), old.rlim_max};
  REQUIRE(setrlimit(RLIMIT_AS, &tight) == 0);
  const std::string e = error_of([&] { evaluate(run, s, o); });
  REQUIRE(setrlimit(RLIMIT_AS, &old) == 0);
  CHECK_THAT(e, Catch::Contains("samd infer: cannot start 256 worker threads"));
  o.threads = 2; // and the limit lifted, it runs
  CHECK(evaluate(run, s, o).images == 4);
#endif
}
