// The conv group (conv2d, depthwise_conv2d, conv2d_transpose, matmul, max_pool,
// avg_pool): hand-computed cases pin the reference kernels to known numbers, then
// table-driven sweeps over shapes and attributes check the oneDNN backend against the
// reference, each case a one-node graph run through the Interpreter on both backends.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "easel/error.h"
#include "nn/graph.h"
#include "nn/interpreter.h"
#include "nn/ops/conv_ops.h"

namespace {

using easel::DType;
using easel::Shape;
using easel::Tensor;
using easel::nn::Attrs;
using easel::nn::Backend;
using easel::nn::Graph;
using easel::nn::Interpreter;
using easel::nn::InterpreterOptions;

// One node input: a constant (weights) or a graph input fed at run time.
struct Arg {
  Tensor value;
  bool constant = true;
};

Arg constant(Tensor t) { return {std::move(t), true}; }
Arg fed(Tensor t) { return {std::move(t), false}; }

// Builds a graph holding one `op` node over `args` (nullopt: an absent optional input),
// runs it on `backend` and returns its output.
Tensor run_node(const std::string& op, const std::vector<std::optional<Arg>>& args, const Attrs& attrs, Backend backend) {
  Graph g;
  g.source = "conv_ops_test";
  std::vector<int> ids;
  std::vector<Tensor> feeds;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!args[i]) {
      ids.push_back(-1);
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    if (args[i]->constant) {
      ids.push_back(g.add_constant(name, args[i]->value));
    } else {
      ids.push_back(g.add_input(name, args[i]->value.dtype(), args[i]->value.shape()));
      feeds.push_back(args[i]->value);
    }
  }
  easel::nn::Node& node = g.add_node(op, "node", ids);
  node.attrs = attrs;
  g.outputs = {node.outputs[0]};
  g.sort();
  Interpreter interpreter(std::move(g), InterpreterOptions{backend, 0});
  return interpreter.run(feeds).at(0);
}

Tensor tensor(Shape shape, std::vector<float> values) { return Tensor::from<float>(std::move(shape), values); }

Tensor random_tensor(std::mt19937& rng, Shape shape, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::f32, std::move(shape));
  for (std::int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

void expect_values(const Tensor& got, const Shape& shape, const std::vector<float>& want, float tolerance = 1e-5f) {
  ASSERT_EQ(got.shape(), shape);
  ASSERT_EQ(got.size(), static_cast<std::int64_t>(want.size()));
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got.data<float>()[i], want[i], tolerance) << "at element " << i;
}

// The acceptance rule of the sweeps: max |opt - ref| <= 1e-4 * max(1, max |ref|).
void expect_close(const Tensor& optimized, const Tensor& reference) {
  ASSERT_EQ(optimized.shape(), reference.shape());
  double ref_max = 0, err_max = 0;
  std::int64_t worst = 0;
  for (std::int64_t i = 0; i < reference.size(); ++i) {
    const double r = reference.data<float>()[i], o = optimized.data<float>()[i];
    ref_max = std::max(ref_max, std::abs(r));
    if (!(std::abs(o - r) <= err_max)) {  // also catches NaN
      err_max = std::isnan(o) ? INFINITY : std::abs(o - r);
      worst = i;
    }
  }
  const double tolerance = 1e-4 * std::max(1.0, ref_max);
  EXPECT_LE(err_max, tolerance) << "worst element " << worst << ": optimized " << optimized.data<float>()[worst] << " vs reference "
                                << reference.data<float>()[worst];
}

void expect_backends_agree(const std::string& op, const std::vector<std::optional<Arg>>& args, const Attrs& attrs) {
  Tensor ref = run_node(op, args, attrs, Backend::reference);
  Tensor opt = run_node(op, args, attrs, Backend::optimized);
  expect_close(opt, ref);
}

// Runs a node expected to be rejected at load and returns the error message.
std::string load_error(const std::string& op, const std::vector<std::optional<Arg>>& args, const Attrs& attrs) {
  try {
    run_node(op, args, attrs, Backend::optimized);
  } catch (const easel::Error& e) {
    EXPECT_EQ(e.code(), easel::ErrorCode::bad_model) << e.what();
    return e.what();
  }
  ADD_FAILURE() << op << " was accepted";
  return {};
}

Attrs attrs_of(std::initializer_list<std::pair<const char*, easel::nn::AttrValue>> list) {
  Attrs a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

using Ints = std::vector<std::int64_t>;

const char* kActivations[] = {"none", "relu", "relu6", "leaky_relu", "prelu", "sigmoid", "tanh", "hard_swish", "elu"};

// ---- hand-computed: the reference against known numbers ----

// 3x3 image 1..9 (one channel) as NHWC.
Tensor image_1_to_9() { return tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}); }

TEST(ConvReference, Conv2DSameOnesFilterSumsNeighbours) {
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    Tensor ones(DType::f32, {3, 3, 1, 1});
    for (int i = 0; i < 9; ++i) ones.data<float>()[i] = 1;
    Tensor y = run_node("conv2d", {fed(image_1_to_9()), constant(ones)}, attrs_of({{"padding", std::string("SAME")}}), backend);
    expect_values(y, {1, 3, 3, 1}, {12, 21, 16, 27, 45, 33, 24, 39, 28});
  }
}

TEST(ConvReference, Conv2DIsCorrelationNotConvolution) {
  // Only the top-left tap set: y(i,j) = x(i-1, j-1) with SAME padding 1 (no kernel flip).
  Tensor f(DType::f32, {3, 3, 1, 1});
  f.data<float>()[0] = 1;
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    Tensor y = run_node("conv2d", {fed(image_1_to_9()), constant(f)}, attrs_of({{"padding", std::string("SAME")}}), backend);
    expect_values(y, {1, 3, 3, 1}, {0, 0, 0, 0, 1, 2, 0, 4, 5});
  }
}

TEST(ConvReference, Conv2DValidWithBiasAndRelu) {
  // Two output channels: sum of the 3x3 window (45) and minus it; bias then relu.
  Tensor f(DType::f32, {3, 3, 1, 2});
  for (int i = 0; i < 9; ++i) {
    f.data<float>()[2 * i] = 1;
    f.data<float>()[2 * i + 1] = -1;
  }
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    Tensor y = run_node("conv2d", {fed(image_1_to_9()), constant(f), constant(tensor({2}, {-40, 50}))},
                        attrs_of({{"padding", std::string("VALID")}, {"activation", std::string("relu")}}), backend);
    expect_values(y, {1, 1, 1, 2}, {5, 5});
  }
}

