// fuse_ops must not change what a graph computes: each case runs the same graph with and
// without fusion (reference kernels) and compares, and checks the nodes really went away.
#include <gtest/gtest.h>

#include <random>

#include "nn/fuse.h"
#include "nn/interpreter.h"

using namespace easel;
using namespace easel::nn;

namespace {

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  Tensor t(DType::f32, std::move(shape));
  std::uniform_real_distribution<float> u(-1, 1);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

// x -> conv2d (or depthwise) -> tail ops, each taking a per-channel constant where needed.
Graph conv_chain(const std::string& conv_op, const std::vector<std::string>& tail, std::mt19937& rng) {
  Graph g;
  g.source = "fuse_test";
  int x = g.add_input("x", DType::f32, {1, 6, 5, 4});
  Shape filter_shape = conv_op == "conv2d" ? Shape{3, 3, 4, 8} : Shape{3, 3, 4, 2};
  int f = g.add_constant("filter", random_tensor(filter_shape, rng));
  Node& conv = g.add_node(conv_op, "conv", {x, f});
  conv.attrs.set("padding", std::string("SAME"));
  int v = conv.outputs[0];
  for (std::size_t i = 0; i < tail.size(); ++i) {
    std::vector<int> ins = {v};
    if (tail[i] == "add" || tail[i] == "mul") ins.push_back(g.add_constant("c" + std::to_string(i), random_tensor({8}, rng)));
    v = g.add_node(tail[i], std::string("t").append(std::to_string(i)), ins).outputs[0];
  }
  g.outputs = {v};
  g.sort();
  return g;
}

void expect_same_result(const Graph& graph, std::size_t expected_nodes_after, std::mt19937& rng) {
  Graph fused = graph;
  fuse_ops(fused);
  EXPECT_EQ(fused.nodes.size(), expected_nodes_after);
  Tensor x = random_tensor({1, 6, 5, 4}, rng);
  Interpreter plain(graph, {Backend::reference, 1});
  Interpreter opt(fused, {Backend::reference, 1});
  Tensor a = plain.run({x})[0], b = opt.run({x})[0];
  ASSERT_EQ(a.shape(), b.shape());
  for (std::int64_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a.data<float>()[i], b.data<float>()[i], 1e-5) << i;
}

}  // namespace

TEST(Fuse, BiasAddAndActivationFoldIntoConv) {
  std::mt19937 rng(1);
  expect_same_result(conv_chain("conv2d", {"add", "relu6"}, rng), 1, rng);
  expect_same_result(conv_chain("depthwise_conv2d", {"add", "sigmoid"}, rng), 1, rng);
}

TEST(Fuse, PerChannelScaleFoldsIntoWeights) {
  std::mt19937 rng(2);
  // An unfused batch norm: conv -> mul -> add -> relu.
  expect_same_result(conv_chain("conv2d", {"mul", "add", "relu"}, rng), 1, rng);
  expect_same_result(conv_chain("depthwise_conv2d", {"add", "mul", "add"}, rng), 1, rng);
}

TEST(Fuse, StopsWhereFusionWouldChangeTheResult) {
  std::mt19937 rng(3);
  // After an activation, an add is no longer a bias.
  expect_same_result(conv_chain("conv2d", {"relu", "add"}, rng), 2, rng);
  // A conv output read twice cannot absorb its reader.
  Graph g = conv_chain("conv2d", {"add"}, rng);
  int conv_out = g.nodes[0].outputs[0];
  g.outputs.push_back(conv_out);
  Graph fused = g;
  fuse_ops(fused);
  EXPECT_EQ(fused.nodes.size(), 2u);
}

