// Top-1 accuracy and throughput of a model on an image set, over worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <samd/infer/dataset.hpp>
#include <samd/infer/graph.hpp>

namespace samd::infer {

// Runs one batch: input {n, 1, H, W} -> logits {n, classes}. Must be safe to call from several
// threads at once (IntegerModel::run and run_float are).
using BatchRunner = std::function<FloatTensor(const FloatTensor &)>;
// The same from the images' 8-bit codes (an integer model quantizes them by table).
using PixelRunner = std::function<FloatTensor(const PixelBatch &)>;

// evaluate refuses (std::invalid_argument) a limit < 0, threads < 1 and batch < 1.
struct EvalOptions {
  std::int64_t limit = 0;  // first `limit` images; 0: all
  int threads = 1;         // worker threads, each running whole batches
  std::int64_t batch = 64; // images per run
  std::function<void(std::int64_t done, std::int64_t total)>
      progress; // called from the calling thread
};

struct EvalResult {
  std::int64_t images = 0, correct = 0;
  double seconds = 0; // the timed run over all images, after one untimed warm-up batch per thread
  std::vector<std::uint8_t> predictions; // argmax (first maximum), one per image
  double accuracy() const { return images ? double(correct) / double(images) : 0.0; }
  double images_per_s() const { return seconds > 0 ? double(images) / seconds : 0.0; }
};

// Throws the first exception a worker raised (after all workers stopped).
EvalResult evaluate(const PixelRunner &run, const ImageSet &data, const EvalOptions &opt);
EvalResult evaluate(const BatchRunner &run, const ImageSet &data, const EvalOptions &opt);

// Median time to classify one image alone (batch of 1), in milliseconds, over `samples` images.
double latency_ms(const PixelRunner &run, const ImageSet &data, int samples = 50);

// Index of the first maximum of each row of a {n, classes} tensor.
std::vector<std::uint8_t> argmax_rows(const FloatTensor &logits);

} // namespace samd::infer
