#include "core/json_file.h"

#include "core/files.h"
#include "easel/error.h"

namespace easel::detail {

nlohmann::json read_json_file(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::bad_model, "'" + file.string() + "' is not valid JSON: " + json_problem(e) + ".");
  }
}

}  // namespace easel::detail
