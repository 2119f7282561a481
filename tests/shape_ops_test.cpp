// Shape and data movement ops: hand-checked known answers for the tricky semantics
// (strided_slice masks, TF's resize arithmetic, mirror pads, gather batch_dims, ties in
// top_k and argmax...), each run three ways (optimized, reference, and folded at plan
// time as constants), and randomized optimized-vs-reference comparisons for the ops
// with two kernels. Suites: Shape*, Slice*, Resize*, Reduce*.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "easel/error.h"
#include "nn/graph.h"
#include "nn/interpreter.h"

namespace easel {
namespace {

using nn::Attrs;
using nn::AttrValue;
using nn::Backend;

// An input of the test node: fed at run time (a graph input), a constant, or absent.
struct In {
  Tensor t;
  enum Kind { data, constant, absent } kind = data;
};
In dat(Tensor t) { return {std::move(t), In::data}; }
In cst(Tensor t) { return {std::move(t), In::constant}; }
In none() { return {Tensor(), In::absent}; }

Attrs attrs(std::initializer_list<std::pair<const char*, AttrValue>> list) {
  Attrs a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

using Ints = std::vector<std::int64_t>;

Tensor F(Shape s, std::vector<float> v) { return Tensor::from<float>(std::move(s), v); }
Tensor I32(Shape s, std::vector<std::int32_t> v) { return Tensor::from<std::int32_t>(std::move(s), v); }
Tensor B(Shape s, std::vector<bool> v) {
  Tensor t(DType::boolean, std::move(s));
  for (std::size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i];
  return t;
}
// 0, 1, 2... in the given shape.
Tensor iota(Shape s, DType dt = DType::f32) {
  Tensor t = Tensor(DType::f32, s);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return dt == DType::f32 ? t : t.cast(dt);
}

enum class Mode { optimized, reference, folded };

// Runs `op` as the only node of a graph. In folded mode every input is a constant, so
// the interpreter computes the node at plan time (with the reference kernel).
std::vector<Tensor> run_op(const std::string& op, const std::vector<In>& inputs, const Attrs& a, int outputs = 1,
                           Mode mode = Mode::optimized, int threads = 2) {
  nn::Graph g;
  g.source = "shape_ops_test";
  std::vector<int> ids;
  std::vector<Tensor> feed;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (inputs[i].kind == In::absent) {
      ids.push_back(-1);
    } else if (inputs[i].kind == In::constant || mode == Mode::folded) {
      ids.push_back(g.add_constant(name, inputs[i].t));
    } else {
      ids.push_back(g.add_input(name, inputs[i].t.dtype(), inputs[i].t.shape()));
      feed.push_back(inputs[i].t);
    }
  }
  nn::Node& node = g.add_node(op, op, ids, outputs);
  node.attrs = a;
  g.outputs = node.outputs;
  g.sort();
  nn::InterpreterOptions options;
  options.backend = mode == Mode::reference ? Backend::reference : Backend::optimized;
  options.threads = threads;
  nn::Interpreter interpreter(std::move(g), options);
  return interpreter.run(feed);
}

// Equal dtype and shape; elements within tolerance * max(1, |expected|).
::testing::AssertionResult close(const Tensor& expected, const Tensor& got, double tolerance = 0) {
  if (expected.dtype() != got.dtype())
    return ::testing::AssertionFailure() << "dtype " << to_string(got.dtype()) << ", expected " << to_string(expected.dtype());
  if (expected.shape() != got.shape())
    return ::testing::AssertionFailure() << "shape " << to_string(got.shape()) << ", expected " << to_string(expected.shape());
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    const double e = expected.at(i), g = got.at(i);
    if (e == g || (std::isnan(e) && std::isnan(g))) continue;
    if (std::fabs(e - g) <= tolerance * std::max(1.0, std::fabs(e))) continue;
    return ::testing::AssertionFailure() << "element " << i << " of " << to_string(expected.shape()) << ": got " << g << ", expected " << e;
  }
  return ::testing::AssertionSuccess();
}

const char* mode_name(Mode m) { return m == Mode::optimized ? "optimized" : m == Mode::reference ? "reference" : "folded"; }

// Checks every output against `expected` in all three modes.
void expect_op(const std::string& op, const std::vector<In>& inputs, const Attrs& a, const std::vector<Tensor>& expected,
               double tolerance = 0) {
  for (Mode m : {Mode::optimized, Mode::reference, Mode::folded}) {
    SCOPED_TRACE(std::string(op) + " " + mode_name(m));
    std::vector<Tensor> got = run_op(op, inputs, a, static_cast<int>(expected.size()), m);
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_TRUE(close(expected[i], got[i], tolerance)) << "output " << i;
  }
}

// The optimized kernel against the reference one on the same inputs.
::testing::AssertionResult backends_agree(const std::string& op, const std::vector<In>& inputs, const Attrs& a, int outputs = 1,
                                          double tolerance = 0) {
  std::vector<Tensor> opt = run_op(op, inputs, a, outputs, Mode::optimized);
  std::vector<Tensor> ref = run_op(op, inputs, a, outputs, Mode::reference);
  for (int i = 0; i < outputs; ++i) {
    auto r = close(ref[static_cast<std::size_t>(i)], opt[static_cast<std::size_t>(i)], tolerance);
    if (!r) return r << " (output " << i << ")";
  }
  return ::testing::AssertionSuccess();
}

// A model error in prepare(), reported at load.
void expect_bad_model(const std::string& op, const std::vector<In>& inputs, const Attrs& a, int outputs = 1) {
  try {
    run_op(op, inputs, a, outputs);
    ADD_FAILURE() << op << " did not fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model) << e.what();
    EXPECT_NE(std::string(e.what()).find("Node '" + op + "'"), std::string::npos) << e.what();
  }
}

std::mt19937& rng() {
  static std::mt19937 g(20240611);
  return g;
}
Tensor random_tensor(Shape s, DType dt = DType::f32, float lo = -4, float hi = 4) {
  Tensor t(DType::f32, std::move(s));
  std::uniform_real_distribution<float> u(lo, hi);
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = u(rng());
  if (dt == DType::f32) return t;
  if (dt == DType::boolean) {
    Tensor b(DType::boolean, t.shape());
    for (std::int64_t i = 0; i < t.size(); ++i) b.data<bool>()[i] = t.data<float>()[i] > 0;
    return b;
  }
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = std::floor(t.data<float>()[i]);
  return t.cast(dt);
}
std::int64_t rand_int(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng()); }

// strided_slice attributes.
Attrs ss(Ints begin, Ints end, Ints strides, std::int64_t begin_mask = 0, std::int64_t end_mask = 0, std::int64_t ellipsis = 0,
         std::int64_t new_axis = 0, std::int64_t shrink = 0) {
  return attrs({{"begin", begin},
                {"end", end},
                {"strides", strides},
                {"begin_mask", begin_mask},
                {"end_mask", end_mask},
                {"ellipsis_mask", ellipsis},
                {"new_axis_mask", new_axis},
                {"shrink_axis_mask", shrink}});
}

// ---------------------------------------------------------------- reshape family

TEST(ShapeOps, Reshape) {
  Tensor x = iota({2, 3});
  expect_op("reshape", {dat(x), cst(I32({2}, {3, -1}))}, {}, {iota({3, 2})});
  expect_op("reshape", {dat(x)}, attrs({{"shape", Ints{-1}}}), {iota({6})});
  expect_op("reshape", {dat(iota({6}, DType::i64))}, attrs({{"shape", Ints{1, 2, 3}}}), {iota({1, 2, 3}, DType::i64)});
  expect_bad_model("reshape", {dat(x)}, attrs({{"shape", Ints{-1, -1}}}));
  expect_bad_model("reshape", {dat(x)}, attrs({{"shape", Ints{4, -1}}}));
  expect_bad_model("reshape", {dat(x), dat(I32({2}, {3, 2}))}, {});  // shape must be constant
}

