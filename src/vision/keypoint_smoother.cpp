#include "vision/keypoint_smoother.h"

#include <algorithm>

#include "easel/error.h"

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
      float x0 = list[0].x, x1 = x0, y0 = list[0].y, y1 = y0;
      for (const Keypoint& k : list) x0 = std::min(x0, k.x), x1 = std::max(x1, k.x), y0 = std::min(y0, k.y), y1 = std::max(y1, k.y);
      const double size = ((x1 - x0) + (y1 - y0)) / 2.0;
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

}  // namespace easel::vision
