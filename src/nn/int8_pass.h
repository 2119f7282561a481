// The int8 engine for quantized models. The TFLite importer produces a float32 graph
// (quantized weights dequantized) and records on each value the uint8/int8 quantization
// the file gave it (Value::quant). This pass rewrites the nodes that have integer kernels,
// conv2d, depthwise_conv2d and add whose inputs and output are all quantized, into
// quantized_conv2d, quantized_depthwise_conv2d and quantized_add (ops/quantized_*.cpp),
// which read and write those integers. Between two such nodes a value stays uint8/int8;
// where a float op (softmax, pooling, resize...) meets an integer one the pass inserts
// quantize / dequantize with the value's parameters. The rest of the graph, and the whole
// graph when the pass does not run, is the dequantize-to-float path.
#pragma once

#include "nn/graph.h"

namespace easel::nn {

// Rewrites `graph` as described above; returns how many nodes now run on integers.
int lower_to_int8(Graph& graph);

}  // namespace easel::nn
