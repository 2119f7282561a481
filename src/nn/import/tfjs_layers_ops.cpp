// Keras layer -> easel ops (src/nn/ops/README.md is the contract). Each translation
// validates the layer's config and weights against its input shapes, so a malformed
// model fails here naming the layer, not later inside a kernel.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>

#include "easel/error.h"
#include "nn/import/importers.h"
#include "nn/import/tfjs_layers_importer.h"

namespace easel::nn::tfjs_layers_import {
namespace {

using Ints = std::vector<std::int64_t>;
using Values = std::vector<int>;
using Translate = Values (*)(Builder&, const json&, const Values&);

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// TF.js writes activations in camelCase ("hardSigmoid"), Keras in snake_case.
std::string snake(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isupper(c)) {
      if (i > 0) out += '_';
      out += static_cast<char>(std::tolower(c));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int single(Builder& b, const Values& in) {
  if (in.size() != 1) b.fail("expects 1 input, got " + std::to_string(in.size()));
  return in[0];
}

void expect_rank(Builder& b, int x, int rank) {
  if (b.rank(x) != rank) b.fail("expects a " + std::to_string(rank) + "-D input, got shape " + to_string(b.shape(x)));
}

void channels_last(Builder& b, const json& c) {
  std::string f = b.text(c, "data_format", "channels_last");
  if (f != "channels_last") b.unsupported("data_format '" + f + "' is not supported; easel runs channels_last (NHWC)");
}

void positive(Builder& b, const Ints& v, const char* what) {
  for (auto d : v)
    if (d < 1) b.fail("'" + std::string(what) + "' must be positive");
}

std::string padding_of(Builder& b, const json& c, bool allow_causal = false) {
  std::string p = lower(b.text(c, "padding", "valid"));
  if (p == "same") return "SAME";
  if (p == "valid") return "VALID";
  if (p == "causal" && allow_causal) return "CAUSAL";
  b.unsupported("padding '" + p + "' is not supported");
}

// Output length of a convolution or pooling window along one axis (TF semantics).
std::int64_t window_out(Builder& b, std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d, const std::string& padding,
                        std::int64_t pad_total = 0) {
  if (in < 0) return -1;
  if (padding == "SAME") return (in + s - 1) / s;
  const std::int64_t dk = (k - 1) * d + 1;
  if (in + pad_total < dk) b.fail("the input (" + std::to_string(in) + ") is smaller than the window (" + std::to_string(dk) + ")");
  return (in + pad_total - dk) / s + 1;
}

Shape broadcast(Builder& b, const Shape& x, const Shape& y) {
  Shape out(std::max(x.size(), y.size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int64_t p = i < out.size() - x.size() ? 1 : x[i - (out.size() - x.size())];
    std::int64_t q = i < out.size() - y.size() ? 1 : y[i - (out.size() - y.size())];
    if (p == 1) out[i] = q;
    else if (q == 1) out[i] = p;
    else if (p < 0) out[i] = q;
    else if (q < 0 || p == q) out[i] = p;
    else b.fail("inputs of shapes " + to_string(x) + " and " + to_string(y) + " do not broadcast");
  }
  return out;
}

// ---- activations

std::string activation_name(Builder& b, const json& c, const char* key = "activation") {
  if (!c.contains(key) || c[key].is_null()) return "linear";
  const json& a = c[key];
  std::string s;
  if (a.is_string()) s = a.get<std::string>();
  // Keras 3 may serialize a built-in activation as {"class_name": "function", "config": "relu"}.
  else if (a.is_object() && a.contains("config") && a["config"].is_string()) s = a["config"].get<std::string>();
  else b.unsupported("a custom activation is not supported");
  return snake(s);
}

// The conv/matmul fused activation for a Keras activation, or "" when it needs ops.
std::string fused_activation(const std::string& a) {
  if (a == "linear") return "none";
  if (a == "relu" || a == "relu6" || a == "sigmoid" || a == "tanh" || a == "elu") return a;
  if (a == "hard_swish" || a == "hard_silu") return "hard_swish";
  return "";
}

int activate(Builder& b, int x, const std::string& a) {
  const Shape s = b.shape(x);
  auto op = [&](const char* name, Values in, Attrs at = {}) { return b.emit(name, name, std::move(in), std::move(at), s); };
  auto scalar = [&](float v) { return b.scalar("const", v); };
  if (a == "linear") return x;
  if (a == "relu" || a == "relu6" || a == "sigmoid" || a == "tanh" || a == "elu" || a == "selu" || a == "softplus")
    return op(a.c_str(), {x});
  if (a == "hard_swish" || a == "hard_silu") return op("hard_swish", {x});
  if (a == "exponential") return op("exp", {x});
  if (a == "softmax" || a == "log_softmax") {
    Attrs at;
    at.set("axis", std::int64_t{-1});
    return op(a.c_str(), {x}, at);
  }
  if (a == "swish" || a == "silu") return op("mul", {x, op("sigmoid", {x})});
  if (a == "hard_sigmoid") {
    // Keras 2 and TF.js: clip(0.2x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
    int y = op("mul", {x, scalar(b.keras3 ? 1.0f / 6.0f : 0.2f)});
    y = op("add", {y, scalar(0.5f)});
    Attrs at;
    at.set("min", 0.0);
    at.set("max", 1.0);
    return b.emit("clip", "clip", {y}, at, s);
  }
  if (a == "softsign") return op("div", {x, op("add", {op("abs", {x}), scalar(1)})});
  if (a == "mish") return op("mul", {x, op("tanh", {op("softplus", {x})})});
  if (a == "gelu") {  // exact (erf) form, as TF.js 'gelu'
    int e = op("erf", {op("mul", {x, scalar(static_cast<float>(1 / std::sqrt(2.0)))})});
    return op("mul", {op("mul", {x, op("add", {e, scalar(1)})}), scalar(0.5f)});
  }
  if (a == "gelu_new") {  // tanh approximation
    int x3 = op("mul", {op("mul", {x, x}), x});
    int inner = op("add", {x, op("mul", {x3, scalar(0.044715f)})});
    int t = op("tanh", {op("mul", {inner, scalar(static_cast<float>(std::sqrt(2.0 / M_PI)))})});
    return op("mul", {op("mul", {x, op("add", {t, scalar(1)})}), scalar(0.5f)});
  }
  b.unsupported("activation '" + a + "' is not supported");
}

// A conv/matmul node with the layer's activation fused when the op supports it.
int weighted_op(Builder& b, const char* op, Values in, Attrs at, Shape shape, const std::string& act) {
  std::string fused = fused_activation(act);
  at.set("activation", fused.empty() ? std::string("none") : fused);
  int y = b.emit(op, op, std::move(in), std::move(at), std::move(shape));
  return fused.empty() ? activate(b, y, act) : y;
}

int bias_value(Builder& b, const json& c, std::int64_t channels) {
  if (!b.flag(c, "use_bias", true)) {
    // A bias the config says is not used: the weights are not this layer's, or the file was
    // edited; either way its answers would not be the author's.
    if (b.has_weight("bias")) b.fail("its config says use_bias false, yet the weights give '" + b.layer_name() + "/bias'");
    return -1;
  }
  const Tensor& bias = b.weight("bias", 1);
  if (bias.dim(0) != channels)
    b.fail("weight '" + b.layer_name() + "/bias' has " + std::to_string(bias.dim(0)) + " values for " + std::to_string(channels) +
           " channels");
  return b.weight_value("bias", 1);
}

void check_kernel(Builder& b, const Tensor& w, const char* what, const Ints& kernel_size) {
  for (std::size_t i = 0; i < kernel_size.size(); ++i)
    if (w.dim(static_cast<int>(i)) != kernel_size[i])
      b.fail("weight '" + b.layer_name() + "/" + what + "' of shape " + to_string(w.shape()) + " does not match kernel_size");
}

void check_in_channels(Builder& b, int x, std::int64_t want, const char* what) {
  std::int64_t have = b.shape(x).back();
  if (have >= 0 && have != want)
    b.fail("weight '" + b.layer_name() + "/" + what + "' expects " + std::to_string(want) + " input channels, the input has " +
           std::to_string(have));
}

Attrs conv_attrs(const Ints& strides, const Ints& dilations, const std::string& padding) {
  Attrs at;
  at.set("strides", strides);
  at.set("dilations", dilations);
  at.set("padding", padding);
  return at;
}

// ---- convolutions

Values conv2d(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 4);
  Ints k = b.ints(c, "kernel_size", 2, {}), s = b.ints(c, "strides", 2, {1, 1}), d = b.ints(c, "dilation_rate", 2, {1, 1});
  positive(b, k, "kernel_size"), positive(b, s, "strides"), positive(b, d, "dilation_rate");
  std::int64_t groups = b.integer(c, "groups", 1);
  std::string pad = padding_of(b, c);
  const Tensor& w = b.weight("kernel", 4);
  check_kernel(b, w, "kernel", k);
  const std::int64_t out_ch = w.dim(3);
  if (b.integer(c, "filters", out_ch) != out_ch) b.fail("'filters' does not match the kernel's shape " + to_string(w.shape()));
  if (groups < 1 || out_ch % groups) b.fail("'groups' must divide the filters");
  check_in_channels(b, x, w.dim(2) * groups, "kernel");
  Values ins{x, b.weight_value("kernel", 4)};
  if (int bias = bias_value(b, c, out_ch); bias >= 0) ins.push_back(bias);
  Attrs at = conv_attrs(s, d, pad);
  if (groups != 1) at.set("groups", groups);
  const Shape& xs = b.shape(x);
  Shape out{xs[0], window_out(b, xs[1], k[0], s[0], d[0], pad), window_out(b, xs[2], k[1], s[1], d[1], pad), out_ch};
  return {weighted_op(b, "conv2d", ins, at, out, activation_name(b, c))};
}

Values depthwise_conv2d(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 4);
  Ints k = b.ints(c, "kernel_size", 2, {}), s = b.ints(c, "strides", 2, {1, 1}), d = b.ints(c, "dilation_rate", 2, {1, 1});
  positive(b, k, "kernel_size"), positive(b, s, "strides"), positive(b, d, "dilation_rate");
  std::string pad = padding_of(b, c);
  const Tensor& w = b.weight("depthwise_kernel", 4);
  check_kernel(b, w, "depthwise_kernel", k);
  if (b.integer(c, "depth_multiplier", w.dim(3)) != w.dim(3)) b.fail("'depth_multiplier' does not match the depthwise_kernel");
  check_in_channels(b, x, w.dim(2), "depthwise_kernel");
  const std::int64_t out_ch = w.dim(2) * w.dim(3);
  Values ins{x, b.weight_value("depthwise_kernel", 4)};
  if (int bias = bias_value(b, c, out_ch); bias >= 0) ins.push_back(bias);
  const Shape& xs = b.shape(x);
  Shape out{xs[0], window_out(b, xs[1], k[0], s[0], d[0], pad), window_out(b, xs[2], k[1], s[1], d[1], pad), out_ch};
  return {weighted_op(b, "depthwise_conv2d", ins, conv_attrs(s, d, pad), out, activation_name(b, c))};
}

Values separable_conv2d(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 4);
  Ints k = b.ints(c, "kernel_size", 2, {}), s = b.ints(c, "strides", 2, {1, 1}), d = b.ints(c, "dilation_rate", 2, {1, 1});
  positive(b, k, "kernel_size"), positive(b, s, "strides"), positive(b, d, "dilation_rate");
  std::string pad = padding_of(b, c);
  const Tensor& dw = b.weight("depthwise_kernel", 4);
  const Tensor& pw = b.weight("pointwise_kernel", 4);
  check_kernel(b, dw, "depthwise_kernel", k);
  check_in_channels(b, x, dw.dim(2), "depthwise_kernel");
  const std::int64_t mid = dw.dim(2) * dw.dim(3), out_ch = pw.dim(3);
  if (pw.dim(0) != 1 || pw.dim(1) != 1 || pw.dim(2) != mid)
    b.fail("weight '" + b.layer_name() + "/pointwise_kernel' must be [1,1," + std::to_string(mid) + ",filters], got " +
           to_string(pw.shape()));
  const Shape& xs = b.shape(x);
  Shape mid_shape{xs[0], window_out(b, xs[1], k[0], s[0], d[0], pad), window_out(b, xs[2], k[1], s[1], d[1], pad), mid};
  Attrs dat = conv_attrs(s, d, pad);
  dat.set("activation", std::string("none"));
  int y = b.emit("depthwise_conv2d", "depthwise", {x, b.weight_value("depthwise_kernel", 4)}, dat, mid_shape);
  Values ins{y, b.weight_value("pointwise_kernel", 4)};
  if (int bias = bias_value(b, c, out_ch); bias >= 0) ins.push_back(bias);
  Shape out = mid_shape;
  out[3] = out_ch;
  return {weighted_op(b, "conv2d", ins, conv_attrs({1, 1}, {1, 1}, "VALID"), out, activation_name(b, c))};
}

// Keras deconv_output_length.
std::int64_t transpose_out(std::int64_t in, std::int64_t k, std::int64_t s, const std::string& pad, std::int64_t out_pad) {
  if (out_pad < 0) return pad == "SAME" ? in * s : in * s + std::max<std::int64_t>(k - s, 0);
  return (in - 1) * s + k - 2 * (pad == "SAME" ? k / 2 : 0) + out_pad;
}

Values conv2d_transpose(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 4);
  Ints k = b.ints(c, "kernel_size", 2, {}), s = b.ints(c, "strides", 2, {1, 1}), d = b.ints(c, "dilation_rate", 2, {1, 1});
  positive(b, k, "kernel_size"), positive(b, s, "strides");
  if (d != Ints{1, 1}) b.unsupported("dilation_rate other than 1 is not supported");
  Ints op = b.ints(c, "output_padding", 2, {-1, -1});
  std::string pad = padding_of(b, c);
  const Tensor& w = b.weight("kernel", 4);  // [KH, KW, filters, in_channels], TF's Conv2DBackpropInput layout
  check_kernel(b, w, "kernel", k);
  check_in_channels(b, x, w.dim(3), "kernel");
  const std::int64_t out_ch = w.dim(2);
  const Shape& xs = b.shape(x);
  if (xs[1] < 0 || xs[2] < 0) b.unsupported("an input with unknown height or width is not supported (output_shape is needed at load)");
  // The op needs the full output shape; the batch stays -1 when the model leaves it open.
  Shape out{xs[0], transpose_out(xs[1], k[0], s[0], pad, op[0]), transpose_out(xs[2], k[1], s[1], pad, op[1]), out_ch};
  if (out[1] < 1 || out[2] < 1) b.fail("the output would be empty");
  Values ins{x, b.weight_value("kernel", 4)};
  if (int bias = bias_value(b, c, out_ch); bias >= 0) ins.push_back(bias);
  Attrs at;
  at.set("strides", s);
  at.set("padding", pad);
  at.set("output_shape", out);
  return {weighted_op(b, "conv2d_transpose", ins, at, out, activation_name(b, c))};
}

