#include "generative/generative_common.h"

#include <chrono>
#include <random>

#include "easel/error.h"
#include "models/locate_model.h"

namespace fs = std::filesystem;

namespace easel::detail {

fs::path locate_model_file(const std::string& model, const char* file_in_folder) {
  const fs::path path = locate_model(model);
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return path;
  const fs::path file = path / file_in_folder;
  if (!fs::is_regular_file(file, ec))
    throw Error(ErrorCode::model_not_found, "The folder '" + model + "' has no " + file_in_folder + ".",
                "Give a model store name, or a folder in ml5's layout.");
  return file;
}

std::uint32_t fresh_seed() {
  std::random_device device;
  const auto now = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const std::uint32_t seed = device() ^ static_cast<std::uint32_t>(now) ^ static_cast<std::uint32_t>(now >> 32);
  return seed == 0 ? 1 : seed;
}

std::vector<std::string> utf8_characters(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
    if (i + n > text.size()) n = 1;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) n = 1;
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace easel::detail
