// Elementwise ops: the optimized backend against the reference on random shapes and
// broadcasts (table-driven), hand-checked values that pin down the reference itself
// (TF semantics: floor_mod's sign, round half to even, saturating casts...), the
// broadcast plan on its own, and the errors prepare() reports.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/half.h"
#include "easel/error.h"
#include "nn/graph.h"
#include "nn/interpreter.h"
#include "nn/ops/broadcast.h"
#include "nn/ops/reference/elementwise_reference.h"

namespace easel {
namespace {

using nn::Attrs;
using nn::Backend;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Runs `op` as the only node of a graph. Inputs are graph inputs, so the interpreter
// prepares the op with `backend`. Inputs marked in `constant` are graph constants
// instead (the op sees their values in prepare()); with all of them constant the node
// is folded at plan time, always with the reference kernel.
std::vector<Tensor> run_op(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs, Backend backend,
                           const std::vector<bool>& constant = {}) {
  nn::Graph g;
  g.source = "elementwise_ops_test";
  std::vector<int> ids;
  std::vector<Tensor> feed;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (i < constant.size() && constant[i]) {
      ids.push_back(g.add_constant(name, inputs[i]));
    } else {
      ids.push_back(g.add_input(name, inputs[i].dtype(), inputs[i].shape()));
      feed.push_back(inputs[i]);
    }
  }
  nn::Node& node = g.add_node(op, op, ids);
  node.attrs = attrs;
  g.outputs = node.outputs;
  g.sort();
  nn::InterpreterOptions options;
  options.backend = backend;
  nn::Interpreter interpreter(std::move(g), options);
  return interpreter.run(feed);
}

Tensor run1(const std::string& op, const std::vector<Tensor>& inputs, Backend backend, const Attrs& attrs = {}) {
  return run_op(op, inputs, attrs, backend).at(0);
}

// Equal dtype and shape; elements within 1e-5 * max(1, |ref|), NaN matching NaN and
// infinities matching exactly.
::testing::AssertionResult close(const Tensor& ref, const Tensor& got, double tolerance = 1e-5) {
  if (ref.dtype() != got.dtype())
    return ::testing::AssertionFailure() << "dtype " << to_string(got.dtype()) << ", expected " << to_string(ref.dtype());
  if (ref.shape() != got.shape())
    return ::testing::AssertionFailure() << "shape " << to_string(got.shape()) << ", expected " << to_string(ref.shape());
  for (std::int64_t i = 0; i < ref.size(); ++i) {
    const double r = ref.at(i), g = got.at(i);
    if (std::isnan(r) && std::isnan(g)) continue;
    if (r == g) continue;
    if (std::isfinite(r) && std::isfinite(g) && std::fabs(r - g) <= tolerance * std::max(1.0, std::fabs(r))) continue;
    return ::testing::AssertionFailure() << "element " << i << " of " << to_string(ref.shape()) << ": got " << g << ", expected " << r;
  }
  return ::testing::AssertionSuccess();
}

// The optimized result against the reference one for the same inputs.
::testing::AssertionResult backends_agree(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs = {}) {
  const Tensor ref = run_op(op, inputs, attrs, Backend::reference).at(0);
  const Tensor opt = run_op(op, inputs, attrs, Backend::optimized).at(0);
  return close(ref, opt);
}

std::string describe(const std::vector<Tensor>& inputs) {
  std::string s;
  for (const Tensor& t : inputs) s += std::string(to_string(t.dtype())) + to_string(t.shape()) + " ";
  return s;
}

class Random {
 public:
  explicit Random(unsigned seed) : rng_(seed) {}

  // Values in [lo, hi]; integers for integer dtypes; with `specials`, about 1 in 16
  // elements is one of 0, -0, +-inf, NaN or a large value.
  Tensor tensor(DType dtype, const Shape& shape, double lo, double hi, bool specials = false) {
    Tensor t(dtype, shape);
    std::uniform_real_distribution<double> u(lo, hi);
    std::uniform_int_distribution<int> pick(0, 15);
    static constexpr float kSpecial[] = {0.0f, -0.0f, kInf, -kInf, kNaN, 100.0f, -100.0f, 1e-7f};
    for (std::int64_t i = 0; i < t.size(); ++i) {
      const double v = u(rng_);
      switch (dtype) {
        case DType::f32:
          t.data<float>()[i] =
              specials && pick(rng_) == 0 ? kSpecial[std::uniform_int_distribution<int>(0, 7)(rng_)] : static_cast<float>(v);
          break;
        case DType::i32:
          t.data<std::int32_t>()[i] = static_cast<std::int32_t>(std::lround(v));
          break;
        case DType::i64:
          t.data<std::int64_t>()[i] = std::llround(v);
          break;
        case DType::u8:
          t.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(std::clamp<long>(std::lround(v), 0, 255));
          break;
        case DType::i8:
          t.data<std::int8_t>()[i] = static_cast<std::int8_t>(std::clamp<long>(std::lround(v), -128, 127));
          break;
        case DType::boolean:
          t.data<bool>()[i] = v > (lo + hi) / 2;
          break;
        case DType::f16:
          t.data<std::uint16_t>()[i] = detail::float_to_half(static_cast<float>(v));
          break;
      }
    }
    return t;
  }

