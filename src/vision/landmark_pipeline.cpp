#include "vision/landmark_pipeline.h"

#include <algorithm>
#include <cmath>

#include "easel/error.h"
#include "easel/model_store.h"
#include "easel/object_detector.h"
#include "vision/recipe.h"

namespace easel::vision {
namespace {

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

// Overlap of two regions by their upright boxes (enough to tell one face from another).
float overlap(const RotatedRect& a, const RotatedRect& b) {
  const auto upright = [](const RotatedRect& r) { return BoundingBox{r.cx - r.width / 2, r.cy - r.height / 2, r.width, r.height}; };
  return intersection_over_union(upright(a), upright(b));
}

const nlohmann::json& object_or_empty(const nlohmann::json& recipe, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  return recipe.contains(key) && recipe[key].is_object() ? recipe[key] : empty;
}

std::string text(const nlohmann::json& object, const char* key, const std::string& model, const char* where) {
  if (!object.contains(key) || !object[key].is_string())
    throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "' needs " + where + "." + key + " (a name).");
  return object[key].get<std::string>();
}

// The model's output shapes, from one run on a black picture: TF.js models often leave them
// open until run, and a recipe is checked against them once, when a task is made.
std::vector<Shape> output_shapes(Model& model, const InputSpec& input) {
  std::vector<Shape> shapes;
  for (const Tensor& t : model.run({to_tensor(Image(input.width, input.height), input)})) shapes.push_back(t.shape());
  return shapes;
}

}  // namespace

Keypoint image_keypoint(std::string name, float x, float y, float z, float confidence, const Image& image, bool flip) {
  Keypoint k;
  k.name = std::move(name);
  k.x = flip ? static_cast<float>(image.width()) - x : x;
  k.y = y, k.z = z;
  k.nx = k.x / static_cast<float>(image.width()), k.ny = k.y / static_cast<float>(image.height());
  k.confidence = confidence;
  return k;
}

void landmark_keypoints(const Landmarks& l, const std::vector<std::string>& names, const Image& image, bool flip, std::vector<Keypoint>& keypoints,
                        std::vector<Keypoint>* keypoints3d) {
  for (std::size_t i = 0; i < names.size() && 3 * i + 2 < l.xyz.size(); ++i) {
    const float confidence = i < l.visibility.size() ? l.visibility[i] : 1.f;
    keypoints.push_back(image_keypoint(names[i], l.xyz[3 * i], l.xyz[3 * i + 1], l.xyz[3 * i + 2], confidence, image, flip));
    if (keypoints3d && 3 * i + 2 < l.world.size()) {
      Keypoint w;
      w.name = names[i];
      w.x = flip ? -l.world[3 * i] : l.world[3 * i], w.y = l.world[3 * i + 1], w.z = l.world[3 * i + 2];
      w.confidence = confidence;
      keypoints3d->push_back(std::move(w));
    }
  }
}

int output_index(const Model& model, const std::string& name, const std::string& model_name) {
  // TF.js names a node's first output "name:0" in signatures, easel by the node's name.
  const auto bare = [](const std::string& n) { return n.ends_with(":0") ? n.substr(0, n.size() - 2) : n; };
  const auto outputs = model.outputs();
  std::string known;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (bare(outputs[i].name) == bare(name)) return static_cast<int>(i);
    known += (known.empty() ? "" : ", ") + outputs[i].name;
  }
  throw Error(ErrorCode::bad_model, "The model '" + model_name + "' has no output '" + name + "'; its outputs: " + known + ".");
}

