// Parses the model manifest (src/models/manifest.json, compiled into easel).
#pragma once

#include <string_view>
#include <vector>

#include "easel/model_store.h"

namespace easel::detail {

extern const std::string_view kBuiltinManifest;

// Throws Error(bad_model) naming the model and field at fault.
std::vector<ModelSpec> parse_manifest(std::string_view json_text, std::string_view origin);

}  // namespace easel::detail
