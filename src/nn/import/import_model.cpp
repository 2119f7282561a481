#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/json_file.h"
#include "easel/error.h"
#include "nn/import/importers.h"
#include "nn/import/ml5_checkpoint.h"

namespace fs = std::filesystem;

namespace easel::nn {

void throw_unsupported_op(const std::string& kind, const std::string& op, const std::string& where, const std::string& file,
                          const std::string& why) {
  throw Error(ErrorCode::unsupported_op,
              kind + " '" + op + "' (" + where + " in " + file + ") is not supported" + (why.empty() ? "" : ": " + why) + ".",
              "`easel ops` lists the supported ops per format.");
}

Graph import_model(const fs::path& file, std::string* format) {
  const std::string ext = file.extension().string();
  if (ext == ".json") {
    const nlohmann::json doc = detail::read_json_file(file);
    if (is_ml5_checkpoint_manifest(doc)) {
      *format = "ml5-checkpoint";
      return import_ml5_checkpoint(file);
    }
    // ml5's CVAE: {"model": "models/model.json", "labels": [...]}, a layers model beside.
    if (doc.is_object() && doc.contains("model") && doc["model"].is_string() && doc.contains("labels")) {
      const fs::path model = doc["model"].get<std::string>();
      const bool inside = model.is_relative() && std::none_of(model.begin(), model.end(), [](const fs::path& part) { return part == ".."; });
      if (!inside)
        throw Error(ErrorCode::bad_model, "'" + file.string() + "' names its model " + doc["model"].dump() + "; it must be a path inside its folder.");
      *format = "tfjs-layers";
      return import_tfjs_layers(file.parent_path() / model);
    }
    const auto topo = doc.find("modelTopology");
    if (topo == doc.end())
      throw Error(ErrorCode::bad_model, "'" + file.string() + "' has no 'modelTopology'; it is not a TF.js model.json.");
    if (topo->contains("node") || doc.value("format", "") == "graph-model") {
      *format = "tfjs-graph";
      return import_tfjs_graph(file);
    }
    *format = "tfjs-layers";
    return import_tfjs_layers(file);
  }
  if (ext == ".tflite") {
    *format = "tflite";
    return import_tflite(file);
  }
  if (ext == ".onnx") {
    *format = "onnx";
    return import_onnx(file);
  }
  throw Error(ErrorCode::bad_model, "easel cannot read '" + file.string() + "' (format '" + ext + "').",
              "Give a TF.js model.json, a .tflite or an .onnx file.");
}

}  // namespace easel::nn
