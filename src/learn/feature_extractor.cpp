#include "easel/feature_extractor.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/files.h"
#include "core/sha256.h"
#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "models/recipe.h"
#include "vision/preprocess.h"
#include "vision/recipe.h"

namespace easel {

struct FeatureExtractor::Impl {
  std::string name;
  std::optional<Model> model;
  vision::InputSpec input;
  TensorInfo output;
  int length = 0;
  std::string checksum, preprocessing;
  std::optional<PoseEstimator> poses;  // a pose model: features of the best pose
};

namespace {

// The manifest's sha256 of every file, in the manifest's order, digested together with
// what the features are (`kind`), so that another model, another version of it or another
// way of taking its features all give another checksum.
std::string model_checksum(const ModelSpec& spec, const std::string& kind) {
  std::string digests = kind + "\n";
  for (const ModelFile& f : spec.files) digests += f.path + " " + f.sha256 + "\n";
  return detail::sha256_hex(digests);
}

}  // namespace

std::vector<float> pose_features(const Pose& pose) {
  if (pose.keypoints.size() != kPoseKeypointNames.size())
    throw Error(ErrorCode::bad_input, "A pose has " + std::to_string(pose.keypoints.size()) + " keypoints, not 17.");
  const auto mid = [&](int a, int b) {
    return std::pair{(pose.keypoints[a].x + pose.keypoints[b].x) / 2, (pose.keypoints[a].y + pose.keypoints[b].y) / 2};
  };
  const auto [sx, sy] = mid(5, 6);   // shoulders
  const auto [hx, hy] = mid(11, 12);  // hips
  const float cx = (sx + hx) / 2, cy = (sy + hy) / 2;
  float scale = std::hypot(sx - hx, sy - hy);
  // A torso seen end on (or keypoints all in one place): the box's size instead.
  if (!(scale > 1e-3f * std::max(pose.box.width, pose.box.height))) scale = std::max({pose.box.width, pose.box.height, 1e-6f}) / 2;
  std::vector<float> out;
  out.reserve(51);
  for (const Keypoint& k : pose.keypoints) {
    out.push_back((k.x - cx) / scale);
    out.push_back((k.y - cy) / scale);
    out.push_back(k.confidence);
  }
  return out;
}

FeatureExtractor::FeatureExtractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeatureExtractor::~FeatureExtractor() = default;
FeatureExtractor::FeatureExtractor(FeatureExtractor&&) noexcept = default;
FeatureExtractor& FeatureExtractor::operator=(FeatureExtractor&&) noexcept = default;

FeatureExtractor FeatureExtractor::create(const FeatureExtractorOptions& options) {
  ModelStore store;
  const ModelSpec& spec = store.spec(options.model);
  if (spec.task == "pose") {
    auto impl = std::make_unique<Impl>();
    impl->name = options.model;
    impl->poses.emplace(PoseEstimator::create({.model = options.model, .threads = options.threads}));
    impl->length = 51;
    impl->checksum = model_checksum(spec, "pose_features 1");
    impl->preprocessing = nlohmann::json{{"pose", options.model}, {"features", "keypoints about the torso's middle, in torso lengths, and confidences"}}.dump();
    return FeatureExtractor(std::move(impl));
  }
  // The store keeps each recipe as JSON text.
  const auto names_features = [](const ModelSpec& s) {
    if (s.recipe.empty()) return false;
    const nlohmann::json r = nlohmann::json::parse(s.recipe, nullptr, false);
    return r.is_object() && r.contains("features");
  };
  if (!names_features(spec)) {
    std::string known;
    for (const ModelSpec& s : store.models())
      if (names_features(s) || s.task == "pose") known += (known.empty() ? "" : ", ") + s.name;
    throw Error(ErrorCode::bad_input, "'" + options.model + "' has no features easel knows how to take out.",
                "Feature extractors: " + known + ".");
  }
  const detail::Recipe recipe = detail::load_recipe(store, spec, store.get(options.model));
  const auto& features = recipe.data["features"];
  if (!features.is_object() || !features.contains("output") || !features["output"].is_string())
    throw Error(ErrorCode::bad_model, "The recipe of '" + options.model + "' gives its features without an \"output\" name.");

  auto impl = std::make_unique<Impl>();
  impl->name = options.model;
  impl->model.emplace(Model::load(recipe.file.string(), {.threads = options.threads, .outputs = {features["output"].get<std::string>()}}));
  const auto inputs = impl->model->inputs();
  if (inputs.size() != 1) throw Error(ErrorCode::bad_model, "The model '" + options.model + "' does not take one image.");
  impl->input = vision::input_spec(recipe, inputs[0]);
  impl->output = impl->model->outputs().at(0);
  std::int64_t length = 1;
  for (std::int64_t d : impl->output.shape) length *= d < 0 ? 1 : d;
  impl->length = static_cast<int>(length);
  impl->checksum = model_checksum(spec, "output " + features["output"].get<std::string>());
  impl->preprocessing = recipe.data.value("input", nlohmann::json::object()).dump();
  return FeatureExtractor(std::move(impl));
}

std::vector<float> FeatureExtractor::extract(const Image& image) {
  Impl& m = *impl_;
  if (m.poses) {
    const std::vector<Pose> found = m.poses->estimate(image);
    if (found.empty()) throw Error(ErrorCode::bad_input, "'" + m.name + "' finds no one in the picture.");
    return pose_features(found.front());
  }
  const Tensor y = m.model->run({vision::to_tensor(image, m.input)}).at(0);
  std::vector<float> out(static_cast<std::size_t>(y.size()));
  const bool quantized = (y.dtype() == DType::u8 || y.dtype() == DType::i8) && m.output.scale > 0;
  for (std::int64_t i = 0; i < y.size(); ++i) {
    const float v = static_cast<float>(y.at(i));
    out[static_cast<std::size_t>(i)] = quantized ? m.output.scale * (v - static_cast<float>(m.output.zero_point)) : v;
  }
  return out;
}

int FeatureExtractor::length() const { return impl_->length; }
bool FeatureExtractor::is_pose() const { return impl_->poses.has_value(); }

Pose load_pose(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error(ErrorCode::io_error, "Cannot read the pose file '" + file.string() + "': " + ec.message() + ".");
  if (size > (16u << 20)) throw Error(ErrorCode::bad_input, "'" + file.string() + "' is too large to be a pose.");
  const nlohmann::json doc = nlohmann::json::parse(detail::read_file(file), nullptr, false);
  const auto bad = [&](const std::string& why) { return Error(ErrorCode::bad_input, "'" + file.string() + "' is not a pose easel reads: " + why + "."); };
  const nlohmann::json* pose = &doc;
  if (doc.is_object() && doc.contains("poses")) pose = &doc["poses"];
  if (pose->is_array()) {
    if (pose->empty()) throw bad("it holds no pose");
    pose = &(*pose)[0];
  }
  if (!pose->is_object() || !pose->contains("keypoints") || !(*pose)["keypoints"].is_array()) throw bad("it has no \"keypoints\" list");
  const nlohmann::json& points = (*pose)["keypoints"];
  if (points.size() != kPoseKeypointNames.size()) throw bad("it has " + std::to_string(points.size()) + " keypoints, not 17");
  Pose out;
  out.keypoints.resize(kPoseKeypointNames.size());
  std::vector<bool> seen(kPoseKeypointNames.size(), false);
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const nlohmann::json& k = points[i];
    std::size_t at = i;
    if (k.contains("name") && k["name"].is_string()) {
      const auto it = std::find(kPoseKeypointNames.begin(), kPoseKeypointNames.end(), k["name"].get<std::string>());
      if (it == kPoseKeypointNames.end()) throw bad("keypoint " + std::to_string(i + 1) + " is named '" + k["name"].get<std::string>() + "'");
      at = static_cast<std::size_t>(it - kPoseKeypointNames.begin());
    }
    if (seen[at]) throw bad("the keypoint '" + std::string(kPoseKeypointNames[at]) + "' is given twice");
    seen[at] = true;
    const char* score = k.contains("confidence") ? "confidence" : "score";
    if (!k.contains("x") || !k["x"].is_number() || !k.contains("y") || !k["y"].is_number() || !k.contains(score) || !k[score].is_number())
      throw bad("keypoint " + std::to_string(i + 1) + " lacks x, y or a confidence");
    Keypoint& p = out.keypoints[at];
    p.name = kPoseKeypointNames[at];
    p.x = k["x"].get<float>();
    p.y = k["y"].get<float>();
    p.confidence = k[score].get<float>();
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.confidence)) throw bad("keypoint " + std::to_string(i + 1) + " is not finite");
    x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  }
  out.box = {x0, y0, x1 - x0, y1 - y0};
  out.confidence = pose->value("confidence", pose->value("score", 1.f));
  return out;
}
const std::string& FeatureExtractor::name() const { return impl_->name; }
const std::string& FeatureExtractor::checksum() const { return impl_->checksum; }
const std::string& FeatureExtractor::preprocessing() const { return impl_->preprocessing; }

}  // namespace easel