TEST(ConvReference, SameStride2OnEvenInputPadsBottomRight) {
  // 4x4, 3x3 kernel, stride 2: out 2x2, total pad 1 -> top/left 0, bottom/right 1 (TF).
  // With only tap (0,0) set, y(i,j) = x(2i, 2j).
  Tensor x(DType::f32, {1, 4, 4, 1});
  for (int i = 0; i < 16; ++i) x.data<float>()[i] = static_cast<float>(i);
  Tensor f(DType::f32, {3, 3, 1, 1});
  f.data<float>()[0] = 1;
  Attrs a = attrs_of({{"padding", std::string("SAME")}, {"strides", Ints{2, 2}}});
  for (Backend backend : {Backend::reference, Backend::optimized})
    expect_values(run_node("conv2d", {fed(x), constant(f)}, a, backend), {1, 2, 2, 1}, {0, 2, 8, 10});
}

TEST(ConvReference, DepthwiseChannelOrderIsCTimesMPlusM) {
  // C = 2, M = 2, 1x1 kernel: y[c*M+m] = x[c] * f[c][m].
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    Tensor y = run_node("depthwise_conv2d", {fed(tensor({1, 1, 1, 2}, {10, 100})), constant(tensor({1, 1, 2, 2}, {1, 2, 3, 4}))},
                        attrs_of({{"padding", std::string("VALID")}}), backend);
    expect_values(y, {1, 1, 1, 4}, {10, 20, 300, 400});
  }
}

TEST(ConvReference, TransposeStride2ScattersTheFilter) {
  // Each input pixel becomes a 2x2 block x * filter (no flip): y(i,j) = x(i/2,j/2) f(i%2,j%2).
  Attrs a = attrs_of({{"padding", std::string("VALID")}, {"strides", Ints{2, 2}}, {"output_shape", Ints{1, 4, 4, 1}}});
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    Tensor y =
        run_node("conv2d_transpose", {fed(tensor({1, 2, 2, 1}, {1, 2, 3, 4})), constant(tensor({2, 2, 1, 1}, {1, 2, 3, 4}))}, a, backend);
    expect_values(y, {1, 4, 4, 1}, {1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16});
  }
}

TEST(ConvReference, TransposeSamePadsLikeTheForwardConv) {
  // 1x1 -> 1x1 with a 3x3 filter: the forward SAME conv pads 1, so only the centre tap counts.
  Tensor f(DType::f32, {3, 3, 1, 1});
  for (int i = 0; i < 9; ++i) f.data<float>()[i] = static_cast<float>(i + 1);
  Attrs a = attrs_of({{"padding", std::string("SAME")}, {"output_shape", Ints{1, 1, 1, 1}}});
  for (Backend backend : {Backend::reference, Backend::optimized})
    expect_values(run_node("conv2d_transpose", {fed(tensor({1, 1, 1, 1}, {2})), constant(f)}, a, backend), {1, 1, 1, 1}, {10});
}

TEST(PoolReference, AvgPoolSameExcludesPaddingFromTheDivisor) {
  // 2x2 windows, stride 1, SAME on 3x3: padding only at the bottom/right; the border
  // windows average 2 or 1 real values.
  Attrs a = attrs_of({{"padding", std::string("SAME")}, {"ksize", Ints{2, 2}}, {"strides", Ints{1, 1}}});
  for (Backend backend : {Backend::reference, Backend::optimized})
    expect_values(run_node("avg_pool", {fed(image_1_to_9())}, a, backend), {1, 3, 3, 1}, {3, 4, 4.5, 6, 7, 7.5, 7.5, 8.5, 9});
}

