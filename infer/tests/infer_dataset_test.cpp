// The IDX reader: gzipped and plain files, truncated and malformed ones, a missing dataset.
// Also leaves a well-formed set of 32 x 32 images in ./wrong-size/ for the CLI test that checks
// the "image size does not match the model" message.
#include <catch2/catch.hpp>

#include <samd/infer/dataset.hpp>

#include <filesystem>
#include <fstream>

#include <zlib.h>

using namespace samd::infer;

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
  fs::remove_all(dir);
}

TEST_CASE("a set of 32 x 32 images for the CLI's wrong-size test", "[infer][dataset]") {
  std::filesystem::create_directories("wrong-size");
  write_gz("wrong-size/t10k-images-idx3-ubyte.gz", idx(0x803, {4, 32, 32}, 4 * 32 * 32, 0));
  write_gz("wrong-size/t10k-labels-idx1-ubyte.gz", idx(0x801, {4}, 4, 0));
  CHECK(load_fashion_mnist("wrong-size", "t10k").rows == 32);
}
