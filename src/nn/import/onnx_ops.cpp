// ONNX ops -> easel ops (src/nn/ops/README.md), one translation per op, looked up by name
// (kTranslations below; `easel ops` lists the same table). Each reads the node through the
// Importer (onnx_importer.h), keeping values NHWC where the op allows: convolution filters
// OIHW become HWIO (or easel's depthwise [KH,KW,C,M]), axes and constants are mapped.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "easel/error.h"
#include "nn/import/onnx_importer.h"

namespace easel::nn::onnx_import {
namespace {

// Ops that map one to one (the elementwise ones) share this: one easel node, the input's
// layout kept.
void unary(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* easel_op) {
  const Slot x = im.in(n, 0);
  Node& node = im.graph().add_node(easel_op, name, {x.id});
  im.out(n, node.outputs[0], x.rank, x.nhwc);
}

// Dropout at inference passes its input through. Its optional mask output (all true then)
// is not made: a model that reads it is told so, not left with an output no node produces.
void dropout(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  if (n.output_size() > 1 && !n.output(1).empty()) im.unsupported(n, "the mask output");
  // training_mode (opset 12) true drops at random: not inference, so refused unless false.
  if (n.input_size() > 2 && !n.input(2).empty()) {
    const Tensor* mode = im.const_of(im.in(n, 2).id);
    if (!mode || mode->size() != 1 || mode->at(0) != 0) im.unsupported(n, "training_mode other than a constant false");
  }
  unary(im, n, name, "identity");
}

// Two inputs broadcast against each other: both NHWC, or one NHWC and a constant (permuted
// to match), or both as ONNX has them.
// Elu with ONNX's alpha: easel's elu is alpha 1, so alpha * (e^x - 1) below zero is its
// negative part scaled: relu(e) + alpha * min(e, 0).
void elu(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  const float alpha = attr_float(n, "alpha", 1.f);
  const int e = im.graph().add_node("elu", alpha == 1.f ? name : name + "/elu", {x.id}).outputs[0];
  if (alpha == 1.f) return im.out(n, e, x.rank, x.nhwc);
  const int pos = im.graph().add_node("relu", name + "/positive", {e}).outputs[0];
  const int zero = im.graph().add_constant(name + "/zero", Tensor::scalar(0.f));
  const int neg = im.graph().add_node("minimum", name + "/negative", {e, zero}).outputs[0];
  const int k = im.graph().add_constant(name + "/alpha", Tensor::scalar(alpha));
  const int scaled = im.graph().add_node("mul", name + "/scaled", {neg, k}).outputs[0];
  im.out(n, im.graph().add_node("add", name, {pos, scaled}).outputs[0], x.rank, x.nhwc);
}

// Two slots broadcast against each other by `easel_op`, their layouts reconciled.
Slot binary_of(Importer& im, Slot a, Slot c, const std::string& name, const char* easel_op) {
  const bool ca = im.const_of(a.id) != nullptr, cc = im.const_of(c.id) != nullptr;
  if (a.nhwc && cc) c = {im.constant_for_nhwc(c.id, name), 4, true};
  else if (c.nhwc && ca) a = {im.constant_for_nhwc(a.id, name), 4, true};
  else if (a.nhwc != c.nhwc) {
    if (a.rank == 4 && c.rank == 4) a = im.to_nhwc(a, name), c = im.to_nhwc(c, name);
    else a = {im.to_nchw(a, name), a.rank, false}, c = {im.to_nchw(c, name), c.rank, false};
  }
  Node& node = im.graph().add_node(easel_op, name, {a.id, c.id});
  return {node.outputs[0], std::max(a.rank, c.rank), a.nhwc || c.nhwc};
}

// Max, Min: any number of inputs (one is itself), folded pairwise.
void variadic(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* easel_op) {
  Slot acc = im.in(n, 0);  // in() refuses a node without its first input
  if (n.input_size() == 1) {
    const Slot x = acc;
    im.out(n, im.graph().add_node("identity", name, {x.id}).outputs[0], x.rank, x.nhwc);
    return;
  }
  for (int i = 1; i < n.input_size(); ++i)
    acc = binary_of(im, acc, im.in(n, i), i + 1 == n.input_size() ? name : name + "/" + std::to_string(i), easel_op);
  im.out(n, acc.id, acc.rank, acc.nhwc);
}

void binary(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* easel_op) {
  if (n.input_size() != 2) im.unsupported(n, std::to_string(n.input_size()) + " inputs (easel reads two)");
  const Slot y = binary_of(im, im.in(n, 0), im.in(n, 1), name, easel_op);
  im.out(n, y.id, y.rank, y.nhwc);
}

void constant(Importer& im, const onnx::NodeProto& n, const std::string&, const char*) {
  const auto* v = attr(n, "value");
  if (!v) im.unsupported(n, "only a 'value' tensor constant is read");
  onnx::TensorProto t = v->t();
  t.set_name(n.output(0));
  im.bind(n.output(0), im.constant(t));
}

void leaky_relu(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  Node& node = im.graph().add_node("leaky_relu", name, {x.id});
  node.attrs.set("alpha", static_cast<double>(attr_float(n, "alpha", 0.01f)));
  im.out(n, node.outputs[0], x.rank, x.nhwc);
}

void clip(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  double lo = attr_float(n, "min", -std::numeric_limits<float>::infinity()),
         hi = attr_float(n, "max", std::numeric_limits<float>::infinity());
  // Bounds computed at run time (a spectrogram's floor: its peak less 80 dB) are a maximum
  // and a minimum.
  const Slot min_value = im.in(n, 1), max_value = im.in(n, 2);
  const bool min_varies = min_value.id >= 0 && !im.const_of(min_value.id);
  const bool max_varies = max_value.id >= 0 && !im.const_of(max_value.id);
  if (min_varies || max_varies) {
    for (const Slot& b : {min_value, max_value})
      if (b.id >= 0 && b.rank != 0) im.unsupported(n, "a bound given as a tensor of rank " + std::to_string(b.rank) + " (a scalar is read)");
    int id = x.id;
    if (min_value.id >= 0) id = im.graph().add_node("maximum", max_value.id >= 0 ? name + "/min" : name, {id, min_value.id}).outputs[0];
    if (max_value.id >= 0) id = im.graph().add_node("minimum", name, {id, max_value.id}).outputs[0];
    im.out(n, id, x.rank, x.nhwc);
    return;
  }
  if (auto m = im.const_floats(n, 1)) lo = m->at(0);
  if (auto m = im.const_floats(n, 2)) hi = m->at(0);
  Node& node = lo == 0 && hi == 6 ? im.graph().add_node("relu6", name, {x.id}) : im.graph().add_node("clip", name, {x.id});
  if (node.op == "clip") node.attrs.set("min", lo), node.attrs.set("max", hi);
  im.out(n, node.outputs[0], x.rank, x.nhwc);
}

// ONNX names dtypes by TensorProto.DataType number.
void cast(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  const std::int64_t to = attr_int(n, "to", 0);
  const char* dtype = nullptr;
  switch (to) {
    case onnx::TensorProto::FLOAT: dtype = "float32"; break;
    case onnx::TensorProto::UINT8: dtype = "uint8"; break;
    case onnx::TensorProto::INT8: dtype = "int8"; break;
    case onnx::TensorProto::INT32: dtype = "int32"; break;
    case onnx::TensorProto::INT64: dtype = "int64"; break;
    case onnx::TensorProto::BOOL: dtype = "bool"; break;
    case onnx::TensorProto::FLOAT16: dtype = "float16"; break;
    default: im.unsupported(n, "a cast to ONNX data type " + std::to_string(to));
  }
  Node& node = im.graph().add_node("cast", name, {x.id});
  node.attrs.set("to", std::string(dtype));
  im.out(n, node.outputs[0], x.rank, x.nhwc);
}

void global_pool(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* easel_op) {
  const Slot x = im.to_nhwc(im.in(n, 0), name);
  Node& node = im.graph().add_node(easel_op, name, {x.id});
  node.attrs.set("axes", Ints{1, 2});
  node.attrs.set("keep_dims", true);
  im.out(n, node.outputs[0], 4, true);
}

void transpose(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  Ints perm = attr_ints(n, "perm");
  if (perm.empty())
    for (int i = x.rank - 1; i >= 0; --i) perm.push_back(i);
  im.out(n, im.transpose(im.to_nchw(x, name), perm, name), static_cast<int>(perm.size()), false);
}

void softmax(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* easel_op) {
  const Slot x = im.in(n, 0);
  std::int64_t axis = attr_int(n, "axis", im.opset() >= 13 ? -1 : 1);
  if (x.rank < 0) im.unsupported(n, "the input's rank is unknown");
  if (axis < 0) axis += x.rank;
  if (im.opset() < 13 && axis != x.rank - 1) im.unsupported(n, "softmax over several axes (opset < 13, axis not last)");
  Node& node = im.graph().add_node(easel_op, name, {x.id});
  node.attrs.set("axis", x.nhwc ? nhwc_axis(axis) : axis);
  im.out(n, node.outputs[0], x.rank, x.nhwc);
}

void shape(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  const bool part = attr(n, "start") || attr(n, "end");
  const int whole = im.graph().add_node("shape", part ? name + "/whole" : name, {im.to_nchw(x, name)}).outputs[0];
  if (!part) return im.out(n, whole, 1, false);
  // Opset 15's start and end (negative from the back, clamped): the dims between them.
  if (x.rank < 0) im.unsupported(n, "start or end on an input of unknown rank");
  const auto clamp = [&](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + x.rank : v, 0, x.rank); };
  const std::int64_t start = clamp(attr_int(n, "start", 0)), end = clamp(attr_int(n, "end", x.rank));
  Tensor indices(DType::i32, {std::max<std::int64_t>(0, end - start)});
  for (std::int64_t i = start; i < end; ++i) indices.data<std::int32_t>()[i - start] = static_cast<std::int32_t>(i);
  Node& g = im.graph().add_node("gather", name, {whole, im.graph().add_constant(name + "/dims", std::move(indices))});
  g.attrs.set("axis", std::int64_t{0});
  im.out(n, g.outputs[0], 1, false);
}

void squeeze(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  Ints axes = attr_ints(n, "axes");
  if (auto a = im.const_ints(n, 1)) axes = *a;
  Node& node = im.graph().add_node("squeeze", name, {im.to_nchw(x, name)});
  node.attrs.set("axes", axes);
  im.out(n, node.outputs[0], x.rank - static_cast<int>(axes.size()), false);
}

void unsqueeze(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  Ints axes = attr_ints(n, "axes");
  if (auto a = im.const_ints(n, 1)) axes = *a;
  const int rank = x.rank + static_cast<int>(axes.size());
  int id = im.to_nchw(x, name);
  std::sort(axes.begin(), axes.end());
  for (auto a : axes) {
    std::string node_name = name;  // the last one takes the ONNX node's name
    if (a != axes.back()) {  // (two appends: GCC 12 warns falsely of an overlap for "/" + string)
      node_name += '/';
      node_name += std::to_string(a);
    }
    Node& node = im.graph().add_node("expand_dims", node_name, {id});
    node.attrs.set("axis", a < 0 ? a + rank : a);
    id = node.outputs[0];
  }
  im.out(n, id, rank, false);
}

void gather(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0), idx = im.in(n, 1);
  Node& node = im.graph().add_node("gather", name, {im.to_nchw(x, name), idx.id});
  node.attrs.set("axis", attr_int(n, "axis", 0));
  node.attrs.set("negative_indices", true);  // ONNX's indices may count from the end
  im.out(n, node.outputs[0], x.rank < 0 || idx.rank < 0 ? -1 : x.rank - 1 + idx.rank, false);
}

