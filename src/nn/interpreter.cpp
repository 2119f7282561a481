#include "nn/interpreter.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <omp.h>

#include "easel/error.h"

namespace easel::nn {

struct Interpreter::Step {
  const Node* node = nullptr;
  std::unique_ptr<Op> op;
  int runs = 0;
  double total_ms = 0;
  bool view = false;  // output aliases input 0's buffer: nothing to run
};

namespace {
bool is_view_op(const std::string& op) { return op == "reshape" || op == "squeeze" || op == "expand_dims" || op == "identity"; }
}  // namespace

Interpreter::Interpreter(Graph graph, InterpreterOptions options) : graph_(std::move(graph)), options_(options) {
  if (options_.threads <= 0) options_.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Unknown ops fail at load, naming the op, the node and the file.
  for (const Node& n : graph_.nodes)
    if (!find_op(n.op))
      throw Error(ErrorCode::unsupported_op, "Op '" + n.op + "' (node '" + n.name + "' in " + graph_.source + ") is not supported.",
                  "`easel ops` lists the supported ops per format.");
  for (const Value& v : graph_.values)
    if (v.is_constant()) stats_.parameters += v.constant.size();
  bool fixed = true;
  std::vector<Shape> shapes;
  for (int id : graph_.inputs) {
    const Shape& s = graph_.values[static_cast<std::size_t>(id)].shape;
    fixed = fixed && std::none_of(s.begin(), s.end(), [](std::int64_t d) { return d < 0; });
    shapes.push_back(s);
  }
  if (fixed) plan(shapes);  // errors in the model surface at load, not at the first run
}

Interpreter::~Interpreter() = default;
Interpreter::Interpreter(Interpreter&&) noexcept = default;
Interpreter& Interpreter::operator=(Interpreter&&) noexcept = default;

void Interpreter::plan(const std::vector<Shape>& input_shapes) {
  omp_set_num_threads(options_.threads);  // oneDNN and our loops share OpenMP's pool
  const std::size_t nv = graph_.values.size();
  std::vector<DType> dtypes(nv);
  std::vector<Shape> shapes(nv);
  std::vector<Tensor> known(nv);  // values known at plan time
  std::vector<bool> is_known(nv, false);
  for (std::size_t v = 0; v < nv; ++v) {
    dtypes[v] = graph_.values[v].dtype;
    shapes[v] = graph_.values[v].shape;
    if (graph_.values[v].is_constant()) {
      known[v] = graph_.values[v].constant;
      is_known[v] = true;
    }
  }
  for (std::size_t i = 0; i < graph_.inputs.size(); ++i) {
    const auto v = static_cast<std::size_t>(graph_.inputs[i]);
    shapes[v] = input_shapes[i];
    if (const std::string why = too_large(shapes[v]); !why.empty())
      throw Error(ErrorCode::bad_model, "Input '" + graph_.values[v].name + "' of " + graph_.source + ": " + why + ".");
  }

  // Bytes held by the plan so far (tensors folded at load, then the arena), against
  // kMaxPlanBytes.
  std::int64_t plan_bytes = 0;
  const auto hold = [&](std::int64_t bytes, const std::string& what) {
    plan_bytes += bytes;
    if (plan_bytes > kMaxPlanBytes)
      throw Error(ErrorCode::bad_model, graph_.source + " would need more than " + std::to_string(kMaxPlanBytes >> 30) +
                                            " GiB of memory (" + what + "), easel's limit for one model (kMaxPlanBytes in "
                                            "src/nn/graph.h); smaller inputs need less.");
  };

  std::vector<Step> steps;
  PlanStats stats;
  stats.parameters = stats_.parameters;
  for (const Node& node : graph_.nodes) {
    PrepareContext ctx{node, graph_, {}, {}, {}, {}, {}, options_.threads};
    bool all_known = true;
    for (int in : node.inputs) {
      if (in < 0) {
        ctx.input_dtypes.push_back(DType::f32);
        ctx.input_shapes.push_back({});
        ctx.input_constants.push_back(nullptr);
        continue;
      }
      auto v = static_cast<std::size_t>(in);
      ctx.input_dtypes.push_back(dtypes[v]);
      ctx.input_shapes.push_back(shapes[v]);
      ctx.input_constants.push_back(is_known[v] ? &known[v] : nullptr);
      all_known = all_known && is_known[v];
    }
    ctx.output_dtypes.assign(node.outputs.size(), DType::f32);
    ctx.output_shapes.assign(node.outputs.size(), Shape{});
    // shape and size read only their input's shape, which is known at plan time.
    const bool shape_only = node.op == "shape" || node.op == "size";
    all_known = all_known || shape_only;
    // A node whose inputs are all known is computed now, with the reference kernel.
    Backend backend = all_known ? Backend::reference : options_.backend;
    std::unique_ptr<Op> op = find_op(node.op)->make(backend);
    try {
      op->prepare(ctx);
    } catch (const Error& e) {
      if (std::string(e.what()).starts_with("Node '")) throw;
      ctx.fail(e.what());
    }
    for (std::size_t o = 0; o < node.outputs.size(); ++o) {
      auto v = static_cast<std::size_t>(node.outputs[o]);
      dtypes[v] = ctx.output_dtypes[o];
      shapes[v] = ctx.output_shapes[o];
      for (auto d : shapes[v])
        if (d < 0) ctx.fail("output " + std::to_string(o) + " has an unknown dimension " + to_string(shapes[v]));
      if (const std::string why = too_large(shapes[v]); !why.empty()) ctx.fail("output " + std::to_string(o) + ": " + why);
    }
    if (all_known) {
      RunContext rc;
      std::vector<Tensor> shape_views;  // data-less stand-ins for inputs of shape/size
      shape_views.reserve(node.inputs.size());
      for (int in : node.inputs) {
        auto v = static_cast<std::size_t>(in);
        if (in >= 0 && !is_known[v]) {
          shape_views.push_back(Tensor::wrap(dtypes[v], shapes[v], nullptr));
          rc.inputs.push_back(&shape_views.back());
        } else {
          rc.inputs.push_back(in < 0 ? nullptr : &known[v]);
        }
      }
      for (int out : node.outputs) {
        auto v = static_cast<std::size_t>(out);
        hold(num_elements(shapes[v]) * static_cast<std::int64_t>(dtype_size(dtypes[v])), "computing node '" + node.name + "' at load");
        known[v] = Tensor(dtypes[v], shapes[v]);
        is_known[v] = true;
      }
      for (int out : node.outputs) rc.outputs.push_back(&known[static_cast<std::size_t>(out)]);
      op->run(rc);
      ++stats.folded;
      continue;
    }
    stats.flops += op->flops();
    steps.push_back({&node, std::move(op)});
  }

  // Buffer assignment: a value's buffer is free again after its last reader ran.
  // Graph inputs and outputs get buffers of their own.
  std::vector<int> last_use(nv, -1);
  for (std::size_t s = 0; s < steps.size(); ++s)
    for (int in : steps[s].node->inputs)
      if (in >= 0) last_use[static_cast<std::size_t>(in)] = static_cast<int>(s);
  for (int out : graph_.outputs) last_use[static_cast<std::size_t>(out)] = static_cast<int>(steps.size());
  std::vector<std::size_t> buffer_bytes;
  std::vector<int> buffer_free_after;  // step after which the buffer is free
  std::vector<int> value_buffer(nv, -1);
  auto assign = [&](std::size_t v, int step, bool exclusive) {
    std::size_t need = static_cast<std::size_t>(num_elements(shapes[v])) * dtype_size(dtypes[v]);
    need = std::max<std::size_t>((need + 63) / 64 * 64, 64);
    // Best fit among free buffers: the smallest that is big enough, else the largest (it grows).
    int best = -1;
    auto fits = [&](std::size_t b) { return buffer_bytes[b] >= need; };
    if (!exclusive)
      for (std::size_t b = 0; b < buffer_bytes.size(); ++b) {
        if (buffer_free_after[b] >= step) continue;
        if (best < 0) {
          best = static_cast<int>(b);
          continue;
        }
        auto cur = static_cast<std::size_t>(best);
        bool better = fits(b) ? (!fits(cur) || buffer_bytes[b] < buffer_bytes[cur]) : (!fits(cur) && buffer_bytes[b] > buffer_bytes[cur]);
        if (better) best = static_cast<int>(b);
      }
    if (best < 0) {
      best = static_cast<int>(buffer_bytes.size());
      buffer_bytes.push_back(need);
      buffer_free_after.push_back(0);
    }
    auto b = static_cast<std::size_t>(best);
    buffer_bytes[b] = std::max(buffer_bytes[b], need);
    buffer_free_after[b] = exclusive ? static_cast<int>(steps.size()) + 1 : std::max(last_use[v], step);
    value_buffer[v] = best;
  };
  for (int in : graph_.inputs) assign(static_cast<std::size_t>(in), -1, true);
  std::vector<bool> is_output(nv, false);
  for (int out : graph_.outputs) is_output[static_cast<std::size_t>(out)] = true;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Node& node = *steps[s].node;
    // reshape, squeeze, expand_dims and identity give the same bytes under another shape:
    // the output is a view of the input's buffer (kept until the later of their last
    // uses) and the step does not run.
    if (is_view_op(node.op) && node.outputs.size() == 1 && !node.inputs.empty() && node.inputs[0] >= 0) {
      const auto in = static_cast<std::size_t>(node.inputs[0]), out = static_cast<std::size_t>(node.outputs[0]);
      const bool same_bytes = num_elements(shapes[in]) * static_cast<std::int64_t>(dtype_size(dtypes[in])) ==
                              num_elements(shapes[out]) * static_cast<std::int64_t>(dtype_size(dtypes[out]));
      // (A graph output's last use is after the last step, so its view keeps the buffer.)
      if (value_buffer[in] >= 0 && same_bytes) {
        const auto b = static_cast<std::size_t>(value_buffer[in]);
        value_buffer[out] = value_buffer[in];
        buffer_free_after[b] = std::max(buffer_free_after[b], last_use[out]);
        steps[s].view = true;
        continue;
      }
    }
    for (int out : node.outputs) {
      auto v = static_cast<std::size_t>(out);
      assign(v, static_cast<int>(s), is_output[v]);
    }
  }

