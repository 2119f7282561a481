// A named point on a body, face or hand, as ml5 gives them: {name, x, y, confidence}, with
// the same point as fractions of the image and, where the model sees depth, z.
//
//   auto poses = easel::PoseEstimator::create().estimate(easel::Image::load("dancer.jpg"));
//   for (const easel::Keypoint& k : poses.at(0).keypoints)
//     if (k.confidence > 0.3f) std::printf("%s at %.0f,%.0f\n", k.name.c_str(), k.x, k.y);
#pragma once

#include <string>

namespace easel {

struct Keypoint {
  std::string name;
  float x = 0, y = 0;    // pixels in the image
  float nx = 0, ny = 0;  // 0..1 across the image's width and height
  float confidence = 0;  // 0..1 (1 where the model gives no confidence per point)
  // Depth, in pixels on the scale of x (smaller is nearer the camera), relative to the
  // model's own origin: the face's centre, the wrist, the hips. 0 where the model has none.
  float z = 0;
};

}  // namespace easel