// 1-D layers run as their 2-D op on [N, 1, W, C].
int to_2d(Builder& b, int x) {
  Shape s = b.shape(x);
  s.insert(s.begin() + 1, 1);
  Attrs at;
  at.set("axis", std::int64_t{1});
  return b.emit("expand_dims", "expand", {x}, at, s);
}

int from_2d(Builder& b, int y) {
  Shape s = b.shape(y);
  s.erase(s.begin() + 1);
  Attrs at;
  at.set("axes", Ints{1});
  return b.emit("squeeze", "squeeze", {y}, at, s);
}

Values conv1d(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 3);
  Ints k = b.ints(c, "kernel_size", 1, {}), s = b.ints(c, "strides", 1, {1}), d = b.ints(c, "dilation_rate", 1, {1});
  positive(b, k, "kernel_size"), positive(b, s, "strides"), positive(b, d, "dilation_rate");
  std::int64_t groups = b.integer(c, "groups", 1);
  std::string pad = padding_of(b, c, true);
  const Tensor& w = b.weight("kernel", 3);
  check_kernel(b, w, "kernel", k);
  const std::int64_t out_ch = w.dim(2);
  if (groups < 1 || out_ch % groups) b.fail("'groups' must divide the filters");
  check_in_channels(b, x, w.dim(1) * groups, "kernel");
  int filter = b.constant("kernel2d", w.reshaped({1, w.dim(0), w.dim(1), out_ch}));
  Values ins{to_2d(b, x), filter};
  if (int bias = bias_value(b, c, out_ch); bias >= 0) ins.push_back(bias);
  Attrs at = conv_attrs({1, s[0]}, {1, d[0]}, pad);
  std::int64_t pad_total = 0;
  if (pad == "CAUSAL") {  // all the padding on the left, so no output sees the future
    pad_total = (k[0] - 1) * d[0];
    at.set("padding", std::string("EXPLICIT"));
    at.set("explicit_paddings", Ints{0, 0, pad_total, 0});
  }
  if (groups != 1) at.set("groups", groups);
  const Shape& xs = b.shape(x);
  Shape out{xs[0], 1, window_out(b, xs[1], k[0], s[0], d[0], pad == "CAUSAL" ? "VALID" : pad, pad_total), out_ch};
  std::string act = activation_name(b, c);
  bool fused = !fused_activation(act).empty();
  int y = weighted_op(b, "conv2d", ins, at, out, fused ? act : "linear");
  y = from_2d(b, y);
  return {fused ? y : activate(b, y, act)};
}

