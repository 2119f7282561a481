// The oracles of the face, hand, BlazePose and segmentation tasks: the TF.js runtimes of
// @tensorflow-models/{face-detection, face-landmarks-detection, hand-pose-detection,
// pose-detection, body-segmentation} run under node on the model files easel resolved
// (tests/mediapipe_oracle/*.js, installed by scripts/setup.sh).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "easel/error.h"
#include "easel/image.h"
#include "easel/model_store.h"
#include "easel/npy.h"
#include "easel/tensor.h"
#include "golden_util.h"
#include "test_util.h"

namespace easel::test {

inline std::filesystem::path mediapipe_oracle_dir() { return std::filesystem::path(EASEL_SOURCE_DIR) / "tests" / "mediapipe_oracle"; }

// Empty when the oracles can run here; otherwise why not.
inline std::string mediapipe_oracle_missing() {
  if (!std::filesystem::exists(mediapipe_oracle_dir() / "node_modules" / "@tensorflow-models" / "face-detection" / "package.json"))
    return "the @tensorflow-models oracles are not installed in tests/mediapipe_oracle; run scripts/setup.sh";
  if (run("node --version").exit_code != 0) return "node is not on PATH";
  return {};
}

#define EASEL_NEEDS_MEDIAPIPE_ORACLE()                                                                        \
  do {                                                                                                        \
    if (const std::string why = ::easel::test::mediapipe_oracle_missing(); !why.empty()) EASEL_SKIP_UNLESS_REQUIRED(why); \
  } while (0)

// A store model's entry file (model.json), pulled if needed.
inline std::filesystem::path store_model_file(const std::string& name) { return ModelStore().get(name).entry(); }

// The image as the [H, W, 3] uint8 .npy the oracles read.
inline std::filesystem::path write_image_npy(const Image& image, const std::filesystem::path& file) {
  Tensor t(DType::u8, {image.height(), image.width(), 3});
  std::copy(image.data(), image.data() + t.size(), t.data<std::uint8_t>());
  write_npy(file, t);
  return file;
}

// Runs `node tests/mediapipe_oracle/SCRIPT ARGS`; its stdout's last line as JSON.
inline nlohmann::json mediapipe_oracle(const std::string& script, const std::string& args) {
  const auto r = run("node " + shell_quote((mediapipe_oracle_dir() / script).string()) + " " + args + " 2>/dev/null");
  if (r.exit_code != 0) throw Error(ErrorCode::internal, script + " " + args + " failed: " + r.output);
  const auto end = r.output.find_last_not_of('\n');
  const auto start = r.output.rfind('\n', end);
  return nlohmann::json::parse(r.output.substr(start == std::string::npos ? 0 : start + 1));
}

}  // namespace easel::test
