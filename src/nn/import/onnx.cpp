// The ONNX importer's reader (Debian's libonnx protobuf classes): the file, its tensors,
// the graph's inputs and outputs, and the NCHW <-> NHWC layout (onnx_importer.h); each op's
// translation is in onnx_ops.cpp. Values are NHWC where a convolution-family op made them;
// a transpose back to NCHW is inserted only where the ONNX semantics need the original
// order (reshape, flatten, transpose, shape, gather, graph outputs).
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
#include "nn/import/onnx_importer.h"

namespace fs = std::filesystem;

namespace easel::nn {
namespace onnx_import {

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback) {
  const auto* a = attr(n, name);
  return a ? a->i() : fallback;
}
float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) {
  const auto* a = attr(n, name);
  return a ? a->f() : fallback;
}
std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) {
  const auto* a = attr(n, name);
  return a ? a->s() : fallback;
}
Ints attr_ints(const onnx::NodeProto& n, const std::string& name, const Ints& fallback) {
  const auto* a = attr(n, name);
  return a ? Ints(a->ints().begin(), a->ints().end()) : fallback;
}

const Ints* Importer::known_shape(const std::string& value) const {
  auto it = known_shapes_.find(value);
  return it == known_shapes_.end() ? nullptr : &it->second;
}

Importer::Importer(const fs::path& file) : file_(file) { graph_.source = file.string(); }

Graph Importer::run() {
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
  // (ConvTranspose's output size); where it cannot infer, those ops say so. It runs only
  // where such an op is, and after the window attributes it reads are checked: onnx 1.12's
  // convPoolShapeInference reads past them on a hostile file (a SEGV the fuzzer found).
  bool needs_shapes = false;
  for (const auto& node : model.graph().node()) {
    needs_shapes |= node.op_type() == "ConvTranspose";
    static const std::set<std::string> windowed = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "ConvInteger", "QLinearConv"};
    if (!windowed.count(node.op_type())) continue;
    const Ints kernel = attr_ints(node, "kernel_shape"), strides = attr_ints(node, "strides"), dilations = attr_ints(node, "dilations"),
               pads = attr_ints(node, "pads");
    // Without kernel_shape (ONNX lets the weights give it), the other lists say the rank.
    const std::size_t k = kernel.empty() ? std::max({strides.size(), dilations.size(), (pads.size() + 1) / 2}) : kernel.size();
    const auto positive = [](const Ints& v) { return std::all_of(v.begin(), v.end(), [](std::int64_t x) { return x > 0 && x <= (1 << 20); }); };
    const bool sizes_agree = (strides.empty() || strides.size() == k) && (dilations.empty() || dilations.size() == k) && (pads.empty() || pads.size() == 2 * k);
    if (k > 3 || !sizes_agree || !positive(kernel) || !positive(strides) || !positive(dilations) ||
        std::any_of(pads.begin(), pads.end(), [](std::int64_t x) { return x < 0 || x > (1 << 20); }))
      fail(node, "its kernel_shape, strides, dilations and pads do not agree (one value per spatial axis, two pads each, none negative)");
  }
  if (needs_shapes) {
    try {
      onnx::shape_inference::InferShapes(model);
    } catch (const std::exception&) {
    }
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
      for (const auto& d : out.type().tensor_type().shape().dim())
        v.shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
    graph_.outputs.push_back(id);
  }
  graph_.sort();
  return std::move(graph_);
}

