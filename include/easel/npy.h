// NumPy .npy files <-> easel::Tensor, for `easel infer`, golden tests and debugging.
#pragma once

#include <filesystem>

#include "easel/tensor.h"

namespace easel {

// Reads float32/float16/int32/int64/uint8/int8/bool arrays in C order.
// Throws Error(bad_input) naming the file for anything else.
Tensor read_npy(const std::filesystem::path& file);
// Writes atomically (temp file + rename).
//
//   easel::Tensor features = easel::read_npy("features.npy");
//   easel::write_npy("copy.npy", features);
void write_npy(const std::filesystem::path& file, const Tensor& tensor);

}  // namespace easel
