#include "studio/project_archive.h"

#include <nlohmann/json.hpp>

#include <map>

#include "core/files.h"
#include "core/zip_archive.h"
#include "easel/error.h"
#include "easel/feature_extractor.h"
#include "easel/training.h"
#include "learn/model_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel::studio {
namespace {

// The folder of an unpacked zip that holds `file`: the top, or the one folder the zip wraps
// everything in (a zip made of a folder).
std::optional<fs::path> holder_of(const fs::path& top, const char* file) {
  if (!fs::is_directory(top)) return std::nullopt;  // a zip of no files
  if (fs::exists(top / file)) return top;
  std::optional<fs::path> only;
  int folders = 0;
  for (const auto& e : fs::directory_iterator(top))
    if (e.is_directory()) ++folders, only = e.path();
  if (folders == 1 && fs::exists(*only / file)) return only;
  return std::nullopt;
}

MediaKind kind_of_extractor(const std::string& extractor) {
  if (FeatureExtractor::hears_sounds(extractor)) return MediaKind::sound;
  return FeatureExtractor::create({.model = extractor}).is_pose() ? MediaKind::pose : MediaKind::image;
}

// A model that came in: saved as the project's model (preview and export work at once) and
// as the start of further training, with a report that says where it came from.
void adopt_model(const ProjectStore& store, const ProjectInfo& info, const TrainedClassifier& model, const std::string& origin) {
  const fs::path dir = store.folder(info.id) / "model";
  fs::create_directories(dir);
  model.save(dir / "model.easel");
  model.save(start_model(store, info.id));
  json class_ids = json::array();
  for (const auto& c : info.classes) class_ids.push_back(c.id);
  const json report = {{"labels", model.labels()},
                       {"class_ids", class_ids},
                       {"imported", origin},
                       {"extractor", model.extractor()},
                       {"counts", std::vector<int>(model.labels().size(), 0)},
                       {"history", json::array()},
                       {"learning_curve", json::array()},
                       {"evaluation", {{"examples", 0}, {"accuracy", nullptr}, {"class_accuracy", json::array()}, {"confusion", json::array()},
                                       {"misclassified", json::array()}}}};
  detail::write_file_atomic(dir / "report.json", report.dump(1) + "\n");
}

ProjectInfo import_model(ProjectStore& store, const TrainedClassifier& model, const std::string& name, const std::string& origin) {
  const ProjectInfo info = store.create(name, kind_of_extractor(model.extractor()), model.labels());
  try {
    adopt_model(store, info, model, origin);
  } catch (...) {
    store.remove(info.id);
    throw;
  }
  return info;
}

ProjectInfo import_project(ProjectStore& store, const fs::path& dir, std::vector<std::string>& skipped) {
  json j;
  try {
    j = json::parse(detail::read_file(dir / "project.json"));
  } catch (const json::exception& e) {
    throw StudioError(400, "bad_input", "The project zip's project.json is not valid JSON: " + detail::json_problem(e));
  }
  if (!j.is_object() || !j.contains("classes") || !j["classes"].is_array())
    throw StudioError(400, "bad_input", "The project zip's project.json has no list of classes.");
  const MediaKind kind = parse_kind(j.value("kind", "image"));
  std::vector<std::string> names, old_ids;
  std::vector<bool> enabled;
  for (const auto& c : j["classes"]) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || !c.contains("id") || !c["id"].is_string())
      throw StudioError(400, "bad_input", "A class in the project zip's project.json has no name or id.");
    names.push_back(c["name"]);
    old_ids.push_back(c["id"]);
    enabled.push_back(c.value("enabled", true));
  }
  ProjectInfo info = store.create(j.value("name", std::string("Imported project")), kind, names);
  try {
    std::map<std::string, std::string> new_id;  // old class id -> new
    for (std::size_t i = 0; i < info.classes.size(); ++i) {
      new_id[old_ids[i]] = info.classes[i].id;
      if (!enabled[i]) store.update_class(info.id, info.classes[i].id, std::nullopt, false);
      check_id(old_ids[i], 'c', "class");  // an id of another form names no folder of the zip
      const fs::path from = dir / old_ids[i];
      if (!fs::is_directory(from)) continue;
      for (const auto& e : fs::directory_iterator(from)) {
        if (!e.is_regular_file()) continue;
        try {
          store.add_sample(info.id, info.classes[i].id, detail::read_file(e.path()), e.path().filename().string(), e.path().stem().string());
        } catch (const StudioError& err) {
          if (err.status != 415) throw;
          skipped.push_back(names[i] + "/" + e.path().filename().string() + ": " + err.what());
        }
      }
    }
    // Its trained model, checked as any model file is, with the report's class ids renamed.
    if (fs::exists(dir / "model" / "model.easel")) {
      const TrainedClassifier model = TrainedClassifier::load(dir / "model" / "model.easel");
      const fs::path to = store.folder(info.id) / "model";
      fs::create_directories(to);
      model.save(to / "model.easel");
      if (fs::exists(dir / "model" / "start.easel")) TrainedClassifier::load(dir / "model" / "start.easel").save(start_model(store, info.id));
      json report = json::parse(detail::read_file(dir / "model" / "report.json"), nullptr, false);
      if (report.is_object()) {
        json ids = json::array();
        for (const auto& id : report.value("class_ids", json::array())) ids.push_back(id.is_string() && new_id.count(id) ? new_id[id] : "");
        report["class_ids"] = ids;
        if (report.contains("evaluation") && report["evaluation"].is_object())
          for (auto& m : report["evaluation"].value("misclassified", json::array()))
            if (m.is_object() && m.contains("class") && m["class"].is_string() && new_id.count(m["class"])) m["class"] = new_id[m["class"]];
        detail::write_file_atomic(to / "report.json", report.dump(1) + "\n");
      }
    }
  } catch (...) {
    store.remove(info.id);  // nothing half imported
    throw;
  }
  return store.get(info.id);
}

}  // namespace

