// The weights of a TF.js model (graph or layers): the model.json "weightsManifest"
// plus its binary shards, including the converter's quantized uint8/uint16/float16
// weights, which are dequantized to float32 here, once, at load.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "easel/tensor.h"

namespace easel::nn {

// `manifest` is the "weightsManifest" array; shard paths are relative to model_json's
// folder. Throws Error(bad_model) naming model.json, the shard or the weight at fault
// (missing shard, shard too short or too long, unknown dtype, malformed entry).
std::map<std::string, Tensor> load_tfjs_weights(const nlohmann::json& manifest, const std::filesystem::path& model_json);

}  // namespace easel::nn
