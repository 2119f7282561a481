// The model targets' one step after writing the files: load the model as `easel info`
// does (import, fold, plan for its declared input shapes) and, when the planned model is
// small, run it once on zeros, so that the kernels meet whatever shapes and attributes
// the file declares.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "easel/model.h"
#include "fuzz_util.h"

namespace easel::fuzz {

inline void load_plan_and_run(const std::string& path) {
  expect_clean([&] {
    easel::Model model = easel::Model::load(path, {.threads = 1});
    const easel::ModelStats stats = model.stats();
    if (stats.working_bytes > (std::int64_t{16} << 20) || stats.flops > 5e7) return;
    std::vector<easel::Tensor> inputs;
    for (const easel::TensorInfo& in : model.inputs()) {
      std::int64_t count = 1;
      for (std::int64_t d : in.shape) {
        if (d < 0 || d > (1 << 20)) return;
        count *= d;
        if (count > (1 << 20)) return;
      }
      inputs.emplace_back(in.dtype, in.shape);
    }
    model.run(inputs);
  });
}

}  // namespace easel::fuzz