  std::int64_t arena_bytes = 0;
  for (std::size_t bytes : buffer_bytes) arena_bytes += static_cast<std::int64_t>(bytes);
  {
    std::string sizes;
    for (std::size_t i = 0; i < graph_.inputs.size(); ++i) sizes += (i ? ", " : "") + to_string(input_shapes[i]);
    hold(arena_bytes, std::to_string((arena_bytes + (1 << 20) - 1) >> 20) + " MiB of working tensors for inputs of shape " + sizes);
  }
  arena_.clear();
  stats.working_bytes = 0;
  for (std::size_t b = 0; b < buffer_bytes.size(); ++b) {
    arena_.emplace_back(DType::u8, Shape{static_cast<std::int64_t>(buffer_bytes[b])});
    stats.working_bytes += static_cast<std::int64_t>(buffer_bytes[b]);
  }
  values_.assign(nv, Tensor());
  for (std::size_t v = 0; v < nv; ++v) {
    if (is_known[v]) values_[v] = known[v];
    else if (value_buffer[v] >= 0) values_[v] = Tensor::wrap(dtypes[v], shapes[v], arena_[static_cast<std::size_t>(value_buffer[v])].raw());
  }
  value_buffer_ = std::move(value_buffer);
  steps_ = std::move(steps);
  stats.steps = static_cast<int>(steps_.size());
  stats_ = stats;
  planned_shapes_ = input_shapes;
}

