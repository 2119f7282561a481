// Factories of the conv ops (see README.md beside this file).
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
std::unique_ptr<Op> make_conv2d(Backend backend);
std::unique_ptr<Op> make_depthwise_conv2d(Backend backend);
std::unique_ptr<Op> make_conv2d_transpose(Backend backend);
std::unique_ptr<Op> make_matmul(Backend backend);
std::unique_ptr<Op> make_max_pool(Backend backend);
std::unique_ptr<Op> make_avg_pool(Backend backend);

// Whether the optimized conv ops may fuse their activation into the oneDNN primitive
// (default true; read at prepare). When oneDNN lacks a fast fused kernel they apply it
// in a second pass instead; tests turn fusion off to check that path. Nothing else should.
void set_activation_fusion(bool enabled);
bool activation_fusion_enabled();
}  // namespace easel::nn
