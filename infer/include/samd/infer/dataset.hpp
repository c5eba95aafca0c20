// Fashion-MNIST (and MNIST-format) IDX files, gzipped or plain, read with zlib.
#pragma once

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

struct ImageSet {
  std::int64_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels; // count x rows x cols
  std::vector<std::uint8_t> labels; // count, 0-9

  // Images [first, first + n) as float32 {n, 1, rows, cols} holding pixel / 255.
  FloatTensor batch(std::int64_t first, std::int64_t n) const;
};

// split: "t10k" (test) or "train". Looks for <dir>/<split>-images-idx3-ubyte[.gz] and the
// matching labels. Throws DatasetError with what to do (apt-get install dataset-fashion-mnist)
// when the files are missing, and names the file when one is truncated or malformed.
ImageSet load_fashion_mnist(const std::string &dir, const std::string &split);

// The raw IDX readers (exposed for tests).
ImageSet read_idx_images(const std::string &path);
std::vector<std::uint8_t> read_idx_labels(const std::string &path);

} // namespace samd::infer
