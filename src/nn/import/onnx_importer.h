// The ONNX importer's internals, shared by onnx.cpp (the file, tensors, graph inputs and
// outputs, NCHW <-> NHWC layout) and onnx_ops.cpp (one translation per ONNX op), as the
// TFLite importer splits into tflite.cpp and tflite_ops.cpp.
//
// ONNX images are NCHW and easel's ops NHWC: a 4-D value produced by a convolution-family
// op is kept NHWC (its ONNX axes permuted), layout-agnostic ops follow their input's layout
// with their axes and constants mapped, and a transpose back to NCHW is inserted only where
// the ONNX semantics need the original order.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nn/graph.h"

namespace easel::nn::onnx_import {

using Ints = std::vector<std::int64_t>;

// ONNX axis a of an NCHW tensor, as an axis of its NHWC easel value.
inline std::int64_t nhwc_axis(std::int64_t a) {
  static const std::int64_t map[4] = {0, 3, 1, 2};
  return map[a];
}

// What the importer knows of an ONNX value.
struct Slot {
  int id = -1;        // easel value
  int rank = -1;      // -1: unknown
  bool nhwc = false;  // a 4-D value stored NHWC
};

// A node's attributes, or the fallback when absent.
const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name);
std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback);
float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback);
std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback);
Ints attr_ints(const onnx::NodeProto& n, const std::string& name, const Ints& fallback = {});

class Importer {
 public:
  explicit Importer(const std::filesystem::path& file);
  Graph run();

  // ---- for the op translations ----
  Graph& graph() { return graph_; }
  std::int64_t opset() const { return opset_; }
  // Input i of node n (an absent optional input: id -1).
  Slot in(const onnx::NodeProto& n, int i);
  // A constant input as integers (axes, shapes, pads) or numbers; nullopt when absent.
  std::optional<Ints> const_ints(const onnx::NodeProto& n, int i);
  std::optional<std::vector<double>> const_floats(const onnx::NodeProto& n, int i);
  const Tensor* const_of(int id) const;  // nullptr unless a constant
  // ONNX's shape inference's shape of a value, where it gave one.
  const Ints* known_shape(const std::string& value) const;
  // Binds node n's first output, or a named ONNX value, to an easel value.
  void out(const onnx::NodeProto& n, int id, int rank, bool nhwc);
  void bind(const std::string& name, Slot s);
  Slot constant(const onnx::TensorProto& t);

  // Translates the nodes of a subgraph (an If's branch) into this graph, its initializers
  // as constants; returns its outputs. ONNX names are unique across a model, subgraphs
  // included, so the branch reads outer values by name.
  std::vector<Slot> translate_subgraph(const onnx::GraphProto& g);

  // Layout: a value in NCHW (a transpose when it is NHWC), in NHWC, a constant permuted to
  // broadcast against an NHWC value.
  int transpose(int id, const Ints& perm, const std::string& name);
  int to_nchw(const Slot& s, const std::string& name);
  Slot to_nhwc(const Slot& s, const std::string& name);
  int constant_for_nhwc(int id, const std::string& name);

  // Error(bad_model) naming the node, its op and the file; Error(unsupported_op) for a form
  // of an op easel does not read (or an op it does not know).
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& why) const;
  [[noreturn]] void unsupported(const onnx::NodeProto& n, const std::string& why = "") const;

 private:
  [[noreturn]] void fail_model(const std::string& why) const;
  Tensor tensor_of(const onnx::TensorProto& t) const;
  void input(const onnx::ValueInfoProto& in);
  void translate(const onnx::NodeProto& n);
  std::string name_of(const onnx::NodeProto& n) const;

  std::filesystem::path file_;
  Graph graph_;
  std::int64_t opset_ = 13;
  std::map<std::string, Slot> slots_;
  std::map<int, int> nchw_cache_, nhwc_cache_;
  std::map<std::string, Ints> known_shapes_;  // from ONNX shape inference
};

// How one ONNX op becomes easel nodes (onnx_ops.cpp): `translate` reads the node through
// the Importer, adds the nodes and binds its outputs. `easel_op` is the easel op for the
// translations that share a function (the elementwise ops).
struct Translation {
  const char* op_type;
  void (*translate)(Importer& im, const onnx::NodeProto& n, const std::string& name, const char* easel_op);
  const char* easel_op;
};
// nullptr when easel does not translate this op.
const Translation* find_translation(const std::string& op_type);
// The ONNX ops that have a translation, sorted.
std::vector<std::string> translated_ops();

}  // namespace easel::nn::onnx_import
