#include "easel/pose.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "easel/error.h"
#include "easel/model.h"
#include "vision/posenet_decoder.h"
#include "vision/preprocess.h"

namespace easel {

const std::vector<std::pair<int, int>>& pose_skeleton() {
  static const std::vector<std::pair<int, int>> edges = {{0, 1}, {0, 2}, {1, 3}, {2, 4}, {5, 6}, {5, 7}, {5, 11}, {6, 8},
                                                         {6, 12}, {7, 9}, {8, 10}, {11, 12}, {11, 13}, {12, 14}, {13, 15}, {14, 16}};
  return edges;
}

const Keypoint* Pose::find(std::string_view name) const {
  for (const Keypoint& k : keypoints)
    if (k.name == name) return &k;
  return nullptr;
}

namespace {

enum class Kind { posenet, movenet_single, movenet_multi };

// Output indices of PoseNet's four heads, found by name.
struct PosenetHeads {
  int heatmap = -1, offsets = -1, fwd = -1, bwd = -1;
};

}  // namespace

struct PoseEstimator::Impl {
  PoseEstimatorOptions options;
  Kind kind = Kind::movenet_single;
  std::optional<Model> model;
  vision::InputSpec input;
  PosenetHeads heads;
  // track()
  std::vector<Pose> previous;
  int next_id = 0;
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
  if (name == "posenet") impl->kind = Kind::posenet;
  else if (name == "movenet-lightning" || name == "movenet-thunder") impl->kind = Kind::movenet_single;
  else if (name == "movenet-multipose") impl->kind = Kind::movenet_multi;
  else
    throw Error(ErrorCode::bad_input, "'" + name + "' is not a pose model easel knows.",
                "Use movenet-lightning (default), movenet-thunder, movenet-multipose or posenet.");
  impl->model.emplace(Model::load(name, {.threads = options.threads}));
  const auto inputs = impl->model->inputs();
  if (inputs.size() != 1 || inputs[0].shape.size() != 4) throw Error(ErrorCode::bad_model, "The pose model '" + name + "' does not take one image.");
  const auto& shape = inputs[0].shape;
  impl->input.height = shape[1] > 0 ? static_cast<int>(shape[1]) : 256;
  impl->input.width = shape[2] > 0 ? static_cast<int>(shape[2]) : 256;
  // Both keep the image's aspect ratio, as TF.js's pose-detection and posenet pad it.
  impl->input.fit = vision::Fit::letterbox;
  if (impl->kind == Kind::posenet) {
    impl->input.range = vision::Range::signed_unit;  // MobileNet PoseNet: pixel / 127.5 - 1
    const auto outputs = impl->model->outputs();
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const std::string& n = outputs[i].name;
      if (n.find("heatmap") != std::string::npos) impl->heads.heatmap = static_cast<int>(i);
      else if (n.find("offset") != std::string::npos) impl->heads.offsets = static_cast<int>(i);
      else if (n.find("displacement_fwd") != std::string::npos) impl->heads.fwd = static_cast<int>(i);
      else if (n.find("displacement_bwd") != std::string::npos) impl->heads.bwd = static_cast<int>(i);
    }
    const PosenetHeads& h = impl->heads;
    if (h.heatmap < 0 || h.offsets < 0 || h.fwd < 0 || h.bwd < 0)
      throw Error(ErrorCode::bad_model, "The PoseNet model lacks one of its heatmap, offset and displacement outputs.");
  } else {
    impl->input.range = vision::Range::bytes;  // MoveNet: int32 pixel values 0..255
    impl->input.int32 = inputs[0].dtype == "int32";
  }
  return PoseEstimator(std::move(impl));
}

namespace {

Keypoint make_keypoint(int index, float x, float y, float score, const Image& image, bool flip) {
  if (flip) x = static_cast<float>(image.width()) - x;
  return {kPoseKeypointNames[static_cast<std::size_t>(index)], x, y, x / static_cast<float>(image.width()), y / static_cast<float>(image.height()),
          score};
}

void fit_box(Pose& pose, float min_score) {
  float x0 = std::numeric_limits<float>::max(), y0 = x0, x1 = -x0, y1 = -x0;
  for (const Keypoint& k : pose.keypoints)
    if (k.score >= min_score) x0 = std::min(x0, k.x), y0 = std::min(y0, k.y), x1 = std::max(x1, k.x), y1 = std::max(y1, k.y);
  pose.box = x1 >= x0 ? BoundingBox{x0, y0, x1 - x0, y1 - y0} : BoundingBox{};
}

}  // namespace

