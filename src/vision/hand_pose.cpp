#include "easel/hands.h"

#include <algorithm>
#include <optional>

#include "easel/error.h"
#include "vision/landmark_pipeline.h"
#include "vision/tracking.h"

namespace easel {
namespace {

const detail::TaskKind kPalmDetection{"hand-detection", "a palm detector", "Palm detectors", "palm detection", {"ssd"}};
const detail::TaskKind kHandLandmarks{"hand-landmarks", "a hand landmark model", "Hand landmark models", "hand poses", {"landmarks"}};

}  // namespace

const std::vector<std::pair<int, int>>& hand_skeleton() {
  static const std::vector<std::pair<int, int>> edges = {{0, 1},  {1, 2},   {2, 3},   {3, 4},   {0, 5},   {5, 6},   {6, 7},
                                                         {7, 8},  {5, 9},   {9, 10},  {10, 11}, {11, 12}, {9, 13},  {13, 14},
                                                         {14, 15}, {15, 16}, {13, 17}, {0, 17},  {17, 18}, {18, 19}, {19, 20}};
  return edges;
}

const Keypoint& Hand::operator[](std::string_view name) const {
  for (const Keypoint& k : keypoints)
    if (k.name == name) return k;
  std::string known;
  for (const char* n : kHandKeypointNames) known += (known.empty() ? "" : ", ") + std::string(n);
  throw Error(ErrorCode::bad_input, "A hand has no keypoint named '" + std::string(name) + "'.", "Its keypoints: " + known + ".");
}

struct HandPose::Impl {
  HandPoseOptions options;
  std::optional<vision::BlazeDetector> detector;
  std::optional<vision::LandmarkModel> landmarks;
  vision::HeldRegions held;
  vision::BoxTracker tracker;
  vision::KeypointSmoother smoother;

  std::vector<Hand> hands(const Image& image, vision::HeldRegions* keep);
};

HandPose::HandPose(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HandPose::~HandPose() = default;
HandPose::HandPose(HandPose&&) noexcept = default;
HandPose& HandPose::operator=(HandPose&&) noexcept = default;
const HandPoseOptions& HandPose::options() const { return impl_->options; }

void HandPose::reset_tracking() {
  impl_->held.clear();
  impl_->tracker.reset();
  impl_->smoother.reset();
}

HandPose HandPose::create(const HandPoseOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.max_hands < 1) throw Error(ErrorCode::bad_input, "max_hands must be at least 1.");
  const detail::Recipe recipe = detail::load_task_recipe(options.model, kHandLandmarks);
  impl->landmarks.emplace(vision::LandmarkModel::load(recipe, options.threads));
  if (impl->landmarks->points() != static_cast<int>(kHandKeypointNames.size()))
    throw Error(ErrorCode::bad_model, "The hand model '" + options.model + "' reads " + std::to_string(impl->landmarks->points()) +
                                          " points, not the 21 of a hand.");
  const std::string detector = recipe.data.value("detector", std::string());
  if (detector.empty()) throw Error(ErrorCode::bad_model, "The recipe of model '" + options.model + "' names no palm detector.");
  impl->detector.emplace(vision::BlazeDetector::load(detector, kPalmDetection, options.threads));
  impl->smoother = vision::KeypointSmoother(vision::smoothing_settings(recipe.data, options.model));
  return HandPose(std::move(impl));
}

std::vector<Hand> HandPose::Impl::hands(const Image& image, vision::HeldRegions* keep) {
  const bool flip = options.flip_horizontal;
  static const std::vector<std::string> names(kHandKeypointNames.begin(), kHandKeypointNames.end());
  std::vector<Hand> found;
  for (const vision::Landmarks& l : vision::detect_landmarks(image, *detector, *landmarks, options.max_hands, options.min_confidence, keep)) {
    Hand hand;
    hand.confidence = l.flag;
    // MediaPipe's and TF.js's reading: a handedness value of 0.5 or more is "Left".
    const bool left = (l.handedness >= 0.5f) != flip;
    hand.handedness = left ? "Left" : "Right";
    hand.handedness_confidence = std::max(l.handedness, 1 - l.handedness);
    vision::landmark_keypoints(l, names, image, flip, hand.keypoints, &hand.keypoints3d);
    hand.box = vision::box_around(hand.keypoints);
    found.push_back(std::move(hand));
  }
  return found;
}

std::vector<Hand> HandPose::detect(const Image& image) { return impl_->hands(image, nullptr); }

std::vector<Hand> HandPose::track(const Image& frame, double timestamp_ms) {
  Impl& m = *impl_;
  std::vector<Hand> hands = m.hands(frame, &m.held);
  vision::track_frame(hands, m.tracker, m.options.smooth ? &m.smoother : nullptr, frame, timestamp_ms,
                      [](Hand& h) { h.box = vision::box_around(h.keypoints); });
  return hands;
}

}  // namespace easel
