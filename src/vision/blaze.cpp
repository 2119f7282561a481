#include "vision/blaze.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "easel/error.h"
#include "easel/object_detector.h"

namespace easel::vision {
namespace {

float layer_scale(float min_scale, float max_scale, int layer, int layers) {
  return layers == 1 ? (min_scale + max_scale) / 2 : min_scale + (max_scale - min_scale) * static_cast<float>(layer) / static_cast<float>(layers - 1);
}

float normalize_radians(float angle) {
  const float two_pi = 2 * std::numbers::pi_v<float>;
  return angle - two_pi * std::floor((angle + std::numbers::pi_v<float>) / two_pi);
}

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

BoundingBox box_of(const BlazeDetection& d) { return {d.x0, d.y0, d.x1 - d.x0, d.y1 - d.y0}; }

// A box turned into the region of interest: rotation, shift, square, scale (in pixels).
RotatedRect transform(float cx, float cy, float w, float h, float rotation, const RoiOptions& o) {
  const float c = std::cos(rotation), s = std::sin(rotation);
  RotatedRect r;
  r.rotation = rotation;
  r.cx = cx + w * o.shift_x * c - h * o.shift_y * s;
  r.cy = cy + w * o.shift_x * s + h * o.shift_y * c;
  if (o.square_long) w = h = std::max(w, h);
  r.width = w * o.scale_x;
  r.height = h * o.scale_y;
  return r;
}

float rotation_between(float x0, float y0, float x1, float y1, const RoiOptions& o) {
  if (!o.rotate) return 0;
  return normalize_radians(o.target_angle * std::numbers::pi_v<float> / 180 - std::atan2(-(y1 - y0), x1 - x0));
}

template <typename T>
T field(const nlohmann::json& object, const char* key, T fallback, const std::string& model, const char* where) {
  if (!object.contains(key)) return fallback;
  try {
    return object.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': " + where + "." + key + " has the wrong type.");
  }
}

}  // namespace

std::vector<SsdAnchor> ssd_anchors(const SsdAnchorOptions& o) {
  // A detector has a few thousand anchors; a recipe asking for millions is refused before
  // they are made (their count, bounded by the input's size over the strides).
  double count = 0;
  for (int stride : o.strides)
    count += std::ceil(static_cast<double>(o.input_height) / std::max(stride, 1)) * std::ceil(static_cast<double>(o.input_width) / std::max(stride, 1)) *
             static_cast<double>(o.aspect_ratios.size() + 3);
  if (count > 4e6 || o.input_width <= 0 || o.input_height <= 0)
    throw Error(ErrorCode::bad_model, "The anchors' recipe makes far more anchors than a detector has (strides too small for the input).");
  std::vector<SsdAnchor> anchors;
  const int layers = static_cast<int>(o.strides.size());
  int layer = 0;
  while (layer < layers) {
    std::vector<float> ratios, scales;
    int last = layer;
    for (; last < layers && o.strides[static_cast<std::size_t>(last)] == o.strides[static_cast<std::size_t>(layer)]; ++last) {
      const float scale = layer_scale(o.min_scale, o.max_scale, last, layers);
      if (last == 0 && o.reduce_boxes_in_lowest_layer) {
        ratios.insert(ratios.end(), {1.f, 2.f, 0.5f});
        scales.insert(scales.end(), {0.1f, scale, scale});
        continue;
      }
      for (float ratio : o.aspect_ratios) ratios.push_back(ratio), scales.push_back(scale);
      if (o.interpolated_scale_aspect_ratio > 0) {
        const float next = last == layers - 1 ? 1.f : layer_scale(o.min_scale, o.max_scale, last + 1, layers);
        scales.push_back(std::sqrt(scale * next));
        ratios.push_back(o.interpolated_scale_aspect_ratio);
      }
    }
    const int stride = o.strides[static_cast<std::size_t>(layer)];
    const int rows = (o.input_height + stride - 1) / stride, cols = (o.input_width + stride - 1) / stride;
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x)
        for (std::size_t k = 0; k < ratios.size(); ++k) {
          SsdAnchor a{(static_cast<float>(x) + o.offset_x) / static_cast<float>(cols), (static_cast<float>(y) + o.offset_y) / static_cast<float>(rows)};
          if (!o.fixed_anchor_size) a.w = scales[k] * std::sqrt(ratios[k]), a.h = scales[k] / std::sqrt(ratios[k]);
          anchors.push_back(a);
        }
    layer = last;
  }
  return anchors;
}