std::vector<Pose> PoseEstimator::estimate(const Image& image) {
  Impl& m = *impl_;
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  if (m.kind == Kind::movenet_multi) {
    // The longer side at input_size, the other rounded up to a multiple of 32.
    const int longer = m.options.input_size > 0 ? (m.options.input_size + 31) / 32 * 32 : 256;
    const double ratio = static_cast<double>(std::min(image.width(), image.height())) / std::max(image.width(), image.height());
    const int shorter = std::max(32, static_cast<int>(std::ceil(longer * ratio / 32.0)) * 32);
    m.input.width = image.width() >= image.height() ? longer : shorter;
    m.input.height = image.width() >= image.height() ? shorter : longer;
  }
  vision::Placement at;
  const Tensor input = vision::to_tensor(image, m.input, &at);
  const std::vector<Tensor> out = m.model->run({input});
  const bool flip = m.options.flip_horizontal;
  std::vector<Pose> poses;
  if (m.kind == Kind::posenet) {
    const Tensor& heatmap = out[static_cast<std::size_t>(m.heads.heatmap)];
    vision::PosenetOutputs raw;
    raw.heatmap = heatmap.data<float>();
    raw.offsets = out[static_cast<std::size_t>(m.heads.offsets)].data<float>();
    raw.displacement_fwd = out[static_cast<std::size_t>(m.heads.fwd)].data<float>();
    raw.displacement_bwd = out[static_cast<std::size_t>(m.heads.bwd)].data<float>();
    raw.height = static_cast<int>(heatmap.dim(1));
    raw.width = static_cast<int>(heatmap.dim(2));
    raw.output_stride = (m.input.height - 1) / std::max(1, raw.height - 1);
    std::vector<vision::PosenetPose> decoded;
    if (m.options.multi) {
      vision::MultiPoseOptions mo;
      mo.max_poses = m.options.max_poses;
      mo.score_threshold = m.options.min_keypoint_score;
      mo.nms_radius = m.options.nms_radius;
      decoded = vision::decode_multiple_poses(raw, mo);
    } else {
      decoded.push_back(vision::decode_single_pose(raw));
    }
    for (const auto& d : decoded) {
      Pose pose;
      pose.score = d.score;
      for (std::size_t k = 0; k < d.keypoints.size(); ++k)
        pose.keypoints.push_back(make_keypoint(static_cast<int>(k), at.image_x(d.keypoints[k].x), at.image_y(d.keypoints[k].y), d.keypoints[k].score, image, flip));
      poses.push_back(std::move(pose));
    }
  } else {
    const Tensor& y = out.at(0);
    const float* v = y.data<float>();
    const float size_x = static_cast<float>(m.input.width), size_y = static_cast<float>(m.input.height);
    if (m.kind == Kind::movenet_single) {
      // [1,1,17,3]: y, x (0..1 of the input), score.
      Pose pose;
      float sum = 0;
      for (int k = 0; k < 17; ++k) {
        pose.keypoints.push_back(make_keypoint(k, at.image_x(v[k * 3 + 1] * size_x), at.image_y(v[k * 3] * size_y), v[k * 3 + 2], image, flip));
        sum += v[k * 3 + 2];
      }
      pose.score = sum / 17;
      poses.push_back(std::move(pose));
    } else {
      // [1,6,56]: 17 x (y, x, score), then the box ymin, xmin, ymax, xmax and its score.
      const std::int64_t people = y.dim(1), stride = y.dim(2);
      for (std::int64_t p = 0; p < people; ++p) {
        const float* r = v + p * stride;
        Pose pose;
        for (int k = 0; k < 17; ++k)
          pose.keypoints.push_back(make_keypoint(k, at.image_x(r[k * 3 + 1] * size_x), at.image_y(r[k * 3] * size_y), r[k * 3 + 2], image, flip));
        pose.score = r[55];
        poses.push_back(std::move(pose));
      }
    }
  }
  std::erase_if(poses, [&](const Pose& p) { return p.score < m.options.min_pose_score; });
  std::stable_sort(poses.begin(), poses.end(), [](const Pose& a, const Pose& b) { return a.score > b.score; });
  if (static_cast<int>(poses.size()) > m.options.max_poses) poses.resize(static_cast<std::size_t>(std::max(0, m.options.max_poses)));
  for (Pose& p : poses) fit_box(p, m.options.min_keypoint_score);
  return poses;
}

void PoseEstimator::reset_tracking() {
  impl_->previous.clear();
  impl_->next_id = 0;
}

std::vector<Pose> PoseEstimator::track(const Image& frame) {
  Impl& m = *impl_;
  std::vector<Pose> poses = estimate(frame);
  const float diagonal = std::hypot(static_cast<float>(frame.width()), static_cast<float>(frame.height()));
  std::vector<bool> taken(m.previous.size(), false);
  for (Pose& pose : poses) {
    // The previous pose whose confident keypoints lie closest, on average.
    int best = -1;
    float best_distance = 0.1f * diagonal;
    for (std::size_t j = 0; j < m.previous.size(); ++j) {
      if (taken[j]) continue;
      float sum = 0;
      int n = 0;
      for (std::size_t k = 0; k < pose.keypoints.size(); ++k) {
        const Keypoint &a = pose.keypoints[k], &b = m.previous[j].keypoints[k];
        if (a.score < m.options.min_keypoint_score || b.score < m.options.min_keypoint_score) continue;
        sum += std::hypot(a.x - b.x, a.y - b.y);
        ++n;
      }
      if (n >= 3 && sum / static_cast<float>(n) < best_distance) best_distance = sum / static_cast<float>(n), best = static_cast<int>(j);
    }
    if (best >= 0) {
      taken[static_cast<std::size_t>(best)] = true;
      pose.id = m.previous[static_cast<std::size_t>(best)].id;
    } else {
      pose.id = m.next_id++;
    }
  }
  m.previous = poses;
  return poses;
}

}  // namespace easel
