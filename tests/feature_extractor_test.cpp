// FeatureExtractor: Teachable Machine's base gives the features TF.js gives on a real photo,
// and features of three videos' frames, learnt by a KNN classifier from the first half of
// each video, tell the second halves apart, by KNN and by Teachable Machine's trained head
// (issue 14's video acceptance).
#include <gtest/gtest.h>

#include "easel/error.h"
#include "easel/evaluation.h"
#include "easel/feature_extractor.h"
#include "easel/knn_classifier.h"
#include "easel/npy.h"
#include "easel/video.h"
#include "golden_util.h"
#include "sample_media.h"
#include "vision/preprocess.h"

namespace fs = std::filesystem;

namespace {

TEST(FeatureExtractor, TeachableMachinesBaseGivesWhatTfjsGives) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  auto extractor = easel::FeatureExtractor::create();
  EXPECT_EQ(extractor.length(), 1280);
  const easel::Image photo = easel::Image::load(easel::find_sample("fruits.jpg"));
  const std::vector<float> features = extractor.extract(photo);
  ASSERT_EQ(features.size(), 1280u);

  // TF.js on the same input (Teachable Machine's: the centre square, 224, -1..1), run as far
  // as the export's first nested model, the base.
  easel::vision::InputSpec spec;
  spec.fit = easel::vision::Fit::center_crop;
  spec.range = easel::vision::Range::signed_unit;
  easel::write_npy(dir / "x.npy", easel::vision::to_tensor(photo, spec));
  const fs::path model = easel::test::model_store().get("tm-image-2019").entry();
  const auto r =
      easel::test::run("node " + easel::test::shell_quote(easel::test::run_tfjs_script().string()) + " --quiet --model " +
                       easel::test::shell_quote(model.string()) + " --layer 0 --input " +
                       easel::test::shell_quote((dir / "x.npy").string()) + " --out " + easel::test::shell_quote((dir / "tfjs").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto written = easel::test::npy_files(dir / "tfjs");
  ASSERT_EQ(written.size(), 1u);
  const easel::Tensor want = easel::read_npy(dir / "tfjs" / *written.begin());
  easel::Tensor got(easel::DType::f32, {1, 1280});
  std::copy(features.begin(), features.end(), got.data<float>());
  const easel::test::Diff d = easel::test::compare(got, want);
  EXPECT_TRUE(d.ok()) << "largest difference " << d.max_err << " at " << d.worst;
  EXPECT_GT(d.max_ref, 0.1);
}

// About 30 frames spread over a video, however long it is (counted by decoding: a file's
// frame count may promise more than it holds, as tree.avi's does).
std::vector<easel::Image> spread_frames(const char* video) {
  int decodable = 0;
  easel::Image frame;
  for (auto counter = easel::VideoReader::open(easel::find_sample(video)); counter.read(frame);) ++decodable;
  const int stride = std::max(1, decodable / 30);
  auto reader = easel::VideoReader::open(easel::find_sample(video));
  std::vector<easel::Image> frames;
  for (int i = 0; reader.read(frame); ++i)
    if (i % stride == 0) frames.push_back(frame);
  return frames;
}

TEST(FeatureExtractor, ThreeVideosToldApartFromTheirFirstHalves) {
  auto extractor = easel::FeatureExtractor::create();
  easel::KnnClassifier knn;
  struct Held {
    std::vector<float> features;
    std::string label;
  };
  std::vector<Held> tests;
  easel::Examples first_halves, second_halves;
  for (const char* video : {"vtest.avi", "Megamind.avi", "tree.avi"}) {
    std::vector<std::vector<float>> frames;
    for (const easel::Image& frame : spread_frames(video)) frames.push_back(extractor.extract(frame));
    ASSERT_GE(frames.size(), 10u) << video;
    const std::size_t half = frames.size() / 2;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      if (i < half) knn.add_example(frames[i], video), first_halves.add(frames[i], video);
      else tests.push_back({frames[i], video}), second_halves.add(frames[i], video);
    }
  }
  int right = 0;
  for (const Held& t : tests) right += knn.classify(t.features).label == t.label;
  std::printf("KNN: %d of %zu second-half frames told apart\n", right, tests.size());
  EXPECT_GT(right, 0.95 * static_cast<double>(tests.size())) << right << " of " << tests.size();

  // Teachable Machine's head, trained with its defaults on the first halves.
  const auto model = easel::TrainedClassifier::train(first_halves);
  const easel::Evaluation result = easel::evaluate(model, second_halves);
  std::printf("trained head: %d of %d second-half frames told apart\n", result.correct(), result.total());
  EXPECT_EQ(result.total(), static_cast<int>(tests.size()));
  EXPECT_GT(result.accuracy(), 0.95);
}

TEST(FeatureExtractor, CoralsMobileNetEmbeddingToo) {
  // The uint8 MobileNet V1 cut after its pool (1024 values, dequantized), by KNN with k = 1.
  auto extractor = easel::FeatureExtractor::create({.model = "mobilenet-embedding"});
  EXPECT_EQ(extractor.length(), 1024);
  easel::KnnClassifier knn;
  std::vector<std::pair<std::vector<float>, std::string>> tests;
  for (const char* video : {"vtest.avi", "Megamind.avi", "tree.avi"}) {
    const auto frames = spread_frames(video);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const std::vector<float> f = extractor.extract(frames[i]);
      ASSERT_EQ(f.size(), 1024u);
      for (float v : f) ASSERT_TRUE(v >= 0 && v <= 6.1f) << v;  // post-ReLU6 features
      if (i < frames.size() / 2) knn.add_example(f, video);
      else tests.emplace_back(f, video);
    }
  }
  int right = 0;
  for (const auto& [f, video] : tests) right += knn.classify(f, 1).label == video;
  std::printf("Coral embedding, KNN: %d of %zu second-half frames told apart\n", right, tests.size());
  EXPECT_GT(right, 0.95 * static_cast<double>(tests.size()));
}

TEST(FeatureExtractor, AModelWithoutFeaturesIsAClearError) {
  try {
    easel::FeatureExtractor::create({.model = "yolo"});
    FAIL() << "yolo was taken as a feature extractor";
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::bad_input);
    EXPECT_NE(std::string(e.what()).find("'yolo' has no features"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("tm-image-2019"), std::string::npos) << e.hint();
    EXPECT_NE(e.hint().find("movenet-lightning"), std::string::npos) << e.hint();
  }
}

}  // namespace
