// What track() does after finding a frame's poses, faces or hands (track_frame): ids from a
// box tracker, then keypoints smoothed from frame to frame, one set of One Euro filters per
// id, with the settings a model's recipe gives ("smoothing": {...}) or TF.js
// pose-detection's MoveNet settings.
//
//   "smoothing": {"min_cutoff": 0.05, "beta": 80, "d_cutoff": 1,
//                 "threshold_cutoff": 0, "threshold_beta": 0,
//                 "scale": "frame" | "object"}
//
// "frame": coordinates as fractions of the frame (MoveNet's); "object": pixels, the speed
// divided by the object's size (MediaPipe's landmark smoothing for hands, faces, BlazePose).
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/bounding_box.h"
#include "easel/image.h"
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

// Box tracking for ids across frames (TF.js pose-detection's BoundingBoxTracker): each new box
// takes the id of the unclaimed track it overlaps most (IoU at least min_similarity); a track
// not seen for max_age_ms is dropped; at most max_tracks are kept, the most recent.
class BoxTracker {
 public:
  struct Settings {
    int max_tracks = 18;
    double max_age_ms = 1000;
    float min_similarity = 0.15f;
  };
  BoxTracker() = default;
  explicit BoxTracker(Settings settings) : settings_(settings) {}
  // One id per box of the next frame, in order. timestamp_ms: the frame's time; negative:
  // 1/30 s after the previous frame.
  std::vector<int> assign(const std::vector<BoundingBox>& boxes, double timestamp_ms);
  // The time assign() gave the last frame, in ms.
  double last_ms() const { return last_ms_; }
  void reset();

 private:
  struct Track {
    int id;
    BoundingBox box;
    double last_ms;
  };
  Settings settings_;
  std::vector<Track> tracks_;
  int next_id_ = 0;
  double last_ms_ = -1;
};

// The box around points (pixels).
BoundingBox box_around(const std::vector<Keypoint>& points);

// After a frame's things (Pose, Face, Hand: each with box, id and keypoints) are found: their
// ids from `tracker`, then, with a smoother, their keypoints smoothed and `refit(thing)` to
// fit each box again.
template <class Thing, class Refit>
void track_frame(std::vector<Thing>& things, BoxTracker& tracker, KeypointSmoother* smoother, const Image& frame, double timestamp_ms,
                 Refit refit) {
  std::vector<BoundingBox> boxes;
  for (const Thing& t : things) boxes.push_back(t.box);
  const std::vector<int> ids = tracker.assign(boxes, timestamp_ms);
  for (std::size_t i = 0; i < things.size(); ++i) things[i].id = ids[i];
  if (!smoother) return;
  std::vector<std::vector<Keypoint>*> points;
  for (Thing& t : things) points.push_back(&t.keypoints);
  smoother->smooth(points, ids, frame.width(), frame.height(), tracker.last_ms() / 1000);
  for (Thing& t : things) refit(t);
}

}  // namespace easel::vision