void reduce(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* easel_op) {
  const Slot x = im.in(n, 0);
  Ints axes = attr_ints(n, "axes");
  if (auto a = im.const_ints(n, 1)) axes = *a;
  const bool keep = attr_int(n, "keepdims", 1) != 0;
  const bool stay_nhwc = x.nhwc && keep;
  Ints mapped;
  for (auto a : axes) mapped.push_back(stay_nhwc ? nhwc_axis(a < 0 ? a + 4 : a) : a);
  Node& node = im.graph().add_node(easel_op, name, {stay_nhwc ? x.id : im.to_nchw(x, name)});
  node.attrs.set("axes", mapped);
  node.attrs.set("keep_dims", keep);
  im.out(n, node.outputs[0], keep ? x.rank : (axes.empty() ? 0 : x.rank - static_cast<int>(axes.size())), stay_nhwc);
}

// Reads strides, dilations and pads of a 1-D or 2-D window into easel's 2-D attributes (a
// 1-D window is one row high: its values go to the width).
void window_attrs(Importer& im, const onnx::NodeProto& n, Node& node, bool with_dilations, int spatial = 2) {
  const auto size = static_cast<std::size_t>(spatial);
  const auto two_d = [&](const char* what, const Ints& v) {
    if (v.size() != size) im.fail(n, "'" + std::string(what) + "' must have " + std::to_string(size) + " value(s) for a " + std::to_string(spatial) + "-D window");
    return spatial == 1 ? Ints{1, v[0]} : v;
  };
  node.attrs.set("strides", two_d("strides", attr_ints(n, "strides", Ints(size, 1))));
  if (with_dilations) node.attrs.set("dilations", two_d("dilations", attr_ints(n, "dilations", Ints(size, 1))));
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER") node.attrs.set("padding", std::string("SAME"));
  else if (auto_pad == "SAME_LOWER") node.attrs.set("padding", std::string("SAME_LOWER"));
  else if (auto_pad == "VALID") node.attrs.set("padding", std::string("VALID"));
  else if (auto_pad == "NOTSET") {
    const Ints pads = attr_ints(n, "pads", Ints(2 * size, 0));  // the begins, then the ends
    if (pads.size() != 2 * size) im.fail(n, "'pads' must have " + std::to_string(2 * size) + " values for a " + std::to_string(spatial) + "-D window");
    node.attrs.set("padding", std::string("EXPLICIT"));
    // easel's order: top, bottom, left, right
    node.attrs.set("explicit_paddings", spatial == 1 ? Ints{0, 0, pads[0], pads[1]} : Ints{pads[0], pads[2], pads[1], pads[3]});
  } else {
    im.unsupported(n, "auto_pad " + auto_pad);
  }
}

