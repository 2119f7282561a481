// The TF op map of the TF.js graph importer: each TensorFlow op becomes one or a few
// easel ops (src/nn/ops/README.md). Arguments TF passes as tensors (axes, perm,
// paddings, ...) become attributes when a Const produces them; otherwise they stay node
// inputs at the position the kernels read them from (the interpreter folds Shape ->
// StridedSlice -> Pack chains into constants before prepare()).
#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "easel/error.h"
#include "nn/import/tfjs_graph_importer.h"

namespace easel::nn::tfjs_graph_import {
namespace {

using Ints = std::vector<std::int64_t>;

bool is_integer_type(const std::string& t) {
  return t == "DT_INT32" || t == "DT_INT64" || t == "DT_INT16" || t == "DT_INT8" || t == "DT_UINT8" || t == "DT_UINT16" ||
         t == "DT_UINT32" || t == "DT_UINT64";
}

void require_nhwc(OpContext& c) {
  std::string format = c.attr_string("data_format", "NHWC");
  if (format != "NHWC") c.unsupported("data_format is '" + format + "'; easel runs NHWC only (export the model with channels last)");
}

// TF's NHWC 4-lists ([1,h,w,1]) of strides, dilations and ksize -> easel's [h,w].
Ints spatial_pair(OpContext& c, const Ints& v, const std::string& what) {
  if (v.size() != 4 || v[1] < 1 || v[2] < 1) c.fail(what + " must be 4 positive values [1,h,w,1], got " + to_string(v));
  if (v[0] != 1 || v[3] != 1) c.unsupported(what + " " + to_string(v) + " step over batch or channels, which easel does not do");
  return {v[1], v[2]};
}

// padding, explicit_paddings and strides of convolutions and pools.
void window_attrs(OpContext& c, Attrs& a, const Ints& strides4) {
  require_nhwc(c);
  a.set("strides", spatial_pair(c, strides4, "strides"));
  std::string padding = c.attr_string("padding");
  if (padding != "SAME" && padding != "VALID" && padding != "EXPLICIT")
    c.fail("padding must be SAME, VALID or EXPLICIT, got '" + padding + "'");
  a.set("padding", padding);
  if (padding == "EXPLICIT") {
    Ints p = c.attr_ints("explicit_paddings");  // NHWC pairs: N0,N1,H0,H1,W0,W1,C0,C1
    if (p.size() != 8 || *std::min_element(p.begin(), p.end()) < 0)
      c.fail("explicit_paddings must be 8 values >= 0 (before, after per NHWC dim), got " + to_string(p));
    if (p[0] || p[1] || p[6] || p[7]) c.unsupported("explicit_paddings " + to_string(p) + " pad batch or channels");
    a.set("explicit_paddings", Ints{p[2], p[3], p[4], p[5]});
  }
}

Ints dilations(OpContext& c) { return spatial_pair(c, c.attr_ints("dilations", Ints{1, 1, 1, 1}), "dilations"); }

// Adds the final node (named after the TF node) or an intermediate one.
int put(OpContext& c, bool last, const std::string& op, const std::string& suffix, std::vector<int> inputs, Attrs a = {}) {
  if (last) {
    c.emit(op, std::move(inputs), std::move(a));
    return c.outputs()[0];
  }
  return c.emit_hidden(op, suffix, std::move(inputs), std::move(a));
}

Attrs one(const std::string& key, AttrValue v) {
  Attrs a;
  a.set(key, std::move(v));
  return a;
}

// ---- fused convolutions and matmuls ----

struct Fused {
  int bias = -1;
  std::string activation = "none";
  double alpha = 0.2;  // leaky_relu
  int prelu = -1;
  std::vector<int> batch_norm;  // scale, offset, mean, variance
  double epsilon = 0;
};

std::string fused_activation(OpContext& c, const std::string& tf) {
  static const std::map<std::string, std::string> names = {
      {"Relu", "relu"},   {"Relu6", "relu6"},     {"Elu", "elu"},  {"LeakyRelu", "leaky_relu"},
      {"Prelu", "prelu"}, {"Sigmoid", "sigmoid"}, {"Tanh", "tanh"}};
  auto it = names.find(tf);
  if (it == names.end()) c.unsupported("fused op '" + tf + "' is not supported");
  return it->second;
}

// fused_ops of _FusedConv2D, FusedDepthwiseConv2dNative and _FusedMatMul: an optional
// BiasAdd or FusedBatchNorm, then an optional activation; their arguments follow the
// first `first_arg` inputs in that order.
Fused parse_fused(OpContext& c, int first_arg) {
  Fused f;
  const std::vector<std::string> ops = c.attr_strings("fused_ops");
  const int extra = c.num_inputs() - first_arg;
  if (extra < 0) c.fail("expected at least " + std::to_string(first_arg) + " inputs");
  const std::int64_t num_args = c.attr_int("num_args", extra);
  if (num_args != extra) c.fail("num_args is " + std::to_string(num_args) + " but the node has " + std::to_string(extra) + " extra inputs");
  int arg = first_arg;
  auto next = [&](const std::string& what) {
    if (arg >= c.num_inputs()) c.fail("fused " + what + " has no input (num_args " + std::to_string(num_args) + ")");
    return c.input(arg++);
  };
  std::size_t k = 0;
  if (k < ops.size() && (ops[k] == "BiasAdd" || ops[k] == "Add")) {
    f.bias = next(ops[k]);
    ++k;
  } else if (k < ops.size() && ops[k].starts_with("FusedBatchNorm")) {
    for (int i = 0; i < 4; ++i) f.batch_norm.push_back(next(ops[k]));
    f.epsilon = c.attr_float("epsilon", 0.0001);
    ++k;
  }
  if (k < ops.size()) {
    f.activation = fused_activation(c, ops[k]);
    if (f.activation == "prelu") f.prelu = next(ops[k]);
    if (f.activation == "leaky_relu") f.alpha = c.attr_float("leakyrelu_alpha", 0.2);
    ++k;
  }
  if (k < ops.size()) {
    std::string all;
    for (const auto& s : ops) all += (all.empty() ? "" : ",") + s;
    c.unsupported("fused op sequence [" + all + "] is not supported");
  }
  if (arg != c.num_inputs()) c.fail("has " + std::to_string(c.num_inputs() - arg) + " inputs its fused_ops do not use");
  return f;
}

// y = x * s + b with s = scale / sqrt(variance + epsilon), b = offset - mean * s:
// computed here when the four are constants (always, in converted models), else as ops.
int batch_norm(OpContext& c, int x, const std::vector<int>& args, double epsilon, bool last) {
  const Graph& g = c.graph();
  std::array<const Tensor*, 4> t{};
  bool constant = true;
  for (int i = 0; i < 4; ++i) {
    const Value& v = g.values[static_cast<std::size_t>(args[static_cast<std::size_t>(i)])];
    t[static_cast<std::size_t>(i)] = v.is_constant() ? &v.constant : nullptr;
    constant = constant && v.is_constant() && v.constant.dtype() == DType::f32;
  }
  int scale, offset;
  if (constant) {
    const std::int64_t n = t[0]->size();
    for (const Tensor* p : t)
      if (p->size() != n) c.fail("batch norm scale, offset, mean and variance must have the same size");
    Tensor s(DType::f32, {n}), b(DType::f32, {n});
    for (std::int64_t i = 0; i < n; ++i) {
      const double si = t[0]->at(i) / std::sqrt(t[3]->at(i) + epsilon);
      s.data<float>()[i] = static_cast<float>(si);
      b.data<float>()[i] = static_cast<float>(t[1]->at(i) - t[2]->at(i) * si);
    }
    scale = c.add_constant("bn_scale", s);
    offset = c.add_constant("bn_offset", b);
  } else {
    int eps = c.add_constant("bn_epsilon", Tensor::scalar(static_cast<float>(epsilon)));
    int r = c.emit_hidden("rsqrt", "bn_rsqrt", {c.emit_hidden("add", "bn_var_eps", {args[3], eps})});
    scale = c.emit_hidden("mul", "bn_scale", {args[0], r});
    offset = c.emit_hidden("sub", "bn_offset", {args[1], c.emit_hidden("mul", "bn_mean_scale", {args[2], scale})});
  }
  int y = c.emit_hidden("mul", "bn_mul", {x, scale});
  return put(c, last, "add", "bn_add", {y, offset});
}

// `op` (conv2d, depthwise_conv2d, matmul) with the fused bias and activation as the
// kernels take them; a fused batch norm, which they do not take, follows as mul/add.
void emit_fused(OpContext& c, const std::string& op, std::vector<int> inputs, Attrs a, const Fused& f) {
  if (f.batch_norm.empty()) {
    inputs.push_back(f.bias);
    inputs.push_back(f.prelu);
    a.set("activation", f.activation);
    if (f.activation == "leaky_relu") a.set("alpha", f.alpha);
    c.emit(op, std::move(inputs), std::move(a));
    return;
  }
  int y = c.emit_hidden(op, op, std::move(inputs), std::move(a));
  y = batch_norm(c, y, f.batch_norm, f.epsilon, f.activation == "none");
  if (f.activation == "prelu") c.emit("prelu", {y, f.prelu});
  else if (f.activation == "leaky_relu") c.emit("leaky_relu", {y}, one("alpha", f.alpha));
  else if (f.activation != "none") c.emit(f.activation, {y});  // relu, relu6, elu, sigmoid, tanh: elementwise ops too
}

void conv2d(OpContext& c) {
  const bool fused = c.op() == "_FusedConv2D";
  if (!fused) c.expect_inputs(2, 2);
  Attrs a;
  window_attrs(c, a, c.attr_ints("strides", Ints{1, 1, 1, 1}));
  a.set("dilations", dilations(c));
  Fused f = fused ? parse_fused(c, 2) : Fused{};
  emit_fused(c, "conv2d", {c.input(0), c.input(1)}, std::move(a), f);
}

void depthwise_conv2d(OpContext& c) {
  const bool fused = c.op() == "FusedDepthwiseConv2dNative";
  if (!fused) c.expect_inputs(2, 2);
  Attrs a;
  window_attrs(c, a, c.attr_ints("strides", Ints{1, 1, 1, 1}));
  a.set("dilations", dilations(c));
  Fused f = fused ? parse_fused(c, 2) : Fused{};
  emit_fused(c, "depthwise_conv2d", {c.input(0), c.input(1)}, std::move(a), f);
}

void matmul(OpContext& c) {
  const bool fused = c.op() == "_FusedMatMul";
  const bool batch = c.op().starts_with("BatchMatMul");
  if (!fused) c.expect_inputs(2, 2);
  Attrs a;
  a.set("transpose_a", c.attr_bool(batch ? "adj_x" : "transpose_a", false));
  a.set("transpose_b", c.attr_bool(batch ? "adj_y" : "transpose_b", false));
  Fused f = fused ? parse_fused(c, 2) : Fused{};
  emit_fused(c, "matmul", {c.input(0), c.input(1)}, std::move(a), f);
}

// Conv2DBackpropInput(output_shape, filter, x) -> conv2d_transpose(x, filter).
void conv2d_transpose(OpContext& c) {
  c.expect_inputs(3, 3);
  Attrs a;
  window_attrs(c, a, c.attr_ints("strides", Ints{1, 1, 1, 1}));
  Ints d = dilations(c);
  if (d != Ints{1, 1}) c.unsupported("dilated transposed convolutions are not supported");
  if (auto shape = c.const_ints(0)) {
    if (shape->size() != 4) c.fail("output_shape must have 4 values (NHWC), got " + to_string(*shape));
    a.set("output_shape", *shape);
    c.emit("conv2d_transpose", {c.input(2), c.input(1)}, std::move(a));
  } else {
    c.emit("conv2d_transpose", {c.input(2), c.input(1), -1, c.input(0)}, std::move(a));  // output_shape computed in the graph
  }
}

void pool(OpContext& c) {
  const bool v2 = c.op() == "MaxPoolV2";  // ksize and strides are inputs 1 and 2
  c.expect_inputs(v2 ? 3 : 1, v2 ? 3 : 1);
  Ints ksize, strides;
  if (v2) {
    auto k = c.const_ints(1), s = c.const_ints(2);
    if (!k || !s) c.unsupported("ksize and strides must be constants");
    ksize = *k;
    strides = *s;
  } else {
    ksize = c.attr_ints("ksize");
    strides = c.attr_ints("strides", Ints{1, 1, 1, 1});
  }
  Attrs a;
  window_attrs(c, a, strides);
  a.set("ksize", spatial_pair(c, ksize, "ksize"));
  c.emit(c.op().starts_with("Max") ? "max_pool" : "avg_pool", {c.input(0)}, std::move(a));
}

void fused_batch_norm(OpContext& c) {
  c.expect_inputs(5, 5);
  require_nhwc(c);
  // TF.js runs batch norm in inference mode whatever is_training says; so does easel.
  batch_norm(c, c.input(0), {c.input(1), c.input(2), c.input(3), c.input(4)}, c.attr_float("epsilon", 0.0001), true);
}

// ---- elementwise ----

struct Simple {
  const char* tf;
  const char* easel;
  int inputs;
};

// TF ops that are one easel op on the same inputs, without attributes.
constexpr Simple kSimple[] = {
    {"Abs", "abs", 1},
    {"Add", "add", 2},
    {"AddV2", "add", 2},
    {"Ceil", "ceil", 1},
    {"Cos", "cos", 1},
    {"Elu", "elu", 1},
    {"Equal", "equal", 2},
    {"Erf", "erf", 1},
    {"Exp", "exp", 1},
    {"Fill", "fill", 2},
    {"Floor", "floor", 1},
    {"FloorDiv", "floor_div", 2},
    {"FloorMod", "floor_mod", 2},
    {"GatherNd", "gather_nd", 2},
    {"Greater", "greater", 2},
    {"GreaterEqual", "greater_equal", 2},
    {"Inv", "reciprocal", 1},
    {"Less", "less", 2},
    {"LessEqual", "less_equal", 2},
    {"Log", "log", 1},
    {"LogicalAnd", "logical_and", 2},
    {"LogicalNot", "logical_not", 1},
    {"LogicalOr", "logical_or", 2},
    {"Maximum", "maximum", 2},
    {"Minimum", "minimum", 2},
    {"Mod", "floor_mod", 2},  // TF.js's mod is the floor mod
    {"Mul", "mul", 2},
    {"Neg", "neg", 1},
    {"NotEqual", "not_equal", 2},
    {"Pow", "pow", 2},
    {"Prelu", "prelu", 2},
    {"Range", "range", 3},
    {"RealDiv", "div", 2},
    {"Reciprocal", "reciprocal", 1},
    {"Relu", "relu", 1},
    {"Relu6", "relu6", 1},
    {"Rint", "round", 1},
    {"Round", "round", 1},
    {"Rsqrt", "rsqrt", 1},
    {"Select", "select", 3},  // TF.js runs Select as SelectV2 (broadcasting where)
    {"SelectV2", "select", 3},
    {"Selu", "selu", 1},
    {"Shape", "shape", 1},
    {"Sigmoid", "sigmoid", 1},
    {"Sign", "sign", 1},
    {"Sin", "sin", 1},
    {"Size", "size", 1},
    {"Softplus", "softplus", 1},
    {"SparseToDense", "sparse_to_dense", 4},
    {"Sqrt", "sqrt", 1},
    {"Square", "square", 1},
    {"SquaredDifference", "squared_difference", 2},
    {"Sub", "sub", 2},
    {"Tanh", "tanh", 1},
};

const Simple* find_simple(std::string_view tf) {
  for (const Simple& s : kSimple)
    if (tf == s.tf) return &s;
  return nullptr;
}

void simple(OpContext& c) {
  const Simple* s = find_simple(c.op());
  c.expect_inputs(s->inputs, s->inputs);
  std::vector<int> inputs;
  for (int i = 0; i < c.num_inputs(); ++i) inputs.push_back(c.input(i));
  c.emit(s->easel, std::move(inputs));
}

void identity(OpContext& c) {
  // PlaceholderWithDefault: easel has no way to feed it, so it is its default.
  c.expect_inputs(1, 1);
  // An Identity of a Const stays a constant, so an op reading it as axes or perm still
  // gets an attribute.
  if (const Tensor* t = c.constant(0)) return c.emit_constant(*t);
  c.emit("identity", {c.input(0)});
}

void identity_n(OpContext& c) {
  if (c.num_inputs() < 1) c.fail("expected at least one input");
  for (int i = 0; i < c.num_inputs(); ++i) c.emit_output("identity", {c.input(i)});
}

void bias_add(OpContext& c) {
  c.expect_inputs(2, 2);
  require_nhwc(c);
  c.emit("add", {c.input(0), c.input(1)});
}

void div(OpContext& c) {
  c.expect_inputs(2, 2);
  // TF.js's div floors for integers.
  c.emit(is_integer_type(c.attr_type("T", "DT_FLOAT")) ? "floor_div" : "div", {c.input(0), c.input(1)});
}

void add_n(OpContext& c) {
  if (c.num_inputs() < 1) c.fail("expected at least one input");
  std::vector<int> inputs;
  for (int i = 0; i < c.num_inputs(); ++i) inputs.push_back(c.input(i));
  c.emit(inputs.size() == 1 ? "identity" : "add_n", std::move(inputs));
}

void cast(OpContext& c) {
  c.expect_inputs(1, 1);
  const std::string to = c.attr_type("DstT");
  std::string name;
  if (to == "DT_FLOAT" || to == "DT_HALF" || to == "DT_DOUBLE" || to == "DT_BFLOAT16") name = "float32";
  else if (is_integer_type(to)) name = "int32";  // TF.js has no int64: it casts to int32
  else if (to == "DT_BOOL") name = "bool";
  else c.unsupported("cast to " + to + " is not supported");
  c.emit("cast", {c.input(0)}, one("to", name));
}

void softmax(OpContext& c) {
  c.expect_inputs(1, 1);
  c.emit(c.op() == "Softmax" ? "softmax" : "log_softmax", {c.input(0)}, one("axis", std::int64_t{-1}));
}

void leaky_relu(OpContext& c) {
  c.expect_inputs(1, 1);
  c.emit("leaky_relu", {c.input(0)}, one("alpha", c.attr_float("alpha", 0.2)));
}

void clip_by_value(OpContext& c) {
  c.expect_inputs(3, 3);
  const Tensor* lo = c.constant(1);
  const Tensor* hi = c.constant(2);
  if (lo && hi && lo->size() == 1 && hi->size() == 1) {
    Attrs a;
    a.set("min", lo->at(0));
    a.set("max", hi->at(0));
    c.emit("clip", {c.input(0)}, std::move(a));
    return;
  }
  // Tensor bounds: min(max(x, lo), hi), as TF defines it.
  int y = c.emit_hidden("maximum", "clip_min", {c.input(0), c.input(1)});
  c.emit("minimum", {y, c.input(2)});
}

// ---- shapes and data movement ----

// An argument TF passes as a tensor: the attribute when it is a Const, else the input
// stays where the kernel reads it.
void int_list_arg(OpContext& c, int tf_input, const char* attr, Attrs& a, std::vector<int>& inputs, std::size_t at) {
  if (auto v = c.const_ints(tf_input)) {
    a.set(attr, *v);
  } else {
    if (inputs.size() <= at) inputs.resize(at + 1, -1);
    inputs[at] = c.input(tf_input);
  }
}

void int_scalar_arg(OpContext& c, int tf_input, const char* attr, Attrs& a, std::vector<int>& inputs, std::size_t at) {
  if (auto v = c.const_ints(tf_input)) {
    if (v->size() != 1) c.fail(std::string(attr) + " (input " + std::to_string(tf_input) + ") must be one value, got " + to_string(*v));
    a.set(attr, (*v)[0]);
  } else {
    if (inputs.size() <= at) inputs.resize(at + 1, -1);
    inputs[at] = c.input(tf_input);
  }
}

void reduce(OpContext& c) {
  static const std::map<std::string, std::string> names = {{"Mean", "mean"}, {"Sum", "sum"}, {"Max", "max"}, {"Min", "min"},
                                                           {"Prod", "prod"}, {"All", "all"}, {"Any", "any"}};
  c.expect_inputs(2, 2);
  Attrs a;
  a.set("keep_dims", c.attr_bool("keep_dims", false));
  auto axes = c.const_ints(1);
  // TF reduces nothing over an empty axis list; easel's empty `axes` means all.
  if (axes && axes->empty()) return c.emit("identity", {c.input(0)});
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "axes", a, inputs, 1);
  c.emit(names.at(c.op()), std::move(inputs), std::move(a));
}

void arg_max(OpContext& c) {
  c.expect_inputs(2, 2);
  Attrs a;
  std::vector<int> inputs{c.input(0)};
  int_scalar_arg(c, 1, "axis", a, inputs, 1);
  c.emit(c.op() == "ArgMax" ? "argmax" : "argmin", std::move(inputs), std::move(a));
}

void transpose(OpContext& c) {
  c.expect_inputs(2, 2);
  Attrs a;
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "perm", a, inputs, 1);
  c.emit("transpose", std::move(inputs), std::move(a));
}

