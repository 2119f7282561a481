// TF.js layers models (Keras topology in model.json + weight shards) -> nn::Graph.
//
// The topology is walked the way tfjs-layers' fromConfig does it: a Sequential applies
// its layers in order, a functional Model ("Model"/"Functional") resolves each layer's
// inbound nodes, and a model used as a layer (Teachable Machine nests MobileNet inside
// a Sequential) is expanded inline with its inputs bound to the caller's values.
// Both topology styles are read: 2019 (Sequential config is a list of layers) and
// 2020+ ({"name", "layers"}), and Keras 3 inbound nodes ({"args": [...]}).
// After translation (tfjs_layers_ops.cpp) two passes of nn/fuse.h speed the graph up:
// ZeroPadding followed by a VALID conv becomes an explicitly padded conv, and
// BatchNormalization (mul + add by per-channel constants) plus a following activation fold
// into the preceding conv/dense's weights, bias and fused activation.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/files.h"
#include "core/json_file.h"
#include "easel/error.h"
#include "nn/fuse.h"
#include "nn/import/importers.h"
#include "nn/import/tfjs_layers_importer.h"
#include "nn/import/tfjs_weights.h"

namespace fs = std::filesystem;

namespace easel::nn {
namespace tfjs_layers_import {

// ---- Builder

Builder::Builder(Graph& g, std::map<std::string, Tensor> weights, std::string f, bool k3)
    : graph(g), file(std::move(f)), keras3(k3), weights_(std::move(weights)) {}

void Builder::begin_layer(const std::string& class_name, const std::string& name) {
  class_ = class_name;
  layer_ = name;
  first_value_ = graph.values.size();
}

void Builder::finish_layer(const std::vector<int>& outputs) {
  const std::string base = unique(layer_);
  int k = 0;
  for (int v : outputs) {
    if (v < 0 || static_cast<std::size_t>(v) < first_value_) {
      alias_names[v] = base;  // passed through unchanged (Dropout, Flatten of 2-D...)
      continue;
    }
    std::string name = k == 0 ? base : base + ":" + std::to_string(k);
    ++k;
    graph.values[static_cast<std::size_t>(v)].name = name;
    for (auto it = graph.nodes.rbegin(); it != graph.nodes.rend(); ++it)
      if (!it->outputs.empty() && it->outputs[0] == v) {
        it->name = name;
        break;
      }
  }
}

void Builder::fail(const std::string& message) const {
  throw Error(ErrorCode::bad_model, "Layer '" + layer_ + "' (" + class_ + ") in " + file + ": " + message + ".");
}

void Builder::unsupported(const std::string& message) const {
  throw Error(ErrorCode::unsupported_op, "Layer '" + layer_ + "' (" + class_ + ") in " + file + ": " + message + ".",
              "`easel ops` lists the supported ops per format.");
}

std::string Builder::unique(const std::string& name) {
  // '#' cannot occur in Keras names, so "conv2d#1" never collides with a real "conv2d_1".
  std::string n = name;
  for (int k = 1; names_.count(n); ++k) n = name + "#" + std::to_string(k);
  names_.insert(n);
  return n;
}

namespace {
const std::pair<const std::string, Tensor>* find_weight(const std::map<std::string, Tensor>& weights, const std::string& layer,
                                                        const std::string& what) {
  const std::string key = layer + "/" + what;
  if (auto it = weights.find(key); it != weights.end()) return &*it;
  // Under a nested model's scope: "mobilenet/conv1/kernel".
  const std::string suffix = "/" + key;
  for (const auto& entry : weights)
    if (entry.first.ends_with(suffix)) return &entry;
  return nullptr;
}
}  // namespace

bool Builder::has_weight(const std::string& what) const { return find_weight(weights_, layer_, what) != nullptr; }

const Tensor& Builder::weight(const std::string& what, int rank) const {
  const auto* w = find_weight(weights_, layer_, what);
  if (!w) fail("weight '" + layer_ + "/" + what + "' is missing from the weightsManifest");
  if (w->second.dtype() != DType::f32) fail("weight '" + w->first + "' must be float32, not " + to_string(w->second.dtype()));
  if (rank >= 0 && w->second.rank() != rank)
    fail("weight '" + w->first + "' has shape " + to_string(w->second.shape()) + ", expected rank " + std::to_string(rank));
  return w->second;
}

int Builder::weight_value(const std::string& what, int rank) {
  weight(what, rank);  // validates
  const std::string& name = find_weight(weights_, layer_, what)->first;
  if (auto it = weight_values_.find(name); it != weight_values_.end()) return it->second;
  int id = graph.add_constant(unique(name), weights_.at(name));
  weight_values_[name] = id;
  return id;
}

int Builder::constant(const std::string& suffix, Tensor t) { return graph.add_constant(unique(layer_ + "/" + suffix), std::move(t)); }

int Builder::scalar(const std::string& suffix, float v) { return constant(suffix, Tensor::scalar(v)); }

int Builder::emit(const std::string& op, const std::string& suffix, std::vector<int> inputs, Attrs attrs, Shape shape, DType dtype) {
  Node& n = graph.add_node(op, unique(layer_ + "/" + suffix), std::move(inputs), 1);
  n.attrs = std::move(attrs);
  const int v = n.outputs[0];
  graph.values[static_cast<std::size_t>(v)].shape = std::move(shape);
  graph.values[static_cast<std::size_t>(v)].dtype = dtype;
  return v;
}

namespace {
// An integer-valued JSON number small enough to convert exactly (1e300 must not reach a cast).
bool integral(const json& e) {
  if (!e.is_number()) return false;
  const double d = e.get<double>();
  return std::floor(d) == d && std::abs(d) < 1e15;
}
}  // namespace

std::vector<std::int64_t> Builder::ints(const json& cfg, const char* key, std::size_t n, std::vector<std::int64_t> fallback) const {
  if (!cfg.contains(key) || cfg[key].is_null()) {
    if (fallback.empty()) fail("the config has no '" + std::string(key) + "'");
    return fallback;
  }
  const json& v = cfg[key];
  if (integral(v) && n > 0) return std::vector<std::int64_t>(n, static_cast<std::int64_t>(v.get<double>()));
  if (v.is_array() && (n == 0 || v.size() == n)) {
    std::vector<std::int64_t> out;
    for (const auto& e : v) {
      if (!integral(e)) fail("'" + std::string(key) + "' must hold integers");
      out.push_back(static_cast<std::int64_t>(e.get<double>()));
    }
    return out;
  }
  fail("'" + std::string(key) + "' must be " + (n ? "an integer or a list of " + std::to_string(n) : std::string("a list of integers")));
}

std::int64_t Builder::integer(const json& cfg, const char* key, std::int64_t fallback) const {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  const json& v = cfg[key];
  if (!integral(v)) fail("'" + std::string(key) + "' must be an integer");
  return static_cast<std::int64_t>(v.get<double>());
}

double Builder::number(const json& cfg, const char* key, double fallback) const {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  if (!cfg[key].is_number()) fail("'" + std::string(key) + "' must be a number");
  return cfg[key].get<double>();
}

bool Builder::flag(const json& cfg, const char* key, bool fallback) const {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  if (!cfg[key].is_boolean()) fail("'" + std::string(key) + "' must be true or false");
  return cfg[key].get<bool>();
}

std::string Builder::text(const json& cfg, const char* key, const std::string& fallback) const {
  if (!cfg.contains(key) || cfg[key].is_null()) return fallback;
  if (!cfg[key].is_string()) fail("'" + std::string(key) + "' must be a string");
  return cfg[key].get<std::string>();
}

int Builder::axis(const json& cfg, const char* key, int fallback, int rank) const {
  std::int64_t a = fallback;
  if (cfg.contains(key) && cfg[key].is_array()) {
    if (cfg[key].size() != 1) unsupported("'" + std::string(key) + "' with several axes is not supported");
    a = ints(cfg, key, 1, {})[0];
  } else {
    a = integer(cfg, key, fallback);
  }
  if (a < 0) a += rank;
  if (a < 0 || a >= rank) fail("'" + std::string(key) + "' is out of range for a rank-" + std::to_string(rank) + " input");
  return static_cast<int>(a);
}

// ---- topology

namespace {

constexpr int kMaxNesting = 64;  // models inside models; deeper is a malformed (or hostile) file

bool is_model_class(const std::string& c) { return c == "Sequential" || c == "Model" || c == "Functional"; }

struct Ref {
  std::string layer;
  std::int64_t node = 0, tensor = 0;
};

struct InputSpec {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
};

class Walker {
 public:
  explicit Walker(Builder& b) : b_(b) {}

