// Model recipes are data: a second copy of a known model, registered under another name by
// a manifest entry alone (EASEL_MANIFEST), runs in its task and gives what the original
// gives; a recipe that asks for what no task has is a clear error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>

#include "easel/audio.h"
#include "easel/error.h"
#include "easel/face.h"
#include "easel/hands.h"
#include "easel/image_classifier.h"
#include "easel/object_detector.h"
#include "easel/pose.h"
#include "easel/sound_classifier.h"
#include "golden_util.h"
#include "models/manifest.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;
using easel::test::ScratchDir;
using nlohmann::json;

namespace {

// Sets an environment variable for the life of the object, then puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

json builtin_entry(const std::string& name) {
  const json manifest = json::parse(easel::detail::kBuiltinManifest);
  for (const json& m : manifest["models"])
    if (m["name"] == name) return m;
  throw std::runtime_error("no model " + name + " in the manifest");
}

// A folder of models and a manifest of copies: each original's files under a new name, and
// its manifest entry with that name and the folder as its only source.
struct Copies {
  ScratchDir scratch;
  json manifest = {{"version", 1}, {"models", json::array()}};

  void add(const std::string& original, const std::string& copy, const std::function<void(json&)>& edit = {}) {
    const easel::LocatedModel located = easel::test::model_store().get(original);
    json entry = builtin_entry(original);
    entry["name"] = copy;
    entry["sources"] = json::array({{{"type", "dir"}, {"folder", copy}}});
    for (const auto& f : entry["files"]) {
      const fs::path to = scratch / "models" / copy / f["path"].get<std::string>();
      fs::create_directories(to.parent_path());
      fs::create_symlink(located.file(f["path"].get<std::string>()), to);
    }
    if (edit) edit(entry);
    manifest["models"].push_back(entry);
  }
  fs::path write() const {
    const fs::path file = scratch / "more-models.json";
    easel::test::write(file, manifest.dump(1));
    return file;
  }
  std::string model_path() const {
    const char* old = std::getenv("EASEL_MODEL_PATH");
    return (scratch / "models").string() + (old ? std::string(":") + old : "");
  }
};

}  // namespace

TEST(Recipes, AModelOfAKnownKindIsAManifestEntry) {
  Copies copies;
  copies.add("mobilenet", "my-classifier");
  copies.add("yolo", "my-detector");
  copies.add("movenet-lightning", "my-pose-model");
  copies.add("speech-commands", "my-words");
  ScopedEnv manifest("EASEL_MANIFEST", copies.write().string());
  ScopedEnv path("EASEL_MODEL_PATH", copies.model_path());

  const easel::Image fruits = easel::test::photo("fruits.jpg"), dog = easel::test::photo("dog.jpg"),
                     messi = easel::test::photo("messi5.jpg");
  const auto mine = easel::ImageClassifier::create({.model = "my-classifier"}).classify(fruits);
  const auto theirs = easel::ImageClassifier::create({.model = "mobilenet"}).classify(fruits);
  ASSERT_EQ(mine.size(), theirs.size());
  EXPECT_EQ(mine[0].label, "lemon");
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].label, theirs[i].label);
    EXPECT_EQ(mine[i].confidence, theirs[i].confidence);
  }

  const auto boxes = easel::ObjectDetector::create({.model = "my-detector"}).detect(dog);
  const auto their_boxes = easel::ObjectDetector::create({.model = "yolo"}).detect(dog);
  ASSERT_EQ(boxes.size(), their_boxes.size());
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    EXPECT_EQ(boxes[i].label, their_boxes[i].label);
    EXPECT_EQ(boxes[i].box.x, their_boxes[i].box.x);
  }

  const auto poses = easel::PoseEstimator::create({.model = "my-pose-model"}).estimate(messi);
  const auto their_poses = easel::PoseEstimator::create({.model = "movenet-lightning"}).estimate(messi);
  ASSERT_FALSE(poses.empty());
  ASSERT_EQ(poses.size(), their_poses.size());
  for (std::size_t k = 0; k < 17; ++k) EXPECT_EQ(poses[0].keypoints[k].x, their_poses[0].keypoints[k].x);

  const auto clip = easel::load_audio(easel::find_sample("yes.wav"));
  EXPECT_EQ(easel::SoundClassifier::create({.model = "my-words"}).classify(clip).at(0).label, "yes");
}

TEST(Recipes, TheRecipeDecidesNotTheName) {
  // The same file fed another way is another model: mobilenet's file with its background
  // class kept gives a 1001st label, "background", to the classifier.
  Copies copies;
  copies.add("mobilenet", "mobilenet-with-background", [](json& e) { e["recipe"].erase("skip_first_class"); });
  ScopedEnv manifest("EASEL_MANIFEST", copies.write().string());
  ScopedEnv path("EASEL_MODEL_PATH", copies.model_path());
  const auto classifier = easel::ImageClassifier::create({.model = "mobilenet-with-background"});
  EXPECT_EQ(classifier.labels().size(), 1001u);
  EXPECT_EQ(classifier.labels()[0], "background");
}

