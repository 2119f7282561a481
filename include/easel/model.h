// easel::Model: any model easel can read (TF.js graph or layers model, TFLite, ONNX),
// run on tensors. The tasks (classifier, pose, ...) are built on it.
//
//   auto model = easel::Model::load("posenet");          // catalog name, file or folder
//   easel::Tensor image(easel::DType::f32, {1, 385, 385, 3});
//   auto outputs = model.run({image});                   // NHWC float32 tensors
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "easel/model_store.h"
#include "easel/tensor.h"

namespace easel {

struct ModelOptions {
  // 0: easel chooses, run by run, between all cores and one thread, by how long runs take
  // (all cores on a quiet machine, one when other programs keep the cores busy).
  int threads = 0;
  bool reference_kernels = false;  // plain loops instead of oneDNN (the test oracle)
  bool profile = false;            // time every op; read it with Model::profile()
  // Quantized (uint8/int8) TFLite models run their convolutions and adds on integers with
  // oneDNN's int8 kernels. false: everything in float32 on the dequantized weights (the
  // fallback, and the reference the int8 engine is tested against).
  bool int8 = true;
  // Run only as far as these values, by name (a layer in a layers model, a node's output in
  // a graph model, a tensor in TFLite and ONNX): they become the model's outputs, and the
  // nodes only the rest needed are dropped. A feature extractor cuts a classifier at its
  // penultimate layer this way. Empty: the model's own outputs.
  std::vector<std::string> outputs = {};
};

// Where the time goes: one op of the model, over the runs since it was (re)planned.
struct OpTiming {
  std::string node;  // the node's name in the model file
  std::string op;    // easel's op name, e.g. "conv2d"
  int runs = 0;
  double total_ms = 0;
  double flops = 0;  // per run
};

struct ModelStats {
  std::int64_t parameters = 0;
  double flops = 0;                // per inference
  std::int64_t working_bytes = 0;  // activation memory after buffer sharing
  int ops = 0;                     // ops run per inference, after folding
  int folded = 0;                  // nodes computed once at load
  int int8_ops = 0;                // of `ops`, those running on integers (ModelOptions::int8)
};

class Model {
 public:
  // `name_or_path`: a model store name, a model file (model.json, .tflite, .onnx) or a
  // folder with a model.json. Throws Error naming the file, node or op at fault.
  static Model load(const std::string& name_or_path, const ModelOptions& options = {});
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  const std::string& format() const;          // "tfjs-graph", "tfjs-layers", ...
  const std::filesystem::path& path() const;  // the file loaded
  std::vector<TensorInfo> inputs() const;     // -1 for a size given at run time
  std::vector<TensorInfo> outputs() const;

  // One tensor per input, in inputs() order; returns one per output, in outputs() order.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // Plans for these input shapes (if not yet) and reports parameters, FLOPs, memory.
  ModelStats stats(const std::vector<Shape>& input_shapes = {});
  // Per op, in run order, when loaded with ModelOptions::profile; else empty.
  std::vector<OpTiming> profile() const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
