// Training your own classifier (issue 14) on real data: opencv's 5,000 handwritten digits
// through Teachable Machine's base. 50 examples a class train a head that reads the other
// 4,500 digits above 90%; the learning curve from 1 to 100 examples a class is drawn; models
// save to MODEL.easel, survive a failed save, refuse damaged files and open in
// ImageClassifier; datasets list the files they cannot use.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

#include "easel/error.h"
#include "easel/evaluation.h"
#include "easel/image_classifier.h"
#include "easel/training.h"
#include "digits.h"
#include "sample_media.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

using easel::test::digit_image;
using easel::test::kDigitsPerClass;

// The features of digit i of class d, each computed once in this build and only when a
// test asks for it: ctest runs every test in a process of its own, and most need a few
// hundred of the 5,000, so they are kept in the build folder, keyed by the extractor's
// checksum (each file written whole, then renamed, as tests run side by side).
const std::vector<float>& digit_features(int d, int i) {
  static auto extractor = easel::FeatureExtractor::create();
  static const fs::path dir = fs::path(EASEL_BINARY_DIR) / "training" / "digit-features" /
                              extractor.checksum().substr(0, 16);
  static std::map<int, std::vector<float>> memo;
  auto [it, fresh] = memo.try_emplace(d * kDigitsPerClass + i);
  if (!fresh) return it->second;
  const fs::path file = dir / (std::to_string(d) + "-" + std::to_string(i) + ".f32");
  const std::size_t bytes = static_cast<std::size_t>(extractor.length()) * sizeof(float);
  std::error_code ec;
  if (fs::file_size(file, ec) == bytes && !ec) {
    it->second.resize(static_cast<std::size_t>(extractor.length()));
    std::ifstream(file, std::ios::binary).read(reinterpret_cast<char*>(it->second.data()), static_cast<std::streamsize>(bytes));
    return it->second;
  }
  it->second = extractor.extract(digit_image(d, i));
  fs::create_directories(dir);
  const fs::path part = file.string() + "." + std::to_string(::getpid()) + ".part";
  std::ofstream(part, std::ios::binary).write(reinterpret_cast<const char*>(it->second.data()), static_cast<std::streamsize>(bytes));
  fs::rename(part, file);
  return it->second;
}

// Digits [first, first + count) of each class, class by class.
easel::Examples digits(int first, int count) {
  static const auto extractor = easel::FeatureExtractor::create();
  easel::Examples e;
  e.extractor = extractor.name();
  e.extractor_checksum = extractor.checksum();
  for (int d = 0; d < 10; ++d)
    for (int i = first; i < first + count; ++i)
      e.add(digit_features(d, i), std::to_string(d), "digits.png#" + std::to_string(d) + "/" + std::to_string(i));
  return e;
}

// Writes `count` digits of each of `classes` as PNG files, one folder per class.
std::vector<std::pair<std::string, fs::path>> digit_folders(const fs::path& root, int classes, int count) {
  std::vector<std::pair<std::string, fs::path>> out;
  for (int d = 0; d < classes; ++d) {
    const fs::path dir = root / std::to_string(d);
    fs::create_directories(dir);
    for (int i = 0; i < count; ++i) digit_image(d, i).save(dir / ("digit" + std::to_string(100 + i) + ".png"));
    out.emplace_back(std::to_string(d), dir);
  }
  return out;
}

