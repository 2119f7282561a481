// BlazePose through PoseEstimator against the TF.js runtime of @tensorflow-models/
// pose-detection 2.1.3 (tests/mediapipe_oracle/body_oracle.js blazepose), run under node on
// the same model files and pixels: one person, 33 named keypoints within a small fraction
// of the body's size, the same visibility scores and 3-D points; a person kept through a
// video with one id.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "easel/error.h"
#include "easel/pose.h"
#include "mediapipe_oracle.h"
#include "test_util.h"

namespace easel {
namespace {

namespace fs = std::filesystem;

TEST(BlazePose, MatchesTfjsPoseDetection) {
  EASEL_NEEDS_MEDIAPIPE_ORACLE();
  test::ScratchDir dir;
  for (const std::string model : {"blazepose-full", "blazepose-lite"})
    for (const std::string photo : {"squat.bmp", "person.jpg"}) {
      SCOPED_TRACE(model + " " + photo);
      const Image image = test::photo(photo);
      const fs::path npy = test::write_image_npy(image, dir / "in.npy");
      const nlohmann::json oracle = test::mediapipe_oracle(
          "body_oracle.js", "blazepose --detector " + test::shell_quote(test::store_model_file("blazepose-detector").string()) + " --landmark " +
                                test::shell_quote(test::store_model_file(model).string()) + " --image " + test::shell_quote(npy.string()) +
                                " --model-type " + model.substr(10) + " --smoothing off")["poses"];
      const auto poses = PoseEstimator::create({.model = model}).estimate(image);
      ASSERT_EQ(oracle.size(), 1u);
      ASSERT_EQ(poses.size(), 1u);
      const Pose& p = poses[0];
      const nlohmann::json& o = oracle[0];
      ASSERT_EQ(p.keypoints.size(), 33u);
      ASSERT_EQ(p.keypoints3d.size(), 33u);
      EXPECT_NEAR(p.confidence, o["score"].get<float>(), 0.02f);
      const float size = std::max(p.box.width, p.box.height);
      double sum = 0, worst = 0, world = 0, score = 0;
      for (std::size_t k = 0; k < 33; ++k) {
        EXPECT_EQ(p.keypoints[k].name, o["keypoints"][k]["name"].get<std::string>());
        const double d = std::hypot(p.keypoints[k].x - o["keypoints"][k]["x"].get<double>(), p.keypoints[k].y - o["keypoints"][k]["y"].get<double>());
        sum += d, worst = std::max(worst, d);
        score = std::max(score, static_cast<double>(std::abs(p.keypoints[k].confidence - o["keypoints"][k]["score"].get<float>())));
        world = std::max(world, std::abs(p.keypoints3d[k].x - o["keypoints3D"][k]["x"].get<double>()) +
                                    std::abs(p.keypoints3d[k].y - o["keypoints3D"][k]["y"].get<double>()));
      }
      std::printf("%s %s: mean %.2f px, worst %.2f px, scores %.3f, world %.4f m, body %.0f px\n", photo.c_str(), model.c_str(), sum / 33, worst, score,
                  world, size);
      EXPECT_LT(sum / 33, 0.01 * size);
      EXPECT_LT(worst, 0.04 * size);
      EXPECT_LT(score, 0.05);
      EXPECT_LT(world, 0.03);
    }
}

TEST(BlazePose, KeypointsSitOnTheBodyAndFollowAMovingPerson) {
  // coral's squat.bmp: a man squatting, seen from the side. The head above the shoulders,
  // the shoulders above the hips, the ankles lowest; feet and hands named as ml5 names them.
  const auto poses = PoseEstimator::create({.model = "blazepose-full"}).estimate(test::photo("squat.bmp"));
  ASSERT_EQ(poses.size(), 1u);
  const Pose& p = poses[0];
  EXPECT_LT(p["nose"].y, p["left_shoulder"].y);
  EXPECT_LT(p["left_shoulder"].y, p["left_hip"].y);
  EXPECT_GT(p["left_ankle"].y, p["left_knee"].y);
  EXPECT_GT(p["left_foot_index"].confidence, 0.5f);
  EXPECT_NO_THROW((void)p["right_thumb"]);
  EXPECT_EQ(pose_skeleton(33).size(), 35u);
  // The photo moving 3 pixels left per frame (vtest.avi's people, 80 px tall, are too small
  // for BlazePose's 224-pixel person detector): one id throughout, the person's region
  // carried from frame to frame, the nose moving with the picture.
  const Image photo = test::photo("squat.bmp");
  PoseEstimator tracker = PoseEstimator::create({.model = "blazepose-lite", .smooth = false});
  std::set<int> ids;
  int found = 0;
  float first_nose = 0, last_nose = 0;
  const int frames = 20;
  for (int f = 0; f < frames; ++f) {
    const Image frame = test::moved(photo, -3 * f, 0);
    const auto tracked = tracker.track(frame, f * 1000.0 / 30);
    if (tracked.empty()) continue;
    ++found;
    ids.insert(tracked[0].id);
    (f == 0 ? first_nose : last_nose) = tracked[0]["nose"].x;
  }
  EXPECT_EQ(found, frames);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_NEAR(last_nose - first_nose, -3 * (frames - 1), 10);
}

}  // namespace
}  // namespace easel
