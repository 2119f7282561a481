// Each file in apps/easel adds one command (or group) to the CLI.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "easel/sound_classifier.h"

namespace easel::cli {

void add_models_commands(CLI::App& app);
void add_ops_command(CLI::App& app);
void add_infer_command(CLI::App& app);
void add_classify_command(CLI::App& app);
void add_pose_command(CLI::App& app);
void add_face_command(CLI::App& app);
void add_hands_command(CLI::App& app);
void add_segment_command(CLI::App& app);
void add_detect_command(CLI::App& app);
void add_sound_commands(CLI::App& app);
void add_training_commands(CLI::App& app);  // train, evaluate, predict, export
void add_live_command(CLI::App& app);       // live pose|detect|classify
void add_studio_command(CLI::App& app);     // the local web studio
void add_generative_commands(CLI::App& app);  // style, write, draw

struct MediaArgs;
// `easel classify` on these inputs with this model (also `easel predict`).
void classify_media(const MediaArgs& media, const std::string& model, int top, int threads);

// Words from a microphone into `stream`, 100 ms at a time, each batch to `heard`, until
// Ctrl-C or `seconds` of sound (0: no limit); the caller finishes the stream (`easel listen
// --mic` and `easel live listen --mic`).
void hear_microphone(SoundClassifier::Stream& stream, const std::string& device, int sample_rate, double seconds,
                     const std::function<void(const std::vector<WordDetection>&)>& heard);

// Wrong use of the command line (a missing file name, a malformed option): exit code 2.
struct UsageError : std::runtime_error {
  explicit UsageError(const std::string& message, std::string hint_text = {}) : std::runtime_error(message), hint(std::move(hint_text)) {}
  std::string hint;
};

// "3.5 MB"
std::string human_size(std::uint64_t bytes);

}  // namespace easel::cli
