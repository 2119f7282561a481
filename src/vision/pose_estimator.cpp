#include "easel/pose.h"
#include "easel/smoothing.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "easel/object_detector.h"
#include "models/recipe.h"
#include "vision/landmark_pipeline.h"
#include "vision/tracking.h"
#include "vision/pose_decoders.h"
#include "vision/recipe.h"

namespace easel {

const std::vector<std::pair<int, int>>& pose_skeleton() {
  static const std::vector<std::pair<int, int>> edges = {{0, 1},  {0, 2}, {1, 3},  {2, 4},   {5, 6},   {5, 7},   {5, 11},  {6, 8},
                                                         {6, 12}, {7, 9}, {8, 10}, {11, 12}, {11, 13}, {12, 14}, {13, 15}, {14, 16}};
  return edges;
}

const std::vector<std::pair<int, int>>& pose_skeleton(std::size_t keypoints) {
  // BlazePose's: the face's outline, arms to the hands' three points, legs to heel and toes.
  static const std::vector<std::pair<int, int>> blazepose = {
      {0, 1},   {1, 2},   {2, 3},   {3, 7},   {0, 4},   {4, 5},   {5, 6},   {6, 8},   {9, 10},  {11, 12}, {11, 13},
      {13, 15}, {15, 17}, {15, 19}, {15, 21}, {17, 19}, {12, 14}, {14, 16}, {16, 18}, {16, 20}, {16, 22}, {18, 20},
      {11, 23}, {12, 24}, {23, 24}, {23, 25}, {24, 26}, {25, 27}, {26, 28}, {27, 29}, {28, 30}, {29, 31}, {30, 32}, {27, 31}, {28, 32}};
  return keypoints == kBlazePoseKeypointNames.size() ? blazepose : pose_skeleton();
}

const Keypoint* Pose::find(std::string_view name) const {
  for (const Keypoint& k : keypoints)
    if (k.name == name) return &k;
  return nullptr;
}

const Keypoint& Pose::operator[](std::string_view name) const {
  if (const Keypoint* k = find(name)) return *k;
  std::string known;
  for (const Keypoint& k : keypoints) known += (known.empty() ? "" : ", ") + k.name;
  throw Error(ErrorCode::bad_input, "A pose has no keypoint named '" + std::string(name) + "'.", "Its keypoints: " + known + ".");
}

struct PoseEstimator::Impl {
  PoseEstimatorOptions options;
  std::optional<Model> model;
  detail::Recipe recipe;
  vision::InputSpec input;
  const vision::PoseDecoder* decoder = nullptr;
  int longer_side = 0, multiple_of = 0;  // an input sized per image (MoveNet multipose)
  // Top-down: the people's boxes first.
  std::optional<ObjectDetector> people;
  std::vector<Pose> top_down(const Image& image);
  // The model alone on the whole picture; `flip`: mirror its results.
  std::vector<Pose> one_model(const Image& image, bool flip);
  // A two-stage model (BlazePose): its person detector and landmark model.
  std::optional<vision::BlazeDetector> detector;
  std::optional<vision::LandmarkModel> landmarks;
  std::vector<std::string> keypoint_names;
  vision::HeldRegions held;
  std::vector<Pose> two_stage(const Image& image, vision::HeldRegions* keep);
  // track()
  vision::BoxTracker tracker;
  vision::KeypointSmoother smoother;
};

PoseEstimator::PoseEstimator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PoseEstimator::~PoseEstimator() = default;
PoseEstimator::PoseEstimator(PoseEstimator&&) noexcept = default;
PoseEstimator& PoseEstimator::operator=(PoseEstimator&&) noexcept = default;
const PoseEstimatorOptions& PoseEstimator::options() const { return impl_->options; }

PoseEstimator PoseEstimator::create(const PoseEstimatorOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  const std::string& name = options.model;
  auto decoders = vision::pose_decoder_names();
  decoders.push_back("landmarks");
  impl->recipe = detail::load_task_recipe(name, {"pose", "a pose model", "Pose models", "pose estimation", decoders});
  // TF.js pose-detection's MoveNet settings, or the recipe's (BlazePose: MediaPipe's).
  impl->smoother = vision::KeypointSmoother(vision::smoothing_settings(impl->recipe.data, name));
  const std::string& kind = impl->recipe.decoder;
  if (!options.person_detector.empty() && (kind == "movenet-single" || (kind == "posenet" && !options.multi))) {
    impl->people.emplace(ObjectDetector::create({.model = options.person_detector,
                                                 .min_confidence = options.min_person_confidence,
                                                 .max_detections = std::max(1, options.max_poses),
                                                 .threads = options.threads}));
    const auto& labels = impl->people->labels();
    if (std::find(labels.begin(), labels.end(), "person") == labels.end())
      throw Error(ErrorCode::bad_input, "The detector '" + options.person_detector + "' does not find people (it has no 'person' label).");
  }
  if (impl->recipe.decoder == "landmarks") {
    impl->landmarks.emplace(vision::LandmarkModel::load(impl->recipe, options.threads));
    const std::string detector = impl->recipe.data.value("detector", std::string());
    impl->detector.emplace(vision::BlazeDetector::load(
        detector, {"pose-detection", "a person detector", "Person detectors", "person detection", {"ssd"}}, options.threads));
    impl->keypoint_names = impl->recipe.data.value("keypoints", std::vector<std::string>{});
    if (impl->keypoint_names.empty() || static_cast<int>(impl->keypoint_names.size()) > impl->landmarks->points())
      throw Error(ErrorCode::bad_model, "The recipe of model '" + name + "' names no keypoints, or more than the model reads.");
    return PoseEstimator(std::move(impl));
  }
  impl->decoder = vision::find_pose_decoder(impl->recipe.decoder);
  impl->model.emplace(Model::load(impl->recipe.file.string(), {.threads = options.threads}));
  const auto inputs = impl->model->inputs();
  if (inputs.size() != 1) throw Error(ErrorCode::bad_model, "The pose model '" + name + "' does not take one image.");
  nlohmann::json& input = impl->recipe.data["input"];
  if (!input.contains("size")) input["size"] = {256, 256};  // for a model whose input size is free
  impl->input = vision::input_spec(impl->recipe, inputs[0]);
  impl->longer_side = impl->recipe.data.value("longer_side", 0);
  impl->multiple_of = std::max(1, impl->recipe.data.value("multiple_of", 1));
  impl->decoder->check(*impl->model, name);
  return PoseEstimator(std::move(impl));
}

namespace {

void fit_box(Pose& pose, float min_confidence) {
  float x0 = std::numeric_limits<float>::max(), y0 = x0, x1 = -x0, y1 = -x0;
  for (const Keypoint& k : pose.keypoints)
    if (k.confidence >= min_confidence) x0 = std::min(x0, k.x), y0 = std::min(y0, k.y), x1 = std::max(x1, k.x), y1 = std::max(y1, k.y);
  pose.box = x1 >= x0 ? BoundingBox{x0, y0, x1 - x0, y1 - y0} : BoundingBox{};
}

}  // namespace

std::vector<Pose> PoseEstimator::Impl::two_stage(const Image& image, vision::HeldRegions* keep) {
  const bool flip = options.flip_horizontal;
  std::vector<Pose> poses;
  for (const vision::Landmarks& l : vision::detect_landmarks(image, *detector, *landmarks, std::max(1, options.max_poses),
                                                             std::min(options.min_pose_confidence, 0.5f), keep)) {
    Pose pose;
    pose.confidence = l.flag;
    vision::landmark_keypoints(l, keypoint_names, image, flip, pose.keypoints, &pose.keypoints3d);
    if (pose.confidence >= options.min_pose_confidence) poses.push_back(std::move(pose));
  }
  for (Pose& p : poses) fit_box(p, options.min_keypoint_confidence);
  return poses;
}

std::vector<Pose> PoseEstimator::estimate(const Image& image) {
  Impl& m = *impl_;
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  if (m.people) return m.top_down(image);
  return m.one_model(image, m.options.flip_horizontal);
}

// Each person's box grown by a quarter (the pose model wants some room around the body),
// cut out (black beyond the image) and read by the single-person model; the best pose of
// each box, back in the image's pixels.
std::vector<Pose> PoseEstimator::Impl::top_down(const Image& image) {
  std::vector<Pose> poses;
  const bool flip = options.flip_horizontal;
  for (const Detection& d : people->detect(image)) {
    if (d.label != "person") continue;
    // A square around the box, its longer side grown by a quarter (MediaPipe's square_long
    // and scale; MoveNet's own crops are square too).
    const float w = std::max(d.box.width, d.box.height) * 1.25f, h = w;
    const int x0 = static_cast<int>(std::floor(d.box.center_x() - w / 2)), y0 = static_cast<int>(std::floor(d.box.center_y() - h / 2));
    const int cw = std::max(1, static_cast<int>(std::ceil(w))), ch = std::max(1, static_cast<int>(std::ceil(h)));
    Image crop(cw, ch);
    for (int y = 0; y < ch; ++y) {
      const int sy = y0 + y;
      if (sy < 0 || sy >= image.height()) continue;
      const int from = std::max(0, -x0), to = std::min(cw, image.width() - x0);
      if (to > from) std::copy_n(image.pixel(x0 + from, sy), 3 * (to - from), crop.data() + (static_cast<std::size_t>(y) * cw + from) * 3);
    }
    std::vector<Pose> found = one_model(crop, false);
    if (found.empty()) continue;
    Pose p = std::move(found.front());
    for (Keypoint& k : p.keypoints) {
      // The crop's pixels back to the image's (mirrored across it when flipping).
      const float x = k.x + static_cast<float>(x0);
      k.x = flip ? static_cast<float>(image.width()) - x : x;
      k.y += static_cast<float>(y0);
      k.nx = k.x / static_cast<float>(image.width()), k.ny = k.y / static_cast<float>(image.height());
      // A point the model placed beyond the picture (in the crop's black margin) is not seen.
      if (k.x < 0 || k.y < 0 || k.x > static_cast<float>(image.width()) || k.y > static_cast<float>(image.height())) k.confidence = 0;
    }
    fit_box(p, options.min_keypoint_confidence);
    poses.push_back(std::move(p));
  }
  std::stable_sort(poses.begin(), poses.end(), [](const Pose& a, const Pose& b) { return a.confidence > b.confidence; });
  return poses;
}

std::vector<Pose> PoseEstimator::Impl::one_model(const Image& image, bool flip) {
  Impl& m = *this;
  if (m.landmarks) return m.two_stage(image, nullptr);
  if (m.longer_side > 0) {
    // An input sized per image: the longer side at input_size (or the recipe's), the other
    // rounded up to a multiple (as TF.js's pose-detection sizes MoveNet multipose).
    const int k = m.multiple_of;
    const int longer = m.options.input_size > 0 ? (m.options.input_size + k - 1) / k * k : m.longer_side;
    const double ratio = static_cast<double>(std::min(image.width(), image.height())) / std::max(image.width(), image.height());
    const int shorter = std::max(k, static_cast<int>(std::ceil(longer * ratio / k)) * k);
    m.input.width = image.width() >= image.height() ? longer : shorter;
    m.input.height = image.width() >= image.height() ? shorter : longer;
  }
  vision::Placement at;
  const Tensor input = vision::to_tensor(image, m.input, &at);
  const std::vector<Tensor> out = m.model->run({input});
  const vision::PoseContext context{*m.model, m.recipe, m.input, m.options};
  std::vector<Pose> poses;
  for (const vision::PosenetPose& d : m.decoder->decode(out, context)) {
    Pose pose;
    pose.confidence = d.score;
    for (std::size_t k = 0; k < d.keypoints.size() && k < kPoseKeypointNames.size(); ++k)
      pose.keypoints.push_back(vision::image_keypoint(kPoseKeypointNames[k], at.image_x(d.keypoints[k].x), at.image_y(d.keypoints[k].y), 0,
                                             d.keypoints[k].score, image, flip));
    poses.push_back(std::move(pose));
  }
  std::erase_if(poses, [&](const Pose& p) { return p.confidence < m.options.min_pose_confidence; });
  std::stable_sort(poses.begin(), poses.end(), [](const Pose& a, const Pose& b) { return a.confidence > b.confidence; });
  if (static_cast<int>(poses.size()) > m.options.max_poses) poses.resize(static_cast<std::size_t>(std::max(0, m.options.max_poses)));
  for (Pose& p : poses) fit_box(p, m.options.min_keypoint_confidence);
  return poses;
}

void PoseEstimator::reset_tracking() {
  impl_->tracker.reset();
  impl_->held.clear();
  impl_->smoother.reset();
}

std::vector<Pose> PoseEstimator::track(const Image& frame, double timestamp_ms) {
  Impl& m = *impl_;
  if (frame.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  std::vector<Pose> poses = m.landmarks && !m.people ? m.two_stage(frame, &m.held) : estimate(frame);
  // Ids by box overlap with the people of the last second (TF.js pose-detection's
  // BoundingBoxTracker and its defaults; overlaps are the same in pixels as in its fractions
  // of the frame).
  vision::track_frame(poses, m.tracker, m.options.smooth ? &m.smoother : nullptr, frame, timestamp_ms,
                      [&](Pose& p) { fit_box(p, m.options.min_keypoint_confidence); });
  return poses;
}

}  // namespace easel