Tensor Importer::tensor_of(const onnx::TensorProto& t) const {
  Shape shape(t.dims().begin(), t.dims().end());
  std::int64_t n = 1;
  // Checked before any byte count is made from it: a negative or overflowing shape is a
  // damaged file.
  if (std::any_of(shape.begin(), shape.end(), [](std::int64_t d) { return d < 0; }))
    fail_model("the tensor '" + t.name() + "' has the negative shape " + to_string(shape));
  if (const std::string why = too_large(shape); !why.empty()) fail_model("the tensor '" + t.name() + "': " + why);
  for (auto d : shape) n *= d;
  const std::string& raw = t.raw_data();
  auto from_raw = [&](std::size_t elem) {
    if (raw.size() != static_cast<std::size_t>(n) * elem)
      fail_model("the tensor '" + t.name() + "' has " + std::to_string(raw.size()) + " bytes of data, " +
                 std::to_string(n * static_cast<std::int64_t>(elem)) + " expected");
  };
  // Values given as a list that does not fill the shape: the file's fault, said so.
  const auto count_mismatch = [&](int given) {
    fail_model("the tensor '" + t.name() + "' has " + std::to_string(given) + " values, " + std::to_string(n) + " expected");
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: {
      Tensor out(DType::f32, shape);
      if (!raw.empty()) from_raw(4), std::memcpy(out.raw(), raw.data(), raw.size());
      else if (t.float_data_size() == n) std::copy(t.float_data().begin(), t.float_data().end(), out.data<float>());
      else if (n > 0)
        fail_model("the tensor '" + t.name() + "' has " + std::to_string(t.float_data_size()) + " values, " + std::to_string(n) +
                   " expected");
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
        for (std::int64_t i = 0; i < n && i < t.int32_data_size(); ++i)
          out.data<float>()[i] = detail::half_to_float(static_cast<std::uint16_t>(t.int32_data(static_cast<int>(i))));
      }
      return out;
    }
    case onnx::TensorProto::DOUBLE: {
      Tensor out(DType::f32, shape);
      if (raw.empty() && t.double_data_size() != n) count_mismatch(t.double_data_size());
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
      if (raw.empty() && (wide ? t.int64_data_size() : t.int32_data_size()) != n)
        count_mismatch(wide ? t.int64_data_size() : t.int32_data_size());
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
        out.data<std::int32_t>()[i] = static_cast<std::int32_t>(
            std::clamp<std::int64_t>(v, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
      }
      return out;
    }
    case onnx::TensorProto::BOOL: {  // a byte each in raw_data, else one int32 each
      Tensor out(DType::boolean, shape);
      if (!raw.empty()) from_raw(1);
      else if (t.int32_data_size() != n) count_mismatch(t.int32_data_size());
      for (std::int64_t i = 0; i < n; ++i)
        out.data<bool>()[i] = !raw.empty() ? raw[static_cast<std::size_t>(i)] != 0 : t.int32_data(static_cast<int>(i)) != 0;
      return out;
    }
    default:
      throw Error(ErrorCode::unsupported_op, "The tensor '" + t.name() + "' in " + file_.string() + " has ONNX data type " +
                                                 std::to_string(t.data_type()) +
                                                 ", which easel does not read (float, float16, double, int32, int64 and bool it does).");
  }
}

Slot Importer::constant(const onnx::TensorProto& t) {
  Tensor value = tensor_of(t);
  const int rank = value.rank();
  return {graph_.add_constant(t.name(), std::move(value)), rank, false};
}

void Importer::input(const onnx::ValueInfoProto& in) {
  const auto& type = in.type().tensor_type();
  DType dtype = DType::f32;
  if (type.elem_type() == onnx::TensorProto::INT64 || type.elem_type() == onnx::TensorProto::INT32) dtype = DType::i32;
  else if (type.elem_type() != onnx::TensorProto::FLOAT)
    throw Error(ErrorCode::unsupported_op, "The input '" + in.name() + "' of " + file_.string() + " has ONNX type " +
                                               onnx::TensorProto::DataType_Name(type.elem_type()) +
                                               "; easel feeds float and integer (int32, int64) inputs.");
  Shape shape;
  for (const auto& d : type.shape().dim()) shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
  const int id = graph_.add_input(in.name(), dtype, shape);
  bind(in.name(), {id, static_cast<int>(shape.size()), false});
}

const Tensor* Importer::const_of(int id) const {
  if (id < 0) return nullptr;  // an optional input left out
  const Value& v = graph_.values[static_cast<std::size_t>(id)];
  return v.is_constant() ? &v.constant : nullptr;
}

int Importer::transpose(int id, const Ints& perm, const std::string& name) {
  Node& t = graph_.add_node("transpose", name, {id});
  t.attrs.set("perm", perm);
  return t.outputs[0];
}

int Importer::to_nchw(const Slot& s, const std::string& name) {
  if (!s.nhwc) return s.id;
  auto it = nchw_cache_.find(s.id);
  if (it != nchw_cache_.end()) return it->second;
  return nchw_cache_[s.id] = transpose(s.id, {0, 3, 1, 2}, name + "/to_nchw");
}

Slot Importer::to_nhwc(const Slot& s, const std::string& name) {
  if (s.nhwc || s.rank != 4) return s;
  auto it = nhwc_cache_.find(s.id);
  if (it != nhwc_cache_.end()) return {it->second, 4, true};
  const int id = nhwc_cache_[s.id] = transpose(s.id, {0, 2, 3, 1}, name + "/to_nhwc");
  return {id, 4, true};
}

