// easel's KnnClassifier against TF.js's knn-classifier used as ml5 uses it
// (tests/golden/knn_oracle.js): the same answers for the same examples, and each one opening
// the other's save. The examples are handwritten digits (opencv's digits.png, 400 pixels).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "easel/error.h"
#include "easel/knn_classifier.h"
#include "easel/npy.h"
#include "golden_util.h"
#include "sample_media.h"

namespace fs = std::filesystem;

namespace {

const char* const kNames[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};

// Digit i of class `digit` from digits.png (five rows of 100 a class), as 400 values 0..255.
std::vector<float> digit_pixels(const cv::Mat& sheet, int digit, int i) {
  std::vector<float> v;
  const int row = digit * 5 + i / 100, col = i % 100;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x) v.push_back(sheet.at<std::uint8_t>(row * 20 + y, col * 20 + x));
  return v;
}

struct Set {
  std::vector<float> x;  // n x 400
  std::vector<std::string> labels;
  std::int64_t n = 0;
  std::span<const float> row(std::int64_t i) const { return {x.data() + i * 400, 400}; }
};

// `per_class` digits of each of `classes` classes starting at example `first`; the classes
// come in the order three, one, four, ... so that label order differs from digit order.
Set digits(int classes, int per_class, int first) {
  static const cv::Mat sheet = cv::imread(easel::find_sample("digits.png").string(), cv::IMREAD_GRAYSCALE);
  const int order[] = {3, 1, 4, 0, 5, 9, 2, 6, 8, 7};
  Set s;
  for (int i = 0; i < per_class; ++i)
    for (int c = 0; c < classes; ++c) {
      const auto v = digit_pixels(sheet, order[c], first + i);
      s.x.insert(s.x.end(), v.begin(), v.end());
      s.labels.push_back(kNames[order[c]]);
      ++s.n;
    }
  return s;
}

easel::Tensor matrix(const Set& s) {
  easel::Tensor t(easel::DType::f32, {s.n, 400});
  std::copy(s.x.begin(), s.x.end(), t.data<float>());
  return t;
}

// Runs the oracle; its results, one per query.
nlohmann::json oracle(const fs::path& dir, nlohmann::json config) {
  config["out"] = "results.json";
  easel::test::write(dir / "config.json", config.dump());
  const fs::path script = easel::test::run_tfjs_script().parent_path() / "knn_oracle.js";
  const auto r = easel::test::run("node " + easel::test::shell_quote(script.string()) + " " +
                                  easel::test::shell_quote((dir / "config.json").string()) + " 2>&1");
  if (r.exit_code != 0) throw easel::Error(easel::ErrorCode::internal, "knn_oracle.js failed: " + r.output);
  return nlohmann::json::parse(easel::test::slurp(dir / "results.json"));
}

void expect_same_answers(const easel::KnnClassifier& knn, const Set& queries, int k, const nlohmann::json& want) {
  ASSERT_EQ(static_cast<std::int64_t>(want.size()), queries.n);
  int right = 0;
  for (std::int64_t i = 0; i < queries.n; ++i) {
    const easel::KnnResult got = knn.classify(queries.row(i), k);
    EXPECT_EQ(got.label, want[i]["label"].get<std::string>()) << "query " << i << ", k " << k;
    EXPECT_EQ(got.class_index, want[i]["classIndex"].get<int>()) << "query " << i << ", k " << k;
    for (const auto& c : got.confidences)
      EXPECT_FLOAT_EQ(c.confidence, want[i]["confidencesByLabel"][c.label].get<float>()) << "query " << i << ", " << c.label;
    right += got.label == queries.labels[i];
  }
  // Digits against digits: with a few neighbours the classifier is right far more often than
  // chance (1/6); when every example votes, the largest class wins every time.
  if (k <= 7) {
    EXPECT_GT(right, queries.n / 2) << right << " of " << queries.n;
  }
}

TEST(KnnClassifierTfjs, SameAnswersAsMl5) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const Set examples = digits(6, 12, 0), queries = digits(6, 10, 200);
  easel::write_npy(dir / "x.npy", matrix(examples));
  easel::write_npy(dir / "q.npy", matrix(queries));
  easel::KnnClassifier knn;
  for (std::int64_t i = 0; i < examples.n; ++i) knn.add_example(examples.row(i), examples.labels[i]);
  EXPECT_EQ(knn.labels(), (std::vector<std::string>{"three", "one", "four", "zero", "five", "nine"}));
  for (int k : {1, 3, 7, 500}) {  // 500: more than the 72 examples, capped as ml5 caps it
    const auto want = oracle(dir.path(), {{"examples", "x.npy"}, {"labels", examples.labels}, {"queries", "q.npy"}, {"k", k}});
    expect_same_answers(knn, queries, k, want);
  }
}