Values dense(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  if (b.rank(x) < 2) b.fail("expects an input of rank 2 or more, got shape " + to_string(b.shape(x)));
  const Tensor& w = b.weight("kernel", 2);
  const std::int64_t units = w.dim(1);
  if (b.integer(c, "units", units) != units) b.fail("'units' does not match the kernel's shape " + to_string(w.shape()));
  check_in_channels(b, x, w.dim(0), "kernel");
  Values ins{x, b.weight_value("kernel", 2)};
  if (int bias = bias_value(b, c, units); bias >= 0) ins.push_back(bias);
  Attrs at;
  at.set("transpose_a", false);
  at.set("transpose_b", false);
  // On rank > 2 inputs Dense applies to the last axis: matmul broadcasts the kernel.
  Shape out = b.shape(x);
  out.back() = units;
  return {weighted_op(b, "matmul", ins, at, out, activation_name(b, c))};
}

// ---- normalization and activation layers

Values batch_norm(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  const int rank = b.rank(x);
  if (rank < 2) b.fail("expects an input of rank 2 or more");
  const int axis = b.axis(c, "axis", -1, rank);
  if (axis == 0) b.unsupported("normalizing over the batch axis is not supported");
  const double eps = b.number(c, "epsilon", 1e-3);
  const Tensor& mean = b.weight("moving_mean", 1);
  const Tensor& var = b.weight("moving_variance", 1);
  const std::int64_t ch = mean.dim(0);
  const bool scale = b.flag(c, "scale", true), center = b.flag(c, "center", true);
  const Tensor* gamma = scale ? &b.weight("gamma", 1) : nullptr;
  const Tensor* beta = center ? &b.weight("beta", 1) : nullptr;
  for (const Tensor* t : {&var, gamma, beta})
    if (t && t->dim(0) != ch)
      b.fail("its weights have different lengths (" + std::to_string(ch) + " vs " + std::to_string(t->dim(0)) + ")");
  if (b.shape(x)[static_cast<std::size_t>(axis)] >= 0 && b.shape(x)[static_cast<std::size_t>(axis)] != ch)
    b.fail("its weights have " + std::to_string(ch) + " channels, the input " + to_string(b.shape(x)));
  // Inference BN is y = x * s + t with s = gamma / sqrt(var + eps), t = beta - mean * s.
  // The fusion pass folds s and t into a preceding conv/dense when it can.
  Shape cs(static_cast<std::size_t>(rank - axis), 1);
  cs[0] = ch;
  Tensor s(DType::f32, cs), t(DType::f32, cs);
  for (std::int64_t i = 0; i < ch; ++i) {
    double si = (gamma ? gamma->data<float>()[i] : 1.0) / std::sqrt(static_cast<double>(var.data<float>()[i]) + eps);
    s.data<float>()[i] = static_cast<float>(si);
    t.data<float>()[i] = static_cast<float>((beta ? beta->data<float>()[i] : 0.0) - mean.data<float>()[i] * si);
  }
  int y = b.emit("mul", "scale", {x, b.constant("bn_scale", s)}, {}, b.shape(x));
  return {b.emit("add", "shift", {y, b.constant("bn_shift", t)}, {}, b.shape(x))};
}

