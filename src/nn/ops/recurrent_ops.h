// Factories of the recurrent ops (see README.md beside this file).
#pragma once

#include <memory>

#include "nn/op.h"

namespace easel::nn {
std::unique_ptr<Op> make_lstm_cell(Backend backend);
}  // namespace easel::nn
