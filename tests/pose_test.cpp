// PoseEstimator on real photos: a whole body (messi5.jpg, darknet's person.jpg) has its nose
// above its shoulders and its shoulders above its hips; an upper body (astronaut.png) its
// nose above its shoulders; several people (kite.jpg) give several poses. Every model.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include "easel/error.h"
#include "easel/image.h"
#include "easel/object_detector.h"
#include "easel/pose.h"
#include "easel/smoothing.h"
#include "easel/video.h"
#include "mediapipe_oracle.h"
#include "sample_media.h"
#include "test_util.h"

using namespace easel;

namespace {

using easel::test::photo;

// The mean y of the named keypoints that are confident, or NaN.
float mean_y(const Pose& pose, std::initializer_list<const char*> names, float min_score) {
  float sum = 0;
  int n = 0;
  for (const char* name : names)
    if (const Keypoint* k = pose.find(name); k && k->confidence >= min_score) sum += k->y, ++n;
  return n ? sum / static_cast<float>(n) : std::nanf("");
}

std::string describe(const Pose& pose) {
  std::string s = "score " + std::to_string(pose.confidence) + ":";
  for (const auto& k : pose.keypoints)
    s += " " + k.name + "(" + std::to_string(int(k.x)) + "," + std::to_string(int(k.y)) + " " + std::to_string(k.confidence).substr(0, 4) +
         ")";
  return s;
}

void expect_upright(const Pose& pose, const Image& image, bool whole_body, const std::string& what) {
  SCOPED_TRACE(what + ": " + describe(pose));
  // The head by whichever of its points are seen (person.jpg's woman has her back half
  // turned: read on her own, her ears are sure and her nose is not).
  const float nose = mean_y(pose, {"nose", "left_eye", "right_eye", "left_ear", "right_ear"}, 0.3f),
              shoulders = mean_y(pose, {"left_shoulder", "right_shoulder"}, 0.3f);
  ASSERT_FALSE(std::isnan(nose));
  ASSERT_FALSE(std::isnan(shoulders));
  EXPECT_LT(nose, shoulders);
  if (whole_body) {
    const float hips = mean_y(pose, {"left_hip", "right_hip"}, 0.3f);
    ASSERT_FALSE(std::isnan(hips));
    EXPECT_LT(shoulders, hips);
  }
  for (const Keypoint& k : pose.keypoints) {
    if (k.confidence < 0.3f) continue;
    EXPECT_GE(k.x, 0) << k.name;
    EXPECT_LE(k.x, image.width()) << k.name;
    EXPECT_GE(k.y, 0) << k.name;
    EXPECT_LE(k.y, image.height()) << k.name;
    EXPECT_NEAR(k.nx, k.x / image.width(), 1e-5) << k.name;
  }
  EXPECT_EQ(pose.keypoints.size(), 17u);
  EXPECT_GT(pose.box.width, 0);
  EXPECT_GT(pose.box.height, 0);
}

}  // namespace

class PoseModels : public testing::TestWithParam<const char*> {};

TEST_P(PoseModels, BodiesAreUpright) {
  PoseEstimator estimator = PoseEstimator::create({.model = GetParam()});
  for (const char* name : {"messi5.jpg", "person.jpg"}) {
    const Image image = photo(name);
    const auto poses = estimator.estimate(image);
    ASSERT_FALSE(poses.empty()) << name;
    expect_upright(poses[0], image, true, name);
  }
  const Image astronaut = photo("astronaut.png");
  const auto poses = estimator.estimate(astronaut);
  ASSERT_FALSE(poses.empty());
  expect_upright(poses[0], astronaut, false, "astronaut.png");
}

