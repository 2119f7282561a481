// MediaPipe's two stages, shared by FaceMesh, HandPose and BlazePose: a BlazeDetector finds
// each face, palm or body and its region of interest; a LandmarkModel reads the points inside
// that region, turned upright; in a video the points give the next frame's region, so the
// detector runs only when something new may have come in. Both read everything from their
// models' recipes (blaze.h for the detector's fields):
//
//   detector:  "decoder": "ssd", "anchors": {...}, "boxes": {...}, "iou": 0.3, "keypoints": [names]
//   landmarks: "decoder": "landmarks", "detector": MODEL, "roi": {...} (detection -> region),
//              "landmarks": {"output": NAME, "points": N, "values": 3 | 5},
//              "flag": {"output": NAME, "sigmoid": true, "min": 0.5},
//              "handedness": {"output": NAME}, "world": {"output": NAME},
//              "tracking": {...roi fields, "points": [indices]} (landmarks -> next region),
//              "heatmap": {"output": NAME, "kernel": 7, "min": 0.5} (points refined from it),
//              "border": "zero" | "replicate"
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "easel/image.h"
#include "easel/keypoint.h"
#include "easel/model.h"
#include "models/recipe.h"
#include "vision/blaze.h"
#include "vision/preprocess.h"

namespace easel::vision {

class BlazeDetector {
 public:
  // The store model `name` (task `task`), its recipe's "decoder" must be "ssd".
  static BlazeDetector load(const std::string& name, const detail::TaskKind& task, int threads);

  // Boxes and keypoints in image pixels, most confident first, overlaps suppressed.
  std::vector<BlazeDetection> detect(const Image& image, int max_results, float min_score);

  const detail::Recipe& recipe() const { return recipe_; }
  const std::vector<std::string>& keypoint_names() const { return keypoint_names_; }
  const Model& model() const { return *model_; }

 private:
  detail::Recipe recipe_;
  std::optional<Model> model_;
  InputSpec input_;
  std::vector<SsdAnchor> anchors_;
  BoxDecoding decoding_;
  int output_ = 0;
  float iou_ = 0.3f;
  std::vector<std::string> keypoint_names_;
};

struct Landmarks {
  std::vector<float> xyz;         // x, y, z per point, image pixels (z on x's scale)
  std::vector<float> visibility;  // per point, 0..1 (BlazePose), else empty
  float flag = 1;                 // 0..1: is the thing there
  float handedness = -1;          // 0..1 (right hand in a mirrored picture), -1 when none
  std::vector<float> world;       // x, y, z per point in metres (BlazePose, hands), else empty
  RotatedRect roi;                // where the points were read
};

class LandmarkModel {
 public:
  static LandmarkModel load(const detail::Recipe& recipe, int threads);

  // The points inside `roi` (image pixels).
  Landmarks read(const Image& image, const RotatedRect& roi);
  // The region of the next frame from these points.
  RotatedRect next_roi(const Landmarks& landmarks) const;

  int points() const { return points_; }
  float min_flag() const { return min_flag_; }
  const detail::Recipe& recipe() const { return recipe_; }
  const RoiOptions& roi() const { return roi_; }

 private:
  detail::Recipe recipe_;
  std::optional<Model> model_;
  InputSpec input_;
  int points_ = 0, values_ = 3;
  float z_scale_ = 1;
  int heatmap_out_ = -1, heatmap_kernel_ = 7;  // BlazePose: points refined from its heatmap
  float heatmap_min_ = 0.5f;  // the model's z in input pixels times this (hands: 1 / 0.4)
  int landmarks_out_ = -1, flag_out_ = -1, handedness_out_ = -1, world_out_ = -1;
  bool flag_sigmoid_ = true, replicate_border_ = false;
  float min_flag_ = 0.5f;
  RoiOptions roi_, tracking_;
  std::vector<int> tracking_points_;
};

// Regions held from frame to frame (MediaPipe's tracking): the landmark model runs on each
// previous region; the detector runs only when fewer than `max` are held, and its regions are
// added where they do not overlap a held one.
struct HeldRegions {
  std::vector<RotatedRect> regions;
  void clear() { regions.clear(); }
};

// One frame of the two stages. `held` (may be null for a single image) is read and updated.
std::vector<Landmarks> detect_landmarks(const Image& image, BlazeDetector& detector, LandmarkModel& landmarks, int max_results,
                                        float min_score, HeldRegions* held);

// A named point at (x, y) of the image (mirrored across it with `flip`), with nx, ny.
Keypoint image_keypoint(std::string name, float x, float y, float z, float confidence, const Image& image, bool flip);

// Landmarks as the tasks give them: the first names.size() points as named keypoints in the
// image (confidence: the point's visibility where the model gives one, else 1) and, where
// the model gives world points, the same as 3-D keypoints in metres (mirrored with `flip`).
void landmark_keypoints(const Landmarks& landmarks, const std::vector<std::string>& names, const Image& image, bool flip,
                        std::vector<Keypoint>& keypoints, std::vector<Keypoint>* keypoints3d);

// The index of the model's output called `name`; throws Error(bad_model) naming both.
int output_index(const Model& model, const std::string& name, const std::string& model_name);

}  // namespace easel::vision
