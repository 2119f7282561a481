#include "easel/model_store.h"

#include <algorithm>
#include <sstream>

#include "core/files.h"
#include "core/sha256.h"
#include "easel/error.h"
#include "models/locate_model.h"
#include "models/manifest.h"
#include "models/sources.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string describe(const FileProblem& p) {
  std::string s = "'" + p.path.string() + "' is " + p.problem;
  if (!p.expected_sha256.empty() && !p.actual_sha256.empty())
    s += " (expected sha256 " + p.expected_sha256 + ", actual " + p.actual_sha256 + ")";
  return s;
}

}  // namespace

std::uint64_t ModelSpec::total_size() const {
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

const char* to_string(ModelLocation location) {
  switch (location) {
    case ModelLocation::none:
      return "not available";
    case ModelLocation::search_path:
      return "EASEL_MODEL_PATH";
    case ModelLocation::cache:
      return "cache";
  }
  return "?";
}

ModelStoreOptions ModelStoreOptions::from_environment() {
  ModelStoreOptions o;
  std::stringstream path(detail::env_or("EASEL_MODEL_PATH"));
  for (std::string dir; std::getline(path, dir, ':');)
    if (!dir.empty()) o.search_path.emplace_back(dir);
  o.cache_dir = detail::user_cache_dir("EASEL_CACHE_DIR", "models", ".");
  std::string offline = detail::env_or("EASEL_OFFLINE");
  o.offline = !offline.empty() && offline != "0";
  std::stringstream manifests(detail::env_or("EASEL_MANIFEST"));
  for (std::string file; std::getline(manifests, file, ':');)
    if (!file.empty()) o.extra_manifests.emplace_back(file);
  return o;
}

ModelStore::ModelStore(ModelStoreOptions options) : options_(std::move(options)) {
  models_ = options_.manifest_json.empty() ? detail::parse_manifest(detail::kBuiltinManifest, "(built in)")
                                           : detail::parse_manifest(options_.manifest_json, "(from options)");
  for (const fs::path& file : options_.extra_manifests) {
    if (!fs::is_regular_file(file))
      throw Error(ErrorCode::bad_input, "There is no model manifest '" + file.string() + "'.", "Check EASEL_MANIFEST.");
    for (ModelSpec& spec : detail::parse_manifest(detail::read_file(file), file.string())) {
      auto same = std::find_if(models_.begin(), models_.end(), [&](const ModelSpec& m) { return m.name == spec.name; });
      if (same != models_.end()) *same = std::move(spec);
      else models_.push_back(std::move(spec));
    }
  }
}

std::string ModelStore::names_for_task(std::string_view task) const {
  std::string names;
  for (const ModelSpec& m : models_)
    if (m.task == task && !m.recipe.empty()) names += (names.empty() ? "" : ", ") + m.name;
  return names;
}

const ModelSpec& ModelStore::spec(std::string_view name) const {
  for (const auto& m : models_)
    if (m.name == name) return m;
  std::vector<std::pair<size_t, std::string>> near;
  for (const auto& m : models_) {
    size_t d = edit_distance(name, m.name);
    if (d <= 3 || m.name.find(name) != std::string::npos) near.emplace_back(d, m.name);
  }
  std::sort(near.begin(), near.end());
  std::string hint = "`easel models list` shows every model.";
  if (!near.empty()) {
    hint = "Did you mean ";
    for (size_t i = 0; i < near.size() && i < 3; ++i) hint += (i ? ", " : "") + std::string("'") + near[i].second + "'";
    hint += "? `easel models list` shows every model.";
  }
  throw Error(ErrorCode::model_not_found, "There is no model named '" + std::string(name) + "'.", hint);
}

std::vector<FileProblem> ModelStore::check(const ModelSpec& spec, const fs::path& dir, bool hash) const {
  std::vector<FileProblem> problems;
  for (const auto& f : spec.files) {
    fs::path p = dir / f.path;
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (ec) {
      problems.push_back({f.path, p, "missing", f.sha256, {}});
      continue;
    }
    if (f.size && size != f.size) {
      std::string what = size < f.size ? "truncated" : "too long";
      what += " (" + std::to_string(size) + " bytes, expected " + std::to_string(f.size) + ")";
      problems.push_back({f.path, p, what, f.sha256, hash ? detail::sha256_file(p) : std::string()});
      continue;
    }
    if (hash) {
      std::string actual = detail::sha256_file(p);
      if (actual != f.sha256) problems.push_back({f.path, p, "corrupt (sha256 mismatch)", f.sha256, actual});
    }
  }
  return problems;
}

// The model's folder on the search path: the first whose files are all present.
fs::path ModelStore::search_path_dir(const ModelSpec& spec) const {
  for (const auto& src : spec.sources) {
    if (src.type != "dir") continue;
    for (const auto& root : options_.search_path) {
      fs::path dir = root / src.where;
      if (fs::is_directory(dir) && check(spec, dir, false).empty()) return dir;
    }
  }
  return {};
}

LocatedModel ModelStore::find(std::string_view name) const {
  const ModelSpec& s = spec(name);
  if (fs::path dir = search_path_dir(s); !dir.empty()) return {&s, ModelLocation::search_path, dir};
  fs::path cached = options_.cache_dir / s.name;
  if (fs::is_directory(cached) && check(s, cached, false).empty()) return {&s, ModelLocation::cache, cached};
  return {&s, ModelLocation::none, {}};
}

VerifyResult ModelStore::verify(std::string_view name) const {
  const ModelSpec& s = spec(name);
  LocatedModel where = find(name);
  if (where.location == ModelLocation::none) {
    // Nothing complete anywhere; report a partial cache so the user sees what is wrong.
    fs::path cached = options_.cache_dir / s.name;
    if (fs::is_directory(cached)) return {&s, ModelLocation::cache, cached, check(s, cached, true)};
    return {&s, ModelLocation::none, {}, {}};
  }
  return {&s, where.location, where.dir, check(s, where.dir, true)};
}

LocatedModel ModelStore::get(std::string_view name, const ProgressFn& progress) {
  VerifyResult v = verify(name);
  if (v.location == ModelLocation::none) return pull(name, progress);
  if (!v.problems.empty()) {
    std::string hint = v.location == ModelLocation::cache ? "Run `easel models pull " + v.spec->name + "` to fetch it again."
                                                          : "Restore the folder " + v.dir.string() + " or remove it from EASEL_MODEL_PATH.";
    throw Error(ErrorCode::bad_model, "Model '" + v.spec->name + "': " + describe(v.problems.front()) + ".", hint);
  }
  return {v.spec, v.location, v.dir};
}

LocatedModel ModelStore::pull(std::string_view name, const ProgressFn& progress) {
  const ModelSpec& s = spec(name);
  if (fs::path dir = search_path_dir(s); !dir.empty()) {
    auto problems = check(s, dir, true);
    if (problems.empty()) return {&s, ModelLocation::search_path, dir};
  }
  const fs::path cached = options_.cache_dir / s.name;
  std::vector<const ModelFile*> wanted;
  for (const auto& f : s.files) {
    fs::path p = cached / f.path;
    std::error_code ec;
    if (fs::file_size(p, ec) == f.size && !ec && detail::sha256_file(p) == f.sha256) continue;
    wanted.push_back(&f);
  }
  if (wanted.empty()) return {&s, ModelLocation::cache, cached};
  if (options_.offline)
    throw Error(ErrorCode::model_not_found, "Model '" + s.name + "' is not in the cache and easel is offline.",
                "Unset EASEL_OFFLINE to download it, or set EASEL_MODEL_PATH to a folder that has it.");

  std::vector<std::string> failures;
  bool checksum_failure = false;
  for (const auto& source : s.sources) {
    if (source.type == "dir") continue;
    // Stage inside the cache folder so the final renames stay on one file system.
    detail::TempDir staging(options_.cache_dir, "." + s.name + ".pull-");
    try {
      detail::fetch_from_source(source, wanted, staging.path(), options_.cache_dir / ".downloads", progress);
    } catch (const Error& e) {
      failures.push_back(source.type + " (" + source.where + "): " + e.what());
      continue;
    }
    std::vector<FileProblem> bad;
    for (const ModelFile* f : wanted) {
      fs::path p = staging.path() / f->path;
      std::string actual = detail::sha256_file(p);
      if (actual != f->sha256) bad.push_back({f->path, source.files.at(f->path), "corrupt (sha256 mismatch)", f->sha256, actual});
    }
    if (!bad.empty()) {
      checksum_failure = true;
      failures.push_back(source.type + " (" + source.where + "): file '" + bad.front().file + "' from '" + bad.front().path.string() +
                         "' has sha256 " + bad.front().actual_sha256 + ", expected " + bad.front().expected_sha256);
      continue;
    }
    // Only verified files reach the cache, each by an atomic rename.
    for (const ModelFile* f : wanted) detail::move_file_atomic(staging.path() / f->path, cached / f->path);
    if (progress) progress(s.name + ": verified " + std::to_string(wanted.size()) + " file(s) into " + cached.string());
    return {&s, ModelLocation::cache, cached};
  }
  if (failures.empty())
    throw Error(ErrorCode::model_not_found, "Model '" + s.name + "' has no download source and is not on EASEL_MODEL_PATH.",
                "Set EASEL_MODEL_PATH to a folder that holds '" + (s.sources.empty() ? s.name : s.sources.front().where) + "'.");
  std::string message = "Could not pull model '" + s.name + "'; nothing was written to the cache. ";
  for (size_t i = 0; i < failures.size(); ++i) message += (i ? "; " : "") + failures[i];
  throw Error(checksum_failure ? ErrorCode::bad_model : ErrorCode::network_error, message + ".",
              checksum_failure
                  ? "The source served different bytes than the manifest records; report it, or set EASEL_MODEL_PATH to a good copy."
                  : "Check the connection and try `easel models pull " + s.name + "` again.");
}

namespace detail {

fs::path locate_model(const std::string& name_or_path) {
  const fs::path path = name_or_path;
  if (fs::exists(path)) return path;
  ModelStore store;
  const bool known = std::any_of(store.models().begin(), store.models().end(), [&](const ModelSpec& m) { return m.name == name_or_path; });
  if (!known && (name_or_path.find('/') != std::string::npos || name_or_path.find('.') != std::string::npos))
    throw Error(ErrorCode::model_not_found, "There is no model file '" + name_or_path + "'.",
                "Check the path, or give a model name from `easel models list`.");
  return store.get(name_or_path).entry();
}

}  // namespace detail

}  // namespace easel