TEST(ShapeOps, SqueezeAndExpandDims) {
  Tensor x = iota({1, 2, 1, 3});
  expect_op("squeeze", {dat(x)}, {}, {iota({2, 3})});
  expect_op("squeeze", {dat(x)}, attrs({{"axes", Ints{-2}}}), {iota({1, 2, 3})});
  expect_bad_model("squeeze", {dat(x)}, attrs({{"axes", Ints{1}}}));
  expect_op("expand_dims", {dat(iota({2, 3}))}, attrs({{"axis", std::int64_t{-1}}}), {iota({2, 3, 1})});
  expect_op("expand_dims", {dat(iota({2, 3}, DType::u8)), cst(Tensor::scalar<std::int32_t>(0))}, {}, {iota({1, 2, 3}, DType::u8)});
  expect_bad_model("expand_dims", {dat(iota({2, 3}))}, attrs({{"axis", std::int64_t{3}}}));
}

// ---------------------------------------------------------------- transpose

TEST(ShapeOps, TransposeKnown) {
  expect_op("transpose", {dat(iota({2, 3}))}, attrs({{"perm", Ints{1, 0}}}), {F({3, 2}, {0, 3, 1, 4, 2, 5})});
  // No perm: reversed dims.
  expect_op("transpose", {dat(iota({2, 3}))}, {}, {F({3, 2}, {0, 3, 1, 4, 2, 5})});
  // perm as a constant input; out[i,j,k] = x[j,k,i] for perm [2,0,1].
  Tensor x = iota({2, 3, 4}, DType::i32);
  Tensor want(DType::i32, {4, 2, 3});
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k) want.data<std::int32_t>()[(i * 2 + j) * 3 + k] = (j * 3 + k) * 4 + i;
  expect_op("transpose", {dat(x), cst(I32({3}, {2, 0, 1}))}, {}, {want});
  expect_bad_model("transpose", {dat(x)}, attrs({{"perm", Ints{0, 0, 1}}}));
}

TEST(ShapeRandom, TransposeBackendsAgree) {
  const std::vector<std::pair<Shape, Ints>> cases = {
      {{1, 64, 64, 32}, {0, 3, 1, 2}},  // NHWC -> NCHW, large enough to go parallel
      {{2, 32, 7, 9}, {0, 2, 3, 1}},    // NCHW -> NHWC
      {{3, 1, 5, 7}, {3, 1, 0, 2}},
      {{4, 5, 6}, {1, 0, 2}},  // contiguous rows
      {{17, 33}, {1, 0}},      // ragged tiles
      {{2, 3, 4, 5, 6}, {4, 2, 0, 3, 1}},
      {{1, 1, 1}, {2, 0, 1}},
      {{0, 3}, {1, 0}},
  };
  for (const auto& [shape, perm] : cases)
    for (DType dt : {DType::f32, DType::u8, DType::i64, DType::boolean}) {
      SCOPED_TRACE(to_string(shape) + " perm " + to_string(perm) + " " + to_string(dt));
      EXPECT_TRUE(backends_agree("transpose", {dat(random_tensor(shape, dt))}, attrs({{"perm", perm}})));
    }
  for (int trial = 0; trial < 40; ++trial) {
    const auto rank = static_cast<std::size_t>(rand_int(1, 5));
    Shape s(rank);
    for (auto& d : s) d = rand_int(1, 7);
    Ints perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng());
    SCOPED_TRACE(to_string(s) + " perm " + to_string(perm));
    EXPECT_TRUE(backends_agree("transpose", {dat(random_tensor(s))}, attrs({{"perm", perm}})));
  }
}

// ---------------------------------------------------------------- concat, pack, split

TEST(ShapeOps, Concat) {
  expect_op("concat", {dat(F({2, 1}, {1, 2})), dat(F({2, 2}, {3, 4, 5, 6}))}, attrs({{"axis", std::int64_t{-1}}}),
            {F({2, 3}, {1, 3, 4, 2, 5, 6})});
  expect_op("concat", {dat(I32({1, 2}, {1, 2})), cst(I32({2, 2}, {3, 4, 5, 6})), dat(I32({0, 2}, {}))}, attrs({{"axis", std::int64_t{0}}}),
            {I32({3, 2}, {1, 2, 3, 4, 5, 6})});
  expect_bad_model("concat", {dat(F({2, 1}, {1, 2})), dat(F({3, 1}, {1, 2, 3}))}, attrs({{"axis", std::int64_t{1}}}));
  expect_bad_model("concat", {dat(F({2}, {1, 2})), dat(I32({2}, {1, 2}))}, attrs({{"axis", std::int64_t{0}}}));
}

TEST(ShapeRandom, ConcatBackendsAgree) {
  // Channel concat in NHWC (many short chunks, parallel) and others.
  EXPECT_TRUE(backends_agree("concat",
                             {dat(random_tensor({1, 40, 40, 24})), dat(random_tensor({1, 40, 40, 8})), dat(random_tensor({1, 40, 40, 40}))},
                             attrs({{"axis", std::int64_t{3}}})));
  EXPECT_TRUE(backends_agree("concat", {dat(random_tensor({2, 3, 4}, DType::u8)), dat(random_tensor({2, 5, 4}, DType::u8))},
                             attrs({{"axis", std::int64_t{1}}})));
  EXPECT_TRUE(backends_agree("concat", {dat(random_tensor({3, 4}, DType::i64)), dat(random_tensor({1, 4}, DType::i64))},
                             attrs({{"axis", std::int64_t{0}}})));
}

TEST(ShapeOps, PackAndUnpack) {
  Tensor a = F({2}, {1, 2}), b = F({2}, {3, 4});
  expect_op("pack", {dat(a), dat(b)}, attrs({{"axis", std::int64_t{0}}}), {F({2, 2}, {1, 2, 3, 4})});
  expect_op("pack", {dat(a), cst(b)}, attrs({{"axis", std::int64_t{-1}}}), {F({2, 2}, {1, 3, 2, 4})});
  expect_op("pack", {dat(Tensor::scalar<std::int32_t>(5)), dat(Tensor::scalar<std::int32_t>(6))}, {}, {I32({2}, {5, 6})});
  expect_op("unpack", {dat(iota({2, 3}))}, attrs({{"axis", std::int64_t{1}}}), {F({2}, {0, 3}), F({2}, {1, 4}), F({2}, {2, 5})});
  expect_op("unpack", {dat(iota({2, 3}))}, {}, {F({3}, {0, 1, 2}), F({3}, {3, 4, 5})});
  expect_bad_model("unpack", {dat(iota({2, 3}))}, attrs({{"axis", std::int64_t{1}}}), 2);
}

