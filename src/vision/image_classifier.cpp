#include "easel/image_classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "easel/error.h"
#include "easel/feature_extractor.h"
#include "easel/training.h"
#include "learn/model_file.h"
#include "learn/trained_model.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "models/recipe.h"
#include "vision/recipe.h"

namespace fs = std::filesystem;

namespace easel {

struct ImageClassifier::Impl {
  std::string name;
  std::optional<Model> model;  // set in create()
  vision::InputSpec input;
  std::vector<std::string> labels;
  bool softmax = false;           // the model ends in logits
  bool skip_first_class = false;  // output 0 is "background" (TF-slim ImageNet models)
  int top_k = 3;
  TensorInfo output;  // its scale and zero point read a quantized (uint8) output
  // A model trained in easel (MODEL.easel): its extractor's features into its head.
  std::optional<FeatureExtractor> extractor;
  std::optional<TrainedClassifier> trained;
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

const detail::TaskKind kClassification = {
    "image-classification", "an image classifier", "Image classifiers", "image classification", {"classes"}};

// The recipe of a model name or of a Teachable Machine export's path.
detail::Recipe classifier_recipe(const std::string& model) {
  const fs::path path = model;
  if (fs::exists(path)) {
    if (!is_teachable_machine(path))
      throw Error(ErrorCode::bad_input, "'" + model + "' is not a Teachable Machine image export (model.json beside metadata.json).",
                  "Pass a folder holding model.json, weights.bin and metadata.json, or a model name (" +
                      ModelStore().names_for_task("image-classification") + ").");
    detail::Recipe recipe = detail::teachable_machine_recipe(fs::is_directory(path) ? path : path.parent_path());
    detail::check_decoder(recipe, kClassification);
    return recipe;
  }
  return detail::load_task_recipe(model, kClassification);
}

}  // namespace

ImageClassifier ImageClassifier::create(const ImageClassifierOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->name = options.model;
  impl->top_k = std::max(1, options.top_k);
  if (fs::is_regular_file(options.model) && learn::is_model_file(options.model)) {
    learn::TrainedModel opened = learn::open_trained_model(options.model, false, options.threads);
    impl->trained.emplace(std::move(opened.head));
    impl->extractor.emplace(std::move(opened.extractor));
    impl->labels = impl->trained->labels();
    return ImageClassifier(std::move(impl));
  }
  const detail::Recipe recipe = classifier_recipe(options.model);
  impl->model.emplace(Model::load(recipe.file.string(), {.threads = options.threads}));
  const auto inputs = impl->model->inputs();
  if (inputs.size() != 1) throw Error(ErrorCode::bad_model, "The model '" + options.model + "' does not take one image.");
  impl->input = vision::input_spec(recipe, inputs[0]);
  impl->labels = recipe.labels;
  impl->softmax = recipe.data.value("softmax", false);
  impl->skip_first_class = recipe.data.value("skip_first_class", false);
  if (impl->skip_first_class && !impl->labels.empty()) impl->labels.erase(impl->labels.begin());
  impl->output = impl->model->outputs().at(0);
  return ImageClassifier(std::move(impl));
}

std::vector<float> ImageClassifier::probabilities(const Image& image) {
  Impl& m = *impl_;
  if (m.trained) return m.trained->probabilities(m.extractor->extract(image));
  const Tensor input = vision::to_tensor(image, m.input);
  const std::vector<Tensor> out = m.model->run({input});
  const Tensor& y = out.at(0);
  std::vector<float> p(static_cast<std::size_t>(y.size()));
  const bool quantized = (y.dtype() == DType::u8 || y.dtype() == DType::i8) && m.output.scale > 0;
  for (std::int64_t i = 0; i < y.size(); ++i) {
    const float v = static_cast<float>(y.at(i));
    p[static_cast<std::size_t>(i)] = quantized ? m.output.scale * (v - static_cast<float>(m.output.zero_point)) : v;
  }
  if (m.skip_first_class && !p.empty()) p.erase(p.begin());
  if (m.softmax) {
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
    return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)] ||
           (p[static_cast<std::size_t>(a)] == p[static_cast<std::size_t>(b)] && a < b);
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
