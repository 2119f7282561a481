#include "easel/dataset.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <system_error>

#include "core/files.h"
#include "core/sha256.h"
#include "core/zip_archive.h"
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

// A zip's files, unpacked once into a folder named by the zip's content under
// ~/.cache/easel/datasets (or $EASEL_DATASET_CACHE): a second run, or a second model
// trained on the same zip, reads the folder. The folder appears whole or not at all.
fs::path unpacked(const fs::path& zip) {
  const fs::path root = detail::user_cache_dir("EASEL_DATASET_CACHE", "datasets");
  const fs::path dir = root / detail::sha256_file(zip).substr(0, 32);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir;
  fs::create_directories(root);
  detail::TempDir tmp(root, ".unpack-");
  detail::unpack_zip(zip, tmp.path() / "files");
  fs::rename(tmp.path() / "files", dir, ec);  // another run may have made it meanwhile: either is whole
  if (ec && !fs::is_directory(dir)) throw Error(ErrorCode::io_error, "Cannot unpack '" + zip.string() + "' into '" + dir.string() + "': " + ec.message() + ".");
  return dir;
}

// A class's source: a folder, or a zip file (unpacked).
fs::path class_folder(const std::string& label, const fs::path& source, MediaKind kind) {
  std::error_code ec;
  if (fs::is_regular_file(source, ec)) {
    if (detail::looks_like_zip(source)) return unpacked(source);
    throw Error(ErrorCode::bad_input, "The examples of class '" + label + "', '" + source.string() + "', are neither a folder nor a zip file.");
  }
  if (!fs::is_directory(source, ec))
    throw Error(ErrorCode::bad_input, "The folder of class '" + label + "', '" + source.string() + "', does not exist.",
                "Pass --class NAME=FOLDER (or NAME=FILE.zip) with " +
                    std::string(kind == MediaKind::image ? "images" : kind == MediaKind::sound ? "sounds" : "pictures of people or poses") + ".");
  return source;
}

}  // namespace

Dataset Dataset::from_folder_of_classes(const fs::path& source, MediaKind kind) {
  std::error_code ec;
  fs::path root = source;
  if (fs::is_regular_file(source, ec) && detail::looks_like_zip(source)) {
    root = unpacked(source);
    // A zip of one folder that holds the classes (a folder zipped whole): the classes are inside it.
    std::vector<fs::path> top;
    for (const auto& e : fs::directory_iterator(root))
      if (e.path().filename().string()[0] != '.') top.push_back(e.path());
    if (top.size() == 1 && fs::is_directory(top[0])) {
      bool nested = false;
      for (const auto& e : fs::directory_iterator(top[0])) nested = nested || e.is_directory();
      if (nested) root = top[0];
    }
  } else if (!fs::is_directory(source, ec)) {
    throw Error(ErrorCode::bad_input, "'" + source.string() + "' is neither a folder nor a zip file.",
                "Give a folder (or zip) with one sub-folder per class.");
  }
  std::vector<std::pair<std::string, fs::path>> classes;
  for (const auto& e : fs::directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && !name.empty() && name[0] != '.' && name != "__MACOSX") classes.emplace_back(name, e.path());
  }
  std::sort(classes.begin(), classes.end());
  if (classes.empty())
    throw Error(ErrorCode::bad_input, "'" + source.string() + "' has no sub-folders: each class is a folder of its examples.");
  return from_folders(classes, kind);
}

Dataset Dataset::from_folders(const std::vector<std::pair<std::string, fs::path>>& classes, MediaKind kind) {
  Dataset data;
  data.kind = kind;
  std::set<std::string> seen;
  for (const auto& [label, source] : classes) {
    if (label.empty()) throw Error(ErrorCode::bad_input, "A class has an empty name (folder '" + source.string() + "').");
    if (!seen.insert(label).second)
      throw Error(ErrorCode::bad_input, "The class '" + label + "' is given twice.", "Give each class one folder, or merge the folders.");
    std::error_code ec;
    const fs::path folder = class_folder(label, source, kind);
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