  std::vector<InputSpec> input_specs(const json& model, int depth) const {
    check_depth(depth);
    const std::string cls = class_of(model, "the model");
    const json& layers = layers_of(model);
    if (cls == "Sequential") {
      if (layers.empty()) bad("model '" + model_name(model) + "' has no layers");
      const json& first = layers[0];
      const std::string fcls = class_of(first, "the first layer");
      if (is_model_class(fcls)) return input_specs(first, depth + 1);
      const json& cfg = config_of(first);
      InputSpec spec;
      spec.name = fcls == "InputLayer" ? name_of(first) : name_of(first) + "_input";  // tfjs-layers names it so
      spec.dtype = dtype_of(cfg);
      if (!shape_of(cfg, &spec.shape)) {
        const json& mcfg = model["config"];
        if (!(mcfg.is_object() && mcfg.contains("build_input_shape") && read_shape(mcfg["build_input_shape"], &spec.shape)))
          bad("layer '" + name_of(first) + "' opens the Sequential but has no 'batch_input_shape', so the input shape is unknown");
      }
      return {spec};
    }
    std::vector<InputSpec> specs;
    const json& cfg = model["config"];
    if (!cfg.contains("input_layers")) bad("model '" + model_name(model) + "' has no 'input_layers'");
    for (const Ref& r : refs(cfg["input_layers"], "input_layers")) {
      const json* entry = find_layer(layers, r.layer);
      if (!entry) bad("'input_layers' of model '" + model_name(model) + "' names unknown layer '" + r.layer + "'");
      if (class_of(*entry, r.layer) != "InputLayer")
        bad("input '" + r.layer + "' of model '" + model_name(model) + "' is not an InputLayer");
      InputSpec spec;
      spec.name = r.layer;
      spec.dtype = dtype_of(config_of(*entry));
      if (!shape_of(config_of(*entry), &spec.shape)) bad("InputLayer '" + r.layer + "' has no 'batch_input_shape'");
      specs.push_back(spec);
    }
    if (specs.empty()) bad("model '" + model_name(model) + "' has no inputs");
    return specs;
  }

