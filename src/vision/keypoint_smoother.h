// Keypoints smoothed from frame to frame, one set of One Euro filters per tracked id, with
// the settings a model's recipe gives ("smoothing": {...}) or TF.js pose-detection's MoveNet
// settings. Used by track() of the pose, face and hand tasks.
//
//   "smoothing": {"min_cutoff": 0.05, "beta": 80, "d_cutoff": 1,
//                 "threshold_cutoff": 0, "threshold_beta": 0,
//                 "scale": "frame" | "object"}
//
// "frame": coordinates as fractions of the frame (MoveNet's); "object": pixels, the speed
// divided by the object's size (MediaPipe's landmark smoothing for hands, faces, BlazePose).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/keypoint.h"
#include "easel/smoothing.h"

namespace easel::vision {

struct SmoothingSettings {
  OneEuroOptions filter{.min_cutoff = 2.5, .beta = 300, .d_cutoff = 2.5, .threshold_cutoff = 0.5, .threshold_beta = 5};
  bool object_scale = false;
};

// The recipe's "smoothing" object, or `fallback` when it has none. Throws Error(bad_model).
SmoothingSettings smoothing_settings(const nlohmann::json& recipe, const std::string& model, const SmoothingSettings& fallback = {});

class KeypointSmoother {
 public:
  explicit KeypointSmoother(SmoothingSettings settings = {}) : settings_(settings) {}
  // Smooths one frame: `points[i]` belongs to the thing with ids[i]; x, y (and nx, ny) are
  // rewritten. Ids not in this frame lose their filters.
  void smooth(std::vector<std::vector<Keypoint>*> points, const std::vector<int>& ids, int frame_width, int frame_height, double seconds);
  void reset() { filters_.clear(); }

 private:
  SmoothingSettings settings_;
  std::map<int, std::vector<OneEuroFilter>> filters_;
};

}  // namespace easel::vision