TEST(ShapeOps, Split) {
  Tensor x = iota({2, 5});
  expect_op("split", {dat(x)}, attrs({{"axis", std::int64_t{1}}, {"sizes", Ints{2, -1}}}),
            {F({2, 2}, {0, 1, 5, 6}), F({2, 3}, {2, 3, 4, 7, 8, 9})});
  expect_op("split", {dat(x)}, attrs({{"axis", std::int64_t{-1}}, {"sizes", Ints{-1, 1, 0}}}),
            {F({2, 4}, {0, 1, 2, 3, 5, 6, 7, 8}), F({2, 1}, {4, 9}), F({2, 0}, {})});
  // Even split into as many parts as outputs; sizes as constant input 1, axis as input 2.
  expect_op("split", {dat(x)}, {}, {F({1, 5}, {0, 1, 2, 3, 4}), F({1, 5}, {5, 6, 7, 8, 9})});
  expect_op("split", {dat(x), cst(I32({2}, {3, 2})), cst(Tensor::scalar<std::int32_t>(1))}, {},
            {F({2, 3}, {0, 1, 2, 5, 6, 7}), F({2, 2}, {3, 4, 8, 9})});
  expect_bad_model("split", {dat(x)}, attrs({{"axis", std::int64_t{1}}, {"sizes", Ints{2, 2}}}), 2);
  expect_bad_model("split", {dat(x)}, attrs({{"axis", std::int64_t{1}}, {"sizes", Ints{-1, -1}}}), 2);
  expect_bad_model("split", {dat(x)}, attrs({{"axis", std::int64_t{1}}}), 2);  // 5 does not split evenly in 2
}

// run() keeps per-run state (input pointers, scratch) in buffers sized by prepare():
// a second run with new values must not see the first one's.
TEST(ShapeOps, RunTwice) {
  nn::Graph g;
  g.source = "shape_ops_test";
  const int a = g.add_input("a", DType::f32, {2, 2});
  const int b = g.add_input("b", DType::f32, {2, 1});
  nn::Node& cat = g.add_node("concat", "cat", {a, b});
  cat.attrs.set("axis", std::int64_t{1});
  const int cat_out = cat.outputs[0];
  nn::Node& top = g.add_node("top_k", "top", {cat_out}, 2);
  top.attrs.set("k", std::int64_t{2});
  g.outputs = top.outputs;
  g.sort();
  nn::Interpreter interpreter(std::move(g));
  auto r1 = interpreter.run({F({2, 2}, {1, 5, 2, 2}), F({2, 1}, {3, 9})});
  EXPECT_TRUE(close(F({2, 2}, {5, 3, 9, 2}), r1[0]));
  EXPECT_TRUE(close(I32({2, 2}, {1, 2, 2, 0}), r1[1]));
  auto r2 = interpreter.run({F({2, 2}, {7, 0, 4, 4}), F({2, 1}, {1, 4})});
  EXPECT_TRUE(close(F({2, 2}, {7, 1, 4, 4}), r2[0]));
  EXPECT_TRUE(close(I32({2, 2}, {0, 2, 0, 1}), r2[1]));
}

// TF's Shape -> StridedSlice -> ConcatV2 -> Reshape chain: shape is folded at plan time
// from the input's shape, the rest from constants, so reshape sees a constant shape.
TEST(ShapeOps, ShapeChainFoldsIntoReshape) {
  nn::Graph g;
  g.source = "shape_ops_test";
  const int x = g.add_input("x", DType::f32, {2, 3, 4});
  const int shape = g.add_node("shape", "shape", {x}).outputs[0];
  nn::Node& head = g.add_node("strided_slice", "head", {shape});
  head.attrs = ss({0}, {2}, {1});
  const int head_out = head.outputs[0];
  nn::Node& dims = g.add_node("concat", "dims", {head_out, g.add_constant("minus_one", I32({1}, {-1}))});
  dims.attrs.set("axis", std::int64_t{0});
  const int dims_out = dims.outputs[0];
  nn::Node& flat = g.add_node("reshape", "flat", {x, dims_out});
  g.outputs = flat.outputs;
  g.sort();
  nn::Interpreter interpreter(std::move(g));
  auto out = interpreter.run({iota({2, 3, 4})});
  EXPECT_TRUE(close(iota({2, 3, 4}), out[0]));
  EXPECT_EQ(interpreter.stats().folded, 3);
  EXPECT_EQ(interpreter.stats().steps, 1);
}

// reshape/identity outputs are views of their input's buffer: the buffer must outlive
// both. Here the view is read last, after ops that would otherwise reuse the buffer.
TEST(ShapeOps, ViewsKeepTheirBufferAlive) {
  nn::Graph g;
  g.source = "shape_ops_test";
  const int x = g.add_input("x", DType::f32, {2, 3, 4});
  const int a = g.add_node("neg", "a", {x}).outputs[0];
  nn::Node& flat = g.add_node("reshape", "flat", {a});
  flat.attrs.set("shape", Ints{24});
  const int flat_out = flat.outputs[0];
  const int same = g.add_node("identity", "same", {flat_out}).outputs[0];
  // Three more values are made and die while the view is still waiting to be read.
  const int b = g.add_node("abs", "b", {x}).outputs[0];
  const int c = g.add_node("neg", "c", {b}).outputs[0];
  nn::Node& back = g.add_node("reshape", "back", {same});
  back.attrs.set("shape", Ints{2, 3, 4});
  const int back_out = back.outputs[0];
  const int sum = g.add_node("add", "sum", {back_out, c}).outputs[0];
  g.outputs = {sum};
  g.sort();
  nn::Interpreter interpreter(std::move(g));
  Tensor in = iota({2, 3, 4});
  for (std::int64_t i = 0; i < in.size(); ++i) in.data<float>()[i] -= 10;  // negatives too
  auto out = interpreter.run({in});
  for (std::int64_t i = 0; i < in.size(); ++i) {
    const float v = in.data<float>()[i];
    EXPECT_EQ(out[0].data<float>()[i], -v - std::fabs(v)) << i;
  }
}

// A graph output that is a view (TF's Identity at the end of a model): its buffer is kept
// to the end of the run even though later steps would otherwise reuse it.
TEST(ShapeOps, AnOutputThatIsAViewSurvivesLaterSteps) {
  nn::Graph g;
  g.source = "shape_ops_test";
  const int x = g.add_input("x", DType::f32, {4, 6});
  const int a = g.add_node("neg", "a", {x}).outputs[0];
  const int early = g.add_node("identity", "early", {a}).outputs[0];  // an output, early in the run
  const int b = g.add_node("abs", "b", {x}).outputs[0];
  const int c = g.add_node("neg", "c", {b}).outputs[0];
  const int d = g.add_node("abs", "d", {c}).outputs[0];
  g.outputs = {early, d};
  g.sort();
  nn::Interpreter interpreter(std::move(g));
  Tensor in = iota({4, 6});
  for (std::int64_t i = 0; i < in.size(); ++i) in.data<float>()[i] -= 12;
  auto out = interpreter.run({in});
  for (std::int64_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[0].data<float>()[i], -in.data<float>()[i]) << i;
    EXPECT_EQ(out[1].data<float>()[i], std::fabs(in.data<float>()[i])) << i;
  }
}

// ---------------------------------------------------------------- pad