  std::vector<int> call_model(const json& model, const std::vector<int>& inputs, int depth) {
    check_depth(depth);
    const std::string cls = class_of(model, "the model");
    // An unnamed model gets the name TF.js gives it when it loads the file in a fresh
    // process: its class in lower case and a per-class counter, outer models first.
    std::string name;
    if (model.is_object() && model.contains("config") && model["config"].is_object() && model["config"].contains("name") &&
        model["config"]["name"].is_string())
      name = model["config"]["name"].get<std::string>();
    else name = (cls == "Sequential" ? "sequential_" : "model_") + std::to_string(++unnamed_models_[cls == "Sequential"]);
    last_model_name_ = name;
    if (cls == "Sequential") return call_sequential(model, inputs, depth);
    if (cls == "Model" || cls == "Functional") return call_functional(model, inputs, depth);
    bad("the model class '" + cls + "' is not Sequential, Model or Functional");
  }

  [[noreturn]] void bad(const std::string& message) const {
    throw Error(ErrorCode::bad_model, "The TF.js layers model " + b_.file + " is malformed: " + message + ".");
  }

 private:
  void check_depth(int depth) const {
    if (depth > kMaxNesting) bad("models are nested more than " + std::to_string(kMaxNesting) + " deep");
  }

  std::string class_of(const json& entry, const std::string& what) const {
    if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string()) bad(what + " has no 'class_name'");
    return entry["class_name"].get<std::string>();
  }

  const json& config_of(const json& entry) const {
    static const json empty = json::object();
    if (!entry.contains("config")) return empty;
    const json& c = entry["config"];
    if (!c.is_object()) bad("layer '" + name_of(entry) + "' has a 'config' that is not an object");
    return c;
  }

  std::string name_of(const json& entry) const {
    if (entry.is_object() && entry.contains("config") && entry["config"].is_object() && entry["config"].contains("name") &&
        entry["config"]["name"].is_string())
      return entry["config"]["name"].get<std::string>();
    if (entry.is_object() && entry.contains("name") && entry["name"].is_string()) return entry["name"].get<std::string>();
    bad("a layer of class '" + (entry.is_object() ? entry.value("class_name", std::string("?")) : std::string("?")) + "' has no name");
  }

  std::string model_name(const json& model) const {
    const json& c = model.contains("config") ? model["config"] : model;
    if (c.is_object() && c.contains("name") && c["name"].is_string()) return c["name"].get<std::string>();
    if (model.contains("name") && model["name"].is_string()) return model["name"].get<std::string>();
    return class_of(model, "the model");
  }

