// Factories of the normalization ops (see README.md beside this file).
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
std::unique_ptr<Op> make_instance_norm(Backend backend);
}  // namespace easel::nn
