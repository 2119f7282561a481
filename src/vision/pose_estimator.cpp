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
#include "models/recipe.h"
#include "vision/pose_decoders.h"
#include "vision/recipe.h"

namespace easel {

const std::vector<std::pair<int, int>>& pose_skeleton() {
  static const std::vector<std::pair<int, int>> edges = {{0, 1},  {0, 2}, {1, 3},  {2, 4},   {5, 6},   {5, 7},   {5, 11},  {6, 8},
                                                         {6, 12}, {7, 9}, {8, 10}, {11, 12}, {11, 13}, {12, 14}, {13, 15}, {14, 16}};
  return edges;
}

const Keypoint* Pose::find(std::string_view name) const {
  for (const Keypoint& k : keypoints)
    if (k.name == name) return &k;
  return nullptr;
}

const Keypoint& Pose::operator[](std::string_view name) const {
  if (const Keypoint* k = find(name)) return *k;
  std::string known;
  for (const char* n : kPoseKeypointNames) known += (known.empty() ? "" : ", ") + std::string(n);
  throw Error(ErrorCode::bad_input, "A pose has no keypoint named '" + std::string(name) + "'.", "Its keypoints: " + known + ".");
}

struct PoseEstimator::Impl {
  PoseEstimatorOptions options;
  std::optional<Model> model;
  detail::Recipe recipe;
  vision::InputSpec input;
  const vision::PoseDecoder* decoder = nullptr;
  int longer_side = 0, multiple_of = 0;  // an input sized per image (MoveNet multipose)
  // track()
  std::vector<Pose> previous;
  int next_id = 0;
  double last_time_ms = -1;
  std::map<int, std::vector<OneEuroFilter>> filters;  // per person id: x and y of each keypoint
  void smooth(std::vector<Pose>& poses, const Image& frame, double timestamp_ms);
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
  impl->recipe = detail::load_task_recipe(name, {"pose", "a pose model", "Pose models", "pose estimation", vision::pose_decoder_names()});
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

Keypoint make_keypoint(int index, float x, float y, float confidence, const Image& image, bool flip) {
  if (flip) x = static_cast<float>(image.width()) - x;
  return {kPoseKeypointNames[static_cast<std::size_t>(index)],
          x,
          y,
          x / static_cast<float>(image.width()),
          y / static_cast<float>(image.height()),
          confidence};
}

void fit_box(Pose& pose, float min_confidence) {
  float x0 = std::numeric_limits<float>::max(), y0 = x0, x1 = -x0, y1 = -x0;
  for (const Keypoint& k : pose.keypoints)
    if (k.confidence >= min_confidence) x0 = std::min(x0, k.x), y0 = std::min(y0, k.y), x1 = std::max(x1, k.x), y1 = std::max(y1, k.y);
  pose.box = x1 >= x0 ? BoundingBox{x0, y0, x1 - x0, y1 - y0} : BoundingBox{};
}

}  // namespace

std::vector<Pose> PoseEstimator::estimate(const Image& image) {
  Impl& m = *impl_;
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
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
  const bool flip = m.options.flip_horizontal;
  std::vector<Pose> poses;
  for (const vision::PosenetPose& d : m.decoder->decode(out, context)) {
    Pose pose;
    pose.confidence = d.score;
    for (std::size_t k = 0; k < d.keypoints.size() && k < kPoseKeypointNames.size(); ++k)
      pose.keypoints.push_back(make_keypoint(static_cast<int>(k), at.image_x(d.keypoints[k].x), at.image_y(d.keypoints[k].y),
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
  impl_->previous.clear();
  impl_->next_id = 0;
  impl_->last_time_ms = -1;
  impl_->filters.clear();
}

// Each tracked person's keypoints through their own One Euro filters, on coordinates as
// fractions of the frame; a person not in this frame loses theirs (ids are not reused).
void PoseEstimator::Impl::smooth(std::vector<Pose>& poses, const Image& frame, double timestamp_ms) {
  Impl& m = *this;
  const double t_ms = timestamp_ms >= 0 ? timestamp_ms : (m.last_time_ms < 0 ? 0 : m.last_time_ms + 1000.0 / 30);
  m.last_time_ms = t_ms;
  const OneEuroOptions settings{.min_cutoff = 1.0, .beta = 20, .d_cutoff = 1.0};
  std::map<int, std::vector<OneEuroFilter>> kept;
  const float w = static_cast<float>(frame.width()), h = static_cast<float>(frame.height());
  for (Pose& pose : poses) {
    auto it = m.filters.find(pose.id);
    std::vector<OneEuroFilter> f = it != m.filters.end() ? std::move(it->second)
                                                          : std::vector<OneEuroFilter>(2 * pose.keypoints.size(), OneEuroFilter(settings));
    for (std::size_t k = 0; k < pose.keypoints.size(); ++k) {
      Keypoint& p = pose.keypoints[k];
      p.nx = f[2 * k].filter(p.x / w, t_ms / 1000);
      p.ny = f[2 * k + 1].filter(p.y / h, t_ms / 1000);
      p.x = p.nx * w;
      p.y = p.ny * h;
    }
    fit_box(pose, m.options.min_keypoint_confidence);
    kept[pose.id] = std::move(f);
  }
  m.filters = std::move(kept);
}


std::vector<Pose> PoseEstimator::track(const Image& frame, double timestamp_ms) {
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
        if (a.confidence < m.options.min_keypoint_confidence || b.confidence < m.options.min_keypoint_confidence) continue;
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
  if (m.options.smooth) m.smooth(poses, frame, timestamp_ms);
  return poses;
}

}  // namespace easel