TEST(PoolReference, MaxPoolSamePadsWithMinusInfinity) {
  // All values negative: a zero-padded max would return 0 at the border.
  Tensor x = image_1_to_9();
  for (int i = 0; i < 9; ++i) x.data<float>()[i] = -x.data<float>()[i];
  Attrs a = attrs_of({{"padding", std::string("SAME")}, {"ksize", Ints{2, 2}}, {"strides", Ints{1, 1}}});
  for (Backend backend : {Backend::reference, Backend::optimized})
    expect_values(run_node("max_pool", {fed(x)}, a, backend), {1, 3, 3, 1}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
}

// ONNX's pooling forms (issue 15's conformance cases), by hand on the 3x3 image 1..9.
TEST(PoolReference, CeilModeAddsAnOverhangingWindowThatCountsOnlyTheInput) {
  Attrs a = attrs_of({{"padding", std::string("VALID")}, {"ksize", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", true}});
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    expect_values(run_node("max_pool", {fed(image_1_to_9())}, a, backend), {1, 2, 2, 1}, {5, 6, 8, 9});
    expect_values(run_node("avg_pool", {fed(image_1_to_9())}, a, backend), {1, 2, 2, 1}, {3, 4.5, 7.5, 9});
  }
}

TEST(PoolReference, CountIncludePadDividesByTheWholeWindow) {
  // Padding one row on top and one column on the left: the corner window holds 1 and three
  // zeros of padding.
  Attrs a = attrs_of({{"padding", std::string("EXPLICIT")}, {"explicit_paddings", Ints{1, 0, 1, 0}}, {"ksize", Ints{2, 2}},
                      {"strides", Ints{1, 1}}, {"count_include_pad", true}});
  for (Backend backend : {Backend::reference, Backend::optimized})
    expect_values(run_node("avg_pool", {fed(image_1_to_9())}, a, backend), {1, 3, 3, 1}, {0.25, 0.75, 1.25, 1.25, 3, 4, 2.75, 6, 7});
}

TEST(PoolReference, SameLowerPadsTheTopAndLeft) {
  Attrs a = attrs_of({{"padding", std::string("SAME_LOWER")}, {"ksize", Ints{2, 2}}, {"strides", Ints{1, 1}}});
  for (Backend backend : {Backend::reference, Backend::optimized})
    expect_values(run_node("avg_pool", {fed(image_1_to_9())}, a, backend), {1, 3, 3, 1}, {1, 1.5, 2.5, 2.5, 3, 4, 5.5, 6, 7});
}

TEST(PoolReference, DilatedMaxPoolSkipsBetweenItsCells) {
  Tensor x = image_1_to_9();
  x.data<float>()[4] = 100;  // the centre, which a 2x2 window dilated by 2 steps over
  Attrs a = attrs_of({{"padding", std::string("VALID")}, {"ksize", Ints{2, 2}}, {"strides", Ints{1, 1}}, {"dilations", Ints{2, 2}}});
  for (Backend backend : {Backend::reference, Backend::optimized})
    expect_values(run_node("max_pool", {fed(x)}, a, backend), {1, 1, 1, 1}, {9});
}

TEST(PoolReference, CountIncludePadRefusesCeilMode) {
  Attrs a = attrs_of({{"padding", std::string("VALID")}, {"ksize", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", true},
                      {"count_include_pad", true}});
  const std::string why = load_error("avg_pool", {fed(image_1_to_9())}, a);
  EXPECT_NE(why.find("count_include_pad cannot go with ceil_mode"), std::string::npos) << why;
}

TEST(MatMulReference, KnownProductsTransposesAndBroadcast) {
  Tensor a = tensor({2, 2}, {1, 2, 3, 4}), b = tensor({2, 2}, {5, 6, 7, 8});
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    expect_values(run_node("matmul", {fed(a), constant(b)}, {}, backend), {2, 2}, {19, 22, 43, 50});
    // a^T b and a b^T
    expect_values(run_node("matmul", {fed(a), constant(b)}, attrs_of({{"transpose_a", true}}), backend), {2, 2}, {26, 30, 38, 44});
    expect_values(run_node("matmul", {fed(a), constant(b)}, attrs_of({{"transpose_b", true}}), backend), {2, 2}, {17, 23, 39, 53});
    // a [2,1,2] (two row vectors) times b [2,2] broadcast over the batch, plus bias.
    expect_values(run_node("matmul", {fed(tensor({2, 1, 2}, {1, 0, 0, 1})), constant(b), constant(tensor({2}, {100, 200}))}, {}, backend),
                  {2, 1, 2}, {105, 206, 107, 208});
  }
}

TEST(MatMulReference, ActivationsHaveTheirTextbookValues) {
  // x * [[1]] keeps x, so the output is the activation itself.
  const std::vector<float> xs = {-2, -0.5f, 0, 1, 7};
  struct Expected {
    const char* name;
    std::vector<float> y;
  };
  const float e2 = std::exp(-2.f), eh = std::exp(-0.5f);
  const std::vector<Expected> table = {
      {"none", {-2, -0.5f, 0, 1, 7}},
      {"relu", {0, 0, 0, 1, 7}},
      {"relu6", {0, 0, 0, 1, 6}},
      {"leaky_relu", {-0.2f, -0.05f, 0, 1, 7}},  // alpha 0.1 below
      {"prelu", {-0.6f, -0.15f, 0, 1, 7}},       // slope 0.3
      {"sigmoid", {1 / (1 + 1 / e2), 1 / (1 + 1 / eh), 0.5f, 1 / (1 + std::exp(-1.f)), 1 / (1 + std::exp(-7.f))}},
      {"tanh", {std::tanh(-2.f), std::tanh(-0.5f), 0, std::tanh(1.f), std::tanh(7.f)}},
      {"hard_swish", {-2.f * 1 / 6, -0.5f * 2.5f / 6, 0, 4.f / 6, 7}},
      {"elu", {e2 - 1, eh - 1, 0, 1, 7}},
  };
  for (const Expected& e : table)
    for (Backend backend : {Backend::reference, Backend::optimized}) {
      std::vector<std::optional<Arg>> args = {fed(tensor({5, 1}, xs)), constant(tensor({1, 1}, {1}))};
      if (std::string(e.name) == "prelu") args.insert(args.end(), {std::nullopt, constant(tensor({1}, {0.3f}))});
      Tensor y = run_node("matmul", args, attrs_of({{"activation", std::string(e.name)}, {"alpha", 0.1}}), backend);
      SCOPED_TRACE(e.name);
      expect_values(y, {5, 1}, e.y, 1e-5f);
    }
}

// ---- conv2d and depthwise_conv2d sweeps ----

struct ConvCase {
  std::int64_t n = 1, h = 5, w = 5, c = 3;  // x
  std::int64_t out = 4;                     // conv2d: output channels; depthwise: multiplier
  std::int64_t kh = 3, kw = 3, sh = 1, sw = 1, dh = 1, dw = 1;
  std::string padding = "SAME";
  Ints pads = {0, 0, 0, 0};  // EXPLICIT only
  std::int64_t groups = 1;   // conv2d only
  std::string activation = "none";
  bool bias = true;
  bool per_channel_prelu = true;
  bool constant_filter = true;  // false: the filter is a graph input (reordered every run)
  bool constant_bias = true;
};

std::string name_of(const ConvCase& c) {
  std::ostringstream s;
  s << "n" << c.n << "_" << c.h << "x" << c.w << "x" << c.c << "_o" << c.out << "_k" << c.kh << "x" << c.kw << "_s" << c.sh << c.sw << "_d"
    << c.dh << c.dw << "_" << c.padding;
  if (c.padding == "EXPLICIT") s << c.pads[0] << c.pads[1] << c.pads[2] << c.pads[3];
  if (c.groups != 1) s << "_g" << c.groups;
  s << "_" << c.activation;
  if (c.activation == "prelu") s << (c.per_channel_prelu ? "C" : "1");
  if (c.bias) s << (c.constant_bias ? "_bias" : "_fedbias");
  if (!c.constant_filter) s << "_fedfilter";
  return s.str();
}

Attrs conv_attrs(const ConvCase& c) {
  Attrs a = attrs_of({{"strides", Ints{c.sh, c.sw}},
                      {"dilations", Ints{c.dh, c.dw}},
                      {"padding", c.padding},
                      {"activation", c.activation},
                      {"alpha", 0.15}});
  if (c.padding == "EXPLICIT") a.set("explicit_paddings", c.pads);
  return a;
}

void check_conv(const std::string& op, const ConvCase& c, std::int64_t filter_in, std::int64_t out_channels) {
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(op + name_of(c))));
  Attrs attrs = conv_attrs(c);
  if (c.groups != 1) attrs.set("groups", c.groups);
  std::vector<std::optional<Arg>> args = {fed(random_tensor(rng, {c.n, c.h, c.w, c.c})),
                                          Arg{random_tensor(rng, {c.kh, c.kw, filter_in, c.out}), c.constant_filter}};
  args.push_back(c.bias ? std::optional<Arg>(Arg{random_tensor(rng, {out_channels}), c.constant_bias}) : std::nullopt);
  if (c.activation == "prelu") args.push_back(constant(random_tensor(rng, {c.per_channel_prelu ? out_channels : 1}, 0.f, 0.5f)));
  expect_backends_agree(op, args, attrs);
}

// A deterministic pseudo-random sweep: every attribute mixed with every other.
std::vector<ConvCase> random_conv_cases(bool depthwise, int count, unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  const std::int64_t kernels[] = {1, 3, 5};
  std::vector<ConvCase> cases;
  while (static_cast<int>(cases.size()) < count) {
    ConvCase c;
    c.n = pick(1, 2);
    c.h = pick(1, 11);
    c.w = pick(1, 11);
    c.kh = kernels[pick(0, 2)];
    c.kw = pick(0, 3) == 0 ? kernels[pick(0, 2)] : c.kh;
    c.sh = pick(1, 2);
    c.sw = pick(0, 3) == 0 ? pick(1, 2) : c.sh;
    c.dh = pick(0, 3) == 0 ? 2 : 1;
    c.dw = pick(0, 3) == 0 ? 2 : c.dh;
    const int pad_kind = static_cast<int>(pick(0, 2));
    c.padding = pad_kind == 0 ? "SAME" : pad_kind == 1 ? "VALID" : "EXPLICIT";
    if (c.padding == "EXPLICIT") c.pads = {pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2)};
    if (depthwise) {
      c.c = pick(1, 12);
      c.out = pick(0, 2) == 0 ? pick(2, 3) : 1;
    } else {
      c.groups = pick(0, 3) == 0 ? pick(2, 3) : 1;
      c.c = c.groups * pick(1, 6);
      c.out = c.groups * pick(1, 6);
    }
    c.activation = kActivations[pick(0, 8)];
    c.per_channel_prelu = pick(0, 1) == 1;
    c.bias = pick(0, 3) != 0;
    c.constant_bias = pick(0, 4) != 0;
    c.constant_filter = pick(0, 5) != 0;
    // Keep only shapes with a non-empty output.
    const std::int64_t eh = (c.kh - 1) * c.dh + 1, ew = (c.kw - 1) * c.dw + 1;
    const std::int64_t ph = c.padding == "EXPLICIT" ? c.pads[0] + c.pads[1] : 0, pw = c.padding == "EXPLICIT" ? c.pads[2] + c.pads[3] : 0;
    if (c.padding != "SAME" && (c.h + ph < eh || c.w + pw < ew)) continue;
    cases.push_back(c);
  }
  return cases;
}