BlazeDetector BlazeDetector::load(const std::string& name, const detail::TaskKind& task, int threads) {
  BlazeDetector d;
  d.recipe_ = detail::load_task_recipe(name, task);
  d.model_.emplace(Model::load(d.recipe_.file.string(), {.threads = threads}));
  const auto inputs = d.model_->inputs();
  if (inputs.size() != 1) throw Error(ErrorCode::bad_model, "The detector '" + name + "' does not take one image.");
  d.input_ = input_spec(d.recipe_, inputs[0]);
  const nlohmann::json& r = d.recipe_.data;
  d.anchors_ = ssd_anchors(anchor_options(r, name, d.input_.width, d.input_.height));
  d.decoding_ = box_decoding(r, name);
  d.output_ = r.contains("output") ? output_index(*d.model_, text(r, "output", name, "recipe"), name) : 0;
  d.iou_ = r.value("iou", 0.3f);
  if (r.contains("keypoints")) d.keypoint_names_ = r["keypoints"].get<std::vector<std::string>>();
  if (!d.keypoint_names_.empty() && static_cast<int>(d.keypoint_names_.size()) != d.decoding_.keypoints)
    throw Error(ErrorCode::bad_model, "The recipe of model '" + name + "' names " + std::to_string(d.keypoint_names_.size()) +
                                          " keypoints but reads " + std::to_string(d.decoding_.keypoints) + ".");
  // The output must have one row per anchor: checked once here rather than on every image.
  const Shape shape = output_shapes(*d.model_, d.input_).at(static_cast<std::size_t>(d.output_));
  if (shape.size() < 2 || shape[shape.size() - 2] != static_cast<std::int64_t>(d.anchors_.size()))
    throw Error(ErrorCode::bad_model, "The detector '" + name + "' gives " + std::to_string(shape[shape.size() - 2]) + " rows, but its recipe makes " +
                                          std::to_string(d.anchors_.size()) + " anchors.");
  return d;
}

std::vector<BlazeDetection> BlazeDetector::detect(const Image& image, int max_results, float min_score) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  Placement at;
  const Tensor input = to_tensor(image, input_, &at);
  const std::vector<Tensor> out = model_->run({input});
  BoxDecoding decoding = decoding_;
  decoding.min_score = min_score;
  std::vector<BlazeDetection> found = suppress(decode_ssd(out.at(static_cast<std::size_t>(output_)), anchors_, decoding), iou_, max_results);
  // 0..1 of the input -> input pixels -> image pixels.
  const float W = static_cast<float>(input_.width), H = static_cast<float>(input_.height);
  for (BlazeDetection& d : found) {
    d.x0 = at.image_x(d.x0 * W), d.x1 = at.image_x(d.x1 * W), d.y0 = at.image_y(d.y0 * H), d.y1 = at.image_y(d.y1 * H);
    for (std::size_t k = 0; k + 1 < d.keypoints.size(); k += 2)
      d.keypoints[k] = at.image_x(d.keypoints[k] * W), d.keypoints[k + 1] = at.image_y(d.keypoints[k + 1] * H);
  }
  return found;
}

LandmarkModel LandmarkModel::load(const detail::Recipe& recipe, int threads) {
  LandmarkModel m;
  m.recipe_ = recipe;
  const std::string& name = recipe.model;
  m.model_.emplace(Model::load(recipe.file.string(), {.threads = threads}));
  const auto inputs = m.model_->inputs();
  if (inputs.size() != 1) throw Error(ErrorCode::bad_model, "The landmark model '" + name + "' does not take one image.");
  m.input_ = input_spec(recipe, inputs[0]);
  const nlohmann::json& r = recipe.data;
  const nlohmann::json& points = object_or_empty(r, "landmarks");
  m.landmarks_out_ = output_index(*m.model_, text(points, "output", name, "landmarks"), name);
  m.points_ = points.value("points", 0);
  m.values_ = points.value("values", 3);
  m.z_scale_ = points.value("z_scale", 1.f);
  if (m.points_ <= 0 || m.points_ > 10000 || m.values_ < 2 || m.values_ > 5)
    throw Error(ErrorCode::bad_model, "The recipe of model '" + name + "': landmarks.points and landmarks.values are out of range.");
  const Shape output_shape = output_shapes(*m.model_, m.input_).at(static_cast<std::size_t>(m.landmarks_out_));
  if (num_elements(output_shape) < static_cast<std::int64_t>(m.points_) * m.values_)
    throw Error(ErrorCode::bad_model, "The landmark output of model '" + name + "' is smaller than " + std::to_string(m.points_) + " points.");
  if (const nlohmann::json& flag = object_or_empty(r, "flag"); flag.contains("output")) {
    m.flag_out_ = output_index(*m.model_, text(flag, "output", name, "flag"), name);
    m.flag_sigmoid_ = flag.value("sigmoid", true);
    m.min_flag_ = flag.value("min", 0.5f);
  }
  if (const nlohmann::json& h = object_or_empty(r, "handedness"); h.contains("output"))
    m.handedness_out_ = output_index(*m.model_, text(h, "output", name, "handedness"), name);
  if (const nlohmann::json& w = object_or_empty(r, "world"); w.contains("output"))
    m.world_out_ = output_index(*m.model_, text(w, "output", name, "world"), name);
  if (const nlohmann::json& hm = object_or_empty(r, "heatmap"); hm.contains("output")) {
    m.heatmap_out_ = output_index(*m.model_, text(hm, "output", name, "heatmap"), name);
    m.heatmap_kernel_ = std::clamp(hm.value("kernel", 7), 1, 63);
    m.heatmap_min_ = hm.value("min", 0.5f);
  }
  m.replicate_border_ = r.value("border", std::string("zero")) == "replicate";
  m.roi_ = roi_options(r, name);
  nlohmann::json tracking = {{"roi", object_or_empty(r, "tracking")}};
  m.tracking_ = roi_options(tracking, name);
  if (tracking["roi"].contains("points")) m.tracking_points_ = tracking["roi"]["points"].get<std::vector<int>>();
  for (int p : m.tracking_points_)
    if (p < 0 || p >= m.points_) throw Error(ErrorCode::bad_model, "The recipe of model '" + name + "': tracking.points names a point it has not.");
  if (m.tracking_.rotation_from >= m.points_ || m.tracking_.rotation_to >= m.points_ ||
      std::any_of(m.tracking_.rotation_to_mix.begin(), m.tracking_.rotation_to_mix.end(), [&](const auto& p) { return p.first >= m.points_; }))
    throw Error(ErrorCode::bad_model, "The recipe of model '" + name + "': tracking.rotation names a point it has not.");
  return m;
}

