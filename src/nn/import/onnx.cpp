// ONNX importer (Debian's libonnx protobuf classes). ONNX images are NCHW and easel's ops
// are NHWC, so the layout is converted at load: a 4-D value produced by a convolution-family
// op is kept NHWC (its ONNX axes permuted), layout-agnostic ops (elementwise, concat,
// slice, resize, pools) follow their input's layout with their axes and constants mapped,
// and a transpose back to NCHW is inserted only where the ONNX semantics need the original
// order (reshape, flatten, transpose, shape, gather, graph outputs). Weights are permuted
// once: OIHW filters become HWIO (or easel's depthwise [KH,KW,C,M]).
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "core/half.h"
#include "easel/error.h"
#include "nn/import/importers.h"

namespace fs = std::filesystem;

namespace easel::nn {

namespace {

using Ints = std::vector<std::int64_t>;

// ONNX axis a of an NCHW tensor, as an axis of its NHWC easel value.
std::int64_t nhwc_axis(std::int64_t a) {
  static const std::int64_t map[4] = {0, 3, 1, 2};
  return map[a];
}

// What the importer knows of an ONNX value.
struct Slot {
  int id = -1;        // easel value
  int rank = -1;      // -1: unknown
  bool nhwc = false;  // a 4-D value stored NHWC
};

class OnnxImporter {
 public:
  explicit OnnxImporter(const fs::path& file) : file_(file) { graph_.source = file.string(); }

  Graph run() {
    onnx::ModelProto model;
    {
      std::ifstream in(file_, std::ios::binary);
      if (!in) throw Error(ErrorCode::io_error, "Cannot open '" + file_.string() + "'.");
      if (!model.ParseFromIstream(&in))
        throw Error(ErrorCode::bad_model, "'" + file_.string() + "' is not a valid ONNX model (the protobuf does not parse; truncated?).");
    }
    for (const auto& op : model.opset_import())
      if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = op.version();
    // ONNX's own shape inference, for the few ops whose easel form needs a size at load
    // (ConvTranspose's output size); where it cannot infer, those ops say so.
    try {
      onnx::shape_inference::InferShapes(model);
    } catch (const std::exception&) {
    }
    const onnx::GraphProto& g = model.graph();
    auto remember = [this](const onnx::ValueInfoProto& v) {
      Ints dims;
      for (const auto& d : v.type().tensor_type().shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
      if (v.type().tensor_type().has_shape()) known_shapes_[v.name()] = dims;
    };
    for (const auto& v : g.value_info()) remember(v);
    for (const auto& v : g.input()) remember(v);
    for (const auto& init : g.initializer()) bind(init.name(), constant(init));
    for (const auto& in : g.input()) {
      if (slots_.count(in.name())) continue;  // an initializer listed as an input (old exporters)
      input(in);
    }
    for (const auto& node : g.node()) translate(node);
    for (const auto& out : g.output()) {
      auto it = slots_.find(out.name());
      if (it == slots_.end()) fail_model("the graph output '" + out.name() + "' is produced by no node");
      int id = to_nchw(it->second, out.name());
      // Outputs keep their ONNX names.
      if (graph_.values[static_cast<std::size_t>(id)].name != out.name()) {
        id = graph_.add_node("identity", out.name(), {id}).outputs[0];
        graph_.values[static_cast<std::size_t>(id)].name = out.name();
      }
      // The declared output shape, where the value has none yet (the runtime infers the rest).
      Value& v = graph_.values[static_cast<std::size_t>(id)];
      if (v.shape.empty() && out.type().tensor_type().has_shape())
        for (const auto& d : out.type().tensor_type().shape().dim()) v.shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
      graph_.outputs.push_back(id);
    }
    graph_.sort();
    return std::move(graph_);
  }

 private:
  [[noreturn]] void fail_model(const std::string& why) const { throw Error(ErrorCode::bad_model, "The ONNX model in " + file_.string() + ": " + why + "."); }
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& why) const {
    throw Error(ErrorCode::bad_model, "ONNX node '" + n.name() + "' (" + n.op_type() + ") in " + file_.string() + ": " + why + ".");
  }
  [[noreturn]] void unsupported(const onnx::NodeProto& n, const std::string& why = "") const {
    throw Error(ErrorCode::unsupported_op, "Op '" + n.op_type() + "' (node '" + n.name() + "') in " + file_.string() + " is not supported" +
                                               (why.empty() ? "" : ": " + why) + ".",
                "`easel ops` lists the ONNX ops easel reads.");
  }

  void bind(const std::string& name, Slot s) { slots_[name] = s; }

  // ---- tensors