void reshape(OpContext& c) {
  c.expect_inputs(2, 2);
  Attrs a;
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "shape", a, inputs, 1);
  c.emit("reshape", std::move(inputs), std::move(a));
}

void squeeze(OpContext& c) {
  c.expect_inputs(1, 1);
  Ints axes = c.attr_ints("squeeze_dims", c.attr_ints("axis", Ints{}));
  c.emit("squeeze", {c.input(0)}, one("axes", axes));
}

void expand_dims(OpContext& c) {
  c.expect_inputs(2, 2);
  Attrs a;
  std::vector<int> inputs{c.input(0)};
  int_scalar_arg(c, 1, "axis", a, inputs, 1);
  c.emit("expand_dims", std::move(inputs), std::move(a));
}

void tile(OpContext& c) {
  c.expect_inputs(2, 2);
  Attrs a;
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "multiples", a, inputs, 1);
  c.emit("tile", std::move(inputs), std::move(a));
}

void depth_to_space(OpContext& c) {
  c.expect_inputs(1, 1);
  require_nhwc(c);
  c.emit("depth_to_space", {c.input(0)}, one("block_size", c.attr_int("block_size")));
}

void concat(OpContext& c) {
  // ConcatV2(x0..xn, axis); the old Concat(axis, x0..xn).
  if (c.num_inputs() < 2) c.fail("expected at least 2 inputs");
  const bool v2 = c.op() == "ConcatV2";
  const int axis_input = v2 ? c.num_inputs() - 1 : 0;
  auto axis = c.const_ints(axis_input);
  // concat takes any number of tensors, so an axis input could not be told from them.
  if (!axis) c.unsupported("the axis (input " + std::to_string(axis_input) + ") must be a constant");
  if (axis->size() != 1) c.fail("the axis must be one value, got " + to_string(*axis));
  std::vector<int> inputs;
  for (int i = v2 ? 0 : 1; i < (v2 ? c.num_inputs() - 1 : c.num_inputs()); ++i) inputs.push_back(c.input(i));
  if (inputs.size() == 1) return c.emit("identity", std::move(inputs));
  c.emit("concat", std::move(inputs), one("axis", (*axis)[0]));
}