Values activation_layer(Builder& b, const json& c, const Values& in) { return {activate(b, single(b, in), activation_name(b, c))}; }

Values relu_layer(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  const Shape& s = b.shape(x);
  const double slope = b.number(c, "negative_slope", 0), threshold = b.number(c, "threshold", 0);
  const bool capped = c.contains("max_value") && !c["max_value"].is_null();
  const double cap = b.number(c, "max_value", 0);
  if (threshold != 0) b.unsupported("a threshold other than 0 is not supported");
  if (capped && cap < 0) b.fail("'max_value' must not be negative");
  if (slope == 0) {
    if (!capped) return {b.emit("relu", "relu", {x}, {}, s)};
    if (cap == 6) return {b.emit("relu6", "relu6", {x}, {}, s)};
    Attrs at;
    at.set("min", 0.0);
    at.set("max", cap);
    return {b.emit("clip", "clip", {x}, at, s)};
  }
  Attrs at;
  at.set("alpha", slope);
  int y = b.emit("leaky_relu", "leaky_relu", {x}, at, s);
  if (capped) y = b.emit("minimum", "cap", {y, b.scalar("max_value", static_cast<float>(cap))}, {}, s);
  return {y};
}

Values leaky_relu_layer(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  Attrs at;
  at.set("alpha", b.number(c, "alpha", b.number(c, "negative_slope", 0.3)));  // Keras 3 renamed alpha
  return {b.emit("leaky_relu", "leaky_relu", {x}, at, b.shape(x))};
}