std::vector<BlazeDetection> decode_ssd(const Tensor& raw, const std::vector<SsdAnchor>& anchors, const BoxDecoding& d) {
  const Shape& shape = raw.shape();
  const std::int64_t values = 5 + 2 * static_cast<std::int64_t>(d.keypoints);
  if (raw.dtype() != DType::f32 || shape.size() < 2 || shape[shape.size() - 1] < values ||
      shape[shape.size() - 2] != static_cast<std::int64_t>(anchors.size()))
    throw Error(ErrorCode::bad_model, "The detector's output " + to_string(shape) + " is not one row of at least " + std::to_string(values) +
                                          " values for each of its " + std::to_string(anchors.size()) + " anchors.");
  const std::int64_t stride = shape[shape.size() - 1];
  const float* data = raw.data<float>();
  std::vector<BlazeDetection> found;
  for (std::size_t i = 0; i < anchors.size(); ++i) {
    const float* row = data + static_cast<std::int64_t>(i) * stride;
    const float logit = std::clamp(d.score_first ? row[0] : row[values - 1], -d.score_clip, d.score_clip);
    const float score = sigmoid(logit);
    if (!(score >= d.min_score)) continue;
    const float* box = d.score_first ? row + 1 : row;
    const SsdAnchor& a = anchors[i];
    const float cx = box[0] / d.x_scale * a.w + a.x, cy = box[1] / d.y_scale * a.h + a.y;
    const float w = box[2] / d.w_scale * a.w, h = box[3] / d.h_scale * a.h;
    if (!(w > 0 && h > 0) || !std::isfinite(cx) || !std::isfinite(cy)) continue;
    BlazeDetection det{score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, {}};
    det.keypoints.resize(2 * static_cast<std::size_t>(d.keypoints));
    for (int k = 0; k < d.keypoints; ++k) {
      det.keypoints[2 * static_cast<std::size_t>(k)] = box[4 + 2 * k] / d.x_scale * a.w + a.x;
      det.keypoints[2 * static_cast<std::size_t>(k) + 1] = box[5 + 2 * k] / d.y_scale * a.h + a.y;
    }
    found.push_back(std::move(det));
  }
  return found;
}

std::vector<BlazeDetection> suppress(std::vector<BlazeDetection> detections, float iou_threshold, int max_results) {
  std::stable_sort(detections.begin(), detections.end(), [](const BlazeDetection& a, const BlazeDetection& b) { return a.score > b.score; });
  std::vector<BlazeDetection> kept;
  for (BlazeDetection& d : detections) {
    if (static_cast<int>(kept.size()) >= max_results) break;
    if (std::none_of(kept.begin(), kept.end(), [&](const BlazeDetection& k) { return intersection_over_union(box_of(k), box_of(d)) > iou_threshold; })) kept.push_back(std::move(d));
  }
  return kept;
}