  // 2019 Sequential: config is the list of layers; otherwise config.layers.
  const json& layers_of(const json& model) const {
    if (!model.contains("config")) bad("model '" + model_name(model) + "' has no 'config'");
    const json& c = model["config"];
    if (c.is_array()) return c;
    if (c.is_object() && c.contains("layers") && c["layers"].is_array()) return c["layers"];
    bad("model '" + model_name(model) + "' has no list of layers");
  }

  const json* find_layer(const json& layers, const std::string& name) const {
    for (const auto& l : layers)
      if (name_of(l) == name) return &l;
    return nullptr;
  }

  static DType dtype_of(const json& cfg) {
    std::string d = "float32";
    if (cfg.contains("dtype")) {
      const json& v = cfg["dtype"];
      if (v.is_string()) d = v.get<std::string>();
      // Keras 3: {"class_name": "DTypePolicy", "config": {"name": "float32"}}
      else if (v.is_object() && v.contains("config") && v["config"].is_object() && v["config"].contains("name") &&
               v["config"]["name"].is_string())
        d = v["config"]["name"].get<std::string>();
    }
    return d == "int32" || d == "int64" ? DType::i32 : DType::f32;
  }

  bool read_shape(const json& v, Shape* out) const {
    if (!v.is_array() || v.empty()) return false;
    Shape s;
    for (const auto& d : v) {
      if (d.is_null()) s.push_back(-1);
      else if (d.is_number_integer() && d.get<std::int64_t>() <= (std::int64_t{1} << 31) &&
               (d.get<std::int64_t>() >= 1 || d.get<std::int64_t>() == -1))
        s.push_back(d.get<std::int64_t>());
      else bad("the input shape " + v.dump() + " is invalid");
    }
    *out = std::move(s);
    return true;
  }

  // batch_input_shape (Keras 2, TF.js), batch_shape (Keras 3) or input_shape (no batch).
  bool shape_of(const json& cfg, Shape* out) const {
    if (cfg.contains("batch_input_shape") && read_shape(cfg["batch_input_shape"], out)) return true;
    if (cfg.contains("batch_shape") && read_shape(cfg["batch_shape"], out)) return true;
    if (cfg.contains("input_shape") && read_shape(cfg["input_shape"], out)) {
      out->insert(out->begin(), -1);
      return true;
    }
    return false;
  }

  Ref ref_of(const json& r, const std::string& where) const {
    if (!r.is_array() || r.size() < 3 || !r[0].is_string() || !r[1].is_number_integer() || !r[2].is_number_integer() ||
        r[1].get<std::int64_t>() < 0 || r[2].get<std::int64_t>() < 0)
      bad(where + " has an entry " + r.dump() + " that is not [layer, node, tensor]");
    return {r[0].get<std::string>(), r[1].get<std::int64_t>(), r[2].get<std::int64_t>()};
  }

  // input_layers / output_layers: [[name, node, tensor], ...] or, for one, [name, node, tensor].
  std::vector<Ref> refs(const json& v, const std::string& where) const {
    if (!v.is_array()) bad("'" + where + "' must be a list");
    if (!v.empty() && v[0].is_string()) return {ref_of(v, where)};
    std::vector<Ref> out;
    for (const auto& r : v) out.push_back(ref_of(r, "'" + where + "'"));
    return out;
  }

  // Keras 3 node args: tensors are {"class_name": "__keras_tensor__", "config": {"keras_history": [l, n, t]}}.
  void keras3_refs(const json& v, const std::string& where, std::vector<Ref>* out) const {
    if (v.is_array()) {
      for (const auto& e : v) keras3_refs(e, where, out);
    } else if (v.is_object() && v.value("class_name", std::string()) == "__keras_tensor__") {
      const json& cfg = v.contains("config") ? v["config"] : json();
      if (!cfg.is_object() || !cfg.contains("keras_history")) bad(where + " has a tensor without 'keras_history'");
      out->push_back(ref_of(cfg["keras_history"], where));
    }
  }

  std::vector<std::vector<Ref>> inbound_nodes(const json& entry, const std::string& name) const {
    std::vector<std::vector<Ref>> calls;
    if (!entry.contains("inbound_nodes") || entry["inbound_nodes"].is_null()) return calls;
    const json& nodes = entry["inbound_nodes"];
    const std::string where = "the inbound nodes of layer '" + name + "'";
    if (!nodes.is_array()) bad(where + " are not a list");
    for (const auto& n : nodes) {
      std::vector<Ref> call;
      if (n.is_array()) {
        for (const auto& r : n) call.push_back(ref_of(r, where));
      } else if (n.is_object()) {
        if (n.contains("args")) keras3_refs(n["args"], where, &call);
      } else {
        bad(where + " hold " + n.dump());
      }
      calls.push_back(std::move(call));
    }
    return calls;
  }