// The confident keypoints lie inside the box the object detector draws around the person
// (grown by 10% each way: a box is fitted to the body, keypoints sit on its joints).
TEST_P(PoseModels, KeypointsInsideThePersonsBox) {
  PoseEstimator estimator = PoseEstimator::create({.model = GetParam()});
  ObjectDetector detector = ObjectDetector::create();
  for (const char* name : {"messi5.jpg", "person.jpg"}) {
    const Image image = photo(name);
    const auto people = detector.detect(image);
    const Detection* person = nullptr;
    for (const auto& d : people)
      if (d.label == "person" && (!person || d.box.width * d.box.height > person->box.width * person->box.height)) person = &d;
    ASSERT_NE(person, nullptr) << name;
    const auto poses = estimator.estimate(image);
    ASSERT_FALSE(poses.empty()) << name;
    const BoundingBox& b = person->box;
    const float mx = 0.1f * b.width, my = 0.1f * b.height;
    for (const Keypoint& k : poses[0].keypoints) {
      if (k.confidence < 0.3f) continue;
      EXPECT_TRUE(k.x >= b.x - mx && k.x <= b.x + b.width + mx && k.y >= b.y - my && k.y <= b.y + b.height + my)
          << name << ": " << k.name << " at " << k.x << "," << k.y << " outside the person box " << b.x << "," << b.y << " " << b.width
          << "x" << b.height;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Pose, PoseModels, testing::Values("movenet-lightning", "movenet-thunder", "movenet-multipose", "posenet"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// vtest.avi: pedestrians about 80 pixels tall in a 768x576 street scene.
TEST(Pose, SeveralPeopleInAVtestFrame) {
  const auto file = find_sample("vtest.avi");
  ASSERT_FALSE(file.empty());
  VideoReader video = VideoReader::open(file);
  Image frame;
  while (video.read(frame) && video.frame_index() < 50) {}
  ASSERT_EQ(video.frame_index(), 50);
  EXPECT_GT(video.timestamp_ms(), 0);
  // Small people need movenet-multipose at more than its default 256 pixels.
  for (PoseEstimatorOptions o :
       {PoseEstimatorOptions{.model = "movenet-multipose", .input_size = 512}, PoseEstimatorOptions{.model = "posenet", .multi = true}}) {
    const auto poses = PoseEstimator::create(o).estimate(frame);
    EXPECT_GE(poses.size(), 3u) << o.model;
    for (std::size_t i = 1; i < poses.size(); ++i) EXPECT_GE(poses[i - 1].confidence, poses[i].confidence);
    for (const Pose& p : poses) EXPECT_GT(p.box.height, p.box.width) << o.model << ": people stand upright";
  }
}

TEST(Pose, FlipMirrorsAndTrackKeepsIds) {
  const Image image = photo("messi5.jpg");
  auto plain = PoseEstimator::create().estimate(image);
  auto flipped = PoseEstimator::create({.flip_horizontal = true}).estimate(image);
  ASSERT_FALSE(plain.empty());
  ASSERT_FALSE(flipped.empty());
  for (std::size_t k = 0; k < 17; ++k) {
    EXPECT_NEAR(flipped[0].keypoints[k].x, image.width() - plain[0].keypoints[k].x, 0.01f);
    EXPECT_NEAR(flipped[0].keypoints[k].y, plain[0].keypoints[k].y, 0.01f);
  }
  // The same frame twice: the same person keeps the same id.
  PoseEstimator tracker = PoseEstimator::create({.model = "movenet-multipose"});
  const auto first = tracker.track(photo("messi5.jpg"));
  const auto second = tracker.track(photo("messi5.jpg"));
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].id, second[i].id);
}

// A person standing still in a video whose camera adds noise: messi5.jpg as 24 frames,
// each with its own sensor noise. Keypoints jitter from frame to frame; track()'s One Euro
// smoothing (on by default, as ml5's bodyPose) must calm them, and a person who moves must
// still be followed: after a jump of 40 px the smoothed keypoints catch up within frames.
TEST(Pose, SmoothingCalmsJitterAndFollowsMovement) {
  const Image still = photo("messi5.jpg");
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.f, 12.f);
  auto noisy = [&](const Image& image) {
    Image out = image;
    for (int i = 0; i < out.width() * out.height() * 3; ++i)
      out.data()[i] = static_cast<std::uint8_t>(std::clamp(static_cast<float>(out.data()[i]) + noise(rng), 0.f, 255.f));
    return out;
  };
  std::vector<Image> frames;
  for (int f = 0; f < 24; ++f) frames.push_back(noisy(still));
  // Mean movement of the confident keypoints of the first person from one frame to the next.
  auto jitter = [&](bool smooth) {
    PoseEstimator tracker = PoseEstimator::create({.model = "movenet-thunder", .smooth = smooth});
    std::vector<Pose> before;
    double sum = 0;
    int n = 0;
    for (const Image& frame : frames) {
      const auto poses = tracker.track(frame);
      if (!poses.empty() && !before.empty())
        for (std::size_t k = 0; k < 17; ++k)
          if (poses[0].keypoints[k].confidence > 0.3f && before[0].keypoints[k].confidence > 0.3f) {
            sum += std::hypot(poses[0].keypoints[k].x - before[0].keypoints[k].x, poses[0].keypoints[k].y - before[0].keypoints[k].y);
            ++n;
          }
      before = poses;
    }
    EXPECT_GT(n, 100);
    return sum / std::max(n, 1);
  };
  const double raw = jitter(false), smoothed = jitter(true);
  std::printf("[ keypoint jitter of a still person: %.2f px a frame raw, %.2f px smoothed ]\n", raw, smoothed);
  EXPECT_GT(raw, 0.3) << "the noise made no jitter to measure";
  // TF.js pose-detection's MoveNet settings (as ml5's bodyPose smooths): seen 2.68 -> 1.90 px.
  EXPECT_LT(smoothed, 0.75 * raw);

  // The person moves 40 px to the right (the picture shifted): smoothed keypoints follow.
  PoseEstimator tracker = PoseEstimator::create({.model = "movenet-thunder"});
  for (int f = 0; f < 5; ++f) tracker.track(frames[static_cast<std::size_t>(f)]);
  Image moved(still.width(), still.height());
  for (int y = 0; y < still.height(); ++y)
    std::copy(still.pixel(0, y), still.pixel(still.width() - 40, y), moved.data() + (static_cast<std::size_t>(y) * still.width() + 40) * 3);
  const auto target = PoseEstimator::create({.model = "movenet-thunder"}).estimate(moved);
  std::vector<Pose> followed;
  for (int f = 0; f < 6; ++f) followed = tracker.track(moved);
  ASSERT_FALSE(target.empty());
  ASSERT_FALSE(followed.empty());
  EXPECT_NEAR(followed[0]["nose"].x, target[0]["nose"].x, 4.0);
  EXPECT_NEAR(followed[0]["left_hip"].x, target[0]["left_hip"].x, 4.0);
}

TEST(Pose, UnknownModelIsAClearError) {
  try {
    PoseEstimator::create({.model = "mobilenet"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mobilenet"), std::string::npos);
    EXPECT_NE(std::string(e.hint()).find("movenet-lightning"), std::string::npos);
  }
}

TEST(PoseCli, ImageJsonAndAnnotatedVideo) {
  easel::test::ScratchDir dir;
  const std::string cli = EASEL_CLI;
  auto r = easel::test::run(cli + " pose '" + find_sample("messi5.jpg").string() + "' --json --out '" + (dir / "messi.png").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto doc = nlohmann::json::parse(r.output);
  // Messi, and a spectator in the crowd at the left (each found by the person detector
  // first, as ml5's bodyPose finds everyone).
  ASSERT_EQ(doc["poses"].size(), 2u);
  EXPECT_EQ(doc["poses"][0]["keypoints"].size(), 17u);
  EXPECT_EQ(doc["poses"][0]["keypoints"][0]["name"], "nose");
  const Image annotated = Image::load(dir / "messi.png");
  const Image original = photo("messi5.jpg");
  ASSERT_EQ(annotated.width(), original.width());
  EXPECT_NE(0, std::memcmp(annotated.data(), original.data(), static_cast<std::size_t>(original.width()) * original.height() * 3))
      << "a skeleton was drawn";
  // A video: one JSON line per frame, with timestamps, and the annotated video.
  r = easel::test::run(cli + " pose '" + find_sample("vtest.avi").string() + "' --model movenet-multipose --max-frames 4 --json --out '" +
                       (dir / "walk.mp4").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int frames = 0;
  double last = -1;
  while (std::getline(lines, line)) {
    const auto frame = nlohmann::json::parse(line);
    EXPECT_EQ(frame["frame"], frames);
    EXPECT_GT(frame["timestamp_ms"].get<double>(), last);
    last = frame["timestamp_ms"].get<double>();
    ++frames;
  }
  EXPECT_EQ(frames, 4);
  VideoReader written = VideoReader::open(dir / "walk.mp4");
  Image frame;
  int count = 0;
  while (written.read(frame)) ++count;
  EXPECT_EQ(count, 4);
  r = easel::test::run(cli + " pose /no/such/walk.avi");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/no/such/walk.avi"), std::string::npos) << r.output;
}

namespace easel {
namespace {

// OneEuroFilter with TF.js pose-detection's MoveNet settings against that library's own
// OneEuroFilter (dist/shared/filters/one_euro_filter.js, the filter its
// KeypointsOneEuroFilter runs per coordinate), on the same noisy, moving signal: the same
// outputs within float rounding.
TEST(Smoothing, OneEuroFilterIsPoseDetectionsFilter) {
  EASEL_NEEDS_MEDIAPIPE_ORACLE();
  std::mt19937 rng(5);
  std::normal_distribution<float> noise(0.f, 0.01f);
  std::vector<float> values;
  std::vector<double> seconds;
  for (int i = 0; i < 90; ++i) {
    // Still, then a quick move, then still again, with jitter and an outlier; 30 fps with
    // a dropped frame.
    const float base = i < 30 ? 0.4f : i < 45 ? 0.4f + 0.02f * static_cast<float>(i - 30) : 0.7f;
    values.push_back(base + noise(rng) + (i == 60 ? 0.2f : 0.f));
    seconds.push_back((i < 50 ? i + 1 : i + 2) / 30.0);  // from 1/30 s: pose-detection's filter skips a time of 0
  }
  std::string js_values, js_times;
  for (std::size_t i = 0; i < values.size(); ++i) {
    js_values += (i ? "," : "") + std::to_string(values[i]);
    js_times += (i ? "," : "") + std::to_string(static_cast<long long>(std::llround(seconds[i] * 1e6)));
  }
  const auto r = test::run("cd " + test::shell_quote(test::mediapipe_oracle_dir().string()) +
                           " && node -e \"const {OneEuroFilter} = require('@tensorflow-models/pose-detection/dist/shared/filters/one_euro_filter.js');"
                           "const f = new OneEuroFilter({frequency: 30, minCutOff: 2.5, beta: 300, derivateCutOff: 2.5, thresholdCutOff: 0.5, thresholdBeta: 5});"
                           "const v = [" + js_values + "], t = [" + js_times + "];"
                           "console.log(JSON.stringify(v.map((x, i) => f.apply(x, t[i], 1))))\" 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto want = nlohmann::json::parse(r.output.substr(r.output.rfind('['))).get<std::vector<double>>();
  ASSERT_EQ(want.size(), values.size());
  OneEuroFilter filter({.min_cutoff = 2.5, .beta = 300, .d_cutoff = 2.5, .threshold_cutoff = 0.5, .threshold_beta = 5});
  double worst = 0;
  for (std::size_t i = 0; i < values.size(); ++i) worst = std::max(worst, std::abs(filter.filter(values[i], seconds[i]) - want[i]));
  EXPECT_LT(worst, 1e-5);
}

}  // namespace
}  // namespace easel