void pack(OpContext& c) {
  if (c.num_inputs() < 1) c.fail("expected at least one input");
  std::vector<int> inputs;
  for (int i = 0; i < c.num_inputs(); ++i) inputs.push_back(c.input(i));
  c.emit("pack", std::move(inputs), one("axis", c.attr_int("axis", 0)));
}

void unpack(OpContext& c) {
  c.expect_inputs(1, 1);
  const std::int64_t num = c.attr_int("num");
  if (num < 1 || num > 65536) c.fail("num must be in [1, 65536], got " + std::to_string(num));
  c.emit("unpack", {c.input(0)}, one("axis", c.attr_int("axis", 0)), static_cast<int>(num));
}

std::int64_t num_split(OpContext& c) {
  const std::int64_t n = c.attr_int("num_split");
  if (n < 1 || n > 65536) c.fail("num_split must be in [1, 65536], got " + std::to_string(n));
  return n;
}

// Split(axis, x): equal parts. split's inputs are x, sizes?, axis? (SplitV's order).
void split(OpContext& c) {
  c.expect_inputs(2, 2);
  const std::int64_t n = num_split(c);
  Attrs a;
  a.set("num_split", n);
  std::vector<int> inputs{c.input(1)};
  int_scalar_arg(c, 0, "axis", a, inputs, 2);
  c.emit("split", std::move(inputs), std::move(a), static_cast<int>(n));
}

