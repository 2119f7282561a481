// A TF.js layers model as saved on disk, read for its dense layers: model.json (the
// topology and a weightsManifest) and the float32 weight files it names, which must sit
// beside it. Teachable Machine's exports and ml5's neuralNetwork saves are both this.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "learn/dense_network.h"

namespace easel::learn {

struct LayersWeight {
  std::string name;  // "<layer>/kernel", "<layer>/bias", ...
  std::vector<std::int64_t> shape;
  std::size_t offset = 0, bytes = 0;  // in LayersFile::weights
};

class LayersFile {
 public:
  // `fail` throws the caller's error for a problem, given as a sentence fragment ("its
  // weights are truncated"); it must not return.
  using Fail = std::function<void(const std::string& problem)>;
  LayersFile(const std::filesystem::path& model_json, Fail fail);

  nlohmann::json model;                // model.json
  std::string weights;                 // the manifest's weight files, concatenated in order
  std::vector<LayersWeight> entries;  // in manifest order

  const LayersWeight* find(const std::string& name) const;
  std::vector<float> floats(const LayersWeight& w) const;
  // The list of layers of a Sequential: older TF.js writes the list as its config, newer
  // {"name": ..., "layers": [...]}. Null when `sequential` is not one.
  static nlohmann::json* layers_of(nlohmann::json& sequential);
  // Dense layers (TF.js layer JSON) with their weights; the first takes `inputs` values.
  std::vector<DenseLayer> dense_layers(const nlohmann::json& layers, int inputs) const;
  [[noreturn]] void fail(const std::string& problem) const;

 private:
  Fail fail_;
};

// A Dense layer's TF.js JSON, as tfjs-layers writes it (glorotUniform kernels, zero biases:
// the initialisers only matter to a model trained further).
nlohmann::json dense_layer_json(const DenseLayer& layer, const std::string& name, bool first);
const char* activation_name(Activation a);
// The activation a name stands for ("relu", "softmax", "sigmoid", "linear"); false for others.
bool activation_from_name(const std::string& name, Activation& out);

}  // namespace easel::learn
