// Features of a dataset's files, kept on disk by content: <cache>/<extractor>-<checksum>/
// <sha256 of the file>.f32 holds the raw float32 values. Each entry is written atomically,
// so an interrupted extraction resumes where it stopped and a torn entry cannot exist.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "core/files.h"
#include "core/sha256.h"
#include "easel/audio.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/training.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

std::string safe(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  return s;
}

// The cached features, or none when absent or of the wrong size (then recomputed). A
// recording's entry holds the features of each of its windows, one after another.
bool read_cached(const fs::path& entry, std::vector<float>& out, int length, bool several) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(entry, ec), row = static_cast<std::uintmax_t>(length) * sizeof(float);
  if (ec || size == 0 || (several ? size % row != 0 : size != row)) return false;
  const std::string bytes = detail::read_file(entry);
  if (bytes.size() != size) return false;  // changed since it was measured
  out.resize(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return true;
}

}  // namespace

Examples extract_examples(FeatureExtractor& extractor, const Dataset& data, const ExtractOptions& options) {
  if (data.kind == MediaKind::sound && !extractor.is_sound())
    throw Error(ErrorCode::bad_input, "This extractor ('" + extractor.name() + "') takes images; the dataset holds sounds.",
                "Use a sound model: speech-embedding.");
  if (data.kind != MediaKind::sound && extractor.is_sound())
    throw Error(ErrorCode::bad_input, "This extractor ('" + extractor.name() + "') takes sounds; the dataset holds " +
                                          (data.kind == MediaKind::pose ? "poses." : "images."));
  if (data.kind == MediaKind::pose && !extractor.is_pose())
    throw Error(ErrorCode::bad_input, "Poses need a pose model to extract them ('" + extractor.name() + "' is not one).",
                "Use movenet-lightning, movenet-thunder or posenet.");
  Examples examples;
  examples.extractor = extractor.name();
  examples.extractor_checksum = extractor.checksum();
  examples.labels = data.labels;
  examples.length = extractor.length();
  examples.skipped = data.skipped;
  const fs::path cache = options.use_cache ? (options.cache_dir.empty() ? detail::user_cache_dir("EASEL_FEATURE_CACHE", "features") : options.cache_dir) /
                                                 (safe(extractor.name()) + "-" + extractor.checksum().substr(0, 16))
                                           : fs::path();
  std::vector<float> features;
  for (std::size_t i = 0; i < data.files.size(); ++i) {
    const LabelledFile& f = data.files[i];
    try {
      std::string ext = f.file.extension().string();
      for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const bool pose_file = data.kind == MediaKind::pose && ext == ".json";
      fs::path entry;
      bool cached = false;
      // A pose given as numbers: no model runs, so nothing is hashed or cached for it.
      if (!cache.empty() && !pose_file) {
        entry = cache / (detail::sha256_file(f.file) + ".f32");
        cached = read_cached(entry, features, examples.length, data.kind == MediaKind::sound);
      }
      if (pose_file) {
        features = pose_features(load_pose(f.file));
      } else if (!cached) {
        if (data.kind == MediaKind::sound) {
          features.clear();
          for (const AudioBuffer& window : extractor.sound_windows(load_audio(f.file))) {
            const std::vector<float> one = extractor.extract(window);
            features.insert(features.end(), one.begin(), one.end());
          }
        } else {
          features = extractor.extract(Image::load(f.file));
        }
        if (!cache.empty()) {
          try {
            detail::write_file_atomic(entry, {reinterpret_cast<const char*>(features.data()), features.size() * sizeof(float)});
          } catch (const Error&) {
            // A cache that cannot be written only costs time on the next run.
          }
        }
      }
      // A recording cut into windows gives an example per window, named by where it starts.
      const std::size_t windows = features.size() / static_cast<std::size_t>(examples.length);
      for (std::size_t w = 0; w < windows; ++w) {
        examples.classes.push_back(f.label);
        char at[32] = "";
        if (windows > 1) std::snprintf(at, sizeof at, "@%.0fs", static_cast<double>(w) * extractor.window_seconds());
        examples.sources.push_back(f.file.string() + at);
      }
      examples.features.insert(examples.features.end(), features.begin(), features.end());
    } catch (const Error& e) {
      examples.skipped.push_back({f.file, e.what()});
    }
    if (options.progress) options.progress(i + 1, data.files.size());
  }
  return examples;
}

}  // namespace easel