std::vector<Tensor> Interpreter::run(const std::vector<Tensor>& inputs) {
  if (inputs.size() != graph_.inputs.size())
    throw Error(ErrorCode::bad_input, "The model in " + graph_.source + " takes " + std::to_string(graph_.inputs.size()) +
                                          " input(s), got " + std::to_string(inputs.size()) + ".");
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Value& want = graph_.values[static_cast<std::size_t>(graph_.inputs[i])];
    const Tensor& got = inputs[i];
    bool ok = got.rank() == static_cast<int>(want.shape.size());
    for (std::size_t d = 0; ok && d < want.shape.size(); ++d) ok = want.shape[d] < 0 || want.shape[d] == got.shape()[d];
    if (!ok)
      throw Error(ErrorCode::bad_input,
                  "Input '" + want.name + "' must have shape " + to_string(want.shape) + " (-1: any), got " + to_string(got.shape()) + ".");
    if (got.dtype() != want.dtype)
      throw Error(ErrorCode::bad_input,
                  "Input '" + want.name + "' must be " + to_string(want.dtype) + ", got " + to_string(got.dtype()) + ".");
    shapes.push_back(got.shape());
  }
  if (shapes != planned_shapes_ || (steps_.empty() && arena_.empty())) plan(shapes);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Tensor& dst = values_[static_cast<std::size_t>(graph_.inputs[i])];
    if (dst.raw() && dst.bytes()) std::memcpy(dst.raw(), inputs[i].raw(), dst.bytes());
  }
  omp_set_num_threads(options_.threads);
  for (Step& step : steps_) {
    if (step.view) continue;
    RunContext rc;
    for (int in : step.node->inputs) rc.inputs.push_back(in < 0 ? nullptr : &values_[static_cast<std::size_t>(in)]);
    for (int out : step.node->outputs) rc.outputs.push_back(&values_[static_cast<std::size_t>(out)]);
    if (!options_.profile) {
      step.op->run(rc);
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    step.op->run(rc);
    step.total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++step.runs;
  }
  std::vector<Tensor> outputs;
  for (int out : graph_.outputs) outputs.push_back(values_[static_cast<std::size_t>(out)].clone());
  return outputs;
}

std::vector<OpProfile> Interpreter::profile() const {
  std::vector<OpProfile> out;
  if (!options_.profile) return out;
  for (const Step& step : steps_) out.push_back({step.node->name, step.node->op, step.runs, step.total_ms, step.op->flops()});
  return out;
}

}  // namespace easel::nn