// SplitV(x, size_splits, axis).
void split_v(OpContext& c) {
  c.expect_inputs(3, 3);
  const std::int64_t n = num_split(c);
  Attrs a;
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "sizes", a, inputs, 1);
  if (a.has("sizes") && static_cast<std::int64_t>(a.get_ints("sizes").size()) != n)
    c.fail("size_splits has " + std::to_string(a.get_ints("sizes").size()) + " values but num_split is " + std::to_string(n));
  int_scalar_arg(c, 2, "axis", a, inputs, 2);
  c.emit("split", std::move(inputs), std::move(a), static_cast<int>(n));
}

void pad(OpContext& c) {
  const bool v2 = c.op() == "PadV2";
  c.expect_inputs(2, v2 ? 3 : 2);
  Attrs a;
  std::string mode = "constant";
  if (c.op() == "MirrorPad") {
    const std::string m = c.attr_string("mode");
    if (m == "REFLECT") mode = "reflect";
    else if (m == "SYMMETRIC") mode = "symmetric";
    else c.fail("mode must be REFLECT or SYMMETRIC, got '" + m + "'");
  }
  a.set("mode", mode);
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "paddings", a, inputs, 1);
  if (a.has("paddings") && a.get_ints("paddings").size() % 2) c.fail("paddings must hold (before, after) pairs");
  if (v2) {
    const Tensor* value = c.constant(2);
    if (value && value->size() == 1) {
      a.set("constant_value", value->at(0));
    } else {
      inputs.resize(3, -1);
      inputs[2] = c.input(2);
    }
  }
  c.emit("pad", std::move(inputs), std::move(a));
}

