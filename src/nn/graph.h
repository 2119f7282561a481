// The one graph type every importer produces and the runtime executes. Values are
// tensors flowing between nodes (inputs, constants or node outputs); nodes are easel
// ops (src/nn/ops/README.md lists them with their inputs and attributes).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "easel/tensor.h"

namespace easel::nn {

using AttrValue = std::variant<std::int64_t, double, bool, std::string, std::vector<std::int64_t>, std::vector<double>>;

// Node attributes by name. Getters throw Error(bad_model) naming the attribute; the
// node context is added by the caller (see PrepareContext::fail).
class Attrs {
 public:
  void set(const std::string& name, AttrValue v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, AttrValue>& all() const { return values_; }

  std::int64_t get_int(const std::string& name) const;
  std::int64_t get_int(const std::string& name, std::int64_t fallback) const;
  double get_float(const std::string& name) const;
  double get_float(const std::string& name, double fallback) const;
  bool get_bool(const std::string& name, bool fallback) const;
  std::string get_string(const std::string& name) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<std::int64_t> get_ints(const std::string& name) const;
  std::vector<std::int64_t> get_ints(const std::string& name, const std::vector<std::int64_t>& fallback) const;
  std::vector<double> get_floats(const std::string& name) const;

 private:
  const AttrValue& get(const std::string& name) const;
  std::map<std::string, AttrValue> values_;
};

// Per-tensor affine quantization a source file gave a value (real = scale * (q - zero_point),
// q stored as `dtype`, uint8 or int8). On a float32 activation: the graph computes it in
// float, and the int8 pass (int8_pass.h) may keep it as those integers instead. On a
// float32 constant: the grid its dequantized weights lie on. On a uint8/int8 model input
// or output: how the caller's integers are to be read.
struct QuantParams {
  float scale = 0;  // 0: the value was not quantized
  std::int32_t zero_point = 0;
  DType dtype = DType::u8;
  bool quantized() const { return scale > 0; }
  bool operator==(const QuantParams&) const = default;
};

struct Value {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;      // -1 for a dimension not known until an input arrives
  Tensor constant;  // set for weights and folded constants
  QuantParams quant;
  bool is_constant() const { return constant.raw() != nullptr || (constant.size() == 0 && constant.shape().size() > 0); }
};

struct Node {
  std::string name;          // the name in the source file, for error messages
  std::string op;            // an easel op name ("conv2d", "add", ...)
  std::vector<int> inputs;   // value ids; -1 for an absent optional input
  std::vector<int> outputs;  // value ids
  Attrs attrs;
};

class Graph {
 public:
  std::string source;  // file the graph came from, for error messages
  std::vector<Value> values;
  std::vector<Node> nodes;  // in topological order once the importer is done (see sort())
  std::vector<int> inputs, outputs;

  int add_value(std::string name, DType dtype, Shape shape);
  int add_constant(std::string name, Tensor tensor);
  int add_input(std::string name, DType dtype, Shape shape);
  // Adds a node with `num_outputs` fresh output values named name, name:1, name:2...
  Node& add_node(std::string op, std::string name, std::vector<int> inputs, int num_outputs = 1);
  // Value id by name, or -1.
  int find(const std::string& value_name) const;

  // Orders nodes so every node comes after the producers of its inputs and drops
  // nodes no output depends on. Throws Error(bad_model) on a cycle.
  void sort();
  // Drops the nodes a rewrite emptied (op cleared) and the values nothing refers to any
  // more, renumbering the rest. Constants that only fed a rewrite (weights folded into new
  // ones, an OHWI filter transposed to HWIO) would otherwise double the weights' memory and
  // be counted twice as parameters.
  void compact();
};

// Who reads and writes each value: what a rewrite asks before it takes a value over.
struct ValueUses {
  std::vector<std::vector<int>> readers;  // per value: the nodes reading it
  std::vector<int> writer;                // per value: the node writing it, or -1
  std::vector<bool> is_output;            // per value: a graph output
  // Read by one node and not a graph output.
  bool single_use(int v) const {
    const auto i = static_cast<std::size_t>(v);
    return readers[i].size() == 1 && !is_output[i];
  }
};
ValueUses find_uses(const Graph& g);

// The most elements one tensor of a model may hold: 2^30 (4 GiB of float32). A model that
// declares more is damaged or hostile (a placeholder of 2^40 x 2^40 pixels), and sizes past
// it would overflow the byte counts of the kernels. The importers, the ops that build
// per-row tables and the planner all check against it.
constexpr std::int64_t kMaxTensorElements = std::int64_t{1} << 30;

// The most memory a model's plan may hold: its working tensors after buffer sharing and the
// tensors computed at load (constant folding), together: 4 GiB. A model of easel's kind
// needs far less (YOLOX-nano at 416 px: 30 MB); one that needs more at the sizes it is
// given is refused before the memory is taken, not left to exhaust the machine. Raise it
// here for bigger inputs on a machine that has the memory.
constexpr std::int64_t kMaxPlanBytes = std::int64_t{1} << 32;

// Empty when a shape is within kMaxTensorElements (or has an unknown, negative, size);
// else why not, for an error message.
std::string too_large(const Shape& shape);

}  // namespace easel::nn
