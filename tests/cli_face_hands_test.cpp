// easel face, easel hands and easel segment from the command line: what they print, the
// JSON shape the issue asks for ({faces|hands: [{box, confidence, keypoints: [{name, x, y,
// confidence}]}]}), the pictures they write, and their clear refusals.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "easel/image.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"

namespace easel {
namespace {

std::string cli() { return test::model_path_env() + std::string(EASEL_CLI); }
std::string sample(const std::string& name) { return test::shell_quote(find_sample(name).string()); }

nlohmann::json json_line(const std::string& args) {
  const auto r = test::run(cli() + " " + args + " --json 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output.substr(0, r.output.find('\n')));
}

TEST(CliFaceHands, FaceListsFacesWithNamedKeypoints) {
  const nlohmann::json j = json_line("face " + sample("face.jpg"));
  ASSERT_EQ(j["faces"].size(), 2u);
  for (const auto& f : j["faces"]) {
    EXPECT_GT(f["confidence"].get<double>(), 0.9);
    EXPECT_GT(f["box"]["width"].get<double>(), 80);
    ASSERT_EQ(f["keypoints"].size(), 6u);
    EXPECT_EQ(f["keypoints"][2]["name"], "nose_tip");
    EXPECT_TRUE(f["keypoints"][2].contains("confidence"));
  }
  const nlohmann::json mesh = json_line("face --mesh " + sample("grace_hopper.bmp"));
  ASSERT_EQ(mesh["faces"].size(), 1u);
  EXPECT_EQ(mesh["faces"][0]["keypoints"].size(), 468u);
  EXPECT_TRUE(mesh["faces"][0]["keypoints"][0].contains("z"));
}

TEST(CliFaceHands, HandsNamesTheHandAndItsPoints) {
  const nlohmann::json j = json_line("hands " + sample("halfcurl.jpg"));
  ASSERT_EQ(j["hands"].size(), 1u);
  const auto& h = j["hands"][0];
  EXPECT_EQ(h["handedness"], "Left");
  ASSERT_EQ(h["keypoints"].size(), 21u);
  EXPECT_EQ(h["keypoints"][0]["name"], "wrist");
  EXPECT_EQ(h["keypoints"][20]["name"], "pinky_finger_tip");
  // In words, and a picture with the hand drawn.
  test::ScratchDir dir;
  const auto r = test::run(cli() + " hands " + sample("halfcurl.jpg") + " -o " + test::shell_quote((dir / "hand.png").string()) + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("hand 1 Left"), std::string::npos) << r.output;
  EXPECT_EQ(Image::load(dir / "hand.png").width(), 480);
}

TEST(CliFaceHands, SegmentWritesTheMaskOrANewBackground) {
  test::ScratchDir dir;
  const auto r = test::run(cli() + " segment " + sample("grace_hopper.bmp") + " -o " + test::shell_quote((dir / "mask.png").string()) + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("person 5"), std::string::npos) << r.output;  // 57.9%
  const Image mask = Image::load(dir / "mask.png");
  ASSERT_EQ(mask.width(), 512);
  std::size_t white = 0;
  for (int i = 0; i < mask.width() * mask.height(); ++i) white += mask.data()[3 * i] > 127;
  EXPECT_NEAR(static_cast<double>(white) / (mask.width() * mask.height()), 0.579, 0.01);
  const nlohmann::json j = json_line("segment --model deeplab " + sample("dog.jpg"));
  EXPECT_GT(j["coverage"]["dog"].get<double>(), 0.05);
  EXPECT_GT(j["coverage"]["bicycle"].get<double>(), 0.08);
  const auto replaced = test::run(cli() + " segment " + sample("grace_hopper.bmp") + " --replace " + sample("starry_night.jpg") + " -o " +
                                  test::shell_quote((dir / "night.png").string()) + " 2>&1");
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_EQ(Image::load(dir / "night.png").height(), 600);
}

TEST(CliFaceHands, BadRequestsAreRefusedClearly) {
  const auto wrong = test::run(cli() + " hands --model facemesh " + sample("halfcurl.jpg") + " 2>&1");
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_NE(wrong.output.find("not a hand landmark model"), std::string::npos) << wrong.output;
  const auto both = test::run(cli() + " segment --blur --overlay " + sample("dog.jpg") + " 2>&1");
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("one of --blur"), std::string::npos) << both.output;
  const auto missing = test::run(cli() + " face /no/such/photo.jpg 2>&1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("photo.jpg"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace easel