void strided_slice(OpContext& c) {
  c.expect_inputs(4, 4);
  Attrs a;
  for (const char* mask : {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
    a.set(mask, c.attr_int(mask, 0));
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "begin", a, inputs, 1);
  int_list_arg(c, 2, "end", a, inputs, 2);
  int_list_arg(c, 3, "strides", a, inputs, 3);
  c.emit("strided_slice", std::move(inputs), std::move(a));
}

void slice(OpContext& c) {
  c.expect_inputs(3, 3);
  Attrs a;
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "begin", a, inputs, 1);
  int_list_arg(c, 2, "size", a, inputs, 2);
  c.emit("slice", std::move(inputs), std::move(a));
}

void gather(OpContext& c) {
  const bool v2 = c.op() == "GatherV2";
  c.expect_inputs(v2 ? 3 : 2, v2 ? 3 : 2);
  Attrs a;
  a.set("batch_dims", c.attr_int("batch_dims", 0));
  std::vector<int> inputs{c.input(0), c.input(1)};
  if (v2) int_scalar_arg(c, 2, "axis", a, inputs, 2);
  else a.set("axis", std::int64_t{0});
  c.emit("gather", std::move(inputs), std::move(a));
}

void top_k(OpContext& c) {
  c.expect_inputs(2, 2);
  Attrs a;
  a.set("sorted", c.attr_bool("sorted", true));
  std::vector<int> inputs{c.input(0)};
  int_scalar_arg(c, 1, "k", a, inputs, 1);
  c.emit("top_k", std::move(inputs), std::move(a), 2);
}

