// Teachable Machine's image export, both ways. An export is a TF.js layers model:
// model.json holds a Sequential of two Sequentials, [the base (MobileNetV2 0.35 cut at
// out_relu) + global average pooling] and [the head: Dense(100, relu), Dense(classes,
// softmax, no bias)]; weights.bin holds every weight, named "<layer>/kernel" and so on, in
// the order of model.json's weightsManifest; metadata.json holds the labels. Exporting
// keeps the base's topology and weights byte for byte and swaps the head for easel's;
// importing reads the head back, after checking that the export's base is the extractor's.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <ctime>
#include <map>

#include "core/files.h"
#include "core/sha256.h"
#include "easel/error.h"
#include "easel/model_store.h"
#include "easel/version.h"
#include "learn/trained_classifier_impl.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel {
namespace {

constexpr std::uintmax_t kMaxJsonBytes = 64ull << 20;
constexpr std::uintmax_t kMaxWeightBytes = 512ull << 20;

struct Weight {
  std::string name;
  std::vector<std::int64_t> shape;
  std::size_t offset = 0, bytes = 0;  // in TmExport::weights
};

struct TmExport {
  fs::path dir;
  json model;               // model.json
  std::string weights;      // the weight files of the manifest, concatenated in order
  std::vector<Weight> entries;
  json* head = nullptr;     // the head Sequential's list of layers, inside `model`
  std::vector<std::string> head_layers;  // their names

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(ErrorCode::bad_model, "'" + dir.string() + "' is not a Teachable Machine image export easel can use: " + problem + ".",
                "Export the model from Teachable Machine as TensorFlow.js (model.json, weights.bin, metadata.json).");
  }
  // The list of layers in a Sequential's config: old exports give the list itself, newer
  // ones {"name": ..., "layers": [...]}.
  json* layers_of(json& sequential) const {
    if (!sequential.is_object() || sequential.value("class_name", "") != "Sequential" || !sequential.contains("config")) return nullptr;
    json& c = sequential["config"];
    if (c.is_array()) return &c;
    if (c.is_object() && c.contains("layers") && c["layers"].is_array()) return &c["layers"];
    return nullptr;
  }
  const Weight* find(const std::string& name) const {
    for (const Weight& w : entries)
      if (w.name == name) return &w;
    return nullptr;
  }
  bool in_head(const std::string& weight) const {
    for (const std::string& l : head_layers)
      if (weight.rfind(l + "/", 0) == 0) return true;
    return false;
  }
  // A digest of the base's weights (every weight outside the head: names, shapes, bytes).
  std::string base_digest() const {
    std::string all;
    for (const Weight& w : entries) {
      if (in_head(w.name)) continue;
      all += w.name + "\n";
      all += weights.substr(w.offset, w.bytes);
    }
    return detail::sha256_hex(all);
  }
};

std::string read_capped(const fs::path& file, std::uintmax_t cap, const TmExport& e) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) e.fail("'" + file.filename().string() + "' cannot be read (" + ec.message() + ")");
  if (size > cap) e.fail("'" + file.filename().string() + "' is larger than any Teachable Machine export");
  return detail::read_file(file);
}

