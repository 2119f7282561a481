// Factories of the basic ops (see README.md beside this file).
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
std::unique_ptr<Op> make_identity(Backend backend);
}  // namespace easel::nn
