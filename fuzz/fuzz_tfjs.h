// TF.js models are a model.json and its weight shards. A fuzz input holds both: the JSON,
// a NUL byte, then the bytes of the one shard, written as weights.bin (the seeds' manifests
// name that file).
#pragma once

#include "fuzz_model_common.h"

namespace easel::fuzz {

inline std::string write_tfjs_model(const std::uint8_t* data, std::size_t size) {
  const auto parts = split_files(data, size, 2);
  write("weights.bin", parts[1]);
  return write("model.json", parts[0]).string();
}

}  // namespace easel::fuzz