TmExport read_export(const fs::path& path) {
  TmExport e;
  e.dir = fs::is_directory(path) ? path : path.parent_path();
  if (!fs::is_regular_file(e.dir / "model.json")) e.fail("it has no model.json");
  e.model = json::parse(read_capped(e.dir / "model.json", kMaxJsonBytes, e), nullptr, false);
  if (!e.model.is_object() || !e.model.contains("modelTopology") || !e.model.contains("weightsManifest")) e.fail("model.json is not a TF.js layers model");
  json& topology = e.model["modelTopology"];
  json* top = e.layers_of(topology);
  if (!top || top->size() != 2) e.fail("its model is not a Sequential of [base] and [head]");
  e.head = e.layers_of((*top)[1]);
  if (!e.head || e.head->empty() || !e.layers_of((*top)[0])) e.fail("its second part is not a Sequential of dense layers");
  for (const json& l : *e.head) {
    if (!l.is_object() || l.value("class_name", "") != "Dense" || !l.contains("config") || !l["config"].contains("name") || !l["config"]["name"].is_string())
      e.fail("its head holds a layer that is not Dense");
    e.head_layers.push_back(l["config"]["name"]);
  }
  const json& manifest = e.model["weightsManifest"];
  if (!manifest.is_array()) e.fail("its weightsManifest is not a list");
  for (const json& group : manifest) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") || !group["weights"].is_array())
      e.fail("a weightsManifest group has no paths or weights");
    const std::size_t start = e.weights.size();
    for (const json& p : group["paths"]) {
      if (!p.is_string()) e.fail("a weights path is not a string");
      const fs::path rel = p.get<std::string>();
      // Weight files sit beside model.json: no folders, no way out of the export.
      if (rel.empty() || rel.has_parent_path() || rel == "." || rel == "..") e.fail("the weights path '" + rel.string() + "' leaves the export's folder");
      e.weights += read_capped(e.dir / rel, kMaxWeightBytes, e);
      if (e.weights.size() > kMaxWeightBytes) e.fail("its weights are larger than any Teachable Machine export");
    }
    std::size_t offset = start;
    for (const json& w : group["weights"]) {
      if (!w.is_object() || !w.contains("name") || !w["name"].is_string() || !w.contains("shape") || !w["shape"].is_array())
        e.fail("a weight has no name or shape");
      Weight entry{w["name"], {}, offset, 4};
      if (w.value("dtype", "float32") != "float32" || w.contains("quantization"))
        e.fail("the weight '" + entry.name + "' is not plain float32 (quantized exports are not read)");
      for (const json& d : w["shape"]) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0 || d.get<std::int64_t>() > (1 << 24)) e.fail("the weight '" + entry.name + "' has a bad shape");
        entry.shape.push_back(d);
        entry.bytes *= static_cast<std::size_t>(d.get<std::int64_t>());
        if (entry.bytes > kMaxWeightBytes) e.fail("the weight '" + entry.name + "' is too large");
      }
      offset += entry.bytes;
      if (offset > e.weights.size()) e.fail("its weights files hold fewer bytes than its manifest lists (truncated?)");
      e.entries.push_back(std::move(entry));
    }
    if (offset != e.weights.size()) e.fail("its weights files hold more bytes than its manifest lists");
  }
  return e;
}

std::vector<float> floats(const TmExport& e, const Weight& w) {
  std::vector<float> v(w.bytes / 4);
  std::memcpy(v.data(), e.weights.data() + w.offset, w.bytes);
  return v;
}

// The export the extractor was cut from: a store model in Teachable Machine's layout.
TmExport extractor_export(const std::string& extractor) {
  ModelStore store;
  const LocatedModel located = store.get(extractor);
  if (located.spec->format != "tfjs-layers" || !fs::is_regular_file(located.dir / "metadata.json"))
    throw Error(ErrorCode::bad_input, "The features of '" + extractor + "' do not come from a Teachable Machine export, so the model cannot become one.",
                "Train on the default extractor (tm-image-2019) to export to Teachable Machine.");
  return read_export(located.dir);
}

std::string now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", std::gmtime(&t));
  return buf;
}

}  // namespace

void TrainedClassifier::export_teachable_machine(const fs::path& dir) const {
  const Impl& m = *impl_;
  if (!m.network)
    throw Error(ErrorCode::bad_input, "A KNN model cannot be exported to Teachable Machine's format, which holds a trained head.",
                "Train without --knn to export.");
  TmExport base = extractor_export(m.extractor);
  // The weights: the base's own bytes, then the head's.
  std::string weights;
  json entries = json::array();
  for (const Weight& w : base.entries) {
    if (base.in_head(w.name)) continue;
    weights += base.weights.substr(w.offset, w.bytes);
    entries.push_back({{"name", w.name}, {"shape", w.shape}, {"dtype", "float32"}});
  }
  json head = json::array();
  const auto& layers = m.network->layers();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const learn::DenseLayer& l = layers[i];
    const std::string name = "dense_Dense" + std::to_string(i + 1);
    json config = {{"units", l.units},
                   {"activation", activation_name(l.activation)},
                   {"use_bias", l.use_bias},
                   {"kernel_initializer", {{"class_name", "VarianceScaling"}, {"config", {{"scale", 1}, {"mode", "fan_in"}, {"distribution", "normal"}, {"seed", nullptr}}}}},
                   {"bias_initializer", {{"class_name", "Zeros"}, {"config", json::object()}}},
                   {"kernel_regularizer", nullptr},
                   {"bias_regularizer", nullptr},
                   {"activity_regularizer", nullptr},
                   {"kernel_constraint", nullptr},
                   {"bias_constraint", nullptr},
                   {"name", name},
                   {"trainable", true}};
    if (i == 0) config["batch_input_shape"] = {nullptr, l.inputs}, config["dtype"] = "float32";
    head.push_back({{"class_name", "Dense"}, {"config", config}});
    weights.append(reinterpret_cast<const char*>(l.kernel.data()), l.kernel.size() * sizeof(float));
    entries.push_back({{"name", name + "/kernel"}, {"shape", {l.inputs, l.units}}, {"dtype", "float32"}});
    if (l.use_bias) {
      weights.append(reinterpret_cast<const char*>(l.bias.data()), l.bias.size() * sizeof(float));
      entries.push_back({{"name", name + "/bias"}, {"shape", {l.units}}, {"dtype", "float32"}});
    }
  }
  *base.head = head;
  base.model["weightsManifest"] = json::array({{{"paths", {"weights.bin"}}, {"weights", entries}}});

  const std::string keras = base.model["modelTopology"].value("keras_version", "tfjs-layers 1.3.1");
  const json metadata = {{"tfjsVersion", keras.substr(keras.rfind(' ') + 1)},
                         {"tmVersion", "2.4.7"},
                         {"packageVersion", "0.8.5"},
                         {"packageName", "@teachablemachine/image"},
                         {"timeStamp", now_iso8601()},
                         {"userMetadata", {{"generatedBy", std::string("easel ") + version()}, {"extractor", m.extractor}}},
                         {"modelName", dir.filename().empty() ? std::string("untitled") : dir.filename().string()},
                         {"labels", m.labels},
                         {"imageSize", 224}};
  // Each file is written atomically; weights first, so that a model.json is never newer
  // than the weights it names.
  detail::write_file_atomic(dir / "weights.bin", weights);
  detail::write_file_atomic(dir / "metadata.json", metadata.dump());
  detail::write_file_atomic(dir / "model.json", base.model.dump());
}

