// Teachable Machine's image export, both ways (issue 14): a head trained in easel, exported,
// gives under TF.js what it gives in easel (within 1e-4); Google's official export opens
// as a trained head that predicts as the export does, and retrains with a new class.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <nlohmann/json.hpp>

#include "easel/error.h"
#include "easel/image_classifier.h"
#include "easel/npy.h"
#include "easel/training.h"
#include "golden_util.h"
#include "sample_media.h"
#include "test_util.h"
#include "vision/preprocess.h"

namespace fs = std::filesystem;

namespace {

fs::path official_export() { return easel::test::shared_dir() / "models" / "tm-image-official-2019"; }

std::vector<easel::Image> official_test_images(const std::string& cls) {
  std::vector<easel::Image> out;
  for (const char* name : {"0.png", "7.png"}) out.push_back(easel::Image::load(official_export() / "test_images" / cls / name));
  return out;
}

// Crops of a few photos easel's samples hold: three "classes" of real pictures.
easel::Examples photo_examples(easel::FeatureExtractor& extractor, std::vector<easel::Image>* images = nullptr) {
  easel::Examples e;
  e.extractor = extractor.name();
  e.extractor_checksum = extractor.checksum();
  for (const char* photo : {"fruits.jpg", "butterfly.jpg", "starry_night.jpg"}) {
    const easel::Image full = easel::Image::load(easel::find_sample(photo));
    // Nine overlapping crops of each photo.
    for (int i = 0; i < 9; ++i) {
      const int w = full.width() * 2 / 3, h = full.height() * 2 / 3;
      const int x0 = (full.width() - w) * (i % 3) / 2, y0 = (full.height() - h) * (i / 3) / 2;
      std::vector<std::uint8_t> rgb;
      for (int y = y0; y < y0 + h; ++y) rgb.insert(rgb.end(), full.pixel(x0, y), full.pixel(x0, y) + 3 * w);
      const easel::Image crop(w, h, rgb.data());
      e.add(extractor.extract(crop), photo, std::string(photo) + "#" + std::to_string(i));
      if (images) images->push_back(crop);
    }
  }
  return e;
}

// Teachable Machine's input: the centre square, 224 x 224, -1..1; several images in one batch.
easel::Tensor tm_batch(const std::vector<easel::Image>& images) {
  easel::vision::InputSpec spec;
  spec.fit = easel::vision::Fit::center_crop;
  spec.range = easel::vision::Range::signed_unit;
  easel::Tensor batch(easel::DType::f32, {static_cast<std::int64_t>(images.size()), 224, 224, 3});
  for (std::size_t i = 0; i < images.size(); ++i) {
    const easel::Tensor one = easel::vision::to_tensor(images[i], spec);
    std::copy(one.data<float>(), one.data<float>() + one.size(), batch.data<float>() + i * one.size());
  }
  return batch;
}

TEST(TeachableMachine, ExportedModelPredictsUnderTfjsAsInEasel) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  auto extractor = easel::FeatureExtractor::create();
  std::vector<easel::Image> images;
  const easel::Examples examples = photo_examples(extractor, &images);
  // Few epochs, so that the probabilities compared are not all 0 or 1.
  easel::TrainOptions options;
  options.epochs = 2;
  const auto model = easel::TrainedClassifier::train(examples, options);
  model.save(dir / "photos.easel");
  model.export_teachable_machine(dir / "tm");

  const nlohmann::json metadata = nlohmann::json::parse(easel::test::slurp(dir / "tm" / "metadata.json"));
  EXPECT_EQ(metadata["labels"], nlohmann::json(model.labels()));
  EXPECT_EQ(metadata["packageName"], "@teachablemachine/image");
  EXPECT_EQ(metadata["imageSize"], 224);
  for (const char* key : {"tfjsVersion", "tmVersion", "packageVersion", "timeStamp", "userMetadata", "modelName"}) EXPECT_TRUE(metadata.contains(key)) << key;

  // TF.js runs the whole export on a batch of the crops.
  const std::vector<easel::Image> probe = {images[1], images[10], images[20], images[26]};
  easel::write_npy(dir / "x.npy", tm_batch(probe));
  const auto r = easel::test::run_tfjs(dir / "tm" / "model.json", {{"", dir / "x.npy"}}, dir / "tfjs");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto written = easel::test::npy_files(dir / "tfjs");
  ASSERT_EQ(written.size(), 1u);
  const easel::Tensor tfjs = easel::read_npy(dir / "tfjs" / *written.begin());
  ASSERT_EQ(tfjs.shape(), (std::vector<std::int64_t>{4, 3}));

