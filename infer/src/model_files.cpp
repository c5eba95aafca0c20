#include <samd/infer/model_files.hpp>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace samd::infer {

namespace fs = std::filesystem;

std::string find_models_dir() {
  if (const char *env = std::getenv("SAMD_MODELS_DIR"); env && *env) {
    if (!fs::is_directory(env))
      throw std::runtime_error(std::string("samd infer: SAMD_MODELS_DIR '") + env +
                               "' is not a directory");
    return env;
  }
  std::vector<std::string> candidates{SAMD_MODELS_SOURCE_DIR};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    candidates.push_back((exe.parent_path().parent_path() / "share" / "samd" / "models").string());
  candidates.push_back(SAMD_MODELS_INSTALL_DIR);
  candidates.push_back("models");
  std::string tried;
  for (const std::string &c : candidates) {
    if (fs::exists(fs::path(c) / "embedded.txt"))
      return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  throw std::runtime_error("samd infer: no embedded models found (looked in " + tried +
                           "); set SAMD_MODELS_DIR or pass --model FILE");
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  // from_chars reads no sign, space or prefix for an unsigned type and reports overflow instead
  // of saturating (strtoull, which CLI11 and >> use, takes "-1" and saturates).
  std::uint64_t v = 0;
  const char *end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end)
    return std::nullopt;
  return v;
}

std::optional<unsigned> parse_width(std::string_view text, unsigned max) {
  const std::optional<std::uint64_t> v = parse_decimal(text);
  if (!v || *v < 1 || *v > max)
    return std::nullopt;
  return static_cast<unsigned>(*v);
}

namespace {

// One manifest line's words (comment removed) as an EmbeddedModel; nullopt for a line without
// words; std::runtime_error naming path:line for anything else than the documented form.
std::optional<EmbeddedModel> manifest_entry(std::string line, const std::string &where) {
  if (const auto hash = line.find('#'); hash != std::string::npos)
    line.erase(hash);
  std::istringstream is(line);
  std::vector<std::string> words;
  for (std::string w; is >> w;)
    words.push_back(w);
  if (words.empty())
    return std::nullopt;
  EmbeddedModel m;
  m.file = words[0];
  if (words.size() == 2 && words[1] == "float") {
    m.mode = EmbeddedModel::Mode::Float;
  } else if (words.size() == 3 && words[1] == "ptq") {
    const std::string &wa = words[2];
    const auto slash = wa.find('/');
    const auto w = parse_width(std::string_view(wa).substr(0, slash), 8);
    const auto a = slash == std::string::npos
                       ? std::nullopt
                       : parse_width(std::string_view(wa).substr(slash + 1), 8);
    if (!w || !a)
      throw std::runtime_error("samd infer: " + where + ": '" + wa +
                               "' is not W/A with widths 1-8 (e.g. 4/4)");
    m.mode = EmbeddedModel::Mode::Ptq, m.wbits = *w, m.abits = *a;
  } else if (words.size() != 1) {
    throw std::runtime_error("samd infer: " + where +
                             ": expected '<file.onnx> [float | ptq W/A]', got '" +
                             line.substr(0, line.find_last_not_of(" \t\r") + 1) + "'");
  }
  return m;
}

} // namespace

std::vector<EmbeddedModel> read_manifest(const std::string &dir) {
  const std::string path = dir + "/embedded.txt";
  std::ifstream f(path);
  if (!f)
    throw std::runtime_error("samd infer: cannot read " + path);
  std::vector<EmbeddedModel> out;
  std::string line;
  for (int n = 1; std::getline(f, line); ++n)
    if (auto m = manifest_entry(line, path + ":" + std::to_string(n)))
      out.push_back(*m);
  if (out.empty())
    throw std::runtime_error("samd infer: " + path + " lists no model");
  return out;
}

std::optional<std::vector<std::uint8_t>> read_reference_predictions(const std::string &model_path) {
  fs::path p(model_path);
  p.replace_extension(".pytorch-top1.txt");
  std::ifstream f(p);
  if (!f)
    return std::nullopt;
  std::vector<std::uint8_t> out;
  for (char c; f.get(c);) {
    if (c >= '0' && c <= '9')
      out.push_back(static_cast<std::uint8_t>(c - '0'));
    else if (c != '\n' && c != '\r')
      throw std::runtime_error("samd infer: " + p.string() +
                               " holds a character that is not a class digit");
  }
  return out;
}

} // namespace samd::infer
