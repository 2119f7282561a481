// Each file in apps/easel adds one command (or group) to the CLI.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace easel::cli {

void add_models_commands(CLI::App& app);
void add_ops_command(CLI::App& app);
void add_infer_command(CLI::App& app);
void add_classify_command(CLI::App& app);
void add_pose_command(CLI::App& app);
void add_detect_command(CLI::App& app);
void add_sound_commands(CLI::App& app);
void add_training_commands(CLI::App& app);  // train, evaluate, predict, export
void add_live_command(CLI::App& app);       // live pose|detect|classify

struct MediaArgs;
// `easel classify` on these inputs with this model (also `easel predict`).
void classify_media(const MediaArgs& media, const std::string& model, int top, int threads);

// Wrong use of the command line (a missing file name, a malformed option): exit code 2.
struct UsageError : std::runtime_error {
  explicit UsageError(const std::string& message, std::string hint_text = {}) : std::runtime_error(message), hint(std::move(hint_text)) {}
  std::string hint;
};

// "3.5 MB"
std::string human_size(std::uint64_t bytes);

}  // namespace easel::cli
