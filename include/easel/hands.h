// HandPose: 21 points on each hand, and which hand it is. ml5's handPose (MediaPipe Hands) in
// C++: a palm detector finds each hand, a landmark model reads its points.
//
//   auto hands = easel::HandPose::create().detect(easel::Image::load("wave.jpg"));
//   for (const easel::Hand& hand : hands)
//     std::printf("%s hand, index finger tip at %.0f,%.0f\n", hand.handedness.c_str(),
//                 hand["index_finger_tip"].x, hand["index_finger_tip"].y);
//
// Models: "handlandmark-full" (default, as ml5's modelType "full"), "handlandmark-lite"
// (faster); both find palms with "handdetect". Like MediaPipe's, the palm detector was trained
// on selfie-camera pictures: it finds hands best in a mirrored picture (a webcam's preview),
// and handedness is named as MediaPipe and ml5 name it.
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

// The 21 hand keypoints, in the order every hand model here returns them (ml5's names).
inline constexpr std::array<const char*, 21> kHandKeypointNames = {
    "wrist",           "thumb_cmc",         "thumb_mcp",         "thumb_ip",          "thumb_tip",        "index_finger_mcp", "index_finger_pip",
    "index_finger_dip", "index_finger_tip", "middle_finger_mcp", "middle_finger_pip", "middle_finger_dip", "middle_finger_tip", "ring_finger_mcp",
    "ring_finger_pip", "ring_finger_dip",   "ring_finger_tip",   "pinky_finger_mcp",  "pinky_finger_pip", "pinky_finger_dip", "pinky_finger_tip"};

// Pairs of keypoint indices to join when drawing a hand.
const std::vector<std::pair<int, int>>& hand_skeleton();

struct Hand {
  BoundingBox box;                 // around the 21 points, pixels
  float confidence = 0;            // 0..1: the landmark model's that a hand is there
  std::string handedness;          // "Left" or "Right"
  float handedness_confidence = 0; // 0.5..1
  std::vector<Keypoint> keypoints;    // 21, kHandKeypointNames order; z relative to the wrist
  std::vector<Keypoint> keypoints3d;  // the same in metres, from the hand's centre
  int id = -1;                        // stable across video frames (track()), else -1

  // A keypoint by name (hand["thumb_tip"]); throws Error(bad_input) for another name.
  const Keypoint& operator[](std::string_view name) const;
};

struct HandPoseOptions {
  std::string model = "handlandmark-full";
  int max_hands = 2;                // ml5's default
  float min_confidence = 0.5f;      // the palm detector's and the landmark model's
  bool flip_horizontal = false;     // mirror the results (and swap Left and Right)
  // track(): each hand's points smoothed from frame to frame (MediaPipe's hand landmark
  // smoothing: a One Euro filter, min_cutoff 0.05 Hz, beta 80, its speed measured in hand
  // sizes). On by default, as MediaPipe's and ml5's handPose.
  bool smooth = true;
  int threads = 0;                  // 0: all cores
};

class HandPose {
 public:
  static HandPose create(const HandPoseOptions& options = {});
  ~HandPose();
  HandPose(HandPose&&) noexcept;
  HandPose& operator=(HandPose&&) noexcept;

  // The hands in one image.
  std::vector<Hand> detect(const Image& image);
  // The next frame of a video: each hand's region follows from its points in the previous
  // frame (the palm detector runs only while fewer than max_hands are held), and ids stay
  // with the hands. timestamp_ms: the frame's time; -1: 1/30 s after the previous frame.
  std::vector<Hand> track(const Image& frame, double timestamp_ms = -1);
  void reset_tracking();

  const HandPoseOptions& options() const;

 private:
  struct Impl;
  explicit HandPose(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