TEST(ShapeOps, PadKnown) {
  // The examples of tf.pad's documentation.
  Tensor t = F({2, 3}, {1, 2, 3, 4, 5, 6});
  const Ints paddings = {1, 1, 2, 2};
  expect_op("pad", {dat(t)}, attrs({{"paddings", paddings}, {"mode", std::string("reflect")}}),
            {F({4, 7}, {6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1})});
  expect_op("pad", {dat(t)}, attrs({{"paddings", paddings}, {"mode", std::string("SYMMETRIC")}}),
            {F({4, 7}, {2, 1, 1, 2, 3, 3, 2, 2, 1, 1, 2, 3, 3, 2, 5, 4, 4, 5, 6, 6, 5, 5, 4, 4, 5, 6, 6, 5})});
  expect_op("pad", {dat(t)}, attrs({{"paddings", paddings}}),
            {F({4, 7}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0})});
  // 1-D mirror pads at the limits: reflect pads up to dim-1, symmetric up to dim.
  expect_op("pad", {dat(F({3}, {1, 2, 3}))}, attrs({{"paddings", Ints{2, 2}}, {"mode", std::string("reflect")}}),
            {F({7}, {3, 2, 1, 2, 3, 2, 1})});
  expect_op("pad", {dat(F({3}, {1, 2, 3}))}, attrs({{"paddings", Ints{3, 1}}, {"mode", std::string("symmetric")}}),
            {F({7}, {3, 2, 1, 1, 2, 3, 3})});
  // Paddings [rank, 2] and the constant value as constant inputs; int32 data.
  expect_op("pad", {dat(I32({1, 2}, {7, 8})), cst(I32({2, 2}, {0, 1, 1, 0})), cst(Tensor::scalar<std::int32_t>(-1))}, {},
            {I32({2, 3}, {-1, 7, 8, -1, -1, -1})});
  expect_op("pad", {dat(F({2}, {1, 2}))}, attrs({{"paddings", Ints{1, 0}}, {"constant_value", 0.5}}), {F({3}, {0.5f, 1, 2})});
  // Paddings from the attribute (input 1 absent), the value from input 2 (constant, or
  // fed at run time).
  expect_op("pad", {dat(F({2}, {1, 2})), none(), dat(Tensor::scalar<float>(-3))}, attrs({{"paddings", Ints{0, 2}}}),
            {F({4}, {1, 2, -3, -3})});
  expect_op("pad", {dat(F({2}, {1, 2})), none(), cst(Tensor::scalar<float>(-3))}, attrs({{"paddings", Ints{0, 2}}}),
            {F({4}, {1, 2, -3, -3})});
  expect_bad_model("pad", {dat(F({3}, {1, 2, 3}))}, attrs({{"paddings", Ints{3, 0}}, {"mode", std::string("reflect")}}));
  expect_bad_model("pad", {dat(F({3}, {1, 2, 3}))}, attrs({{"paddings", Ints{4, 0}}, {"mode", std::string("symmetric")}}));
  expect_bad_model("pad", {dat(F({3}, {1, 2, 3}))}, attrs({{"paddings", Ints{-1, 0}}}));
}

TEST(ShapeRandom, PadBackendsAgree) {
  for (const char* mode : {"constant", "reflect", "symmetric"}) {
    SCOPED_TRACE(mode);
    // NHWC spatial padding, large enough for the parallel path.
    EXPECT_TRUE(backends_agree("pad", {dat(random_tensor({1, 56, 56, 24}))},
                               attrs({{"paddings", Ints{0, 0, 1, 2, 3, 1, 0, 0}}, {"mode", std::string(mode)}, {"constant_value", 1.5}})));
    for (int trial = 0; trial < 30; ++trial) {
      const auto rank = static_cast<std::size_t>(rand_int(1, 4));
      Shape s(rank);
      Ints pads(2 * rank);
      for (std::size_t d = 0; d < rank; ++d) {
        s[d] = rand_int(1, 6);
        const std::int64_t limit = std::string(mode) == "reflect" ? s[d] - 1 : std::string(mode) == "symmetric" ? s[d] : 4;
        pads[2 * d] = rand_int(0, limit);
        pads[2 * d + 1] = rand_int(0, limit);
      }
      const DType dt = trial % 3 == 0 ? DType::u8 : trial % 3 == 1 ? DType::i64 : DType::f32;
      SCOPED_TRACE(to_string(s) + " pads " + to_string(pads));
      EXPECT_TRUE(backends_agree("pad", {dat(random_tensor(s, dt))},
                                 attrs({{"paddings", pads}, {"mode", std::string(mode)}, {"constant_value", 3.0}})));
    }
  }
}

// ---------------------------------------------------------------- slice, strided_slice

TEST(SliceOps, Slice) {
  expect_op("slice", {dat(iota({3, 4}))}, attrs({{"begin", Ints{1, 1}}, {"size", Ints{2, -1}}}), {F({2, 3}, {5, 6, 7, 9, 10, 11})});
  expect_op("slice", {dat(iota({3, 4}, DType::i32)), cst(I32({2}, {2, 0})), cst(I32({2}, {1, 2}))}, {}, {I32({1, 2}, {8, 9})});
  expect_op("slice", {dat(iota({3, 4}))}, attrs({{"begin", Ints{3, 0}}, {"size", Ints{0, 4}}}), {F({0, 4}, {})});
  expect_bad_model("slice", {dat(iota({3, 4}))}, attrs({{"begin", Ints{2, 0}}, {"size", Ints{2, 1}}}));
}

TEST(SliceOps, StridedSliceEllipsisAndNegativeStride) {
  // x[1:, ..., ::-2] on iota [2,2,3]: entries "1:" (end masked), "...", "::-2" (both masked).
  expect_op("strided_slice", {dat(iota({2, 2, 3}))}, ss({1, 0, 0}, {0, 0, 0}, {1, 1, -2}, 0b100, 0b101, 0b010),
            {F({1, 2, 2}, {8, 6, 11, 9})});
  // The same spec on [4,3,6]: out[i,j,k] = x[1+i, j, 5-2k].
  Tensor want(DType::f32, {3, 3, 3});
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) want.data<float>()[(i * 3 + j) * 3 + k] = static_cast<float>(((1 + i) * 3 + j) * 6 + 5 - 2 * k);
  expect_op("strided_slice", {dat(iota({4, 3, 6}))}, ss({1, 0, 0}, {0, 0, 0}, {1, 1, -2}, 0b100, 0b101, 0b010), {want});
  // begin, end, strides as constant inputs (int64).
  expect_op("strided_slice",
            {dat(iota({2, 2, 3})), cst(Tensor::from<std::int64_t>({3}, {1, 0, 0})), cst(Tensor::from<std::int64_t>({3}, {0, 0, 0})),
             cst(Tensor::from<std::int64_t>({3}, {1, 1, -2}))},
            attrs({{"begin_mask", std::int64_t{0b100}}, {"end_mask", std::int64_t{0b101}}, {"ellipsis_mask", std::int64_t{0b010}}}),
            {F({1, 2, 2}, {8, 6, 11, 9})});
}

TEST(SliceOps, StridedSliceShrinkAndNewAxis) {
  Tensor x = iota({3, 4});
  // x[1]
  expect_op("strided_slice", {dat(x)}, ss({1}, {2}, {1}, 0, 0, 0, 0, 0b1), {F({4}, {4, 5, 6, 7})});
  // x[:, -1]: the shrunk end is recreated as begin + 1.
  expect_op("strided_slice", {dat(x)}, ss({0, -1}, {0, 0}, {1, 1}, 0b01, 0b01, 0, 0, 0b10), {F({3}, {3, 7, 11})});
  // x[-1, -1]: a scalar.
  expect_op("strided_slice", {dat(x)}, ss({-1, -1}, {0, 0}, {1, 1}, 0, 0, 0, 0, 0b11), {F({}, {11})});
  // x[tf.newaxis, :, 1:3]
  expect_op("strided_slice", {dat(x)}, ss({0, 0, 1}, {0, 0, 3}, {1, 1, 1}, 0b010, 0b010, 0, 0b001), {F({1, 3, 2}, {1, 2, 5, 6, 9, 10})});
  // x[..., tf.newaxis]: a new axis after the ellipsis.
  expect_op("strided_slice", {dat(iota({2, 3}))}, ss({0, 0}, {0, 0}, {1, 1}, 0, 0, 0b01, 0b10), {iota({2, 3, 1})});
  // x[tf.newaxis, ..., 2]: new axis, ellipsis, shrink of the last dim.
  expect_op("strided_slice", {dat(x)}, ss({0, 0, 2}, {0, 0, 3}, {1, 1, 1}, 0, 0, 0b010, 0b001, 0b100), {F({1, 3}, {2, 6, 10})});
  // Only the first entries given: the rest are implied whole (x[1:2] on [3,4]).
  expect_op("strided_slice", {dat(x)}, ss({1}, {2}, {1}), {F({1, 4}, {4, 5, 6, 7})});
  expect_bad_model("strided_slice", {dat(x)}, ss({3}, {4}, {1}, 0, 0, 0, 0, 0b1));      // shrink index out of range
  expect_bad_model("strided_slice", {dat(x)}, ss({0}, {1}, {0}));                       // zero stride
  expect_bad_model("strided_slice", {dat(x)}, ss({0, 0, 0}, {1, 1, 1}, {1, 1, 1}));     // more entries than dims
  expect_bad_model("strided_slice", {dat(x)}, ss({0, 0}, {1, 1}, {1, 1}, 0, 0, 0b11));  // two ellipses
}

