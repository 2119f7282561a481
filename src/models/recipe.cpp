#include "models/recipe.h"

#include <algorithm>
#include <fstream>

#include "core/files.h"
#include "core/json_file.h"
#include "easel/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel::detail {
namespace {

[[noreturn]] void fail(const std::string& model, const std::string& what) {
  throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': " + what + ".",
              "Fix its entry in the model manifest (src/models/manifest.json or EASEL_MANIFEST).");
}

std::vector<std::string> teachable_machine_labels(const fs::path& metadata) {
  const json doc = read_json_file(metadata);
  if (!doc.is_object() || !doc.contains("labels") || !doc["labels"].is_array())
    throw Error(ErrorCode::bad_model, "'" + metadata.string() + "' has no \"labels\" list.",
                "Export the model again from Teachable Machine.");
  std::vector<std::string> labels;
  for (const auto& l : doc["labels"]) {
    if (!l.is_string())
      throw Error(ErrorCode::bad_model, "'" + metadata.string() + "' has a label that is not text (" + l.dump().substr(0, 40) + ").",
                  "Teachable Machine writes each class name as a string; export the model again.");
    labels.push_back(l.get<std::string>());
  }
  // imageSize: the side of the square the model sees (224 for image models); easel reads the
  // size from the model itself, but a file claiming an impossible one is damaged.
  if (doc.contains("imageSize") && !(doc["imageSize"].is_number_integer() && doc["imageSize"].get<long long>() > 0 &&
                                     doc["imageSize"].get<long long>() <= 8192))
    throw Error(ErrorCode::bad_model, "'" + metadata.string() + "' gives \"imageSize\" " + doc["imageSize"].dump().substr(0, 40) +
                                          ", not a size in pixels.");
  return labels;
}

// The "labels" part: where the class names come from, and how they are renamed.
std::vector<std::string> resolve_labels(ModelStore& store, const ModelSpec& spec, const LocatedModel& located, const json& recipe) {
  std::vector<std::string> labels;
  const json* l = recipe.contains("labels") ? &recipe["labels"] : nullptr;
  if (!l) {
    if (!spec.labels.empty()) labels = read_label_lines(located.file(spec.labels));
    return labels;
  }
  if (!l->is_object()) fail(spec.name, "'labels' must be an object");
  const auto own_file = [&](const std::string& name) {
    if (std::none_of(spec.files.begin(), spec.files.end(), [&](const ModelFile& f) { return f.path == name; }))
      fail(spec.name, "its labels file '" + name + "' is not among the model's files");
    return located.file(name);
  };
  if (l->contains("file")) {
    labels = read_label_lines(own_file(l->at("file").get<std::string>()));
  } else if (l->contains("teachable_machine")) {
    labels = teachable_machine_labels(own_file(l->at("teachable_machine").get<std::string>()));
  } else if (l->contains("names")) {
    labels = l->at("names").get<std::vector<std::string>>();
  } else if (l->contains("model")) {
    // Names that ship in another store entry (a Debian package's list, say).
    labels = read_label_lines(store.get(l->at("model").get<std::string>()).entry());
  } else {
    fail(spec.name, "'labels' names no file, names, model or teachable_machine metadata");
  }
  if (l->contains("first")) {
    const auto first = l->at("first").get<std::size_t>();
    if (labels.size() < first)
      fail(spec.name, "its labels list " + std::to_string(labels.size()) + " names, fewer than the " + std::to_string(first) + " it uses");
    labels.resize(first);
  }
  if (l->contains("rename"))
    for (std::string& name : labels)
      if (l->at("rename").contains(name)) name = l->at("rename").at(name).get<std::string>();
  return labels;
}

}  // namespace

std::vector<std::string> read_label_lines(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorCode::io_error, "Cannot read the labels file '" + file.string() + "'.");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

Recipe load_recipe(ModelStore& store, const ModelSpec& spec, const LocatedModel& located) {
  if (spec.recipe.empty()) fail(spec.name, "there is none, so no task knows how to feed this model");
  Recipe r;
  r.model = spec.name;
  try {
    r.data = json::parse(spec.recipe);
    r.decoder = r.data.value("decoder", std::string());
    r.file = located.entry();
    if (r.data.contains("run")) {
      const std::string run = r.data["run"].get<std::string>();
      if (std::none_of(spec.files.begin(), spec.files.end(), [&](const ModelFile& f) { return f.path == run; }))
        fail(spec.name, "the file it runs, '" + run + "', is not among the model's files");
      r.file = located.file(run);
    }
    r.labels = resolve_labels(store, spec, located, r.data);
  } catch (const json::exception& e) {
    fail(spec.name, std::string("a field has the wrong type (") + e.what() + ")");
  }
  return r;
}

void check_decoder(const Recipe& recipe, const TaskKind& task) {
  if (std::find(task.decoders.begin(), task.decoders.end(), recipe.decoder) != task.decoders.end()) return;
  std::string known;
  for (const auto& d : task.decoders) known += (known.empty() ? "" : ", ") + d;
  throw Error(ErrorCode::bad_model, "The recipe of model '" + recipe.model + "' reads its outputs with '" + recipe.decoder + "', which " +
                                        task.doing + " does not know (it knows " + known + ").");
}

Recipe load_task_recipe(const std::string& model, const TaskKind& task) {
  ModelStore store;
  const ModelSpec& spec = store.spec(model);
  if (spec.task != task.id || spec.recipe.empty())
    throw Error(ErrorCode::bad_input, "'" + model + "' is a " + spec.task + " model, not " + task.one + " easel can run.",
                task.many + ": " + store.names_for_task(task.id) + ".");
  Recipe recipe = load_recipe(store, spec, store.get(model));
  check_decoder(recipe, task);
  return recipe;
}

Recipe teachable_machine_recipe(const fs::path& dir) {
  Recipe r;
  r.model = dir.string();
  r.file = dir / "model.json";
  r.decoder = "classes";
  // Teachable Machine crops the centre square and scales pixels to -1..1.
  r.data = {{"input", {{"fit", "center_crop"}, {"range", "signed_unit"}}}, {"decoder", "classes"}};
  r.labels = teachable_machine_labels(dir / "metadata.json");
  return r;
}

}  // namespace easel::detail