  // Two or three shapes that broadcast together: a random rank-0..5 output shape, each
  // input keeping every dim or making it 1, and sometimes dropping leading dims.
  std::vector<Shape> broadcastable(int count) {
    const int rank = std::uniform_int_distribution<int>(0, 5)(rng_);
    Shape out;
    for (int d = 0; d < rank; ++d) out.push_back(std::uniform_int_distribution<int>(1, 4)(rng_));
    std::vector<Shape> shapes;
    for (int i = 0; i < count; ++i) {
      Shape s = out;
      for (auto& d : s)
        if (std::uniform_int_distribution<int>(0, 9)(rng_) < 3) d = 1;
      const int drop = std::uniform_int_distribution<int>(0, rank)(rng_);
      if (std::uniform_int_distribution<int>(0, 2)(rng_) == 0) s.erase(s.begin(), s.begin() + drop);
      shapes.push_back(s);
    }
    return shapes;
  }

  std::mt19937& engine() { return rng_; }

 private:
  std::mt19937 rng_;
};

// Hand-picked broadcasts: the fast paths (same shape, scalar, last-dim vector), the
// awkward ones, empty tensors, and sizes past the threading threshold.
const std::vector<std::vector<Shape>> kBinaryShapes = {
    {{2, 3, 4}, {4}},
    {{2, 1, 4}, {3, 1}},
    {{}, {5}},
    {{5}, {}},
    {{}, {}},
    {{7}, {7}},
    {{3, 1}, {1, 3}},
    {{2, 3, 4, 5, 6}, {1, 3, 1, 5, 1}},
    {{4, 1, 5, 1, 2}, {5, 1, 2}},
    {{1}, {3, 1, 2}},
    {{0, 3}, {3}},
    {{2, 0}, {1, 1}},
    {{1, 5, 5, 8}, {1, 1, 1, 8}},
    {{2, 5, 5, 8}, {2, 1, 1, 8}},
    {{300, 300}, {300}},
    {{70001}, {1}},
    {{257, 300}, {257, 1}},
    {{1, 1, 1}, {1}},
    {{6, 1, 1, 1, 5}, {1, 7, 1, 3, 1}},
};

struct BinaryCase {
  const char* op;
  std::vector<DType> dtypes;
};

const std::vector<BinaryCase> kBinaryOps = {
    {"add", {DType::f32, DType::i32, DType::i64}},
    {"sub", {DType::f32, DType::i32, DType::i64}},
    {"mul", {DType::f32, DType::i32, DType::i64}},
    {"div", {DType::f32, DType::i32, DType::i64}},
    {"maximum", {DType::f32, DType::i32, DType::i64}},
    {"minimum", {DType::f32, DType::i32, DType::i64}},
    {"pow", {DType::f32, DType::i32, DType::i64}},
    {"squared_difference", {DType::f32, DType::i32, DType::i64}},
    {"floor_div", {DType::f32, DType::i32, DType::i64}},
    {"floor_mod", {DType::f32, DType::i32, DType::i64}},
    {"prelu", {DType::f32, DType::i32}},
    {"equal", {DType::f32, DType::i32, DType::i64, DType::boolean}},
    {"not_equal", {DType::f32, DType::i32, DType::boolean}},
    {"less", {DType::f32, DType::i32, DType::i64}},
    {"less_equal", {DType::f32, DType::i32}},
    {"greater", {DType::f32, DType::i32}},
    {"greater_equal", {DType::f32, DType::i32, DType::i64}},
    {"logical_and", {DType::boolean}},
    {"logical_or", {DType::boolean}},
};

std::vector<Tensor> binary_inputs(Random& r, const std::string& op, DType dtype, const Shape& a, const Shape& b) {
  if (op == "pow") {  // positive bases keep float results finite; small exponents keep ints in range
    return {r.tensor(dtype, a, dtype == DType::f32 ? 0.1 : -4, 4), r.tensor(dtype, b, -3, dtype == DType::f32 ? 3 : 6)};
  }
  const bool specials = op != "floor_div" && op != "floor_mod";  // inf/NaN there only test libm
  return {r.tensor(dtype, a, -20, 20, specials), r.tensor(dtype, b, -20, 20, specials)};
}

TEST(BinaryOps, OptimizedMatchesReferenceOnListedBroadcasts) {
  Random r(1);
  for (const BinaryCase& c : kBinaryOps)
    for (DType dtype : c.dtypes)
      for (const auto& shapes : kBinaryShapes) {
        // The big shapes once per op are enough.
        if (num_elements(shapes[0]) > 10000 && dtype != c.dtypes.front()) continue;
        for (int swap = 0; swap < 2; ++swap) {
          const Shape& a = shapes[static_cast<std::size_t>(swap)];
          const Shape& b = shapes[static_cast<std::size_t>(1 - swap)];
          const auto inputs = binary_inputs(r, c.op, dtype, a, b);
          EXPECT_TRUE(backends_agree(c.op, inputs)) << c.op << " " << describe(inputs);
        }
      }
}

TEST(BinaryOps, OptimizedMatchesReferenceOnRandomBroadcasts) {
  Random r(2);
  for (int iter = 0; iter < 40; ++iter)
    for (const BinaryCase& c : kBinaryOps) {
      const auto shapes = r.broadcastable(2);
      const DType dtype = c.dtypes[static_cast<std::size_t>(iter) % c.dtypes.size()];
      const auto inputs = binary_inputs(r, c.op, dtype, shapes[0], shapes[1]);
      EXPECT_TRUE(backends_agree(c.op, inputs)) << c.op << " " << describe(inputs);
    }
}

TEST(BinaryOps, PowByConstantExponentMatchesReference) {
  // A constant scalar exponent takes oneDNN's eltwise pow on large tensors.
  Random r(9);
  for (float e : {2.0f, 3.0f, -1.0f, -2.0f, 0.0f, 1.0f, 1.7f, 0.5f, -0.5f, 2.5f, -3.3f})
    for (const Shape& shape : {Shape{10}, Shape{5000}, Shape{70001}, Shape{50, 100}})
      for (bool specials : {false, true}) {
        const std::vector<Tensor> in = {r.tensor(DType::f32, shape, -5, 5, specials), Tensor::scalar(e)};
        const Tensor ref = run_op("pow", in, {}, Backend::reference, {false, true}).at(0);
        const Tensor opt = run_op("pow", in, {}, Backend::optimized, {false, true}).at(0);
        EXPECT_TRUE(close(ref, opt)) << "exponent " << e << " " << describe(in) << (specials ? " with specials" : "");
      }
}

TEST(BinaryOps, KnownValues) {
  for (Backend be : {Backend::reference, Backend::optimized}) {
    auto i32 = [](std::vector<std::int32_t> v) { return Tensor::from<std::int32_t>({static_cast<std::int64_t>(v.size())}, v); };
    auto f32 = [](std::vector<float> v) { return Tensor::from<float>({static_cast<std::int64_t>(v.size())}, v); };
    // TF FloorMod: the remainder takes the divisor's sign; FloorDiv rounds down.
    EXPECT_TRUE(close(i32({2, -2, -1, 1, 0, 0}), run1("floor_mod", {i32({-7, 7, -7, 7, 6, 5}), i32({3, -3, -3, 3, 3, 0})}, be)));
    EXPECT_TRUE(close(i32({-3, -3, 2, 2, 2, 0}), run1("floor_div", {i32({-7, 7, -7, 7, 6, 5}), i32({3, -3, -3, 3, 3, 0})}, be)));
    EXPECT_TRUE(close(f32({0.5f, -0.5f, -1.5f, 1.5f}), run1("floor_mod", {f32({-7.5f, 7.5f, -7.5f, 7.5f}), f32({2, -2, -2, 2})}, be)));
    EXPECT_TRUE(close(f32({-4, -4, 3, 3}), run1("floor_div", {f32({-7.5f, 7.5f, -7.5f, 7.5f}), f32({2, -2, -2, 2})}, be)));
    // div: real division on floats, floor division on ints (TF.js's int32 div).
    EXPECT_TRUE(close(f32({0.25f, -3.5f}), run1("div", {f32({1, -7}), f32({4, 2})}, be)));
    EXPECT_TRUE(close(i32({-4, 3}), run1("div", {i32({-7, 7}), i32({2, 2})}, be)));
    // Integer pow by squaring; negative exponents truncate the real result.
    EXPECT_TRUE(close(i32({1024, -8, 0, -1, 1, 1}), run1("pow", {i32({2, -2, 2, -1, -1, 3}), i32({10, 3, -1, -3, -2, 0})}, be)));
    EXPECT_TRUE(close(f32({8, 0.5f}), run1("pow", {f32({2, 4}), f32({3, -0.5f})}, be)));
    EXPECT_TRUE(close(f32({9, 0}), run1("squared_difference", {f32({1, 2}), f32({4, 2})}, be)));
    // Integer arithmetic wraps around.
    const std::int32_t max = std::numeric_limits<std::int32_t>::max(), min = std::numeric_limits<std::int32_t>::min();
    EXPECT_TRUE(close(i32({min, max}), run1("add", {i32({max, min}), i32({1, -1})}, be)));
    EXPECT_TRUE(close(i32({min}), run1("floor_div", {i32({min}), i32({-1})}, be)));
    // maximum / minimum propagate NaN.
    const Tensor mx = run1("maximum", {f32({kNaN, 1, 2}), f32({1, kNaN, 3})}, be);
    EXPECT_TRUE(std::isnan(mx.at(0)) && std::isnan(mx.at(1)) && mx.at(2) == 3);
    const Tensor mn = run1("minimum", {f32({kNaN, 1, 2}), f32({1, kNaN, 3})}, be);
    EXPECT_TRUE(std::isnan(mn.at(0)) && std::isnan(mn.at(1)) && mn.at(2) == 2);
    // Comparisons give bool, broadcasting a scalar.
    const Tensor lt = run1("less", {f32({1, 2, 3}), Tensor::scalar(2.0f)}, be);
    EXPECT_TRUE(close(Tensor::from<bool>({3}, {true, false, false}), lt));
    EXPECT_TRUE(
        close(Tensor::from<bool>({3}, {false, true, true}), run1("greater_equal", {i32({1, 2, 3}), Tensor::scalar<std::int32_t>(2)}, be)));
    EXPECT_TRUE(close(Tensor::from<bool>({2}, {false, true}), run1("not_equal", {f32({1, kNaN}), f32({1, kNaN})}, be)));
    EXPECT_TRUE(
        close(Tensor::from<bool>({4}, {false, false, false, true}),
              run1("logical_and",
                   {Tensor::from<bool>({4}, {false, true, false, true}), Tensor::from<bool>({4}, {false, false, true, true})}, be)));
    EXPECT_TRUE(
        close(Tensor::from<bool>({4}, {false, true, true, true}),
              run1("logical_or", {Tensor::from<bool>({4}, {false, true, false, true}), Tensor::from<bool>({4}, {false, false, true, true})},
                   be)));
    // prelu: alpha broadcast over the channels.
    EXPECT_TRUE(close(Tensor::from<float>({2, 2}, {-0.1f, 2, -0.3f, 4}),
                      run1("prelu", {Tensor::from<float>({2, 2}, {-1, 2, -3, 4}), f32({0.1f, 0.5f})}, be)));
    // [2,1] + [3] -> [2,3]
    EXPECT_TRUE(close(Tensor::from<float>({2, 3}, {11, 12, 13, 21, 22, 23}),
                      run1("add", {Tensor::from<float>({2, 1}, {10, 20}), f32({1, 2, 3})}, be)));
  }
}

struct UnaryCase {
  const char* op;
  double lo, hi;
  Attrs attrs;
};

std::vector<UnaryCase> unary_cases() {
  Attrs leaky, clip;
  leaky.set("alpha", 0.1);
  clip.set("min", -1.5);
  clip.set("max", 2.5);
  return {
      {"relu", -8, 8, {}},     {"relu6", -8, 8, {}},      {"sigmoid", -20, 20, {}}, {"tanh", -8, 8, {}},          {"exp", -20, 20, {}},
      {"log", 0.001, 100, {}}, {"sqrt", 0, 100, {}},      {"rsqrt", 0.01, 100, {}}, {"square", -8, 8, {}},        {"abs", -8, 8, {}},
      {"neg", -8, 8, {}},      {"reciprocal", -8, 8, {}}, {"floor", -8, 8, {}},     {"ceil", -8, 8, {}},          {"round", -8, 8, {}},
      {"sign", -8, 8, {}},     {"sin", -8, 8, {}},        {"cos", -8, 8, {}},       {"softplus", -30, 30, {}},    {"elu", -8, 8, {}},
      {"selu", -8, 8, {}},     {"hard_swish", -8, 8, {}}, {"erf", -4, 4, {}},       {"leaky_relu", -8, 8, leaky}, {"clip", -8, 8, clip},
  };
}

TEST(UnaryOps, OptimizedMatchesReference) {
  Random r(3);
  // Small shapes run the loops; 5000 and 70001 elements take oneDNN where it applies,
  // and 70001 also crosses the threading threshold.
  const std::vector<Shape> shapes = {{}, {1}, {3, 4}, {2, 3, 4, 5, 2}, {0, 3}, {5000}, {70001}};
  for (const UnaryCase& c : unary_cases())
    for (const Shape& shape : shapes) {
      for (bool specials : {false, true}) {
        const std::vector<Tensor> in = {r.tensor(DType::f32, shape, c.lo, c.hi, specials)};
        EXPECT_TRUE(backends_agree(c.op, in, c.attrs)) << c.op << " " << describe(in) << (specials ? "with specials" : "");
      }
      for (DType dtype : {DType::i32, DType::i64}) {  // kept integral, or computed in float32
        const std::vector<Tensor> in = {r.tensor(dtype, shape, std::max(c.lo, -1e6), std::min(c.hi, 1e6))};
        EXPECT_TRUE(backends_agree(c.op, in, c.attrs)) << c.op << " " << describe(in);
      }
    }
  for (const Shape& shape : shapes) {
    const std::vector<Tensor> in = {r.tensor(DType::boolean, shape, 0, 1)};
    EXPECT_TRUE(backends_agree("logical_not", in)) << describe(in);
  }
}

TEST(UnaryOps, KnownValues) {
  auto f32 = [](std::vector<float> v) { return Tensor::from<float>({static_cast<std::int64_t>(v.size())}, v); };
  auto i32 = [](std::vector<std::int32_t> v) { return Tensor::from<std::int32_t>({static_cast<std::int64_t>(v.size())}, v); };
  for (Backend be : {Backend::reference, Backend::optimized}) {
    EXPECT_TRUE(close(f32({2, 4, -2, 0, 2, -0.0f, 3}), run1("round", {f32({2.5f, 3.5f, -2.5f, 0.5f, 1.5f, -0.4f, 2.6f})}, be)));
    EXPECT_TRUE(close(f32({0, 3, 6, 0}), run1("relu6", {f32({-1, 3, 7, 0})}, be)));
    EXPECT_TRUE(close(f32({0, 0.6666667f, 4, -0.3333333f}), run1("hard_swish", {f32({-4, 1, 4, -1})}, be)));
    EXPECT_TRUE(close(f32({0.5f, 0, 1, 0.7310586f}), run1("sigmoid", {f32({0, -100, 100, 1})}, be)));
    EXPECT_TRUE(close(f32({0.6931472f, 30, 0}), run1("softplus", {f32({0, 30, -200})}, be)));
    EXPECT_TRUE(close(f32({-0.6321206f, 2}), run1("elu", {f32({-1, 2})}, be)));
    EXPECT_TRUE(close(f32({1.0507010f, -1.1113307f}), run1("selu", {f32({1, -1})}, be)));
    EXPECT_TRUE(close(f32({-1, 0, 1}), run1("sign", {f32({-3, 0, 0.5f})}, be)));
    EXPECT_TRUE(
        close(f32({0.8427008f, -0.8427008f, 0.5204999f, 0.9953223f, 1, -1, 0}), run1("erf", {f32({1, -1, 0.5f, 2, 4, -kInf, 0})}, be)));
    EXPECT_TRUE(close(f32({0.5f}), run1("rsqrt", {f32({4})}, be)));
    // relu family lets NaN through, as TF.js does.
    EXPECT_TRUE(std::isnan(run1("relu", {f32({kNaN})}, be).at(0)));
    Attrs leaky;
    leaky.set("alpha", 0.1);
    EXPECT_TRUE(close(f32({-0.5f, 3}), run1("leaky_relu", {f32({-5, 3})}, be, leaky)));
    EXPECT_TRUE(close(f32({-1, 3}), run1("leaky_relu", {f32({-5, 3})}, be)));  // default alpha 0.2
    Attrs clip;
    clip.set("min", -1.5);
    clip.set("max", 2.5);
    EXPECT_TRUE(close(f32({-1.5f, 0, 2.5f}), run1("clip", {f32({-5, 0, 5})}, be, clip)));
    EXPECT_TRUE(close(i32({-1, 0, 2}), run1("clip", {i32({-5, 0, 5})}, be, clip)));  // integers inside [min, max]
    // Integer kinds stay integral and wrap; float-only kinds on ints give float32.
    EXPECT_TRUE(
        close(i32({3, std::numeric_limits<std::int32_t>::min()}), run1("abs", {i32({-3, std::numeric_limits<std::int32_t>::min()})}, be)));
    EXPECT_TRUE(close(f32({2, 3}), run1("sqrt", {i32({4, 9})}, be)));
    EXPECT_TRUE(close(Tensor::from<bool>({2}, {false, true}), run1("logical_not", {Tensor::from<bool>({2}, {true, false})}, be)));
  }
}

TEST(UnaryOps, ErfIsWithinFloatPrecisionOfLibm) {
  // The reference erf is TF's rational approximation; check it against libm's. It is
  // off by a few ulp at most, the most (3e-7) just inside the clamp at +-4.
  for (float x = -6; x <= 6; x += 0.001f) EXPECT_NEAR(nn::scalar::erf_tf(x), std::erf(x), 4e-7) << x;
}

TEST(UnaryOps, RoundHalvesToEvenOnLargeTensors) {
  // Large enough for the optimized backend to take oneDNN; every element a tie.
  Tensor x(DType::f32, {8192}), want(DType::f32, {8192});
  for (std::int64_t i = 0; i < x.size(); ++i) {
    const float v = static_cast<float>(i - 4096) + 0.5f;
    x.data<float>()[i] = v;
    want.data<float>()[i] = std::nearbyint(v);
  }
  EXPECT_EQ(want.data<float>()[4096], 0.0f);  // 0.5 -> 0
  EXPECT_EQ(want.data<float>()[4098], 2.0f);  // 2.5 -> 2
  for (Backend be : {Backend::reference, Backend::optimized}) EXPECT_TRUE(close(want, run1("round", {x}, be)));
}

TEST(SoftmaxOps, OptimizedMatchesReference) {
  Random r(4);
  struct Case {
    Shape shape;
    std::int64_t axis;
  };
  const std::vector<Case> cases = {
      {{5}, -1},        {{3, 7}, -1},   {{3, 7}, 0},       {{2, 3, 4}, 0},          {{2, 3, 4}, 1}, {{2, 3, 4}, 2},  {{2, 3, 4}, -2},
      {{1000, 10}, -1}, {{4, 1001}, 1}, {{2, 5, 5, 3}, 3}, {{1, 2, 1, 3, 1, 4}, 3}, {{0, 4}, -1},   {{300, 300}, 0}, {{1}, 0}};
  for (const char* op : {"softmax", "log_softmax"})
    for (const Case& c : cases) {
      Attrs attrs;
      attrs.set("axis", c.axis);
      for (bool specials : {false, true}) {
        const std::vector<Tensor> in = {r.tensor(DType::f32, c.shape, -50, 50, specials)};
        EXPECT_TRUE(backends_agree(op, in, attrs)) << op << " " << describe(in) << " axis " << c.axis << (specials ? " with specials" : "");
      }
    }
}

TEST(SoftmaxOps, KnownValues) {
  for (Backend be : {Backend::reference, Backend::optimized}) {
    const Tensor x = Tensor::from<float>({3}, {1, 2, 3});
    EXPECT_TRUE(close(Tensor::from<float>({3}, {0.09003057f, 0.24472847f, 0.66524096f}), run1("softmax", {x}, be)));
    EXPECT_TRUE(close(Tensor::from<float>({3}, {-2.40760596f, -1.40760596f, -0.40760596f}), run1("log_softmax", {x}, be)));
    // Stable for large logits: subtracting the max avoids exp overflow.
    const Tensor big = Tensor::from<float>({2}, {1000, 1000});
    EXPECT_TRUE(close(Tensor::from<float>({2}, {0.5f, 0.5f}), run1("softmax", {big}, be)));
    // Axis 0 of [2,2]: columns sum to one.
    Attrs axis0;
    axis0.set("axis", std::int64_t{0});
    EXPECT_TRUE(close(Tensor::from<float>({2, 2}, {0.26894142f, 0.5f, 0.73105858f, 0.5f}),
                      run1("softmax", {Tensor::from<float>({2, 2}, {1, 5, 2, 5})}, be, axis0)));
  }
}

TEST(ElementwiseCast, OptimizedMatchesReferenceForEveryDtypePair) {
  Random r(5);
  const DType all[] = {DType::f32, DType::i32, DType::i64, DType::u8, DType::i8, DType::boolean, DType::f16};
  for (DType from : all)
    for (DType to : all)
      for (const Shape& shape : {Shape{}, Shape{3, 5}, Shape{70001}}) {
        Attrs attrs;
        attrs.set("to", std::string(to_string(to)));
        const std::vector<Tensor> in = {r.tensor(from, shape, -300, 300, true)};
        EXPECT_TRUE(backends_agree("cast", in, attrs)) << describe(in) << " to " << to_string(to);
      }
}

TEST(ElementwiseCast, KnownValues) {
  for (Backend be : {Backend::reference, Backend::optimized}) {
    Attrs to_i32, to_bool, to_f32, to_u8;
    to_i32.set("to", std::string("int32"));
    to_bool.set("to", std::string("bool"));
    to_f32.set("to", std::string("float32"));
    to_u8.set("to", std::string("uint8"));
    const std::int32_t max = std::numeric_limits<std::int32_t>::max(), min = std::numeric_limits<std::int32_t>::min();
    EXPECT_TRUE(close(Tensor::from<std::int32_t>({6}, {2, -2, 0, max, min, 0}),
                      run1("cast", {Tensor::from<float>({6}, {2.7f, -2.7f, -0.5f, 3e9f, -3e9f, kNaN})}, be, to_i32)));
    EXPECT_TRUE(close(Tensor::from<bool>({4}, {false, false, true, true}),
                      run1("cast", {Tensor::from<float>({4}, {0.0f, -0.0f, kNaN, 0.1f})}, be, to_bool)));
    EXPECT_TRUE(close(Tensor::from<float>({2}, {1, 0}), run1("cast", {Tensor::from<bool>({2}, {true, false})}, be, to_f32)));
    EXPECT_TRUE(close(Tensor::from<std::uint8_t>({3}, {0, 255, 7}), run1("cast", {Tensor::from<float>({3}, {-4, 300, 7.9f})}, be, to_u8)));
    // int64 -> int32 keeps the low 32 bits, like static_cast.
    EXPECT_TRUE(close(Tensor::from<std::int32_t>({2}, {1, -1}),
                      run1("cast", {Tensor::from<std::int64_t>({2}, {(std::int64_t{1} << 32) + 1, -1})}, be, to_i32)));
  }
}

TEST(ElementwiseSelect, OptimizedMatchesReference) {
  Random r(6);
  const std::vector<std::vector<Shape>> listed = {{{2, 3}, {2, 3}, {2, 3}},    {{}, {4}, {4}},        {{4}, {}, {}},
                                                  {{2, 1}, {1, 3}, {}},        {{3, 1}, {3, 4}, {4}}, {{70001}, {70001}, {1}},
                                                  {{1}, {300, 300}, {300, 1}}, {{0, 2}, {2}, {1}},    {{2, 1, 3}, {4, 1}, {1, 1, 1}}};
  auto check = [&](const std::vector<Shape>& s, DType dtype) {
    const std::vector<Tensor> in = {r.tensor(DType::boolean, s[0], 0, 1), r.tensor(dtype, s[1], -9, 9, true),
                                    r.tensor(dtype, s[2], -9, 9, true)};
    EXPECT_TRUE(backends_agree("select", in)) << describe(in);
  };
  for (DType dtype : {DType::f32, DType::i32, DType::i64, DType::boolean, DType::f16})
    for (const auto& s : listed) check(s, dtype);
  for (int iter = 0; iter < 200; ++iter) check(r.broadcastable(3), iter % 2 ? DType::f32 : DType::i32);
}

TEST(ElementwiseSelect, KnownValues) {
  for (Backend be : {Backend::reference, Backend::optimized}) {
    // cond [2,1], a [1,3], b scalar -> [2,3]: row 0 from a, row 1 from b.
    const Tensor got =
        run1("select", {Tensor::from<bool>({2, 1}, {true, false}), Tensor::from<float>({1, 3}, {1, 2, 3}), Tensor::scalar(9.0f)}, be);
    EXPECT_TRUE(close(Tensor::from<float>({2, 3}, {1, 2, 3, 9, 9, 9}), got));
    const Tensor mixed = run1("select",
                              {Tensor::from<bool>({3}, {true, false, true}), Tensor::from<std::int32_t>({3}, {1, 2, 3}),
                               Tensor::from<std::int32_t>({2, 1}, {-1, -2})},
                              be);
    EXPECT_TRUE(close(Tensor::from<std::int32_t>({2, 3}, {1, -1, 3, 1, -2, 3}), mixed));
  }
}

TEST(ElementwiseAddN, OptimizedMatchesReferenceAndKnownValues) {
  Random r(7);
  for (DType dtype : {DType::f32, DType::i32, DType::i64})
    for (int count : {1, 2, 3, 5})
      for (const Shape& shape : {Shape{}, Shape{3, 4}, Shape{0}, Shape{70001}}) {
        std::vector<Tensor> in;
        for (int i = 0; i < count; ++i) in.push_back(r.tensor(dtype, shape, -100, 100));
        EXPECT_TRUE(backends_agree("add_n", in)) << describe(in);
      }
  for (Backend be : {Backend::reference, Backend::optimized})
    EXPECT_TRUE(close(
        Tensor::from<float>({2}, {111, 222}),
        run1("add_n", {Tensor::from<float>({2}, {1, 2}), Tensor::from<float>({2}, {10, 20}), Tensor::from<float>({2}, {100, 200})}, be)));
}

TEST(ElementwiseFolding, ConstantInputsFoldToTheSameValues) {
  // All inputs constant: the interpreter computes the node at plan time.
  const std::vector<Tensor> in = {Tensor::from<float>({2, 1}, {1, 2}), Tensor::from<float>({3}, {10, 20, 30})};
  nn::Graph g;
  g.source = "fold";
  const int a = g.add_constant("a", in[0]), b = g.add_constant("b", in[1]);
  g.outputs = g.add_node("mul", "m", {a, b}).outputs;
  g.sort();
  nn::Interpreter interp(std::move(g));
  EXPECT_EQ(interp.stats().folded, 1);
  EXPECT_TRUE(close(Tensor::from<float>({2, 3}, {10, 20, 30, 20, 40, 60}), interp.run({}).at(0)));
}

TEST(ElementwiseErrors, PrepareRejectsBadNodes) {
  auto expect_bad_model = [](const std::string& op, const std::vector<Tensor>& in, const Attrs& attrs, const std::string& needle) {
    try {
      run_op(op, in, attrs, Backend::optimized);
      ADD_FAILURE() << op << " accepted bad inputs";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::bad_model) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const Tensor f23(DType::f32, {2, 3}), f4(DType::f32, {4}), i3(DType::i32, {3}), f3(DType::f32, {3});
  expect_bad_model("add", {f23, f4}, {}, "cannot broadcast shapes [2,3] and [4]");
  expect_bad_model("add", {f3, i3}, {}, "same dtype");
  expect_bad_model("logical_and", {f3, f3}, {}, "bool");
  expect_bad_model("add", {Tensor(DType::boolean, {3}), Tensor(DType::boolean, {3})}, {}, "does not support bool");
  expect_bad_model("exp", {Tensor(DType::boolean, {3})}, {}, "does not support bool");
  expect_bad_model("select", {f3, f3, f3}, {}, "condition must be bool");
  expect_bad_model("add_n", {f3, f4}, {}, "shape");
  expect_bad_model("softmax", {i3}, {}, "float32");
  Attrs bad_axis;
  bad_axis.set("axis", std::int64_t{2});
  expect_bad_model("softmax", {f23}, bad_axis, "axis 2 is out of range");
  Attrs inverted;
  inverted.set("min", 2.0);
  inverted.set("max", 1.0);
  expect_bad_model("clip", {f3}, inverted, "must not exceed max");
  expect_bad_model("clip", {f3}, {}, "'min'");
  Attrs bad_to;
  bad_to.set("to", std::string("complex64"));
  expect_bad_model("cast", {f3}, bad_to, "unknown target dtype 'complex64'");
}

TEST(ElementwiseFlops, CountsElements) {
  nn::Graph g;
  g.source = "flops";
  const int x = g.add_input("x", DType::f32, {10, 10});
  const int y = g.add_input("y", DType::f32, {10});
  g.outputs = g.add_node("add", "a", {x, y}).outputs;
  g.sort();
  nn::Interpreter interp(std::move(g));
  EXPECT_EQ(interp.stats().flops, 100);
}

// The plan on its own: collapsing, and offsets that match the slow per-element mapping.
TEST(ElementwiseBroadcast, PlanCollapsesCommonCases) {
  auto plan2 = [](Shape a, Shape b) {
    nn::BroadcastPlan<2> p;
    const std::vector<Shape> s = {a, b};
    EXPECT_TRUE(p.init(s));
    return p;
  };
  const auto same = plan2({2, 3, 4}, {2, 3, 4});
  EXPECT_EQ(same.rank(), 1);
  EXPECT_EQ(same.inner(), 24);
  const auto scalar = plan2({2, 3, 4}, {});
  EXPECT_EQ(scalar.rank(), 1);
  EXPECT_EQ(scalar.inner_stride(1), 0);
  const auto vec = plan2({2, 3, 4}, {4});
  EXPECT_EQ(vec.rank(), 2);
  EXPECT_EQ(vec.inner(), 4);
  EXPECT_EQ(vec.inner_stride(0), 1);
  EXPECT_EQ(vec.inner_stride(1), 1);
  const auto se = plan2({2, 5, 5, 8}, {2, 1, 1, 8});
  EXPECT_EQ(se.rank(), 3);
  EXPECT_EQ(se.out_shape(), (Shape{2, 5, 5, 8}));
  nn::BroadcastPlan<2> bad;
  const std::vector<Shape> incompatible = {{2, 3}, {4}};
  EXPECT_FALSE(bad.init(incompatible));
}

TEST(ElementwiseBroadcast, PlanOffsetsMatchPerElementMapping) {
  Random r(8);
  for (int iter = 0; iter < 300; ++iter) {
    const auto shapes = r.broadcastable(3);
    nn::BroadcastPlan<3> plan;
    ASSERT_TRUE(plan.init(shapes));
    const std::int64_t n = plan.size();
    std::uniform_int_distribution<std::int64_t> pos(0, n);
    std::int64_t begin = pos(r.engine()), end = pos(r.engine());
    if (begin > end) std::swap(begin, end);
    std::int64_t next = begin;
    plan.for_range(begin, end, [&](std::int64_t at, const nn::BroadcastPlan<3>::Offsets& from, std::int64_t count) {
      EXPECT_EQ(at, next);
      for (std::int64_t k = 0; k < count; ++k)
        for (int i = 0; i < 3; ++i)
          EXPECT_EQ(from[static_cast<std::size_t>(i)] + k * plan.inner_stride(i),
                    nn::broadcast_source_offset(plan.out_shape(), shapes[static_cast<std::size_t>(i)], at + k));
      next = at + count;
    });
    EXPECT_EQ(next, end);
  }
}

}  // namespace
}  // namespace easel
