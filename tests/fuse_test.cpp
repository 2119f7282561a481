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
    v = g.add_node(tail[i], "t" + std::to_string(i), ins).outputs[0];
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