namespace {

// Keypoint k of an x, y list, or nothing when the list is shorter.
bool keypoint(const std::vector<float>& xy, int k, float& x, float& y) {
  const std::size_t at = 2 * static_cast<std::size_t>(k);
  if (k < 0 || at + 1 >= xy.size()) return false;
  x = xy[at], y = xy[at + 1];
  return true;
}

// The rotation of a region (0 when the options turn nothing or the keypoints are missing;
// their indices are checked against the recipe at load).
float region_rotation(const std::vector<float>& xy, const RoiOptions& o) {
  float x0, y0, x1 = 0, y1 = 0;
  if (!o.rotate || !keypoint(xy, o.rotation_from, x0, y0)) return 0;
  if (o.rotation_to_mix.empty()) {
    if (!keypoint(xy, o.rotation_to, x1, y1)) return 0;
  } else {
    for (const auto& [k, weight] : o.rotation_to_mix) {
      float x, y;
      if (!keypoint(xy, k, x, y)) return 0;
      x1 += weight * x, y1 += weight * y;
    }
  }
  return rotation_between(x0, y0, x1, y1, o);
}

}  // namespace

RotatedRect detection_roi(const BlazeDetection& d, const RoiOptions& o) {
  const float rotation = region_rotation(d.keypoints, o);
  float x0, y0, x1, y1;
  if (o.from_keypoints && keypoint(d.keypoints, o.rotation_from, x0, y0) && keypoint(d.keypoints, o.rotation_to, x1, y1)) {
    // BlazePose: the centre is keypoint `from`, the size twice its distance to keypoint `to`.
    const float size = 2 * std::hypot(x1 - x0, y1 - y0);
    return transform(x0, y0, size, size, rotation, o);
  }
  return transform((d.x0 + d.x1) / 2, (d.y0 + d.y1) / 2, d.x1 - d.x0, d.y1 - d.y0, rotation, o);
}

RotatedRect landmarks_roi(const std::vector<float>& xy, const std::vector<int>& subset, const RoiOptions& o) {
  std::vector<std::pair<float, float>> points;
  if (subset.empty())
    for (std::size_t k = 0; k + 1 < xy.size(); k += 2) points.emplace_back(xy[k], xy[k + 1]);
  else
    for (int i : subset)
      if (float x, y; keypoint(xy, i, x, y)) points.emplace_back(x, y);
  BlazeDetection box;
  box.keypoints = xy;
  if (points.empty()) return detection_roi(box, o);
  const auto bounds = [&](auto&& at, float& x0, float& y0, float& x1, float& y1) {
    x0 = y0 = std::numeric_limits<float>::max(), x1 = y1 = -x0;
    for (const auto& p : points) {
      const auto [x, y] = at(p);
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  };
  bounds([](const std::pair<float, float>& p) { return p; }, box.x0, box.y0, box.x1, box.y1);
  if (o.rotated_box && !o.from_keypoints) {
    // The points seen from the box's centre, turned back by the rotation: their box there,
    // and its centre turned forward again.
    const float rotation = region_rotation(xy, o), c = std::cos(rotation), s = std::sin(rotation);
    const float cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2;
    float x0, y0, x1, y1;
    bounds([&](const std::pair<float, float>& p) {
      const float dx = p.first - cx, dy = p.second - cy;
      return std::pair<float, float>{c * dx + s * dy, -s * dx + c * dy};
    }, x0, y0, x1, y1);
    const float px = (x0 + x1) / 2, py = (y0 + y1) / 2;
    return transform(cx + c * px - s * py, cy + s * px + c * py, x1 - x0, y1 - y0, rotation, o);
  }
  return detection_roi(box, o);
}

CropPoint from_crop(const RotatedRect& r, int input_width, int input_height, float u, float v) {
  const float x = u / static_cast<float>(input_width) - 0.5f, y = v / static_cast<float>(input_height) - 0.5f;
  const float c = std::cos(r.rotation), s = std::sin(r.rotation);
  return {r.cx + (c * x * r.width - s * y * r.height), r.cy + (s * x * r.width + c * y * r.height)};
}

SsdAnchorOptions anchor_options(const nlohmann::json& recipe, const std::string& model, int input_width, int input_height) {
  if (!recipe.contains("anchors") || !recipe["anchors"].is_object())
    throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "' has no \"anchors\" object.");
  const nlohmann::json& a = recipe["anchors"];
  SsdAnchorOptions o;
  o.input_width = input_width, o.input_height = input_height;
  o.strides = field(a, "strides", std::vector<int>{}, model, "anchors");
  if (o.strides.empty() || std::any_of(o.strides.begin(), o.strides.end(), [](int s) { return s <= 0 || s > 4096; }))
    throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': anchors.strides must be a list of positive strides.");
  o.min_scale = field(a, "min_scale", o.min_scale, model, "anchors");
  o.max_scale = field(a, "max_scale", o.max_scale, model, "anchors");
  o.offset_x = field(a, "offset_x", o.offset_x, model, "anchors");
  o.offset_y = field(a, "offset_y", o.offset_y, model, "anchors");
  o.aspect_ratios = field(a, "aspect_ratios", o.aspect_ratios, model, "anchors");
  o.interpolated_scale_aspect_ratio = field(a, "interpolated_scale_aspect_ratio", o.interpolated_scale_aspect_ratio, model, "anchors");
  o.fixed_anchor_size = field(a, "fixed_anchor_size", o.fixed_anchor_size, model, "anchors");
  o.reduce_boxes_in_lowest_layer = field(a, "reduce_boxes_in_lowest_layer", o.reduce_boxes_in_lowest_layer, model, "anchors");
  return o;
}