// A 1-D window's input [N, C, L] as the 2-D NHWC value [N, 1, L, C] a window one row high
// sweeps, and the window's NHWC output [N, 1, L', C'] back as node n's [N, C', L'].
Slot one_row(Importer& im, const Slot& x, const std::string& name) {
  Node& rows = im.graph().add_node("expand_dims", name + "/as_2d", {im.to_nchw(x, name)});
  rows.attrs.set("axis", std::int64_t{2});
  return im.to_nhwc(Slot{rows.outputs[0], 4, false}, name + "/as_2d");
}
void out_of_one_row(Importer& im, const onnx::NodeProto& n, int id, const std::string& name) {
  Node& back = im.graph().add_node("squeeze", name, {im.to_nchw(Slot{id, 4, true}, name + "/2d")});
  back.attrs.set("axes", Ints{2});
  im.out(n, back.outputs[0], 3, false);
}

// A 1-D convolution [N, C, L] (an audio front end's STFT, a temporal convolution) is the
// 2-D one over [N, C, 1, L]: a kernel one row high, its strides, dilations and pads on the
// width only.
// (`wt` points into the graph's values: read it before adding any node.)
void conv1d(Importer& im, const onnx::NodeProto& n, const std::string& name, const Tensor& wt) {
  const Slot x = im.in(n, 0), b = im.in(n, 2);
  if (x.rank != 3) im.fail(n, "a 1-D convolution's input must be [N, C, L]");
  if (attr_int(n, "group", 1) != 1) im.unsupported(n, "grouped 1-D convolution");
  const std::int64_t O = wt.dim(0), I = wt.dim(1), K = wt.dim(2);
  Tensor filter(DType::f32, {1, K, I, O});  // OIK -> HWIO with H = 1
  for (std::int64_t o = 0; o < O; ++o)
    for (std::int64_t i = 0; i < I; ++i)
      for (std::int64_t k = 0; k < K; ++k) filter.data<float>()[(k * I + i) * O + o] = wt.data<float>()[(o * I + i) * K + k];
  const Slot x2 = one_row(im, x, name);
  std::vector<int> inputs = {x2.id, im.graph().add_constant(name + "/filter", std::move(filter))};
  if (b.id >= 0) inputs.push_back(b.id);
  Node& node = im.graph().add_node("conv2d", name + "/2d", inputs);
  window_attrs(im, n, node, true, 1);
  out_of_one_row(im, n, node.outputs[0], name);
}