// y * relu6(y + 3) / 6 in the three orders models write it, each becoming one conv with a
// hard_swish activation.
TEST(Fuse, HardSwishPatternsBecomeTheConvActivation) {
  std::mt19937 rng(4);
  for (int order = 0; order < 3; ++order) {
    SCOPED_TRACE("order " + std::to_string(order));
    Graph g;
    g.source = "fuse_test";
    int x = g.add_input("x", DType::f32, {1, 6, 5, 4});
    Tensor filter = random_tensor({3, 3, 4, 8}, rng);
    for (std::int64_t i = 0; i < filter.size(); ++i) filter.data<float>()[i] *= 4;  // reach both ends of relu6(y + 3)
    Node& conv = g.add_node("conv2d", "conv", {x, g.add_constant("filter", filter)});
    conv.attrs.set("padding", std::string("SAME"));
    const int y = conv.outputs[0];
    auto scalar_const = [&](const std::string& name, float v) {
      Tensor t(DType::f32, {});
      t.data<float>()[0] = v;
      return g.add_constant(name, t);
    };
    // Order 1 as MobileNetV3 in float16 writes it: 0.16663 for 1/6.
    const float k = order == 1 ? 0.166625977f : 1.0f / 6;
    const int three = scalar_const("three", 3), sixth = scalar_const("sixth", k);
    const int r = g.add_node("relu6", "relu6", {g.add_node("add", "add", {y, three}).outputs[0]}).outputs[0];
    int out = -1;
    if (order == 0) out = g.add_node("mul", "m2", {g.add_node("mul", "m1", {y, r}).outputs[0], sixth}).outputs[0];
    if (order == 1) out = g.add_node("mul", "m2", {g.add_node("mul", "m1", {sixth, y}).outputs[0], r}).outputs[0];
    if (order == 2) out = g.add_node("mul", "m2", {y, g.add_node("mul", "m1", {r, sixth}).outputs[0]}).outputs[0];
    g.outputs = {out};
    g.sort();
    expect_same_result(g, 1, rng);
    Graph fused = g;
    fuse_ops(fused);
    EXPECT_EQ(fused.nodes[0].attrs.get_string("activation", "none"), "hard_swish");
    EXPECT_FLOAT_EQ(static_cast<float>(fused.nodes[0].attrs.get_float("activation_scale", 1.0)), k * 6);
  }
  // Not hard-swish (adds 2, not 3): nothing is fused.
  Graph g;
  g.source = "fuse_test";
  int x = g.add_input("x", DType::f32, {1, 6, 5, 4});
  Node& conv = g.add_node("conv2d", "conv", {x, g.add_constant("filter", random_tensor({3, 3, 4, 8}, rng))});
  conv.attrs.set("padding", std::string("SAME"));
  const int y = conv.outputs[0];
  Tensor two(DType::f32, {}), sixth(DType::f32, {});
  two.data<float>()[0] = 2, sixth.data<float>()[0] = 1.0f / 6;
  const int r = g.add_node("relu6", "relu6", {g.add_node("add", "add", {y, g.add_constant("two", two)}).outputs[0]}).outputs[0];
  g.outputs = {g.add_node("mul", "m2", {g.add_node("mul", "m1", {y, r}).outputs[0], g.add_constant("sixth", sixth)}).outputs[0]};
  g.sort();
  expect_same_result(g, 5, rng);
}

// SiLU as YOLOX writes it, y * sigmoid(y) in either operand order, becomes the conv's
// swish activation; with the sigmoid also read elsewhere, or a multiply by something
// else, nothing is fused. Both backends: oneDNN runs swish as a post-op.
TEST(Fuse, SwishPatternBecomesTheConvActivation) {
  std::mt19937 rng(5);
  auto build = [&](int variant) {
    Graph g;
    g.source = "fuse_test";
    int x = g.add_input("x", DType::f32, {1, 6, 5, 4});
    Tensor filter = random_tensor({3, 3, 4, 8}, rng);
    for (std::int64_t i = 0; i < filter.size(); ++i) filter.data<float>()[i] *= 3;  // both tails of the sigmoid
    Node& conv = g.add_node("conv2d", "conv", {x, g.add_constant("filter", filter), g.add_constant("bias", random_tensor({8}, rng))});
    conv.attrs.set("padding", std::string("SAME"));
    const int y = conv.outputs[0];
    const int s = g.add_node("sigmoid", "sigmoid", {y}).outputs[0];
    const int out = g.add_node("mul", "mul", variant == 1 ? std::vector<int>{s, y} : std::vector<int>{y, s}).outputs[0];
    g.outputs = {out};
    if (variant == 2) g.outputs.push_back(s);  // the sigmoid is an output too
    g.sort();
    return g;
  };
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE("operand order " + std::to_string(variant));
    const Graph g = build(variant);
    expect_same_result(g, 1, rng);
    Graph fused = g;
    fuse_ops(fused);
    EXPECT_EQ(fused.nodes[0].attrs.get_string("activation", "none"), "swish");
    const Tensor x = random_tensor({1, 6, 5, 4}, rng);
    Interpreter plain(g, {Backend::reference, 1}), onednn(fused, {Backend::optimized, 1});
    const Tensor a = plain.run({x})[0], b = onednn.run({x})[0];
    for (std::int64_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a.data<float>()[i], b.data<float>()[i], 1e-4) << i;
  }
  Graph shared = build(2);
  fuse_ops(shared);
  EXPECT_EQ(shared.nodes.size(), 3u) << "the sigmoid is read elsewhere: nothing fused";
}
