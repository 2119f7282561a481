// ImageClassifier on real photos (Debian's opencv-doc and python3-skimage pictures, the
// Coral test images) with each model's own preprocessing, its errors, and `easel classify`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <string>

#include <opencv2/imgproc.hpp>

#include "easel/error.h"
#include "easel/image.h"
#include "easel/image_classifier.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace easel;

namespace {

fs::path media(const std::string& name) { return find_sample(name); }

// The top class's label, with the top 3 for the failure message.
std::string top(ImageClassifier& classifier, const std::string& image, std::string* top3 = nullptr) {
  const auto results = classifier.classify(Image::load(media(image)));
  if (results.empty()) return "";
  if (top3)
    for (std::size_t i = 0; i < results.size() && i < 3; ++i)
      *top3 += results[i].label + " " + std::to_string(results[i].confidence) + "; ";
  return results[0].label;
}

ImageClassifier& mobilenet() {
  static ImageClassifier classifier = ImageClassifier::create();
  return classifier;
}

}  // namespace

TEST(ImageClassifier, KnownPhotosWithMobileNet) {
  struct Case {
    std::string image;
    std::set<std::string> accepted;
  };
  const Case cases[] = {
      {"chelsea.png", {"Egyptian cat", "tabby, tabby cat", "tiger cat"}},
      {"coffee.png", {"espresso"}},
      {"orange.jpg", {"orange"}},
      {"fruits.jpg", {"lemon", "orange"}},
      {"parrot.jpg", {"macaw"}},
  };
  for (const Case& c : cases) {
    std::string top3;
    const std::string label = top(mobilenet(), c.image, &top3);
    EXPECT_TRUE(c.accepted.count(label)) << c.image << ": " << top3;
  }
}

TEST(ImageClassifier, ResultsAreSortedProbabilities) {
  const auto results = mobilenet().classify(Image::load(media("chelsea.png")));
  ASSERT_GE(results.size(), 3u);  // the default top_k is 5; classes at exactly 0 are left out
  ASSERT_LE(results.size(), 5u);
  for (std::size_t i = 1; i < results.size(); ++i) EXPECT_GE(results[i - 1].confidence, results[i].confidence);
  EXPECT_GT(results[0].confidence, 0.3f);
  EXPECT_EQ(mobilenet().labels().size(), 1000u) << "background is not a class";
  EXPECT_EQ(mobilenet().labels()[static_cast<std::size_t>(results[0].index)], results[0].label);
  // uint8 scores leave most classes at exactly 0; those are not listed as if they ranked.
  for (const auto& c : mobilenet().classify(Image::load(media("coffee.png")))) EXPECT_GT(c.confidence, 0.f) << c.label;
  float sum = 0;
  for (float p : mobilenet().probabilities(Image::load(media("coffee.png")))) sum += p;
  EXPECT_NEAR(sum, 1.0f, 0.05f);  // uint8 softmax: each step is 1/256
}

TEST(ImageClassifier, SmallMobileNetAndDarknet) {
  auto small = ImageClassifier::create({.model = "mobilenet-v1-0.25"});
  std::string top3;
  EXPECT_EQ(top(small, "parrot.jpg", &top3), "macaw") << top3;
  // Darknet-tiny (ml5's darknet), with darknet's class names from Debian's darknet package.
  auto darknet = ImageClassifier::create({.model = "darknet-tiny", .top_k = 3});
  EXPECT_EQ(darknet.classify(easel::test::photo("dog.jpg")).size(), 3u);  // float softmax: every class above 0
  top3.clear();
  EXPECT_EQ(top(darknet, "eagle.jpg", &top3), "bald eagle") << top3;
  top3.clear();
  const std::string cat = top(darknet, "chelsea.png", &top3);
  EXPECT_TRUE(cat == "Egyptian cat" || cat == "tabby" || cat == "tiger cat") << top3;
}

// DoodleNet (QuickDraw sketches) as ml5 feeds it: dark strokes on white paper, made 28x28
// and binary. A drawn square and a drawn circle land among the round and square things.
TEST(ImageClassifier, DoodleNetSketches) {
  auto doodles = ImageClassifier::create({.model = "doodlenet", .top_k = 3});
  EXPECT_EQ(doodles.labels().size(), 345u);
  auto sketch = [](bool round) {
    cv::Mat paper(280, 280, CV_8UC3, cv::Scalar(255, 255, 255));
    if (round) cv::circle(paper, {140, 140}, 100, cv::Scalar(0, 0, 0), 20);
    else cv::rectangle(paper, {50, 50}, {230, 230}, cv::Scalar(0, 0, 0), 20);
    return Image(280, 280, paper.data);
  };
  auto labels = [&](bool round) {
    std::set<std::string> top;
    for (const auto& c : doodles.classify(sketch(round))) top.insert(c.label);
    return top;
  };
  const auto square = labels(false), circle = labels(true);
  EXPECT_TRUE(square.count("square") || square.count("picture_frame")) << *square.begin();
  const std::set<std::string> round_things = {"circle", "bracelet", "necklace", "donut", "wheel", "bottlecap", "cookie"};
  EXPECT_TRUE(std::any_of(circle.begin(), circle.end(), [&](const std::string& l) { return round_things.count(l) > 0; }))
      << *circle.begin();
}