void conv(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot w = im.in(n, 1), b = im.in(n, 2);
  if (const Tensor* w1 = im.const_of(w.id); w1 && w1->rank() == 3) return conv1d(im, n, name, *w1);
  // The layout change first: it adds nodes, and the weights are read after it.
  const Slot x = im.to_nhwc(im.in(n, 0), name);
  const Tensor* wt = im.const_of(w.id);
  if (!wt || wt->rank() != 4) im.unsupported(n, "only 1-D and 2-D convolutions with constant weights are read");
  const std::int64_t O = wt->dim(0), I = wt->dim(1), KH = wt->dim(2), KW = wt->dim(3);
  const std::int64_t group = attr_int(n, "group", 1);
  const bool depthwise = group > 1 && I == 1 && O % group == 0;
  Tensor filter(DType::f32, depthwise ? Shape{KH, KW, group, O / group} : Shape{KH, KW, I, O});
  // OIHW -> HWIO; depthwise: output channel c*M+m reads input c -> [KH,KW,C,M], the same bytes.
  for (std::int64_t o = 0; o < O; ++o)
    for (std::int64_t i = 0; i < I; ++i)
      for (std::int64_t kh = 0; kh < KH; ++kh)
        for (std::int64_t kw = 0; kw < KW; ++kw)
          filter.data<float>()[((kh * KW + kw) * I + i) * O + o] = wt->data<float>()[((o * I + i) * KH + kh) * KW + kw];
  std::vector<int> inputs = {x.id, im.graph().add_constant(name + "/filter", std::move(filter))};
  if (b.id >= 0) inputs.push_back(b.id);
  Node& node = im.graph().add_node(depthwise ? "depthwise_conv2d" : "conv2d", name, inputs);
  window_attrs(im, n, node, true);
  if (group > 1 && !depthwise) node.attrs.set("groups", group);
  im.out(n, node.outputs[0], 4, true);
}

void conv_transpose(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.to_nhwc(im.in(n, 0), name);
  const Tensor* wt = im.const_of(im.in(n, 1).id);
  if (!wt || wt->rank() != 4) im.unsupported(n, "only 2-D transposed convolutions with constant weights are read");
  if (attr_int(n, "group", 1) != 1) im.unsupported(n, "grouped transposed convolution");
  // ONNX [C_in, C_out, KH, KW] -> easel's [KH, KW, C_out, C_in].
  const std::int64_t C = wt->dim(0), O = wt->dim(1), KH = wt->dim(2), KW = wt->dim(3);
  Tensor filter(DType::f32, {KH, KW, O, C});
  for (std::int64_t c = 0; c < C; ++c)
    for (std::int64_t o = 0; o < O; ++o)
      for (std::int64_t kh = 0; kh < KH; ++kh)
        for (std::int64_t kw = 0; kw < KW; ++kw)
          filter.data<float>()[((kh * KW + kw) * O + o) * C + c] = wt->data<float>()[((c * O + o) * KH + kh) * KW + kw];
  // easel's transposed convolution wants its output size and explicit pads: both follow
  // from the input size (ONNX's shape inference) and ONNX's rules.
  const Ints* shape = im.known_shape(n.input(0));
  if (!shape || shape->size() != 4 || (*shape)[2] < 0 || (*shape)[3] < 0)
    im.unsupported(n, "easel needs the input's size at load (ONNX shape inference could not give it)");
  const Ints strides = attr_ints(n, "strides", {1, 1}), dilations = attr_ints(n, "dilations", {1, 1});
  const Ints extra = attr_ints(n, "output_padding", {0, 0});
  Ints pads = attr_ints(n, "pads", {0, 0, 0, 0});  // top, left, bottom, right
  const Ints out_shape = attr_ints(n, "output_shape");
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  Ints size(2);
  for (int a = 0; a < 2; ++a) {
    const std::int64_t in_size = (*shape)[static_cast<std::size_t>(2 + a)], k = (a ? KW : KH) - 1;
    const std::int64_t full = strides[static_cast<std::size_t>(a)] * (in_size - 1) + extra[static_cast<std::size_t>(a)] +
                              k * dilations[static_cast<std::size_t>(a)] + 1;
    if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      size[static_cast<std::size_t>(a)] = !out_shape.empty() ? out_shape[out_shape.size() - 2 + static_cast<std::size_t>(a)]
                                                             : in_size * strides[static_cast<std::size_t>(a)];
      const std::int64_t total = full - size[static_cast<std::size_t>(a)];
      const bool upper = auto_pad == "SAME_UPPER";
      pads[static_cast<std::size_t>(a)] = upper ? total / 2 : total - total / 2;
      pads[static_cast<std::size_t>(a + 2)] = total - pads[static_cast<std::size_t>(a)];
    } else {
      size[static_cast<std::size_t>(a)] = full - pads[static_cast<std::size_t>(a)] - pads[static_cast<std::size_t>(a + 2)];
    }
  }
  std::vector<int> inputs = {x.id, im.graph().add_constant(name + "/filter", std::move(filter))};
  if (im.in(n, 2).id >= 0) inputs.push_back(im.in(n, 2).id);
  Node& node = im.graph().add_node("conv2d_transpose", name, inputs);
  node.attrs.set("strides", strides);
  node.attrs.set("padding", std::string("EXPLICIT"));
  node.attrs.set("explicit_paddings", Ints{pads[0], pads[2], pads[1], pads[3]});
  node.attrs.set("output_shape", Ints{-1, size[0], size[1], O});
  im.out(n, node.outputs[0], 4, true);
}

// MaxPool, AveragePool: 2-D, or 1-D (an audio model's [N, C, L]) as a window one row high
// over [N, C, 1, L].
void pool(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* kind) {
  if (n.output_size() > 1 && !n.output(1).empty()) im.unsupported(n, "the indices output");
  const Ints kernel = attr_ints(n, "kernel_shape");
  const int spatial = static_cast<int>(kernel.size());
  if (spatial != 1 && spatial != 2)
    im.unsupported(n, "a window of " + std::to_string(spatial) + " dimensions (easel pools in 1-D and 2-D)");
  const bool average = std::string(kind) == "avg_pool";
  const bool ceil_mode = attr_int(n, "ceil_mode", 0) != 0, count_pad = average && attr_int(n, "count_include_pad", 0) != 0;
  if (ceil_mode && count_pad) im.unsupported(n, "ceil_mode with count_include_pad");
  if (ceil_mode && attr_string(n, "auto_pad", "NOTSET").starts_with("SAME")) im.unsupported(n, "ceil_mode with auto_pad SAME");
  Slot x = im.in(n, 0);
  if (spatial == 1 && x.rank != 3) im.fail(n, "a 1-D pool's input must be [N, C, L]");
  x = spatial == 1 ? one_row(im, x, name) : im.to_nhwc(x, name);
  Node& node = im.graph().add_node(kind, spatial == 1 ? name + "/2d" : name, {x.id});
  node.attrs.set("ksize", spatial == 1 ? Ints{1, kernel[0]} : kernel);
  window_attrs(im, n, node, !average, spatial);
  if (ceil_mode) node.attrs.set("ceil_mode", true);
  if (count_pad) node.attrs.set("count_include_pad", true);
  if (spatial == 2) return im.out(n, node.outputs[0], 4, true);
  out_of_one_row(im, n, node.outputs[0], name);
}

