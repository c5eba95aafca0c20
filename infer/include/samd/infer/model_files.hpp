// The embedded models (models/ in the source tree, or share/samd/models when installed), their
// manifest, and the PyTorch predictions saved next to each model by the training tool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samd::infer {

// $SAMD_MODELS_DIR if set, else the first existing of: the source tree's models/, <exe>/../share/
// samd/models, the install prefix's share/samd/models, ./models. Throws std::runtime_error
// listing where it looked.
std::string find_models_dir();

// One line of models/embedded.txt: "<file.onnx> [float | ptq W/A]", W and A widths 1-8.
struct EmbeddedModel {
  std::string file; // path relative to the models directory
  enum class Mode { AsIs, Float, Ptq } mode = Mode::AsIs;
  unsigned wbits = 8, abits = 8; // Ptq
};
// Throws std::runtime_error naming the manifest line for a malformed line (unknown mode, extra
// words, a width that is not 1-8) and for a manifest that lists no model.
std::vector<EmbeddedModel> read_manifest(const std::string &models_dir);

// The strict number syntax the manifest and the samd command line share: plain decimal digits
// only (no sign, space, fraction or suffix: "+4", "-1", "4.5", "4x" and "" are not numbers),
// nullopt when the text is not one or its value does not fit 64 bits.
std::optional<std::uint64_t> parse_decimal(std::string_view text);
// A bit width: parse_decimal's syntax with a value in [1, max]; nullopt otherwise.
std::optional<unsigned> parse_width(std::string_view text, unsigned max);

// <model without .onnx>.pytorch-top1.txt: one digit per test image; nullopt when absent.
std::optional<std::vector<std::uint8_t>> read_reference_predictions(const std::string &model_path);

} // namespace samd::infer