void resize(OpContext& c) {
  c.expect_inputs(2, 2);
  Attrs a;
  a.set("align_corners", c.attr_bool("align_corners", false));
  a.set("half_pixel_centers", c.attr_bool("half_pixel_centers", false));
  std::vector<int> inputs{c.input(0)};
  int_list_arg(c, 1, "size", a, inputs, 1);
  if (a.has("size") && a.get_ints("size").size() != 2) c.fail("size must be 2 values (height, width)");
  c.emit(c.op() == "ResizeBilinear" ? "resize_bilinear" : "resize_nearest", std::move(inputs), std::move(a));
}

// OneHot(indices, depth, on_value, off_value).
void one_hot(OpContext& c) {
  c.expect_inputs(4, 4);
  Attrs a;
  a.set("axis", c.attr_int("axis", -1));
  std::vector<int> inputs{c.input(0)};
  int_scalar_arg(c, 1, "depth", a, inputs, 1);
  const Tensor* on = c.constant(2);
  const Tensor* off = c.constant(3);
  if (on && off && on->size() == 1 && off->size() == 1 && on->dtype() == off->dtype()) {
    a.set("on_value", on->at(0));
    a.set("off_value", off->at(0));
    a.set("dtype", std::string(to_string(on->dtype())));  // the values' dtype is the output's
  } else {
    inputs.resize(4, -1);
    inputs[2] = c.input(2);
    inputs[3] = c.input(3);
  }
  c.emit("one_hot", std::move(inputs), std::move(a));
}