TEST(Training, FiftyDigitsAClassReadTheOtherFourThousandFiveHundred) {
  // Teachable Machine's defaults throughout: its head, Adam at 0.001, 50 epochs, batches of
  // 16, 15% of each class held out for validation.
  std::vector<easel::EpochReport> reports;
  easel::TrainOptions options;
  options.on_epoch = [&](const easel::EpochReport& r) { reports.push_back(r); };
  const auto model = easel::TrainedClassifier::train(digits(0, 50), options);
  ASSERT_EQ(reports.size(), 50u);
  EXPECT_EQ(reports.back().epoch, 50);
  EXPECT_TRUE(reports.back().has_validation);
  EXPECT_LT(reports.back().loss, reports.front().loss);
  EXPECT_GT(reports.back().accuracy, reports.front().accuracy);
  // ceil(15% of 50) = 8 of each class held out.
  EXPECT_EQ(model.validation().total(), 80);
  EXPECT_EQ(model.history().size(), 50u);

  const easel::Evaluation test = easel::evaluate(model, digits(50, kDigitsPerClass - 50));
  std::printf("%s", easel::to_text(test).c_str());
  EXPECT_EQ(test.total(), 4500);
  // Trained on 42 a class (8 held out), it reads 90.0-90.7% of the rest over seeds 1-5.
  EXPECT_GT(test.accuracy(), 0.88);
  for (double a : test.class_accuracy()) EXPECT_GT(a, 0.7);

  // Trained on all 50 a class (the test set is the held-out data here), over three seeds:
  // 90.2%, 90.6% and 91.1% on this machine, 90.2-91.1% over seeds 1-5. The median is
  // asserted so that one unlucky initialisation on another CPU's arithmetic cannot decide it.
  options.validation_fraction = 0;
  options.on_epoch = nullptr;
  std::vector<double> accuracies;
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    options.seed = seed;
    accuracies.push_back(easel::evaluate(easel::TrainedClassifier::train(digits(0, 50), options), digits(50, kDigitsPerClass - 50)).accuracy());
    std::printf("50 a class, seed %u: %.4f\n", seed, accuracies.back());
  }
  std::sort(accuracies.begin(), accuracies.end());
  EXPECT_GT(accuracies[1], 0.90);
  EXPECT_EQ(test.mistakes.size(), static_cast<std::size_t>(test.total() - test.correct()));
  const fs::path out = fs::path(EASEL_BINARY_DIR) / "training";
  easel::save_confusion_png(test, out / "digits-confusion.png");
  EXPECT_GT(fs::file_size(out / "digits-confusion.png"), 2000u);
}

TEST(Training, LearningCurveClimbsWithExamples) {
  // Trained on 1 to 100 digits a class (three seeds each), tested on the last 100 of each.
  const auto curve = easel::learning_curve(digits(0, 100), digits(400, 100), {1, 2, 5, 10, 20, 50, 100}, 3);
  ASSERT_EQ(curve.size(), 7u);
  for (const auto& p : curve) {
    ASSERT_EQ(p.accuracies.size(), 3u);
    std::printf("%3d a class: %.3f\n", p.per_class, p.mean());
  }
  EXPECT_GT(curve.front().mean(), 0.15);  // one example a class is already better than chance
  EXPECT_GT(curve.back().mean(), curve.front().mean() + 0.3);
  EXPECT_GT(curve.back().mean(), 0.9);
  EXPECT_GE(curve[4].mean(), curve[2].mean());
  const fs::path png = fs::path(EASEL_BINARY_DIR) / "training" / "digits-learning-curve.png";
  easel::save_learning_curve_png(curve, png, "opencv digits: accuracy against examples per class");
  const cv::Mat img = cv::imread(png.string());
  EXPECT_EQ(img.cols, 720);
}

TEST(Training, CrossValidationCoversEveryExampleOnce) {
  const easel::Examples data = digits(0, 20);
  const easel::Evaluation r = easel::cross_validate(data, 5);
  EXPECT_EQ(r.total(), 200);
  EXPECT_GT(r.accuracy(), 0.75);
  for (int c = 0; c < 10; ++c) EXPECT_EQ(std::accumulate(r.confusion[c].begin(), r.confusion[c].end(), 0), 20);
  EXPECT_THROW(easel::cross_validate(digits(0, 3), 5), easel::Error);
}

TEST(Training, KnnHeadAsMl5) {
  easel::TrainOptions options;
  options.knn = 3;
  options.validation_fraction = 0;
  const auto model = easel::TrainedClassifier::train(digits(0, 50), options);
  EXPECT_TRUE(model.is_knn());
  const easel::Evaluation r = easel::evaluate(model, digits(50, 100));
  EXPECT_GT(r.accuracy(), 0.8);
  // Confidences are vote shares: multiples of 1/3.
  const auto p = model.probabilities(digits(60, 1).row(0));
  for (float v : p) EXPECT_NEAR(v * 3, std::round(v * 3), 1e-5);
}

TEST(Training, EarlyStoppingStopsWhenValidationStopsImproving) {
  easel::TrainOptions options;
  options.epochs = 400;
  options.patience = 3;
  const auto model = easel::TrainedClassifier::train(digits(0, 30), options);
  EXPECT_LT(model.history().size(), 400u);
  EXPECT_GE(model.history().size(), 4u);
}