// y = (x - mean) / sqrt(var + eps) * scale + bias: one multiply and one add per channel
// (the fuse pass folds both into a preceding convolution).
void batch_norm(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.to_nhwc(im.in(n, 0), name);
  auto scale = im.const_floats(n, 1), bias = im.const_floats(n, 2), mean = im.const_floats(n, 3), var = im.const_floats(n, 4);
  if (!scale || !bias || !mean || !var) im.fail(n, "scale, bias, mean and var must all be constants");
  const double eps = attr_float(n, "epsilon", 1e-5f);
  const auto C = static_cast<std::int64_t>(scale->size());
  Tensor mul(DType::f32, {C}), add(DType::f32, {C});
  for (std::int64_t c = 0; c < C; ++c) {
    const double k = (*scale)[static_cast<std::size_t>(c)] / std::sqrt((*var)[static_cast<std::size_t>(c)] + eps);
    mul.data<float>()[c] = static_cast<float>(k);
    add.data<float>()[c] = static_cast<float>((*bias)[static_cast<std::size_t>(c)] - (*mean)[static_cast<std::size_t>(c)] * k);
  }
  // On an NCHW value of rank < 4 (BatchNorm1d over [N,C]) the channel is the last axis too.
  const int xid = x.rank == 4 || x.rank == 2 ? x.id : -1;
  if (xid < 0) im.unsupported(n, "batch normalization of a rank-" + std::to_string(x.rank) + " tensor");
  const int m = im.graph().add_node("mul", name + "/scale", {xid, im.graph().add_constant(name + "/k", std::move(mul))}).outputs[0];
  const int a = im.graph().add_node("add", name, {m, im.graph().add_constant(name + "/b", std::move(add))}).outputs[0];
  im.out(n, a, x.rank, x.nhwc);
}

// InstanceNormalization(x, scale, B): each image's channels normalised over their own pixels.
void instance_norm(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot in = im.in(n, 0);
  if (in.rank != 4) im.unsupported(n, "instance normalization of a rank-" + std::to_string(in.rank) + " tensor (easel reads NCHW images)");
  const Slot x = im.to_nhwc(in, name);
  // scale and B are [C] (runtime values are fine: the op reads them each run).
  const Slot scale = im.in(n, 1), bias = im.in(n, 2);
  if (scale.rank != 1 || bias.rank != 1) im.fail(n, "scale and B must be 1-D, one value per channel");
  const int scale_id = scale.id, bias_id = bias.id;
  Node& node = im.graph().add_node("instance_norm", name, {x.id, scale_id, bias_id});
  node.attrs.set("epsilon", static_cast<double>(attr_float(n, "epsilon", 1e-5f)));
  im.out(n, node.outputs[0], 4, true);
}

void concat(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  std::vector<Slot> xs = {im.in(n, 0)};  // in() refuses a node without its first input
  for (int i = 1; i < n.input_size(); ++i) xs.push_back(im.in(n, i));
  std::int64_t axis = attr_int(n, "axis", 0);
  const int rank = xs[0].rank;
  if (axis < 0) axis += rank;
  const bool nhwc = rank == 4 && std::any_of(xs.begin(), xs.end(), [](const Slot& s) { return s.nhwc; });
  std::vector<int> ids;
  for (Slot& s : xs) {
    if (nhwc) s = im.const_of(s.id) ? Slot{im.constant_for_nhwc(s.id, name), 4, true} : im.to_nhwc(s, name);
    ids.push_back(nhwc ? s.id : im.to_nchw(s, name));
  }
  Node& node = im.graph().add_node("concat", name, ids);
  node.attrs.set("axis", nhwc ? nhwc_axis(axis) : axis);
  im.out(n, node.outputs[0], rank, nhwc);
}

