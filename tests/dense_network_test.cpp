// The trainer of heads (src/learn/dense_network.cpp) against TF.js layers: the same layers,
// initial weights, examples and batch order, trained by model.fit under node
// (tests/golden/train_dense.js) and by easel, must end with the same weights within 1e-4
// and the same loss per epoch. The examples are handwritten digits (opencv's digits.png,
// 20 x 20 pixels each).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <random>

#include "easel/error.h"
#include "easel/npy.h"
#include "golden_util.h"
#include "learn/dense_network.h"
#include "sample_media.h"

namespace fs = std::filesystem;
using easel::learn::Activation;
using easel::learn::DenseLayer;
using easel::learn::DenseNetwork;
using easel::learn::Loss;
using easel::learn::OptimizerOptions;

namespace {

// `per_class` digits of each class from digits.png (50 rows of 100 digits; five rows a
// class), classes interleaved: 400 pixel values in 0..1 each, with the class and the ink's
// centre column (0..1) beside it.
struct Digits {
  std::vector<float> pixels;  // n x 400
  std::vector<int> label;
  std::vector<float> ink_x;
  std::int64_t n = 0;
};

Digits digits(int per_class) {
  const cv::Mat sheet = cv::imread(easel::find_sample("digits.png").string(), cv::IMREAD_GRAYSCALE);
  if (sheet.rows != 1000 || sheet.cols != 2000) throw easel::Error(easel::ErrorCode::bad_input, "digits.png is not 2000 x 1000");
  Digits d;
  for (int i = 0; i < per_class; ++i)
    for (int digit = 0; digit < 10; ++digit) {
      const int row = digit * 5 + i / 100, col = i % 100;
      double ink = 0, moment = 0;
      for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 20; ++x) {
          const float v = sheet.at<std::uint8_t>(row * 20 + y, col * 20 + x) / 255.f;
          d.pixels.push_back(v);
          ink += v, moment += v * x;
        }
      d.label.push_back(digit);
      d.ink_x.push_back(static_cast<float>(ink > 0 ? moment / ink / 19.0 : 0.5));
      ++d.n;
    }
  return d;
}

// Glorot-uniform kernels and small random biases (so that the bias gradients count).
std::vector<DenseLayer> random_layers(int inputs, const std::vector<std::tuple<int, Activation, bool>>& spec, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<DenseLayer> layers;
  for (const auto& [units, activation, use_bias] : spec) {
    DenseLayer l{.inputs = inputs, .units = units, .activation = activation, .use_bias = use_bias, .kernel = {}, .bias = {}};
    std::uniform_real_distribution<float> kernel(-1, 1), bias(-0.05f, 0.05f);
    const float limit = std::sqrt(6.f / static_cast<float>(inputs + units));
    for (int i = 0; i < inputs * units; ++i) l.kernel.push_back(kernel(rng) * limit);
    if (use_bias)
      for (int i = 0; i < units; ++i) l.bias.push_back(bias(rng));
    layers.push_back(std::move(l));
    inputs = units;
  }
  return layers;
}

const char* tfjs_name(Activation a) {
  switch (a) {
    case Activation::linear:
      return "linear";
    case Activation::relu:
      return "relu";
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::softmax:
      return "softmax";
  }
  return "";
}

