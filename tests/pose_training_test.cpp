// Poses as examples (issue 14): pose_features() places the keypoints about the torso, in
// torso lengths, so a person shifted or scaled in the picture gives nearly the same
// numbers; a classifier trained on them tells the walking people of vtest.avi from the
// squatting person of squat.bmp (flipped, shifted, scaled).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "easel/error.h"
#include "easel/evaluation.h"
#include "easel/feature_extractor.h"
#include "easel/pose.h"
#include "easel/training.h"
#include "easel/video.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

easel::Image squat() { return easel::Image::load(easel::test::shared_dir() / "media" / "coral-test-images" / "squat.bmp"); }

easel::Image mirrored(const easel::Image& in) {
  easel::Image out(in.width(), in.height());
  for (int y = 0; y < in.height(); ++y)
    for (int x = 0; x < in.width(); ++x) std::copy_n(in.pixel(in.width() - 1 - x, y), 3, out.data() + (static_cast<std::size_t>(y) * in.width() + x) * 3);
  return out;
}

// `in` scaled by `scale` (nearest pixel) on a grey canvas `grow` times its size, its
// top-left corner at (fx, fy) of the free room.
easel::Image placed(const easel::Image& in, float scale, float grow, float fx, float fy) {
  const int w = static_cast<int>(in.width() * scale), h = static_cast<int>(in.height() * scale);
  const int cw = static_cast<int>(in.width() * grow), ch = static_cast<int>(in.height() * grow);
  easel::Image out(cw, ch);
  std::fill(out.data(), out.data() + static_cast<std::size_t>(cw) * ch * 3, 128);
  const int x0 = static_cast<int>((cw - w) * fx), y0 = static_cast<int>((ch - h) * fy);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      std::copy_n(in.pixel(std::min(in.width() - 1, static_cast<int>(x / scale)), std::min(in.height() - 1, static_cast<int>(y / scale))), 3,
                  out.data() + (static_cast<std::size_t>(y0 + y) * cw + x0 + x) * 3);
  return out;
}

TEST(PoseFeatures, SameWhereverThePersonStands) {
  auto extractor = easel::FeatureExtractor::create({.model = "movenet-lightning"});
  EXPECT_EQ(extractor.length(), 51);
  const easel::Image photo = squat();
  const std::vector<float> here = extractor.extract(photo);
  ASSERT_EQ(here.size(), 51u);
  // The same as pose_features() of the estimator's best pose.
  const auto poses = easel::PoseEstimator::create().estimate(photo);
  ASSERT_FALSE(poses.empty());
  EXPECT_EQ(here, easel::pose_features(poses[0]));
  // The numbers themselves ignore where and how large: the same keypoints moved and scaled.
  easel::Pose moved_pose = poses[0];
  for (auto& k : moved_pose.keypoints) k.x = 3.5f * k.x + 120, k.y = 3.5f * k.y - 40;
  moved_pose.box.width *= 3.5f, moved_pose.box.height *= 3.5f;
  const std::vector<float> same = easel::pose_features(moved_pose);
  for (std::size_t i = 0; i < 51; ++i) EXPECT_NEAR(same[i], here[i], 1e-4) << i;
  // The person moved into a corner of a larger picture and shrunk: the keypoints' pixels all
  // move, the numbers only by what MoveNet sees differently at the smaller size.
  const std::vector<float> there = extractor.extract(placed(photo, 0.8f, 1.6f, 0.9f, 0.1f));
  double moved = 0, spread = 0;
  for (std::size_t k = 0; k < 17; ++k) {
    moved += std::hypot(here[k * 3] - there[k * 3], here[k * 3 + 1] - there[k * 3 + 1]) / 17;
    spread += std::hypot(here[k * 3], here[k * 3 + 1]) / 17;
  }
  std::printf("keypoints moved %.3f torso lengths on average (they lie %.2f from the torso's middle)\n", moved, spread);
  EXPECT_LT(moved, 0.3 * spread);

  // No one there.
  try {
    extractor.extract(easel::Image(320, 240));
    ADD_FAILURE() << "a pose in a black picture";
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("finds no one"), std::string::npos) << e.what();
  }
}

