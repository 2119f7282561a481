// Runs a Graph. plan() folds everything computable from constants and the input
// shapes (so Shape -> StridedSlice -> Reshape chains vanish), prepares each remaining
// op once, and assigns buffers so values whose lifetimes do not overlap share memory.
// run() re-plans only when an input's shape changes.
#pragma once

#include <memory>
#include <vector>

#include "nn/graph.h"
#include "nn/op.h"

namespace easel::nn {

struct InterpreterOptions {
  Backend backend = Backend::optimized;
  int threads = 0;       // 0: all cores
  bool profile = false;  // time every op (a clock read per op; off by default)
};

// One op's share of the runs since the last plan (with InterpreterOptions::profile).
struct OpProfile {
  std::string node, op;
  int runs = 0;
  double total_ms = 0;
  double flops = 0;  // per run
};

struct PlanStats {
  std::int64_t parameters = 0;     // elements of the graph's constants
  double flops = 0;                // per run, counted by the ops
  std::int64_t working_bytes = 0;  // the activation arena
  int steps = 0;                   // ops left after folding
  int folded = 0;                  // nodes computed at plan time
};

class Interpreter {
 public:
  explicit Interpreter(Graph graph, InterpreterOptions options = {});
  ~Interpreter();
  Interpreter(Interpreter&&) noexcept;
  Interpreter& operator=(Interpreter&&) noexcept;

  // Inputs in the order of graph().inputs; outputs in the order of graph().outputs.
  // Throws Error(bad_input) naming the input for a wrong dtype or shape.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // Plans for these input shapes now (run() does it on demand).
  void plan(const std::vector<Shape>& input_shapes);

  const Graph& graph() const { return graph_; }
  const PlanStats& stats() const { return stats_; }  // of the current plan
  const InterpreterOptions& options() const { return options_; }
  // Per op, in run order; empty unless options().profile.
  std::vector<OpProfile> profile() const;

 private:
  struct Step;
  Graph graph_;
  InterpreterOptions options_;
  std::vector<Shape> planned_shapes_;
  std::vector<Step> steps_;
  std::vector<Tensor> values_;     // per value: constant, or a view into the arena
  std::vector<Tensor> arena_;      // shared buffers
  std::vector<int> value_buffer_;  // per value: arena index, or -1
  PlanStats stats_;
};

}  // namespace easel::nn
