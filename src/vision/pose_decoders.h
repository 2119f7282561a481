// Pose models' outputs read as keypoints, one decoder per kind of model, looked up by the
// name in the model's recipe ("decoder": "movenet-single"). A new pose model of a known
// kind is a manifest entry; a new kind is a decoder here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "easel/model.h"
#include "easel/pose.h"
#include "easel/tensor.h"
#include "models/recipe.h"
#include "vision/posenet_decoder.h"
#include "vision/preprocess.h"

namespace easel::vision {

struct PoseContext {
  const Model& model;
  const detail::Recipe& recipe;
  const InputSpec& input;  // as fed for this image
  const PoseEstimatorOptions& options;
};

struct PoseDecoder {
  std::string_view name;
  // Poses with 17 COCO keypoints in the model's input pixels, and each pose's confidence.
  std::vector<PosenetPose> (*decode)(const std::vector<Tensor>& outputs, const PoseContext& context);
  // Throws Error(bad_model) when the model lacks an output the decoder reads (at load).
  void (*check)(const Model& model, const std::string& name);
};

// nullptr for a name no decoder has.
const PoseDecoder* find_pose_decoder(std::string_view name);
std::vector<std::string> pose_decoder_names();  // movenet-multi, movenet-single, posenet

}  // namespace easel::vision