  Tensor tensor_of(const onnx::TensorProto& t) const {
    Shape shape(t.dims().begin(), t.dims().end());
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    const std::string& raw = t.raw_data();
    auto from_raw = [&](std::size_t elem) {
      if (raw.size() != static_cast<std::size_t>(n) * elem)
        fail_model("the tensor '" + t.name() + "' has " + std::to_string(raw.size()) + " bytes of data, " + std::to_string(n * static_cast<std::int64_t>(elem)) + " expected");
    };
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT: {
        Tensor out(DType::f32, shape);
        if (!raw.empty()) from_raw(4), std::memcpy(out.raw(), raw.data(), raw.size());
        else if (t.float_data_size() == n) std::copy(t.float_data().begin(), t.float_data().end(), out.data<float>());
        else if (n > 0) fail_model("the tensor '" + t.name() + "' has " + std::to_string(t.float_data_size()) + " values, " + std::to_string(n) + " expected");
        return out;
      }
      case onnx::TensorProto::FLOAT16: {
        Tensor out(DType::f32, shape);
        if (!raw.empty()) {
          from_raw(2);
          for (std::int64_t i = 0; i < n; ++i) {
            std::uint16_t h;
            std::memcpy(&h, raw.data() + 2 * i, 2);
            out.data<float>()[i] = detail::half_to_float(h);
          }
        } else {
          for (std::int64_t i = 0; i < n && i < t.int32_data_size(); ++i) out.data<float>()[i] = detail::half_to_float(static_cast<std::uint16_t>(t.int32_data(static_cast<int>(i))));
        }
        return out;
      }
      case onnx::TensorProto::DOUBLE: {
        Tensor out(DType::f32, shape);
        for (std::int64_t i = 0; i < n; ++i) {
          double v = 0;
          if (!raw.empty()) from_raw(8), std::memcpy(&v, raw.data() + 8 * i, 8);
          else v = t.double_data(static_cast<int>(i));
          out.data<float>()[i] = static_cast<float>(v);
        }
        return out;
      }
      case onnx::TensorProto::INT64:
      case onnx::TensorProto::INT32: {
        // easel's integers are int32: shapes, indices, axes.
        const bool wide = t.data_type() == onnx::TensorProto::INT64;
        Tensor out(DType::i32, shape);
        for (std::int64_t i = 0; i < n; ++i) {
          std::int64_t v = 0;
          if (!raw.empty()) {
            from_raw(wide ? 8 : 4);
            if (wide) std::memcpy(&v, raw.data() + 8 * i, 8);
            else {
              std::int32_t w;
              std::memcpy(&w, raw.data() + 4 * i, 4);
              v = w;
            }
          } else {
            v = wide ? t.int64_data(static_cast<int>(i)) : t.int32_data(static_cast<int>(i));
          }
          out.data<std::int32_t>()[i] = static_cast<std::int32_t>(std::clamp<std::int64_t>(v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
        }
        return out;
      }
      default:
        throw Error(ErrorCode::unsupported_op, "The tensor '" + t.name() + "' in " + file_.string() + " has ONNX data type " + std::to_string(t.data_type()) +
                                                   ", which easel does not read (float, float16, double, int32 and int64 it does).");
    }
  }

  Slot constant(const onnx::TensorProto& t) {
    Tensor value = tensor_of(t);
    const int rank = value.rank();
    return {graph_.add_constant(t.name(), std::move(value)), rank, false};
  }

  void input(const onnx::ValueInfoProto& in) {
    const auto& type = in.type().tensor_type();
    DType dtype = DType::f32;
    if (type.elem_type() == onnx::TensorProto::INT64 || type.elem_type() == onnx::TensorProto::INT32) dtype = DType::i32;
    else if (type.elem_type() != onnx::TensorProto::FLOAT)
      throw Error(ErrorCode::unsupported_op, "The input '" + in.name() + "' of " + file_.string() + " has ONNX type " + std::to_string(type.elem_type()) + "; easel feeds float and integer inputs.");
    Shape shape;
    for (const auto& d : type.shape().dim()) shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
    const int id = graph_.add_input(in.name(), dtype, shape);
    bind(in.name(), {id, static_cast<int>(shape.size()), false});
  }

  const Tensor* const_of(int id) const {
    const Value& v = graph_.values[static_cast<std::size_t>(id)];
    return v.is_constant() ? &v.constant : nullptr;
  }

  // ---- layout

  int transpose(int id, const Ints& perm, const std::string& name) {
    Node& t = graph_.add_node("transpose", name, {id});
    t.attrs.set("perm", perm);
    return t.outputs[0];
  }
  int to_nchw(const Slot& s, const std::string& name) {
    if (!s.nhwc) return s.id;
    auto it = nchw_cache_.find(s.id);
    if (it != nchw_cache_.end()) return it->second;
    return nchw_cache_[s.id] = transpose(s.id, {0, 3, 1, 2}, name + "/to_nchw");
  }
  Slot to_nhwc(const Slot& s, const std::string& name) {
    if (s.nhwc || s.rank != 4) return s;
    auto it = nhwc_cache_.find(s.id);
    if (it != nhwc_cache_.end()) return {it->second, 4, true};
    const int id = nhwc_cache_[s.id] = transpose(s.id, {0, 2, 3, 1}, name + "/to_nhwc");
    return {id, 4, true};
  }
  // A constant broadcast against an NHWC 4-D value: padded to rank 4 (numpy rules) and permuted.
  int constant_for_nhwc(int id, const std::string& name) {
    const Tensor* c = const_of(id);
    // A single value broadcasts the same in any layout; anything else follows numpy's
    // alignment of trailing axes, which NCHW -> NHWC moves.
    if (!c || c->size() <= 1) return id;
    Shape s = c->shape();
    while (s.size() < 4) s.insert(s.begin(), 1);
    Shape t = {s[0], s[2], s[3], s[1]};
    Tensor out(c->dtype(), t);
    const std::size_t elem = dtype_size(c->dtype());
    for (std::int64_t n = 0; n < s[0]; ++n)
      for (std::int64_t ch = 0; ch < s[1]; ++ch)
        for (std::int64_t y = 0; y < s[2]; ++y)
          for (std::int64_t x = 0; x < s[3]; ++x)
            std::memcpy(static_cast<char*>(out.raw()) + (((n * s[2] + y) * s[3] + x) * s[1] + ch) * static_cast<std::int64_t>(elem),
                        static_cast<const char*>(c->raw()) + (((n * s[1] + ch) * s[2] + y) * s[3] + x) * static_cast<std::int64_t>(elem), elem);
    return graph_.add_constant(name + "/nhwc", std::move(out));
  }

  // ---- attributes

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  static std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback) {
    const auto* a = attr(n, name);
    return a ? a->i() : fallback;
  }
  static float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) {
    const auto* a = attr(n, name);
    return a ? a->f() : fallback;
  }
  static std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) {
    const auto* a = attr(n, name);
    return a ? a->s() : fallback;
  }
  static Ints attr_ints(const onnx::NodeProto& n, const std::string& name, const Ints& fallback = {}) {
    const auto* a = attr(n, name);
    return a ? Ints(a->ints().begin(), a->ints().end()) : fallback;
  }