// Hand-picked cases that name what they cover, ahead of the random ones.
std::vector<ConvCase> conv_table() {
  std::vector<ConvCase> t;
  ConvCase mobilenet_1x1;  // pointwise, the bulk of MobileNet's FLOPs
  mobilenet_1x1.h = 14, mobilenet_1x1.w = 14, mobilenet_1x1.c = 32, mobilenet_1x1.out = 64, mobilenet_1x1.kh = mobilenet_1x1.kw = 1,
  mobilenet_1x1.activation = "relu6";
  t.push_back(mobilenet_1x1);
  ConvCase odd;  // odd sizes, stride 2 SAME, 5x5
  odd.h = 7, odd.w = 9, odd.c = 5, odd.out = 7, odd.kh = odd.kw = 5, odd.sh = odd.sw = 2;
  t.push_back(odd);
  ConvCase dilated;
  dilated.h = 9, dilated.w = 8, dilated.dh = dilated.dw = 2, dilated.padding = "VALID", dilated.activation = "elu";
  t.push_back(dilated);
  ConvCase explicit_pads;
  explicit_pads.padding = "EXPLICIT", explicit_pads.pads = {1, 2, 0, 1}, explicit_pads.activation = "leaky_relu";
  t.push_back(explicit_pads);
  ConvCase grouped;
  grouped.c = 8, grouped.out = 12, grouped.groups = 4, grouped.activation = "hard_swish";
  t.push_back(grouped);
  for (const char* act : kActivations) {
    ConvCase a;
    a.h = 6, a.w = 7, a.c = 4, a.out = 8, a.activation = act;
    t.push_back(a);
  }
  ConvCase scalar_prelu;
  scalar_prelu.activation = "prelu", scalar_prelu.per_channel_prelu = false;
  t.push_back(scalar_prelu);
  ConvCase no_bias;
  no_bias.bias = false, no_bias.activation = "tanh";
  t.push_back(no_bias);
  ConvCase fed_weights;
  fed_weights.constant_filter = false, fed_weights.constant_bias = false, fed_weights.activation = "prelu";
  t.push_back(fed_weights);
  ConvCase batch;
  batch.n = 3, batch.h = 4, batch.w = 4, batch.sh = 2, batch.sw = 1;
  t.push_back(batch);
  // A 1-D convolution along H (W = 1), which oneDNN is asked to run along W.
  for (const char* padding : {"SAME", "VALID"}) {
    ConvCase along_h;
    along_h.n = 2, along_h.h = 40, along_h.w = 1, along_h.c = 16, along_h.out = 8, along_h.kh = 9, along_h.kw = 1, along_h.sh = 2;
    along_h.padding = padding, along_h.activation = "relu";
    t.push_back(along_h);
  }
  ConvCase along_h_dilated;
  along_h_dilated.h = 33, along_h_dilated.w = 1, along_h_dilated.c = 8, along_h_dilated.out = 5, along_h_dilated.kh = 4,
  along_h_dilated.kw = 1, along_h_dilated.dh = 3, along_h_dilated.activation = "prelu";
  t.push_back(along_h_dilated);
  // A single channel under a large kernel runs as im2col + matmul: CREPE's first layer
  // (512 taps, stride 4 over raw audio), and a 2-D one with dilation and a batch.
  ConvCase crepe;
  crepe.h = 1024, crepe.w = 1, crepe.c = 1, crepe.out = 32, crepe.kh = 512, crepe.kw = 1, crepe.sh = 4, crepe.activation = "relu";
  t.push_back(crepe);
  ConvCase single_channel;
  single_channel.n = 2, single_channel.h = 11, single_channel.w = 13, single_channel.c = 1, single_channel.out = 6, single_channel.kh = 5,
  single_channel.kw = 4, single_channel.sh = 2, single_channel.dw = 2, single_channel.activation = "sigmoid";
  t.push_back(single_channel);
  ConvCase single_channel_valid = single_channel;
  single_channel_valid.padding = "VALID", single_channel_valid.bias = false, single_channel_valid.activation = "prelu";
  t.push_back(single_channel_valid);
  return t;
}

