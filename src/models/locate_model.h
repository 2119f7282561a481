// What a model option names, for every loader that takes "a store name or a path".
#pragma once

#include <filesystem>
#include <string>

namespace easel::detail {

// A path as given when it exists (a file or a folder), else the entry of the model store's
// model of that name, every file checked by sha256 (pulled first if needed). A catalog
// name may hold a '.' ("mobilenet-v1-0.25"), so the catalog is asked first, and only a
// name it does not know that looks like a path ('/' or '.') is reported as a missing file
// (Error(model_not_found)); any other unknown name gets the store's error, which names the
// closest models.
std::filesystem::path locate_model(const std::string& name_or_path);

}  // namespace easel::detail