  Slot in(const onnx::NodeProto& n, int i) {
    if (i >= n.input_size() || n.input(i).empty()) return {};
    auto it = slots_.find(n.input(i));
    if (it == slots_.end()) fail(n, "its input '" + n.input(i) + "' is produced by no node before it");
    return it->second;
  }
  // A constant integer input (axes, shapes, pads), or nullopt when absent.
  std::optional<Ints> const_ints(const onnx::NodeProto& n, int i) {
    const Slot s = in(n, i);
    if (s.id < 0) return std::nullopt;
    const Tensor* c = const_of(s.id);
    if (!c) fail(n, "input " + std::to_string(i) + " must be a constant (easel plans shapes at load)");
    Ints v;
    for (std::int64_t k = 0; k < c->size(); ++k) v.push_back(static_cast<std::int64_t>(c->at(k)));
    return v;
  }
  std::optional<std::vector<double>> const_floats(const onnx::NodeProto& n, int i) {
    const Slot s = in(n, i);
    if (s.id < 0) return std::nullopt;
    const Tensor* c = const_of(s.id);
    if (!c) fail(n, "input " + std::to_string(i) + " must be a constant");
    std::vector<double> v;
    for (std::int64_t k = 0; k < c->size(); ++k) v.push_back(c->at(k));
    return v;
  }

  void out(const onnx::NodeProto& n, int id, int rank, bool nhwc) { bind(n.output(0), {id, rank, nhwc}); }
  std::string name_of(const onnx::NodeProto& n) const { return n.name().empty() ? n.output(0) : n.name(); }

  // ---- ops