TrainedClassifier TrainedClassifier::import_teachable_machine(const fs::path& path) {
  const TmExport e = read_export(path);
  const fs::path metadata_file = e.dir / "metadata.json";
  if (!fs::is_regular_file(metadata_file)) e.fail("it has no metadata.json (the labels)");
  const json metadata = json::parse(read_capped(metadata_file, kMaxJsonBytes, e), nullptr, false);
  if (!metadata.is_object() || !metadata.contains("labels") || !metadata["labels"].is_array()) e.fail("metadata.json has no list of labels");

  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  for (const json& l : metadata["labels"]) {
    if (!l.is_string()) e.fail("a label in metadata.json is not a string");
    m.labels.push_back(l);
  }
  // The base must be the one easel extracts features with, weight for weight.
  const std::string extractor = FeatureExtractorOptions{}.model;
  if (e.base_digest() != extractor_export(extractor).base_digest())
    e.fail("its base is not the MobileNetV2 of '" + extractor + "' (easel retrains heads on that base only)");
  const FeatureExtractor features = FeatureExtractor::create({.model = extractor});
  m.extractor = extractor;
  m.extractor_checksum = features.checksum();
  m.length = features.length();

  std::vector<learn::DenseLayer> layers;
  int inputs = m.length;
  for (const json& l : *e.head) {
    const json& c = l["config"];
    const std::string name = c["name"];
    learn::DenseLayer d;
    d.inputs = inputs;
    if (!c.contains("units") || !c["units"].is_number_integer() || c["units"].get<int>() < 1 || c["units"].get<int>() > (1 << 20))
      e.fail("the layer '" + name + "' has no units");
    d.units = c["units"];
    const std::string a = c.value("activation", "linear");
    if (a == "relu") d.activation = learn::Activation::relu;
    else if (a == "softmax") d.activation = learn::Activation::softmax;
    else if (a == "sigmoid") d.activation = learn::Activation::sigmoid;
    else if (a == "linear") d.activation = learn::Activation::linear;
    else e.fail("the layer '" + name + "' has the activation '" + a + "'");
    d.use_bias = c.value("use_bias", true);
    const Weight* kernel = e.find(name + "/kernel");
    if (!kernel || kernel->shape != std::vector<std::int64_t>{d.inputs, d.units})
      e.fail("the layer '" + name + "' has no kernel of " + std::to_string(d.inputs) + " x " + std::to_string(d.units));
    d.kernel = floats(e, *kernel);
    if (d.use_bias) {
      const Weight* bias = e.find(name + "/bias");
      if (!bias || bias->shape != std::vector<std::int64_t>{d.units}) e.fail("the layer '" + name + "' has no bias of " + std::to_string(d.units));
      d.bias = floats(e, *bias);
    }
    inputs = d.units;
    layers.push_back(std::move(d));
  }
  if (layers.back().units != static_cast<int>(m.labels.size()))
    e.fail("its head scores " + std::to_string(layers.back().units) + " classes but metadata.json has " + std::to_string(m.labels.size()) + " labels");
  if (m.labels.size() < 2) e.fail("it has fewer than two classes");
  try {
    m.network.emplace(std::move(layers), learn::Loss::categorical_crossentropy);
  } catch (const Error& err) {
    e.fail(err.what());
  }
  m.training = {{"imported_from", e.dir.string()}};
  m.validation.labels = m.labels;
  return TrainedClassifier(std::move(impl));
}

}  // namespace easel
