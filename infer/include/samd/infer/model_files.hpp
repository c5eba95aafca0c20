// The embedded models (models/ in the source tree, or share/samd/models when installed), their
// manifest, and the PyTorch predictions saved next to each model by the training tool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samd::infer {

// $SAMD_MODELS_DIR if set, else the first existing of: the source tree's models/, <exe>/../share/
// samd/models, the install prefix's share/samd/models, ./models. Throws std::runtime_error
// listing where it looked.
std::string find_models_dir();

// One line of models/embedded.txt: "<file.onnx> [float | ptq W/A]".
struct EmbeddedModel {
  std::string file; // path relative to the models directory
  enum class Mode { AsIs, Float, Ptq } mode = Mode::AsIs;
  unsigned wbits = 8, abits = 8; // Ptq
};
std::vector<EmbeddedModel> read_manifest(const std::string &models_dir);

// <model without .onnx>.pytorch-top1.txt: one digit per test image; nullopt when absent.
std::optional<std::vector<std::uint8_t>> read_reference_predictions(const std::string &model_path);

} // namespace samd::infer