Values prelu_layer(Builder& b, const json&, const Values& in) {
  int x = single(b, in);
  const Tensor& alpha = b.weight("alpha");
  Shape want(b.shape(x).begin() + 1, b.shape(x).end());
  bool ok = alpha.rank() == static_cast<int>(want.size());
  for (std::size_t i = 0; ok && i < want.size(); ++i) ok = alpha.shape()[i] == 1 || want[i] < 0 || alpha.shape()[i] == want[i];
  if (!ok)
    b.fail("weight '" + b.layer_name() + "/alpha' of shape " + to_string(alpha.shape()) + " does not fit the input " +
           to_string(b.shape(x)));
  return {b.emit("prelu", "prelu", {x, b.weight_value("alpha")}, {}, b.shape(x))};
}

Values elu_layer(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  const Shape& s = b.shape(x);
  const double alpha = b.number(c, "alpha", 1.0);
  if (alpha == 1.0) return {b.emit("elu", "elu", {x}, {}, s)};
  // alpha * (exp(x) - 1) below 0: relu(x) + alpha * min(elu(x), 0).
  int neg = b.emit("minimum", "neg", {b.emit("elu", "elu", {x}, {}, s), b.scalar("zero", 0)}, {}, s);
  neg = b.emit("mul", "scaled", {neg, b.scalar("alpha", static_cast<float>(alpha))}, {}, s);
  return {b.emit("add", "elu", {b.emit("relu", "relu", {x}, {}, s), neg}, {}, s)};
}

Values softmax_layer(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  Attrs at;
  at.set("axis", std::int64_t{b.axis(c, "axis", -1, b.rank(x))});
  return {b.emit("softmax", "softmax", {x}, at, b.shape(x))};
}

Values identity_layer(Builder& b, const json&, const Values& in) { return {single(b, in)}; }

// ---- merging

Values merge(Builder& b, const Values& in, const char* op, std::size_t min_inputs) {
  if (in.size() < min_inputs) b.fail("expects at least " + std::to_string(min_inputs) + " inputs, got " + std::to_string(in.size()));
  int y = in[0];
  for (std::size_t i = 1; i < in.size(); ++i) y = b.emit(op, op, {y, in[i]}, {}, broadcast(b, b.shape(y), b.shape(in[i])));
  return {y};
}

Values add_layer(Builder& b, const json&, const Values& in) {
  bool same = in.size() > 2;
  for (int v : in) same = same && b.shape(v) == b.shape(in[0]);
  if (same) return {b.emit("add_n", "add_n", in, {}, b.shape(in[0]))};
  return merge(b, in, "add", 2);
}
Values subtract_layer(Builder& b, const json&, const Values& in) {
  if (in.size() != 2) b.fail("expects exactly 2 inputs, got " + std::to_string(in.size()));
  return merge(b, in, "sub", 2);
}
Values multiply_layer(Builder& b, const json&, const Values& in) { return merge(b, in, "mul", 2); }
Values maximum_layer(Builder& b, const json&, const Values& in) { return merge(b, in, "maximum", 2); }
Values minimum_layer(Builder& b, const json&, const Values& in) { return merge(b, in, "minimum", 2); }
Values average_layer(Builder& b, const json& c, const Values& in) {
  int sum = add_layer(b, c, in)[0];
  return {b.emit("mul", "mean", {sum, b.scalar("inv_n", 1.0f / static_cast<float>(in.size()))}, {}, b.shape(sum))};
}

Values concatenate_layer(Builder& b, const json& c, const Values& in) {
  if (in.empty()) b.fail("has no inputs");
  const int rank = b.rank(in[0]);
  const int axis = b.axis(c, "axis", -1, rank);
  Shape out = b.shape(in[0]);
  for (std::size_t i = 1; i < in.size(); ++i) {
    const Shape& s = b.shape(in[i]);
    if (static_cast<int>(s.size()) != rank) b.fail("inputs have different ranks");
    std::int64_t& d = out[static_cast<std::size_t>(axis)];
    const std::int64_t e = s[static_cast<std::size_t>(axis)];
    d = d < 0 || e < 0 ? -1 : d + e;
  }
  Attrs at;
  at.set("axis", std::int64_t{axis});
  return {b.emit("concat", "concat", in, at, out)};
}

