// TFLite builtin operators -> easel ops (src/nn/ops/README.md). TFLite's layouts differ
// from TF's in a few places, fixed here at import: CONV_2D filters are OHWI (-> HWIO),
// DEPTHWISE_CONV_2D filters [1,KH,KW,C*M] (-> [KH,KW,C,M], the same memory),
// FULLY_CONNECTED weights [N,K] (matmul with transpose_b) and TRANSPOSE_CONV filters
// [O,KH,KW,I] (-> [KH,KW,O,I]). Values TFLite passes as constant tensors (axes, perms,
// paddings, sizes) become attributes. Fused activations become the conv group's
// `activation` attribute, or a node of their own after other ops.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

#include "easel/error.h"
#include "nn/import/tflite_importer.h"

namespace easel::nn::tflite_import {
namespace {

using Ints = std::vector<std::int64_t>;

// ---- helpers ----

// A copy of `t` with its dimensions permuted (out dim d = in dim perm[d]); any dtype.
Tensor permute(const Tensor& t, const std::vector<int>& perm) {
  const int rank = t.rank();
  Shape out_shape(static_cast<std::size_t>(rank));
  for (int d = 0; d < rank; ++d) out_shape[static_cast<std::size_t>(d)] = t.dim(perm[static_cast<std::size_t>(d)]);
  Tensor out(t.dtype(), out_shape);
  const std::size_t elem = dtype_size(t.dtype());
  std::vector<std::int64_t> in_strides(static_cast<std::size_t>(rank), 1);
  for (int d = rank - 2; d >= 0; --d) in_strides[static_cast<std::size_t>(d)] = in_strides[static_cast<std::size_t>(d) + 1] * t.dim(d + 1);
  std::vector<std::int64_t> idx(static_cast<std::size_t>(rank), 0);
  const auto* src = static_cast<const std::uint8_t*>(t.raw());
  auto* dst = static_cast<std::uint8_t*>(out.raw());
  for (std::int64_t o = 0; o < out.size(); ++o) {
    std::int64_t offset = 0;
    for (int d = 0; d < rank; ++d)
      offset += idx[static_cast<std::size_t>(d)] * in_strides[static_cast<std::size_t>(perm[static_cast<std::size_t>(d)])];
    std::memcpy(dst + static_cast<std::size_t>(o) * elem, src + static_cast<std::size_t>(offset) * elem, elem);
    for (int d = rank - 1; d >= 0; --d) {  // odometer over the output index
      if (++idx[static_cast<std::size_t>(d)] < out_shape[static_cast<std::size_t>(d)]) break;
      idx[static_cast<std::size_t>(d)] = 0;
    }
  }
  return out;
}

int scalar_constant(Importer& im, const std::string& suffix, float v) {
  return im.add_constant(im.output_name(0) + "/" + suffix, Tensor::scalar<float>(v));
}

// Input `i` with its dimensions permuted: a constant is permuted now, anything else by
// a transpose node.
int permuted_input(Importer& im, int i, const std::vector<int>& perm, const std::string& suffix) {
  if (const Tensor* c = im.constant(i)) {
    if (c->rank() != static_cast<int>(perm.size()))
      im.fail("input " + std::to_string(i) + " has shape " + to_string(c->shape()) + ", not rank " + std::to_string(perm.size()));
    const int v = im.add_constant(im.output_name(0) + "/" + suffix, permute(*c, perm));
    im.graph().values[static_cast<std::size_t>(v)].quant = im.graph().values[static_cast<std::size_t>(im.input(i))].quant;  // the same grid
    return v;
  }
  Node& n = im.add_node("transpose", suffix, {im.input(i)});
  n.attrs.set("perm", Ints(perm.begin(), perm.end()));
  return n.outputs[0];
}

// Sets the conv group's `activation` attribute on node `node` (an index, as adding
// nodes invalidates references) and returns the op's final value, with a separate clip
// node for the activations that attribute cannot express.
int finish_activation(Importer& im, std::size_t node, fb::ActivationFunctionType act) {
  const char* name = Importer::activation_attr(act);
  Node& n = im.graph().nodes[node];
  n.attrs.set("activation", std::string(*name ? name : "none"));
  const int out = n.outputs[0];
  return *name ? out : im.apply_activation(out, act);
}

void set_padding(Node& n, fb::Padding padding) {
  if (padding != fb::Padding_SAME && padding != fb::Padding_VALID) return;  // left unset: the kernel names it
  n.attrs.set("padding", std::string(padding == fb::Padding_SAME ? "SAME" : "VALID"));
}

// The bias of a conv / fully-connected op (input i, for input x_i and weights w_i), as
// float32. An int32 bias normally carries its own scale (input_scale * weight_scale, per
// channel) and is dequantized like every constant; one without quantization parameters
// gets that product, which is what TFLite's integer kernels use.
int bias_input(Importer& im, int i, int x_i, int w_i) {
  if (!im.has_input(i)) return -1;
  const Quantization& xq = im.input_quantization(x_i);
  const Quantization& wq = im.input_quantization(w_i);
  const Tensor* b = im.constant(i);
  if (b && b->dtype() == DType::i32 && !im.input_quantization(i).quantized() && xq.quantized() && wq.quantized()) {
    Tensor f(DType::f32, b->shape());
    for (std::int64_t c = 0; c < b->size(); ++c) {
      const double ws = wq.scale[wq.scale.size() == 1 ? 0 : static_cast<std::size_t>(c) % wq.scale.size()];
      f.data<float>()[c] = static_cast<float>(b->data<std::int32_t>()[c] * static_cast<double>(xq.scale[0]) * ws);
    }
    return im.add_constant(im.output_name(0) + "/bias", f);
  }
  return im.input(i);
}

std::int64_t channels_of(Importer& im, int i) {
  const Shape s = im.input_shape(i);
  if (s.size() != 4 || s[3] <= 0) im.fail("input " + std::to_string(i) + " has shape " + to_string(s) + ", not [N,H,W,C] with C known");
  return s[3];
}

// ---- translations ----

void conv_2d(Importer& im, const char*) {
  const auto* o = im.options<fb::Conv2DOptions>();
  if (!o) im.fail("it has no Conv2DOptions");
  const Shape fs = im.input_shape(1), xs = im.input_shape(0);
  if (fs.size() != 4 || fs[3] <= 0) im.fail("its filter has shape " + to_string(fs) + ", not [O,KH,KW,I]");
  // A filter with fewer input channels than the input makes a grouped convolution (TF 2.9+).
  const std::int64_t c = xs.size() == 4 && xs[3] > 0 ? xs[3] : fs[3];
  if (c % fs[3] != 0) im.fail("its filter has " + std::to_string(fs[3]) + " input channels for an input of " + std::to_string(c));
  const int x = im.input(0), filter = permuted_input(im, 1, {1, 2, 3, 0}, "filter_hwio"), bias = bias_input(im, 2, 0, 1);
  Node& n = im.add_node("conv2d", "", bias >= 0 ? std::vector<int>{x, filter, bias} : std::vector<int>{x, filter});
  n.attrs.set("strides", Ints{o->stride_h(), o->stride_w()});
  n.attrs.set("dilations", Ints{o->dilation_h_factor(), o->dilation_w_factor()});
  set_padding(n, o->padding());
  if (c != fs[3]) n.attrs.set("groups", c / fs[3]);
  im.set_output(0, finish_activation(im, im.graph().nodes.size() - 1, o->fused_activation_function()));
}

void depthwise_conv_2d(Importer& im, const char*) {
  const auto* o = im.options<fb::DepthwiseConv2DOptions>();
  if (!o) im.fail("it has no DepthwiseConv2DOptions");
  const Shape fs = im.input_shape(1);
  const std::int64_t c = channels_of(im, 0);
  // [1,KH,KW,C*M] holds channel c, multiplier m at c*M+m: [KH,KW,C,M] is the same memory.
  if (fs.size() != 4 || fs[0] != 1 || fs[3] <= 0 || fs[3] % c != 0)
    im.fail("its filter has shape " + to_string(fs) + ", not [1,KH,KW,C*M] for an input of " + std::to_string(c) + " channels");
  const Shape tf_shape{fs[1], fs[2], c, fs[3] / c};
  int filter;
  if (const Tensor* f = im.constant(1)) {
    filter = im.add_constant(im.output_name(0) + "/filter", f->reshaped(tf_shape));
    im.graph().values[static_cast<std::size_t>(filter)].quant = im.graph().values[static_cast<std::size_t>(im.input(1))].quant;
  } else {
    Node& r = im.add_node("reshape", "filter", {im.input(1)});
    r.attrs.set("shape", Ints(tf_shape.begin(), tf_shape.end()));
    filter = r.outputs[0];
  }
  const int x = im.input(0), bias = bias_input(im, 2, 0, 1);
  Node& n = im.add_node("depthwise_conv2d", "", bias >= 0 ? std::vector<int>{x, filter, bias} : std::vector<int>{x, filter});
  n.attrs.set("strides", Ints{o->stride_h(), o->stride_w()});
  n.attrs.set("dilations", Ints{o->dilation_h_factor(), o->dilation_w_factor()});
  set_padding(n, o->padding());
  im.set_output(0, finish_activation(im, im.graph().nodes.size() - 1, o->fused_activation_function()));
}

void transpose_conv(Importer& im, const char*) {
  const auto* o = im.options<fb::TransposeConvOptions>();
  if (!o) im.fail("it has no TransposeConvOptions");
  const Ints output_shape = im.ints(0, "output shape");
  if (output_shape.size() != 4) im.fail("its output shape has " + std::to_string(output_shape.size()) + " values, not 4");
  // Inputs: output_shape, filter [O,KH,KW,I], x, bias? (version 3+).
  const int filter = permuted_input(im, 1, {1, 2, 0, 3}, "filter");
  const int x = im.input(2);
  const int bias = bias_input(im, 3, 2, 1);
  Node& n = im.add_node("conv2d_transpose", "", bias >= 0 ? std::vector<int>{x, filter, bias} : std::vector<int>{x, filter});
  n.attrs.set("strides", Ints{o->stride_h(), o->stride_w()});
  set_padding(n, o->padding());
  n.attrs.set("output_shape", output_shape);
  im.set_output(0, finish_activation(im, im.graph().nodes.size() - 1, o->fused_activation_function()));
}

void fully_connected(Importer& im, const char*) {
  const auto* o = im.options<fb::FullyConnectedOptions>();
  const auto act = o ? o->fused_activation_function() : fb::ActivationFunctionType_NONE;
  if (o && o->weights_format() != fb::FullyConnectedOptionsWeightsFormat_DEFAULT)
    im.unsupported("shuffled weights (weights_format " + std::to_string(static_cast<int>(o->weights_format())) + ") are not supported");
  const Shape ws = im.input_shape(1), xs = im.input_shape(0);
  if (ws.size() != 2 || ws[1] <= 0) im.fail("its weights have shape " + to_string(ws) + ", not [N,K]");
  const std::int64_t k = ws[1], n_out = ws[0];
  // TFLite flattens the input to [size/K, K] whatever its rank.
  int x = im.input(0);
  if (xs.size() != 2 || xs[1] != k) {
    Node& r = im.add_node("reshape", "flatten", {x});
    r.attrs.set("shape", Ints{-1, k});
    x = r.outputs[0];
  }
  const int w = im.input(1), bias = bias_input(im, 2, 0, 1);
  Node& n = im.add_node("matmul", "", bias >= 0 ? std::vector<int>{x, w, bias} : std::vector<int>{x, w});
  n.attrs.set("transpose_b", true);
  int out = finish_activation(im, im.graph().nodes.size() - 1, act);
  if (o && o->keep_num_dims() && xs.size() != 2) {
    Ints shape(xs.begin(), xs.end());
    shape.back() = n_out;
    Node& r = im.add_node("reshape", "keep_num_dims", {out});
    r.attrs.set("shape", shape);
    out = r.outputs[0];
  }
  im.set_output(0, out);
}

void batch_matmul(Importer& im, const char*) {
  const auto* o = im.options<fb::BatchMatMulOptions>();
  Node& n = im.add_node("matmul", "", {im.input(0), im.input(1)});
  n.attrs.set("transpose_a", o && o->adj_x());
  n.attrs.set("transpose_b", o && o->adj_y());
  im.set_output(0, n.outputs[0]);
}

void pool_2d(Importer& im, const char* easel_op) {
  const auto* o = im.options<fb::Pool2DOptions>();
  if (!o) im.fail("it has no Pool2DOptions");
  const auto act = o->fused_activation_function();
  Node& n = im.add_node(easel_op, act == fb::ActivationFunctionType_NONE ? "" : easel_op, {im.input(0)});
  n.attrs.set("ksize", Ints{o->filter_height(), o->filter_width()});
  n.attrs.set("strides", Ints{o->stride_h(), o->stride_w()});
  set_padding(n, o->padding());
  const int out = n.outputs[0];
  im.set_output(0, im.apply_activation(out, act));
}

template <class Options>
fb::ActivationFunctionType fused_activation(const Importer& im) {
  const Options* o = im.options<Options>();
  return o ? o->fused_activation_function() : fb::ActivationFunctionType_NONE;
}

// ADD, SUB, MUL, DIV: the op, then its fused activation as a node.
template <class Options>
void arithmetic(Importer& im, const char* easel_op) {
  const auto act = fused_activation<Options>(im);
  const int a = im.input(0), b = im.input(1);
  const int out = im.add_node(easel_op, act == fb::ActivationFunctionType_NONE ? "" : easel_op, {a, b}).outputs[0];
  im.set_output(0, im.apply_activation(out, act));
}

void unary(Importer& im, const char* easel_op) { im.set_output(0, im.add_node(easel_op, "", {im.input(0)}).outputs[0]); }

void binary(Importer& im, const char* easel_op) {
  const int a = im.input(0), b = im.input(1);
  im.set_output(0, im.add_node(easel_op, "", {a, b}).outputs[0]);
}

void variadic(Importer& im, const char* easel_op) {
  std::vector<int> inputs;
  for (int i = 0; i < im.num_inputs(); ++i) inputs.push_back(im.input(i));
  im.set_output(0, im.add_node(easel_op, "", inputs).outputs[0]);
}

void clip(Importer& im, double lo, double hi) {
  Node& n = im.add_node("clip", "", {im.input(0)});
  n.attrs.set("min", lo);
  n.attrs.set("max", hi);
  im.set_output(0, n.outputs[0]);
}
void relu_n1_to_1(Importer& im, const char*) { clip(im, -1.0, 1.0); }
void relu_0_to_1(Importer& im, const char*) { clip(im, 0.0, 1.0); }

void leaky_relu(Importer& im, const char*) {
  const auto* o = im.options<fb::LeakyReluOptions>();
  Node& n = im.add_node("leaky_relu", "", {im.input(0)});
  n.attrs.set("alpha", static_cast<double>(o ? o->alpha() : 0.0f));
  im.set_output(0, n.outputs[0]);
}

// gelu(x) = x/2 (1 + erf(x/sqrt 2)); approximate: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
void gelu(Importer& im, const char*) {
  const auto* o = im.options<fb::GeluOptions>();
  const int x = im.input(0);
  int inner;
  std::string fn;
  if (o && o->approximate()) {
    const int x2 = im.add_node("mul", "x2", {x, x}).outputs[0];
    const int x3 = im.add_node("mul", "x3", {x2, x}).outputs[0];
    const int cx3 = im.add_node("mul", "cx3", {x3, scalar_constant(im, "c", 0.044715f)}).outputs[0];
    const int sum = im.add_node("add", "sum", {x, cx3}).outputs[0];
    inner = im.add_node("mul", "scaled", {sum, scalar_constant(im, "k", static_cast<float>(std::sqrt(2.0 / std::numbers::pi)))}).outputs[0];
    fn = "tanh";
  } else {
    inner = im.add_node("mul", "scaled", {x, scalar_constant(im, "k", static_cast<float>(1.0 / std::numbers::sqrt2))}).outputs[0];
    fn = "erf";
  }
  const int f = im.add_node(fn, fn, {inner}).outputs[0];
  const int half_f = im.add_node("mul", "half", {f, scalar_constant(im, "half", 0.5f)}).outputs[0];
  const int gate = im.add_node("add", "gate", {half_f, scalar_constant(im, "half_bias", 0.5f)}).outputs[0];
  im.set_output(0, im.add_node("mul", "", {x, gate}).outputs[0]);
}

// y = x / max(sqrt(sum(x^2, last axis)), 1e-6), as TFLite's reference kernel.
void l2_normalization(Importer& im, const char*) {
  const int x = im.input(0);
  const int sq = im.add_node("square", "square", {x}).outputs[0];
  Node& s = im.add_node("sum", "sum", {sq});
  s.attrs.set("axes", Ints{-1});
  s.attrs.set("keep_dims", true);
  const int sum = s.outputs[0];
  const int norm = im.add_node("sqrt", "norm", {sum}).outputs[0];
  const int clamped = im.add_node("maximum", "clamped", {norm, scalar_constant(im, "epsilon", 1e-6f)}).outputs[0];
  im.set_output(0, im.add_node("div", "", {x, clamped}).outputs[0]);
}

void softmax(Importer& im, const char* easel_op) {
  const auto* o = im.options<fb::SoftmaxOptions>();
  const float beta = o ? o->beta() : 1.0f;
  int x = im.input(0);
  if (beta != 1.0f) x = im.add_node("mul", "beta", {x, scalar_constant(im, "beta_value", beta)}).outputs[0];
  Node& n = im.add_node(easel_op, "", {x});
  n.attrs.set("axis", std::int64_t{-1});
  im.set_output(0, n.outputs[0]);
}

void log_softmax(Importer& im, const char*) {
  Node& n = im.add_node("log_softmax", "", {im.input(0)});
  n.attrs.set("axis", std::int64_t{-1});
  im.set_output(0, n.outputs[0]);
}

void prelu(Importer& im, const char*) { binary(im, "prelu"); }

void concatenation(Importer& im, const char*) {
  const auto* o = im.options<fb::ConcatenationOptions>();
  if (!o) im.fail("it has no ConcatenationOptions");
  std::vector<int> inputs;
  for (int i = 0; i < im.num_inputs(); ++i) inputs.push_back(im.input(i));
  const auto act = o->fused_activation_function();
  Node& n = im.add_node("concat", act == fb::ActivationFunctionType_NONE ? "" : "concat", inputs);
  n.attrs.set("axis", static_cast<std::int64_t>(o->axis()));
  const int out = n.outputs[0];
  im.set_output(0, im.apply_activation(out, act));
}

void reshape(Importer& im, const char*) {
  const int x = im.input(0);
  Ints shape;
  if (im.has_input(1)) {
    if (!im.constant(1)) {  // computed at run time (folded by the interpreter when it can)
      im.set_output(0, im.add_node("reshape", "", {x, im.input(1)}).outputs[0]);
      return;
    }
    shape = im.ints(1, "shape");
  } else if (const auto* o = im.options<fb::ReshapeOptions>(); o && o->new_shape()) {
    shape.assign(o->new_shape()->begin(), o->new_shape()->end());
  } else {
    const Shape s = im.output_shape(0);
    shape.assign(s.begin(), s.end());
  }
  Node& n = im.add_node("reshape", "", {x});
  n.attrs.set("shape", shape);
  im.set_output(0, n.outputs[0]);
}

void squeeze(Importer& im, const char*) {
  const auto* o = im.options<fb::SqueezeOptions>();
  Node& n = im.add_node("squeeze", "", {im.input(0)});
  Ints axes;
  if (o && o->squeeze_dims()) axes.assign(o->squeeze_dims()->begin(), o->squeeze_dims()->end());
  n.attrs.set("axes", axes);
  im.set_output(0, n.outputs[0]);
}

void expand_dims(Importer& im, const char*) {
  Node& n = im.add_node("expand_dims", "", {im.input(0)});
  n.attrs.set("axis", im.int_scalar(1, "axis"));
  im.set_output(0, n.outputs[0]);
}

void transpose(Importer& im, const char*) {
  Node& n = im.add_node("transpose", "", {im.input(0)});
  n.attrs.set("perm", im.ints(1, "permutation"));
  im.set_output(0, n.outputs[0]);
}

void pad(Importer& im, const char* mode) {
  const Ints paddings = im.ints(1, "paddings");
  const Shape xs = im.input_shape(0);
  if (paddings.size() != 2 * xs.size())
    im.fail("its paddings have " + std::to_string(paddings.size()) + " values for an input of rank " + std::to_string(xs.size()));
  double value = 0.0;  // a quantized PAD pads with the zero point, i.e. real 0
  if (std::string(mode) == "constant" && im.has_input(2)) value = im.scalar(2, "constant value");
  std::string m = mode;
  if (m == "mirror") {
    const auto* o = im.options<fb::MirrorPadOptions>();
    m = o && o->mode() == fb::MirrorPadMode_SYMMETRIC ? "symmetric" : "reflect";
  }
  Node& n = im.add_node("pad", "", {im.input(0)});
  n.attrs.set("paddings", paddings);
  n.attrs.set("mode", m);
  n.attrs.set("constant_value", value);
  im.set_output(0, n.outputs[0]);
}

void reduce(Importer& im, const char* easel_op) {
  const auto* o = im.options<fb::ReducerOptions>();
  Node& n = im.add_node(easel_op, "", {im.input(0)});
  n.attrs.set("axes", im.ints(1, "axes"));
  n.attrs.set("keep_dims", o && o->keep_dims());
  im.set_output(0, n.outputs[0]);
}

// TFLite's arg ops, SHAPE and friends may produce int64 where easel's produce int32.
int cast_to_output_type(Importer& im, int value) {
  const fb::TensorType t = im.output_tensor(0).type();
  if (t != fb::TensorType_INT64) return value;
  Node& c = im.add_node("cast", "to_int64", {value});
  c.attrs.set("to", std::string("int64"));
  return c.outputs[0];
}

void arg_reduce(Importer& im, const char* easel_op) {
  const Ints axis = im.ints(1, "axis");
  if (axis.size() != 1) im.fail("its axis has " + std::to_string(axis.size()) + " values, not 1");
  const bool wide = im.output_tensor(0).type() == fb::TensorType_INT64;
  Node& n = im.add_node(easel_op, wide ? easel_op : "", {im.input(0)});
  n.attrs.set("axis", axis[0]);
  const int out = n.outputs[0];
  im.set_output(0, cast_to_output_type(im, out));
}

void shape(Importer& im, const char*) {
  const bool wide = im.output_tensor(0).type() == fb::TensorType_INT64;
  const int out = im.add_node("shape", wide ? "shape" : "", {im.input(0)}).outputs[0];
  im.set_output(0, cast_to_output_type(im, out));
}

void strided_slice(Importer& im, const char*) {
  const auto* o = im.options<fb::StridedSliceOptions>();
  const Ints begin = im.ints(1, "begin");
  Ints end = im.ints(2, "end");
  const Ints strides = im.has_input(3) ? im.ints(3, "strides") : Ints(begin.size(), 1);
  if (end.size() != begin.size() || strides.size() != begin.size()) im.fail("its begin, end and strides differ in length");
  if (o && o->offset())  // end is relative to begin; a sum past int64 means "to the end"
    for (std::size_t d = 0; d < end.size(); ++d)
      if (__builtin_add_overflow(end[d], begin[d], &end[d]))
        end[d] = begin[d] > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
  Node& n = im.add_node("strided_slice", "", {im.input(0)});
  n.attrs.set("begin", begin);
  n.attrs.set("end", end);
  n.attrs.set("strides", strides);
  n.attrs.set("begin_mask", static_cast<std::int64_t>(o ? o->begin_mask() : 0));
  n.attrs.set("end_mask", static_cast<std::int64_t>(o ? o->end_mask() : 0));
  n.attrs.set("ellipsis_mask", static_cast<std::int64_t>(o ? o->ellipsis_mask() : 0));
  n.attrs.set("new_axis_mask", static_cast<std::int64_t>(o ? o->new_axis_mask() : 0));
  n.attrs.set("shrink_axis_mask", static_cast<std::int64_t>(o ? o->shrink_axis_mask() : 0));
  im.set_output(0, n.outputs[0]);
}

void slice(Importer& im, const char*) {
  Node& n = im.add_node("slice", "", {im.input(0)});
  n.attrs.set("begin", im.ints(1, "begin"));
  n.attrs.set("size", im.ints(2, "size"));
  im.set_output(0, n.outputs[0]);
}

void tile(Importer& im, const char*) {
  Node& n = im.add_node("tile", "", {im.input(0)});
  n.attrs.set("multiples", im.ints(1, "multiples"));
  im.set_output(0, n.outputs[0]);
}

template <class Options>
void resize(Importer& im, const char* easel_op) {
  const Ints size = im.ints(1, "size");
  if (size.size() != 2) im.fail("its size has " + std::to_string(size.size()) + " values, not 2");
  const auto* o = im.options<Options>();
  Node& n = im.add_node(easel_op, "", {im.input(0)});
  n.attrs.set("size", size);
  n.attrs.set("align_corners", o && o->align_corners());
  n.attrs.set("half_pixel_centers", o && o->half_pixel_centers());
  im.set_output(0, n.outputs[0]);
}

// In the float path quantized activations already hold real values: (de)quantizing
// between them is the identity. Constants were dequantized (or widened from float16) at
// import, and the graph's quantized inputs and outputs convert at the graph's edges.
void pass_through(Importer& im, const char*) {
  const fb::Tensor& in = im.input_tensor(0);
  const fb::TensorType t = in.type();
  const bool integer_in = t == fb::TensorType_UINT8 || t == fb::TensorType_INT8 || t == fb::TensorType_INT16 || t == fb::TensorType_INT32;
  if (integer_in && !im.input_quantization(0).quantized()) im.unsupported("its input has no quantization parameters");
  im.set_output(0, im.input(0));
}

const char* dtype_name(fb::TensorType t) {
  switch (t) {
    case fb::TensorType_FLOAT32:
    case fb::TensorType_FLOAT16:
      return "float32";  // float16 activations run as float32
    case fb::TensorType_INT32:
      return "int32";
    case fb::TensorType_INT64:
      return "int64";
    case fb::TensorType_UINT8:
      return "uint8";
    case fb::TensorType_INT8:
      return "int8";
    case fb::TensorType_BOOL:
      return "bool";
    default:
      return "";
  }
}

void cast(Importer& im, const char*) {
  // CAST converts stored integers, not real values: a quantized side has no float-path meaning.
  const fb::QuantizationParameters* out_q = im.output_tensor(0).quantization();
  if (im.input_quantization(0).quantized() || (out_q && out_q->scale() && out_q->scale()->size()))
    im.unsupported("casting quantized tensors is not supported");
  const char* to = dtype_name(im.output_tensor(0).type());
  if (!*to) im.unsupported("casting to this output type is not supported");
  Node& n = im.add_node("cast", "", {im.input(0)});
  n.attrs.set("to", std::string(to));
  im.set_output(0, n.outputs[0]);
}

void gather(Importer& im, const char*) {
  const auto* o = im.options<fb::GatherOptions>();
  const int params = im.input(0), indices = im.input(1);
  Node& n = im.add_node("gather", "", {params, indices});
  n.attrs.set("axis", static_cast<std::int64_t>(o ? o->axis() : 0));
  n.attrs.set("batch_dims", static_cast<std::int64_t>(o ? o->batch_dims() : 0));
  im.set_output(0, n.outputs[0]);
}

void bind_outputs(Importer& im, const Node& n) {
  const std::vector<int> outs = n.outputs;  // copy: set_output does not add nodes, but be safe
  for (std::size_t k = 0; k < outs.size(); ++k) im.set_output(static_cast<int>(k), outs[k]);
}

std::int64_t normalize_axis(Importer& im, std::int64_t axis, std::size_t rank) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r) im.fail("its axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

void split(Importer& im, const char*) {
  // Inputs: axis, x. Equal parts, one per output.
  const Shape xs = im.input_shape(1);
  const std::int64_t axis = normalize_axis(im, im.int_scalar(0, "axis"), xs.size());
  const int parts = im.num_outputs();
  const std::int64_t dim = xs[static_cast<std::size_t>(axis)];
  if (dim < 0 || dim % parts != 0)
    im.fail("dimension " + std::to_string(dim) + " does not split into " + std::to_string(parts) + " equal parts");
  Node& n = im.add_node("split", "", {im.input(1)}, parts);
  n.attrs.set("axis", axis);
  n.attrs.set("sizes", Ints(static_cast<std::size_t>(parts), dim / parts));
  bind_outputs(im, n);
}

void split_v(Importer& im, const char*) {
  // Inputs: x, size_splits, axis.
  const Ints sizes = im.ints(1, "size splits");
  if (static_cast<int>(sizes.size()) != im.num_outputs())
    im.fail("it has " + std::to_string(sizes.size()) + " sizes for " + std::to_string(im.num_outputs()) + " outputs");
  Node& n = im.add_node("split", "", {im.input(0)}, im.num_outputs());
  n.attrs.set("axis", im.int_scalar(2, "axis"));
  n.attrs.set("sizes", sizes);
  bind_outputs(im, n);
}

void pack(Importer& im, const char*) {
  const auto* o = im.options<fb::PackOptions>();
  std::vector<int> inputs;
  for (int i = 0; i < im.num_inputs(); ++i) inputs.push_back(im.input(i));
  Node& n = im.add_node("pack", "", inputs);
  n.attrs.set("axis", static_cast<std::int64_t>(o ? o->axis() : 0));
  im.set_output(0, n.outputs[0]);
}

void unpack(Importer& im, const char*) {
  const auto* o = im.options<fb::UnpackOptions>();
  Node& n = im.add_node("unpack", "", {im.input(0)}, im.num_outputs());
  n.attrs.set("axis", static_cast<std::int64_t>(o ? o->axis() : 0));
  bind_outputs(im, n);
}

void top_k(Importer& im, const char*) {
  Node& n = im.add_node("top_k", "", {im.input(0)}, 2);
  n.attrs.set("k", im.int_scalar(1, "k"));
  n.attrs.set("sorted", true);
  bind_outputs(im, n);
}

void one_hot(Importer& im, const char*) {
  const auto* o = im.options<fb::OneHotOptions>();
  Node& n = im.add_node("one_hot", "", {im.input(0)});
  n.attrs.set("depth", im.int_scalar(1, "depth"));
  n.attrs.set("on_value", im.scalar(2, "on value"));
  n.attrs.set("off_value", im.scalar(3, "off value"));
  n.attrs.set("axis", static_cast<std::int64_t>(o ? o->axis() : -1));
  im.set_output(0, n.outputs[0]);
}

void select(Importer& im, const char*) {
  const int c = im.input(0), a = im.input(1), b = im.input(2);
  im.set_output(0, im.add_node("select", "", {c, a, b}).outputs[0]);
}

// DEPTH_TO_SPACE / SPACE_TO_DEPTH (NHWC, TF's DCR order) as reshape, transpose, reshape.
void depth_space(Importer& im, bool to_space) {
  std::int64_t b = 0;
  if (to_space) {
    const auto* o = im.options<fb::DepthToSpaceOptions>();
    b = o ? o->block_size() : 0;
  } else {
    const auto* o = im.options<fb::SpaceToDepthOptions>();
    b = o ? o->block_size() : 0;
  }
  const Shape s = im.input_shape(0);
  if (b <= 0 || s.size() != 4 || std::any_of(s.begin(), s.end(), [](std::int64_t d) { return d < 0; }))
    im.fail("it needs a positive block size and an input of known shape [N,H,W,C], got " + to_string(s));
  const std::int64_t n = s[0], h = s[1], w = s[2], c = s[3];
  Ints split_shape, final_shape;
  if (to_space) {
    if (c % (b * b)) im.fail("its channels " + std::to_string(c) + " do not divide by block size squared");
    split_shape = {n, h, w, b, b, c / (b * b)};
    final_shape = {n, h * b, w * b, c / (b * b)};
  } else {
    if (h % b || w % b) im.fail("its height and width do not divide by the block size");
    split_shape = {n, h / b, b, w / b, b, c};
    final_shape = {n, h / b, w / b, b * b * c};
  }
  Node& r1 = im.add_node("reshape", "blocks", {im.input(0)});
  r1.attrs.set("shape", split_shape);
  const int v1 = r1.outputs[0];
  Node& t = im.add_node("transpose", "order", {v1});
  t.attrs.set("perm", Ints{0, 1, 3, 2, 4, 5});
  const int v2 = t.outputs[0];
  Node& r2 = im.add_node("reshape", "", {v2});
  r2.attrs.set("shape", final_shape);
  im.set_output(0, r2.outputs[0]);
}
void depth_to_space(Importer& im, const char*) { depth_space(im, true); }
void space_to_depth(Importer& im, const char*) { depth_space(im, false); }

// ---- the table ----

const Translation kTranslations[] = {
    {fb::BuiltinOperator_CONV_2D, &conv_2d, "conv2d"},
    {fb::BuiltinOperator_DEPTHWISE_CONV_2D, &depthwise_conv_2d, "depthwise_conv2d"},
    {fb::BuiltinOperator_TRANSPOSE_CONV, &transpose_conv, "conv2d_transpose"},
    {fb::BuiltinOperator_FULLY_CONNECTED, &fully_connected, "matmul"},
    {fb::BuiltinOperator_BATCH_MATMUL, &batch_matmul, "matmul"},
    {fb::BuiltinOperator_AVERAGE_POOL_2D, &pool_2d, "avg_pool"},
    {fb::BuiltinOperator_MAX_POOL_2D, &pool_2d, "max_pool"},
    {fb::BuiltinOperator_ADD, &arithmetic<fb::AddOptions>, "add"},
    {fb::BuiltinOperator_SUB, &arithmetic<fb::SubOptions>, "sub"},
    {fb::BuiltinOperator_MUL, &arithmetic<fb::MulOptions>, "mul"},
    {fb::BuiltinOperator_DIV, &arithmetic<fb::DivOptions>, "div"},
    {fb::BuiltinOperator_MAXIMUM, &binary, "maximum"},
    {fb::BuiltinOperator_MINIMUM, &binary, "minimum"},
    {fb::BuiltinOperator_POW, &binary, "pow"},
    {fb::BuiltinOperator_SQUARED_DIFFERENCE, &binary, "squared_difference"},
    {fb::BuiltinOperator_FLOOR_DIV, &binary, "floor_div"},
    {fb::BuiltinOperator_FLOOR_MOD, &binary, "floor_mod"},
    {fb::BuiltinOperator_EQUAL, &binary, "equal"},
    {fb::BuiltinOperator_NOT_EQUAL, &binary, "not_equal"},
    {fb::BuiltinOperator_LESS, &binary, "less"},
    {fb::BuiltinOperator_LESS_EQUAL, &binary, "less_equal"},
    {fb::BuiltinOperator_GREATER, &binary, "greater"},
    {fb::BuiltinOperator_GREATER_EQUAL, &binary, "greater_equal"},
    {fb::BuiltinOperator_LOGICAL_AND, &binary, "logical_and"},
    {fb::BuiltinOperator_LOGICAL_OR, &binary, "logical_or"},
    {fb::BuiltinOperator_PRELU, &prelu, "prelu"},
    {fb::BuiltinOperator_ADD_N, &variadic, "add_n"},
    {fb::BuiltinOperator_LOGISTIC, &unary, "sigmoid"},
    {fb::BuiltinOperator_TANH, &unary, "tanh"},
    {fb::BuiltinOperator_RELU, &unary, "relu"},
    {fb::BuiltinOperator_RELU6, &unary, "relu6"},
    {fb::BuiltinOperator_RELU_N1_TO_1, &relu_n1_to_1, "clip"},
    {fb::BuiltinOperator_RELU_0_TO_1, &relu_0_to_1, "clip"},
    {fb::BuiltinOperator_ELU, &unary, "elu"},
    {fb::BuiltinOperator_HARD_SWISH, &unary, "hard_swish"},
    {fb::BuiltinOperator_LEAKY_RELU, &leaky_relu, "leaky_relu"},
    {fb::BuiltinOperator_GELU, &gelu, "erf"},
    {fb::BuiltinOperator_EXP, &unary, "exp"},
    {fb::BuiltinOperator_LOG, &unary, "log"},
    {fb::BuiltinOperator_SQRT, &unary, "sqrt"},
    {fb::BuiltinOperator_RSQRT, &unary, "rsqrt"},
    {fb::BuiltinOperator_SQUARE, &unary, "square"},
    {fb::BuiltinOperator_ABS, &unary, "abs"},
    {fb::BuiltinOperator_NEG, &unary, "neg"},
    {fb::BuiltinOperator_FLOOR, &unary, "floor"},
    {fb::BuiltinOperator_CEIL, &unary, "ceil"},
    {fb::BuiltinOperator_ROUND, &unary, "round"},  // half to even in both
    {fb::BuiltinOperator_SIN, &unary, "sin"},
    {fb::BuiltinOperator_COS, &unary, "cos"},
    {fb::BuiltinOperator_SIGN, &unary, "sign"},
    {fb::BuiltinOperator_LOGICAL_NOT, &unary, "logical_not"},
    {fb::BuiltinOperator_L2_NORMALIZATION, &l2_normalization, "div"},
    {fb::BuiltinOperator_SOFTMAX, &softmax, "softmax"},
    {fb::BuiltinOperator_LOG_SOFTMAX, &log_softmax, "log_softmax"},
    {fb::BuiltinOperator_CONCATENATION, &concatenation, "concat"},
    {fb::BuiltinOperator_RESHAPE, &reshape, "reshape"},
    {fb::BuiltinOperator_SQUEEZE, &squeeze, "squeeze"},
    {fb::BuiltinOperator_EXPAND_DIMS, &expand_dims, "expand_dims"},
    {fb::BuiltinOperator_TRANSPOSE, &transpose, "transpose"},
    {fb::BuiltinOperator_PAD, &pad, "constant"},
    {fb::BuiltinOperator_PADV2, &pad, "constant"},
    {fb::BuiltinOperator_MIRROR_PAD, &pad, "mirror"},
    {fb::BuiltinOperator_MEAN, &reduce, "mean"},
    {fb::BuiltinOperator_SUM, &reduce, "sum"},
    {fb::BuiltinOperator_REDUCE_MAX, &reduce, "max"},
    {fb::BuiltinOperator_REDUCE_MIN, &reduce, "min"},
    {fb::BuiltinOperator_REDUCE_PROD, &reduce, "prod"},
    {fb::BuiltinOperator_REDUCE_ANY, &reduce, "any"},
    {fb::BuiltinOperator_REDUCE_ALL, &reduce, "all"},
    {fb::BuiltinOperator_ARG_MAX, &arg_reduce, "argmax"},
    {fb::BuiltinOperator_ARG_MIN, &arg_reduce, "argmin"},
    {fb::BuiltinOperator_SHAPE, &shape, "shape"},
    {fb::BuiltinOperator_STRIDED_SLICE, &strided_slice, "strided_slice"},
    {fb::BuiltinOperator_SLICE, &slice, "slice"},
    {fb::BuiltinOperator_TILE, &tile, "tile"},
    {fb::BuiltinOperator_RESIZE_BILINEAR, &resize<fb::ResizeBilinearOptions>, "resize_bilinear"},
    {fb::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR, &resize<fb::ResizeNearestNeighborOptions>, "resize_nearest"},
    {fb::BuiltinOperator_DEQUANTIZE, &pass_through, "identity"},
    {fb::BuiltinOperator_QUANTIZE, &pass_through, "identity"},
    {fb::BuiltinOperator_CAST, &cast, "cast"},
    {fb::BuiltinOperator_GATHER, &gather, "gather"},
    {fb::BuiltinOperator_GATHER_ND, &binary, "gather_nd"},
    {fb::BuiltinOperator_SPLIT, &split, "split"},
    {fb::BuiltinOperator_SPLIT_V, &split_v, "split"},
    {fb::BuiltinOperator_PACK, &pack, "pack"},
    {fb::BuiltinOperator_UNPACK, &unpack, "unpack"},
    {fb::BuiltinOperator_TOPK_V2, &top_k, "top_k"},
    {fb::BuiltinOperator_ONE_HOT, &one_hot, "one_hot"},
    {fb::BuiltinOperator_SELECT, &select, "select"},
    {fb::BuiltinOperator_SELECT_V2, &select, "select"},
    {fb::BuiltinOperator_FILL, &binary, "fill"},
    {fb::BuiltinOperator_RANGE, &variadic, "range"},
    {fb::BuiltinOperator_SPARSE_TO_DENSE, &variadic, "sparse_to_dense"},
    {fb::BuiltinOperator_DEPTH_TO_SPACE, &depth_to_space, "transpose"},
    {fb::BuiltinOperator_SPACE_TO_DEPTH, &space_to_depth, "transpose"},
};

}  // namespace

const Translation* find_translation(int builtin_code) {
  for (const Translation& t : kTranslations)
    if (t.builtin_code == builtin_code) return &t;
  return nullptr;
}

std::vector<std::string> translated_ops() {
  std::vector<std::string> names;
  for (const Translation& t : kTranslations) names.push_back(fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(t.builtin_code)));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace easel::nn::tflite_import