  auto from_easel_file = easel::ImageClassifier::create({.model = (dir / "photos.easel").string()});
  auto from_export = easel::ImageClassifier::create({.model = (dir / "tm").string()});
  EXPECT_EQ(from_export.labels(), model.labels());
  int undecided = 0;
  for (std::size_t i = 0; i < probe.size(); ++i) {
    const auto a = from_easel_file.probabilities(probe[i]);
    for (float v : a) undecided += v > 0.02f && v < 0.98f;
    const auto b = from_export.probabilities(probe[i]);
    for (std::size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(a[c], tfjs.data<float>()[i * 3 + c], 1e-4) << "image " << i << " class " << c;
      EXPECT_NEAR(b[c], tfjs.data<float>()[i * 3 + c], 1e-4) << "image " << i << " class " << c;
    }
  }

  EXPECT_GT(undecided, 2);

  // A KNN model has no head to export.
  options.knn = 3;
  EXPECT_THROW(easel::TrainedClassifier::train(examples, options).export_teachable_machine(dir / "knn"), easel::Error);
}

TEST(TeachableMachine, OfficialExportOpensPredictsAndRetrainsWithANewClass) {
  const auto imported = easel::TrainedClassifier::import_teachable_machine(official_export());
  EXPECT_EQ(imported.labels(), (std::vector<std::string>{"Class 1", "Class 2"}));
  EXPECT_EQ(imported.extractor(), "tm-image-2019");

  auto extractor = easel::FeatureExtractor::create();
  auto export_itself = easel::ImageClassifier::create({.model = official_export().string()});
  std::vector<std::pair<easel::Image, int>> known;
  for (const auto& img : official_test_images("class1")) known.emplace_back(img, 0);
  for (const auto& img : official_test_images("class2")) known.emplace_back(img, 1);
  for (const auto& [img, cls] : known) {
    const auto p = imported.probabilities(extractor.extract(img));
    const auto want = export_itself.probabilities(img);
    for (std::size_t c = 0; c < 2; ++c) EXPECT_NEAR(p[c], want[c], 1e-5);
    EXPECT_GT(p[static_cast<std::size_t>(cls)], 0.9);
  }

  // Retrained with a third class: the official pictures (only two of each here) and crops of
  // a photo of fruit. The old classes keep their weights to start from, so they stay right.
  easel::Examples more;
  more.extractor = extractor.name();
  more.extractor_checksum = extractor.checksum();
  for (const auto& [img, cls] : known) more.add(extractor.extract(img), cls == 0 ? "Class 1" : "Class 2");
  const easel::Examples photos = photo_examples(extractor);
  for (std::size_t r = 0; r < 9; ++r) more.add(photos.row(r), "fruit");
  easel::TrainOptions options;
  options.start_from = &imported;
  options.epochs = 10;
  options.validation_fraction = 0;
  const auto retrained = easel::TrainedClassifier::train(more, options);
  EXPECT_EQ(retrained.labels(), (std::vector<std::string>{"Class 1", "Class 2", "fruit"}));
  for (const auto& [img, cls] : known) EXPECT_EQ(retrained.classify(extractor.extract(img)).at(0).index, cls);
  EXPECT_EQ(retrained.classify(photos.row(4)).at(0).label, "fruit");

  // Not a head to start from: another hidden size.
  options.hidden_units = 50;
  EXPECT_THROW(easel::TrainedClassifier::train(more, options), easel::Error);
}

TEST(TeachableMachine, ForeignOrBrokenExportsAreRefusedByName) {
  easel::test::ScratchDir dir;
  const auto refused = [&](const fs::path& path, const std::string& expect) {
    try {
      easel::TrainedClassifier::import_teachable_machine(path);
      ADD_FAILURE() << "imported " << path;
    } catch (const easel::Error& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
  };
  // Teachable Machine's 2021 export for small devices has another base.
  refused(easel::test::shared_dir() / "models" / "tm-tiny-image-official-2021", "base");
  fs::copy(official_export(), dir / "cut", fs::copy_options::recursive);
  const std::string weights = easel::test::slurp(dir / "cut" / "weights.bin");
  easel::test::write(dir / "cut" / "weights.bin", weights.substr(0, weights.size() / 2));
  refused(dir / "cut", "truncated");
  fs::copy(official_export(), dir / "escape", fs::copy_options::recursive);
  std::string model = easel::test::slurp(dir / "escape" / "model.json");
  model.replace(model.find("\"weights.bin\""), 13, "\"../../etc/passwd\"");
  easel::test::write(dir / "escape" / "model.json", model);
  refused(dir / "escape", "leaves the model's folder");
  refused(dir / "nothing", "no model.json");
}

}  // namespace