void slice(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  Ints starts, ends, axes, steps;
  if (im.opset() < 10) {
    starts = attr_ints(n, "starts"), ends = attr_ints(n, "ends"), axes = attr_ints(n, "axes");
  } else {
    starts = im.const_ints(n, 1).value_or(Ints{}), ends = im.const_ints(n, 2).value_or(Ints{});
    axes = im.const_ints(n, 3).value_or(Ints{}), steps = im.const_ints(n, 4).value_or(Ints{});
  }
  if (x.rank < 0) im.unsupported(n, "the input's rank is unknown");
  if (axes.empty())
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    im.fail(n, "starts, ends, axes and steps must be as long as each other (" + std::to_string(starts.size()) + ", " +
                   std::to_string(ends.size()) + ", " + std::to_string(axes.size()) + ", " + std::to_string(steps.size()) + ")");
  std::vector<bool> seen(static_cast<std::size_t>(x.rank), false);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::int64_t a = axes[i] < 0 ? axes[i] + x.rank : axes[i];
    if (a < 0 || a >= x.rank || seen[static_cast<std::size_t>(a)])
      im.fail(n, "axis " + std::to_string(axes[i]) + " is outside the input's " + std::to_string(x.rank) + " dimensions or repeated");
    seen[static_cast<std::size_t>(a)] = true;
    if (steps[i] == 0) im.fail(n, "a step is 0");
  }
  Ints begin(static_cast<std::size_t>(x.rank), 0), end(static_cast<std::size_t>(x.rank), 0), stride(static_cast<std::size_t>(x.rank), 1);
  if (x.rank > 16) im.unsupported(n, "the input has " + std::to_string(x.rank) + " dimensions (16 at most)");
  std::int64_t begin_mask = (std::int64_t{1} << x.rank) - 1, end_mask = begin_mask;
  constexpr std::int64_t kBig = std::numeric_limits<std::int32_t>::max();
  for (std::size_t i = 0; i < axes.size(); ++i) {
    std::int64_t a = axes[i] < 0 ? axes[i] + x.rank : axes[i];
    if (x.nhwc) a = nhwc_axis(a);
    const auto ua = static_cast<std::size_t>(a);
    begin[ua] = std::clamp(starts[i], -kBig, kBig), stride[ua] = steps[i];
    begin_mask &= ~(std::int64_t{1} << a);
    // ends past the end (INT64_MAX, as exporters write "to the end") stay masked.
    if (ends[i] < kBig && ends[i] > -kBig) end[ua] = ends[i], end_mask &= ~(std::int64_t{1} << a);
    else if (ends[i] <= -kBig) end[ua] = -kBig, end_mask &= ~(std::int64_t{1} << a);
  }
  Node& node = im.graph().add_node("strided_slice", name, {x.id});
  node.attrs.set("begin", begin);
  node.attrs.set("end", end);
  node.attrs.set("strides", stride);
  node.attrs.set("begin_mask", begin_mask);
  node.attrs.set("end_mask", end_mask);
  im.out(n, node.outputs[0], x.rank, x.nhwc);
}

// The new H, W as a value computed from the input's shape (folded at load once the input
// size is known), or as constants when `sizes` gives them.
void resize(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.to_nhwc(im.in(n, 0), name);
  const std::string mode = attr_string(n, "mode", "nearest");
  const std::string coords = attr_string(n, "coordinate_transformation_mode", im.opset() >= 11 ? "half_pixel" : "asymmetric");
  const bool linear = mode == "linear" || mode == "bilinear";
  if (!linear && mode != "nearest") im.unsupported(n, "mode " + mode);
  std::optional<Ints> sizes;
  std::optional<std::vector<double>> scales;
  if (n.op_type() == "Upsample") scales = im.opset() >= 9 ? im.const_floats(n, 1) : std::nullopt;
  else if (im.opset() >= 11) scales = im.const_floats(n, 2), sizes = im.const_ints(n, 3);
  else scales = im.const_floats(n, 1);
  if (scales && scales->empty()) scales.reset();
  Node* node = nullptr;
  if (sizes && sizes->size() == 4) {
    node = &im.graph().add_node(linear ? "resize_bilinear" : "resize_nearest", name, {x.id});
    node->attrs.set("size", Ints{(*sizes)[2], (*sizes)[3]});
  } else if (scales && scales->size() == 4) {
    // size = int(H * sh), int(W * sw), from the input's NHWC shape at plan time.
    const int shape = im.graph().add_node("shape", name + "/shape", {x.id}).outputs[0];
    Node& hw = im.graph().add_node("strided_slice", name + "/hw", {shape});
    hw.attrs.set("begin", Ints{1});
    hw.attrs.set("end", Ints{3});
    hw.attrs.set("strides", Ints{1});
    const int hw_f = im.graph().add_node("cast", name + "/hw_float", {hw.outputs[0]}).outputs[0];
    im.graph().nodes.back().attrs.set("to", std::string("float32"));
    const int scaled =
        im.graph()
            .add_node("mul", name + "/scaled",
                      {hw_f, im.graph().add_constant(name + "/scales", Tensor::from<float>({2}, {static_cast<float>((*scales)[2]),
                                                                                                 static_cast<float>((*scales)[3])}))})
            .outputs[0];
    const int floored = im.graph().add_node("floor", name + "/floor", {scaled}).outputs[0];
    Node& size = im.graph().add_node("cast", name + "/size", {floored});
    size.attrs.set("to", std::string("int32"));
    const int size_id = size.outputs[0];
    node = &im.graph().add_node(linear ? "resize_bilinear" : "resize_nearest", name, {x.id, size_id});
  } else {
    im.fail(n, "needs constant scales or sizes for N, C, H, W");
  }
  // ONNX coordinate modes in TF's terms (easel's resize follows TF).
  if (coords == "align_corners") node->attrs.set("align_corners", true);
  else if (coords == "half_pixel" || coords == "pytorch_half_pixel") node->attrs.set("half_pixel_centers", true);
  else if (coords != "asymmetric") im.unsupported(n, "coordinate_transformation_mode " + coords);
  if (!linear) {
    const std::string nearest = attr_string(n, "nearest_mode", "round_prefer_floor");
    if (coords == "asymmetric" && nearest != "floor")
      im.unsupported(n, "nearest_mode " + nearest + " with asymmetric coordinates (TF floors)");
  }
  im.out(n, node->outputs[0], 4, true);
}

void reshape(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  Ints shape = im.const_ints(n, 1).value_or(attr_ints(n, "shape"));
  const int xid = im.to_nchw(x, name);
  // ONNX's 0 copies the input's dimension: read it from the input's shape (folded at load).
  if (std::find(shape.begin(), shape.end(), 0) != shape.end() && attr_int(n, "allowzero", 0) == 0) {
    const int sh = im.graph().add_node("shape", name + "/in_shape", {xid}).outputs[0];
    std::vector<int> parts;
    for (std::size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 0) {
        Node& d = im.graph().add_node("strided_slice", name + "/dim" + std::to_string(i), {sh});
        d.attrs.set("begin", Ints{static_cast<std::int64_t>(i)});
        d.attrs.set("end", Ints{static_cast<std::int64_t>(i) + 1});
        d.attrs.set("strides", Ints{1});
        parts.push_back(d.outputs[0]);
      } else {
        parts.push_back(im.graph().add_constant(name + "/d" + std::to_string(i),
                                                Tensor::from<std::int32_t>({1}, {static_cast<std::int32_t>(shape[i])})));
      }
    }
    Node& cat = im.graph().add_node("concat", name + "/shape", parts);
    cat.attrs.set("axis", std::int64_t{0});
    const int shape_id = cat.outputs[0];
    return im.out(n, im.graph().add_node("reshape", name, {xid, shape_id}).outputs[0], static_cast<int>(shape.size()), false);
  }
  Node& node = im.graph().add_node("reshape", name, {xid});
  node.attrs.set("shape", shape);
  im.out(n, node.outputs[0], static_cast<int>(shape.size()), false);
}