  std::vector<int> call_layer(const json& entry, const std::vector<int>& inputs, int depth) {
    const std::string cls = class_of(entry, "a layer");
    // 2019 exports leave nested models unnamed; only their layers' names matter.
    if (is_model_class(cls)) {
      // A nested model's outputs are named after it, as TF.js names the outer model's outputs.
      std::vector<int> outs = call_model(entry, inputs, depth + 1);
      for (int v : outs) b_.alias_names[v] = last_model_name_;
      return outs;
    }
    const std::string name = name_of(entry);
    b_.begin_layer(cls, name);
    if (!is_known_layer(cls)) throw_unsupported_op("Layer class", cls, "layer '" + name + "'", b_.file);
    std::vector<int> outs;
    try {
      outs = translate_layer(b_, cls, config_of(entry), inputs);
    } catch (const json::exception& e) {
      b_.fail(std::string("its config is malformed (") + e.what() + ")");
    }
    b_.finish_layer(outs);
    return outs;
  }

  std::vector<int> call_sequential(const json& model, const std::vector<int>& inputs, int depth) {
    if (inputs.size() != 1) bad("Sequential '" + model_name(model) + "' is called with " + std::to_string(inputs.size()) + " inputs");
    int x = inputs[0];
    for (const auto& entry : layers_of(model)) {
      if (class_of(entry, "a layer") == "InputLayer") continue;  // its tensor is `x`
      std::vector<int> outs = call_layer(entry, {x}, depth);
      if (outs.size() != 1) bad("layer '" + model_name(entry) + "' in Sequential '" + model_name(model) + "' must have one output");
      x = outs[0];
    }
    return {x};
  }

  std::vector<int> call_functional(const json& model, const std::vector<int>& inputs, int depth) {
    const json& layers = layers_of(model);
    const json& cfg = model["config"];
    const std::string mname = model_name(model);
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < layers.size(); ++i)
      if (!index.emplace(name_of(layers[i]), i).second) bad("model '" + mname + "' has two layers named '" + name_of(layers[i]) + "'");

    using Key = std::tuple<std::string, std::int64_t, std::int64_t>;
    std::map<Key, int> tensors;
    if (!cfg.contains("input_layers")) bad("model '" + mname + "' has no 'input_layers'");
    std::vector<Ref> in_refs = refs(cfg["input_layers"], "input_layers");
    if (in_refs.size() != inputs.size())
      bad("model '" + mname + "' has " + std::to_string(in_refs.size()) + " inputs but is called with " + std::to_string(inputs.size()));
    for (std::size_t i = 0; i < in_refs.size(); ++i) {
      if (!index.count(in_refs[i].layer)) bad("'input_layers' of model '" + mname + "' names unknown layer '" + in_refs[i].layer + "'");
      tensors[{in_refs[i].layer, in_refs[i].node, in_refs[i].tensor}] = inputs[i];
    }

    struct Call {
      std::size_t layer;
      std::int64_t node;
      std::vector<Ref> inputs;
    };
    std::vector<Call> pending;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      if (class_of(layers[i], "a layer") == "InputLayer") continue;
      const std::string name = name_of(layers[i]);
      auto calls = inbound_nodes(layers[i], name);
      for (std::size_t k = 0; k < calls.size(); ++k) {
        for (const Ref& r : calls[k])
          if (!index.count(r.layer))
            bad("layer '" + name + "' in model '" + mname + "' takes its input from unknown layer '" + r.layer + "'");
        pending.push_back({i, static_cast<std::int64_t>(k), std::move(calls[k])});
      }
    }
    // Layers are usually listed in order, so this is one pass; the loop copes with any order.
    while (!pending.empty()) {
      bool progress = false;
      std::vector<Call> later;
      for (Call& call : pending) {
        std::vector<int> ins;
        for (const Ref& r : call.inputs) {
          auto it = tensors.find({r.layer, r.node, r.tensor});
          if (it == tensors.end()) break;
          ins.push_back(it->second);
        }
        if (ins.size() != call.inputs.size()) {
          later.push_back(std::move(call));
          continue;
        }
        std::vector<int> outs = call_layer(layers[call.layer], ins, depth);
        const std::string name = name_of(layers[call.layer]);
        for (std::size_t t = 0; t < outs.size(); ++t) tensors[{name, call.node, static_cast<std::int64_t>(t)}] = outs[t];
        progress = true;
      }
      if (!progress) {
        const Call& c = later.front();
        std::string missing;
        for (const Ref& r : c.inputs)
          if (!tensors.count({r.layer, r.node, r.tensor}))
            missing = "'" + r.layer + "' (node " + std::to_string(r.node) + ", tensor " + std::to_string(r.tensor) + ")";
        bad("layer '" + name_of(layers[c.layer]) + "' in model '" + mname + "' needs " + missing + ", which is never computed");
      }
      pending = std::move(later);
    }