// Einsum, where it is a (batch) matrix product: "ij,jk->ik", "bij,bkj->bik", "...ij,...jk->...ik".
void einsum(OpContext& c) {
  c.expect_inputs(2, 2);
  // "..." becomes the one character '.', so every index is one character.
  const std::string original = c.attr_string("equation");
  std::string eq;
  for (std::size_t p = 0; p < original.size(); ++p) {
    if (original[p] == ' ') continue;
    if (original.compare(p, 3, "...") == 0) {
      eq += '.';
      p += 2;
      continue;
    }
    eq += original[p];
  }
  auto unsupported = [&]() { c.unsupported("Einsum '" + original + "' is not a matrix product, the only Einsum easel reads"); };
  const auto comma = eq.find(','), arrow = eq.find("->");
  if (comma == std::string::npos || arrow == std::string::npos || arrow < comma) unsupported();
  const std::string x = eq.substr(0, comma), y = eq.substr(comma + 1, arrow - comma - 1), z = eq.substr(arrow + 2);
  if (x.size() < 2 || x.size() != y.size() || x.size() != z.size()) unsupported();
  const std::size_t b = x.size() - 2;
  const std::string batch = x.substr(0, b);
  if (y.substr(0, b) != batch || z.substr(0, b) != batch) unsupported();
  const char i = z[b], j = z[b + 1];
  const std::string xs = x.substr(b), ys = y.substr(b);
  char k = xs[0] == i ? xs[1] : xs[0];
  if (i == j || k == i || k == j || batch.find_first_of(std::string{i, j, k}) != std::string::npos) unsupported();
  if (!((xs == std::string{i, k} || xs == std::string{k, i}) && (ys == std::string{k, j} || ys == std::string{j, k}))) unsupported();
  Attrs a;
  a.set("transpose_a", xs[0] == k);
  a.set("transpose_b", ys[0] == j);
  c.emit("matmul", {c.input(0), c.input(1)}, std::move(a));
}

