// easel ops: what each importer understands, and the easel ops they become.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "nn/import/importers.h"
#include "nn/op.h"

namespace easel::cli {
namespace {

void print_wrapped(const char* title, const std::vector<std::string>& names) {
  std::printf("%s (%zu):\n", title, names.size());
  std::string line = "  ";
  for (const auto& n : names) {
    if (line.size() + n.size() > 90) {
      std::printf("%s\n", line.c_str());
      line = "  ";
    }
    line += n + " ";
  }
  if (line.size() > 2) std::printf("%s\n", line.c_str());
  std::printf("\n");
}

}  // namespace

void add_ops_command(CLI::App& app) {
  auto cmd = app.add_subcommand("ops", "List the ops and layers each model format supports");
  cmd->callback([] {
    print_wrapped("TF.js graph models (TensorFlow ops)", nn::tfjs_graph_ops());
    print_wrapped("TF.js layers models (Keras layer classes)", nn::tfjs_layers_classes());
    print_wrapped("TFLite models (builtin operators)", nn::tflite_ops());
    print_wrapped("ONNX models (ai.onnx ops; NCHW converted to NHWC at load)", nn::onnx_ops());
    std::vector<std::string> ours;
    for (const auto& e : nn::op_table()) ours.push_back(e.name);
    print_wrapped("easel ops (every format is translated into these)", ours);
  });
}

}  // namespace easel::cli
