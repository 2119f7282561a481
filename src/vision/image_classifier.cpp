#include "easel/image_classifier.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <optional>

#include "core/files.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "vision/preprocess.h"

namespace fs = std::filesystem;

namespace easel {

namespace {

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorCode::io_error, "Cannot read the labels file '" + file.string() + "'.");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// How a model's authors fed it and read it.
struct Recipe {
  vision::InputSpec input;
  bool softmax = false;          // the model ends in logits
  bool drop_background = false;  // class 0 is "background" (TF-slim ImageNet models)
};

}  // namespace

struct ImageClassifier::Impl {
  std::string name;
  std::optional<Model> model;  // set in create()
  Recipe recipe;
  std::vector<std::string> labels;
  int top_k = 5;
  TensorInfo output;  // its scale and zero point read a quantized (uint8) output
};

ImageClassifier::ImageClassifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImageClassifier::~ImageClassifier() = default;
ImageClassifier::ImageClassifier(ImageClassifier&&) noexcept = default;
ImageClassifier& ImageClassifier::operator=(ImageClassifier&&) noexcept = default;

namespace {

// A Teachable Machine image export: model.json + weights + metadata.json (labels).
bool is_teachable_machine(const fs::path& p) {
  const fs::path dir = fs::is_directory(p) ? p : p.parent_path();
  return fs::exists(dir / "metadata.json") && fs::exists(dir / "model.json");
}

std::vector<std::string> teachable_machine_labels(const fs::path& metadata) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(detail::read_file(metadata));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::bad_model, "'" + metadata.string() + "' is not valid JSON: " + e.what());
  }
  if (!doc.contains("labels") || !doc["labels"].is_array())
    throw Error(ErrorCode::bad_model, "'" + metadata.string() + "' has no \"labels\" list.", "Export the model again from Teachable Machine.");
  std::vector<std::string> labels;
  for (const auto& l : doc["labels"]) labels.push_back(l.is_string() ? l.get<std::string>() : l.dump());
  return labels;
}

}  // namespace

ImageClassifier ImageClassifier::create(const ImageClassifierOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->name = options.model;
  impl->top_k = std::max(1, options.top_k);
  const ModelOptions model_options{.threads = options.threads};
  fs::path path = options.model;
  Recipe& r = impl->recipe;
  if (fs::exists(path)) {
    if (!is_teachable_machine(path))
      throw Error(ErrorCode::bad_input, "'" + options.model + "' is not a Teachable Machine image export (model.json beside metadata.json).",
                  "Pass a folder holding model.json, weights.bin and metadata.json, or a model name such as mobilenet.");
    const fs::path dir = fs::is_directory(path) ? path : path.parent_path();
    impl->model.emplace(Model::load((dir / "model.json").string(), model_options));
    impl->labels = teachable_machine_labels(dir / "metadata.json");
    // Teachable Machine crops the centre square and scales pixels to -1..1.
    r.input.fit = vision::Fit::center_crop;
    r.input.range = vision::Range::signed_unit;
  } else {
    ModelStore store;
    const ModelSpec& spec = store.spec(options.model);
    if (spec.task != "image-classification")
      throw Error(ErrorCode::bad_input, "'" + options.model + "' is a " + spec.task + " model, not an image classifier.",
                  "Try mobilenet, mobilenet-v1-0.25, darknet-tiny or doodlenet.");
    LocatedModel located = store.get(options.model);
    impl->model.emplace(Model::load(located.entry().string(), model_options));
    if (spec.labels == "metadata.json") {  // a Teachable Machine export in the store
      impl->labels = teachable_machine_labels(located.file("metadata.json"));
      r.input.fit = vision::Fit::center_crop;
      r.input.range = vision::Range::signed_unit;
    } else if (options.model == "darknet-tiny") {
      // ml5's Darknet: pixels / 255, the whole image resized, logits. Its classes are
      // darknet's own order (not TF's): the first 1000 of darknet's ImageNet names, which
      // the store takes from Debian's darknet package.
      impl->labels = read_lines(store.get("darknet-imagenet-names").entry());
      if (impl->labels.size() < 1000) throw Error(ErrorCode::bad_model, "darknet-imagenet-names lists fewer than 1000 classes.");
      impl->labels.resize(1000);
      r.input.range = vision::Range::unit;
      r.softmax = true;
    } else if (options.model == "doodlenet") {
      // ml5's DoodleNet: a 28x28 sketch, 1 where a (dark) stroke is, 0 on the paper.
      impl->labels = read_lines(located.file(spec.labels));
      r.input.range = vision::Range::inverted_binary;
      r.input.area_downscale = true;
    } else {
      // The quantized TF-slim MobileNets: raw bytes in, the whole image resized,
      // uint8 softmax out (read with the file's scale, 1/256), class 0 = background.
      impl->labels = read_lines(located.file(spec.labels));
      r.input.range = vision::Range::bytes;
      r.drop_background = !impl->labels.empty() && impl->labels[0] == "background";
      if (r.drop_background) impl->labels.erase(impl->labels.begin());
    }
  }
  const auto inputs = impl->model->inputs();
  if (inputs.size() != 1 || inputs[0].shape.size() != 4)
    throw Error(ErrorCode::bad_model, "The model '" + options.model + "' does not take one image ([1,H,W,C] input).");
  const auto& shape = inputs[0].shape;
  r.input.height = shape[1] > 0 ? static_cast<int>(shape[1]) : 224;
  r.input.width = shape[2] > 0 ? static_cast<int>(shape[2]) : 224;
  r.input.channels = shape[3] > 0 ? static_cast<int>(shape[3]) : 3;
  if (r.input.range == vision::Range::bytes && inputs[0].dtype != "uint8") r.input.range = vision::Range::signed_unit;
  impl->output = impl->model->outputs().at(0);
  return ImageClassifier(std::move(impl));
}

