#include "vision/posenet_decoder.h"

#include <algorithm>
#include <cmath>
#include <queue>

namespace easel::vision {
namespace {

constexpr int kKeypoints = 17;
enum Part {
  nose,
  left_eye,
  right_eye,
  left_ear,
  right_ear,
  left_shoulder,
  right_shoulder,
  left_elbow,
  right_elbow,
  left_wrist,
  right_wrist,
  left_hip,
  right_hip,
  left_knee,
  right_knee,
  left_ankle,
  right_ankle
};
// (parent, child) edges of the PoseNet keypoint tree, in the TF.js order: edge i of the
// displacement outputs is this pair.
constexpr int kEdges[16][2] = {
    {nose, left_eye},           {left_eye, left_ear},        {nose, right_eye},        {right_eye, right_ear},
    {nose, left_shoulder},      {left_shoulder, left_elbow}, {left_elbow, left_wrist}, {left_shoulder, left_hip},
    {left_hip, left_knee},      {left_knee, left_ankle},     {nose, right_shoulder},   {right_shoulder, right_elbow},
    {right_elbow, right_wrist}, {right_shoulder, right_hip}, {right_hip, right_knee},  {right_knee, right_ankle}};

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

struct Grid {
  const PosenetOutputs& o;
  std::vector<float> scores;  // sigmoid(heatmap)
  explicit Grid(const PosenetOutputs& out) : o(out), scores(static_cast<std::size_t>(out.height * out.width * kKeypoints)) {
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = sigmoid(o.heatmap[i]);
  }
  float score(int y, int x, int k) const { return scores[static_cast<std::size_t>((y * o.width + x) * kKeypoints + k)]; }
  float offset_y(int y, int x, int k) const { return o.offsets[(y * o.width + x) * 2 * kKeypoints + k]; }
  float offset_x(int y, int x, int k) const { return o.offsets[(y * o.width + x) * 2 * kKeypoints + kKeypoints + k]; }
  // Keypoint position from its heatmap cell plus the short-range offset.
  PosenetKeypoint at(int y, int x, int k) const {
    return {static_cast<float>(x * o.output_stride) + offset_x(y, x, k), static_cast<float>(y * o.output_stride) + offset_y(y, x, k),
            score(y, x, k)};
  }
  int clamp_y(float py) const {
    return std::clamp(static_cast<int>(std::round(py / static_cast<float>(o.output_stride))), 0, o.height - 1);
  }
  int clamp_x(float px) const { return std::clamp(static_cast<int>(std::round(px / static_cast<float>(o.output_stride))), 0, o.width - 1); }
};

// Follows edge `edge` from `source` to the target keypoint: mid-range displacement, then
// two refinement steps with the short-range offsets (offsetRefineStep = 2 in TF.js).
PosenetKeypoint traverse(const Grid& g, int edge, const PosenetKeypoint& source, int target, const float* displacements) {
  const int edges = 16;
  int sy = g.clamp_y(source.y), sx = g.clamp_x(source.x);
  const float* d = displacements + (sy * g.o.width + sx) * 2 * edges;
  float ty = source.y + d[edge], tx = source.x + d[edges + edge];
  for (int step = 0; step < 2; ++step) {
    int y = g.clamp_y(ty), x = g.clamp_x(tx);
    ty = static_cast<float>(y * g.o.output_stride) + g.offset_y(y, x, target);
    tx = static_cast<float>(x * g.o.output_stride) + g.offset_x(y, x, target);
  }
  int y = g.clamp_y(ty), x = g.clamp_x(tx);
  return {tx, ty, g.score(y, x, target)};
}

bool near_same_keypoint(const std::vector<PosenetPose>& poses, float sq_radius, float x, float y, int k) {
  for (const auto& p : poses) {
    float dx = p.keypoints[static_cast<std::size_t>(k)].x - x, dy = p.keypoints[static_cast<std::size_t>(k)].y - y;
    if (dx * dx + dy * dy <= sq_radius) return true;
  }
  return false;
}

}  // namespace

PosenetPose decode_single_pose(const PosenetOutputs& o) {
  Grid g(o);
  PosenetPose pose;
  float total = 0;
  for (int k = 0; k < kKeypoints; ++k) {
    int by = 0, bx = 0;
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x)
        if (g.score(y, x, k) > g.score(by, bx, k)) by = y, bx = x;
    pose.keypoints.push_back(g.at(by, bx, k));
    total += g.score(by, bx, k);
  }
  pose.score = total / kKeypoints;
  return pose;
}

std::vector<PosenetPose> decode_multiple_poses(const PosenetOutputs& o, const MultiPoseOptions& options) {
  Grid g(o);
  struct Candidate {
    float score;
    int y, x, k;
    bool operator<(const Candidate& other) const { return score < other.score; }
  };
  // Roots: keypoint cells above the threshold that are local maxima of their heatmap.
  std::priority_queue<Candidate> queue;
  const int r = options.local_maximum_radius;
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x)
      for (int k = 0; k < kKeypoints; ++k) {
        float s = g.score(y, x, k);
        if (s < options.score_threshold) continue;
        bool is_max = true;
        for (int yy = std::max(y - r, 0); yy < std::min(y + r + 1, o.height) && is_max; ++yy)
          for (int xx = std::max(x - r, 0); xx < std::min(x + r + 1, o.width); ++xx)
            if (g.score(yy, xx, k) > s) {
              is_max = false;
              break;
            }
        if (is_max) queue.push({s, y, x, k});
      }

  const float sq_radius = options.nms_radius * options.nms_radius;
  std::vector<PosenetPose> poses;
  while (static_cast<int>(poses.size()) < options.max_poses && !queue.empty()) {
    Candidate root = queue.top();
    queue.pop();
    PosenetKeypoint root_point = g.at(root.y, root.x, root.k);
    if (near_same_keypoint(poses, sq_radius, root_point.x, root_point.y, root.k)) continue;

    std::vector<PosenetKeypoint> kp(kKeypoints);
    std::vector<bool> known(kKeypoints, false);
    kp[static_cast<std::size_t>(root.k)] = {root_point.x, root_point.y, root.score};
    known[static_cast<std::size_t>(root.k)] = true;
    for (int e = 15; e >= 0; --e) {  // up the tree, backward displacements
      int src = kEdges[e][1], dst = kEdges[e][0];
      if (known[static_cast<std::size_t>(src)] && !known[static_cast<std::size_t>(dst)]) {
        kp[static_cast<std::size_t>(dst)] = traverse(g, e, kp[static_cast<std::size_t>(src)], dst, o.displacement_bwd);
        known[static_cast<std::size_t>(dst)] = true;
      }
    }
    for (int e = 0; e < 16; ++e) {  // down the tree, forward displacements
      int src = kEdges[e][0], dst = kEdges[e][1];
      if (known[static_cast<std::size_t>(src)] && !known[static_cast<std::size_t>(dst)]) {
        kp[static_cast<std::size_t>(dst)] = traverse(g, e, kp[static_cast<std::size_t>(src)], dst, o.displacement_fwd);
        known[static_cast<std::size_t>(dst)] = true;
      }
    }
    // Instance score: keypoints not already claimed by an earlier pose count.
    float total = 0;
    for (int k = 0; k < kKeypoints; ++k)
      if (!near_same_keypoint(poses, sq_radius, kp[static_cast<std::size_t>(k)].x, kp[static_cast<std::size_t>(k)].y, k))
        total += kp[static_cast<std::size_t>(k)].score;
    poses.push_back({kp, total / kKeypoints});
  }
  return poses;
}

}  // namespace easel::vision