TEST(ImageClassifier, TeachableMachineExport) {
  const fs::path dir = easel::test::shared_dir() / "models" / "tm-image-official-2019";
  if (!fs::exists(dir)) EASEL_SKIP_UNLESS_REQUIRED("no " + dir.string());
  // The folder, its model.json and its metadata.json all name the same model.
  for (const fs::path& p : {dir, dir / "model.json", dir / "metadata.json"}) {
    auto tm = ImageClassifier::create({.model = p.string(), .top_k = 2});
    EXPECT_EQ(tm.labels(), (std::vector<std::string>{"Class 1", "Class 2"}));
    for (const char* name : {"0.png", "7.png"}) {
      const auto one = tm.classify(Image::load(dir / "test_images" / "class1" / name));
      const auto two = tm.classify(Image::load(dir / "test_images" / "class2" / name));
      EXPECT_EQ(one[0].label, "Class 1") << name;
      EXPECT_EQ(two[0].label, "Class 2") << name;
      EXPECT_GT(two[0].confidence, 0.95f) << name;  // TF.js gives 0.99997 and 0.99999
    }
  }
}

TEST(ImageClassifier, ClearErrors) {
  easel::test::ScratchDir dir;
  try {
    Image::load(dir / "missing.jpg");
    FAIL() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jpg"), std::string::npos) << e.what();
  }
  easel::test::write(dir / "notes.jpg", "these are not pixels");
  try {
    Image::load(dir / "notes.jpg");
    FAIL() << "no error for a file that is not an image";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("notes.jpg"), std::string::npos) << e.what();
  }
  try {
    ImageClassifier::create({.model = "posenet"});
    FAIL() << "a pose model is not a classifier";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not an image classifier"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ImageClassifier::create({.model = "mobilenett"}), Error);
  EXPECT_THROW(ImageClassifier::create({.model = dir.path().string()}), Error);  // a folder, but no export in it
  EXPECT_THROW(mobilenet().classify(Image()), Error);
}

TEST(ImageClassifier, SaveAndReloadKeepsPixels) {
  easel::test::ScratchDir dir;
  Image photo = Image::load(media("orange.jpg"));
  photo.save(dir / "copy.png");
  Image again = Image::load(dir / "copy.png");
  ASSERT_EQ(again.width(), photo.width());
  ASSERT_EQ(again.height(), photo.height());
  EXPECT_EQ(0, std::memcmp(again.data(), photo.data(), static_cast<std::size_t>(photo.width()) * photo.height() * 3));
  EXPECT_THROW(photo.save(dir / "copy.nope"), Error);
  EXPECT_FALSE(fs::exists(dir / "copy.nope"));
}

TEST(ClassifyCli, PrintsLabelsAndJson) {
  const std::string easel_bin = EASEL_CLI;
  auto r = easel::test::run(easel_bin + " classify '" + media("coffee.png").string() + "' --top 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("espresso 0.", 0), 0u) << r.output;
  r = easel::test::run(easel_bin + " classify '" + media("orange.jpg").string() + "' '" + media("parrot.jpg").string() + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  std::vector<std::string> tops;
  while (std::getline(lines, line)) tops.push_back(nlohmann::json::parse(line)["classes"][0]["label"].get<std::string>());
  EXPECT_EQ(tops, (std::vector<std::string>{"orange", "macaw"}));
  // A video: one JSON line per frame, frames numbered from 0.
  r = easel::test::run(easel_bin + " classify '" + media("vtest.avi").string() + "' --max-frames 3 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream frames(r.output);
  int n = 0;
  while (std::getline(frames, line)) {
    const auto doc = nlohmann::json::parse(line);
    EXPECT_EQ(doc["frame"], n++);
    EXPECT_EQ(doc["classes"].size(), 3u);
  }
  EXPECT_EQ(n, 3);
  r = easel::test::run(easel_bin + " classify /no/such/photo.jpg");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/no/such/photo.jpg"), std::string::npos) << r.output;
}