struct Entry {
  const char* tf;
  Translation translate;
};

// Ops with their own translation; kSimple's use `simple`.
constexpr Entry kOps[] = {
    {"AddN", add_n},
    {"All", reduce},
    {"Any", reduce},
    {"ArgMax", arg_max},
    {"ArgMin", arg_max},
    {"AvgPool", pool},
    {"BatchMatMul", matmul},
    {"BatchMatMulV2", matmul},
    {"BatchMatMulV3", matmul},
    {"BiasAdd", bias_add},
    {"BiasAddV1", bias_add},
    {"Cast", cast},
    {"CheckNumerics", identity},
    {"ClipByValue", clip_by_value},
    {"Concat", concat},
    {"ConcatV2", concat},
    {"Conv2D", conv2d},
    {"Conv2DBackpropInput", conv2d_transpose},
    {"DepthwiseConv2dNative", depthwise_conv2d},
    {"Div", div},
    {"Einsum", einsum},
    {"EnsureShape", identity},
    {"ExpandDims", expand_dims},
    {"FusedBatchNorm", fused_batch_norm},
    {"FusedBatchNormV2", fused_batch_norm},
    {"FusedBatchNormV3", fused_batch_norm},
    {"FusedDepthwiseConv2dNative", depthwise_conv2d},
    {"Gather", gather},
    {"GatherV2", gather},
    {"Identity", identity},
    {"IdentityN", identity_n},
    {"LeakyRelu", leaky_relu},
    {"LogSoftmax", softmax},
    {"MatMul", matmul},
    {"Max", reduce},
    {"MaxPool", pool},
    {"MaxPoolV2", pool},
    {"Mean", reduce},
    {"Min", reduce},
    {"MirrorPad", pad},
    {"OneHot", one_hot},
    {"Pack", pack},
    {"Pad", pad},
    {"PadV2", pad},
    {"PlaceholderWithDefault", identity},
    {"PreventGradient", identity},
    {"Prod", reduce},
    {"ResizeBilinear", resize},
    {"ResizeNearestNeighbor", resize},
    {"Reshape", reshape},
    {"Slice", slice},
    {"Snapshot", identity},
    {"Softmax", softmax},
    {"Split", split},
    {"SplitV", split_v},
    {"Squeeze", squeeze},
    {"StopGradient", identity},
    {"StridedSlice", strided_slice},
    {"Sum", reduce},
    {"Tile", tile},
    {"DepthToSpace", depth_to_space},
    {"TopKV2", top_k},
    {"Transpose", transpose},
    {"Unpack", unpack},
    {"_FusedConv2D", conv2d},
    {"_FusedMatMul", matmul},
};

}  // namespace

Translation find_translation(std::string_view tf_op) {
  for (const Entry& e : kOps)
    if (tf_op == e.tf) return e.translate;
  if (find_simple(tf_op)) return simple;
  return nullptr;
}

std::vector<std::string> translated_ops() {
  std::vector<std::string> ops;
  for (const Entry& e : kOps) ops.push_back(e.tf);
  for (const Simple& s : kSimple) ops.push_back(s.tf);
  std::sort(ops.begin(), ops.end());
  return ops;
}

}  // namespace easel::nn::tfjs_graph_import