easel::Tensor tensor(const std::vector<float>& values, easel::Shape shape) {
  easel::Tensor t(easel::DType::f32, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

struct Training {
  std::vector<DenseLayer> layers;
  Loss loss;
  OptimizerOptions optimizer;
  std::vector<float> x, y;  // n x inputs, n x outputs
  std::int64_t n;
  int epochs, batch_size;
};

// Trains in TF.js under node; the layers it ends with and its loss per epoch.
std::pair<std::vector<DenseLayer>, std::vector<double>> train_in_tfjs(const Training& t, const fs::path& dir) {
  nlohmann::json config;
  const int inputs = t.layers.front().inputs, outputs = t.layers.back().units;
  config["inputs"] = inputs;
  for (std::size_t k = 0; k < t.layers.size(); ++k) {
    const DenseLayer& l = t.layers[k];
    const std::string kernel = "w" + std::to_string(k) + ".npy", bias = "b" + std::to_string(k) + ".npy";
    easel::write_npy(dir / kernel, tensor(l.kernel, {l.inputs, l.units}));
    if (l.use_bias) easel::write_npy(dir / bias, tensor(l.bias, {l.units}));
    config["layers"].push_back(
        {{"units", l.units}, {"activation", tfjs_name(l.activation)}, {"useBias", l.use_bias}, {"kernel", kernel}, {"bias", bias}});
  }
  config["loss"] = t.loss == Loss::categorical_crossentropy ? "categoricalCrossentropy" : "meanSquaredError";
  config["optimizer"] = {{"kind", t.optimizer.kind == OptimizerOptions::Kind::adam ? "adam" : "sgd"},
                         {"learningRate", t.optimizer.learning_rate}};
  easel::write_npy(dir / "x.npy", tensor(t.x, {t.n, inputs}));
  easel::write_npy(dir / "y.npy", tensor(t.y, {t.n, outputs}));
  config["x"] = "x.npy", config["y"] = "y.npy", config["epochs"] = t.epochs, config["batchSize"] = t.batch_size, config["out"] = "tfjs";
  easel::test::write(dir / "config.json", config.dump());
  const fs::path script = easel::test::run_tfjs_script().parent_path() / "train_dense.js";
  const auto r = easel::test::run("node " + easel::test::shell_quote(script.string()) + " " +
                                  easel::test::shell_quote((dir / "config.json").string()) + " 2>&1");
  if (r.exit_code != 0) throw easel::Error(easel::ErrorCode::internal, "train_dense.js failed: " + r.output);

  std::vector<DenseLayer> trained = t.layers;
  for (std::size_t k = 0; k < trained.size(); ++k) {
    const easel::Tensor kernel = easel::read_npy(dir / "tfjs" / ("kernel_" + std::to_string(k) + ".npy"));
    trained[k].kernel.assign(kernel.data<float>(), kernel.data<float>() + kernel.size());
    if (trained[k].use_bias) {
      const easel::Tensor bias = easel::read_npy(dir / "tfjs" / ("bias_" + std::to_string(k) + ".npy"));
      trained[k].bias.assign(bias.data<float>(), bias.data<float>() + bias.size());
    }
  }
  const auto history = nlohmann::json::parse(easel::test::slurp(dir / "tfjs" / "history.json"));
  return {trained, history["loss"].get<std::vector<double>>()};
}

// Trains in easel, batches in order as model.fit with shuffle off; the loss of an epoch is
// the mean of its batches' losses weighted by their sizes, as TF.js logs it.
std::pair<std::vector<DenseLayer>, std::vector<double>> train_in_easel(const Training& t) {
  DenseNetwork net(t.layers, t.loss, t.optimizer);
  const int inputs = net.inputs(), outputs = net.outputs();
  std::vector<double> losses;
  for (int e = 0; e < t.epochs; ++e) {
    double total = 0;
    for (std::int64_t start = 0; start < t.n; start += t.batch_size) {
      const std::int64_t rows = std::min<std::int64_t>(t.batch_size, t.n - start);
      total += net.train_batch(t.x.data() + start * inputs, t.y.data() + start * outputs, rows) * static_cast<double>(rows);
    }
    losses.push_back(total / static_cast<double>(t.n));
  }
  return {net.layers(), losses};
}

void expect_same_training(const Training& t, const fs::path& dir) {
  const auto [want, want_loss] = train_in_tfjs(t, dir);
  const auto [got, got_loss] = train_in_easel(t);
  ASSERT_EQ(got_loss.size(), want_loss.size());
  for (std::size_t e = 0; e < got_loss.size(); ++e)
    EXPECT_NEAR(got_loss[e], want_loss[e], 1e-4 * std::max(1.0, want_loss[e])) << "epoch " << e + 1;
  double moved = 0;  // how far training took the weights: the comparison must not be trivial
  for (std::size_t k = 0; k < got.size(); ++k) {
    float worst = 0;
    for (std::size_t i = 0; i < got[k].kernel.size(); ++i) {
      worst = std::max(worst, std::abs(got[k].kernel[i] - want[k].kernel[i]));
      moved = std::max(moved, static_cast<double>(std::abs(want[k].kernel[i] - t.layers[k].kernel[i])));
    }
    for (std::size_t i = 0; i < got[k].bias.size(); ++i) worst = std::max(worst, std::abs(got[k].bias[i] - want[k].bias[i]));
    EXPECT_LT(worst, 1e-4f) << "layer " << k + 1;
    std::printf("layer %zu: largest difference from TF.js %.2g\n", k + 1, worst);
  }
  EXPECT_GT(moved, 1e-3) << "training barely moved the weights";
}

TEST(DenseNetworkTfjs, TeachableMachinesHeadWithAdam) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const Digits d = digits(32);
  Training t{.layers = random_layers(400, {{100, Activation::relu, true}, {10, Activation::softmax, false}}, 7),
             .loss = Loss::categorical_crossentropy,
             .optimizer = {.kind = OptimizerOptions::Kind::adam, .learning_rate = 0.001f},
             .x = d.pixels,
             .y = {},
             .n = d.n,
             .epochs = 3,
             .batch_size = 16};
  for (int label : d.label)
    for (int c = 0; c < 10; ++c) t.y.push_back(c == label ? 1.f : 0.f);
  expect_same_training(t, dir.path());
}

TEST(DenseNetworkTfjs, Ml5ClassifierWithSgdAndALastBatchShort) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const Digits d = digits(25);  // 250 examples: batches of 32, the last one of 26
  Training t{.layers = random_layers(400, {{16, Activation::sigmoid, true}, {10, Activation::softmax, true}}, 11),
             .loss = Loss::categorical_crossentropy,
             .optimizer = {.kind = OptimizerOptions::Kind::sgd, .learning_rate = 0.2f},
             .x = d.pixels,
             .y = {},
             .n = d.n,
             .epochs = 4,
             .batch_size = 32};
  for (int label : d.label)
    for (int c = 0; c < 10; ++c) t.y.push_back(c == label ? 1.f : 0.f);
  expect_same_training(t, dir.path());
}

