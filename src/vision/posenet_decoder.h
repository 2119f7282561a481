// PoseNet decoding as the PoseNet paper and the TF.js implementation
// (@tensorflow-models/posenet) do it, on the model's raw outputs at output stride S:
// heatmap logits [H,W,17], short-range offsets [H,W,34] (17 y then 17 x), and mid-range
// displacements forward/backward [H,W,32] (16 edges y then 16 edges x).
// Positions are in the model input's pixels.
#pragma once

#include <vector>

namespace easel::vision {

struct PosenetKeypoint {
  float x = 0, y = 0, score = 0;
};
struct PosenetPose {
  std::vector<PosenetKeypoint> keypoints;  // 17, COCO order
  float score = 0;
};

struct PosenetOutputs {
  const float* heatmap = nullptr;  // logits (sigmoid applied by the decoder)
  const float* offsets = nullptr;
  const float* displacement_fwd = nullptr;
  const float* displacement_bwd = nullptr;
  int height = 0, width = 0, output_stride = 16;
};

// The single most likely pose: argmax per keypoint plus its offset.
PosenetPose decode_single_pose(const PosenetOutputs& outputs);

struct MultiPoseOptions {
  int max_poses = 5;
  float score_threshold = 0.5f;  // per root keypoint
  float nms_radius = 20.0f;      // in input pixels
  int local_maximum_radius = 1;
};
std::vector<PosenetPose> decode_multiple_poses(const PosenetOutputs& outputs, const MultiPoseOptions& options = {});

}  // namespace easel::vision