TEST(SliceOps, StridedSliceClamping) {
  Tensor x = iota({5});
  expect_op("strided_slice", {dat(x)}, ss({-10}, {10}, {1}), {iota({5})});                    // x[-10:10]
  expect_op("strided_slice", {dat(x)}, ss({10}, {-10}, {-1}), {F({5}, {4, 3, 2, 1, 0})});     // x[10:-10:-1]
  expect_op("strided_slice", {dat(x)}, ss({0}, {0}, {-1}, 1, 1), {F({5}, {4, 3, 2, 1, 0})});  // x[::-1]
  expect_op("strided_slice", {dat(x)}, ss({3}, {1}, {1}), {F({0}, {})});                      // x[3:1]
  expect_op("strided_slice", {dat(x)}, ss({-2}, {0}, {1}, 0, 1), {F({2}, {3, 4})});           // x[-2:]
  expect_op("strided_slice", {dat(x)}, ss({4}, {-6}, {-3}), {F({2}, {4, 1})});                // x[4:-6:-3]
  expect_op("strided_slice", {dat(x)}, ss({1}, {4}, {2}), {F({2}, {1, 3})});                  // x[1:4:2]
  expect_op("strided_slice", {dat(iota({5}, DType::i64))}, ss({-1}, {0}, {1}, 0, 0, 0, 0, 1), {Tensor::scalar<std::int64_t>(4)});  // x[-1]
}

TEST(SliceRandom, StridedSliceBackendsAgree) {
  for (int trial = 0; trial < 60; ++trial) {
    const auto rank = static_cast<std::size_t>(rand_int(1, 4));
    Shape s(rank);
    Ints b(rank), e(rank), st(rank);
    for (std::size_t d = 0; d < rank; ++d) {
      s[d] = rand_int(1, 7);
      b[d] = rand_int(-8, 8);
      e[d] = rand_int(-8, 8);
      st[d] = rand_int(-3, 3);
      if (st[d] == 0) st[d] = 1;
    }
    const std::int64_t bm = rand_int(0, (1 << rank) - 1), em = rand_int(0, (1 << rank) - 1);
    SCOPED_TRACE(to_string(s) + " begin " + to_string(b) + " end " + to_string(e) + " strides " + to_string(st));
    EXPECT_TRUE(backends_agree("strided_slice", {dat(random_tensor(s))}, ss(b, e, st, bm, em)));
  }
}

// ---------------------------------------------------------------- tile, gather

TEST(ShapeOps, Tile) {
  expect_op("tile", {dat(F({2, 2}, {1, 2, 3, 4}))}, attrs({{"multiples", Ints{2, 3}}}),
            {F({4, 6}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4})});
  expect_op("tile", {dat(I32({3}, {1, 2, 3})), cst(I32({1}, {2}))}, {}, {I32({6}, {1, 2, 3, 1, 2, 3})});
  expect_op("tile", {dat(I32({3}, {1, 2, 3}))}, attrs({{"multiples", Ints{0}}}), {I32({0}, {})});
  for (int trial = 0; trial < 30; ++trial) {
    const auto rank = static_cast<std::size_t>(rand_int(1, 4));
    Shape s(rank);
    Ints m(rank);
    for (std::size_t d = 0; d < rank; ++d) {
      s[d] = rand_int(1, 4);
      m[d] = rand_int(1, 5);
    }
    SCOPED_TRACE(to_string(s) + " multiples " + to_string(m));
    EXPECT_TRUE(backends_agree("tile", {dat(random_tensor(s, trial % 2 ? DType::u8 : DType::f32))}, attrs({{"multiples", m}})));
  }
}

TEST(ShapeOps, DepthToSpace) {
  // One pixel of 4 channels -> a 2x2 patch, TF's DCR order: channel (i*2 + j) goes to (i, j).
  expect_op("depth_to_space", {dat(F({1, 1, 1, 4}, {1, 2, 3, 4}))}, attrs({{"block_size", std::int64_t{2}}}), {F({1, 2, 2, 1}, {1, 2, 3, 4})});
  // Two pixels of 8 channels (2 per output pixel): [a0 a1 b0 b1 c0 c1 d0 d1] -> a b / c d.
  expect_op("depth_to_space", {dat(F({1, 1, 2, 8}, {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18}))},
            attrs({{"block_size", std::int64_t{2}}}),
            {F({1, 2, 4, 2}, {1, 2, 3, 4, 11, 12, 13, 14, 5, 6, 7, 8, 15, 16, 17, 18})});
  for (int trial = 0; trial < 20; ++trial) {
    const std::int64_t b = rand_int(2, 4);
    const Shape s{rand_int(1, 3), rand_int(1, 5), rand_int(1, 5), b * b * rand_int(1, 4)};
    SCOPED_TRACE(to_string(s) + " block " + std::to_string(b));
    EXPECT_TRUE(backends_agree("depth_to_space", {dat(random_tensor(s, trial % 2 ? DType::u8 : DType::f32))}, attrs({{"block_size", b}})));
  }
  EXPECT_THROW(run_op("depth_to_space", {dat(F({1, 1, 1, 6}, {1, 2, 3, 4, 5, 6}))}, attrs({{"block_size", std::int64_t{2}}})), Error);
}

TEST(ShapeOps, Gather) {
  Tensor params = iota({3, 2});
  expect_op("gather", {dat(params), dat(I32({2}, {2, 0}))}, {}, {F({2, 2}, {4, 5, 0, 1})});
  expect_op("gather", {dat(params), cst(I32({2, 1}, {1, 0}))}, attrs({{"axis", std::int64_t{1}}}), {F({3, 2, 1}, {1, 0, 3, 2, 5, 4})});
  expect_op("gather", {dat(params), dat(Tensor::scalar<std::int64_t>(1))}, {}, {F({2}, {2, 3})});
  // axis as constant input 2 (GatherV2).
  expect_op("gather", {dat(params), dat(I32({1}, {1})), cst(Tensor::scalar<std::int32_t>(-1))}, {}, {F({3, 1}, {1, 3, 5})});
  // batch_dims 1: out[b, n] = params[b, idx[b, n]].
  expect_op("gather", {dat(F({2, 3}, {1, 2, 3, 4, 5, 6})), dat(I32({2, 2}, {2, 0, 1, 1}))},
            attrs({{"axis", std::int64_t{1}}, {"batch_dims", std::int64_t{1}}}), {F({2, 2}, {3, 1, 5, 5})});
  // batch_dims 1 with an outer dim between batch and axis: params [2,2,3], axis 2.
  expect_op("gather", {dat(iota({2, 2, 3})), dat(I32({2, 1}, {2, 0}))},
            attrs({{"axis", std::int64_t{2}}, {"batch_dims", std::int64_t{-1}}}), {F({2, 2, 1}, {2, 5, 6, 9})});
  try {
    run_op("gather", {dat(params), dat(I32({1}, {3}))}, {});
    ADD_FAILURE() << "out-of-range gather did not fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_input);
  }
  expect_bad_model("gather", {dat(params), dat(F({1}, {0}))}, {});
}

