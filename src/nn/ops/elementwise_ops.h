// Factories of the elementwise ops (see README.md beside this file).
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
}  // namespace easel::nn
