// The single list of easel ops. Each group of ops declares its factories in
// ops/<group>_ops.h and lists them, one `{"name", &factory},` per line, in
// ops/<group>_ops.inc. README.md beside this file documents every op.
#include <algorithm>

#include "nn/op.h"
#include "nn/ops/basic_ops.h"
#include "nn/ops/conv_ops.h"
#include "nn/ops/elementwise_ops.h"
#include "nn/ops/normalization_ops.h"
#include "nn/ops/quant_ops.h"
#include "nn/ops/recurrent_ops.h"
#include "nn/ops/shape_ops.h"

namespace easel::nn {

namespace {
const OpEntry kOps[] = {
#include "nn/ops/basic_ops.inc"
#include "nn/ops/conv_ops.inc"
#include "nn/ops/elementwise_ops.inc"
#include "nn/ops/normalization_ops.inc"
#include "nn/ops/quant_ops.inc"
#include "nn/ops/recurrent_ops.inc"
#include "nn/ops/shape_ops.inc"
};
}  // namespace

std::span<const OpEntry> op_table() { return kOps; }

const OpEntry* find_op(std::string_view name) {
  for (const auto& e : kOps)
    if (name == e.name) return &e;
  return nullptr;
}

}  // namespace easel::nn