TEST(ShapeOps, GatherNd) {
  Tensor p = F({2, 2}, {1, 2, 3, 4});
  expect_op("gather_nd", {dat(p), dat(I32({2, 2}, {1, 0, 0, 1}))}, {}, {F({2}, {3, 2})});
  expect_op("gather_nd", {dat(p), dat(I32({1, 1}, {1}))}, {}, {F({1, 2}, {3, 4})});
  expect_op("gather_nd", {dat(iota({2, 2, 2})), dat(Tensor::from<std::int64_t>({2, 1, 2}, {0, 1, 1, 0}))}, {},
            {F({2, 1, 2}, {2, 3, 4, 5})});
  try {
    run_op("gather_nd", {dat(p), dat(I32({1, 2}, {0, 2}))}, {});
    ADD_FAILURE() << "out-of-range gather_nd did not fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_input);
  }
}

// ---------------------------------------------------------------- shape, size, fill, range

TEST(ShapeOps, ShapeSizeFillRange) {
  expect_op("shape", {dat(iota({2, 3, 4}))}, {}, {I32({3}, {2, 3, 4})});
  expect_op("shape", {dat(iota({2}))}, attrs({{"out_type", std::string("int64")}}), {Tensor::from<std::int64_t>({1}, {2})});
  expect_op("size", {dat(iota({2, 3, 4}))}, {}, {Tensor::scalar<std::int32_t>(24)});
  expect_op("fill", {cst(I32({2}, {2, 2})), dat(Tensor::scalar<float>(7))}, {}, {F({2, 2}, {7, 7, 7, 7})});
  expect_op("fill", {cst(I32({1}, {3})), dat(Tensor::scalar<std::int64_t>(-2))}, {}, {Tensor::from<std::int64_t>({3}, {-2, -2, -2})});
  auto i = [](std::int32_t v) { return cst(Tensor::scalar<std::int32_t>(v)); };
  auto f = [](float v) { return cst(Tensor::scalar<float>(v)); };
  expect_op("range", {i(0), i(10), i(3)}, {}, {I32({4}, {0, 3, 6, 9})});
  expect_op("range", {i(5), i(1), i(-2)}, {}, {I32({2}, {5, 3})});
  expect_op("range", {i(3), i(3), i(1)}, {}, {I32({0}, {})});
  expect_op("range", {f(1), f(2), f(0.25f)}, {}, {F({4}, {1, 1.25f, 1.5f, 1.75f})});
  expect_bad_model("range", {i(0), i(10), i(0)}, {});
  expect_bad_model("range", {i(0), i(10), i(-1)}, {});
}

// ---------------------------------------------------------------- resize

// The 2x2 image [[1,2],[3,4]] (N=1, C=1) resized to 4x4.
Tensor resize4(const std::string& op, bool align_corners, bool half_pixel, Mode mode, Tensor x = F({1, 2, 2, 1}, {1, 2, 3, 4})) {
  return run_op(op, {dat(x)}, attrs({{"size", Ints{4, 4}}, {"align_corners", align_corners}, {"half_pixel_centers", half_pixel}}), 1,
                mode)[0];
}

TEST(ResizeOps, BilinearKnown) {
  // Hand-computed from TF's formulas (see resize.cpp). Columns of a row [a, b]:
  //   legacy:       src = x*0.5        -> a, (a+b)/2, b, b
  //   align_corners src = x/3          -> a, a+(b-a)/3, a+2(b-a)/3, b
  //   half_pixel:   src = (x+.5)/2-.5  -> a, a+(b-a)/4, a+3(b-a)/4, b
  // and the same weights down the rows (rows differ by 2).
  const Tensor legacy = F({1, 4, 4, 1}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4});
  const float t = 1.0f / 3;
  const Tensor aligned = F({1, 4, 4, 1}, {1, 1 + t, 1 + 2 * t, 2,          //
                                          1 + 2 * t, 2, 2 + t, 2 + 2 * t,  //
                                          1 + 4 * t, 2 + 2 * t, 3, 3 + t,  //
                                          3, 3 + t, 3 + 2 * t, 4});
  const Tensor half = F({1, 4, 4, 1}, {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
  for (Mode m : {Mode::optimized, Mode::reference, Mode::folded}) {
    SCOPED_TRACE(mode_name(m));
    EXPECT_TRUE(close(legacy, resize4("resize_bilinear", false, false, m)));
    EXPECT_TRUE(close(aligned, resize4("resize_bilinear", true, false, m), 1e-6));
    EXPECT_TRUE(close(half, resize4("resize_bilinear", false, true, m)));
    // Integer input, float output.
    EXPECT_TRUE(close(half, resize4("resize_bilinear", false, true, m, I32({1, 2, 2, 1}, {1, 2, 3, 4}))));
  }
  // Size as a constant input; downscale 4 -> 2 with half pixel centers samples 0.5 and 2.5.
  expect_op("resize_bilinear", {dat(F({1, 1, 4, 1}, {0, 10, 20, 30})), cst(I32({2}, {1, 2}))}, attrs({{"half_pixel_centers", true}}),
            {F({1, 1, 2, 1}, {5, 25})});
  expect_bad_model("resize_bilinear", {dat(F({1, 2, 2, 1}, {1, 2, 3, 4}))},
                   attrs({{"size", Ints{4, 4}}, {"align_corners", true}, {"half_pixel_centers", true}}));
  expect_bad_model("resize_bilinear", {dat(F({2, 2}, {1, 2, 3, 4}))}, attrs({{"size", Ints{4, 4}}}));
}

TEST(ResizeOps, NearestKnown) {
  auto check = [](std::vector<float> in, std::int64_t w, bool ac, bool hp, std::vector<float> want) {
    SCOPED_TRACE("width " + std::to_string(in.size()) + " -> " + std::to_string(w) + (ac ? " align_corners" : "") +
                 (hp ? " half_pixel" : ""));
    const auto n = static_cast<std::int64_t>(in.size());
    expect_op("resize_nearest", {dat(F({1, 1, n, 1}, in))},
              attrs({{"size", Ints{1, w}}, {"align_corners", ac}, {"half_pixel_centers", hp}}), {F({1, 1, w, 1}, want)});
  };
  // 3 -> 2: scale 1.5. legacy floor(x*1.5) = 0, 1; half pixel floor((x+.5)*1.5) = 0, 2;
  // align_corners: scale 2, round(x*2) = 0, 2.
  check({10, 20, 30}, 2, false, false, {10, 20});
  check({10, 20, 30}, 2, false, true, {10, 30});
  check({10, 20, 30}, 2, true, false, {10, 30});
  // 2 -> 3: scale 2/3. legacy floor(0, .67, 1.33) = 0, 0, 1; half pixel floor(.33, 1, 1.67)
  // = 0, 1, 1; align_corners: scale .5, round(0, .5, 1) = 0, 1, 1 (half away from zero).
  check({10, 20}, 3, false, false, {10, 10, 20});
  check({10, 20}, 3, false, true, {10, 20, 20});
  check({10, 20}, 3, true, false, {10, 20, 20});
  // 2x2 -> 4x4 with half pixel centers: every source pixel twice in each direction.
  Tensor want = F({1, 4, 4, 1}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  for (Mode m : {Mode::optimized, Mode::reference, Mode::folded}) EXPECT_TRUE(close(want, resize4("resize_nearest", false, true, m)));
  // Keeps the dtype.
  expect_op("resize_nearest", {dat(Tensor::from<std::uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4}))}, attrs({{"size", Ints{1, 4}}}),
            {Tensor::from<std::uint8_t>({1, 1, 4, 2}, {1, 2, 1, 2, 3, 4, 3, 4})});
}

