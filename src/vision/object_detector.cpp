#include "easel/object_detector.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "models/recipe.h"
#include "vision/detection_decoders.h"
#include "vision/recipe.h"

namespace easel {

float intersection_over_union(const BoundingBox& a, const BoundingBox& b) {
  const float x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const float x1 = std::min(a.x + a.width, b.x + b.width), y1 = std::min(a.y + a.height, b.y + b.height);
  const float inter = std::max(0.f, x1 - x0) * std::max(0.f, y1 - y0);
  const float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.f;
}

std::vector<Detection> non_max_suppression(std::vector<Detection> detections, float iou_threshold, int max_detections) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.confidence > b.confidence; });
  std::vector<Detection> kept;
  for (Detection& d : detections) {
    if (static_cast<int>(kept.size()) >= max_detections) break;
    bool overlaps = false;
    for (const Detection& k : kept)
      if (k.class_index == d.class_index && intersection_over_union(k.box, d.box) > iou_threshold) {
        overlaps = true;
        break;
      }
    if (!overlaps) kept.push_back(std::move(d));
  }
  return kept;
}

struct ObjectDetector::Impl {
  ObjectDetectorOptions options;
  std::optional<Model> model;
  detail::Recipe recipe;
  vision::InputSpec input;
  vision::DetectionDecoder decoder = nullptr;
};

ObjectDetector::ObjectDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ObjectDetector::~ObjectDetector() = default;
ObjectDetector::ObjectDetector(ObjectDetector&&) noexcept = default;
ObjectDetector& ObjectDetector::operator=(ObjectDetector&&) noexcept = default;
const std::vector<std::string>& ObjectDetector::labels() const { return impl_->recipe.labels; }

ObjectDetector ObjectDetector::create(const ObjectDetectorOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->recipe = detail::load_task_recipe(
      options.model, {"object-detection", "an object detector", "Object detectors", "object detection", vision::detection_decoder_names()});
  impl->decoder = vision::find_detection_decoder(impl->recipe.decoder);
  if (impl->recipe.labels.empty()) throw Error(ErrorCode::bad_model, "The recipe of model '" + options.model + "' names no labels.");
  impl->model.emplace(Model::load(impl->recipe.file.string(), {.threads = options.threads}));
  impl->input = vision::input_spec(impl->recipe, impl->model->inputs().at(0));
  return ObjectDetector(std::move(impl));
}

std::vector<Detection> ObjectDetector::detect(const Image& image) {
  Impl& m = *impl_;
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  vision::Placement at;
  const Tensor input = vision::to_tensor(image, m.input, &at);
  const std::vector<Tensor> outputs = m.model->run({input});
  const vision::DetectionContext context{*m.model, m.recipe, m.input, static_cast<int>(m.recipe.labels.size()), m.options.min_confidence};
  const float W = static_cast<float>(image.width()), H = static_cast<float>(image.height());
  std::vector<Detection> found;
  for (const vision::RawDetection& r : m.decoder(outputs, context)) {
    // From the model's input pixels to the image's, clamped to it.
    const float x0 = std::clamp(at.image_x(r.x0), 0.f, W), x1 = std::clamp(at.image_x(r.x1), 0.f, W);
    const float y0 = std::clamp(at.image_y(r.y0), 0.f, H), y1 = std::clamp(at.image_y(r.y1), 0.f, H);
    if (x1 <= x0 || y1 <= y0 || r.class_index < 0 || r.class_index >= context.classes || r.confidence < m.options.min_confidence) continue;
    Detection d;
    d.label = m.recipe.labels[static_cast<std::size_t>(r.class_index)];
    d.confidence = r.confidence;
    d.class_index = r.class_index;
    d.box = {x0, y0, x1 - x0, y1 - y0};
    d.normalized = {x0 / W, y0 / H, (x1 - x0) / W, (y1 - y0) / H};
    found.push_back(std::move(d));
  }
  return non_max_suppression(std::move(found), m.options.iou_threshold, m.options.max_detections);
}

}  // namespace easel
