// TFLite importer (float path) against real oracles: the expected results recorded next
// to each model in ../shared/models (SOURCE.txt, reference CSVs), and TFLite's
// quantization arithmetic for easel's quantize / dequantize ops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include <flatbuffers/flatbuffers.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/files.h"
#include "easel/error.h"
#include "easel/model.h"
#include "nn/import/importers.h"
#include "nn/interpreter.h"
#include "nn/op.h"
#include "sample_media.h"
#include "test_photos.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace easel {
namespace {

fs::path model_file(const std::string& folder, const std::string& file) { return test::shared_dir() / "models" / folder / file; }

// Ops of the graph that easel has no kernel for yet (the op group owners add them).
std::string missing_kernels(const nn::Graph& g) {
  std::set<std::string> missing;
  for (const auto& n : g.nodes)
    if (!nn::find_op(n.op)) missing.insert(n.op);
  std::string s;
  for (const auto& m : missing) s += (s.empty() ? "" : ", ") + m;
  return s;
}

// Every op of the imported graph must have a kernel: a missing one fails the test.
#define ASSERT_EVERY_OP_HAS_A_KERNEL(graph)              \
  do {                                                   \
    const std::string missing_ = missing_kernels(graph); \
    if (!missing_.empty()) {                             \
      FAIL() << "easel has no kernel for " << missing_;  \
    }                                                    \
  } while (0)

std::vector<std::vector<double>> read_csv(const fs::path& file, bool header) {
  std::ifstream in(file);
  std::vector<std::vector<double>> rows;
  std::string line;
  if (header) std::getline(in, line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> row;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

std::int64_t argmax(const Tensor& t) {
  std::int64_t best = 0;
  for (std::int64_t i = 1; i < t.size(); ++i)
    if (t.at(i) > t.at(best)) best = i;
  return best;
}

// ---- import: every listed model, with the contract its SOURCE.txt states ----

struct Contract {
  fs::path file;
  std::vector<TensorInfo> inputs, outputs;  // name checked only when non-empty
};

void expect_contract(const Contract& c) {
  SCOPED_TRACE(c.file.string());
  nn::Graph g = nn::import_tflite(c.file);
  EXPECT_EQ(g.source, c.file.string());
  EXPECT_FALSE(g.nodes.empty());
  auto check = [&](const std::vector<int>& ids, const std::vector<TensorInfo>& want) {
    ASSERT_EQ(ids.size(), want.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const nn::Value& v = g.values[static_cast<std::size_t>(ids[i])];
      if (!want[i].name.empty()) {
        EXPECT_EQ(v.name, want[i].name);
      }
      EXPECT_EQ(v.dtype, want[i].dtype) << v.name;
      EXPECT_EQ(v.shape, want[i].shape) << v.name;
    }
  };
  check(g.inputs, c.inputs);
  check(g.outputs, c.outputs);
}

TEST(TfliteImport, SharedModelsImportWithTheirContracts) {
  const std::vector<Contract> contracts = {
      {model_file("mobilenet-v2-quant-coral", "mobilenet_v2_1.0_224_quant.tflite"),
       {{"input", DType::u8, {1, 224, 224, 3}}},
       {{"MobilenetV2/Predictions/Softmax", DType::u8, {1, 1001}}}},
      {model_file("mobilenet-v1-025-quant-coral", "mobilenet_v1_0.25_128_quant.tflite"),
       {{"input", DType::u8, {1, 128, 128, 3}}},
       {{"MobilenetV1/Predictions/Reshape_1", DType::u8, {1, 1001}}}},
      {model_file("mobilenet-v1-embedding-coral", "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite"),
       {{"input", DType::u8, {1, 224, 224, 3}}},
       {{"MobilenetV1/Logits/AvgPool_1a/AvgPool", DType::u8, {1, 1, 1, 1024}}}},
      {model_file("kws-dscnn-mlperf-tiny", "kws_ref_model_float32.tflite"),
       {{"input_1", DType::f32, {1, 49, 10, 1}}},
       {{"Identity", DType::f32, {1, 12}}}},
      {model_file("kws-dscnn-mlperf-tiny", "kws_ref_model.tflite"),
       {{"input_1", DType::i8, {1, 49, 10, 1}}},
       {{"Identity", DType::i8, {1, 12}}}},
      {model_file("yolox-nano-coco", "yolox_nano_float16_quantize.tflite"),
       {{"serving_default_images:0", DType::f32, {1, 3, 416, 416}}},
       {{"", DType::f32, {1, 3549, 85}}}},
      {model_file("movenet-lightning-tflite-coral", "movenet_single_pose_lightning_ptq.tflite"),
       {{"serving_default_input:0", DType::u8, {1, 192, 192, 3}}},
       {{"StatefulPartitionedCall:0", DType::f32, {1, 1, 17, 3}}}},
      {model_file("deeplabv3-mnv2-dm05-pascal-coral", "deeplabv3_mnv2_dm05_pascal_quant.tflite"),
       {{"MobilenetV2/MobilenetV2/input", DType::u8, {1, 513, 513, 3}}},
       {{"ArgMax", DType::i64, {1, 513, 513}}}},
  };
  for (const auto& c : contracts) expect_contract(c);
}

struct MediapipeModel {
  std::string package, version, file;
  Shape input;
  std::vector<Shape> outputs;
};

const std::vector<MediapipeModel> kMediapipe = {
    {"pose",
     "0.5.1675469404",
     "pose_landmark_lite.tflite",
     {1, 256, 256, 3},
     {{1, 195}, {1, 1}, {1, 256, 256, 1}, {1, 64, 64, 39}, {1, 117}}},
    {"pose",
     "0.5.1675469404",
     "pose_landmark_full.tflite",
     {1, 256, 256, 3},
     {{1, 195}, {1, 1}, {1, 256, 256, 1}, {1, 64, 64, 39}, {1, 117}}},
    {"hands", "0.4.1675469240", "hand_landmark_lite.tflite", {1, 224, 224, 3}, {{1, 63}, {1, 1}, {1, 1}, {1, 63}}},
    {"hands", "0.4.1675469240", "hand_landmark_full.tflite", {1, 224, 224, 3}, {{1, 63}, {1, 1}, {1, 1}, {1, 63}}},
};

// MediaPipe landmark models (float16 weights behind DEQUANTIZE): import, load and run on
// a random image; every output has the shape the file declares.
TEST(TfliteImport, MediapipeModelsRun) {
  for (const auto& m : kMediapipe) {
    SCOPED_TRACE(m.file);
    const fs::path file = test::mediapipe_model(m.package, m.version, m.file);
    if (file.empty()) EASEL_SKIP_UNLESS_REQUIRED(std::string("npm could not fetch @mediapipe/") + m.package + "@" + m.version);
    nn::Graph g = nn::import_tflite(file);
    ASSERT_EQ(g.inputs.size(), 1u);
    EXPECT_EQ(g.values[static_cast<std::size_t>(g.inputs[0])].shape, m.input);
    ASSERT_EQ(g.outputs.size(), m.outputs.size());
    ASSERT_EVERY_OP_HAS_A_KERNEL(g);
    Model model = Model::load(file.string());
    Tensor x(DType::f32, m.input);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (std::int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = u(rng);
    std::vector<Tensor> y = model.run({x});
    ASSERT_EQ(y.size(), m.outputs.size());
    for (std::size_t k = 0; k < y.size(); ++k) {
      EXPECT_EQ(y[k].shape(), m.outputs[k]) << "output " << k;
      EXPECT_EQ(y[k].dtype(), DType::f32);
      for (std::int64_t i = 0; i < y[k].size(); ++i) ASSERT_TRUE(std::isfinite(y[k].at(i))) << "output " << k << " element " << i;
    }
  }
}

// Every model of the list loads (all its ops have kernels) and runs once.
TEST(TfliteImport, SharedModelsLoadAndRun) {
  const std::vector<fs::path> files = {
      model_file("mobilenet-v1-025-quant-coral", "mobilenet_v1_0.25_128_quant.tflite"),
      model_file("mobilenet-v1-embedding-coral", "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite"),
      model_file("yolox-nano-coco", "yolox_nano_float16_quantize.tflite"),
      model_file("deeplabv3-mnv2-dm05-pascal-coral", "deeplabv3_mnv2_dm05_pascal_quant.tflite"),
  };
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    nn::Graph g = nn::import_tflite(file);
    ASSERT_EVERY_OP_HAS_A_KERNEL(g);
    Model model = Model::load(file.string());
    std::vector<Tensor> inputs;
    for (const auto& info : model.inputs()) {
      Tensor x(info.dtype == DType::u8 ? DType::u8 : DType::f32, info.shape);
      for (std::int64_t i = 0; i < x.size(); ++i) {
        if (x.dtype() == DType::u8) x.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 37 % 256);
        else x.data<float>()[i] = static_cast<float>(i * 37 % 256);
      }
      inputs.push_back(x);
    }
    std::vector<Tensor> y = model.run(inputs);
    const auto outs = model.outputs();
    ASSERT_EQ(y.size(), outs.size());
    for (std::size_t k = 0; k < y.size(); ++k) {
      EXPECT_EQ(y[k].shape(), outs[k].shape);
      EXPECT_EQ(y[k].dtype(), outs[k].dtype);
    }
  }
}

// ---- oracles ----

// SOURCE.txt: a numpy float reference of this model (dequantized weights) gives
// parrot -> 89 macaw, hot_dog -> 935 hotdog, cat -> 286 Egyptian cat. Input and output
// stay uint8 as in TFLite: probability = q / 256.
TEST(TfliteOracle, MobilenetV2QuantClassifiesCoralPhotos) {
  const fs::path file = model_file("mobilenet-v2-quant-coral", "mobilenet_v2_1.0_224_quant.tflite");
  ASSERT_EVERY_OP_HAS_A_KERNEL(nn::import_tflite(file));
  Model model = Model::load(file.string());
  struct Case {
    const char* image;
    std::int64_t lo, hi;  // accepted top-1 range
  };
  // 282..286: tabby, tiger cat, Persian, Siamese, Egyptian cat (index 0 is background).
  for (const Case& c : {Case{"parrot.jpg", 89, 89}, Case{"hot_dog.jpg", 935, 935}, Case{"cat.bmp", 282, 286}}) {
    SCOPED_TRACE(c.image);
    std::vector<Tensor> y = model.run({test::rgb_tensor(find_sample(c.image), 224, 224)});
    ASSERT_EQ(y.size(), 1u);
    ASSERT_EQ(y[0].dtype(), DType::u8);
    ASSERT_EQ(y[0].shape(), (Shape{1, 1001}));
    const std::int64_t top = argmax(y[0]);
    EXPECT_GE(top, c.lo);
    EXPECT_LE(top, c.hi);
  }
}

// Uses the reference kernels too: the float path is the oracle of the int8 engine.
TEST(TfliteOracle, MobilenetV2QuantReferenceKernelsAgree) {
  const fs::path file = model_file("mobilenet-v2-quant-coral", "mobilenet_v2_1.0_224_quant.tflite");
  ASSERT_EVERY_OP_HAS_A_KERNEL(nn::import_tflite(file));
  ModelOptions ref;
  ref.reference_kernels = true;
  Model fast = Model::load(file.string()), slow = Model::load(file.string(), ref);
  Tensor x = test::rgb_tensor(find_sample("parrot.jpg"), 224, 224);
  Tensor a = fast.run({x})[0], b = slow.run({x})[0];
  EXPECT_EQ(argmax(a), 89);
  EXPECT_EQ(argmax(b), 89);
  int max_diff = 0;
  for (std::int64_t i = 0; i < a.size(); ++i)
    max_diff = std::max(max_diff, std::abs(static_cast<int>(a.at(i)) - static_cast<int>(b.at(i))));
  EXPECT_LE(max_diff, 1) << "uint8 scores of the two backends differ by more than one step";
}

const char* kKwsLabels[] = {"down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "_silence_", "_unknown_"};

Tensor kws_features(const std::string& word) {
  const auto rows = read_csv(model_file("kws-dscnn-mlperf-tiny", "reference/mfcc_" + word + "_wav_49x10.csv"), false);
  Tensor x(DType::f32, {1, 49, 10, 1});
  EXPECT_EQ(rows.size(), 49u);
  for (std::size_t r = 0; r < rows.size() && r < 49; ++r) {
    EXPECT_EQ(rows[r].size(), 10u);
    for (std::size_t c = 0; c < rows[r].size() && c < 10; ++c) x.data<float>()[r * 10 + c] = static_cast<float>(rows[r][c]);
  }
  return x;
}

std::vector<double> kws_reference_scores(const std::string& word) {
  std::ifstream in(model_file("kws-dscnn-mlperf-tiny", "reference/float32_scores_" + word + "_wav.txt"));
  std::map<std::string, double> by_label;
  for (std::string item; in >> item;) {
    const auto eq = item.find('=');
    by_label[item.substr(0, eq)] = std::stod(item.substr(eq + 1));
  }
  std::vector<double> scores;
  for (const char* l : kKwsLabels) scores.push_back(by_label.at(l));
  return scores;
}

// SOURCE.txt: reference/float32_scores_*.txt are the float32 model's outputs on the
// reference MFCCs; the int8 model gives the same top-1 in the float reference.
TEST(TfliteOracle, KwsFloatAndInt8MatchReferenceScores) {
  const fs::path f32 = model_file("kws-dscnn-mlperf-tiny", "kws_ref_model_float32.tflite");
  const fs::path i8 = model_file("kws-dscnn-mlperf-tiny", "kws_ref_model.tflite");
  ASSERT_EVERY_OP_HAS_A_KERNEL(nn::import_tflite(f32));
  ASSERT_EVERY_OP_HAS_A_KERNEL(nn::import_tflite(i8));
  Model float_model = Model::load(f32.string()), int8_model = Model::load(i8.string());
  for (const std::string word : {"yes", "down"}) {
    SCOPED_TRACE(word);
    const Tensor x = kws_features(word);
    const std::vector<double> want = kws_reference_scores(word);
    const Tensor y = float_model.run({x})[0];
    ASSERT_EQ(y.shape(), (Shape{1, 12}));
    for (std::int64_t k = 0; k < 12; ++k) EXPECT_NEAR(y.at(k), want[static_cast<std::size_t>(k)], 1e-3) << kKwsLabels[k];
    const auto want_top = std::max_element(want.begin(), want.end()) - want.begin();
    EXPECT_EQ(argmax(y), want_top);

    // The int8 model takes q = round(mfcc / 0.5847029) + 83 (SOURCE.txt), clamped to int8.
    Tensor q(DType::i8, {1, 49, 10, 1});
    for (std::int64_t i = 0; i < q.size(); ++i)
      q.data<std::int8_t>()[i] = static_cast<std::int8_t>(std::clamp(std::round(x.data<float>()[i] / 0.5847029f) + 83.f, -128.f, 127.f));
    const Tensor yq = int8_model.run({q})[0];
    ASSERT_EQ(yq.dtype(), DType::i8);
    EXPECT_EQ(argmax(yq), want_top);
    EXPECT_NEAR((yq.at(want_top) + 128) / 256.0, want[static_cast<std::size_t>(want_top)], 0.05);  // p = (q+128)/256
  }
}

// Coral's reference output for squat.bmp (the whole image resized to 192x192), checked
// as Coral's own test does (libcoral pose_estimation/test_utils.cc): keypoints whose
// score exceeds 0.4 in both runs lie within 0.04 (normalized) in x and y, and at least
// half of the 17 keypoints are checked. Coral ran int8 kernels; this is the float path.
TEST(TfliteOracle, MovenetMatchesCoralReference) {
  const fs::path file = model_file("movenet-lightning-tflite-coral", "movenet_single_pose_lightning_ptq.tflite");
  ASSERT_EVERY_OP_HAS_A_KERNEL(nn::import_tflite(file));
  Model model = Model::load(file.string());
  const Tensor y = model.run({test::rgb_tensor(find_sample("squat.bmp"), 192, 192)})[0];
  ASSERT_EQ(y.shape(), (Shape{1, 1, 17, 3}));
  const auto rows = read_csv(model_file("movenet-lightning-tflite-coral", "movenet_single_pose_lightning_ptq_reference.csv"), true);
  ASSERT_EQ(rows.size(), 17u);
  int checked = 0;
  for (std::size_t k = 0; k < 17; ++k) {
    const double yy = y.at(static_cast<std::int64_t>(k) * 3), xx = y.at(static_cast<std::int64_t>(k) * 3 + 1),
                 score = y.at(static_cast<std::int64_t>(k) * 3 + 2);
    // columns: pose_id, pose_score, keypoint_id, keypoint_score, keypoint_x, keypoint_y
    if (rows[k][3] > 0.4 && score > 0.4) {
      ++checked;
      EXPECT_NEAR(xx, rows[k][4], 0.04) << "keypoint " << k;
      EXPECT_NEAR(yy, rows[k][5], 0.04) << "keypoint " << k;
    }
  }
  EXPECT_GE(checked, 17 / 2);
}

// MediaPipe's pose landmark models (BlazePose) on squat.bmp, the whole image resized to
// 256x256 in [0,1], against Coral's MoveNet reference keypoints for the same photo (an
// independent model and runtime): nose, shoulders, elbows, wrists, knees and ankles
// within 0.08 of the image size. (The two models define the hips differently: BlazePose
// puts them about 0.1 further in, so they are left out.) Landmarks are [x, y, z,
// visibility, presence] in input pixels; output 1 is the pose flag.
TEST(TfliteOracle, MediapipePoseAgreesWithMovenetReference) {
  const auto rows = read_csv(model_file("movenet-lightning-tflite-coral", "movenet_single_pose_lightning_ptq_reference.csv"), true);
  ASSERT_EQ(rows.size(), 17u);
  // MoveNet keypoint -> BlazePose landmark.
  const std::pair<int, int> joints[] = {{0, 0},   {5, 11},  {6, 12},  {7, 13},  {8, 14}, {9, 15},
                                        {10, 16}, {13, 25}, {14, 26}, {15, 27}, {16, 28}};
  for (const char* name : {"pose_landmark_lite.tflite", "pose_landmark_full.tflite"}) {
    SCOPED_TRACE(name);
    const fs::path file = test::mediapipe_model("pose", "0.5.1675469404", name);
    if (file.empty()) EASEL_SKIP_UNLESS_REQUIRED("npm could not fetch @mediapipe/pose");
    Model model = Model::load(file.string());
    const std::vector<Tensor> y = model.run({test::rgb_tensor(find_sample("squat.bmp"), 256, 256, DType::f32)});
    EXPECT_GT(y[1].at(0), 0.9) << "pose flag on a photo of a person";
    for (const auto& [movenet, blazepose] : joints) {
      const double x = y[0].at(blazepose * 5) / 256, yy = y[0].at(blazepose * 5 + 1) / 256;
      EXPECT_NEAR(x, rows[static_cast<std::size_t>(movenet)][4], 0.08) << "MoveNet keypoint " << movenet;
      EXPECT_NEAR(yy, rows[static_cast<std::size_t>(movenet)][5], 0.08) << "MoveNet keypoint " << movenet;
    }
  }
}

// MediaPipe's hand landmark models, fed as MediaPipe's pipeline feeds them: a square crop
// around each hand that the pose model (BlazePose full) finds in squat.bmp (centred on the
// wrist, pinky and index landmarks, five times their spread). Both crops hold a hand
// (presence > 0.8), the two get opposite handedness, the hand's wrist lands where the pose
// put it, and a photo with no hand (coffee.png) has presence < 0.05. (The lite model is
// the less sure: presence 0.88 and handedness 0.54 apart, against 0.95 and 0.89.)
TEST(TfliteOracle, MediapipeHandsOnCropsFromThePoseModel) {
  const fs::path pose_file = test::mediapipe_model("pose", "0.5.1675469404", "pose_landmark_full.tflite");
  if (pose_file.empty()) EASEL_SKIP_UNLESS_REQUIRED("npm could not fetch @mediapipe/pose");
  Model pose = Model::load(pose_file.string());
  const fs::path photo = find_sample("squat.bmp");
  const cv::Mat bgr = cv::imread(photo.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty());
  const Tensor landmarks = pose.run({test::rgb_tensor(photo, 256, 256, DType::f32)})[0];
  auto point = [&](int i) { return cv::Point2f(landmarks.at(i * 5) / 256 * bgr.cols, landmarks.at(i * 5 + 1) / 256 * bgr.rows); };
  const detail::TempDir tmp(fs::temp_directory_path(), "easel-hands-");
  for (const char* name : {"hand_landmark_lite.tflite", "hand_landmark_full.tflite"}) {
    SCOPED_TRACE(name);
    const fs::path file = test::mediapipe_model("hands", "0.4.1675469240", name);
    if (file.empty()) EASEL_SKIP_UNLESS_REQUIRED("npm could not fetch @mediapipe/hands");
    Model hand = Model::load(file.string());
    std::vector<double> handedness;
    for (int side = 0; side < 2; ++side) {  // BlazePose: 15/16 wrists, 17/18 pinkies, 19/20 index fingers
      const cv::Point2f wrist = point(15 + side), centre = (wrist + point(17 + side) + point(19 + side)) / 3;
      const float size = 5 * static_cast<float>(cv::norm(centre - wrist));
      const cv::Rect box = cv::Rect(static_cast<int>(centre.x - size / 2), static_cast<int>(centre.y - size / 2), static_cast<int>(size),
                                    static_cast<int>(size)) &
                           cv::Rect(0, 0, bgr.cols, bgr.rows);
      ASSERT_GT(box.area(), 100);
      const fs::path crop = tmp.path() / ("hand" + std::to_string(side) + ".png");
      cv::imwrite(crop.string(), bgr(box));
      const std::vector<Tensor> y = hand.run({test::rgb_tensor(crop, 224, 224, DType::f32)});
      EXPECT_GT(y[1].at(0), 0.8) << "hand presence, side " << side;
      handedness.push_back(y[2].at(0));
      const double wx = y[0].at(0) / 224 * box.width + box.x, wy = y[0].at(1) / 224 * box.height + box.y;
      EXPECT_LT(std::hypot(wx - wrist.x, wy - wrist.y), 0.25 * size) << "the hand's wrist against the pose's, side " << side;
    }
    EXPECT_GT(std::fabs(handedness[0] - handedness[1]), 0.5) << "a left and a right hand";
    EXPECT_LT(hand.run({test::rgb_tensor(find_sample("coffee.png"), 224, 224, DType::f32)})[1].at(0), 0.05) << "no hand in coffee.png";
  }
}

// SOURCE.txt: onnxruntime on the same network finds "pets.jpg -> dog 0.90, dog 0.85"
// (score = obj * cls, NMS at IoU 0.45). Input: letterboxed to the top-left of a
// 114-filled 416x416 canvas, BGR, raw 0..255, NCHW (the TFLite file transposes inside).
TEST(TfliteOracle, YoloxNanoFloat16FindsTheTwoDogs) {
  const fs::path file = model_file("yolox-nano-coco", "yolox_nano_float16_quantize.tflite");
  ASSERT_EVERY_OP_HAS_A_KERNEL(nn::import_tflite(file));
  Model model = Model::load(file.string());
  const cv::Mat bgr = cv::imread(find_sample("pets.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty());
  const double r = std::min(416.0 / bgr.rows, 416.0 / bgr.cols);
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(static_cast<int>(bgr.cols * r), static_cast<int>(bgr.rows * r)), 0, 0, cv::INTER_LINEAR);
  cv::Mat canvas(416, 416, CV_8UC3, cv::Scalar(114, 114, 114));
  resized.copyTo(canvas(cv::Rect(0, 0, resized.cols, resized.rows)));
  Tensor x(DType::f32, {1, 3, 416, 416});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 416; ++y)
      for (int xx = 0; xx < 416; ++xx) x.data<float>()[(c * 416 + y) * 416 + xx] = canvas.at<cv::Vec3b>(y, xx)[c];
  const Tensor out = model.run({x})[0];
  ASSERT_EQ(out.shape(), (Shape{1, 3549, 85}));

  struct Box {
    float x0, y0, x1, y1, score;
    int cls;
  };
  std::vector<Box> boxes;
  std::int64_t row = 0;
  for (int stride : {8, 16, 32})
    for (int gy = 0; gy < 416 / stride; ++gy)
      for (int gx = 0; gx < 416 / stride; ++gx, ++row) {
        const float* p = out.data<float>() + row * 85;
        const int cls = static_cast<int>(std::max_element(p + 5, p + 85) - (p + 5));
        const float score = p[4] * p[5 + cls];
        if (score < 0.3f) continue;
        const float cx = (p[0] + gx) * stride, cy = (p[1] + gy) * stride, w = std::exp(p[2]) * stride, h = std::exp(p[3]) * stride;
        boxes.push_back({cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, cls});
      }
  std::sort(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) { return a.score > b.score; });
  auto iou = [](const Box& a, const Box& b) {
    const float iw = std::max(0.f, std::min(a.x1, b.x1) - std::max(a.x0, b.x0)),
                ih = std::max(0.f, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
    const float inter = iw * ih;
    return inter / ((a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter);
  };
  std::vector<Box> kept;
  for (const Box& b : boxes)
    if (std::none_of(kept.begin(), kept.end(), [&](const Box& k) { return k.cls == b.cls && iou(k, b) > 0.45f; })) kept.push_back(b);
  ASSERT_EQ(kept.size(), 2u);
  constexpr int kDog = 16;  // coco_classes.txt, 0-based
  EXPECT_EQ(kept[0].cls, kDog);
  EXPECT_EQ(kept[1].cls, kDog);
  EXPECT_NEAR(kept[0].score, 0.90, 0.03);
  EXPECT_NEAR(kept[1].score, 0.85, 0.03);
}

// ---- corrupt and unsupported files: an easel::Error, never a crash ----

// Imports `file`; returns the error code, or nullopt if it imported.
std::optional<ErrorCode> import_error(const fs::path& file) {
  try {
    nn::import_tflite(file);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << "the message names the file: " << e.what();
    return e.code();
  }
  return std::nullopt;
}

TEST(TfliteCorrupt, TruncatedFilesAreBadModel) {
  test::ScratchDir dir;
  const std::string bytes = test::slurp(model_file("kws-dscnn-mlperf-tiny", "kws_ref_model.tflite"));
  for (std::size_t len :
       {std::size_t{0}, std::size_t{3}, std::size_t{8}, std::size_t{100}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(len);
    const fs::path f = dir / ("cut" + std::to_string(len) + ".tflite");
    test::write(f, bytes.substr(0, len));
    EXPECT_EQ(import_error(f), ErrorCode::bad_model);
  }
}

TEST(TfliteCorrupt, FlippedHeaderBytesNeverCrash) {
  test::ScratchDir dir;
  const std::string bytes = test::slurp(model_file("kws-dscnn-mlperf-tiny", "kws_ref_model.tflite"));
  std::mt19937 rng(1234);
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string b = bytes;
    const int flips = 1 + trial % 4;
    for (int k = 0; k < flips; ++k) b[rng() % 256] ^= static_cast<char>(1 + rng() % 255);
    const fs::path f = dir / "flipped.tflite";
    test::write(f, b);
    try {
      nn::Graph g = nn::import_tflite(f);
      // Some flips land in bytes nothing reads; then the model must still be usable or refuse cleanly.
      if (missing_kernels(g).empty()) {
        nn::Interpreter interpreter(std::move(g), {});
      }
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(TfliteCorrupt, NotATfliteFile) {
  test::ScratchDir dir;
  const fs::path f = dir / "model.tflite";
  test::write(f, std::string(4096, '\x5a'));
  EXPECT_EQ(import_error(f), ErrorCode::bad_model);
  EXPECT_THROW(nn::import_tflite(dir / "missing.tflite"), Error);
}

// Coral's PoseNet ends in the custom op PosenetDecoderOp.
TEST(TfliteCorrupt, CustomOpIsUnsupportedAtLoad) {
  const fs::path file = model_file("posenet-tflite-coral", "posenet_mobilenet_v1_075_353_481_16_quant_decoder.tflite");
  try {
    nn::import_tflite(file);
    FAIL() << "imported a model with a custom op";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported_op);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("Op 'PosenetDecoderOp' (operator #"), std::string::npos) << msg;
    EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
    EXPECT_NE(e.hint().find("easel ops"), std::string::npos);
  }
  std::string format;
  EXPECT_THROW(nn::import_model(file, &format), Error);
  EXPECT_EQ(format, "tflite");
}

// Layout rewrites at import (OHWI -> HWIO) must not leave the original weights behind.
// kws float32: conv 64x10x4x1, 4 pointwise 64x1x1x64, 4 depthwise 1x3x3x64, 9 biases of
// 64, fully connected 12x64 + 12 = 22604 weights; its RESHAPE's shape became an attribute.
TEST(TfliteImport, ConstantsAreTheModelsWeightsOnly) {
  const nn::Graph g = nn::import_tflite(model_file("kws-dscnn-mlperf-tiny", "kws_ref_model_float32.tflite"));
  std::int64_t weights = 0;
  for (const auto& v : g.values)
    if (v.is_constant()) weights += v.constant.size();
  EXPECT_EQ(weights, 22604);
  std::vector<bool> used(g.values.size(), false);
  for (const auto& n : g.nodes)
    for (int v : n.inputs)
      if (v >= 0) used[static_cast<std::size_t>(v)] = true;
  for (std::size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].is_constant()) {
      EXPECT_TRUE(used[v]) << g.values[v].name;
    }
  }
}

TEST(TfliteImport, OpListNamesBuiltins) {
  const auto ops = nn::tflite_ops();
  for (const char* op : {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "DEQUANTIZE", "QUANTIZE", "TRANSPOSE_CONV", "RESIZE_BILINEAR"})
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
}

// ---- synthetic single-purpose models, written with flatbuffers' raw builder API ----

// Writes a .tflite flatbuffer field by field, at the slots of TFLite's schema.fbs ids
// (slot = 4 + 2 * id), so that the importer's less common paths can be checked on tiny
// models whose output is computed by hand from TFLite's operator definitions.
class TfliteWriter {
 public:
  struct Field {  // a scalar field of an options table
    int id;
    char kind;  // 'b' byte/bool, 'i' int32, 'f' float
    double value;
  };

  int tensor(const std::string& name, int type, const Shape& shape, const std::vector<std::uint8_t>& data = {},
             const std::vector<float>& scale = {}, const std::vector<std::int64_t>& zero_point = {}, int axis = 0) {
    tensors_.push_back({name, type, shape, data, scale, zero_point, axis});
    return static_cast<int>(tensors_.size()) - 1;
  }
  template <class T>
  int constant(const std::string& name, int type, const Shape& shape, const std::vector<T>& values, const std::vector<float>& scale = {},
               const std::vector<std::int64_t>& zero_point = {}, int axis = 0) {
    std::vector<std::uint8_t> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return tensor(name, type, shape, bytes, scale, zero_point, axis);
  }
  void op(int code, const std::vector<int>& inputs, const std::vector<int>& outputs, int options_type = 0,
          const std::vector<Field>& options = {}, const std::string& custom = "") {
    ops_.push_back({code, inputs, outputs, options_type, options, custom});
  }

  void write(const fs::path& file, const std::vector<int>& inputs, const std::vector<int>& outputs) {
    flatbuffers::FlatBufferBuilder b;
    b.ForceDefaults(true);
    using Off = flatbuffers::Offset<flatbuffers::Table>;
    auto slot = [](int id) { return static_cast<flatbuffers::voffset_t>(4 + 2 * id); };
    // Buffers: 0 is the empty sentinel, then one per tensor.
    std::vector<Off> buffers;
    auto empty_buffer = [&] {
      auto t = b.StartTable();
      return Off(b.EndTable(t));
    };
    buffers.push_back(empty_buffer());
    std::vector<Off> tensors;
    for (const auto& t : tensors_) {
      std::uint32_t buffer = 0;
      if (!t.data.empty()) {
        auto data = b.CreateVector(t.data);
        auto bt = b.StartTable();
        b.AddOffset(slot(0), data);
        buffers.push_back(Off(b.EndTable(bt)));
        buffer = static_cast<std::uint32_t>(buffers.size() - 1);
      }
      std::vector<std::int32_t> dims(t.shape.begin(), t.shape.end());
      auto shape = b.CreateVector(dims);
      auto name = b.CreateString(t.name);
      flatbuffers::uoffset_t quant = 0;
      if (!t.scale.empty()) {
        auto scale = b.CreateVector(t.scale);
        auto zp = b.CreateVector(t.zero_point);
        auto qt = b.StartTable();
        b.AddOffset(slot(2), scale);
        b.AddOffset(slot(3), zp);
        b.AddElement<std::int32_t>(slot(6), t.axis, 0);
        quant = b.EndTable(qt);
      }
      auto tt = b.StartTable();
      b.AddOffset(slot(0), shape);
      b.AddElement<std::int8_t>(slot(1), static_cast<std::int8_t>(t.type), 0);
      b.AddElement<std::uint32_t>(slot(2), buffer, 0);
      b.AddOffset(slot(3), name);
      if (quant) b.AddOffset(slot(4), Off(quant));
      tensors.push_back(Off(b.EndTable(tt)));
    }
    std::vector<Off> codes, operators;
    for (std::size_t k = 0; k < ops_.size(); ++k) {
      const auto& o = ops_[k];
      auto custom = b.CreateString(o.custom);
      auto ct = b.StartTable();
      b.AddElement<std::int8_t>(slot(0), static_cast<std::int8_t>(std::min(o.code, 127)), 0);
      if (!o.custom.empty()) b.AddOffset(slot(1), custom);
      b.AddElement<std::int32_t>(slot(2), 1, 1);
      b.AddElement<std::int32_t>(slot(3), o.code, 0);
      codes.push_back(Off(b.EndTable(ct)));
      flatbuffers::uoffset_t options = 0;
      if (o.options_type) {
        auto ot = b.StartTable();
        for (const Field& f : o.options) {
          if (f.kind == 'b') b.AddElement<std::int8_t>(slot(f.id), static_cast<std::int8_t>(f.value), 0);
          if (f.kind == 'i') b.AddElement<std::int32_t>(slot(f.id), static_cast<std::int32_t>(f.value), 0);
          if (f.kind == 'f') b.AddElement<float>(slot(f.id), static_cast<float>(f.value), 0.f);
        }
        options = b.EndTable(ot);
      }
      auto ins = b.CreateVector(o.inputs);
      auto outs = b.CreateVector(o.outputs);
      auto op = b.StartTable();
      b.AddElement<std::uint32_t>(slot(0), static_cast<std::uint32_t>(k), 0);
      b.AddOffset(slot(1), ins);
      b.AddOffset(slot(2), outs);
      b.AddElement<std::uint8_t>(slot(3), static_cast<std::uint8_t>(o.options_type), 0);
      if (options) b.AddOffset(slot(4), Off(options));
      operators.push_back(Off(b.EndTable(op)));
    }
    auto tensor_vec = b.CreateVector(tensors);
    auto in_vec = b.CreateVector(inputs);
    auto out_vec = b.CreateVector(outputs);
    auto op_vec = b.CreateVector(operators);
    auto sg = b.StartTable();
    b.AddOffset(slot(0), tensor_vec);
    b.AddOffset(slot(1), in_vec);
    b.AddOffset(slot(2), out_vec);
    b.AddOffset(slot(3), op_vec);
    std::vector<Off> subgraphs = {Off(b.EndTable(sg))};
    auto code_vec = b.CreateVector(codes);
    auto sg_vec = b.CreateVector(subgraphs);
    auto buf_vec = b.CreateVector(buffers);
    auto m = b.StartTable();
    b.AddElement<std::uint32_t>(slot(0), 3, 0);
    b.AddOffset(slot(1), code_vec);
    b.AddOffset(slot(2), sg_vec);
    b.AddOffset(slot(4), buf_vec);
    b.Finish(Off(b.EndTable(m)), "TFL3");
    test::write(file, std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()));
  }

 private:
  struct TensorSpec {
    std::string name;
    int type;
    Shape shape;
    std::vector<std::uint8_t> data;
    std::vector<float> scale;
    std::vector<std::int64_t> zero_point;
    int axis;
  };
  struct OpSpec {
    int code;
    std::vector<int> inputs, outputs;
    int options_type;
    std::vector<Field> options;
    std::string custom;
  };
  std::vector<TensorSpec> tensors_;
  std::vector<OpSpec> ops_;
};

// TFLite's type and operator numbers (schema.fbs).
enum : int { kFloat32 = 0, kInt32 = 2, kInt8 = 9 };
enum : int { kAdd = 0, kFullyConnected = 9, kLstm = 16, kCustom = 32, kSplit = 49, kTransposeConv = 67 };
enum : int { kFullyConnectedOptions = 8, kAddOptions = 11, kSplitOptions = 35, kTransposeConvOptions = 49 };

std::vector<Tensor> run_file(const fs::path& file, const std::vector<Tensor>& inputs) {
  nn::Graph g = nn::import_tflite(file);
  nn::Interpreter interpreter(std::move(g), {});
  return interpreter.run(inputs);
}

// TRANSPOSE_CONV's filter is [O,KH,KW,I]: out[2i+ky, 2j+kx, o] = x[i,j] * w[o,ky,kx] + b[o]
// for stride 2 and a 2x2 kernel (TFLite's reference TransposeConv, no overlap).
TEST(TfliteSynthetic, TransposeConvFilterLayout) {
  test::ScratchDir dir;
  TfliteWriter w;
  const int shape = w.constant<std::int32_t>("output_shape", kInt32, {4}, {1, 4, 4, 2});
  std::vector<float> weights(8);
  std::iota(weights.begin(), weights.end(), 1.f);  // w[o][ky][kx] = 4o + 2ky + kx + 1
  const int filter = w.constant<float>("filter", kFloat32, {2, 2, 2, 1}, weights);
  const int x = w.tensor("x", kFloat32, {1, 2, 2, 1});
  const int bias = w.constant<float>("bias", kFloat32, {2}, {0.5f, -1.f});
  const int y = w.tensor("y", kFloat32, {1, 4, 4, 2});
  w.op(kTransposeConv, {shape, filter, x, bias}, {y}, kTransposeConvOptions, {{0, 'b', 1 /*VALID*/}, {1, 'i', 2}, {2, 'i', 2}});
  w.write(dir / "tconv.tflite", {x}, {y});
  const Tensor in = Tensor::from<float>({1, 2, 2, 1}, {1.f, 2.f, 3.f, 4.f});
  const Tensor out = run_file(dir / "tconv.tflite", {in})[0];
  ASSERT_EQ(out.shape(), (Shape{1, 4, 4, 2}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int ky = 0; ky < 2; ++ky)
        for (int kx = 0; kx < 2; ++kx)
          for (int o = 0; o < 2; ++o) {
            const float want = in.data<float>()[i * 2 + j] * weights[static_cast<std::size_t>(o * 4 + ky * 2 + kx)] + (o ? -1.f : 0.5f);
            EXPECT_FLOAT_EQ(out.at(((2 * i + ky) * 4 + 2 * j + kx) * 2 + o), want) << i << j << ky << kx << o;
          }
}

// An int8 FULLY_CONNECTED with int8 input and output, per-channel weight scales, an int32
// bias without quantization parameters (TFLite's kernels scale it by input_scale *
// weight_scale), keep_num_dims and a fused RELU. Expected values: real arithmetic,
// then TFLite's output quantization.
TEST(TfliteSynthetic, QuantizedFullyConnected) {
  test::ScratchDir dir;
  TfliteWriter w;
  const int x = w.tensor("x", kInt8, {1, 2, 2}, {}, {0.5f}, {1});
  const int weights = w.constant<std::int8_t>("w", kInt8, {3, 2}, {3, -2, 1, 4, -5, 6}, {0.1f, 0.2f, 0.25f}, {0, 0, 0}, 0);
  const int bias = w.constant<std::int32_t>("b", kInt32, {3}, {40, -10, 8});
  const int y = w.tensor("y", kInt8, {1, 2, 3}, {}, {0.05f}, {-3});
  w.op(kFullyConnected, {x, weights, bias}, {y}, kFullyConnectedOptions, {{0, 'b', 1 /*RELU*/}, {2, 'b', 1 /*keep_num_dims*/}});
  w.write(dir / "fc.tflite", {x}, {y});
  nn::Graph g = nn::import_tflite(dir / "fc.tflite");
  EXPECT_EQ(g.values[static_cast<std::size_t>(g.inputs[0])].dtype, DType::i8);
  const Tensor out = run_file(dir / "fc.tflite", {Tensor::from<std::int8_t>({1, 2, 2}, {5, -3, 9, 2})})[0];
  ASSERT_EQ(out.dtype(), DType::i8);
  ASSERT_EQ(out.shape(), (Shape{1, 2, 3}));
  const std::vector<int> want = {57, -3, -3, 59, 1, -3};  // e.g. row 0: relu(2*0.3 + -2*-0.2 + 2) = 3 -> 60 - 3
  for (std::int64_t i = 0; i < 6; ++i) EXPECT_EQ(out.at(i), want[static_cast<std::size_t>(i)]) << i;
}

// SPLIT takes its axis as input 0; ADD's fused RELU_N1_TO_1 becomes a clip node.
TEST(TfliteSynthetic, SplitThenAddWithFusedClip) {
  test::ScratchDir dir;
  TfliteWriter w;
  const int axis = w.constant<std::int32_t>("axis", kInt32, {}, {1});
  const int x = w.tensor("x", kFloat32, {1, 4});
  const int a = w.tensor("a", kFloat32, {1, 2}), b = w.tensor("b", kFloat32, {1, 2}), y = w.tensor("y", kFloat32, {1, 2});
  w.op(kSplit, {axis, x}, {a, b}, kSplitOptions, {{0, 'i', 2}});
  w.op(kAdd, {a, b}, {y}, kAddOptions, {{0, 'b', 2 /*RELU_N1_TO_1*/}});
  w.write(dir / "split.tflite", {x}, {y});
  const Tensor out = run_file(dir / "split.tflite", {Tensor::from<float>({1, 4}, {0.25f, -3.f, 0.5f, 1.f})})[0];
  EXPECT_FLOAT_EQ(out.at(0), 0.75f);
  EXPECT_FLOAT_EQ(out.at(1), -1.f);  // -2 clipped
}

TEST(TfliteSynthetic, BrokenModelsNameTheirFault) {
  test::ScratchDir dir;
  auto error_of = [&](TfliteWriter& w, const std::vector<int>& in, const std::vector<int>& out, const char* name) -> Error {
    const fs::path f = dir / name;
    w.write(f, in, out);
    try {
      nn::import_tflite(f);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << name << " imported";
    return Error(ErrorCode::internal, "");
  };
  {  // an operator reads a tensor nothing writes
    TfliteWriter w;
    const int x = w.tensor("x", kFloat32, {2}), ghost = w.tensor("ghost", kFloat32, {2}), y = w.tensor("y", kFloat32, {2});
    w.op(kAdd, {x, ghost}, {y});
    const Error e = error_of(w, {x}, {y}, "ghost.tflite");
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
    EXPECT_NE(std::string(e.what()).find("Operator #0 (ADD)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'ghost'"), std::string::npos) << e.what();
  }
  {  // a constant whose buffer is shorter than its shape
    TfliteWriter w;
    const int x = w.tensor("x", kFloat32, {4}), c = w.constant<float>("short", kFloat32, {4}, {1.f, 2.f}), y = w.tensor("y", kFloat32, {4});
    w.op(kAdd, {x, c}, {y});
    const Error e = error_of(w, {x}, {y}, "short.tflite");
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
    EXPECT_NE(std::string(e.what()).find("'short'"), std::string::npos) << e.what();
  }
  {  // a zero point no integer type holds (found by fuzz/: q - zero_point overflowed)
    TfliteWriter w;
    const int x = w.tensor("x", kFloat32, {1, 2});
    const int weights = w.constant<std::int8_t>("hostile_zp", kInt8, {3, 2}, {3, -2, 1, 4, -5, 6}, {0.1f}, {std::numeric_limits<std::int64_t>::min()});
    const int y = w.tensor("y", kFloat32, {1, 3});
    w.op(kFullyConnected, {x, weights}, {y});
    const Error e = error_of(w, {x}, {y}, "zero_point.tflite");
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
    EXPECT_NE(std::string(e.what()).find("'hostile_zp'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("zero point -9223372036854775808"), std::string::npos) << e.what();
  }
  {  // an ADD whose second input is left out (tensor index -1, TFLite's "optional"): found by
     // fuzz/ in CI's one-minute run; the kernel read a null input at run time
    TfliteWriter w;
    const int x = w.tensor("x", kFloat32, {2}), y = w.tensor("y", kFloat32, {2});
    w.op(kAdd, {x, -1}, {y});
    const fs::path f = dir / "optional_add.tflite";
    w.write(f, {x}, {y});
    try {
      Model::load(f.string());
      ADD_FAILURE() << "an ADD without its second input loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::bad_model);
      EXPECT_NE(std::string(e.what()).find("input 1 is required but the model leaves it out"), std::string::npos) << e.what();
    }
  }
  {  // builtin and custom ops easel does not translate
    TfliteWriter w;
    const int x = w.tensor("x", kFloat32, {2}), y = w.tensor("y", kFloat32, {2});
    w.op(kLstm, {x}, {y});
    const Error e = error_of(w, {x}, {y}, "lstm.tflite");
    EXPECT_EQ(e.code(), ErrorCode::unsupported_op);
    EXPECT_NE(std::string(e.what()).find("Op 'LSTM' (operator #0 in "), std::string::npos) << e.what();
    TfliteWriter c;
    const int cx = c.tensor("x", kFloat32, {2}), cy = c.tensor("y", kFloat32, {2});
    c.op(kCustom, {cx}, {cy}, 0, {}, "MyCustomOp");
    const Error ce = error_of(c, {cx}, {cy}, "custom.tflite");
    EXPECT_EQ(ce.code(), ErrorCode::unsupported_op);
    EXPECT_NE(std::string(ce.what()).find("Op 'MyCustomOp' (operator #0 in "), std::string::npos) << ce.what();
  }
}

// ---- quantize / dequantize, TFLite's arithmetic ----

std::vector<Tensor> run_one(const std::string& op, const Tensor& x, const nn::Attrs& attrs) {
  nn::Graph g;
  g.source = "test";
  const int in = g.add_input("x", x.dtype(), x.shape());
  nn::Node& n = g.add_node(op, op, {in});
  n.attrs = attrs;
  g.outputs = {n.outputs[0]};
  nn::Interpreter interpreter(std::move(g), {});
  return interpreter.run({x});
}

TEST(TfliteQuantOps, QuantizeRoundsHalfAwayFromZeroAndClamps) {
  nn::Attrs a;
  a.set("scale", std::vector<double>{0.5});
  a.set("zero_point", std::vector<std::int64_t>{10});
  a.set("to", std::string("uint8"));
  // x / 0.5 = 2.5 -> 3 (away from zero; half-to-even would give 2), -2.5 -> -3, 200 -> 255, NaN -> zp.
  const Tensor x = Tensor::from<float>({6}, {1.25f, -1.25f, 0.0f, 100.f, -100.f, NAN});
  const Tensor y = run_one("quantize", x, a)[0];
  ASSERT_EQ(y.dtype(), DType::u8);
  const std::vector<int> want = {13, 7, 10, 210, 0, 10};
  for (std::int64_t i = 0; i < 6; ++i) EXPECT_EQ(y.at(i), want[static_cast<std::size_t>(i)]) << i;

  a.set("to", std::string("int8"));
  a.set("zero_point", std::vector<std::int64_t>{-128});
  const Tensor z = run_one("quantize", Tensor::from<float>({3}, {0.f, 1000.f, -0.75f}), a)[0];
  ASSERT_EQ(z.dtype(), DType::i8);
  EXPECT_EQ(z.at(0), -128);
  EXPECT_EQ(z.at(1), 127);
  EXPECT_EQ(z.at(2), -128);  // -1.5 -> -2, -130 clamps
}

// The per-tensor quantize runs vectorized (SSE2); the per-axis one element by element. On
// the same values, with one scale for both axes, they agree: ties, saturation, NaN,
// infinities, denormals and the remainder after the last whole vector.
TEST(TfliteQuantOps, VectorizedQuantizeEqualsTheElementLoop) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-400.f, 400.f);
  const float scale = 0.37f;
  std::vector<float> values(1002);
  for (std::size_t i = 0; i < values.size(); ++i) {
    switch (i % 7) {
      case 0:
        values[i] = (static_cast<float>(static_cast<int>(i % 300)) - 150.f + 0.5f) * scale;
        break;  // near ties
      case 1:
        values[i] = i % 2 ? 1e-40f : -3e-39f;
        break;  // denormals
      case 2:
        values[i] = i % 3 == 0 ? NAN : (i % 3 == 1 ? INFINITY : -INFINITY);
        break;
      default:
        values[i] = u(rng) * scale;
    }
  }
  for (const char* to : {"uint8", "int8"}) {
    SCOPED_TRACE(to);
    nn::Attrs per_tensor, per_axis;
    per_tensor.set("scale", std::vector<double>{scale});
    per_tensor.set("zero_point", std::vector<std::int64_t>{std::string(to) == "uint8" ? 128 : -3});
    per_tensor.set("to", std::string(to));
    per_axis = per_tensor;
    per_axis.set("scale", std::vector<double>{scale, scale});
    per_axis.set("zero_point", std::vector<std::int64_t>{std::string(to) == "uint8" ? 128 : -3, std::string(to) == "uint8" ? 128 : -3});
    per_axis.set("axis", std::int64_t{1});
    const Tensor x = Tensor::from<float>({501, 2}, values);
    const Tensor a = run_one("quantize", x, per_tensor)[0], b = run_one("quantize", x, per_axis)[0];
    std::int64_t different = 0, distinct_low = 0;
    for (std::int64_t i = 0; i < a.size(); ++i) {
      different += a.at(i) != b.at(i);
      distinct_low += a.at(i) == (std::string(to) == "uint8" ? 0 : -128);
    }
    EXPECT_EQ(different, 0);
    EXPECT_GT(distinct_low, 0);  // saturation was exercised
  }
}

TEST(TfliteQuantOps, DequantizePerAxis) {
  nn::Attrs a;
  a.set("scale", std::vector<double>{0.5, 2.0});
  a.set("zero_point", std::vector<std::int64_t>{1, -1});
  a.set("axis", std::int64_t{1});
  const Tensor x = Tensor::from<std::int8_t>({2, 2}, {3, 3, -3, -3});
  const Tensor y = run_one("dequantize", x, a)[0];
  ASSERT_EQ(y.dtype(), DType::f32);
  EXPECT_FLOAT_EQ(y.at(0), 1.0f);   // (3-1)*0.5
  EXPECT_FLOAT_EQ(y.at(1), 8.0f);   // (3+1)*2
  EXPECT_FLOAT_EQ(y.at(2), -2.0f);  // (-3-1)*0.5
  EXPECT_FLOAT_EQ(y.at(3), -4.0f);  // (-3+1)*2
}

TEST(TfliteQuantOps, RoundTripIsExactOnTheGrid) {
  nn::Attrs a;
  a.set("scale", std::vector<double>{0.0078125});
  a.set("zero_point", std::vector<std::int64_t>{128});
  a.set("to", std::string("uint8"));
  Tensor q(DType::u8, {256});
  for (int i = 0; i < 256; ++i) q.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i);
  const Tensor back = run_one("quantize", run_one("dequantize", q, a)[0], a)[0];
  for (int i = 0; i < 256; ++i) EXPECT_EQ(back.at(i), i);
}

TEST(TfliteQuantOps, BadAttributesFailAtPrepare) {
  nn::Attrs a;
  a.set("scale", std::vector<double>{0.5, 0.5, 0.5});
  a.set("axis", std::int64_t{0});
  EXPECT_THROW(run_one("dequantize", Tensor::from<std::uint8_t>({2}, {1, 2}), a), Error);  // 3 scales for 2 channels
  nn::Attrs b;
  b.set("scale", std::vector<double>{0.0});
  EXPECT_THROW(run_one("quantize", Tensor::from<float>({1}, {1.f}), b), Error);
  EXPECT_THROW(run_one("dequantize", Tensor::from<float>({1}, {1.f}), b), Error);  // float input
}

}  // namespace
}  // namespace easel
