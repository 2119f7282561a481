#include "easel/sample_media.h"

#include <sstream>
#include <string>

#include "core/files.h"
#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel {

std::vector<fs::path> sample_media_dirs() {
  std::vector<fs::path> dirs;
  std::string env = detail::env_or("EASEL_MEDIA_PATH");
  if (!env.empty()) {
    std::stringstream ss(env);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) dirs.emplace_back(d);
    return dirs;
  }
  const fs::path source = EASEL_SOURCE_DIR;
  dirs.push_back(source / "data" / "media");
  dirs.push_back((source / ".." / "shared" / "media").lexically_normal());
  return dirs;
}

fs::path find_sample(std::string_view file_name) {
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