Landmarks LandmarkModel::read(const Image& image, const RotatedRect& roi) {
  const Tensor input = crop_to_tensor(image, input_, roi, replicate_border_);
  const std::vector<Tensor> out = model_->run({input});
  Landmarks result;
  result.roi = roi;
  const Tensor& points = out.at(static_cast<std::size_t>(landmarks_out_));
  if (points.dtype() != DType::f32 || points.size() < static_cast<std::int64_t>(points_) * values_)
    throw Error(ErrorCode::bad_model, "The landmark output of model '" + recipe_.model + "' has " + std::to_string(points.size()) +
                                          " values, fewer than its " + std::to_string(points_) + " points.");
  for (int o : {flag_out_, handedness_out_})
    if (o >= 0 && (out.at(static_cast<std::size_t>(o)).dtype() != DType::f32 || out.at(static_cast<std::size_t>(o)).size() < 1))
      throw Error(ErrorCode::bad_model, "The model '" + recipe_.model + "' gave an empty score output.");
  const float* p = points.data<float>();
  result.xyz.resize(3 * static_cast<std::size_t>(points_));
  if (values_ >= 4) result.visibility.resize(static_cast<std::size_t>(points_));
  const float W = static_cast<float>(input_.width), H = static_cast<float>(input_.height);
  const Tensor* heatmap = heatmap_out_ >= 0 ? &out.at(static_cast<std::size_t>(heatmap_out_)) : nullptr;
  if (heatmap && (heatmap->dtype() != DType::f32 || heatmap->shape().size() != 4 || heatmap->shape()[3] < points_))
    throw Error(ErrorCode::bad_model, "The heatmap of model '" + recipe_.model + "' is not [1, H, W, points] float32.");
  for (int i = 0; i < points_; ++i) {
    const float* v = p + static_cast<std::ptrdiff_t>(i) * values_;
    float u = v[0], w = v[1];
    if (heatmap) {
      // BlazePose's refinement (TF.js's refineLandmarksFromHeatmap): the heatmap's weighted
      // mean over a window around the point, where the heatmap is confident there.
      const int hh = static_cast<int>(heatmap->shape()[1]), hw = static_cast<int>(heatmap->shape()[2]), n = static_cast<int>(heatmap->shape()[3]);
      const int col = static_cast<int>(u / W * static_cast<float>(hw)), row = static_cast<int>(w / H * static_cast<float>(hh));
      const int half = (heatmap_kernel_ - 1) / 2;
      float sum = 0, top = 0, sx = 0, sy = 0;
      for (int y = std::max(0, row - half); y < std::min(hh, row + half + 1); ++y)
        for (int x = std::max(0, col - half); x < std::min(hw, col + half + 1); ++x) {
          const float c = heatmap->data<float>()[(static_cast<std::ptrdiff_t>(y) * hw + x) * n + i];
          sum += c, top = std::max(top, c), sx += static_cast<float>(x) * c, sy += static_cast<float>(y) * c;
        }
      if (top >= heatmap_min_ && sum > 0) u = sx / static_cast<float>(hw) / sum * W, w = sy / static_cast<float>(hh) / sum * H;
    }
    const CropPoint at = from_crop(roi, input_.width, input_.height, u, w);
    result.xyz[3 * static_cast<std::size_t>(i)] = at.x;
    result.xyz[3 * static_cast<std::size_t>(i) + 1] = at.y;
    result.xyz[3 * static_cast<std::size_t>(i) + 2] = values_ >= 3 ? v[2] * z_scale_ / W * roi.width : 0.f;
    if (values_ >= 4) result.visibility[static_cast<std::size_t>(i)] = sigmoid(v[3]);
  }
  if (flag_out_ >= 0) {
    const float f = out.at(static_cast<std::size_t>(flag_out_)).data<float>()[0];
    result.flag = flag_sigmoid_ ? sigmoid(f) : f;
  }
  if (handedness_out_ >= 0) result.handedness = out.at(static_cast<std::size_t>(handedness_out_)).data<float>()[0];
  if (world_out_ >= 0) {
    const Tensor& w = out.at(static_cast<std::size_t>(world_out_));
    if (w.dtype() != DType::f32) throw Error(ErrorCode::bad_model, "The world landmarks of model '" + recipe_.model + "' are not float32.");
    const std::size_t n = std::min(static_cast<std::size_t>(w.size()), 3 * static_cast<std::size_t>(points_));
    result.world.assign(w.data<float>(), w.data<float>() + n);
    // The model measures along its upright crop: turned back like the image points.
    const float c = std::cos(roi.rotation), s = std::sin(roi.rotation);
    for (std::size_t i = 0; i + 2 < result.world.size(); i += 3) {
      const float x = result.world[i], y = result.world[i + 1];
      result.world[i] = c * x - s * y, result.world[i + 1] = s * x + c * y;
    }
  }
  return result;
}

