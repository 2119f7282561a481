// PoseEstimator: where are the people's bodies? ml5's bodyPose / poseNet in C++.
//
//   auto poses = easel::PoseEstimator::create().estimate(easel::Image::load("dance.jpg"));
//   for (const auto& pose : poses)
//     if (const easel::Keypoint& nose = pose["nose"]; nose.confidence > 0.3f)
//       std::printf("nose at %.0f,%.0f\n", nose.x, nose.y);
//
// Models: "movenet-lightning" (default: fast; several people, each found by the person
// detector first: see person_detector), "movenet-thunder" (more accurate), "movenet-multipose"
// (up to 6 people in one pass), "posenet" (PoseNet MobileNet,
// single-pose or, with `multi`, multi-pose decoding as TF.js does it), "blazepose-lite",
// "blazepose-full", "blazepose-heavy" (33 keypoints with depth and 3-D points, one person:
// a person detector, then the landmark model on the person turned upright).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "easel/bounding_box.h"
#include "easel/image.h"
#include "easel/keypoint.h"

namespace easel {

// The 17 COCO keypoints, in the order every model here returns them.
inline constexpr std::array<const char*, 17> kPoseKeypointNames = {
    "nose",       "left_eye",    "right_eye", "left_ear",  "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip",  "right_hip", "left_knee", "right_knee",    "left_ankle",     "right_ankle"};

// The 33 BlazePose keypoints (ml5's bodyPose with BlazePose), in the model's order.
inline constexpr std::array<const char*, 33> kBlazePoseKeypointNames = {
    "nose",        "left_eye_inner", "left_eye",       "left_eye_outer", "right_eye_inner", "right_eye",  "right_eye_outer",
    "left_ear",    "right_ear",      "mouth_left",     "mouth_right",    "left_shoulder",   "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist",     "right_wrist",    "left_pinky",     "right_pinky",     "left_index", "right_index",
    "left_thumb",  "right_thumb",    "left_hip",       "right_hip",      "left_knee",       "right_knee", "left_ankle",
    "right_ankle", "left_heel",      "right_heel",     "left_foot_index", "right_foot_index"};

// Pairs of keypoint indices to join when drawing a skeleton of 17 (COCO) keypoints, or of
// `keypoints` (33: BlazePose's).
const std::vector<std::pair<int, int>>& pose_skeleton();
const std::vector<std::pair<int, int>>& pose_skeleton(std::size_t keypoints);


struct Pose {
  std::vector<Keypoint> keypoints;  // 17 in kPoseKeypointNames order; BlazePose: 33, kBlazePoseKeypointNames
  // BlazePose: the same points in metres, from the middle of the hips (ml5's keypoints3D).
  std::vector<Keypoint> keypoints3d;
  float confidence = 0;             // the pose's, 0..1
  BoundingBox box;                  // around the keypoints above min_keypoint_confidence
  int id = -1;                      // stable across video frames (track()), else -1

  // A keypoint by name, as ml5's pose.nose: pose["nose"]. Throws Error(bad_input) for a
  // name that is not one of kPoseKeypointNames.
  const Keypoint& operator[](std::string_view name) const;
  // The same, or nullptr.
  const Keypoint* find(std::string_view name) const;
};

struct PoseEstimatorOptions {
  std::string model = "movenet-lightning";
  bool multi = false;  // posenet: multi-pose decoding (movenet-multipose is always multi)
  int max_poses = 6;  // as ml5's bodyPose; BlazePose: 1 by its detector's design (TF.js's too)
  float min_pose_confidence = 0.25f;     // poses below are dropped
  float min_keypoint_confidence = 0.3f;  // keypoints below do not count towards the box
  float nms_radius = 20.f;               // posenet multi-pose: in model input pixels
  bool flip_horizontal = false;          // mirror the results (for a selfie camera)
  // Several people, as ml5's bodyPose finds them: an object detector's model finds the
  // people first, and a single-person `model` (movenet-lightning, movenet-thunder, posenet
  // without `multi`) reads each one in their box grown by a quarter, as MediaPipe works. Over
  // all of vtest.avi this finds 85% of YOLOX's people a frame, where movenet-multipose finds
  // 9% at its 256 pixels and 64% at 512, at the cost of multipose at 512
  // (bench/results/people.json). Empty: the single-person model alone, on the whole
  // picture (one person). Multi-person models and BlazePose use their own way.
  std::string person_detector = "yolo";
  float min_person_confidence = 0.4f;  // top-down: the detector's person boxes from this
  // movenet-multipose reads any size: the image's longer side is scaled to this (a multiple
  // of 32; larger finds smaller people, slower). 0: 256, as TF.js's pose-detection.
  int input_size = 0;
  // track(): each person's keypoints smoothed from frame to frame by a One Euro filter
  // (smoothing.h) with TF.js pose-detection's settings for MoveNet (on coordinates as
  // fractions of the frame: min_cutoff 2.5 Hz, beta 300, d_cutoff 2.5 Hz, jumps capped from
  // 0.5 + 5 x speed), checked against its own filter (tests/pose_test.cpp). On by default, as
  // in ml5's bodyPose.
  bool smooth = true;
  int threads = 0;  // 0: all cores
};

class PoseEstimator {
 public:
  static PoseEstimator create(const PoseEstimatorOptions& options = {});
  ~PoseEstimator();
  PoseEstimator(PoseEstimator&&) noexcept;
  PoseEstimator& operator=(PoseEstimator&&) noexcept;

  // The poses in one image, most confident first.
  std::vector<Pose> estimate(const Image& image);
  // The same for the next frame of a video: each pose gets the id of the person whose box it
  // overlaps most among those seen in the last second (TF.js pose-detection's bounding-box
  // tracker: a person missed for a few frames keeps their id), or a new id; with `smooth`
  // its keypoints are smoothed. BlazePose carries each person's region from frame to frame.
  // `timestamp_ms`: the frame's time in the video; -1: 1/30 s after the previous frame.
  std::vector<Pose> track(const Image& frame, double timestamp_ms = -1);
  // Forgets the people track() has seen: the next video starts with new ids from 0.
  void reset_tracking();

  const PoseEstimatorOptions& options() const;

 private:
  struct Impl;
  explicit PoseEstimator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