    if (!cfg.contains("output_layers")) bad("model '" + mname + "' has no 'output_layers'");
    std::vector<int> outs;
    for (const Ref& r : refs(cfg["output_layers"], "output_layers")) {
      auto it = tensors.find({r.layer, r.node, r.tensor});
      if (it == tensors.end()) bad("output '" + r.layer + "' of model '" + mname + "' is never computed");
      outs.push_back(it->second);
    }
    if (outs.empty()) bad("model '" + mname + "' has no outputs");
    return outs;
  }

  Builder& b_;
  int unnamed_models_[2] = {0, 0};  // [functional, sequential]
  std::string last_model_name_;
};

}  // namespace
}  // namespace tfjs_layers_import

Graph import_tfjs_layers(const fs::path& model_json) {
  using namespace tfjs_layers_import;
  const std::string file = model_json.string();
  auto bad = [&](const std::string& message) {
    return Error(ErrorCode::bad_model, "The TF.js layers model " + file + " is malformed: " + message + ".");
  };
  const json doc = detail::read_json_file(model_json);
  if (!doc.is_object() || !doc.contains("modelTopology") || !doc["modelTopology"].is_object())
    throw bad("it has no 'modelTopology' object");
  const json& topology = doc["modelTopology"];
  // {"modelTopology": {"model_config": {...}, "training_config": ...}} or the model itself.
  const json& model = topology.contains("model_config") ? topology["model_config"] : topology;
  if (!model.is_object() || !model.contains("class_name")) throw bad("'modelTopology' has no model 'class_name'");
  auto text = [](const json& o, const char* key) {
    return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
  };
  const bool keras3 = (text(topology, "keras_version") + text(model, "keras_version")).starts_with("3.");
  const json manifest = doc.contains("weightsManifest") ? doc["weightsManifest"] : json::array();

  Graph g;
  g.source = file;
  try {
    Builder b(g, load_tfjs_weights(manifest, model_json), file, keras3);
    Walker walker(b);
    std::vector<int> inputs;
    for (const auto& spec : walker.input_specs(model, 0)) {
      b.begin_layer("InputLayer", spec.name);
      inputs.push_back(g.add_input(spec.name, spec.dtype, spec.shape));
      b.finish_layer({});
    }
    std::vector<int> outputs = walker.call_model(model, inputs, 0);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      int& v = outputs[i];
      const bool is_input = std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end();
      const bool repeated = std::find(outputs.begin(), outputs.begin() + static_cast<std::ptrdiff_t>(i), v) !=
                            outputs.begin() + static_cast<std::ptrdiff_t>(i);
      auto alias = b.alias_names.find(v);
      if (is_input || repeated) {  // an output needs a buffer of its own
        const std::string name = alias != b.alias_names.end() ? alias->second : g.values[static_cast<std::size_t>(v)].name;
        b.begin_layer("Identity", name + "_output");
        int id = b.emit("identity", "identity", {v}, {}, g.values[static_cast<std::size_t>(v)].shape,
                        g.values[static_cast<std::size_t>(v)].dtype);
        b.finish_layer({id});
        v = id;
      } else if (alias != b.alias_names.end()) {
        g.values[static_cast<std::size_t>(v)].name = alias->second;  // named after the model's last layer
      }
    }
    g.outputs = outputs;
  } catch (const json::exception& e) {
    throw bad("unexpected JSON (" + detail::json_problem(e) + ")");
  }
  g.sort();
  fold_padding(g);
  fold_affine_and_activation(g);
  g.sort();  // drops the emptied nodes
  g.compact();
  return g;
}

std::vector<std::string> tfjs_layers_classes() {
  std::vector<std::string> out = tfjs_layers_import::layer_classes();
  for (const char* m : {"Functional", "Model", "Sequential"}) out.push_back(m);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace easel::nn