std::vector<float> ImageClassifier::probabilities(const Image& image) {
  Impl& m = *impl_;
  const Tensor input = vision::to_tensor(image, m.recipe.input);
  const std::vector<Tensor> out = m.model->run({input});
  const Tensor& y = out.at(0);
  std::vector<float> p(static_cast<std::size_t>(y.size()));
  const bool quantized = (y.dtype() == DType::u8 || y.dtype() == DType::i8) && m.output.scale > 0;
  for (std::int64_t i = 0; i < y.size(); ++i) {
    const float v = static_cast<float>(y.at(i));
    p[static_cast<std::size_t>(i)] = quantized ? m.output.scale * (v - static_cast<float>(m.output.zero_point)) : v;
  }
  if (m.recipe.drop_background && !p.empty()) p.erase(p.begin());
  if (m.recipe.softmax) {
    const float top = *std::max_element(p.begin(), p.end());
    float sum = 0;
    for (float& v : p) sum += (v = std::exp(v - top));
    for (float& v : p) v /= sum;
  }
  if (p.size() != m.labels.size())
    throw Error(ErrorCode::bad_model, "The model '" + m.name + "' scores " + std::to_string(p.size()) + " classes but has " +
                                          std::to_string(m.labels.size()) + " labels.");
  return p;
}

std::vector<Classification> ImageClassifier::classify(const Image& image) {
  const std::vector<float> p = probabilities(image);
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  const auto k = std::min<std::size_t>(static_cast<std::size_t>(impl_->top_k), order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), [&](int a, int b) {
    return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)] || (p[static_cast<std::size_t>(a)] == p[static_cast<std::size_t>(b)] && a < b);
  });
  std::vector<Classification> result;
  for (std::size_t i = 0; i < k; ++i) {
    const int c = order[i];
    // A quantized model scores most classes exactly 0: ties with nothing to say, left out.
    if (p[static_cast<std::size_t>(c)] <= 0.f && !result.empty()) break;
    result.push_back({impl_->labels[static_cast<std::size_t>(c)], p[static_cast<std::size_t>(c)], c});
  }
  return result;
}

const std::vector<std::string>& ImageClassifier::labels() const { return impl_->labels; }
const std::string& ImageClassifier::model_name() const { return impl_->name; }

}  // namespace easel