RotatedRect LandmarkModel::next_roi(const Landmarks& l) const {
  std::vector<float> xy;
  xy.reserve(2 * static_cast<std::size_t>(points_));
  for (int i = 0; i < points_; ++i) xy.push_back(l.xyz[3 * static_cast<std::size_t>(i)]), xy.push_back(l.xyz[3 * static_cast<std::size_t>(i) + 1]);
  return landmarks_roi(xy, tracking_points_, tracking_);
}

std::vector<Landmarks> detect_landmarks(const Image& image, BlazeDetector& detector, LandmarkModel& model, int max_results, float min_score,
                                        HeldRegions* held) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  std::vector<RotatedRect> regions;
  if (held) regions = held->regions;
  if (static_cast<int>(regions.size()) < max_results) {
    for (const BlazeDetection& d : detector.detect(image, max_results, min_score)) {
      const RotatedRect r = detection_roi(d, model.roi());
      if (static_cast<int>(regions.size()) < max_results &&
          std::none_of(regions.begin(), regions.end(), [&](const RotatedRect& h) { return overlap(h, r) > 0.5f; }))
        regions.push_back(r);
    }
  }
  std::vector<Landmarks> found;
  std::vector<RotatedRect> next;
  for (const RotatedRect& r : regions) {
    Landmarks l = model.read(image, r);
    if (l.flag < model.min_flag()) continue;
    const RotatedRect n = model.next_roi(l);
    // Two held regions that drifted onto one face keep the first.
    if (std::any_of(next.begin(), next.end(), [&](const RotatedRect& h) { return overlap(h, n) > 0.5f; })) continue;
    next.push_back(n);
    found.push_back(std::move(l));
  }
  if (held) held->regions = std::move(next);
  return found;
}

}  // namespace easel::vision