std::vector<ConvCase> depthwise_table() {
  std::vector<ConvCase> t;
  ConvCase mobilenet_dw;  // 3x3 depthwise, multiplier 1
  mobilenet_dw.h = mobilenet_dw.w = 14, mobilenet_dw.c = 32, mobilenet_dw.out = 1, mobilenet_dw.activation = "relu6";
  t.push_back(mobilenet_dw);
  ConvCase stride2 = mobilenet_dw;
  stride2.sh = stride2.sw = 2, stride2.h = 7, stride2.w = 9;
  t.push_back(stride2);
  ConvCase multiplier;
  multiplier.c = 3, multiplier.out = 2, multiplier.activation = "sigmoid";
  t.push_back(multiplier);
  ConvCase dilated;
  dilated.c = 6, dilated.out = 1, dilated.dh = dilated.dw = 2, dilated.h = 9, dilated.w = 9, dilated.padding = "SAME";
  t.push_back(dilated);
  ConvCase k5;
  k5.c = 4, k5.out = 1, k5.kh = k5.kw = 5, k5.padding = "EXPLICIT", k5.pads = {2, 2, 1, 3}, k5.activation = "prelu";
  t.push_back(k5);
  ConvCase fed;
  fed.c = 5, fed.out = 1, fed.constant_filter = false, fed.activation = "relu";
  t.push_back(fed);
  return t;
}

template <class T>
std::vector<T> concat(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class Conv2DSweep : public testing::TestWithParam<ConvCase> {};
TEST_P(Conv2DSweep, OptimizedMatchesReference) {
  const ConvCase& c = GetParam();
  check_conv("conv2d", c, c.c / c.groups, c.out);
}
INSTANTIATE_TEST_SUITE_P(Conv, Conv2DSweep, testing::ValuesIn(concat(conv_table(), random_conv_cases(false, 120, 7))),
                         [](const auto& info) { return std::to_string(info.index) + "_" + name_of(info.param); });

class ConvDepthwiseSweep : public testing::TestWithParam<ConvCase> {};
TEST_P(ConvDepthwiseSweep, OptimizedMatchesReference) {
  const ConvCase& c = GetParam();
  check_conv("depthwise_conv2d", c, c.c, c.c * c.out);
}
INSTANTIATE_TEST_SUITE_P(Conv, ConvDepthwiseSweep, testing::ValuesIn(concat(depthwise_table(), random_conv_cases(true, 80, 11))),
                         [](const auto& info) { return std::to_string(info.index) + "_" + name_of(info.param); });

// ---- conv2d_transpose sweep ----

struct TransposeCase {
  std::int64_t n = 1, h = 3, w = 4, c = 3, out = 2, kh = 3, kw = 3, sh = 2, sw = 2, dh = 1, dw = 1;
  std::string padding = "SAME";
  Ints pads = {0, 0, 0, 0};
  std::int64_t extra_h = 0, extra_w = 0;  // output rows/cols beyond the minimum (< stride)
  std::string activation = "none";
  bool bias = true;
  bool constant_filter = true;
};

// The output size TF accepts for this case: the smallest whose forward conv gives h, plus extra.
std::int64_t transpose_out(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, const std::string& padding,
                           std::int64_t pad_sum, std::int64_t extra) {
  if (padding == "SAME") return (in - 1) * s + 1 + extra;
  return (in - 1) * s + (k - 1) * d + 1 - pad_sum + extra;
}

std::string name_of(const TransposeCase& c) {
  std::ostringstream s;
  s << "n" << c.n << "_" << c.h << "x" << c.w << "x" << c.c << "_o" << c.out << "_k" << c.kh << "x" << c.kw << "_s" << c.sh << c.sw << "_d"
    << c.dh << c.dw << "_" << c.padding << "_x" << c.extra_h << c.extra_w << "_" << c.activation << (c.bias ? "_bias" : "")
    << (c.constant_filter ? "" : "_fedfilter");
  return s.str();
}

std::vector<TransposeCase> transpose_cases() {
  std::vector<TransposeCase> t;
  TransposeCase upsample2x;  // the decoder pattern: stride 2, output = 2x input
  upsample2x.h = 5, upsample2x.w = 6, upsample2x.extra_h = upsample2x.extra_w = 1, upsample2x.activation = "relu";
  t.push_back(upsample2x);
  std::mt19937 rng(23);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  while (t.size() < 60) {
    TransposeCase c;
    c.n = pick(1, 2), c.h = pick(1, 7), c.w = pick(1, 7), c.c = pick(1, 8), c.out = pick(1, 8);
    c.kh = pick(1, 4), c.kw = pick(0, 2) ? c.kh : pick(1, 4);
    c.sh = pick(1, 3), c.sw = pick(0, 2) ? c.sh : pick(1, 3);
    c.dh = pick(0, 4) ? 1 : 2, c.dw = pick(0, 4) ? c.dh : 1;
    const int pad_kind = static_cast<int>(pick(0, 2));
    c.padding = pad_kind == 0 ? "SAME" : pad_kind == 1 ? "VALID" : "EXPLICIT";
    if (c.padding == "EXPLICIT") c.pads = {pick(0, c.kh - 1), pick(0, c.kh - 1), pick(0, c.kw - 1), pick(0, c.kw - 1)};
    c.extra_h = pick(0, c.sh - 1), c.extra_w = pick(0, c.sw - 1);
    c.activation = kActivations[pick(0, 8)];
    c.bias = pick(0, 3) != 0;
    c.constant_filter = pick(0, 5) != 0;
    if (transpose_out(c.h, c.kh, c.sh, c.dh, c.padding, c.pads[0] + c.pads[1], c.extra_h) < 1 ||
        transpose_out(c.w, c.kw, c.sw, c.dw, c.padding, c.pads[2] + c.pads[3], c.extra_w) < 1)
      continue;
    t.push_back(c);
  }
  return t;
}

void check_transpose(const TransposeCase& c) {
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(name_of(c))));
  const std::int64_t oh = transpose_out(c.h, c.kh, c.sh, c.dh, c.padding, c.pads[0] + c.pads[1], c.extra_h);
  const std::int64_t ow = transpose_out(c.w, c.kw, c.sw, c.dw, c.padding, c.pads[2] + c.pads[3], c.extra_w);
  Attrs attrs = attrs_of({{"strides", Ints{c.sh, c.sw}},
                          {"dilations", Ints{c.dh, c.dw}},
                          {"padding", c.padding},
                          {"output_shape", Ints{c.n, oh, ow, c.out}},
                          {"activation", c.activation},
                          {"alpha", 0.1}});
  if (c.padding == "EXPLICIT") attrs.set("explicit_paddings", c.pads);
  std::vector<std::optional<Arg>> args = {fed(random_tensor(rng, {c.n, c.h, c.w, c.c})),
                                          Arg{random_tensor(rng, {c.kh, c.kw, c.out, c.c}), c.constant_filter}};
  args.push_back(c.bias ? std::optional<Arg>(constant(random_tensor(rng, {c.out}))) : std::nullopt);
  if (c.activation == "prelu") args.push_back(constant(random_tensor(rng, {c.out}, 0.f, 0.5f)));
  expect_backends_agree("conv2d_transpose", args, attrs);
}

