// Reading a JSON file a model or project comes with: one error for one failure, everywhere.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace easel::detail {

// The parsed file. Throws Error(bad_model) "'FILE' is not valid JSON: <where and why>." for
// text that does not parse (numbers past a double's range included), and the read error
// of read_file() for a file that cannot be read.
nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace easel::detail
