#include "vision/pose_decoders.h"

#include "easel/error.h"

namespace easel::vision {
namespace {

// Output indices of PoseNet's four heads, found by name.
struct PosenetHeads {
  int heatmap = -1, offsets = -1, fwd = -1, bwd = -1;
};

PosenetHeads posenet_heads(const Model& model) {
  PosenetHeads h;
  const auto outputs = model.outputs();
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string& n = outputs[i].name;
    if (n.find("heatmap") != std::string::npos) h.heatmap = static_cast<int>(i);
    else if (n.find("offset") != std::string::npos) h.offsets = static_cast<int>(i);
    else if (n.find("displacement_fwd") != std::string::npos) h.fwd = static_cast<int>(i);
    else if (n.find("displacement_bwd") != std::string::npos) h.bwd = static_cast<int>(i);
  }
  return h;
}

void check_posenet(const Model& model, const std::string& name) {
  const PosenetHeads h = posenet_heads(model);
  if (h.heatmap < 0 || h.offsets < 0 || h.fwd < 0 || h.bwd < 0)
    throw Error(ErrorCode::bad_model, "The PoseNet model '" + name + "' lacks one of its heatmap, offset and displacement outputs.");
}

// PoseNet: heatmaps, offsets and displacements decoded as TF.js does (posenet_decoder.h),
// one pose or, with options.multi, several.
std::vector<PosenetPose> posenet(const std::vector<Tensor>& out, const PoseContext& c) {
  const PosenetHeads h = posenet_heads(c.model);
  const Tensor& heatmap = out.at(static_cast<std::size_t>(h.heatmap));
  PosenetOutputs raw;
  raw.heatmap = heatmap.data<float>();
  raw.offsets = out.at(static_cast<std::size_t>(h.offsets)).data<float>();
  raw.displacement_fwd = out.at(static_cast<std::size_t>(h.fwd)).data<float>();
  raw.displacement_bwd = out.at(static_cast<std::size_t>(h.bwd)).data<float>();
  raw.height = static_cast<int>(heatmap.dim(1));
  raw.width = static_cast<int>(heatmap.dim(2));
  raw.output_stride = (c.input.height - 1) / std::max(1, raw.height - 1);
  if (!c.options.multi) return {decode_single_pose(raw)};
  MultiPoseOptions mo;
  mo.max_poses = c.options.max_poses;
  mo.score_threshold = c.options.min_keypoint_confidence;
  mo.nms_radius = c.options.nms_radius;
  return decode_multiple_poses(raw, mo);
}

void check_nothing(const Model&, const std::string&) {}

// One person, [1, 1, 17, 3]: y, x (0..1 of the input), score; the pose's confidence is the
// keypoints' mean.
std::vector<PosenetPose> movenet_single(const std::vector<Tensor>& out, const PoseContext& c) {
  const Tensor& y = out.at(0);
  if (y.size() < 17 * 3)
    throw Error(ErrorCode::bad_model, "The MoveNet model '" + c.recipe.model + "' gives " + to_string(y.shape()) + ", not [1,1,17,3].");
  const float* v = y.data<float>();
  const float sx = static_cast<float>(c.input.width), sy = static_cast<float>(c.input.height);
  PosenetPose pose;
  float sum = 0;
  for (int k = 0; k < 17; ++k) {
    pose.keypoints.push_back({v[k * 3 + 1] * sx, v[k * 3] * sy, v[k * 3 + 2]});
    sum += v[k * 3 + 2];
  }
  pose.score = sum / 17;
  return {pose};
}

// Up to six people, [1, 6, 56]: 17 x (y, x, score), then the box ymin, xmin, ymax, xmax
// and the pose's score.
std::vector<PosenetPose> movenet_multi(const std::vector<Tensor>& out, const PoseContext& c) {
  const Tensor& y = out.at(0);
  if (y.rank() != 3 || y.dim(2) < 56)
    throw Error(ErrorCode::bad_model, "The MoveNet model '" + c.recipe.model + "' gives " + to_string(y.shape()) + ", not [1,6,56].");
  const float* v = y.data<float>();
  const float sx = static_cast<float>(c.input.width), sy = static_cast<float>(c.input.height);
  std::vector<PosenetPose> poses;
  for (std::int64_t p = 0; p < y.dim(1); ++p) {
    const float* r = v + p * y.dim(2);
    PosenetPose pose;
    for (int k = 0; k < 17; ++k) pose.keypoints.push_back({r[k * 3 + 1] * sx, r[k * 3] * sy, r[k * 3 + 2]});
    pose.score = r[55];
    poses.push_back(std::move(pose));
  }
  return poses;
}

constexpr PoseDecoder kDecoders[] = {
    {"movenet-multi", movenet_multi, check_nothing},
    {"movenet-single", movenet_single, check_nothing},
    {"posenet", posenet, check_posenet},
};

}  // namespace

const PoseDecoder* find_pose_decoder(std::string_view name) {
  for (const PoseDecoder& d : kDecoders)
    if (d.name == name) return &d;
  return nullptr;
}

std::vector<std::string> pose_decoder_names() {
  std::vector<std::string> names;
  for (const PoseDecoder& d : kDecoders) names.emplace_back(d.name);
  return names;
}

}  // namespace easel::vision