class ConvTransposeSweep : public testing::TestWithParam<TransposeCase> {};
TEST_P(ConvTransposeSweep, OptimizedMatchesReference) { check_transpose(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Conv, ConvTransposeSweep, testing::ValuesIn(transpose_cases()),
                         [](const auto& info) { return std::to_string(info.index) + "_" + name_of(info.param); });

// ---- matmul sweep ----

struct MatMulCase {
  Shape a_batch, b_batch;
  std::int64_t m = 3, k = 4, n = 5;
  bool transpose_a = false, transpose_b = false;
  std::string activation = "none";
  bool bias = false;
  bool per_channel_prelu = true;
  bool constant_b = true;
};

std::string name_of(const MatMulCase& c) {
  std::ostringstream s;
  s << "a";
  for (auto d : c.a_batch) s << d << "x";
  s << "_b";
  for (auto d : c.b_batch) s << d << "x";
  s << "_m" << c.m << "k" << c.k << "n" << c.n << (c.transpose_a ? "_ta" : "") << (c.transpose_b ? "_tb" : "") << "_" << c.activation
    << (c.bias ? "_bias" : "") << (c.constant_b ? "" : "_fedb");
  return s.str();
}

std::vector<MatMulCase> matmul_cases() {
  std::vector<MatMulCase> t;
  MatMulCase fc;  // a fully connected layer: [1, 1024] x [1024, 1000]
  fc.m = 1, fc.k = 1024, fc.n = 1000, fc.bias = true;
  t.push_back(fc);
  MatMulCase attention;  // batched, both fed, b transposed (q k^T)
  attention.a_batch = {2, 3}, attention.b_batch = {2, 3}, attention.m = 7, attention.k = 8, attention.n = 7, attention.transpose_b = true,
  attention.constant_b = false;
  t.push_back(attention);
  const std::vector<std::pair<Shape, Shape>> batches = {{{}, {}},         {{3}, {}},        {{}, {3}},        {{2}, {2}},
                                                        {{2, 1}, {1, 3}}, {{1, 4}, {2, 1}}, {{2, 2, 2}, {2}}, {{1}, {3, 1}}};
  std::mt19937 rng(31);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  for (int i = 0; i < 64; ++i) {
    MatMulCase c;
    std::tie(c.a_batch, c.b_batch) = batches[static_cast<std::size_t>(i) % batches.size()];
    c.m = pick(1, 9), c.k = pick(1, 17), c.n = pick(1, 9);
    c.transpose_a = (i / 8) % 2 == 1;
    c.transpose_b = (i / 16) % 2 == 1;
    c.activation = kActivations[pick(0, 8)];
    c.per_channel_prelu = pick(0, 1) == 1;
    c.bias = pick(0, 1) == 1;
    c.constant_b = (i / 32) % 2 == 0;
    t.push_back(c);
  }
  return t;
}

void check_matmul(const MatMulCase& c) {
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(name_of(c))));
  Shape a = c.a_batch, b = c.b_batch;
  a.push_back(c.transpose_a ? c.k : c.m);
  a.push_back(c.transpose_a ? c.m : c.k);
  b.push_back(c.transpose_b ? c.n : c.k);
  b.push_back(c.transpose_b ? c.k : c.n);
  Attrs attrs = attrs_of({{"transpose_a", c.transpose_a}, {"transpose_b", c.transpose_b}, {"activation", c.activation}, {"alpha", 0.3}});
  std::vector<std::optional<Arg>> args = {fed(random_tensor(rng, a)), Arg{random_tensor(rng, b), c.constant_b}};
  args.push_back(c.bias ? std::optional<Arg>(constant(random_tensor(rng, {c.n}))) : std::nullopt);
  if (c.activation == "prelu") args.push_back(constant(random_tensor(rng, {c.per_channel_prelu ? c.n : 1}, 0.f, 0.5f)));
  expect_backends_agree("matmul", args, attrs);
}

class MatMulSweep : public testing::TestWithParam<MatMulCase> {};
TEST_P(MatMulSweep, OptimizedMatchesReference) { check_matmul(GetParam()); }
INSTANTIATE_TEST_SUITE_P(MatMul, MatMulSweep, testing::ValuesIn(matmul_cases()),
                         [](const auto& info) { return std::to_string(info.index) + "_" + name_of(info.param); });

// ---- pool sweep ----

struct PoolCase {
  std::string op = "max_pool";
  std::int64_t n = 1, h = 7, w = 9, c = 3, kh = 3, kw = 3, sh = 2, sw = 2;
  std::string padding = "SAME";
  Ints pads = {0, 0, 0, 0};
  // ONNX's forms, in the cases after the first 80.
  std::int64_t dh = 1, dw = 1;
  bool ceil_mode = false, count_include_pad = false;
};

std::string name_of(const PoolCase& c) {
  std::ostringstream s;
  s << c.op << "_n" << c.n << "_" << c.h << "x" << c.w << "x" << c.c << "_k" << c.kh << "x" << c.kw << "_s" << c.sh << c.sw << "_"
    << c.padding;
  if (c.padding == "EXPLICIT") s << c.pads[0] << c.pads[1] << c.pads[2] << c.pads[3];
  if (c.dh * c.dw > 1) s << "_d" << c.dh << c.dw;
  if (c.ceil_mode) s << "_ceil";
  if (c.count_include_pad) s << "_countpad";
  return s.str();
}