TEST(ResizeRandom, BackendsAgree) {
  struct Case {
    Shape in;
    Ints size;
  };
  const std::vector<Case> cases = {
      {{1, 7, 9, 3}, {14, 18}},    {{2, 10, 6, 5}, {4, 3}}, {{1, 1, 1, 2}, {3, 5}},     {{1, 5, 5, 1}, {1, 1}},
      {{1, 33, 47, 32}, {65, 95}}, {{3, 4, 4, 8}, {4, 4}},  {{3, 20, 20, 16}, {40, 37}}};  // parallel bands across images
  for (const Case& c : cases)
    for (auto [ac, hp] : {std::pair{false, false}, std::pair{true, false}, std::pair{false, true}}) {
      SCOPED_TRACE(to_string(c.in) + " -> " + to_string(c.size) + (ac ? " align_corners" : "") + (hp ? " half_pixel" : ""));
      Attrs a = attrs({{"size", c.size}, {"align_corners", ac}, {"half_pixel_centers", hp}});
      EXPECT_TRUE(backends_agree("resize_bilinear", {dat(random_tensor(c.in))}, a));
      EXPECT_TRUE(backends_agree("resize_bilinear", {dat(random_tensor(c.in, DType::u8, 0, 255))}, a));
      EXPECT_TRUE(backends_agree("resize_nearest", {dat(random_tensor(c.in))}, a));
      EXPECT_TRUE(backends_agree("resize_nearest", {dat(random_tensor(c.in, DType::i64))}, a));
    }
}

// ---------------------------------------------------------------- reductions

TEST(ReduceOps, Known) {
  Tensor x = F({2, 3}, {1, 2, 3, 4, 5, 6});
  auto axes = [](Ints a, bool keep = false) { return attrs({{"axes", a}, {"keep_dims", keep}}); };
  expect_op("sum", {dat(x)}, axes({1}, true), {F({2, 1}, {6, 15})});
  expect_op("sum", {dat(x)}, axes({1}), {F({2}, {6, 15})});
  expect_op("mean", {dat(x)}, axes({0}), {F({3}, {2.5f, 3.5f, 4.5f})});
  expect_op("mean", {dat(x)}, axes({0, 1}, true), {F({1, 1}, {3.5f})});
  expect_op("max", {dat(x)}, {}, {F({}, {6})});  // no axes: all
  expect_op("min", {dat(x)}, axes({-1}), {F({2}, {1, 4})});
  expect_op("prod", {dat(x)}, axes({1}), {F({2}, {6, 120})});
  // Axes as a constant input; an empty constant reduces nothing (TF).
  expect_op("sum", {dat(x), cst(I32({1}, {0}))}, attrs({{"keep_dims", true}}), {F({1, 3}, {5, 7, 9})});
  expect_op("sum", {dat(x), cst(I32({0}, {}))}, {}, {x});
  // Integer mean truncates; integer sums stay integers.
  expect_op("mean", {dat(I32({2, 2}, {1, 2, 4, 4}))}, axes({1}), {I32({2}, {1, 4})});
  expect_op("sum", {dat(Tensor::from<std::uint8_t>({3}, {100, 100, 50}))}, axes({0}), {Tensor::from<std::uint8_t>({}, {250})});
  // Integer means go through 64 bits: no uint8 overflow.
  expect_op("mean", {dat(Tensor::from<std::uint8_t>({3}, {200, 200, 200}))}, axes({0}), {Tensor::from<std::uint8_t>({}, {200})});
  expect_op("any", {dat(B({2, 2}, {false, true, false, false}))}, axes({1}), {B({2}, {true, false})});
  expect_op("all", {dat(B({2, 2}, {true, true, false, true}))}, axes({1}, true), {B({2, 1}, {true, false})});
  // Empty reductions give the identity (mean: NaN).
  expect_op("sum", {dat(F({2, 0}, {}))}, axes({1}), {F({2}, {0, 0})});
  expect_op("max", {dat(F({0}, {}))}, axes({0}), {F({}, {-INFINITY})});
  expect_op("mean", {dat(F({0}, {}))}, axes({0}), {F({}, {NAN})});
  expect_bad_model("any", {dat(x)}, axes({0}));
  expect_bad_model("sum", {dat(x)}, axes({2}));
}

TEST(ReduceOps, ArgMaxArgMinTies) {
  // The first index wins ties, along the last axis and along an outer axis.
  Tensor x = F({2, 3}, {1, 3, 3, 2, 2, 1});
  expect_op("argmax", {dat(x)}, attrs({{"axis", std::int64_t{1}}}), {I32({2}, {1, 0})});
  expect_op("argmin", {dat(x)}, attrs({{"axis", std::int64_t{-1}}}), {I32({2}, {0, 2})});
  Tensor y = F({3, 2}, {5, 1, 5, 7, 2, 7});
  expect_op("argmax", {dat(y)}, attrs({{"axis", std::int64_t{0}}}), {I32({2}, {0, 1})});
  expect_op("argmin", {dat(y), cst(Tensor::scalar<std::int32_t>(0))}, {}, {I32({2}, {2, 0})});
  expect_op("argmax", {dat(I32({4}, {-1, 9, 9, 0}))}, {}, {Tensor::scalar<std::int32_t>(1)});
}

// Along the last axis the optimized argmax/argmin runs eight rows interleaved: rows in
// and past whole blocks of eight, with ties (small integers), agree with the reference.
TEST(ReduceOps, ArgMaxLastAxisAgreesWithReference) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> u(0, 5);
  Tensor x(DType::f32, {37, 21});
  for (std::int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = static_cast<float>(u(rng));
  for (const char* op : {"argmax", "argmin"}) {
    std::vector<Tensor> got;
    for (nn::Backend backend : {nn::Backend::optimized, nn::Backend::reference}) {
      nn::Graph g;
      const int in = g.add_input("x", DType::f32, {37, 21});
      nn::Node& n = g.add_node(op, op, {in});
      n.attrs.set("axis", std::int64_t{-1});
      g.outputs.push_back(n.outputs[0]);
      nn::InterpreterOptions o;
      o.backend = backend;
      got.push_back(nn::Interpreter(g, o).run({x})[0]);
    }
    ASSERT_EQ(got[0].shape(), (Shape{37}));
    for (std::int64_t i = 0; i < 37; ++i) EXPECT_EQ(got[0].data<std::int32_t>()[i], got[1].data<std::int32_t>()[i]) << op << " row " << i;
  }
}