TEST(PoseFeatures, PosesSavedAsJsonAreExamplesToo) {
  easel::test::ScratchDir dir;
  const easel::Pose pose = easel::PoseEstimator::create().estimate(squat()).at(0);
  // ml5's bodyPose result: a list of poses, keypoints with "score", here in reverse order.
  nlohmann::json ml5 = nlohmann::json::array({{{"keypoints", nlohmann::json::array()}, {"score", pose.confidence}}});
  for (auto it = pose.keypoints.rbegin(); it != pose.keypoints.rend(); ++it)
    ml5[0]["keypoints"].push_back({{"name", it->name}, {"x", it->x}, {"y", it->y}, {"score", it->confidence}});
  easel::test::write(dir / "squat" / "ml5.json", ml5.dump());
  // `easel pose --json`'s line.
  const auto r = easel::test::run(std::string(EASEL_CLI) + " pose --json " + easel::test::shell_quote((easel::test::shared_dir() / "media" / "coral-test-images" / "squat.bmp").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  easel::test::write(dir / "squat" / "cli.json", r.output);
  squat().save(dir / "squat" / "photo.png");
  easel::test::write(dir / "squat" / "broken.json", "{\"keypoints\": [1, 2]}");

  const auto data = easel::Dataset::from_folders({{"squat", dir / "squat"}}, easel::MediaKind::pose);
  auto extractor = easel::FeatureExtractor::create({.model = "movenet-lightning"});
  easel::ExtractOptions options;
  options.use_cache = false;
  const easel::Examples examples = easel::extract_examples(extractor, data, options);
  ASSERT_EQ(examples.size(), 3u);
  ASSERT_EQ(examples.skipped.size(), 1u);
  EXPECT_NE(examples.skipped[0].reason.find("not 17"), std::string::npos) << examples.skipped[0].reason;
  const std::vector<float> want = easel::pose_features(pose);
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t i = 0; i < 51; ++i) EXPECT_NEAR(examples.row(r)[i], want[i], 1e-4) << examples.sources[r] << " " << i;
  // An image extractor cannot read poses.
  auto images = easel::FeatureExtractor::create();
  EXPECT_THROW(easel::extract_examples(images, data, options), easel::Error);
}

TEST(PoseTraining, WalkingPeopleToldFromASquat) {
  // Walking: every person MoveNet multipose finds in 40 frames of vtest.avi (a street seen
  // from above), the first 20 frames to train on, the rest to test.
  auto finder = easel::PoseEstimator::create({.model = "movenet-multipose", .min_pose_confidence = 0.3f, .input_size = 512});
  easel::Examples train, test;
  auto video = easel::VideoReader::open(easel::find_sample("vtest.avi"));
  easel::Image frame;
  int walking = 0;
  for (int i = 0; i < 400 && video.read(frame); ++i) {
    if (i % 10 != 0) continue;
    for (const easel::Pose& p : finder.estimate(frame)) {
      (i < 200 ? train : test).add(easel::pose_features(p), "walking", "vtest.avi#" + std::to_string(i));
      ++walking;
    }
  }
  // Squatting: squat.bmp and its mirror image, at three sizes and four places each.
  int squatting = 0;
  for (int flip = 0; flip < 2; ++flip)
    for (float scale : {1.0f, 0.75f, 0.5f})
      for (int place = 0; place < 4; ++place) {
        const easel::Image img = placed(flip ? mirrored(squat()) : squat(), scale, 1.5f, place % 2 ? 0.9f : 0.1f, place / 2 ? 0.9f : 0.1f);
        const auto poses = finder.estimate(img);
        if (poses.empty()) continue;
        (place % 2 == 0 ? train : test).add(easel::pose_features(poses[0]), "squatting", "squat.bmp");
        ++squatting;
      }
  std::printf("%d walking poses, %d squatting\n", walking, squatting);
  ASSERT_GT(walking, 40);
  ASSERT_GT(squatting, 16);
  const auto model = easel::TrainedClassifier::train(train);
  const easel::Evaluation result = easel::evaluate(model, test);
  std::printf("%s", easel::to_text(result).c_str());
  EXPECT_GT(result.accuracy(), 0.9);
  for (double a : result.class_accuracy()) EXPECT_GT(a, 0.8);
}

}  // namespace
