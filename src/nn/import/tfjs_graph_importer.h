// Internal to the TF.js graph-model importer (tfjs_graph.cpp): what one TensorFlow
// node's translation sees (its inputs, attributes and the graph being built) and the
// map from TF op names to translations (tfjs_graph_ops.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nn/graph.h"

namespace easel::nn::tfjs_graph_import {

// Ordered, so the signature's outputs keep the order of the file (TF.js's order).
using Json = nlohmann::ordered_json;

// Decodes standard or URL-safe base64 (TF's JSON form of bytes attributes); nullopt
// when `text` is not base64.
std::optional<std::string> decode_base64(std::string_view text);

// One TF node being translated into easel nodes. Attribute getters and constant
// readers fail with Error(bad_model) naming the node, its op and the file.
class OpContext {
 public:
  OpContext(Graph& graph, const std::string& file, const std::string& name, const std::string& op, const Json* attrs,
            std::vector<int> inputs);

  const std::string& name() const { return name_; }
  const std::string& op() const { return op_; }
  Graph& graph() { return graph_; }

  // Data inputs (control inputs are already gone), as value ids.
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int input(int i) const;
  void expect_inputs(int min, int max) const;
  // The value of input i when it is a constant at import time (a Const node), else null.
  const Tensor* constant(int i) const;
  // Input i read as integers / as one number, or nullopt when it is not a constant.
  std::optional<std::vector<std::int64_t>> const_ints(int i) const;
  std::optional<double> const_scalar(int i) const;

  bool has_attr(const std::string& key) const;
  std::int64_t attr_int(const std::string& key, std::optional<std::int64_t> fallback = {}) const;
  double attr_float(const std::string& key, std::optional<double> fallback = {}) const;
  bool attr_bool(const std::string& key, std::optional<bool> fallback = {}) const;
  std::string attr_string(const std::string& key, std::optional<std::string> fallback = {}) const;  // "s", decoded
  std::string attr_type(const std::string& key, std::optional<std::string> fallback = {}) const;    // "DT_FLOAT"
  std::vector<std::int64_t> attr_ints(const std::string& key, std::optional<std::vector<std::int64_t>> fallback = {}) const;
  std::vector<std::string> attr_strings(const std::string& key) const;  // list.s decoded; empty when absent

  // Adds the easel node that produces this TF node's outputs; they are named like the
  // TF node's ("name", "name:1", ...). Call once, last.
  void emit(const std::string& op, std::vector<int> inputs, Attrs attrs = {}, int num_outputs = 1);
  // Adds a one-output easel node whose output becomes this TF node's next output
  // ("name", then "name:1", ...): for ops that become one easel node per output.
  void emit_output(const std::string& op, std::vector<int> inputs, Attrs attrs = {});
  // Adds an intermediate easel node (for ops that become several) and returns its one
  // output, named "name#suffix" so it cannot clash with a TF node name.
  int emit_hidden(const std::string& op, const std::string& suffix, std::vector<int> inputs, Attrs attrs = {});
  // A constant made at import time (a folded batch norm's scale, ...), named "name#suffix".
  int add_constant(const std::string& suffix, Tensor tensor);
  // The TF node's output is this constant (an Identity of a Const): named like the node.
  void emit_constant(Tensor tensor);

  const std::vector<int>& outputs() const { return outputs_; }

  [[noreturn]] void fail(const std::string& message) const;         // Error(bad_model)
  [[noreturn]] void unsupported(const std::string& message) const;  // Error(unsupported_op)

 private:
  const Json* attr(const std::string& key) const;
  const Json& attr_list(const std::string& key) const;

  Graph& graph_;
  const std::string& file_;
  const std::string& name_;
  const std::string& op_;
  const Json* attrs_;
  std::vector<int> inputs_;
  std::vector<int> outputs_;
};

using Translation = void (*)(OpContext&);

// The translation of a TF op, or nullptr when easel does not support it. Placeholder,
// Const and NoOp are handled by the importer itself.
Translation find_translation(std::string_view tf_op);
// Every TF op the map translates, sorted.
std::vector<std::string> translated_ops();

}  // namespace easel::nn::tfjs_graph_import