TEST(Recipes, WhatNoTaskHasIsAClearError) {
  Copies copies;
  copies.add("yolo", "yolo-unknown-decoder", [](json& e) { e["recipe"]["decoder"] = "yolov9"; });
  copies.add("mobilenet", "mobilenet-sideways", [](json& e) { e["recipe"]["input"]["fit"] = "sideways"; });
  copies.add("mobilenet", "mobilenet-no-labels-file", [](json& e) { e["recipe"]["labels"]["file"] = "no-such-labels.txt"; });
  copies.add("movenet-lightning", "movenet-as-classifier", [](json& e) { e["task"] = "image-classification"; });
  ScopedEnv manifest("EASEL_MANIFEST", copies.write().string());
  ScopedEnv path("EASEL_MODEL_PATH", copies.model_path());
  const auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const easel::Error& e) {
      EXPECT_EQ(e.code(), easel::ErrorCode::bad_model) << e.what();
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message([] {
              easel::ObjectDetector::create({.model = "yolo-unknown-decoder"});
            }).find("'yolov9', which object detection does not know (it knows centernet, nanodet, yolox)"),
            std::string::npos);
  EXPECT_NE(message([] { easel::ImageClassifier::create({.model = "mobilenet-sideways"}); }).find("input fit 'sideways' is not one of"),
            std::string::npos);
  EXPECT_NE(message([] {
              easel::ImageClassifier::create({.model = "mobilenet-no-labels-file"});
            }).find("'no-such-labels.txt' is not among the model's files"),
            std::string::npos);
  EXPECT_NE(message([] {
              easel::ImageClassifier::create({.model = "movenet-as-classifier"});
            }).find("'movenet-single', which image classification does not know"),
            std::string::npos);
}

// Damaged recipes of the two-stage tasks (a manifest a user adds through EASEL_MANIFEST) are
// refused when the task is made, naming the model and the field, before anything runs.
TEST(Recipes, DamagedTwoStageRecipesAreRefusedByName) {
  Copies copies;
  copies.add("face-detection-short", "tiny-strides", [](json& e) {
    e["recipe"]["anchors"]["strides"] = json::array({1});
    e["recipe"]["anchors"]["aspect_ratios"] = json(std::vector<double>(300, 1.0));  // 5 million anchors
  });
  copies.add("face-detection-short", "few-anchors", [](json& e) { e["recipe"]["anchors"]["strides"] = json::array({16}); });
  copies.add("face-detection-short", "no-anchors", [](json& e) { e["recipe"].erase("anchors"); });
  copies.add("facemesh", "mesh-bad-region", [](json& e) { e["recipe"]["regions"]["lips"] = json::array({0, 99999}); });
  copies.add("facemesh", "mesh-no-output", [](json& e) { e["recipe"]["landmarks"]["output"] = "mesh_points"; });
  copies.add("facemesh", "mesh-too-many-points", [](json& e) { e["recipe"]["landmarks"]["points"] = 5000; });
  copies.add("handlandmark-full", "hand-bad-tracking", [](json& e) { e["recipe"]["tracking"]["points"] = json::array({0, 42}); });
  copies.add("handlandmark-full", "hand-no-detector", [](json& e) { e["recipe"].erase("detector"); });
  copies.add("handlandmark-full", "hand-bad-smoothing", [](json& e) { e["recipe"]["smoothing"]["min_cutoff"] = -1; });
  ScopedEnv manifest("EASEL_MANIFEST", copies.write().string());
  ScopedEnv path("EASEL_MODEL_PATH", copies.model_path());
  const auto refused = [](auto make, const std::string& model, const std::string& words) {
    try {
      make();
      ADD_FAILURE() << model << " was accepted";
    } catch (const easel::Error& e) {
      EXPECT_EQ(e.code(), easel::ErrorCode::bad_model) << e.what();
      const std::string what = e.what();
      EXPECT_NE(what.find(words), std::string::npos) << model << ": " << what;
    }
  };
  refused([] { (void)easel::FaceDetector::create({.model = "tiny-strides"}); }, "tiny-strides", "far more anchors");
  refused([] { (void)easel::FaceDetector::create({.model = "few-anchors"}); }, "few-anchors", "gives 896 rows, but its recipe makes 128 anchors");
  refused([] { (void)easel::FaceDetector::create({.model = "no-anchors"}); }, "no-anchors", "'no-anchors' has no \"anchors\"");
  refused([] { (void)easel::FaceMesh::create({.model = "mesh-bad-region"}); }, "mesh-bad-region", "region 'lips'");
  refused([] { (void)easel::FaceMesh::create({.model = "mesh-no-output"}); }, "mesh-no-output", "no output 'mesh_points'");
  refused([] { (void)easel::FaceMesh::create({.model = "mesh-too-many-points"}); }, "mesh-too-many-points", "smaller than 5000 points");
  refused([] { (void)easel::HandPose::create({.model = "hand-bad-tracking"}); }, "hand-bad-tracking", "tracking.points");
  refused([] { (void)easel::HandPose::create({.model = "hand-no-detector"}); }, "hand-no-detector", "names no palm detector");
  refused([] { (void)easel::HandPose::create({.model = "hand-bad-smoothing"}); }, "hand-bad-smoothing", "smoothing");
}
