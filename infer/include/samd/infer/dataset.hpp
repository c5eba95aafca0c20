// Fashion-MNIST (and MNIST-format) IDX files, gzipped or plain, read with zlib.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <samd/infer/graph.hpp>

namespace samd::infer {

inline constexpr const char *kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct DatasetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A batch of images as 8-bit codes: element i is values[codes[i]] (for IDX images: pixel / 255).
// It lets an integer model quantize its input by a 256-entry table (IntegerModel::run).
struct PixelBatch {
  Shape shape;                         // {n, 1, rows, cols}
  const std::uint8_t *codes = nullptr; // shape's element count, row-major
  const std::array<float, 256> *values = nullptr;

  FloatTensor floats() const; // the elements as float32
};

// pixel / 255 in float32, for every 8-bit pixel value (what ImageSet::batch holds).
const std::array<float, 256> &pixel_values();

struct ImageSet {
  std::int64_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels; // count x rows x cols
  std::vector<std::uint8_t> labels; // count, 0-9

  // Images [first, first + n) as float32 {n, 1, rows, cols} holding pixel / 255.
  FloatTensor batch(std::int64_t first, std::int64_t n) const;
  // The same images as codes into pixel_values() (no copy: valid while the set lives).
  PixelBatch pixel_batch(std::int64_t first, std::int64_t n) const;
};

// split: "t10k" (test) or "train". Looks for <dir>/<split>-images-idx3-ubyte[.gz] and the
// matching labels. Throws DatasetError with what to do (apt-get install dataset-fashion-mnist)
// when the files are missing, and names the file when one is truncated or malformed.
ImageSet load_fashion_mnist(const std::string &dir, const std::string &split);

// The raw IDX readers (exposed for tests).
ImageSet read_idx_images(const std::string &path);
std::vector<std::uint8_t> read_idx_labels(const std::string &path);

} // namespace samd::infer