void flatten(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  std::int64_t axis = attr_int(n, "axis", 1);
  if (x.rank < 0) im.unsupported(n, "the input's rank is unknown");
  if (axis < 0) axis += x.rank;
  const int xid = im.to_nchw(x, name);
  // [prod(dims before axis), -1], the first from the input's shape (folded at load).
  const int sh = im.graph().add_node("shape", name + "/in_shape", {xid}).outputs[0];
  int lead;
  if (axis == 0) {
    lead = im.graph().add_constant(name + "/one", Tensor::from<std::int32_t>({1}, {1}));
  } else {
    Node& head = im.graph().add_node("strided_slice", name + "/head", {sh});
    head.attrs.set("begin", Ints{0});
    head.attrs.set("end", Ints{axis});
    head.attrs.set("strides", Ints{1});
    Node& prod = im.graph().add_node("prod", name + "/lead", {head.outputs[0]});
    prod.attrs.set("axes", Ints{0});
    prod.attrs.set("keep_dims", true);
    lead = prod.outputs[0];
  }
  Node& cat = im.graph().add_node("concat", name + "/shape",
                                  {lead, im.graph().add_constant(name + "/rest", Tensor::from<std::int32_t>({1}, {-1}))});
  cat.attrs.set("axis", std::int64_t{0});
  const int shape_id = cat.outputs[0];
  im.out(n, im.graph().add_node("reshape", name, {xid, shape_id}).outputs[0], 2, false);
}

void matmul(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  Slot a = im.in(n, 0), b = im.in(n, 1);
  const int aid = im.to_nchw(a, name), bid = im.to_nchw(b, name);
  if (n.op_type() == "MatMul")
    return im.out(n, im.graph().add_node("matmul", name, {aid, bid}).outputs[0], std::max(a.rank, b.rank), false);
  const double alpha = attr_float(n, "alpha", 1.f), beta = attr_float(n, "beta", 1.f);
  const bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  int weights = bid;
  if (alpha != 1.0) {
    const Tensor* w = im.const_of(bid);
    if (!w) im.unsupported(n, "alpha != 1 with non-constant B");
    Tensor scaled = w->clone();
    for (std::int64_t i = 0; i < scaled.size(); ++i) scaled.data<float>()[i] *= static_cast<float>(alpha);
    weights = im.graph().add_constant(name + "/alpha_b", std::move(scaled));
  }
  std::vector<int> inputs = {aid, weights};
  const Slot c = im.in(n, 2);
  int extra_add = -1;
  if (c.id >= 0) {
    const Tensor* ct = im.const_of(c.id);
    if (ct && (ct->rank() == 1 || (ct->rank() == 2 && ct->dim(0) == 1))) {
      Tensor bias(DType::f32, {ct->size()});
      for (std::int64_t i = 0; i < ct->size(); ++i) bias.data<float>()[i] = static_cast<float>(ct->at(i) * beta);
      inputs.push_back(im.graph().add_constant(name + "/bias", std::move(bias)));
    } else {
      if (beta != 1.0) im.unsupported(n, "beta != 1 with a non-vector C");
      extra_add = c.id;
    }
  }
  Node& node = im.graph().add_node("matmul", extra_add >= 0 ? name + "/matmul" : name, inputs);
  node.attrs.set("transpose_a", ta);
  node.attrs.set("transpose_b", tb);
  int id = node.outputs[0];
  if (extra_add >= 0) id = im.graph().add_node("add", name, {id, extra_add}).outputs[0];
  im.out(n, id, 2, false);
}

void split(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  std::int64_t axis = attr_int(n, "axis", 0);
  if (x.rank < 0) im.unsupported(n, "the input's rank is unknown");
  if (axis < 0) axis += x.rank;
  Ints sizes = attr_ints(n, "split");
  if (auto s = im.const_ints(n, 1)) sizes = *s;
  if (sizes.empty()) im.unsupported(n, "easel needs the split sizes (equal splits of an unknown size are not read yet)");
  Node& node = im.graph().add_node("split", name, {x.id}, n.output_size());
  node.attrs.set("axis", x.nhwc ? nhwc_axis(axis) : axis);
  node.attrs.set("sizes", sizes);
  for (int i = 0; i < n.output_size(); ++i) im.bind(n.output(i), {node.outputs[static_cast<std::size_t>(i)], x.rank, x.nhwc});
}

void pad(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot x = im.in(n, 0);
  Ints pads = im.opset() >= 11 ? im.const_ints(n, 1).value_or(Ints{}) : attr_ints(n, "pads");
  double value = attr_float(n, "value", 0.f);
  if (auto v = im.const_floats(n, 2)) value = v->empty() ? 0.0 : v->at(0);
  const std::string mode = attr_string(n, "mode", "constant");
  if (mode != "constant" && mode != "reflect") im.unsupported(n, "mode " + mode);
  const auto r = static_cast<std::size_t>(x.rank);
  if (pads.size() != 2 * r) im.fail(n, "'pads' must have 2 x rank values");
  Ints paddings(2 * r);
  for (std::size_t a = 0; a < r; ++a) {
    const std::size_t to = x.nhwc ? static_cast<std::size_t>(nhwc_axis(static_cast<std::int64_t>(a))) : a;
    paddings[2 * to] = pads[a], paddings[2 * to + 1] = pads[a + r];
  }
  Node& node = im.graph().add_node("pad", name, {x.id});
  node.attrs.set("paddings", paddings);
  node.attrs.set("mode", mode);
  node.attrs.set("constant_value", value);
  im.out(n, node.outputs[0], x.rank, x.nhwc);
}

