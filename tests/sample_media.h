// Sample photos, videos and speech for the tests and benchmarks. The setup script extracts
// them from Debian packages into data/media; ../shared/media is searched too. Not part of
// the library: an installed easel knows nothing of this source tree.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/files.h"
#include "easel/error.h"

namespace easel {

// EASEL_MEDIA_PATH (':'-separated) if set, else <source>/data/media and <source>/../shared/media.
inline std::vector<std::filesystem::path> sample_media_dirs() {
  std::vector<std::filesystem::path> dirs;
  const std::string env = detail::env_or("EASEL_MEDIA_PATH");
  if (!env.empty()) {
    std::stringstream ss(env);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) dirs.emplace_back(d);
    return dirs;
  }
  const std::filesystem::path source = EASEL_SOURCE_DIR;
  dirs.push_back(source / "data" / "media");
  dirs.push_back((source / ".." / "shared" / "media").lexically_normal());
  return dirs;
}

// The path of a sample by file name ("dog.jpg"), looked up in each media folder and
// its subfolders. Throws Error(bad_input) if it is nowhere.
inline std::filesystem::path find_sample(std::string_view file_name) {
  namespace fs = std::filesystem;
  const auto dirs = sample_media_dirs();
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (fs::is_regular_file(dir / file_name, ec)) return dir / file_name;
    for (const auto& sub : fs::directory_iterator(dir, ec))
      if (sub.is_directory() && fs::is_regular_file(sub.path() / file_name, ec)) return sub.path() / file_name;
  }
  std::string searched;
  for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d.string();
  throw Error(ErrorCode::bad_input, "Sample '" + std::string(file_name) + "' is not in " + searched + ".",
              "Run scripts/setup.sh, which extracts the sample media, or set EASEL_MEDIA_PATH.");
}

}  // namespace easel
