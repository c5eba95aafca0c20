#include <samd/infer/evaluate.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace samd::infer {

std::vector<std::uint8_t> argmax_rows(const FloatTensor &logits) {
  if (logits.shape.size() != 2 || logits.shape[1] < 1 || logits.shape[1] > 256)
    throw std::invalid_argument("samd infer: the model output " + kernels::to_string(logits.shape) +
                                " is not {N, classes} class scores with 1-256 classes");
  const auto n = static_cast<std::size_t>(logits.shape[0]),
             c = static_cast<std::size_t>(logits.shape[1]);
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float *row = logits.data.data() + i * c;
    out[i] = static_cast<std::uint8_t>(std::max_element(row, row + c) - row);
  }
  return out;
}

EvalResult evaluate(const BatchRunner &run, const ImageSet &data, const EvalOptions &opt) {
  return evaluate(PixelRunner([&run](const PixelBatch &b) { return run(b.floats()); }), data, opt);
}

EvalResult evaluate(const PixelRunner &run, const ImageSet &data, const EvalOptions &opt) {
  // Out-of-range options were taken as "all images" / "1": refused instead, as the CLI does.
  const auto refuse = [](const std::string &what) {
    throw std::invalid_argument("samd infer: evaluate: " + what);
  };
  if (opt.limit < 0)
    refuse("limit " + std::to_string(opt.limit) + " is negative (0: all images)");
  if (opt.threads < 1)
    refuse("threads " + std::to_string(opt.threads) + " is less than 1");
  if (opt.batch < 1)
    refuse("batch " + std::to_string(opt.batch) + " is less than 1");
  const std::int64_t total = opt.limit > 0 ? std::min(opt.limit, data.count) : data.count;
  const std::int64_t batch = opt.batch;
  const std::int64_t batches = (total + batch - 1) / batch;
  EvalResult r;
  r.images = total;
  r.predictions.assign(static_cast<std::size_t>(total), 0);
  std::atomic<std::int64_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  // Each worker runs one batch untimed first (the first use of a path builds weight formats and
  // scratch buffers), then all start together: images/s is the steady rate.
  const int workers = opt.threads;
  std::latch warmed(workers);
  std::atomic<bool> go{false}; // spun on, not slept on: a wake-up would land in the timed run
  const auto fail = [&] {
    const std::lock_guard<std::mutex> lock(error_mutex);
    if (!error)
      error = std::current_exception();
    stop = true;
  };
  auto worker = [&] {
    try {
      if (total > 0)
        run(data.pixel_batch(0, std::min(batch, total)));
    } catch (...) {
      fail();
    }
    warmed.count_down();
    while (!go.load(std::memory_order_acquire))
      std::this_thread::yield();
    for (std::int64_t b; !stop && (b = next.fetch_add(1)) < batches;) {
      try {
        const std::int64_t first = b * batch, n = std::min(batch, total - first);
        const std::vector<std::uint8_t> p = argmax_rows(run(data.pixel_batch(first, n)));
        if (static_cast<std::int64_t>(p.size()) != n)
          throw std::runtime_error("samd infer: the model changed the batch size");
        std::copy(p.begin(), p.end(), r.predictions.begin() + first);
        done += n;
      } catch (...) {
        fail();
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(workers));
  try {
    for (int t = 0; t < workers; ++t)
      pool.emplace_back(worker);
  } catch (const std::exception &e) { // std::system_error, or std::bad_alloc for its state
    // The workers started so far spin on `go`: release them to stop, and join them, or the
    // joinable threads' destructors would call std::terminate.
    stop = true;
    go.store(true, std::memory_order_release);
    for (auto &t : pool)
      t.join();
    throw std::runtime_error("samd infer: cannot start " + std::to_string(workers) +
                             " worker threads (" + std::to_string(pool.size()) +
                             " started): " + e.what());
  }
  warmed.wait();
  const auto t0 = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  while (opt.progress && done < total && !stop) {
    opt.progress(done, total);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto &t : pool)
    t.join();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (error)
    std::rethrow_exception(error);
  if (opt.progress)
    opt.progress(total, total);
  for (std::int64_t i = 0; i < total; ++i)
    r.correct +=
        r.predictions[static_cast<std::size_t>(i)] == data.labels[static_cast<std::size_t>(i)];
  return r;
}

double latency_ms(const PixelRunner &run, const ImageSet &data, int samples) {
  std::vector<double> ms;
  for (int i = 0; i < samples && i < data.count; ++i) {
    const PixelBatch x = data.pixel_batch(i, 1);
    const auto t0 = std::chrono::steady_clock::now();
    run(x);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  if (ms.empty())
    return 0;
  std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
  return ms[ms.size() / 2];
}

} // namespace samd::infer
