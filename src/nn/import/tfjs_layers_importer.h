// Shared by the TF.js layers-model importer's two halves: the topology walker
// (tfjs_layers.cpp: model.json, Sequential/functional/nested models, weights) and the
// per-layer translation into easel ops (tfjs_layers_ops.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "nn/graph.h"

namespace easel::nn::tfjs_layers_import {

using json = nlohmann::json;

// Builds the graph one Keras layer call at a time. Every value it creates gets a
// static shape (-1 where only the input decides, usually the batch), because several
// translations (Flatten, Reshape with -1, UpSampling2D, Conv2DTranspose) need the
// non-batch dimensions at import time, and Model::outputs() reports these shapes.
class Builder {
 public:
  Builder(Graph& graph, std::map<std::string, Tensor> weights, std::string file, bool keras3);

  Graph& graph;
  const std::string file;
  const bool keras3;  // Keras 3 changed a few defaults (hard_sigmoid)

  // The layer call being translated: emitted nodes are named after it.
  void begin_layer(const std::string& class_name, const std::string& name);
  const std::string& layer_name() const { return layer_; }
  const std::string& layer_class() const { return class_; }
  // Names the values `outputs` (created by this call) after the layer: "name", "name:1"...
  void finish_layer(const std::vector<int>& outputs);

  // Error(bad_model): "Layer 'name' (Class) in FILE: message."
  [[noreturn]] void fail(const std::string& message) const;
  // Error(unsupported_op) for a layer feature easel does not translate.
  [[noreturn]] void unsupported(const std::string& message) const;

  // Weight `<layer>/<what>` of the current layer, also found under a nested model's
  // prefix ("model/conv1/kernel"). Fails naming the layer and the weight when absent
  // or when its rank differs from `rank` (-1: any).
  bool has_weight(const std::string& what) const;
  const Tensor& weight(const std::string& what, int rank = -1) const;
  // The weight as a graph constant (one value per weight, shared by repeated calls).
  int weight_value(const std::string& what, int rank = -1);
  int constant(const std::string& suffix, Tensor t);
  int scalar(const std::string& suffix, float v);

  // Adds node `op` named "<layer>/<suffix>" with one output of `shape`; returns the
  // output value. finish_layer() renames the layer's final values.
  int emit(const std::string& op, const std::string& suffix, std::vector<int> inputs, Attrs attrs, Shape shape, DType dtype = DType::f32);
  const Shape& shape(int value) const { return graph.values.at(static_cast<std::size_t>(value)).shape; }
  int rank(int value) const { return static_cast<int>(shape(value).size()); }

  // Config readers: fail naming the field when the JSON has the wrong type.
  std::vector<std::int64_t> ints(const json& cfg, const char* key, std::size_t n, std::vector<std::int64_t> fallback) const;
  std::int64_t integer(const json& cfg, const char* key, std::int64_t fallback) const;
  double number(const json& cfg, const char* key, double fallback) const;
  bool flag(const json& cfg, const char* key, bool fallback) const;
  std::string text(const json& cfg, const char* key, const std::string& fallback) const;
  // A layer's single axis (int or one-element list), made non-negative for `rank`.
  int axis(const json& cfg, const char* key, int fallback, int rank) const;

  // Where a translation returned one of its inputs unchanged (Dropout...), the value
  // keeps its producer's name; if it ends up a model output it is renamed after the
  // last such layer.
  std::map<int, std::string> alias_names;

 private:
  std::string unique(const std::string& name);
  std::map<std::string, Tensor> weights_;
  std::map<std::string, int> weight_values_;
  std::set<std::string> names_;
  std::string layer_, class_;
  std::size_t first_value_ = 0;  // values created since begin_layer() start here
};

// Translates one call of a (non-model) layer. `inputs` are value ids; returns the
// layer's output values. Throws Error(unsupported_op) for an unknown class.
std::vector<int> translate_layer(Builder& b, const std::string& class_name, const json& config, const std::vector<int>& inputs);
bool is_known_layer(const std::string& class_name);
std::vector<std::string> layer_classes();  // sorted, without the model classes

}  // namespace easel::nn::tfjs_layers_import
