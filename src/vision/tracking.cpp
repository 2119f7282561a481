#include "vision/tracking.h"

#include <algorithm>

#include "easel/error.h"
#include "easel/object_detector.h"

namespace easel::vision {

SmoothingSettings smoothing_settings(const nlohmann::json& recipe, const std::string& model, const SmoothingSettings& fallback) {
  if (!recipe.contains("smoothing")) return fallback;
  const nlohmann::json& s = recipe["smoothing"];
  try {
    SmoothingSettings out;
    out.filter.min_cutoff = s.value("min_cutoff", 1.0);
    out.filter.beta = s.value("beta", 0.0);
    out.filter.d_cutoff = s.value("d_cutoff", 1.0);
    out.filter.threshold_cutoff = s.value("threshold_cutoff", 0.0);
    out.filter.threshold_beta = s.value("threshold_beta", 0.0);
    const std::string scale = s.value("scale", std::string("frame"));
    if (scale != "frame" && scale != "object") throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': smoothing.scale is frame or object.");
    out.object_scale = scale == "object";
    if (!(out.filter.min_cutoff > 0) || !(out.filter.d_cutoff > 0) || out.filter.beta < 0)
      throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': smoothing needs positive cutoffs and a beta of 0 or more.");
    return out;
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorCode::bad_model, "The recipe of model '" + model + "': smoothing has a field of the wrong type.");
  }
}

void KeypointSmoother::smooth(std::vector<std::vector<Keypoint>*> points, const std::vector<int>& ids, int frame_width, int frame_height,
                              double seconds) {
  std::map<int, std::vector<OneEuroFilter>> kept;
  const float W = static_cast<float>(frame_width), H = static_cast<float>(frame_height);
  for (std::size_t i = 0; i < points.size() && i < ids.size(); ++i) {
    std::vector<Keypoint>& list = *points[i];
    auto it = filters_.find(ids[i]);
    std::vector<OneEuroFilter> f = it != filters_.end() && it->second.size() == 2 * list.size()
                                       ? std::move(it->second)
                                       : std::vector<OneEuroFilter>(2 * list.size(), OneEuroFilter(settings_.filter));
    double scale = 1;
    if (settings_.object_scale && !list.empty()) {
      // The object's size: the mean of its box's sides, in pixels.
      const BoundingBox box = box_around(list);
      const double size = (box.width + box.height) / 2.0;
      scale = size > 1e-3 ? 1.0 / size : 1.0;
    }
    for (std::size_t k = 0; k < list.size(); ++k) {
      Keypoint& p = list[k];
      if (settings_.object_scale) {
        p.x = f[2 * k].filter(p.x, seconds, scale);
        p.y = f[2 * k + 1].filter(p.y, seconds, scale);
      } else {
        p.x = f[2 * k].filter(p.x / W, seconds) * W;
        p.y = f[2 * k + 1].filter(p.y / H, seconds) * H;
      }
      p.nx = p.x / W, p.ny = p.y / H;
    }
    kept[ids[i]] = std::move(f);
  }
  filters_ = std::move(kept);
}

BoundingBox box_around(const std::vector<Keypoint>& points) {
  if (points.empty()) return {};
  float x0 = points[0].x, x1 = x0, y0 = points[0].y, y1 = y0;
  for (const Keypoint& k : points) x0 = std::min(x0, k.x), x1 = std::max(x1, k.x), y0 = std::min(y0, k.y), y1 = std::max(y1, k.y);
  return {x0, y0, x1 - x0, y1 - y0};
}

std::vector<int> BoxTracker::assign(const std::vector<BoundingBox>& boxes, double timestamp_ms) {
  const double t = last_ms_ = timestamp_ms >= 0 ? timestamp_ms : (last_ms_ < 0 ? 0 : last_ms_ + 1000.0 / 30);
  std::erase_if(tracks_, [&](const Track& k) { return t - k.last_ms > settings_.max_age_ms; });
  std::vector<int> ids(boxes.size(), -1);
  std::vector<bool> claimed(tracks_.size(), false);
  std::vector<Track> added;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    int best = -1;
    float best_similarity = settings_.min_similarity;
    for (std::size_t j = 0; j < tracks_.size(); ++j) {
      if (claimed[j]) continue;
      const float s = intersection_over_union(boxes[i], tracks_[j].box);
      if (s >= best_similarity) best_similarity = s, best = static_cast<int>(j);
    }
    if (best >= 0) {
      Track& k = tracks_[static_cast<std::size_t>(best)];
      claimed[static_cast<std::size_t>(best)] = true;
      k.box = boxes[i], k.last_ms = t;
      ids[i] = k.id;
    } else {
      ids[i] = next_id_++;
      added.push_back({ids[i], boxes[i], t});
    }
  }
  tracks_.insert(tracks_.end(), added.begin(), added.end());
  std::stable_sort(tracks_.begin(), tracks_.end(), [](const Track& a, const Track& b) { return a.last_ms > b.last_ms; });
  if (static_cast<int>(tracks_.size()) > settings_.max_tracks) tracks_.resize(static_cast<std::size_t>(std::max(0, settings_.max_tracks)));
  return ids;
}

void BoxTracker::reset() {
  tracks_.clear();
  next_id_ = 0;
  last_ms_ = -1;
}

}  // namespace easel::vision