// ---- shape

std::int64_t known_product(const Shape& s, std::size_t from) {
  std::int64_t n = 1;
  for (std::size_t i = from; i < s.size(); ++i) {
    if (s[i] < 0) return -1;
    n *= s[i];
  }
  return n;
}

int reshape_to(Builder& b, int x, Shape tail) {
  Shape attr = tail, out = tail;
  attr.insert(attr.begin(), -1);  // the batch, whatever it is at run time
  out.insert(out.begin(), b.shape(x)[0]);
  Attrs at;
  at.set("shape", attr);
  return b.emit("reshape", "reshape", {x}, at, out);
}

Values flatten(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  channels_last(b, c);
  if (b.rank(x) < 2) b.fail("expects an input of rank 2 or more");
  if (b.rank(x) == 2) return {x};
  std::int64_t n = known_product(b.shape(x), 1);
  if (n < 0) b.unsupported("flattening an input with unknown dimensions " + to_string(b.shape(x)) + " is not supported");
  return {reshape_to(b, x, {n})};
}

Values reshape(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  if (b.rank(x) < 1) b.fail("expects a batched input");
  Ints target = b.ints(c, "target_shape", 0, {});
  const std::int64_t total = known_product(b.shape(x), 1);
  std::int64_t known = 1;
  int unknown = -1;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1 && unknown < 0) unknown = static_cast<int>(i);
    else if (target[i] < 1) b.fail("'target_shape' " + to_string(target) + " is invalid");
    else known *= target[i];
  }
  if (unknown >= 0) {
    if (total < 0) b.unsupported("a -1 in 'target_shape' with unknown input dimensions is not supported");
    if (total % known) b.fail("cannot reshape " + to_string(b.shape(x)) + " to " + to_string(target));
    target[static_cast<std::size_t>(unknown)] = total / known;
  } else if (total >= 0 && total != known) {
    b.fail("cannot reshape " + to_string(b.shape(x)) + " to " + to_string(target));
  }
  return {reshape_to(b, x, target)};
}

Values permute(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  Ints dims = b.ints(c, "dims", 0, {});
  const Shape& s = b.shape(x);
  if (dims.size() + 1 != s.size()) b.fail("'dims' must list every non-batch axis");
  Ints perm{0};
  Shape out{s[0]};
  std::vector<bool> seen(s.size(), false);
  for (auto d : dims) {
    if (d < 1 || d >= static_cast<std::int64_t>(s.size()) || seen[static_cast<std::size_t>(d)]) b.fail("'dims' is not a permutation");
    seen[static_cast<std::size_t>(d)] = true;
    perm.push_back(d);
    out.push_back(s[static_cast<std::size_t>(d)]);
  }
  Attrs at;
  at.set("perm", perm);
  return {b.emit("transpose", "transpose", {x}, at, out)};
}

// ZeroPadding / Cropping amounts: n, [a, b] per axis, or [[before, after], ...].
std::vector<std::pair<std::int64_t, std::int64_t>> amounts(Builder& b, const json& c, const char* key, std::size_t axes,
                                                           std::int64_t fallback) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out(axes, {fallback, fallback});
  if (!c.contains(key) || c[key].is_null()) return out;
  const json& p = c[key];
  auto get = [&](const json& v) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) b.fail("'" + std::string(key) + "' must hold non-negative integers");
    return v.get<std::int64_t>();
  };
  if (p.is_number()) {
    std::int64_t n = get(p);
    return std::vector<std::pair<std::int64_t, std::int64_t>>(axes, {n, n});
  }
  if (axes == 1 && p.is_array() && p.size() == 2 && p[0].is_number()) return {{get(p[0]), get(p[1])}};
  if (!p.is_array() || p.size() != axes) b.fail("'" + std::string(key) + "' must have one entry per spatial axis");
  for (std::size_t i = 0; i < axes; ++i) {
    if (p[i].is_number()) out[i] = {get(p[i]), get(p[i])};
    else if (p[i].is_array() && p[i].size() == 2) out[i] = {get(p[i][0]), get(p[i][1])};
    else b.fail("'" + std::string(key) + "' must be n, [a, b] or [[top, bottom], [left, right]]");
  }
  return out;
}

Values zero_padding(Builder& b, const json& c, const Values& in, std::size_t axes) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, static_cast<int>(axes) + 2);
  auto p = amounts(b, c, "padding", axes, 1);
  Ints paddings{0, 0};
  Shape out = b.shape(x);
  for (std::size_t i = 0; i < axes; ++i) {
    paddings.push_back(p[i].first);
    paddings.push_back(p[i].second);
    if (out[i + 1] >= 0) out[i + 1] += p[i].first + p[i].second;
  }
  paddings.push_back(0), paddings.push_back(0);
  Attrs at;
  at.set("paddings", paddings);
  at.set("mode", std::string("constant"));
  at.set("constant_value", 0.0);
  return {b.emit("pad", "pad", {x}, at, out)};
}
Values zero_padding1d(Builder& b, const json& c, const Values& in) { return zero_padding(b, c, in, 1); }
Values zero_padding2d(Builder& b, const json& c, const Values& in) { return zero_padding(b, c, in, 2); }