TEST(DenseNetworkTfjs, Ml5RegressionWithAdam) {
  if (const std::string why = easel::test::tfjs_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why);
  easel::test::ScratchDir dir;
  const Digits d = digits(20);
  Training t{.layers = random_layers(400, {{16, Activation::relu, true}, {1, Activation::linear, true}}, 13),
             .loss = Loss::mean_squared_error,
             .optimizer = {.kind = OptimizerOptions::Kind::adam, .learning_rate = 0.01f},
             .x = d.pixels,
             .y = d.ink_x,
             .n = d.n,
             .epochs = 3,
             .batch_size = 32};
  expect_same_training(t, dir.path());
}

TEST(DenseNetwork, LearnsDigitsItHasNotSeen) {
  // 50 digits a class to train on, the next 50 to test: far above chance (10%); raw pixels
  // into this head reach 80%.
  const Digits all = digits(100);
  const int inputs = 400;
  DenseNetwork net(random_layers(inputs, {{100, Activation::relu, true}, {10, Activation::softmax, false}}, 3),
                   Loss::categorical_crossentropy, {.learning_rate = 0.001f});
  std::vector<float> y;
  for (int label : all.label)
    for (int c = 0; c < 10; ++c) y.push_back(c == label ? 1.f : 0.f);
  const std::int64_t train = 500;  // the first 50 of each class (classes interleave)
  const float first_loss = net.loss(all.pixels.data(), y.data(), train);
  for (int epoch = 0; epoch < 50; ++epoch)
    for (std::int64_t s = 0; s < train; s += 16)
      net.train_batch(all.pixels.data() + s * inputs, y.data() + s * 10, std::min<std::int64_t>(16, train - s));
  EXPECT_LT(net.loss(all.pixels.data(), y.data(), train), first_loss / 10);
  const std::vector<float> p = net.predict(all.pixels.data() + train * inputs, all.n - train);
  int right = 0;
  for (std::int64_t i = 0; i < all.n - train; ++i)
    right += std::max_element(p.begin() + i * 10, p.begin() + i * 10 + 10) - (p.begin() + i * 10) == all.label[train + i];
  EXPECT_GT(right, 0.75 * static_cast<double>(all.n - train)) << right << " of " << all.n - train;
}

TEST(DenseNetwork, ClearErrors) {
  auto layers = random_layers(4, {{3, Activation::relu, true}, {2, Activation::softmax, false}}, 1);
  auto broken = layers;
  broken[1].inputs = 5;
  broken[1].kernel.resize(10);
  try {
    DenseNetwork(broken, Loss::categorical_crossentropy);
    FAIL() << "layers that do not chain were taken";
  } catch (const easel::Error& e) {
    EXPECT_NE(std::string(e.what()).find("dense layer 2 takes 5 inputs, but the layer before gives 3"), std::string::npos) << e.what();
  }
  broken = layers;
  broken[0].bias.clear();
  EXPECT_THROW(DenseNetwork(broken, Loss::categorical_crossentropy), easel::Error);
  broken = layers;
  broken[0].activation = Activation::softmax;
  EXPECT_THROW(DenseNetwork(broken, Loss::categorical_crossentropy), easel::Error);
  EXPECT_THROW(DenseNetwork(layers, Loss::categorical_crossentropy, {.learning_rate = 0}), easel::Error);
  DenseNetwork net(layers, Loss::categorical_crossentropy);
  EXPECT_THROW(net.train_batch(nullptr, nullptr, 0), easel::Error);
}

}  // namespace