TEST(ReduceRandom, BackendsAgree) {
  struct Case {
    Shape shape;
    Ints axes;
  };
  const std::vector<Case> cases = {
      {{1, 16, 16, 512}, {1, 2}},                     // global average pool, columns in parallel
      {{4, 7, 7, 64}, {1, 2}},    {{80, 1000}, {1}},  // last axis, rows in parallel
      {{3, 5, 7}, {-1}},          {{3, 5, 7}, {0}},       {{3, 5, 7}, {0, 2}}, {{3, 5, 7}, {1}}, {{2, 3, 4, 5}, {0, 2}},
      {{2, 3, 4, 5}, {1, 3}},     {{2, 1, 4, 1}, {1, 3}}, {{5}, {0}},          {{1, 1}, {0}},
  };
  for (const Case& c : cases)
    for (bool keep : {false, true}) {
      SCOPED_TRACE(to_string(c.shape) + " axes " + to_string(c.axes) + (keep ? " keep_dims" : ""));
      Attrs a = attrs({{"axes", c.axes}, {"keep_dims", keep}});
      const std::int64_t n = num_elements(c.shape);
      Tensor x = random_tensor(c.shape);
      // Float sums in a different order: relative error grows with the count.
      const double tol = 1e-6 * std::sqrt(static_cast<double>(n)) + 1e-6;
      for (const char* op : {"sum", "mean"}) EXPECT_TRUE(backends_agree(op, {dat(x)}, a, 1, tol)) << op;
      for (const char* op : {"max", "min"}) EXPECT_TRUE(backends_agree(op, {dat(x)}, a)) << op;
      EXPECT_TRUE(backends_agree("prod", {dat(random_tensor(c.shape, DType::f32, 0.9f, 1.1f))}, a, 1, 1e-4)) << "prod";
      Tensor xi = random_tensor(c.shape, DType::i32, -50, 50);
      for (const char* op : {"sum", "mean", "max", "min", "prod"}) EXPECT_TRUE(backends_agree(op, {dat(xi)}, a)) << op << " int32";
      Tensor xb = random_tensor(c.shape, DType::boolean);
      for (const char* op : {"any", "all"}) EXPECT_TRUE(backends_agree(op, {dat(xb)}, a)) << op;
      for (const char* op : {"argmax", "argmin"})
        for (auto axis : c.axes) {
          // Small integers as floats, so ties are common.
          EXPECT_TRUE(backends_agree(op, {dat(random_tensor(c.shape, DType::i32, -3, 3).cast(DType::f32))}, attrs({{"axis", axis}}))) << op;
        }
    }
}

// ---------------------------------------------------------------- top_k, sparse_to_dense, one_hot

TEST(ShapeOps, TopKTies) {
  Tensor x = F({5}, {1, 3, 3, 2, 3});
  expect_op("top_k", {dat(x)}, attrs({{"k", std::int64_t{3}}}), {F({3}, {3, 3, 3}), I32({3}, {1, 2, 4})});
  expect_op("top_k", {dat(x), cst(Tensor::scalar<std::int32_t>(4))}, {}, {F({4}, {3, 3, 3, 2}), I32({4}, {1, 2, 4, 3})});
  expect_op("top_k", {dat(I32({2, 3}, {5, 5, 1, 0, 9, 9}))}, attrs({{"k", std::int64_t{2}}}),
            {I32({2, 2}, {5, 5, 9, 9}), I32({2, 2}, {0, 1, 1, 2})});
  expect_op("top_k", {dat(F({2, 3}, {1, 2, 3, 4, 5, 6}))}, attrs({{"k", std::int64_t{3}}, {"sorted", false}}),
            {F({2, 3}, {3, 2, 1, 6, 5, 4}), I32({2, 3}, {2, 1, 0, 2, 1, 0})});
  expect_bad_model("top_k", {dat(x)}, attrs({{"k", std::int64_t{6}}}), 2);
}

// Few of many (the one-pass heap path): rows of 2000 values drawn from 30 levels, so
// ties abound, with NaNs (ranked above every number); the oracle is a stable sort.
TEST(ShapeOps, TopKFewOfMany) {
  for (auto [rows, n, k, threads] : {std::tuple<std::int64_t, std::int64_t, std::int64_t, int>{3, 2000, 25, 1}, {1, 300000, 100, 2}}) {
    SCOPED_TRACE(std::to_string(n) + " values, " + std::to_string(threads) + " thread(s)");  // 300000: split across threads
    Tensor x(DType::f32, {rows, n});
    for (std::int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = static_cast<float>(rand_int(0, 29)) - 10;
    x.data<float>()[7] = x.data<float>()[x.size() - 1] = std::nanf("");
    Tensor want_values(DType::f32, {rows, k}), want_indices(DType::i32, {rows, k});
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = x.data<float>() + r * n;
      std::vector<std::int32_t> order(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        if (std::isnan(row[a]) || std::isnan(row[b])) return std::isnan(row[a]) && !std::isnan(row[b]);
        return row[a] > row[b];
      });
      for (std::int64_t j = 0; j < k; ++j) {
        want_values.data<float>()[r * k + j] = row[order[static_cast<std::size_t>(j)]];
        want_indices.data<std::int32_t>()[r * k + j] = order[static_cast<std::size_t>(j)];
      }
    }
    nn::Graph g;
    g.source = "shape_ops_test";
    const int in = g.add_input("x", DType::f32, x.shape());
    nn::Node& top = g.add_node("top_k", "top", {in}, 2);
    top.attrs.set("k", k);
    g.outputs = top.outputs;
    g.sort();
    for (nn::Backend backend : {nn::Backend::optimized, nn::Backend::reference}) {
      nn::Interpreter interpreter(g, {backend, threads});
      auto out = interpreter.run({x});
      const float* v = out[0].data<float>();
      for (std::int64_t i = 0; i < want_values.size(); ++i) {
        const float w = want_values.data<float>()[i];
        ASSERT_TRUE(std::isnan(w) ? std::isnan(v[i]) : v[i] == w) << i;
        ASSERT_EQ(out[1].data<std::int32_t>()[i], want_indices.data<std::int32_t>()[i]) << i;
      }
    }
  }
}

TEST(ShapeOps, SparseToDense) {
  expect_op("sparse_to_dense", {dat(I32({2, 2}, {0, 1, 2, 3})), cst(I32({2}, {3, 4})), dat(F({2}, {5, 6})), dat(Tensor::scalar<float>(-1))},
            {}, {F({3, 4}, {-1, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1, 6})});
  // 1-D indices into a vector, one scalar value.
  expect_op("sparse_to_dense",
            {dat(I32({2}, {1, 3})), cst(I32({1}, {5})), dat(Tensor::scalar<std::int32_t>(7)), dat(Tensor::scalar<std::int32_t>(0))}, {},
            {I32({5}, {0, 7, 0, 7, 0})});
  try {
    run_op("sparse_to_dense", {dat(I32({1}, {5})), cst(I32({1}, {5})), dat(Tensor::scalar<float>(1)), dat(Tensor::scalar<float>(0))}, {});
    ADD_FAILURE() << "out-of-range sparse_to_dense did not fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_input);
  }
}

TEST(ShapeOps, OneHot) {
  Tensor idx = I32({4}, {0, 2, -1, 1});
  expect_op("one_hot", {dat(idx)}, attrs({{"depth", std::int64_t{3}}}), {F({4, 3}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0})});
  expect_op("one_hot", {dat(idx)}, attrs({{"depth", std::int64_t{3}}, {"axis", std::int64_t{0}}, {"on_value", 5.0}, {"off_value", -1.0}}),
            {F({3, 4}, {5, -1, -1, -1, -1, -1, -1, 5, -1, 5, -1, -1})});
  // TF's input order: depth, on_value, off_value as inputs; their dtype is the output's.
  expect_op("one_hot",
            {dat(Tensor::from<std::int64_t>({2}, {1, 3})), cst(Tensor::scalar<std::int32_t>(4)), dat(Tensor::scalar<std::int32_t>(9)),
             dat(Tensor::scalar<std::int32_t>(0))},
            {}, {I32({2, 4}, {0, 9, 0, 0, 0, 0, 0, 9})});
}

}  // namespace
}  // namespace easel