BoxDecoding box_decoding(const nlohmann::json& recipe, const std::string& model) {
  const nlohmann::json b = recipe.value("boxes", nlohmann::json::object());
  BoxDecoding d;
  d.keypoints = field(b, "keypoints", 0, model, "boxes");
  if (d.keypoints < 0 || d.keypoints > 64) throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': boxes.keypoints is out of range.");
  d.score_first = field(b, "score", std::string("last"), model, "boxes") == "first";
  const float scale = field(b, "scale", 0.f, model, "boxes");
  if (scale > 0) d.x_scale = d.y_scale = d.w_scale = d.h_scale = scale;
  d.score_clip = field(b, "score_clip", d.score_clip, model, "boxes");
  d.min_score = field(b, "min_score", d.min_score, model, "boxes");
  return d;
}

RoiOptions roi_options(const nlohmann::json& recipe, const std::string& model) {
  const nlohmann::json r = recipe.value("roi", nlohmann::json::object());
  RoiOptions o;
  const auto rotation = field(r, "rotation", std::vector<int>{0, 1}, model, "roi");
  o.rotate = rotation.size() == 2;
  if (o.rotate) o.rotation_from = rotation[0], o.rotation_to = rotation[1];
  if (o.rotation_from < 0 || o.rotation_to < 0 || o.rotation_from > 512 || o.rotation_to > 512)
    throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': roi.rotation names keypoints out of range.");
  if (r.contains("rotation_to_mix")) {
    for (const auto& [k, weight] : field(r, "rotation_to_mix", std::vector<std::pair<int, float>>{}, model, "roi"))
      if (k < 0 || k > 512) throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': roi.rotation_to_mix names keypoints out of range.");
      else o.rotation_to_mix.emplace_back(k, weight);
  }
  o.target_angle = field(r, "target_angle", o.target_angle, model, "roi");
  o.rotated_box = field(r, "rotated_box", o.rotated_box, model, "roi");
  const auto scale = field(r, "scale", std::vector<float>{1.5f, 1.5f}, model, "roi");
  const auto shift = field(r, "shift", std::vector<float>{0, 0}, model, "roi");
  if (scale.size() != 2 || shift.size() != 2) throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': roi.scale and roi.shift are [x, y].");
  o.scale_x = scale[0], o.scale_y = scale[1], o.shift_x = shift[0], o.shift_y = shift[1];
  o.square_long = field(r, "square", o.square_long, model, "roi");
  o.from_keypoints = field(r, "from_keypoints", o.from_keypoints, model, "roi");
  return o;
}

}  // namespace easel::vision
