#include "easel/model.h"

#include <algorithm>

#include "easel/error.h"
#include "nn/fuse.h"
#include "nn/import/importers.h"
#include "nn/int8_pass.h"
#include "nn/interpreter.h"

namespace fs = std::filesystem;

namespace easel {

struct Model::Impl {
  std::string format;
  fs::path path;
  std::unique_ptr<nn::Interpreter> interpreter;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

Model Model::load(const std::string& name_or_path, const ModelOptions& options) {
  fs::path file = name_or_path;
  if (!fs::exists(file)) {
    // A catalog name may hold a '.' ("mobilenet-v1-0.25"): the catalog is asked first, and
    // only a name it does not know and that looks like a path is reported as a missing file.
    ModelStore store;
    const bool known = std::any_of(store.models().begin(), store.models().end(),
                                   [&](const ModelSpec& m) { return m.name == name_or_path; });
    if (!known && (name_or_path.find('/') != std::string::npos || name_or_path.find('.') != std::string::npos))
      throw Error(ErrorCode::model_not_found, "There is no model file '" + name_or_path + "'.",
                  "Check the path, or give a model name from `easel models list`.");
    file = store.get(name_or_path).entry();
  }
  if (fs::is_directory(file)) file /= "model.json";
  auto impl = std::make_unique<Impl>();
  impl->path = file;
  nn::Graph graph = nn::import_model(file, &impl->format);
  nn::fuse_ops(graph);
  if (options.int8 && !options.reference_kernels) nn::lower_to_int8(graph);
  nn::InterpreterOptions io;
  io.backend = options.reference_kernels ? nn::Backend::reference : nn::Backend::optimized;
  io.threads = options.threads;
  io.profile = options.profile;
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
    TensorInfo info{v.name, to_string(v.dtype), v.shape};
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

std::vector<Tensor> Model::run(const std::vector<Tensor>& inputs) { return impl_->interpreter->run(inputs); }

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
