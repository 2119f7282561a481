// Placeholder until the TF.js layers importer lands (being written now).
#include "easel/error.h"
#include "nn/import/importers.h"

namespace easel::nn {
Graph import_tfjs_layers(const std::filesystem::path& model_json) {
  throw Error(ErrorCode::bad_model, "TF.js layers models cannot be read yet ('" + model_json.string() + "').");
}
std::vector<std::string> tfjs_layers_classes() { return {}; }
}  // namespace easel::nn
