#include "learn/tfjs_layers_file.h"

#include <cstring>
#include <system_error>

#include "core/files.h"
#include "easel/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel::learn {
namespace {

constexpr std::uintmax_t kMaxJsonBytes = 64ull << 20;
constexpr std::uintmax_t kMaxWeightBytes = 512ull << 20;

}  // namespace

void LayersFile::fail(const std::string& problem) const {
  fail_(problem);
  throw Error(ErrorCode::bad_model, problem);  // in case `fail_` returned
}

LayersFile::LayersFile(const fs::path& model_json, Fail fail) : fail_(std::move(fail)) {
  const auto read_capped = [this](const fs::path& file, std::uintmax_t cap) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) this->fail("'" + file.filename().string() + "' cannot be read (" + ec.message() + ")");
    if (size > cap) this->fail("'" + file.filename().string() + "' is larger than any model of this kind");
    return detail::read_file(file);
  };
  if (!fs::is_regular_file(model_json)) this->fail("it has no " + model_json.filename().string());
  model = json::parse(read_capped(model_json, kMaxJsonBytes), nullptr, false);
  if (!model.is_object() || !model.contains("modelTopology") || !model.contains("weightsManifest"))
    this->fail(model_json.filename().string() + " is not a TF.js layers model");
  const json& manifest = model["weightsManifest"];
  if (!manifest.is_array()) this->fail("its weightsManifest is not a list");
  const fs::path dir = model_json.parent_path();
  for (const json& group : manifest) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") || !group["weights"].is_array())
      this->fail("a weightsManifest group has no paths or weights");
    const std::size_t start = weights.size();
    for (const json& p : group["paths"]) {
      if (!p.is_string()) this->fail("a weights path is not a string");
      std::string name = p.get<std::string>();
      if (name.rfind("./", 0) == 0) name.erase(0, 2);  // ml5 writes "./model.weights.bin"
      const fs::path rel = name;
      // Weight files sit beside model.json: no folders, no way out.
      if (rel.empty() || rel.has_parent_path() || rel == "." || rel == "..")
        this->fail("the weights path '" + p.get<std::string>() + "' leaves the model's folder");
      weights += read_capped(dir / rel, kMaxWeightBytes);
      if (weights.size() > kMaxWeightBytes) this->fail("its weights are larger than any model of this kind");
    }
    std::size_t offset = start;
    for (const json& w : group["weights"]) {
      if (!w.is_object() || !w.contains("name") || !w["name"].is_string() || !w.contains("shape") || !w["shape"].is_array())
        this->fail("a weight has no name or shape");
      LayersWeight entry{w["name"], {}, offset, 4};
      // json's own comparison: a dtype that is not a string is simply not "float32".
      if (w.value("dtype", json("float32")) != "float32" || w.contains("quantization"))
        this->fail("the weight '" + entry.name + "' is not plain float32 (quantized weights are not read here)");
      for (const json& d : w["shape"]) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0 || d.get<std::int64_t>() > (1 << 24))
          this->fail("the weight '" + entry.name + "' has a bad shape");
        entry.shape.push_back(d);
        entry.bytes *= static_cast<std::size_t>(d.get<std::int64_t>());
        if (entry.bytes > kMaxWeightBytes) this->fail("the weight '" + entry.name + "' is too large");
      }
      offset += entry.bytes;
      if (offset > weights.size()) this->fail("its weights files hold fewer bytes than its manifest lists (truncated?)");
      entries.push_back(std::move(entry));
    }
    if (offset != weights.size()) this->fail("its weights files hold more bytes than its manifest lists");
  }
}

const LayersWeight* LayersFile::find(const std::string& name) const {
  for (const LayersWeight& w : entries)
    if (w.name == name) return &w;
  return nullptr;
}

std::vector<float> LayersFile::floats(const LayersWeight& w) const {
  std::vector<float> v(w.bytes / 4);
  std::memcpy(v.data(), weights.data() + w.offset, w.bytes);
  return v;
}