fs::path start_model(const ProjectStore& store, const std::string& project) { return store.folder(project) / "model" / "start.easel"; }

void export_project(const ProjectStore& store, const std::string& project, const fs::path& zip) {
  const fs::path dir = store.folder(project);
  detail::write_zip(zip, dir, [](const fs::path& relative) {
    return relative.begin()->string() != ".thumbs";  // made again from the samples
  });
}

ProjectInfo import_upload(ProjectStore& store, const std::string& bytes, const std::string& file_name, std::vector<std::string>& skipped) {
  const std::string name = fs::path(file_name).stem().string().empty() ? std::string("Imported") : fs::path(file_name).stem().string();
  const detail::TempDir tmp = store.scratch("import-");
  const fs::path file = tmp.path() / "upload";
  detail::write_file_atomic(file, bytes);
  try {
    if (learn::is_model_file(file)) return import_model(store, TrainedClassifier::load(file), name, "a MODEL.easel file");
    if (!detail::looks_like_zip(file))
      throw StudioError(415, "unsupported_media", "'" + file_name + "' is neither a project zip, a Teachable Machine zip nor a MODEL.easel file.");
    detail::ZipLimits limits;
    limits.max_total_bytes = 4 * kMaxUploadBytes;
    limits.max_file_bytes = kMaxUploadBytes;
    limits.max_files = 50000;
    detail::unpack_zip(file, tmp.path() / "files", {}, limits);
    if (const auto dir = holder_of(tmp.path() / "files", "project.json")) return import_project(store, *dir, skipped);
    if (const auto dir = holder_of(tmp.path() / "files", "metadata.json"); dir && fs::exists(*dir / "model.json"))
      return import_model(store, TrainedClassifier::import_teachable_machine(*dir), name, "a Teachable Machine export");
    throw StudioError(415, "unsupported_media", "The zip '" + file_name + "' holds neither a studio project (project.json) nor a Teachable Machine export (model.json, metadata.json).");
  } catch (const Error& e) {
    throw StudioError(e.code() == ErrorCode::io_error || e.code() == ErrorCode::internal ? 500 : 422, "bad_import", e.what(), e.hint());
  }
}

}  // namespace easel::studio
