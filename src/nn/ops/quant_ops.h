// Factories of the quant ops (see README.md beside this file, section "quant").
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
// quantize.cpp
std::unique_ptr<Op> make_dequantize(Backend backend);
std::unique_ptr<Op> make_quantize(Backend backend);
}  // namespace easel::nn
