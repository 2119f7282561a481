// Graph rewrites that every format benefits from, run once at load: a bias add and an
// activation that directly follow a conv2d / depthwise_conv2d / matmul are folded into
// it (oneDNN applies them as post-ops while the output is still in cache), and a
// per-channel multiply by a constant (an unfused batch norm) is folded into the weights.
#pragma once

#include "nn/graph.h"

namespace easel::nn {

// Returns the number of nodes folded away.
int fuse_ops(Graph& graph);

}  // namespace easel::nn