  void translate(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx") unsupported(n, "it is in the custom domain '" + n.domain() + "'");
    const std::string name = name_of(n);
    static const std::map<std::string, std::string> unary = {{"Relu", "relu"}, {"Sigmoid", "sigmoid"}, {"Tanh", "tanh"}, {"Exp", "exp"}, {"Log", "log"},
                                                             {"Sqrt", "sqrt"}, {"Abs", "abs"}, {"Neg", "neg"}, {"Floor", "floor"}, {"Ceil", "ceil"},
                                                             {"HardSwish", "hard_swish"}, {"Reciprocal", "reciprocal"}, {"Erf", "erf"}, {"Softplus", "softplus"},
                                                             {"Elu", "elu"}, {"Identity", "identity"}, {"Dropout", "identity"}};
    static const std::map<std::string, std::string> binary = {{"Add", "add"}, {"Sub", "sub"}, {"Mul", "mul"}, {"Div", "div"}, {"Pow", "pow"},
                                                              {"Max", "maximum"}, {"Min", "minimum"}};
    if (op == "Constant") {
      const auto* v = attr(n, "value");
      if (!v) unsupported(n, "only a 'value' tensor constant is read");
      onnx::TensorProto t = v->t();
      t.set_name(n.output(0));
      return bind(n.output(0), constant(t));
    }
    if (auto u = unary.find(op); u != unary.end()) {
      const Slot x = in(n, 0);
      Node& node = graph_.add_node(u->second, name, {x.id});
      return out(n, node.outputs[0], x.rank, x.nhwc);
    }
    if (op == "LeakyRelu") {
      const Slot x = in(n, 0);
      Node& node = graph_.add_node("leaky_relu", name, {x.id});
      node.attrs.set("alpha", static_cast<double>(attr_float(n, "alpha", 0.01f)));
      return out(n, node.outputs[0], x.rank, x.nhwc);
    }
    if (op == "Clip") {
      const Slot x = in(n, 0);
      double lo = attr_float(n, "min", -std::numeric_limits<float>::infinity()), hi = attr_float(n, "max", std::numeric_limits<float>::infinity());
      if (auto m = const_floats(n, 1)) lo = m->at(0);
      if (auto m = const_floats(n, 2)) hi = m->at(0);
      Node& node = lo == 0 && hi == 6 ? graph_.add_node("relu6", name, {x.id}) : graph_.add_node("clip", name, {x.id});
      if (node.op == "clip") node.attrs.set("min", lo), node.attrs.set("max", hi);
      return out(n, node.outputs[0], x.rank, x.nhwc);
    }
    if (auto b = binary.find(op); b != binary.end()) {
      Slot a = in(n, 0), c = in(n, 1);
      // Both NHWC, or one NHWC and a constant (permuted to match), or both as ONNX has them.
      const bool ca = const_of(a.id) != nullptr, cc = const_of(c.id) != nullptr;
      if (a.nhwc && cc) c = {constant_for_nhwc(c.id, name), 4, true};
      else if (c.nhwc && ca) a = {constant_for_nhwc(a.id, name), 4, true};
      else if (a.nhwc != c.nhwc) {
        if (a.rank == 4 && c.rank == 4) a = to_nhwc(a, name), c = to_nhwc(c, name);
        else a = {to_nchw(a, name), a.rank, false}, c = {to_nchw(c, name), c.rank, false};
      }
      Node& node = graph_.add_node(b->second, name, {a.id, c.id});
      return out(n, node.outputs[0], std::max(a.rank, c.rank), a.nhwc || c.nhwc);
    }
    if (op == "Conv") return conv(n, name);
    if (op == "ConvTranspose") return conv_transpose(n, name);
    if (op == "MaxPool" || op == "AveragePool") return pool(n, name, op == "MaxPool" ? "max_pool" : "avg_pool");
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
      const Slot x = to_nhwc(in(n, 0), name);
      Node& node = graph_.add_node(op == "GlobalAveragePool" ? "mean" : "max", name, {x.id});
      node.attrs.set("axes", Ints{1, 2});
      node.attrs.set("keep_dims", true);
      return out(n, node.outputs[0], 4, true);
    }
    if (op == "BatchNormalization") return batch_norm(n, name);
    if (op == "Concat") return concat(n, name);
    if (op == "Slice") return slice(n, name);
    if (op == "Resize" || op == "Upsample") return resize(n, name);
    if (op == "Reshape") return reshape(n, name);
    if (op == "Flatten") return flatten(n, name);
    if (op == "Transpose") {
      const Slot x = in(n, 0);
      Ints perm = attr_ints(n, "perm");
      if (perm.empty())
        for (int i = x.rank - 1; i >= 0; --i) perm.push_back(i);
      return out(n, transpose(to_nchw(x, name), perm, name), static_cast<int>(perm.size()), false);
    }
    if (op == "Gemm" || op == "MatMul") return matmul(n, name);
    if (op == "Softmax" || op == "LogSoftmax") {
      const Slot x = in(n, 0);
      std::int64_t axis = attr_int(n, "axis", opset_ >= 13 ? -1 : 1);
      if (x.rank < 0) unsupported(n, "the input's rank is unknown");
      if (axis < 0) axis += x.rank;
      if (opset_ < 13 && axis != x.rank - 1) unsupported(n, "softmax over several axes (opset < 13, axis not last)");
      Node& node = graph_.add_node(op == "Softmax" ? "softmax" : "log_softmax", name, {x.id});
      node.attrs.set("axis", x.nhwc ? nhwc_axis(axis) : axis);
      return out(n, node.outputs[0], x.rank, x.nhwc);
    }
    if (op == "Split") return split(n, name);
    if (op == "Pad") return pad(n, name);
    if (op == "Shape") {
      const Slot x = in(n, 0);
      return out(n, graph_.add_node("shape", name, {to_nchw(x, name)}).outputs[0], 1, false);
    }
    if (op == "Squeeze" || op == "Unsqueeze") {
      const Slot x = in(n, 0);
      Ints axes = attr_ints(n, "axes");
      if (auto a = const_ints(n, 1)) axes = *a;
      const int rank = x.rank + (op == "Unsqueeze" ? static_cast<int>(axes.size()) : -static_cast<int>(axes.size()));
      int id = to_nchw(x, name);
      if (op == "Squeeze") {
        Node& node = graph_.add_node("squeeze", name, {id});
        node.attrs.set("axes", axes);
        return out(n, node.outputs[0], rank, false);
      }
      std::sort(axes.begin(), axes.end());
      for (auto a : axes) {
        Node& node = graph_.add_node("expand_dims", name + (a == axes.back() ? "" : "/" + std::to_string(a)), {id});
        node.attrs.set("axis", a < 0 ? a + rank : a);
        id = node.outputs[0];
      }
      return out(n, id, rank, false);
    }
    if (op == "Gather") {
      const Slot x = in(n, 0), idx = in(n, 1);
      Node& node = graph_.add_node("gather", name, {to_nchw(x, name), idx.id});
      node.attrs.set("axis", attr_int(n, "axis", 0));
      return out(n, node.outputs[0], x.rank < 0 || idx.rank < 0 ? -1 : x.rank - 1 + idx.rank, false);
    }
    if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin") {
      const Slot x = in(n, 0);
      Ints axes = attr_ints(n, "axes");
      if (auto a = const_ints(n, 1)) axes = *a;
      const bool keep = attr_int(n, "keepdims", 1) != 0;
      static const std::map<std::string, std::string> kinds = {{"ReduceMean", "mean"}, {"ReduceSum", "sum"}, {"ReduceMax", "max"}, {"ReduceMin", "min"}};
      const bool stay_nhwc = x.nhwc && keep;
      Ints mapped;
      for (auto a : axes) mapped.push_back(stay_nhwc ? nhwc_axis(a < 0 ? a + 4 : a) : a);
      Node& node = graph_.add_node(kinds.at(op), name, {stay_nhwc ? x.id : to_nchw(x, name)});
      node.attrs.set("axes", mapped);
      node.attrs.set("keep_dims", keep);
      return out(n, node.outputs[0], keep ? x.rank : (axes.empty() ? 0 : x.rank - static_cast<int>(axes.size())), stay_nhwc);
    }
    unsupported(n);
  }

  // Reads kernel, strides, dilations and pads of a 2-D window into easel attributes.
  void window_attrs(const onnx::NodeProto& n, Node& node, bool with_dilations) {
    const Ints strides = attr_ints(n, "strides", {1, 1});
    node.attrs.set("strides", strides);
    if (with_dilations) node.attrs.set("dilations", attr_ints(n, "dilations", {1, 1}));
    const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    if (auto_pad == "SAME_UPPER") node.attrs.set("padding", std::string("SAME"));
    else if (auto_pad == "VALID") node.attrs.set("padding", std::string("VALID"));
    else if (auto_pad == "NOTSET") {
      const Ints pads = attr_ints(n, "pads", {0, 0, 0, 0});  // top, left, bottom, right
      if (pads.size() != 4) fail(n, "'pads' must have 4 values for a 2-D window");
      node.attrs.set("padding", std::string("EXPLICIT"));
      node.attrs.set("explicit_paddings", Ints{pads[0], pads[2], pads[1], pads[3]});
    } else {
      unsupported(n, "auto_pad " + auto_pad);
    }
  }

  void conv(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = to_nhwc(in(n, 0), name);
    const Slot w = in(n, 1), b = in(n, 2);
    const Tensor* wt = const_of(w.id);
    if (!wt || wt->rank() != 4) unsupported(n, "only 2-D convolutions with constant weights are read");
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
    std::vector<int> inputs = {x.id, graph_.add_constant(name + "/filter", std::move(filter))};
    if (b.id >= 0) inputs.push_back(b.id);
    Node& node = graph_.add_node(depthwise ? "depthwise_conv2d" : "conv2d", name, inputs);
    window_attrs(n, node, true);
    if (group > 1 && !depthwise) node.attrs.set("groups", group);
    out(n, node.outputs[0], 4, true);
  }

  void conv_transpose(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = to_nhwc(in(n, 0), name);
    const Tensor* wt = const_of(in(n, 1).id);
    if (!wt || wt->rank() != 4) unsupported(n, "only 2-D transposed convolutions with constant weights are read");
    if (attr_int(n, "group", 1) != 1) unsupported(n, "grouped transposed convolution");
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
    auto shape = known_shapes_.find(n.input(0));
    if (shape == known_shapes_.end() || shape->second.size() != 4 || shape->second[2] < 0 || shape->second[3] < 0)
      unsupported(n, "easel needs the input's size at load (ONNX shape inference could not give it)");
    const Ints strides = attr_ints(n, "strides", {1, 1}), dilations = attr_ints(n, "dilations", {1, 1});
    const Ints extra = attr_ints(n, "output_padding", {0, 0});
    Ints pads = attr_ints(n, "pads", {0, 0, 0, 0});  // top, left, bottom, right
    const Ints out_shape = attr_ints(n, "output_shape");
    const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    Ints size(2);
    for (int a = 0; a < 2; ++a) {
      const std::int64_t in_size = shape->second[static_cast<std::size_t>(2 + a)], k = (a ? KW : KH) - 1;
      const std::int64_t full = strides[static_cast<std::size_t>(a)] * (in_size - 1) + extra[static_cast<std::size_t>(a)] + k * dilations[static_cast<std::size_t>(a)] + 1;
      if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        size[static_cast<std::size_t>(a)] = !out_shape.empty() ? out_shape[out_shape.size() - 2 + static_cast<std::size_t>(a)] : in_size * strides[static_cast<std::size_t>(a)];
        const std::int64_t total = full - size[static_cast<std::size_t>(a)];
        const bool upper = auto_pad == "SAME_UPPER";
        pads[static_cast<std::size_t>(a)] = upper ? total / 2 : total - total / 2;
        pads[static_cast<std::size_t>(a + 2)] = total - pads[static_cast<std::size_t>(a)];
      } else {
        size[static_cast<std::size_t>(a)] = full - pads[static_cast<std::size_t>(a)] - pads[static_cast<std::size_t>(a + 2)];
      }
    }
    std::vector<int> inputs = {x.id, graph_.add_constant(name + "/filter", std::move(filter))};
    if (in(n, 2).id >= 0) inputs.push_back(in(n, 2).id);
    Node& node = graph_.add_node("conv2d_transpose", name, inputs);
    node.attrs.set("strides", strides);
    node.attrs.set("padding", std::string("EXPLICIT"));
    node.attrs.set("explicit_paddings", Ints{pads[0], pads[2], pads[1], pads[3]});
    node.attrs.set("output_shape", Ints{-1, size[0], size[1], O});
    out(n, node.outputs[0], 4, true);
  }

  void pool(const onnx::NodeProto& n, const std::string& name, const std::string& kind) {
    const Slot x = to_nhwc(in(n, 0), name);
    if (attr_int(n, "ceil_mode", 0) != 0) unsupported(n, "ceil_mode 1");
    if (kind == "avg_pool" && attr_int(n, "count_include_pad", 0) != 0) unsupported(n, "count_include_pad 1");
    Node& node = graph_.add_node(kind, name, {x.id});
    node.attrs.set("ksize", attr_ints(n, "kernel_shape"));
    window_attrs(n, node, false);
    out(n, node.outputs[0], 4, true);
  }

  // y = (x - mean) / sqrt(var + eps) * scale + bias: one multiply and one add per channel
  // (the fuse pass folds both into a preceding convolution).
  void batch_norm(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = to_nhwc(in(n, 0), name);
    auto scale = const_floats(n, 1), bias = const_floats(n, 2), mean = const_floats(n, 3), var = const_floats(n, 4);
    if (!scale || !bias || !mean || !var) fail(n, "scale, bias, mean and var must all be constants");
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
    if (xid < 0) unsupported(n, "batch normalization of a rank-" + std::to_string(x.rank) + " tensor");
    const int m = graph_.add_node("mul", name + "/scale", {xid, graph_.add_constant(name + "/k", std::move(mul))}).outputs[0];
    const int a = graph_.add_node("add", name, {m, graph_.add_constant(name + "/b", std::move(add))}).outputs[0];
    out(n, a, x.rank, x.nhwc);
  }

  void concat(const onnx::NodeProto& n, const std::string& name) {
    std::vector<Slot> xs;
    for (int i = 0; i < n.input_size(); ++i) xs.push_back(in(n, i));
    std::int64_t axis = attr_int(n, "axis", 0);
    const int rank = xs[0].rank;
    if (axis < 0) axis += rank;
    const bool nhwc = rank == 4 && std::any_of(xs.begin(), xs.end(), [](const Slot& s) { return s.nhwc; });
    std::vector<int> ids;
    for (Slot& s : xs) {
      if (nhwc) s = const_of(s.id) ? Slot{constant_for_nhwc(s.id, name), 4, true} : to_nhwc(s, name);
      ids.push_back(nhwc ? s.id : to_nchw(s, name));
    }
    Node& node = graph_.add_node("concat", name, ids);
    node.attrs.set("axis", nhwc ? nhwc_axis(axis) : axis);
    out(n, node.outputs[0], rank, nhwc);
  }

  void slice(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = in(n, 0);
    Ints starts, ends, axes, steps;
    if (opset_ < 10) {
      starts = attr_ints(n, "starts"), ends = attr_ints(n, "ends"), axes = attr_ints(n, "axes");
    } else {
      starts = const_ints(n, 1).value_or(Ints{}), ends = const_ints(n, 2).value_or(Ints{});
      axes = const_ints(n, 3).value_or(Ints{}), steps = const_ints(n, 4).value_or(Ints{});
    }
    if (x.rank < 0) unsupported(n, "the input's rank is unknown");
    if (axes.empty())
      for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    Ints begin(static_cast<std::size_t>(x.rank), 0), end(static_cast<std::size_t>(x.rank), 0), stride(static_cast<std::size_t>(x.rank), 1);
    std::int64_t begin_mask = (1 << x.rank) - 1, end_mask = (1 << x.rank) - 1;
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
    Node& node = graph_.add_node("strided_slice", name, {x.id});
    node.attrs.set("begin", begin);
    node.attrs.set("end", end);
    node.attrs.set("strides", stride);
    node.attrs.set("begin_mask", begin_mask);
    node.attrs.set("end_mask", end_mask);
    out(n, node.outputs[0], x.rank, x.nhwc);
  }

  // The new H, W as a value computed from the input's shape (folded at load once the input
  // size is known), or as constants when `sizes` gives them.
  void resize(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = to_nhwc(in(n, 0), name);
    const std::string mode = attr_string(n, "mode", "nearest");
    const std::string coords = attr_string(n, "coordinate_transformation_mode", opset_ >= 11 ? "half_pixel" : "asymmetric");
    const bool linear = mode == "linear" || mode == "bilinear";
    if (!linear && mode != "nearest") unsupported(n, "mode " + mode);
    std::optional<Ints> sizes;
    std::optional<std::vector<double>> scales;
    if (op_is(n, "Upsample")) scales = opset_ >= 9 ? const_floats(n, 1) : std::nullopt;
    else if (opset_ >= 11) scales = const_floats(n, 2), sizes = const_ints(n, 3);
    else scales = const_floats(n, 1);
    if (scales && scales->empty()) scales.reset();
    Node* node = nullptr;
    if (sizes && sizes->size() == 4) {
      node = &graph_.add_node(linear ? "resize_bilinear" : "resize_nearest", name, {x.id});
      node->attrs.set("size", Ints{(*sizes)[2], (*sizes)[3]});
    } else if (scales && scales->size() == 4) {
      // size = int(H * sh), int(W * sw), from the input's NHWC shape at plan time.
      const int shape = graph_.add_node("shape", name + "/shape", {x.id}).outputs[0];
      Node& hw = graph_.add_node("strided_slice", name + "/hw", {shape});
      hw.attrs.set("begin", Ints{1});
      hw.attrs.set("end", Ints{3});
      hw.attrs.set("strides", Ints{1});
      const int hw_f = graph_.add_node("cast", name + "/hw_float", {hw.outputs[0]}).outputs[0];
      graph_.nodes.back().attrs.set("to", std::string("float32"));
      const int scaled = graph_.add_node("mul", name + "/scaled", {hw_f, graph_.add_constant(name + "/scales", Tensor::from<float>({2}, {static_cast<float>((*scales)[2]), static_cast<float>((*scales)[3])}))}).outputs[0];
      const int floored = graph_.add_node("floor", name + "/floor", {scaled}).outputs[0];
      Node& size = graph_.add_node("cast", name + "/size", {floored});
      size.attrs.set("to", std::string("int32"));
      const int size_id = size.outputs[0];
      node = &graph_.add_node(linear ? "resize_bilinear" : "resize_nearest", name, {x.id, size_id});
    } else {
      fail(n, "needs constant scales or sizes for N, C, H, W");
    }
    // ONNX coordinate modes in TF's terms (easel's resize follows TF).
    if (coords == "align_corners") node->attrs.set("align_corners", true);
    else if (coords == "half_pixel" || coords == "pytorch_half_pixel") node->attrs.set("half_pixel_centers", true);
    else if (coords != "asymmetric") unsupported(n, "coordinate_transformation_mode " + coords);
    if (!linear) {
      const std::string nearest = attr_string(n, "nearest_mode", "round_prefer_floor");
      if (coords == "asymmetric" && nearest != "floor") unsupported(n, "nearest_mode " + nearest + " with asymmetric coordinates (TF floors)");
    }
    out(n, node->outputs[0], 4, true);
  }
  static bool op_is(const onnx::NodeProto& n, const char* op) { return n.op_type() == op; }

  void reshape(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = in(n, 0);
    Ints shape = const_ints(n, 1).value_or(attr_ints(n, "shape"));
    const int xid = to_nchw(x, name);
    // ONNX's 0 copies the input's dimension: read it from the input's shape (folded at load).
    if (std::find(shape.begin(), shape.end(), 0) != shape.end() && attr_int(n, "allowzero", 0) == 0) {
      const int sh = graph_.add_node("shape", name + "/in_shape", {xid}).outputs[0];
      std::vector<int> parts;
      for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0) {
          Node& d = graph_.add_node("strided_slice", name + "/dim" + std::to_string(i), {sh});
          d.attrs.set("begin", Ints{static_cast<std::int64_t>(i)});
          d.attrs.set("end", Ints{static_cast<std::int64_t>(i) + 1});
          d.attrs.set("strides", Ints{1});
          parts.push_back(d.outputs[0]);
        } else {
          parts.push_back(graph_.add_constant(name + "/d" + std::to_string(i), Tensor::from<std::int32_t>({1}, {static_cast<std::int32_t>(shape[i])})));
        }
      }
      Node& cat = graph_.add_node("concat", name + "/shape", parts);
      cat.attrs.set("axis", std::int64_t{0});
      const int shape_id = cat.outputs[0];
      return out(n, graph_.add_node("reshape", name, {xid, shape_id}).outputs[0], static_cast<int>(shape.size()), false);
    }
    Node& node = graph_.add_node("reshape", name, {xid});
    node.attrs.set("shape", shape);
    out(n, node.outputs[0], static_cast<int>(shape.size()), false);
  }

  void flatten(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = in(n, 0);
    std::int64_t axis = attr_int(n, "axis", 1);
    if (x.rank < 0) unsupported(n, "the input's rank is unknown");
    if (axis < 0) axis += x.rank;
    const int xid = to_nchw(x, name);
    // [prod(dims before axis), -1], the first from the input's shape (folded at load).
    const int sh = graph_.add_node("shape", name + "/in_shape", {xid}).outputs[0];
    int lead;
    if (axis == 0) {
      lead = graph_.add_constant(name + "/one", Tensor::from<std::int32_t>({1}, {1}));
    } else {
      Node& head = graph_.add_node("strided_slice", name + "/head", {sh});
      head.attrs.set("begin", Ints{0});
      head.attrs.set("end", Ints{axis});
      head.attrs.set("strides", Ints{1});
      Node& prod = graph_.add_node("prod", name + "/lead", {head.outputs[0]});
      prod.attrs.set("axes", Ints{0});
      prod.attrs.set("keep_dims", true);
      lead = prod.outputs[0];
    }
    Node& cat = graph_.add_node("concat", name + "/shape", {lead, graph_.add_constant(name + "/rest", Tensor::from<std::int32_t>({1}, {-1}))});
    cat.attrs.set("axis", std::int64_t{0});
    const int shape_id = cat.outputs[0];
    out(n, graph_.add_node("reshape", name, {xid, shape_id}).outputs[0], 2, false);
  }

  void matmul(const onnx::NodeProto& n, const std::string& name) {
    Slot a = in(n, 0), b = in(n, 1);
    const int aid = to_nchw(a, name), bid = to_nchw(b, name);
    if (n.op_type() == "MatMul") return out(n, graph_.add_node("matmul", name, {aid, bid}).outputs[0], std::max(a.rank, b.rank), false);
    const double alpha = attr_float(n, "alpha", 1.f), beta = attr_float(n, "beta", 1.f);
    const bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
    int weights = bid;
    if (alpha != 1.0) {
      const Tensor* w = const_of(bid);
      if (!w) unsupported(n, "alpha != 1 with non-constant B");
      Tensor scaled = w->clone();
      for (std::int64_t i = 0; i < scaled.size(); ++i) scaled.data<float>()[i] *= static_cast<float>(alpha);
      weights = graph_.add_constant(name + "/alpha_b", std::move(scaled));
    }
    std::vector<int> inputs = {aid, weights};
    const Slot c = in(n, 2);
    int extra_add = -1;
    if (c.id >= 0) {
      const Tensor* ct = const_of(c.id);
      if (ct && (ct->rank() == 1 || (ct->rank() == 2 && ct->dim(0) == 1))) {
        Tensor bias(DType::f32, {ct->size()});
        for (std::int64_t i = 0; i < ct->size(); ++i) bias.data<float>()[i] = static_cast<float>(ct->at(i) * beta);
        inputs.push_back(graph_.add_constant(name + "/bias", std::move(bias)));
      } else {
        if (beta != 1.0) unsupported(n, "beta != 1 with a non-vector C");
        extra_add = c.id;
      }
    }
    Node& node = graph_.add_node("matmul", extra_add >= 0 ? name + "/matmul" : name, inputs);
    node.attrs.set("transpose_a", ta);
    node.attrs.set("transpose_b", tb);
    int id = node.outputs[0];
    if (extra_add >= 0) id = graph_.add_node("add", name, {id, extra_add}).outputs[0];
    out(n, id, 2, false);
  }

  void split(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = in(n, 0);
    std::int64_t axis = attr_int(n, "axis", 0);
    if (x.rank < 0) unsupported(n, "the input's rank is unknown");
    if (axis < 0) axis += x.rank;
    Ints sizes = attr_ints(n, "split");
    if (auto s = const_ints(n, 1)) sizes = *s;
    if (sizes.empty()) unsupported(n, "easel needs the split sizes (equal splits of an unknown size are not read yet)");
    Node& node = graph_.add_node("split", name, {x.id}, n.output_size());
    node.attrs.set("axis", x.nhwc ? nhwc_axis(axis) : axis);
    node.attrs.set("sizes", sizes);
    for (int i = 0; i < n.output_size(); ++i) bind(n.output(i), {node.outputs[static_cast<std::size_t>(i)], x.rank, x.nhwc});
  }

  void pad(const onnx::NodeProto& n, const std::string& name) {
    const Slot x = in(n, 0);
    Ints pads = opset_ >= 11 ? const_ints(n, 1).value_or(Ints{}) : attr_ints(n, "pads");
    double value = attr_float(n, "value", 0.f);
    if (auto v = const_floats(n, 2)) value = v->empty() ? 0.0 : v->at(0);
    const std::string mode = attr_string(n, "mode", "constant");
    if (mode != "constant" && mode != "reflect") unsupported(n, "mode " + mode);
    const auto r = static_cast<std::size_t>(x.rank);
    if (pads.size() != 2 * r) fail(n, "'pads' must have 2 x rank values");
    Ints paddings(2 * r);
    for (std::size_t a = 0; a < r; ++a) {
      const std::size_t to = x.nhwc ? static_cast<std::size_t>(nhwc_axis(static_cast<std::int64_t>(a))) : a;
      paddings[2 * to] = pads[a], paddings[2 * to + 1] = pads[a + r];
    }
    Node& node = graph_.add_node("pad", name, {x.id});
    node.attrs.set("paddings", paddings);
    node.attrs.set("mode", mode);
    node.attrs.set("constant_value", value);
    out(n, node.outputs[0], x.rank, x.nhwc);
  }

  fs::path file_;
  Graph graph_;
  std::int64_t opset_ = 13;
  std::map<std::string, Slot> slots_;
  std::map<int, int> nchw_cache_, nhwc_cache_;
  std::map<std::string, Ints> known_shapes_;  // from ONNX shape inference
};

}  // namespace

Graph import_onnx(const fs::path& file) { return OnnxImporter(file).run(); }

std::vector<std::string> onnx_ops() {
  return {"Abs", "Add", "AveragePool", "BatchNormalization", "Ceil", "Clip", "Concat", "Constant", "Conv", "ConvTranspose", "Div", "Dropout", "Elu", "Erf",
          "Exp", "Flatten", "Floor", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "HardSwish", "Identity", "LeakyRelu", "Log", "LogSoftmax",
          "MatMul", "Max", "MaxPool", "Min", "Mul", "Neg", "Pad", "Pow", "Reciprocal", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceSum", "Relu",
          "Reshape", "Resize", "Shape", "Sigmoid", "Slice", "Softmax", "Softplus", "Split", "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose",
          "Unsqueeze", "Upsample"};
}

}  // namespace easel::nn
