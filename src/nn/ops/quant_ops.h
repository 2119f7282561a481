// Factories of the quant ops (see README.md beside this file, section "quant").
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
// quantize.cpp
std::unique_ptr<Op> make_dequantize(Backend backend);
std::unique_ptr<Op> make_quantize(Backend backend);
// quantized_conv.cpp, quantized_add.cpp, quantized_pool.cpp: the int8 pass's ops (nn/int8_pass.h)
std::unique_ptr<Op> make_quantized_conv2d(Backend backend);
std::unique_ptr<Op> make_quantized_depthwise_conv2d(Backend backend);
std::unique_ptr<Op> make_quantized_add(Backend backend);
// quantized_pool.cpp
std::unique_ptr<Op> make_quantized_avg_pool(Backend backend);
}  // namespace easel::nn
