#include "easel/dataset.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <system_error>

#include "easel/error.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

// The extensions OpenCV's image codecs (Image::load) and libsndfile read.
constexpr std::array kImageExtensions = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pnm", ".pbm"};
constexpr std::array kSoundExtensions = {".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif", ".mp3"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool has_extension(const fs::path& file, MediaKind kind) {
  const std::string ext = lower(file.extension().string());
  const auto matches = [&](const auto& list) { return std::find(list.begin(), list.end(), ext) != list.end(); };
  switch (kind) {
    case MediaKind::image: return matches(kImageExtensions);
    case MediaKind::sound: return matches(kSoundExtensions);
    case MediaKind::pose: return matches(kImageExtensions) || ext == ".json";
  }
  return false;
}

const char* kind_words(MediaKind kind) {
  switch (kind) {
    case MediaKind::image: return "an image";
    case MediaKind::sound: return "a sound";
    case MediaKind::pose: return "a picture or a pose (.json)";
  }
  return "a file";
}

}  // namespace

Dataset Dataset::from_folders(const std::vector<std::pair<std::string, fs::path>>& classes, MediaKind kind) {
  Dataset data;
  data.kind = kind;
  std::set<std::string> seen;
  for (const auto& [label, folder] : classes) {
    if (label.empty()) throw Error(ErrorCode::bad_input, "A class has an empty name (folder '" + folder.string() + "').");
    if (!seen.insert(label).second)
      throw Error(ErrorCode::bad_input, "The class '" + label + "' is given twice.", "Give each class one folder, or merge the folders.");
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
      throw Error(ErrorCode::bad_input, "The folder of class '" + label + "', '" + folder.string() + "', does not exist.",
                  "Pass --class NAME=FOLDER with a folder of " +
                      std::string(kind == MediaKind::image ? "images" : kind == MediaKind::sound ? "sounds" : "pictures of people or poses") + ".");
    const int index = static_cast<int>(data.labels.size());
    data.labels.push_back(label);
    std::vector<fs::path> found;
    for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
      const fs::path& p = it->path();
      const std::string name = p.filename().string();
      if (!name.empty() && name[0] == '.') {  // hidden files and folders (.DS_Store, .git)
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory(ec)) continue;
      if (!it->is_regular_file(ec)) {
        data.skipped.push_back({p, "not a regular file"});
        continue;
      }
      if (!has_extension(p, kind)) {
        data.skipped.push_back({p, std::string("not ") + kind_words(kind) + " easel reads (" +
                                       (p.has_extension() ? p.extension().string() : "no extension") + ")"});
        continue;
      }
      found.push_back(p);
    }
    if (ec) data.skipped.push_back({folder, "could not be listed in full: " + ec.message()});
    std::sort(found.begin(), found.end());
    for (fs::path& p : found) data.files.push_back({std::move(p), index});
  }
  return data;
}

std::vector<int> Dataset::counts() const {
  std::vector<int> n(labels.size(), 0);
  for (const LabelledFile& f : files) ++n.at(static_cast<std::size_t>(f.label));
  return n;
}

}  // namespace easel