int Importer::constant_for_nhwc(int id, const std::string& name) {
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
                      static_cast<const char*>(c->raw()) + (((n * s[1] + ch) * s[2] + y) * s[3] + x) * static_cast<std::int64_t>(elem),
                      elem);
  return graph_.add_constant(name + "/nhwc", std::move(out));
}

Slot Importer::in(const onnx::NodeProto& n, int i) {
  // Later inputs may be optional; no op's first one is.
  if ((i >= n.input_size() || n.input(i).empty()) && i == 0) fail(n, "it has no input");
  if (i >= n.input_size() || n.input(i).empty()) return {};
  auto it = slots_.find(n.input(i));
  if (it == slots_.end()) fail(n, "its input '" + n.input(i) + "' is produced by no node before it");
  return it->second;
}

std::optional<Ints> Importer::const_ints(const onnx::NodeProto& n, int i) {
  const Slot s = in(n, i);
  if (s.id < 0) return std::nullopt;
  const Tensor* c = const_of(s.id);
  if (!c) fail(n, "input " + std::to_string(i) + " must be a constant (easel plans shapes at load)");
  Ints v;
  for (std::int64_t k = 0; k < c->size(); ++k) {
    const double x = c->at(k);
    // A float constant where integers are read: past int64's range (or NaN) no cast is defined.
    if (!(x >= -9.2e18 && x <= 9.2e18)) fail(n, "input " + std::to_string(i) + " holds " + std::to_string(x) + ", not a usable integer");
    v.push_back(static_cast<std::int64_t>(x));
  }
  return v;
}

std::optional<std::vector<double>> Importer::const_floats(const onnx::NodeProto& n, int i) {
  const Slot s = in(n, i);
  if (s.id < 0) return std::nullopt;
  const Tensor* c = const_of(s.id);
  if (!c) fail(n, "input " + std::to_string(i) + " must be a constant");
  std::vector<double> v;
  for (std::int64_t k = 0; k < c->size(); ++k) v.push_back(c->at(k));
  return v;
}

void Importer::fail(const onnx::NodeProto& n, const std::string& why) const {
  throw Error(ErrorCode::bad_model, "ONNX node '" + n.name() + "' (" + n.op_type() + ") in " + file_.string() + ": " + why + ".");
}

void Importer::unsupported(const onnx::NodeProto& n, const std::string& why) const {
  throw_unsupported_op("Op", n.op_type(), "node '" + name_of(n) + "'", file_.string(), why);
}

void Importer::fail_model(const std::string& why) const {
  throw Error(ErrorCode::bad_model, "The ONNX model in " + file_.string() + ": " + why + ".");
}

void Importer::bind(const std::string& name, Slot s) { slots_[name] = s; }

void Importer::out(const onnx::NodeProto& n, int id, int rank, bool nhwc) { bind(n.output(0), {id, rank, nhwc}); }

std::string Importer::name_of(const onnx::NodeProto& n) const {
  if (!n.name().empty()) return n.name();
  return n.output_size() > 0 ? n.output(0) : std::string();  // a node without outputs, in a damaged file
}
std::vector<Slot> Importer::translate_subgraph(const onnx::GraphProto& g) {
  for (const auto& init : g.initializer()) bind(init.name(), constant(init));
  for (const auto& node : g.node()) translate(node);
  std::vector<Slot> outs;
  for (const auto& out : g.output()) {
    auto it = slots_.find(out.name());
    if (it == slots_.end()) fail_model("the branch output '" + out.name() + "' is produced by no node");
    outs.push_back(it->second);
  }
  return outs;
}

void Importer::translate(const onnx::NodeProto& n) {
  // An op easel does not know is named first: its outputs may follow rules of its own
  // (an RNN's first output is optional).
  if (!n.domain().empty() && n.domain() != "ai.onnx") unsupported(n, "it is in the custom domain '" + n.domain() + "'");
  const Translation* t = find_translation(n.op_type());
  if (!t) unsupported(n);
  if (n.output_size() == 0 || n.output(0).empty())
    fail_model("a node (" + n.op_type() + (n.name().empty() ? "" : " '" + n.name() + "'") + ") has no output");
  t->translate(*this, n, name_of(n), t->easel_op);
}

}  // namespace onnx_import

Graph import_onnx(const fs::path& file) { return onnx_import::Importer(file).run(); }

std::vector<std::string> onnx_ops() { return onnx_import::translated_ops(); }

}  // namespace easel::nn