TEST(KnnClassifierTfjs, SavesOpenBothWays) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const Set examples = digits(4, 8, 50), queries = digits(4, 6, 300);
  easel::write_npy(dir / "x.npy", matrix(examples));
  easel::write_npy(dir / "q.npy", matrix(queries));

  // ml5 saves; easel opens it and answers as ml5 does.
  const auto want =
      oracle(dir.path(), {{"examples", "x.npy"}, {"labels", examples.labels}, {"queries", "q.npy"}, {"k", 3}, {"save", "ml5.json"}});
  const easel::KnnClassifier from_ml5 = easel::KnnClassifier::load(dir / "ml5.json");
  EXPECT_EQ(from_ml5.labels(), (std::vector<std::string>{"three", "one", "four", "zero"}));
  EXPECT_EQ(from_ml5.example_count(), examples.n);
  expect_same_answers(from_ml5, queries, 3, want);

  // easel saves; ml5's load() opens it and answers as easel does.
  easel::KnnClassifier knn;
  for (std::int64_t i = 0; i < examples.n; ++i) knn.add_example(examples.row(i), examples.labels[i]);
  knn.save(dir / "easel.json");
  const auto loaded = oracle(dir.path(), {{"load", "easel.json"}, {"queries", "q.npy"}, {"k", 3}});
  expect_same_answers(knn, queries, 3, loaded);
}

TEST(KnnClassifier, VotesAndTies) {
  easel::KnnClassifier knn;
  knn.add_example(std::vector<float>{1, 0}, "right");
  knn.add_example(std::vector<float>{0, 1}, "up");
  knn.add_example(std::vector<float>{0.9f, 0.1f}, "right");
  auto r = knn.classify(std::vector<float>{5, 1});  // scale does not matter: cosine
  EXPECT_EQ(r.label, "right");
  EXPECT_FLOAT_EQ(r.confidence, 2.f / 3.f);
  ASSERT_EQ(r.confidences.size(), 2u);
  EXPECT_EQ(r.confidences[1].label, "up");
  EXPECT_FLOAT_EQ(r.confidences[1].confidence, 1.f / 3.f);
  r = knn.classify(std::vector<float>{1, 1}, 2);  // (1, 0) and (0, 1) tie: the earlier example goes first
  EXPECT_EQ(r.label, "right");
  EXPECT_FLOAT_EQ(r.confidence, 1.f);
  easel::KnnClassifier two;
  two.add_example(std::vector<float>{0, 1}, "up");
  two.add_example(std::vector<float>{1, 0}, "right");
  r = two.classify(std::vector<float>{1, 1}, 2);  // one vote each: the class added first wins
  EXPECT_EQ(r.label, "up");
  EXPECT_FLOAT_EQ(r.confidence, 0.5f);
  knn.clear_label("right");
  EXPECT_EQ(knn.classify(std::vector<float>{1, 0}).label, "up");
  EXPECT_EQ(knn.count_by_label(), (std::map<std::string, std::int64_t>{{"up", 1}}));
}

TEST(KnnClassifier, ClearErrors) {
  easel::test::ScratchDir dir;
  easel::KnnClassifier knn;
  EXPECT_THROW(knn.classify(std::vector<float>{1, 2}), easel::Error);  // no examples yet
  EXPECT_THROW(knn.add_example(std::vector<float>{0, 0}, "zero"), easel::Error);
  knn.add_example(std::vector<float>{1, 2}, "a");
  EXPECT_THROW(knn.add_example(std::vector<float>{1, 2, 3}, "a"), easel::Error);
  EXPECT_THROW(knn.classify(std::vector<float>{1, 2}, 0), easel::Error);
  EXPECT_THROW(knn.clear_label("b"), easel::Error);

  auto expect_refused = [&](const std::string& text, const std::string& why) {
    easel::test::write(dir / "bad.json", text);
    try {
      easel::KnnClassifier::load(dir / "bad.json");
      ADD_FAILURE() << "took " << text;
    } catch (const easel::Error& e) {
      EXPECT_EQ(e.code(), easel::ErrorCode::bad_model);
      EXPECT_NE(std::string(e.what()).find("is not an ml5 KNN classifier save: " + why), std::string::npos) << e.what();
    }
  };
  expect_refused("{\"dataset\": ", "it is not JSON");
  expect_refused("{\"weights\": []}", "it lacks");
  expect_refused(R"({"dataset": {"0": {"label": "a", "shape": [2, 2]}}, "tensors": [{"0": 1, "1": 0, "2": 0}]})",
                 "tensor 0 holds 3 values, not 2 x 2");
  expect_refused(R"({"dataset": {"0": {"label": "a", "shape": [2, 2]}, "1": {"label": "b", "shape": [1, 3]}},
                     "tensors": [[1, 0, 0, 1], [1, 1, 1]]})",
                 "class 1 has 3 features, another 2");
  expect_refused(R"({"dataset": {"x": {"shape": [1, 1]}}, "tensors": [[1]]})", "the dataset key 'x' is not a class index");
  expect_refused(R"({"dataset": {"0": {"shape": [99999999999, 1]}}, "tensors": [[1]]})", "class 0's shape");
  expect_refused(R"({"dataset": {"0": {"label": "a", "shape": [1, 1]}, "1": {"label": "a", "shape": [1, 1]}}, "tensors": [[1], [1]]})",
                 "the label 'a' names two classes");
  try {
    easel::KnnClassifier::load(dir / "missing.json");
    ADD_FAILURE();
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::io_error);
  }
}

}  // namespace