TEST(Training, SavedModelGivesTheSameAnswersAndOpensInImageClassifier) {
  easel::test::ScratchDir dir;
  easel::TrainOptions options;
  options.epochs = 20;
  const auto model = easel::TrainedClassifier::train(digits(0, 30), options);
  model.save(dir / "digits.easel");
  const auto loaded = easel::TrainedClassifier::load(dir / "digits.easel");
  EXPECT_EQ(loaded.labels(), model.labels());
  EXPECT_EQ(loaded.extractor(), "tm-image-2019");
  EXPECT_EQ(loaded.history().size(), 20u);
  EXPECT_EQ(loaded.validation().confusion, model.validation().confusion);
  const easel::Examples probe = digits(300, 5);
  for (std::size_t r = 0; r < probe.size(); ++r) EXPECT_EQ(loaded.probabilities(probe.row(r)), model.probabilities(probe.row(r)));

  // ImageClassifier runs the extractor, then the head.
  auto classifier = easel::ImageClassifier::create({.model = (dir / "digits.easel").string()});
  EXPECT_EQ(classifier.labels(), model.labels());
  for (int d = 0; d < 10; ++d) {
    const auto p = classifier.probabilities(digit_image(d, 400));
    const auto want = model.probabilities(digit_features(d, 400));
    ASSERT_EQ(p.size(), want.size());
    for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], want[i], 1e-5);
  }

  // A KNN model too.
  options.knn = 1;
  const auto knn = easel::TrainedClassifier::train(digits(0, 10), options);
  knn.save(dir / "knn.easel");
  const auto knn_loaded = easel::TrainedClassifier::load(dir / "knn.easel");
  EXPECT_TRUE(knn_loaded.is_knn());
  for (std::size_t r = 0; r < probe.size(); ++r) EXPECT_EQ(knn_loaded.probabilities(probe.row(r)), knn.probabilities(probe.row(r)));
}