Values cropping(Builder& b, const json& c, const Values& in, std::size_t axes) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, static_cast<int>(axes) + 2);
  auto p = amounts(b, c, "cropping", axes, 0);
  // strided_slice with negative ends, so the spatial size need not be known here.
  Ints begin(axes + 2, 0), end(axes + 2, 0), strides(axes + 2, 1);
  std::int64_t end_mask = 1 | (std::int64_t{1} << (axes + 1));
  Shape out = b.shape(x);
  for (std::size_t i = 0; i < axes; ++i) {
    begin[i + 1] = p[i].first;
    end[i + 1] = -p[i].second;
    if (p[i].second == 0) end_mask |= std::int64_t{1} << (i + 1);
    if (out[i + 1] >= 0) {
      out[i + 1] -= p[i].first + p[i].second;
      if (out[i + 1] < 1) b.fail("crops away the whole input " + to_string(b.shape(x)));
    }
  }
  Attrs at;
  at.set("begin", begin);
  at.set("end", end);
  at.set("strides", strides);
  at.set("begin_mask", std::int64_t{0});
  at.set("end_mask", end_mask);
  at.set("ellipsis_mask", std::int64_t{0});
  at.set("new_axis_mask", std::int64_t{0});
  at.set("shrink_axis_mask", std::int64_t{0});
  return {b.emit("strided_slice", "crop", {x}, at, out)};
}
Values cropping1d(Builder& b, const json& c, const Values& in) { return cropping(b, c, in, 1); }
Values cropping2d(Builder& b, const json& c, const Values& in) { return cropping(b, c, in, 2); }

// ---- pooling

int pool(Builder& b, const json& c, int x, const char* op, Ints k, Ints s) {
  std::string pad = padding_of(b, c);
  positive(b, k, "pool_size"), positive(b, s, "strides");
  Attrs at;
  at.set("ksize", k);
  at.set("strides", s);
  at.set("padding", pad);
  const Shape& xs = b.shape(x);
  Shape out{xs[0], window_out(b, xs[1], k[0], s[0], 1, pad), window_out(b, xs[2], k[1], s[1], 1, pad), xs[3]};
  return b.emit(op, op, {x}, at, out);
}

Values pool2d(Builder& b, const json& c, const Values& in, const char* op) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 4);
  Ints k = b.ints(c, "pool_size", 2, {2, 2});
  return {pool(b, c, x, op, k, b.ints(c, "strides", 2, k))};  // strides default to pool_size
}
Values max_pool2d(Builder& b, const json& c, const Values& in) { return pool2d(b, c, in, "max_pool"); }
Values avg_pool2d(Builder& b, const json& c, const Values& in) { return pool2d(b, c, in, "avg_pool"); }

Values pool1d(Builder& b, const json& c, const Values& in, const char* op) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 3);
  Ints k = b.ints(c, "pool_size", 1, {2});
  Ints s = b.ints(c, "strides", 1, k);
  return {from_2d(b, pool(b, c, to_2d(b, x), op, {1, k[0]}, {1, s[0]}))};
}
Values max_pool1d(Builder& b, const json& c, const Values& in) { return pool1d(b, c, in, "max_pool"); }
Values avg_pool1d(Builder& b, const json& c, const Values& in) { return pool1d(b, c, in, "avg_pool"); }

Values global_pool(Builder& b, const json& c, const Values& in, const char* op, int spatial) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, spatial + 2);
  const bool keep = b.flag(c, "keepdims", false);
  Ints axes;
  Shape out = b.shape(x);
  for (int i = 1; i <= spatial; ++i) axes.push_back(i);
  if (keep) std::fill(out.begin() + 1, out.end() - 1, 1);
  else out = {out.front(), out.back()};
  Attrs at;
  at.set("axes", axes);
  at.set("keep_dims", keep);
  return {b.emit(op, op, {x}, at, out)};
}
Values global_avg_pool2d(Builder& b, const json& c, const Values& in) { return global_pool(b, c, in, "mean", 2); }
Values global_max_pool2d(Builder& b, const json& c, const Values& in) { return global_pool(b, c, in, "max", 2); }
Values global_avg_pool1d(Builder& b, const json& c, const Values& in) { return global_pool(b, c, in, "mean", 1); }
Values global_max_pool1d(Builder& b, const json& c, const Values& in) { return global_pool(b, c, in, "max", 1); }

Values upsampling2d(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  channels_last(b, c);
  expect_rank(b, x, 4);
  Ints size = b.ints(c, "size", 2, {2, 2});
  positive(b, size, "size");
  std::string interp = b.text(c, "interpolation", "nearest");
  if (interp != "nearest" && interp != "bilinear") b.unsupported("interpolation '" + interp + "' is not supported");
  Shape out = b.shape(x);
  if (out[1] < 0 || out[2] < 0) b.unsupported("an input with unknown height or width is not supported");
  out[1] *= size[0], out[2] *= size[1];
  // TF.js runs UpSampling2D as resizeNearestNeighbor / resizeBilinear with their defaults.
  Attrs at;
  at.set("size", Ints{out[1], out[2]});
  at.set("align_corners", false);
  at.set("half_pixel_centers", false);
  const char* op = interp == "nearest" ? "resize_nearest" : "resize_bilinear";
  return {b.emit(op, "resize", {x}, at, out)};
}

// ---- preprocessing and lookup

