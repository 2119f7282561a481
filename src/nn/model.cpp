#include "easel/model.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "easel/error.h"
#include "models/locate_model.h"
#include "nn/fuse.h"
#include "nn/import/importers.h"
#include "nn/int8_pass.h"
#include "nn/interpreter.h"
#include "nn/thread_chooser.h"

namespace fs = std::filesystem;

namespace easel {

struct Model::Impl {
  std::string format;
  fs::path path;
  std::unique_ptr<nn::Interpreter> interpreter;  // all cores, or the threads asked for

  // With the default thread count: a one-thread plan beside it, made on first use from the
  // same graph (constants shared), and the chooser that times the two (thread_chooser.h).
  std::optional<nn::Graph> graph;
  std::unique_ptr<nn::Interpreter> single;
  std::optional<nn::ThreadChooser> chooser;
  std::vector<Shape> last_shapes;

  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
};

std::vector<Tensor> Model::Impl::run(const std::vector<Tensor>& inputs) {
  if (!chooser) return interpreter->run(inputs);
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  if (shapes != last_shapes) chooser->reset();  // other shapes, other times
  last_shapes = std::move(shapes);
  const int threads = chooser->next();
  nn::Interpreter* chosen = interpreter.get();
  if (threads == 1) {
    if (!single)
      single = std::make_unique<nn::Interpreter>(*graph, nn::InterpreterOptions{.threads = 1, .profile = interpreter->options().profile});
    chosen = single.get();
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Tensor> outputs = chosen->run(inputs);
  chooser->record(threads, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  return outputs;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

namespace {

// Makes the named values the graph's outputs and drops what only the rest needed.
void cut_at(nn::Graph& graph, const std::vector<std::string>& names, const fs::path& file) {
  std::vector<int> outputs;
  for (const std::string& name : names) {
    int found = -1;
    for (std::size_t v = 0; v < graph.values.size() && found < 0; ++v)
      if (graph.values[v].name == name || graph.values[v].name == name + ":0") found = static_cast<int>(v);
    if (found < 0) {
      std::string known;
      for (int v : graph.outputs) known += (known.empty() ? "'" : ", '") + graph.values[static_cast<std::size_t>(v)].name + "'";
      throw Error(ErrorCode::bad_input, "The model " + file.string() + " has no value named '" + name + "' to stop at.",
                  "Name a layer or tensor of the model (its outputs are " + known + ").");
    }
    outputs.push_back(found);
  }
  graph.outputs = std::move(outputs);
  graph.sort();  // keeps only the nodes the new outputs depend on
  graph.compact();
}

}  // namespace

Model Model::load(const std::string& name_or_path, const ModelOptions& options) {
  fs::path file = detail::locate_model(name_or_path);
  if (fs::is_directory(file)) file /= "model.json";
  auto impl = std::make_unique<Impl>();
  impl->path = file;
  nn::Graph graph = nn::import_model(file, &impl->format);
  if (!options.outputs.empty()) cut_at(graph, options.outputs, file);
  nn::fuse_ops(graph);
  if (options.int8 && !options.reference_kernels) nn::lower_to_int8(graph);
  nn::InterpreterOptions io;
  io.backend = options.reference_kernels ? nn::Backend::reference : nn::Backend::optimized;
  io.threads = options.threads;
  io.profile = options.profile;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (options.threads <= 0 && cores > 1 && !options.reference_kernels) {
    impl->graph = graph;  // shares the constants' storage
    impl->chooser.emplace(std::vector<int>{cores, 1});
  }
  impl->interpreter = std::make_unique<nn::Interpreter>(std::move(graph), io);
  return Model(std::move(impl));
}

const std::string& Model::format() const { return impl_->format; }
const fs::path& Model::path() const { return impl_->path; }

namespace {
std::vector<TensorInfo> describe(const nn::Graph& g, const std::vector<int>& ids) {
  std::vector<TensorInfo> out;
  for (int id : ids) {
    const auto& v = g.values[static_cast<std::size_t>(id)];
    TensorInfo info{v.name, v.dtype, v.shape};
    if (v.quant.quantized() && v.dtype == v.quant.dtype) {
      info.scale = v.quant.scale;
      info.zero_point = v.quant.zero_point;
    }
    out.push_back(std::move(info));
  }
  return out;
}
}  // namespace

std::vector<TensorInfo> Model::inputs() const { return describe(impl_->interpreter->graph(), impl_->interpreter->graph().inputs); }
std::vector<TensorInfo> Model::outputs() const { return describe(impl_->interpreter->graph(), impl_->interpreter->graph().outputs); }

std::vector<Tensor> Model::run(const std::vector<Tensor>& inputs) { return impl_->run(inputs); }

ModelStats Model::stats(const std::vector<Shape>& input_shapes) {
  if (!input_shapes.empty()) impl_->interpreter->plan(input_shapes);
  const auto& s = impl_->interpreter->stats();
  int int8_ops = 0;
  for (const nn::Node& n : impl_->interpreter->graph().nodes) int8_ops += n.op.starts_with("quantized_");
  return {s.parameters, s.flops, s.working_bytes, s.steps, s.folded, int8_ops};
}

std::vector<OpTiming> Model::profile() const {
  std::vector<OpTiming> out;
  for (const auto& p : impl_->interpreter->profile()) out.push_back({p.node, p.op, p.runs, p.total_ms, p.flops});
  return out;
}

}  // namespace easel
