// libFuzzer target for the ONNX importer: any byte string either imports or throws ImportError
// (nothing else may escape, and nothing may crash or trip ASan / UBSan). A model that imports is
// then compiled for the integer executor and, when small, run once on a zero input: those may
// refuse the model with std::invalid_argument / std::overflow_error, never fail otherwise.
#include <samd/infer/infer.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

// Keep each run cheap: skip execution of graphs with large tensors or weights.
bool small_enough(const samd::infer::Graph &g) {
  std::size_t total = 0;
  for (const auto &v : g.values) {
    std::size_t n = 1;
    for (auto d : v.shape)
      n *= static_cast<std::size_t>(d > 0 ? d : 1);
    total += n;
  }
  for (const auto &l : g.layers)
    total += l.weights.real.data.size();
  return total < 200000;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  samd::infer::Graph g;
  try {
    g = samd::infer::import_onnx_bytes({data, size}, "fuzz input");
  } catch (const samd::infer::ImportError &) {
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "importer let a non-ImportError escape: %s\n", e.what());
    std::abort();
  }
  if (!small_enough(g))
    return 0;
  try {
    samd::infer::FloatTensor x{g.values[static_cast<std::size_t>(g.input)].shape, {}};
    x.data.assign(samd::kernels::element_count(x.shape, "input"), 0.0f);
    if (g.has_fake_quant()) {
      const auto m = samd::infer::IntegerModel::compile(g);
      m.run(x);
    } else {
      samd::infer::run_float(g, x);
    }
  } catch (const std::invalid_argument &) {
  } catch (const std::overflow_error &) {
  }
  return 0;
}