json* LayersFile::layers_of(json& sequential) {
  if (!sequential.is_object() || sequential.value("class_name", json()) != "Sequential" || !sequential.contains("config")) return nullptr;
  json& c = sequential["config"];
  if (c.is_array()) return &c;
  if (c.is_object() && c.contains("layers") && c["layers"].is_array()) return &c["layers"];
  return nullptr;
}

std::vector<DenseLayer> LayersFile::dense_layers(const json& layers, int inputs) const {
  std::vector<DenseLayer> out;
  for (const json& l : layers) {
    if (!l.is_object() || l.value("class_name", json()) != "Dense" || !l.contains("config") || !l["config"].is_object() ||
        !l["config"].contains("name") || !l["config"]["name"].is_string())
      fail("a layer is not Dense (easel reads stacks of dense layers here)");
    const json& c = l["config"];
    const std::string name = c["name"];
    DenseLayer d;
    d.inputs = inputs;
    if (!c.contains("units") || !c["units"].is_number_integer() || c["units"].get<std::int64_t>() < 1 || c["units"].get<std::int64_t>() > (1 << 20))
      fail("the layer '" + name + "' has no units");
    d.units = c["units"];
    const json activation = c.value("activation", json("linear"));
    const std::string a = activation.is_string() ? activation.get<std::string>() : "?";
    if (!activation_from_name(a, d.activation)) fail("the layer '" + name + "' has the activation '" + a + "', which easel's dense layers do not have");
    const json use_bias = c.value("use_bias", json(true));
    d.use_bias = use_bias.is_boolean() ? use_bias.get<bool>() : true;
    const LayersWeight* kernel = find(name + "/kernel");
    if (!kernel || kernel->shape != std::vector<std::int64_t>{d.inputs, d.units})
      fail("the layer '" + name + "' has no kernel of " + std::to_string(d.inputs) + " x " + std::to_string(d.units));
    d.kernel = floats(*kernel);
    if (d.use_bias) {
      const LayersWeight* bias = find(name + "/bias");
      if (!bias || bias->shape != std::vector<std::int64_t>{d.units}) fail("the layer '" + name + "' has no bias of " + std::to_string(d.units));
      d.bias = floats(*bias);
    }
    for (float v : d.kernel)
      if (!std::isfinite(v)) fail("the layer '" + name + "' holds a weight that is not a finite number");
    for (float v : d.bias)
      if (!std::isfinite(v)) fail("the layer '" + name + "' holds a weight that is not a finite number");
    inputs = d.units;
    out.push_back(std::move(d));
  }
  if (out.empty()) fail("it has no layers");
  return out;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::linear: return "linear";
    case Activation::relu: return "relu";
    case Activation::sigmoid: return "sigmoid";
    case Activation::softmax: return "softmax";
  }
  return "linear";
}

bool activation_from_name(const std::string& name, Activation& out) {
  for (Activation a : {Activation::linear, Activation::relu, Activation::sigmoid, Activation::softmax})
    if (name == activation_name(a)) {
      out = a;
      return true;
    }
  return false;
}

json dense_layer_json(const DenseLayer& l, const std::string& name, bool first) {
  json config = {{"units", l.units},
                 {"activation", activation_name(l.activation)},
                 {"use_bias", l.use_bias},
                 {"kernel_initializer", {{"class_name", "VarianceScaling"}, {"config", {{"scale", 1}, {"mode", "fan_avg"}, {"distribution", "uniform"}, {"seed", nullptr}}}}},
                 {"bias_initializer", {{"class_name", "Zeros"}, {"config", json::object()}}},
                 {"kernel_regularizer", nullptr},
                 {"bias_regularizer", nullptr},
                 {"activity_regularizer", nullptr},
                 {"kernel_constraint", nullptr},
                 {"bias_constraint", nullptr},
                 {"name", name},
                 {"trainable", true}};
  if (first) config["batch_input_shape"] = {nullptr, l.inputs}, config["dtype"] = "float32";
  return {{"class_name", "Dense"}, {"config", config}};
}

}  // namespace easel::learn
