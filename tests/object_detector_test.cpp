// ObjectDetector on real photos and video (darknet's dog.jpg and kite.jpg, OpenCV's
// vtest.avi), NMS on its own, errors, and `easel detect`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "easel/error.h"
#include "easel/image.h"
#include "easel/object_detector.h"
#include "easel/sample_media.h"
#include "easel/video.h"
#include "test_util.h"

using namespace easel;

namespace {

using easel::test::photo;

std::map<std::string, int> count(const std::vector<Detection>& found) {
  std::map<std::string, int> n;
  for (const auto& d : found) ++n[d.label];
  return n;
}

std::string describe(const std::vector<Detection>& found) {
  std::string s;
  for (const auto& d : found) s += d.label + " " + std::to_string(d.confidence).substr(0, 4) + "; ";
  return s;
}

}  // namespace

class DetectorModels : public testing::TestWithParam<const char*> {};

TEST_P(DetectorModels, DogBicycleAndCar) {
  ObjectDetector detector = ObjectDetector::create({.model = GetParam()});
  const Image image = photo("dog.jpg");
  const auto found = detector.detect(image);
  auto n = count(found);
  EXPECT_GE(n["dog"], 1) << describe(found);
  EXPECT_GE(n["bicycle"], 1) << describe(found);
  EXPECT_GE(n["car"] + n["truck"], 1) << describe(found);
  for (std::size_t i = 1; i < found.size(); ++i) EXPECT_GE(found[i - 1].confidence, found[i].confidence);
  for (const auto& d : found) {
    EXPECT_GE(d.box.x, 0);
    EXPECT_LE(d.box.x + d.box.width, image.width() + 0.5f);
    EXPECT_NEAR(d.normalized.width, d.box.width / image.width(), 1e-5);
    EXPECT_EQ(detector.labels()[static_cast<std::size_t>(d.class_index)], d.label);
  }
  // The dog is in the left half, the car (or truck) in the top right.
  for (const auto& d : found) {
    if (d.label == "dog") {
      EXPECT_LT(d.box.x + d.box.width / 2, image.width() / 2.f);
    }
    if (d.label == "car" || d.label == "truck") {
      EXPECT_GT(d.box.x + d.box.width / 2, image.width() / 2.f);
    }
  }
}

TEST_P(DetectorModels, PeopleAndAKite) {
  const auto found = ObjectDetector::create({.model = GetParam()}).detect(photo("kite.jpg"));
  auto n = count(found);
  EXPECT_GE(n["person"], 3) << describe(found);
  EXPECT_GE(n["kite"], 1) << describe(found);
}

INSTANTIATE_TEST_SUITE_P(Detect, DetectorModels, testing::Values("yolo", "centernet", "nanodet"), [](const auto& info) { return std::string(info.param); });

// Every frame of vtest.avi (a street with pedestrians): people in at least 90% of them.
TEST(DetectVideoScan, PeopleInVtestFrames) {
  // One thread: ctest runs other tests beside this long one, and OpenMP threads that
  // outnumber the free cores wait on each other.
  ObjectDetector detector = ObjectDetector::create({.threads = 1});
  VideoReader video = VideoReader::open(find_sample("vtest.avi"));
  Image frame;
  int frames = 0, with_people = 0;
  while (video.read(frame)) {
    ++frames;
    const auto found = detector.detect(frame);
    with_people += std::any_of(found.begin(), found.end(), [](const Detection& d) { return d.label == "person"; });
  }
  EXPECT_GT(frames, 700);
  std::printf("[ detect   ] people in %d of %d vtest.avi frames (%.1f%%)\n", with_people, frames, 100.0 * with_people / std::max(1, frames));
  EXPECT_GE(with_people, 0.9 * frames);
}

TEST(Detect, NonMaxSuppressionKeepsTheBestPerClass) {
  auto det = [](int cls, float conf, float x) {
    Detection d;
    d.class_index = cls;
    d.confidence = conf;
    d.box = {x, 0, 10, 10};
    return d;
  };
  // Two overlapping boxes of class 0 (IoU 0.67), one of class 1 in the same place, one apart.
  const auto kept = non_max_suppression({det(0, 0.5f, 2), det(0, 0.9f, 0), det(1, 0.4f, 0), det(0, 0.3f, 50)}, 0.45f, 10);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_FLOAT_EQ(kept[0].confidence, 0.9f);
  EXPECT_EQ(kept[1].class_index, 1);
  EXPECT_FLOAT_EQ(kept[2].box.x, 50);
  EXPECT_NEAR(intersection_over_union({0, 0, 10, 10}, {2, 0, 10, 10}), 80.0f / 120.0f, 1e-6);
  EXPECT_EQ(non_max_suppression({det(0, 0.5f, 2), det(0, 0.9f, 0), det(0, 0.3f, 50)}, 0.45f, 1).size(), 1u);
}

TEST(Detect, ClearErrors) {
  EXPECT_THROW(ObjectDetector::create({.model = "posenet"}), Error);
  EXPECT_THROW(ObjectDetector::create().detect(Image()), Error);
}

TEST(DetectCli, JsonAndAnnotatedImage) {
  easel::test::ScratchDir dir;
  const std::string cli = EASEL_CLI;
  auto r = easel::test::run(cli + " detect '" + find_sample("dog.jpg").string() + "' --json --out '" + (dir / "dog.png").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto doc = nlohmann::json::parse(r.output);
  std::set<std::string> labels;
  for (const auto& o : doc["objects"]) labels.insert(o["label"].get<std::string>());
  EXPECT_TRUE(labels.count("dog")) << r.output;
  const Image annotated = Image::load(dir / "dog.png");
  EXPECT_EQ(annotated.width(), photo("dog.jpg").width());
  r = easel::test::run(cli + " detect '" + find_sample("vtest.avi").string() + "' --max-frames 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int frames = 0;
  while (std::getline(lines, line)) EXPECT_EQ(nlohmann::json::parse(line)["frame"], frames++);
  EXPECT_EQ(frames, 3);
}