std::vector<PoolCase> pool_cases() {
  std::vector<PoolCase> t;
  std::mt19937 rng(41);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  while (t.size() < 80) {
    PoolCase c;
    c.op = t.size() % 2 ? "avg_pool" : "max_pool";
    c.n = pick(1, 2), c.h = pick(1, 12), c.w = pick(1, 12), c.c = pick(1, 20);
    c.kh = pick(1, 4), c.kw = pick(0, 2) ? c.kh : pick(1, 4);
    c.sh = pick(1, 3), c.sw = pick(0, 2) ? c.sh : pick(1, 3);
    const int pad_kind = static_cast<int>(pick(0, 2));
    c.padding = pad_kind == 0 ? "SAME" : pad_kind == 1 ? "VALID" : "EXPLICIT";
    if (c.padding == "EXPLICIT") c.pads = {pick(0, c.kh - 1), pick(0, c.kh - 1), pick(0, c.kw - 1), pick(0, c.kw - 1)};
    if (c.padding != "SAME" && (c.h + c.pads[0] + c.pads[1] < c.kh || c.w + c.pads[2] + c.pads[3] < c.kw)) continue;
    t.push_back(c);
  }
  // ONNX's forms: SAME_LOWER, ceil_mode, count_include_pad, dilated max pooling.
  while (t.size() < 120) {
    PoolCase c;
    c.op = t.size() % 2 ? "avg_pool" : "max_pool";
    c.n = pick(1, 2), c.h = pick(1, 12), c.w = pick(1, 12), c.c = pick(1, 20);
    c.kh = pick(1, 4), c.kw = pick(1, 4);
    c.sh = pick(1, 3), c.sw = pick(1, 3);
    if (c.op == "max_pool" && pick(0, 1)) c.dh = pick(1, 3), c.dw = pick(1, 3);
    const int pad_kind = static_cast<int>(pick(0, 2));
    c.padding = pad_kind == 0 ? "SAME_LOWER" : pad_kind == 1 ? "VALID" : "EXPLICIT";
    const std::int64_t eh = (c.kh - 1) * c.dh + 1, ew = (c.kw - 1) * c.dw + 1;
    if (c.padding == "EXPLICIT") c.pads = {pick(0, c.kh - 1), pick(0, c.kh - 1), pick(0, c.kw - 1), pick(0, c.kw - 1)};
    if (c.padding != "SAME_LOWER") c.ceil_mode = pick(0, 1);
    if (c.op == "avg_pool" && !c.ceil_mode) c.count_include_pad = pick(0, 1);
    if (c.padding != "SAME_LOWER" && (c.h + c.pads[0] + c.pads[1] < eh || c.w + c.pads[2] + c.pads[3] < ew)) continue;
    t.push_back(c);
  }
  PoolCase global;  // MobileNet's global average pool
  global.op = "avg_pool", global.h = global.w = 7, global.c = 64, global.kh = global.kw = 7, global.sh = global.sw = 1,
  global.padding = "VALID";
  t.push_back(global);
  return t;
}

class PoolSweep : public testing::TestWithParam<PoolCase> {};
TEST_P(PoolSweep, OptimizedMatchesReference) {
  const PoolCase& c = GetParam();
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(name_of(c))));
  Attrs attrs = attrs_of({{"ksize", Ints{c.kh, c.kw}}, {"strides", Ints{c.sh, c.sw}}, {"padding", c.padding}});
  if (c.padding == "EXPLICIT") attrs.set("explicit_paddings", c.pads);
  if (c.dh * c.dw > 1) attrs.set("dilations", Ints{c.dh, c.dw});
  if (c.ceil_mode) attrs.set("ceil_mode", true);
  if (c.count_include_pad) attrs.set("count_include_pad", true);
  expect_backends_agree(c.op, {fed(random_tensor(rng, {c.n, c.h, c.w, c.c}))}, attrs);
}
INSTANTIATE_TEST_SUITE_P(Pool, PoolSweep, testing::ValuesIn(pool_cases()),
                         [](const auto& info) { return std::to_string(info.index) + "_" + name_of(info.param); });

// ---- several ops in one graph, run repeatedly ----

TEST(ConvGraph, MobileNetBlockAgreesAcrossRunsAndBackends) {
  // conv 3x3/2 -> depthwise 3x3 -> pointwise 1x1 -> global avg pool -> fully connected,
  // run three times with fresh inputs: prepared primitives must rebind every run, and the
  // interpreter's shared buffers must not confuse them.
  std::mt19937 rng(5);
  Graph g;
  g.source = "conv_ops_test";
  int x = g.add_input("x", DType::f32, {1, 16, 16, 3});
  auto& stem = g.add_node("conv2d", "stem",
                          {x, g.add_constant("w0", random_tensor(rng, {3, 3, 3, 8})), g.add_constant("b0", random_tensor(rng, {8}))});
  stem.attrs = attrs_of({{"strides", Ints{2, 2}}, {"padding", std::string("SAME")}, {"activation", std::string("relu6")}});
  int v = stem.outputs[0];
  auto& dw = g.add_node("depthwise_conv2d", "dw",
                        {v, g.add_constant("w1", random_tensor(rng, {3, 3, 8, 1})), g.add_constant("b1", random_tensor(rng, {8}))});
  dw.attrs = attrs_of({{"padding", std::string("SAME")}, {"activation", std::string("relu6")}});
  v = dw.outputs[0];
  auto& pw = g.add_node("conv2d", "pw",
                        {v, g.add_constant("w2", random_tensor(rng, {1, 1, 8, 16})), g.add_constant("b2", random_tensor(rng, {16}))});
  pw.attrs = attrs_of({{"padding", std::string("VALID")}, {"activation", std::string("relu6")}});
  v = pw.outputs[0];
  auto& gap = g.add_node("avg_pool", "gap", {v});
  gap.attrs = attrs_of({{"ksize", Ints{8, 8}}, {"strides", Ints{1, 1}}, {"padding", std::string("VALID")}});
  v = gap.outputs[0];
  // [1,1,1,16] x [16,10] broadcasts the weights over the leading batch dims.
  auto& fc =
      g.add_node("matmul", "fc", {v, g.add_constant("w3", random_tensor(rng, {16, 10})), g.add_constant("b3", random_tensor(rng, {10}))});
  g.outputs = {fc.outputs[0]};
  g.sort();
  Interpreter reference(g, InterpreterOptions{Backend::reference, 0});
  Interpreter optimized(g, InterpreterOptions{Backend::optimized, 0});
  EXPECT_NEAR(optimized.stats().flops, reference.stats().flops, 0.5);
  // stem 8x8x8 outputs x 27 MACs, dw 8x8x8 x 9, pw 8x8x16 x 8, fc 16 x 10.
  EXPECT_DOUBLE_EQ(optimized.stats().flops, 2.0 * (8 * 8 * 8 * 27 + 8 * 8 * 8 * 9 + 8 * 8 * 16 * 8 + 16 * 10));
  for (int run = 0; run < 3; ++run) {
    Tensor input = random_tensor(rng, {1, 16, 16, 3});
    Tensor ref = reference.run({input}).at(0), opt = optimized.run({input}).at(0);
    ASSERT_EQ(opt.shape(), (Shape{1, 1, 1, 10}));
    expect_close(opt, ref);
  }
}

