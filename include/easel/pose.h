// PoseEstimator: where are the people's bodies? ml5's bodyPose / poseNet in C++.
//
//   auto poses = easel::PoseEstimator::create().estimate(easel::Image::load("dance.jpg"));
//   for (const auto& pose : poses)
//     if (const easel::Keypoint& nose = pose["nose"]; nose.confidence > 0.3f)
//       std::printf("nose at %.0f,%.0f\n", nose.x, nose.y);
//
// Models: "movenet-lightning" (default: fast, one person), "movenet-thunder" (one person,
// more accurate), "movenet-multipose" (up to 6 people), "posenet" (PoseNet MobileNet,
// single-pose or, with `multi`, multi-pose decoding as TF.js does it).
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

// Pairs of keypoint indices to join when drawing a skeleton.
const std::vector<std::pair<int, int>>& pose_skeleton();


struct Pose {
  std::vector<Keypoint> keypoints;  // 17, in kPoseKeypointNames order
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
  int max_poses = 5;
  float min_pose_confidence = 0.25f;     // poses below are dropped
  float min_keypoint_confidence = 0.3f;  // keypoints below do not count towards the box
  float nms_radius = 20.f;               // posenet multi-pose: in model input pixels
  bool flip_horizontal = false;          // mirror the results (for a selfie camera)
  // movenet-multipose reads any size: the image's longer side is scaled to this (a multiple
  // of 32; larger finds smaller people, slower). 0: 256, as TF.js's pose-detection.
  int input_size = 0;
  // track(): each person's keypoints smoothed from frame to frame by a One Euro filter
  // (smoothing.h), on coordinates as fractions of the frame, min_cutoff 1 Hz, beta 20,
  // d_cutoff 1 Hz: a still person's jitter falls by four fifths and a move of 40 px is
  // followed within 6 frames (tests/pose_test.cpp). On by default, as in ml5's bodyPose.
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
  // The same for the next frame of a video: each pose gets the id of the pose it continues
  // from the previous call (by keypoint distance), or a new id, and with `smooth` its
  // keypoints smoothed. `timestamp_ms`: the frame's time in the video (for the smoothing);
  // -1: 1/30 s after the previous frame.
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
