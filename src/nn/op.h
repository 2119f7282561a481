// The op interface: validate and precompute once in prepare(), run many times.
// (The Prepare / Eval split of TFLite Micro.) Every op has two implementations chosen
// by Backend: `optimized` (oneDNN or tuned loops) and `reference` (plain loops, the test
// oracle). Ops are listed once, in op_table.cpp via the ops/*_ops.inc files.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nn/graph.h"

namespace easel::nn {

enum class Backend { optimized, reference };

struct PrepareContext {
  const Node& node;
  const Graph& graph;
  std::vector<DType> input_dtypes;             // one per node input
  std::vector<Shape> input_shapes;             // fully known (no -1) at prepare time
  std::vector<const Tensor*> input_constants;  // non-null where the input's value is known now
  std::vector<DType> output_dtypes;            // the op fills these...
  std::vector<Shape> output_shapes;            // ...one per node output
  int threads = 1;

  int num_inputs() const { return static_cast<int>(node.inputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && node.inputs[static_cast<std::size_t>(i)] >= 0; }
  // The constant value of input i; fails naming `what` if the input is not constant.
  const Tensor& constant(int i, const char* what) const;
  // Throws Error(bad_model): "Node 'name' (op) in file: message."
  [[noreturn]] void fail(const std::string& message) const;
  // Checks the input count is within [min, max] and that the first `min` are present, and
  // fails otherwise.
  void expect_inputs(int min, int max) const;
};

struct RunContext {
  std::vector<const Tensor*> inputs;  // null for an absent optional input
  std::vector<Tensor*> outputs;       // allocated with the prepared dtypes and shapes
  const Tensor& in(int i) const { return *inputs[static_cast<std::size_t>(i)]; }
  Tensor& out(int i) const { return *outputs[static_cast<std::size_t>(i)]; }
};

class Op {
 public:
  virtual ~Op() = default;
  virtual void prepare(PrepareContext& ctx) = 0;
  virtual void run(RunContext& ctx) = 0;
  // Floating-point operations of one run (a multiply-add counts 2), for `easel info`.
  virtual double flops() const { return 0; }
};

using OpFactory = std::unique_ptr<Op> (*)(Backend);

struct OpEntry {
  const char* name;
  OpFactory make;
};

std::span<const OpEntry> op_table();
const OpEntry* find_op(std::string_view name);  // nullptr if easel has no such op

}  // namespace easel::nn
