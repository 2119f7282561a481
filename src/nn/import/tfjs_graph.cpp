// Placeholder until the TF.js graph importer lands (being written now).
#include "easel/error.h"
#include "nn/import/importers.h"

namespace easel::nn {
Graph import_tfjs_graph(const std::filesystem::path& model_json) {
  throw Error(ErrorCode::bad_model, "TF.js graph models cannot be read yet ('" + model_json.string() + "').");
}
std::vector<std::string> tfjs_graph_ops() { return {}; }
}  // namespace easel::nn
