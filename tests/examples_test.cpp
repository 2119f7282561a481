// The workshop's sketches (examples/) run on sample videos and recordings, as they do where
// no camera or microphone is there, and each does its job: what they print is checked
// against the library's own tasks on the same frames, or against what is known of the media.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "easel/image_classifier.h"
#include "easel/object_detector.h"
#include "easel/video.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

std::string example(const std::string& name) { return easel::test::shell_quote((fs::path(EASEL_EXAMPLES_DIR) / name).string()); }

std::string sample(const std::string& name) { return easel::test::shell_quote(easel::find_sample(name).string()); }

// No screen: the sketches print instead of opening windows.
easel::test::CommandResult run_example(const std::string& name, const std::string& args) {
  return easel::test::run("env -u DISPLAY " + example(name) + " " + args);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first `count` frames of a sample video, as a short clip of its own.
fs::path clip_of(const std::string& video, int count, const fs::path& dir) {
  easel::VideoReader reader = easel::VideoReader::open(easel::find_sample(video));
  easel::Image frame;
  const fs::path out = dir / ("first-" + std::to_string(count) + "-" + video);
  std::optional<easel::VideoWriter> writer;
  for (int i = 0; i < count && reader.read(frame); ++i) {
    if (!writer) writer.emplace(easel::VideoWriter::create(out, frame.width(), frame.height(), reader.fps()));
    writer->write(frame);
  }
  writer->close();
  return out;
}

std::vector<easel::Image> frames_of(const fs::path& video) {
  easel::VideoReader reader = easel::VideoReader::open(video);
  std::vector<easel::Image> frames;
  easel::Image frame;
  while (reader.read(frame)) frames.push_back(frame);
  return frames;
}

}  // namespace

// Every frame's line is the library's top class for that frame, "label 0.94".
TEST(Examples, WebcamClassifierSaysWhatIsInEachFrame) {
  const auto r = run_example("webcam_classifier", sample("tree.avi"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = lines_of(r.output);
  const auto frames = frames_of(easel::find_sample("tree.avi"));
  ASSERT_EQ(lines.size(), frames.size()) << r.output;
  auto classifier = easel::ImageClassifier::create();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const easel::Classification best = classifier.classify(frames[i])[0];
    char expected[200];
    std::snprintf(expected, sizeof expected, "%s %.2f", best.label.c_str(), best.confidence);
    EXPECT_EQ(lines[i], expected) << "frame " << i;
  }
}

// vtest.avi's street: people in every frame, a line each, and the overlays saved.
TEST(Examples, ObjectDetectorFindsThePeopleInTheStreet) {
  easel::test::ScratchDir dir;
  const fs::path clip = clip_of("vtest.avi", 8, dir.path());
  const fs::path boxes = dir / "boxes.avi";
  const auto r = run_example("object_detector", easel::test::shell_quote(clip.string()) + " " + easel::test::shell_quote(boxes.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 8u) << r.output;
  const auto frames = frames_of(clip);
  auto detector = easel::ObjectDetector::create();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    int people = 0;
    for (const auto& d : detector.detect(frames[i])) people += d.label == "person";
    std::size_t said = 0;
    for (auto at = lines[i].find("person "); at != std::string::npos; at = lines[i].find("person ", at + 1)) ++said;
    EXPECT_GE(people, 3) << "frame " << i;
    EXPECT_EQ(said, static_cast<std::size_t>(people)) << lines[i];
  }
  EXPECT_EQ(frames_of(boxes).size(), 8u);
}

// The nose's path is painted, and every place it was seen is on one of YOLOX's people.
TEST(Examples, NosePainterPaintsWhereANoseIs) {
  easel::test::ScratchDir dir;
  const fs::path painting = dir / "painting.png";
  constexpr int kFrames = 40;
  const auto r = run_example("nose_painter", sample("vtest.avi") + " " + easel::test::shell_quote(painting.string()) + " " + std::to_string(kFrames));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const easel::Image canvas = easel::Image::load(painting);
  easel::VideoReader video = easel::VideoReader::open(easel::find_sample("vtest.avi"));
  std::vector<easel::Image> frames;
  easel::Image frame;
  for (int i = 0; i < kFrames && video.read(frame); ++i) frames.push_back(frame);
  auto detector = easel::ObjectDetector::create();
  const std::regex line(R"(frame (\d+): nose at (\d+) (\d+))");
  int noses = 0, on_people = 0;
  for (const std::string& l : lines_of(r.output)) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    ++noses;
    const int n = std::stoi(m[1]), x = std::stoi(m[2]), y = std::stoi(m[3]);
    ASSERT_LT(n, kFrames);
    const std::uint8_t* p = canvas.pixel(x, y);
    EXPECT_GT(p[0] + p[1] + p[2], 0) << "paint at " << x << "," << y;
    for (const auto& d : detector.detect(frames[static_cast<std::size_t>(n)]))
      if (d.label == "person" && x >= d.box.x && x <= d.box.x + d.box.width && y >= d.box.y && y <= d.box.y + d.box.height) {
        ++on_people;
        break;
      }
  }
  EXPECT_GE(noses, 10) << r.output;
  EXPECT_EQ(on_people, noses) << r.output;
  long painted = 0;
  for (int y = 0; y < canvas.height(); ++y)
    for (int x = 0; x < canvas.width(); ++x) painted += canvas.pixel(x, y)[0] + canvas.pixel(x, y)[1] + canvas.pixel(x, y)[2] > 0;
  EXPECT_LE(painted, noses * 81L) << "a dot of paint per nose seen, nothing else";
}

// right_left_up.wav says right, left and up: the square goes right, back, and up one.
TEST(Examples, KeywordGameMovesTheSquareAsItIsTold) {
  const auto r = run_example("keyword_game", easel::test::shell_quote((easel::test::shared_dir() / "media" / "arm-kws-samples" / "right_left_up.wav").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(lines_of(r.output),
            (std::vector<std::string>{"right: the square is at 5 4", "left: the square is at 4 4", "up: the square is at 4 3"}));
}

// Three videos as three classes, ten examples each: the frames after them are told apart.
TEST(Examples, TrainKnnTellsThreeVideosApart) {
  const auto r = run_example("train_knn", sample("vtest.avi") + " " + sample("tree.avi") + " " + sample("Megamind.avi"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::regex line(R"(.* \(class (\d)\): (\d+) of (\d+) frames classified as \d)");
  int videos = 0;
  for (const std::string& l : lines_of(r.output)) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    ++videos;
    EXPECT_EQ(m[3], "30") << l;
    EXPECT_GE(std::stoi(m[2]), 27) << l;
  }
  EXPECT_EQ(videos, 3) << r.output;
}

// A slider learnt from every 4th frame of tree.avi (its place in the video) guesses the
// frames between far better than always saying the middle.
TEST(Examples, RegressionSliderLearnsWhereInTheVideoAFrameIs) {
  const auto r = run_example("regression_slider", sample("tree.avi"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  const std::string text = r.output;
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(mean error ([0-9.]+) over (\d+) frames \(always guessing the middle: ([0-9.]+)\))"))) << text;
  EXPECT_GE(std::stoi(m[2]), 15);
  EXPECT_LT(std::stod(m[1]), std::stod(m[3]) / 2) << text;
}

// Without a camera and nothing to play: a clear error naming the camera, not a crash.
TEST(Examples, NoCameraIsAClearError) {
  const auto r = run_example("webcam_classifier", "");
  if (easel::test::run("ls /dev/video0").exit_code == 0) GTEST_SKIP() << "this machine has a camera";
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("camera"), std::string::npos) << r.output;
}
