// The ops the generative models brought: lstm_cell (ml5's charRNN) and instance_norm (fast
// style transfer), each optimized kernel against its reference on random sizes, the
// reference pinned by values worked out by hand, and conv2d_transpose's open output size.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "easel/error.h"
#include "nn/graph.h"
#include "nn/interpreter.h"

namespace easel {
namespace {

using nn::Backend;

// One node; inputs marked `constant` are graph constants (weights), the rest graph inputs.
std::vector<Tensor> run_node(const std::string& op, const std::vector<Tensor>& inputs, const std::vector<bool>& constant,
                             const nn::Attrs& attrs, Backend backend, int outputs = 1) {
  nn::Graph g;
  g.source = "generative_ops_test";
  std::vector<int> ids;
  std::vector<Tensor> feed;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (constant[i]) {
      ids.push_back(g.add_constant(name, inputs[i]));
    } else {
      ids.push_back(g.add_input(name, inputs[i].dtype(), inputs[i].shape()));
      feed.push_back(inputs[i]);
    }
  }
  nn::Node& node = g.add_node(op, op, ids, outputs);
  node.attrs = attrs;
  g.outputs = node.outputs;
  g.sort();
  nn::InterpreterOptions options;
  options.backend = backend;
  options.threads = 2;
  nn::Interpreter interpreter(std::move(g), options);
  return interpreter.run(feed);
}

Tensor random_tensor(Shape shape, std::mt19937& rng, float lo = -1, float hi = 1) {
  Tensor t(DType::f32, std::move(shape));
  std::uniform_real_distribution<float> u(lo, hi);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

double max_difference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double worst = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a.at(i) - b.at(i)));
  return worst;
}

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

TEST(LstmCell, ReferenceFollowsBasicLstmCell) {
  // One unit, one input: kernel rows [x, h], columns i, j, f, o.
  const Tensor x = Tensor::from<float>({1, 1}, {0.5f});
  const Tensor c = Tensor::from<float>({1, 1}, {0.25f});
  const Tensor h = Tensor::from<float>({1, 1}, {-0.75f});
  const Tensor kernel = Tensor::from<float>({2, 4}, {1, 2, 3, 4, 0.5f, -1, 0.25f, 2});
  const Tensor bias = Tensor::from<float>({4}, {0.1f, 0.2f, 0.3f, 0.4f});
  nn::Attrs attrs;
  attrs.set("forget_bias", 1.0);
  const float i = 0.5f * 1 - 0.75f * 0.5f + 0.1f, j = 0.5f * 2 + 0.75f + 0.2f;
  const float f = 0.5f * 3 - 0.75f * 0.25f + 0.3f, o = 0.5f * 4 - 0.75f * 2 + 0.4f;
  const float want_c = sigmoid(i) * std::tanh(j) + 0.25f * sigmoid(f + 1.0f);
  const float want_h = std::tanh(want_c) * sigmoid(o);
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    const auto out = run_node("lstm_cell", {x, c, h, kernel, bias}, {false, false, false, true, true}, attrs, backend, 2);
    EXPECT_NEAR(out[0].data<float>()[0], want_c, 1e-6) << (backend == Backend::reference ? "reference" : "optimized");
    EXPECT_NEAR(out[1].data<float>()[0], want_h, 1e-6) << (backend == Backend::reference ? "reference" : "optimized");
  }
}

TEST(LstmCell, OneDnnMatchesReference) {
  std::mt19937 rng(7);
  struct Case {
    std::int64_t batch, inputs, units;
    float forget_bias;
  };
  for (const Case& k : {Case{1, 128, 128, 1.0f}, Case{1, 256, 256, 1.0f}, Case{3, 5, 7, 0.0f}, Case{2, 65, 32, 0.5f}}) {
    const Tensor x = random_tensor({k.batch, k.inputs}, rng);
    const Tensor c = random_tensor({k.batch, k.units}, rng);
    const Tensor h = random_tensor({k.batch, k.units}, rng);
    const Tensor kernel = random_tensor({k.inputs + k.units, 4 * k.units}, rng, -0.3f, 0.3f);
    const Tensor bias = random_tensor({4 * k.units}, rng);
    nn::Attrs attrs;
    attrs.set("forget_bias", static_cast<double>(k.forget_bias));
    const std::vector<bool> constant = {false, false, false, true, true};
    const auto ref = run_node("lstm_cell", {x, c, h, kernel, bias}, constant, attrs, Backend::reference, 2);
    const auto opt = run_node("lstm_cell", {x, c, h, kernel, bias}, constant, attrs, Backend::optimized, 2);
    EXPECT_LT(max_difference(ref[0], opt[0]), 2e-5) << "c, " << k.batch << "x" << k.inputs << " units " << k.units;
    EXPECT_LT(max_difference(ref[1], opt[1]), 2e-5) << "h, " << k.batch << "x" << k.inputs << " units " << k.units;
  }
}