// If: a constant condition (shapes known at load) keeps one branch. Otherwise both branches
// are computed and each output takes its value from one by the condition (select): right for
// branches without side effects whose outputs agree in shape, as a model's optional second
// stage (openWakeWord's verifier); where they do not, the select names the shapes at run time.
void if_op(Importer& im, const onnx::NodeProto& n, const std::string& name, const char*) {
  const Slot cond = im.in(n, 0);
  const onnx::AttributeProto* then_branch = attr(n, "then_branch");
  const onnx::AttributeProto* else_branch = attr(n, "else_branch");
  if (!then_branch || !else_branch || !then_branch->has_g() || !else_branch->has_g()) im.fail(n, "it needs a then_branch and an else_branch graph");
  if (const Tensor* c = im.const_of(cond.id)) {
    if (c->size() != 1) im.fail(n, "its condition has " + std::to_string(c->size()) + " values, not one");
    const std::vector<Slot> outs = im.translate_subgraph(c->at(0) != 0 ? then_branch->g() : else_branch->g());
    if (static_cast<int>(outs.size()) != n.output_size()) im.fail(n, "its branch gives " + std::to_string(outs.size()) + " outputs");
    for (int i = 0; i < n.output_size(); ++i) im.bind(n.output(i), outs[static_cast<std::size_t>(i)]);
    return;
  }
  const std::vector<Slot> yes = im.translate_subgraph(then_branch->g()), no = im.translate_subgraph(else_branch->g());
  if (static_cast<int>(yes.size()) != n.output_size() || static_cast<int>(no.size()) != n.output_size())
    im.fail(n, "its branches do not give one value per output");
  const int c = im.to_nchw(cond, name + "/condition");
  for (int i = 0; i < n.output_size(); ++i) {
    const Slot& a = yes[static_cast<std::size_t>(i)];
    const Slot& b = no[static_cast<std::size_t>(i)];
    Node& node = im.graph().add_node("select", n.output_size() == 1 ? name : name + "/" + std::to_string(i),
                                     {c, im.to_nchw(a, name + "/then"), im.to_nchw(b, name + "/else")});
    im.bind(n.output(i), {node.outputs[0], std::max(a.rank, b.rank), false});
  }
}

// Sorted by ONNX op name (find_translation searches it in order; `easel ops` lists it).
const Translation kTranslations[] = {
    {"Abs", unary, "abs"},
    {"Add", binary, "add"},
    {"AveragePool", pool, "avg_pool"},
    {"BatchNormalization", batch_norm, nullptr},
    {"Cast", cast, nullptr},
    {"Ceil", unary, "ceil"},
    {"Clip", clip, nullptr},
    {"Concat", concat, nullptr},
    {"Constant", constant, nullptr},
    {"Conv", conv, nullptr},
    {"ConvTranspose", conv_transpose, nullptr},
    {"Div", binary, "div"},
    {"Dropout", dropout, nullptr},
    {"Elu", elu, nullptr},
    {"Equal", binary, "equal"},
    {"Erf", unary, "erf"},
    {"Exp", unary, "exp"},
    {"Flatten", flatten, nullptr},
    {"Floor", unary, "floor"},
    {"Gather", gather, nullptr},
    {"Gemm", matmul, nullptr},
    {"Greater", binary, "greater"},
    {"GreaterOrEqual", binary, "greater_equal"},
    {"GlobalAveragePool", global_pool, "mean"},
    {"GlobalMaxPool", global_pool, "max"},
    {"HardSwish", unary, "hard_swish"},
    {"Identity", unary, "identity"},
    {"If", if_op, nullptr},
    {"InstanceNormalization", instance_norm, nullptr},
    {"LeakyRelu", leaky_relu, nullptr},
    {"Less", binary, "less"},
    {"LessOrEqual", binary, "less_equal"},
    {"Log", unary, "log"},
    {"LogSoftmax", softmax, "log_softmax"},
    {"MatMul", matmul, nullptr},
    {"Max", variadic, "maximum"},
    {"MaxPool", pool, "max_pool"},
    {"Min", variadic, "minimum"},
    {"Mul", binary, "mul"},
    {"Neg", unary, "neg"},
    {"Not", unary, "logical_not"},
    {"Pad", pad, nullptr},
    {"Pow", binary, "pow"},
    {"Reciprocal", unary, "reciprocal"},
    {"ReduceMax", reduce, "max"},
    {"ReduceMean", reduce, "mean"},
    {"ReduceMin", reduce, "min"},
    {"ReduceSum", reduce, "sum"},
    {"Relu", unary, "relu"},
    {"Reshape", reshape, nullptr},
    {"Resize", resize, nullptr},
    {"Shape", shape, nullptr},
    {"Sigmoid", unary, "sigmoid"},
    {"Slice", slice, nullptr},
    {"Softmax", softmax, "softmax"},
    {"Softplus", unary, "softplus"},
    {"Split", split, nullptr},
    {"Sqrt", unary, "sqrt"},
    {"Squeeze", squeeze, nullptr},
    {"Sub", binary, "sub"},
    {"Tanh", unary, "tanh"},
    {"Transpose", transpose, nullptr},
    {"Unsqueeze", unsqueeze, nullptr},
    {"Upsample", resize, nullptr},
};

}  // namespace

const Translation* find_translation(const std::string& op_type) {
  for (const Translation& t : kTranslations)
    if (op_type == t.op_type) return &t;
  return nullptr;
}

std::vector<std::string> translated_ops() {
  std::vector<std::string> names;
  for (const Translation& t : kTranslations) names.emplace_back(t.op_type);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace easel::nn::onnx_import
