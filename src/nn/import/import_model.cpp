#include <nlohmann/json.hpp>

#include "core/files.h"
#include "easel/error.h"
#include "nn/import/importers.h"

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
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(detail::read_file(file));
    } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers past a double's range
      throw Error(ErrorCode::bad_model, "'" + file.string() + "' is not valid JSON: " + detail::json_problem(e) + ".");
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