Values rescaling(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  auto operand = [&](const char* key, double fallback, const char* suffix) -> int {
    if (!c.contains(key) || c[key].is_null() || c[key].is_number()) {
      double v = b.number(c, key, fallback);
      return v == fallback ? -1 : b.scalar(suffix, static_cast<float>(v));
    }
    if (!c[key].is_array()) b.fail("'" + std::string(key) + "' must be a number or a list");
    std::vector<float> v;
    for (const auto& e : c[key]) {
      if (!e.is_number()) b.fail("'" + std::string(key) + "' must hold numbers");
      v.push_back(e.get<float>());
    }
    return b.constant(suffix, Tensor::from<float>({static_cast<std::int64_t>(v.size())}, v));
  };
  int y = x;
  if (int s = operand("scale", 1, "scale"); s >= 0) y = b.emit("mul", "scale", {y, s}, {}, broadcast(b, b.shape(y), b.shape(s)));
  if (int o = operand("offset", 0, "offset"); o >= 0) y = b.emit("add", "offset", {y, o}, {}, broadcast(b, b.shape(y), b.shape(o)));
  return {y};
}

Values embedding(Builder& b, const json& c, const Values& in) {
  int x = single(b, in);
  const Tensor& table = b.weight("embeddings", 2);
  if (b.integer(c, "input_dim", table.dim(0)) != table.dim(0) || b.integer(c, "output_dim", table.dim(1)) != table.dim(1))
    b.fail("'input_dim'/'output_dim' do not match the embeddings " + to_string(table.shape()));
  int ids = x;
  if (b.graph.values[static_cast<std::size_t>(x)].dtype != DType::i32) {
    Attrs at;
    at.set("to", std::string("int32"));
    ids = b.emit("cast", "ids", {x}, at, b.shape(x), DType::i32);
  }
  Shape out = b.shape(x);
  out.push_back(table.dim(1));
  Attrs at;
  at.set("axis", std::int64_t{0});
  at.set("batch_dims", std::int64_t{0});
  return {b.emit("gather", "gather", {b.weight_value("embeddings", 2), ids}, at, out)};
}

const std::map<std::string, Translate>& table() {
  static const std::map<std::string, Translate> t = {
      {"Activation", activation_layer},
      {"ActivityRegularization", identity_layer},
      {"Add", add_layer},
      {"AlphaDropout", identity_layer},
      {"Average", average_layer},
      {"AveragePooling1D", avg_pool1d},
      {"AveragePooling2D", avg_pool2d},
      {"AvgPool1D", avg_pool1d},
      {"AvgPool2D", avg_pool2d},
      {"BatchNormalization", batch_norm},
      {"Concatenate", concatenate_layer},
      {"Conv1D", conv1d},
      {"Conv2D", conv2d},
      {"Conv2DTranspose", conv2d_transpose},
      {"Convolution1D", conv1d},
      {"Convolution2D", conv2d},
      {"Cropping1D", cropping1d},
      {"Cropping2D", cropping2d},
      {"Dense", dense},
      {"DepthwiseConv2D", depthwise_conv2d},
      {"Dropout", identity_layer},
      {"ELU", elu_layer},
      {"Embedding", embedding},
      {"Flatten", flatten},
      {"GaussianDropout", identity_layer},
      {"GaussianNoise", identity_layer},
      {"GlobalAveragePooling1D", global_avg_pool1d},
      {"GlobalAveragePooling2D", global_avg_pool2d},
      {"GlobalAvgPool2D", global_avg_pool2d},
      {"GlobalMaxPooling1D", global_max_pool1d},
      {"GlobalMaxPooling2D", global_max_pool2d},
      {"GlobalMaxPool2D", global_max_pool2d},
      {"Identity", identity_layer},
      {"InputLayer", identity_layer},
      {"LeakyReLU", leaky_relu_layer},
      {"MaxPool1D", max_pool1d},
      {"MaxPool2D", max_pool2d},
      {"MaxPooling1D", max_pool1d},
      {"MaxPooling2D", max_pool2d},
      {"Maximum", maximum_layer},
      {"Minimum", minimum_layer},
      {"Multiply", multiply_layer},
      {"Permute", permute},
      {"PReLU", prelu_layer},
      {"ReLU", relu_layer},
      {"Rescaling", rescaling},
      {"Reshape", reshape},
      {"SeparableConv2D", separable_conv2d},
      {"Softmax", softmax_layer},
      {"SpatialDropout1D", identity_layer},
      {"SpatialDropout2D", identity_layer},
      {"SpatialDropout3D", identity_layer},
      {"Subtract", subtract_layer},
      {"UpSampling2D", upsampling2d},
      {"ZeroPadding1D", zero_padding1d},
      {"ZeroPadding2D", zero_padding2d},
  };
  return t;
}

}  // namespace

std::vector<int> translate_layer(Builder& b, const std::string& class_name, const json& config, const std::vector<int>& inputs) {
  auto it = table().find(class_name);
  if (it == table().end()) throw_unsupported_op("Layer class", class_name, "layer '" + b.layer_name() + "'", b.file);
  return it->second(b, config, inputs);
}

bool is_known_layer(const std::string& class_name) { return table().count(class_name) != 0; }

std::vector<std::string> layer_classes() {
  std::vector<std::string> out;
  for (const auto& [name, fn] : table()) out.push_back(name);
  return out;
}

}  // namespace easel::nn::tfjs_layers_import
