// Graph rewrites that every format benefits from, run once at load: a bias add and an
// activation that directly follow a conv2d / depthwise_conv2d / matmul are folded into
// it (oneDNN applies them as post-ops while the output is still in cache), and a
// per-channel multiply by a constant (an unfused batch norm) is folded into the weights.
#pragma once

#include "nn/graph.h"

namespace easel::nn {

// Returns the number of nodes folded away.
int fuse_ops(Graph& graph);

// Keras layers written out one by one (the TF.js layers importer runs these): a
// ZeroPadding2D before a VALID conv becomes the conv's explicit padding, and a
// BatchNormalization's multiply and add, then an activation, go into the conv or dense
// layer before them. Each returns the number of nodes it emptied (their op cleared);
// Graph::compact() drops them.
int fold_padding(Graph& graph);
int fold_affine_and_activation(Graph& graph);

}  // namespace easel::nn