TEST(Training, FailedSaveKeepsThePreviousModel) {
  easel::test::ScratchDir dir;
  easel::TrainOptions options;
  options.epochs = 2;
  const auto small = easel::TrainedClassifier::train(digits(0, 10), options);
  const fs::path file = dir / "model.easel";
  small.save(file);
  const std::string before = easel::test::slurp(file);
  options.knn = 1;
  const auto big = easel::TrainedClassifier::train(digits(0, 100), options);  // 1,000 stored examples: 5 MB

  // In a child whose files may not grow past 1 MB, the save fails part-way through writing.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG instead of killing
    const rlimit limit{1 << 20, 1 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    try {
      big.save(file);
    } catch (const easel::Error& e) {
      _exit(std::string(e.what()).find("previous version is unchanged") != std::string::npos ? 3 : 4);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << "the save should fail with an error saying the old file is kept";
  EXPECT_EQ(easel::test::slurp(file), before);
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1) << "no temporary file is left behind";
  EXPECT_NO_THROW(easel::TrainedClassifier::load(file));
}

TEST(Training, DamagedOrForeignModelFilesAreRefusedByName) {
  easel::test::ScratchDir dir;
  easel::TrainOptions options;
  options.epochs = 2;
  const fs::path file = dir / "model.easel";
  easel::TrainedClassifier::train(digits(0, 10), options).save(file);
  const std::string good = easel::test::slurp(file);
  const auto refused = [&](const std::string& bytes, const std::string& expect) {
    easel::test::write(file, bytes);
    try {
      easel::TrainedClassifier::load(file);
      ADD_FAILURE() << "loaded a damaged file (" << expect << ")";
    } catch (const easel::Error& e) {
      EXPECT_EQ(e.code(), easel::ErrorCode::bad_model);
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
  };
  std::string flipped = good;
  flipped[flipped.size() - 100] ^= 0x10;
  refused(flipped, "sha256");
  refused(good.substr(0, good.size() - 8), "truncated");
  refused(good.substr(0, 30), "truncated");
  refused("PK\x03\x04 not a model", "does not start");
  std::string header_edit = good;
  const auto at = header_edit.find("\"kind\":\"dense\"");
  ASSERT_NE(at, std::string::npos);
  header_edit.replace(at, 14, "\"kind\":\"dunce\"");
  refused(header_edit, "dunce");

  // A model whose extractor is another version of the base.
  std::string other = good;
  const auto sum = other.find("\"checksum\":\"");
  ASSERT_NE(sum, std::string::npos);
  other[sum + 12] = other[sum + 12] == 'a' ? 'b' : 'a';
  easel::test::write(file, other);
  EXPECT_NO_THROW(easel::TrainedClassifier::load(file));
  try {
    easel::ImageClassifier::create({.model = file.string()});
    ADD_FAILURE() << "a model of another extractor's features opened";
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("another version"), std::string::npos) << e.what();
  }
}

TEST(Training, BadTrainingInputGetsClearErrors) {
  const auto message = [](const easel::Examples& e) {
    try {
      easel::TrainedClassifier::train(e);
    } catch (const easel::Error& err) {
      EXPECT_EQ(err.code(), easel::ErrorCode::bad_input);
      return std::string(err.what());
    }
    return std::string("no error");
  };
  easel::Examples one_class;
  one_class.add(digit_features(0, 0), "0");
  one_class.add(digit_features(0, 1), "0");
  EXPECT_NE(message(one_class).find("two classes"), std::string::npos);
  easel::Examples empty_class = digits(0, 5);
  empty_class.labels.push_back("ten");
  EXPECT_NE(message(empty_class).find("'ten' has no examples"), std::string::npos);
  EXPECT_NE(message(easel::Examples{}).find("two classes"), std::string::npos);
  easel::TrainOptions o;
  o.epochs = 0;
  EXPECT_THROW(easel::TrainedClassifier::train(digits(0, 5), o), easel::Error);
  // Examples of a class the model never learnt.
  easel::Examples unknown = digits(0, 2);
  unknown.labels[3] = "three";
  o.epochs = 1;
  EXPECT_THROW(easel::evaluate(easel::TrainedClassifier::train(digits(0, 5), o), unknown), easel::Error);
}

TEST(Training, FoldersBecomeExamplesAndUnreadableFilesAreListed) {
  easel::test::ScratchDir dir;
  auto classes = digit_folders(dir / "data", 3, 6);
  easel::test::write(dir / "data" / "1" / "notes.txt", "not a digit");
  easel::test::write(dir / "data" / "2" / "broken.png", "\x89PNG but not really");
  easel::test::write(dir / "data" / "2" / ".DS_Store", "hidden");
  fs::create_directories(dir / "data" / "empty");
  const easel::Dataset data = easel::Dataset::from_folders(classes);
  EXPECT_EQ(data.labels, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(data.counts(), (std::vector<int>{6, 6, 7}));
  ASSERT_EQ(data.skipped.size(), 1u);
  EXPECT_EQ(data.skipped[0].file.filename(), "notes.txt");
  EXPECT_NE(data.skipped[0].reason.find("not an image"), std::string::npos);

  auto extractor = easel::FeatureExtractor::create();
  std::size_t calls = 0;
  easel::ExtractOptions options;
  options.cache_dir = dir / "cache";
  options.progress = [&](std::size_t done, std::size_t total) {
    ++calls;
    EXPECT_EQ(total, 19u);
    EXPECT_EQ(done, calls);
  };
  const easel::Examples examples = easel::extract_examples(extractor, data, options);
  EXPECT_EQ(calls, 19u);
  options.progress = nullptr;
  EXPECT_EQ(examples.size(), 18u);
  ASSERT_EQ(examples.skipped.size(), 2u);
  EXPECT_EQ(examples.skipped[1].file.filename(), "broken.png");
  // The same features as the digits straight from the sheet (a PNG keeps every pixel).
  for (std::size_t r = 0; r < examples.size(); ++r) {
    const int d = examples.classes[r], i = static_cast<int>(r % 6);
    ASSERT_EQ(std::vector<float>(examples.row(r).begin(), examples.row(r).end()), digit_features(d, i));
  }

  // Cached by content: a second pass reads every example from the cache (so a photo
  // changed on disk would be read again, a renamed one would not).
  std::size_t entries = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "cache")) entries += e.is_regular_file();
  EXPECT_EQ(entries, 18u);
  const fs::path cached_dir = fs::directory_iterator(dir / "cache")->path();
  const fs::path one = fs::directory_iterator(cached_dir)->path();
  easel::test::write(one, "short");  // a damaged entry is recomputed, not believed
  const easel::Examples again = easel::extract_examples(extractor, data, options);
  EXPECT_EQ(again.features, examples.features);
  EXPECT_EQ(fs::file_size(one), 1280u * 4);

  EXPECT_THROW(easel::Dataset::from_folders({{"a", dir / "missing"}}), easel::Error);
  EXPECT_THROW(easel::Dataset::from_folders({{"a", dir / "data" / "0"}, {"a", dir / "data" / "1"}}), easel::Error);
  const easel::Dataset with_empty = easel::Dataset::from_folders({{"0", dir / "data" / "0"}, {"none", dir / "data" / "empty"}});
  try {
    easel::TrainedClassifier::train(easel::extract_examples(extractor, with_empty, options));
    ADD_FAILURE() << "trained with an empty class";
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'none' has no examples"), std::string::npos) << e.what();
  }
}

}  // namespace