TEST(ConvGraph, SecondPassActivationsMatchReference) {
  // With fusion off the optimized ops apply the activation after the primitive: the path
  // taken when oneDNN has no fast fused kernel for a post-op chain.
  struct RestoreFusion {
    ~RestoreFusion() { easel::nn::set_activation_fusion(true); }
  } restore;
  easel::nn::set_activation_fusion(false);
  for (const char* act : kActivations) {
    SCOPED_TRACE(act);
    ConvCase conv;
    conv.h = 6, conv.w = 5, conv.c = 4, conv.out = 6, conv.sh = 2, conv.activation = act;
    check_conv("conv2d", conv, conv.c, conv.out);
    ConvCase dw = conv;
    dw.out = 1, dw.per_channel_prelu = false;
    check_conv("depthwise_conv2d", dw, dw.c, dw.c);
    TransposeCase tr;
    tr.activation = act;
    check_transpose(tr);
    MatMulCase mm;
    mm.a_batch = {2}, mm.activation = act, mm.bias = true;
    check_matmul(mm);
  }
}

TEST(ConvGraph, EmptyBatchGivesEmptyOutput) {
  std::mt19937 rng(3);
  Attrs same = attrs_of({{"padding", std::string("SAME")}});
  for (Backend backend : {Backend::reference, Backend::optimized}) {
    Tensor x(DType::f32, {0, 5, 5, 3});
    EXPECT_EQ(run_node("conv2d", {fed(x), constant(random_tensor(rng, {3, 3, 3, 4}))}, same, backend).shape(), (Shape{0, 5, 5, 4}));
    EXPECT_EQ(run_node("depthwise_conv2d", {fed(x), constant(random_tensor(rng, {3, 3, 3, 2}))}, same, backend).shape(),
              (Shape{0, 5, 5, 6}));
    Attrs pool = attrs_of({{"padding", std::string("SAME")}, {"ksize", Ints{2, 2}}, {"strides", Ints{2, 2}}});
    EXPECT_EQ(run_node("max_pool", {fed(x)}, pool, backend).shape(), (Shape{0, 3, 3, 3}));
    EXPECT_EQ(run_node("matmul", {fed(Tensor(DType::f32, {0, 3})), constant(random_tensor(rng, {3, 4}))}, {}, backend).shape(),
              (Shape{0, 4}));
  }
}

// ---- errors at load ----

TEST(ConvErrors, RejectsBadModelsWithClearMessages) {
  std::mt19937 rng(1);
  Tensor x = random_tensor(rng, {1, 5, 5, 3});
  Tensor f = random_tensor(rng, {3, 3, 3, 4});
  Attrs same = attrs_of({{"padding", std::string("SAME")}});
  auto has = [](const std::string& message, const char* part) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << message << "' lacks '" << part << "'";
  };
  has(load_error("conv2d", {fed(random_tensor(rng, {5, 5, 3})), constant(f)}, same), "x must have rank 4");
  has(load_error("conv2d", {fed(x), constant(random_tensor(rng, {3, 3, 2, 4}))}, same), "channel mismatch");
  has(load_error("conv2d", {fed(x), std::nullopt}, same), "input 1 is required but the model leaves it out");
  has(load_error("conv2d", {fed(x)}, same), "expected 2 to 4 inputs");
  has(load_error("conv2d", {fed(x), constant(f), constant(random_tensor(rng, {5}))}, same), "bias must have 4 elements");
  has(load_error("conv2d", {fed(x), constant(f)}, attrs_of({{"padding", std::string("FULL")}})), "padding must be SAME, SAME_LOWER, VALID or EXPLICIT");
  has(load_error("conv2d", {fed(x), constant(f)}, attrs_of({{"padding", std::string("SAME")}, {"activation", std::string("mish")}})),
      "unknown activation 'mish'");
  has(load_error("conv2d", {fed(x), constant(f)}, attrs_of({{"padding", std::string("SAME")}, {"activation", std::string("prelu")}})),
      "needs its slopes");
  has(load_error("conv2d", {fed(x), constant(random_tensor(rng, {7, 7, 3, 4}))}, attrs_of({{"padding", std::string("VALID")}})),
      "does not fit");
  has(load_error("depthwise_conv2d", {fed(x), constant(random_tensor(rng, {3, 3, 4, 1}))}, same), "channel mismatch");
  has(load_error("conv2d_transpose", {fed(x), constant(random_tensor(rng, {3, 3, 2, 3}))}, same), "'output_shape' (NHWC) is required");
  has(load_error("conv2d_transpose", {fed(x), constant(random_tensor(rng, {3, 3, 2, 3}))},
                 attrs_of({{"padding", std::string("SAME")}, {"strides", Ints{2, 2}}, {"output_shape", Ints{1, 7, 10, 2}}})),
      "does not match x");
  has(load_error("matmul", {fed(random_tensor(rng, {2, 3})), constant(random_tensor(rng, {4, 5}))}, {}), "inner dimensions differ");
  has(load_error("matmul", {fed(random_tensor(rng, {2, 2, 3})), constant(random_tensor(rng, {3, 3, 5}))}, {}), "do not broadcast");
  has(load_error("max_pool", {fed(x)}, attrs_of({{"padding", std::string("SAME")}})), "'ksize' is required");
  has(load_error("avg_pool", {fed(x)},
                 attrs_of({{"padding", std::string("EXPLICIT")}, {"ksize", Ints{2, 2}}, {"explicit_paddings", Ints{2, 0, 0, 0}}})),
      "padding must be smaller");
}

}  // namespace