TEST(LstmCell, RefusesMismatchedShapes) {
  nn::Attrs attrs;
  const Tensor x({DType::f32, {1, 3}}), c({DType::f32, {1, 4}}), h({DType::f32, {1, 4}});
  const Tensor wrong_rows({DType::f32, {6, 16}});
  try {
    run_node("lstm_cell", {x, c, h, wrong_rows}, {false, false, false, true}, attrs, Backend::optimized, 2);
    FAIL() << "a kernel of the wrong height was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("must have 7 rows"), std::string::npos) << e.what();
  }
}

TEST(InstanceNorm, ReferenceNormalisesEachChannelOverItsPixels) {
  // 1 image, 2x2 pixels, 2 channels: channel 0 is 1,2,3,4 and channel 1 is 10 everywhere.
  const Tensor x = Tensor::from<float>({1, 2, 2, 2}, {1, 10, 2, 10, 3, 10, 4, 10});
  const Tensor scale = Tensor::from<float>({2}, {2, 3});
  const Tensor offset = Tensor::from<float>({2}, {0.5f, -1});
  nn::Attrs attrs;
  attrs.set("epsilon", 1e-3);
  const double sd = std::sqrt(1.25 + 1e-3);  // variance of 1..4 is 1.25
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    const Tensor y = run_node("instance_norm", {x, scale, offset}, {false, true, true}, attrs, backend)[0];
    for (int p = 0; p < 4; ++p) {
      EXPECT_NEAR(y.data<float>()[2 * p], 2 * (p + 1 - 2.5) / sd + 0.5, 1e-5);
      EXPECT_NEAR(y.data<float>()[2 * p + 1], -1.0, 1e-5);  // a constant channel becomes its offset
    }
  }
}

TEST(InstanceNorm, OptimizedMatchesReference) {
  std::mt19937 rng(3);
  for (const Shape& shape : {Shape{1, 64, 48, 32}, Shape{2, 17, 9, 3}, Shape{1, 256, 256, 16}}) {
    const Tensor x = random_tensor(shape, rng, -50, 80);
    const Tensor scale = random_tensor({shape[3]}, rng, 0.5f, 2);
    const Tensor offset = random_tensor({shape[3]}, rng);
    for (const char* activation : {"none", "relu"}) {
      nn::Attrs attrs;
      attrs.set("epsilon", 1e-3);
      attrs.set("activation", std::string(activation));
      const Tensor ref = run_node("instance_norm", {x, scale, offset}, {false, true, true}, attrs, Backend::reference)[0];
      const Tensor opt = run_node("instance_norm", {x, scale, offset}, {false, true, true}, attrs, Backend::optimized)[0];
      EXPECT_LT(max_difference(ref, opt), 1e-4) << to_string(shape) << " " << activation;
    }
  }
}

TEST(Conv2DTranspose, OpenOutputSizeFollowsThePadding) {
  std::mt19937 rng(5);
  const Tensor x = random_tensor({1, 5, 7, 4}, rng);
  const Tensor filter = random_tensor({3, 3, 2, 4}, rng);
  for (const char* padding : {"SAME", "VALID"}) {
    nn::Attrs open, fixed;
    for (nn::Attrs* a : {&open, &fixed}) {
      a->set("strides", std::vector<std::int64_t>{2, 2});
      a->set("padding", std::string(padding));
    }
    const bool same = std::string(padding) == "SAME";
    const std::vector<std::int64_t> size = same ? std::vector<std::int64_t>{1, 10, 14, 2} : std::vector<std::int64_t>{1, 11, 15, 2};
    open.set("output_shape", std::vector<std::int64_t>{-1, -1, -1, 2});
    fixed.set("output_shape", size);
    const Tensor a = run_node("conv2d_transpose", {x, filter}, {false, true}, open, Backend::optimized)[0];
    const Tensor b = run_node("conv2d_transpose", {x, filter}, {false, true}, fixed, Backend::optimized)[0];
    EXPECT_EQ(a.shape(), Shape(size.begin(), size.end())) << padding;
    EXPECT_EQ(max_difference(a, b), 0.0) << padding;
  }
}

}  // namespace
}  // namespace easel
