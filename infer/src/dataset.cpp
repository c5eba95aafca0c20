#include <samd/infer/dataset.hpp>

#include <array>
#include <filesystem>

#include <zlib.h>

namespace samd::infer {
namespace {

// The largest IDX file read (its data bytes, and the file as read after decompression).
constexpr std::size_t kMaxIdxBytes = std::size_t{1} << 31;

// Whole file through zlib's gzread (which also reads uncompressed files as they are).
std::vector<std::uint8_t> read_gz(const std::string &path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    throw DatasetError("samd infer: cannot open '" + path + "'");
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      gzclose(f);
      throw DatasetError("samd infer: '" + path + "' is corrupt or truncated (" + msg + ")");
    }
    if (n == 0)
      break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > kMaxIdxBytes) {
      gzclose(f);
      throw DatasetError("samd infer: '" + path + "' is larger than 2 GiB");
    }
  }
  // gzread stops quietly at a truncated gzip stream; gzclose_r reports it.
  if (gzclose(f) != Z_OK)
    throw DatasetError("samd infer: '" + path + "' is truncated");
  return out;
}

std::uint32_t be32(const std::vector<std::uint8_t> &d, std::size_t at) {
  return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
         (std::uint32_t{d[at + 2]} << 8) | d[at + 3];
}

// The dimensions of an IDX file of unsigned bytes with `rank` dimensions.
std::vector<std::int64_t> idx_dims(const std::vector<std::uint8_t> &d, unsigned rank,
                                   const std::string &path) {
  if (d.size() < 4 + 4 * rank)
    throw DatasetError("samd infer: '" + path + "' is too short for an IDX header");
  const std::uint32_t magic = be32(d, 0);
  if (magic != (0x0800u | rank))
    throw DatasetError("samd infer: '" + path + "' is not an IDX file of unsigned bytes with " +
                       std::to_string(rank) + " dimensions (magic " + std::to_string(magic) + ")");
  std::vector<std::int64_t> dims;
  std::size_t n = 1;
  for (unsigned i = 0; i < rank; ++i) {
    dims.push_back(be32(d, 4 + 4 * i));
    if (dims.back() > (1 << 28))
      throw DatasetError("samd infer: '" + path + "' has an implausible dimension");
    // Checked: dimensions of 2^28 each multiply past 2^64 and would wrap to a small count.
    const auto dim = static_cast<std::size_t>(dims.back());
    if (dim != 0 && n > kMaxIdxBytes / dim)
      throw DatasetError("samd infer: '" + path +
                         "': its header's dimensions make more than 2147483648 bytes of data "
                         "(the limit, 2 GiB)");
    n *= dim;
  }
  if (d.size() != 4 + 4 * rank + n)
    throw DatasetError("samd infer: '" + path + "' holds " +
                       std::to_string(d.size() - 4 - 4 * rank) + " data bytes; its header says " +
                       std::to_string(n) + " (truncated or malformed)");
  return dims;
}

std::string find_file(const std::string &dir, const std::string &name) {
  for (const std::string &p : {dir + "/" + name + ".gz", dir + "/" + name})
    if (std::filesystem::exists(p))
      return p;
  throw DatasetError(
      "samd infer: Fashion-MNIST file '" + name + "[.gz]' not found in '" + dir +
      "'; install the dataset with: apt-get install dataset-fashion-mnist (or pass --data DIR)");
}

} // namespace

const std::array<float, 256> &pixel_values() {
  static const std::array<float, 256> scaled = [] { // the same quotients, divided once
    std::array<float, 256> v{};
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = static_cast<float>(i) / 255.0f;
    return v;
  }();
  return scaled;
}

FloatTensor PixelBatch::floats() const {
  std::size_t n = 1;
  for (std::int64_t d : shape)
    n *= static_cast<std::size_t>(d);
  FloatTensor t{shape, std::vector<float>(n)};
  for (std::size_t i = 0; i < n; ++i)
    t.data[i] = (*values)[codes[i]];
  return t;
}

PixelBatch ImageSet::pixel_batch(std::int64_t first, std::int64_t n) const {
  if (first < 0 || n < 0 || first + n > count)
    throw std::out_of_range("samd infer: image batch out of range");
  const auto px = static_cast<std::size_t>(rows * cols);
  return {
      {n, 1, rows, cols}, pixels.data() + static_cast<std::size_t>(first) * px, &pixel_values()};
}

FloatTensor ImageSet::batch(std::int64_t first, std::int64_t n) const {
  return pixel_batch(first, n).floats();
}

ImageSet read_idx_images(const std::string &path) {
  const std::vector<std::uint8_t> d = read_gz(path);
  const auto dims = idx_dims(d, 3, path);
  ImageSet s;
  s.count = dims[0], s.rows = dims[1], s.cols = dims[2];
  s.pixels.assign(d.begin() + 16, d.end());
  return s;
}

std::vector<std::uint8_t> read_idx_labels(const std::string &path) {
  const std::vector<std::uint8_t> d = read_gz(path);
  idx_dims(d, 1, path);
  std::vector<std::uint8_t> labels(d.begin() + 8, d.end());
  for (std::uint8_t l : labels)
    if (l > 9)
      throw DatasetError("samd infer: '" + path + "' holds label " + std::to_string(l) +
                         " (expected 0-9)");
  return labels;
}

ImageSet load_fashion_mnist(const std::string &dir, const std::string &split) {
  if (!std::filesystem::is_directory(dir))
    throw DatasetError("samd infer: Fashion-MNIST directory '" + dir +
                       "' not found; install the dataset with: apt-get install "
                       "dataset-fashion-mnist (or pass --data DIR)");
  const std::string images = find_file(dir, split + "-images-idx3-ubyte");
  ImageSet s = read_idx_images(images);
  if (s.count == 0) // nothing to evaluate or calibrate on: an accuracy would be 0 / 0
    throw DatasetError("samd infer: '" + images + "' holds no images");
  s.labels = read_idx_labels(find_file(dir, split + "-labels-idx1-ubyte"));
  if (static_cast<std::int64_t>(s.labels.size()) != s.count)
    throw DatasetError("samd infer: " + std::to_string(s.count) + " images but " +
                       std::to_string(s.labels.size()) + " labels in '" + dir + "' (" + split +
                       ")");
  return s;
}

} // namespace samd::infer
