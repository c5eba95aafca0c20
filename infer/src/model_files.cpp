#include <samd/infer/model_files.hpp>

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

std::vector<EmbeddedModel> read_manifest(const std::string &dir) {
  const std::string path = dir + "/embedded.txt";
  std::ifstream f(path);
  if (!f)
    throw std::runtime_error("samd infer: cannot read " + path);
  std::vector<EmbeddedModel> out;
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    if (const auto hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    std::istringstream is(line);
    EmbeddedModel m;
    std::string mode;
    if (!(is >> m.file))
      continue;
    if (is >> mode) {
      if (mode == "float") {
        m.mode = EmbeddedModel::Mode::Float;
      } else if (mode == "ptq") {
        char slash = 0;
        if (!(is >> m.wbits >> slash >> m.abits) || slash != '/')
          throw std::runtime_error(path + ":" + std::to_string(n) + ": expected 'ptq W/A'");
        m.mode = EmbeddedModel::Mode::Ptq;
      } else {
        throw std::runtime_error(path + ":" + std::to_string(n) + ": unknown mode '" + mode + "'");
      }
    }
    out.push_back(m);
  }
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
