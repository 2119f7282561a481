// One importer per format, each producing an nn::Graph (one file per format beside this).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "nn/graph.h"

namespace easel::nn {

// model.json of a TF.js graph model (format "graph-model") with its weight shards.
Graph import_tfjs_graph(const std::filesystem::path& model_json);
// model.json of a TF.js layers model (Keras topology) with its weight shards.
Graph import_tfjs_layers(const std::filesystem::path& model_json);

// A .tflite flatbuffer (float path: quantized and float16 weights become float32, see
// tflite_importer.h). Throws Error(bad_model) for a truncated or corrupt file and
// Error(unsupported_op) naming the first op easel cannot translate.
Graph import_tflite(const std::filesystem::path& file);

// An .onnx file (opset 7+): NCHW graphs are converted to easel's NHWC at load. Throws
// Error(bad_model) for a file that does not parse and Error(unsupported_op) naming the
// first op (and node) easel cannot translate.
Graph import_onnx(const std::filesystem::path& file);

// Foreign op names each importer understands, for `easel ops`.
std::vector<std::string> tfjs_graph_ops();
std::vector<std::string> tfjs_layers_classes();
std::vector<std::string> tflite_ops();  // TFLite builtin operators
std::vector<std::string> onnx_ops();

// The error of every importer for an op (or layer class) it has no translation for, or
// for a form of one it does not read: Error(unsupported_op) "KIND 'OP' (WHERE in FILE) is
// not supported[: WHY]." with the hint to `easel ops`. kind: "Op", "Layer class"; where:
// "node 'conv_1'", "layer 'dense'", "operator #12".
[[noreturn]] void throw_unsupported_op(const std::string& kind, const std::string& op, const std::string& where, const std::string& file,
                                       const std::string& why = {});

// Detects the format of `file` ("tfjs-graph", "tfjs-layers", "tflite", "onnx") and imports it.
Graph import_model(const std::filesystem::path& file, std::string* format);

}  // namespace easel::nn
