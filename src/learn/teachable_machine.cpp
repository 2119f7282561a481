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
#include "learn/tfjs_layers_file.h"
#include "learn/trained_classifier_impl.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace easel {
namespace {

constexpr std::uintmax_t kMaxJsonBytes = 64ull << 20;

[[noreturn]] void refuse(const fs::path& dir, const std::string& problem) {
  throw Error(ErrorCode::bad_model, "'" + dir.string() + "' is not a Teachable Machine image export easel can use: " + problem + ".",
              "Export the model from Teachable Machine as TensorFlow.js (model.json, weights.bin, metadata.json).");
}

// An export read from disk, its head found.
struct TmExport {
  fs::path dir;
  learn::LayersFile file;
  json* head = nullptr;                  // the head Sequential's list of layers, inside file.model
  std::vector<std::string> head_layers;  // their names

  explicit TmExport(const fs::path& path)
      : dir(fs::is_directory(path) ? path : path.parent_path()), file(dir / "model.json", [d = dir](const std::string& p) { refuse(d, p); }) {
    json* top = learn::LayersFile::layers_of(file.model["modelTopology"]);
    if (!top || top->size() != 2) file.fail("its model is not a Sequential of [base] and [head]");
    head = learn::LayersFile::layers_of((*top)[1]);
    if (!head || head->empty() || !learn::LayersFile::layers_of((*top)[0])) file.fail("its second part is not a Sequential of dense layers");
    for (const json& l : *head) {
      if (!l.is_object() || !l.contains("config") || !l["config"].is_object() || !l["config"].contains("name") || !l["config"]["name"].is_string())
        file.fail("its head holds a layer without a name");
      head_layers.push_back(l["config"]["name"]);
    }
  }
  bool in_head(const std::string& weight) const {
    for (const std::string& l : head_layers)
      if (weight.rfind(l + "/", 0) == 0) return true;
    return false;
  }
  // A digest of the base's weights (every weight outside the head: names and bytes).
  std::string base_digest() const {
    std::string all;
    for (const learn::LayersWeight& w : file.entries) {
      if (in_head(w.name)) continue;
      all += w.name + "\n";
      all += file.weights.substr(w.offset, w.bytes);
    }
    return detail::sha256_hex(all);
  }
};

std::string read_capped(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) refuse(dir, "'" + file.filename().string() + "' cannot be read (" + ec.message() + ")");
  if (size > kMaxJsonBytes) refuse(dir, "'" + file.filename().string() + "' is larger than any Teachable Machine export");
  return detail::read_file(file);
}

// The export the extractor was cut from: a store model in Teachable Machine's layout.
TmExport extractor_export(const std::string& extractor) {
  ModelStore store;
  const LocatedModel located = store.get(extractor);
  if (located.spec->format != "tfjs-layers" || !fs::is_regular_file(located.dir / "metadata.json"))
    throw Error(ErrorCode::bad_input, "The features of '" + extractor + "' do not come from a Teachable Machine export, so the model cannot become one.",
                "Train on the default extractor (tm-image-2019) to export to Teachable Machine.");
  return TmExport(located.dir);
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
  for (const learn::LayersWeight& w : base.file.entries) {
    if (base.in_head(w.name)) continue;
    weights += base.file.weights.substr(w.offset, w.bytes);
    entries.push_back({{"name", w.name}, {"shape", w.shape}, {"dtype", "float32"}});
  }
  json head = json::array();
  const auto& layers = m.network->layers();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const learn::DenseLayer& l = layers[i];
    const std::string name = "dense_Dense" + std::to_string(i + 1);
    json layer = learn::dense_layer_json(l, name, i == 0);
    // Teachable Machine's own initialiser, for a page that trains the export further.
    layer["config"]["kernel_initializer"]["config"]["mode"] = "fan_in";
    layer["config"]["kernel_initializer"]["config"]["distribution"] = "normal";
    head.push_back(layer);
    weights.append(reinterpret_cast<const char*>(l.kernel.data()), l.kernel.size() * sizeof(float));
    entries.push_back({{"name", name + "/kernel"}, {"shape", {l.inputs, l.units}}, {"dtype", "float32"}});
    if (l.use_bias) {
      weights.append(reinterpret_cast<const char*>(l.bias.data()), l.bias.size() * sizeof(float));
      entries.push_back({{"name", name + "/bias"}, {"shape", {l.units}}, {"dtype", "float32"}});
    }
  }
  *base.head = head;
  base.file.model["weightsManifest"] = json::array({{{"paths", {"weights.bin"}}, {"weights", entries}}});

  const json version_field = base.file.model["modelTopology"].value("keras_version", json());
  const std::string keras = version_field.is_string() ? version_field.get<std::string>() : "tfjs-layers 1.3.1";
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
  detail::write_file_atomic(dir / "model.json", base.file.model.dump());
}

TrainedClassifier TrainedClassifier::import_teachable_machine(const fs::path& path) {
  const TmExport e(path);
  const fs::path metadata_file = e.dir / "metadata.json";
  if (!fs::is_regular_file(metadata_file)) e.file.fail("it has no metadata.json (the labels)");
  const json metadata = json::parse(read_capped(metadata_file, e.dir), nullptr, false);
  if (!metadata.is_object() || !metadata.contains("labels") || !metadata["labels"].is_array()) e.file.fail("metadata.json has no list of labels");

  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  for (const json& l : metadata["labels"]) {
    if (!l.is_string()) e.file.fail("a label in metadata.json is not a string");
    m.labels.push_back(l);
  }
  // The base must be the one easel extracts features with, weight for weight.
  const std::string extractor = FeatureExtractorOptions{}.model;
  if (e.base_digest() != extractor_export(extractor).base_digest())
    e.file.fail("its base is not the MobileNetV2 of '" + extractor + "' (easel retrains heads on that base only)");
  const FeatureExtractor features = FeatureExtractor::create({.model = extractor});
  m.extractor = extractor;
  m.extractor_checksum = features.checksum();
  m.length = features.length();

  std::vector<learn::DenseLayer> layers = e.file.dense_layers(*e.head, m.length);
  if (layers.back().units != static_cast<int>(m.labels.size()))
    e.file.fail("its head scores " + std::to_string(layers.back().units) + " classes but metadata.json has " + std::to_string(m.labels.size()) + " labels");
  if (m.labels.size() < 2) e.file.fail("it has fewer than two classes");
  try {
    m.network.emplace(std::move(layers), learn::Loss::categorical_crossentropy);
  } catch (const Error& err) {
    e.file.fail(err.what());
  }
  m.training = {{"imported_from", e.dir.string()}};
  m.validation.labels = m.labels;
  return TrainedClassifier(std::move(impl));
}

}  // namespace easel
