// What the vision commands share: an image, a video or a camera in; per image or frame a
// result (printed as text or one JSON line) and, with --out, the annotated picture or video.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "easel/image.h"

namespace easel::cli {

struct MediaArgs {
  std::string input;    // image or video file
  int camera = -1;      // or a camera index
  std::string out;      // annotated image (.png, .jpg) or video (.mp4, .avi)
  bool json = false;
  int max_frames = 0;   // videos: stop after this many (0: all)
};

// Adds INPUT, --camera, --out, --json and --max-frames to a command.
void add_media_options(CLI::App* cmd, MediaArgs& args, const std::string& what_out_shows);

bool is_video(const std::string& file);

// For each image or frame: `analyse` returns the result as JSON and draws it on the image
// when `draw` is true; `print` writes the text form with a prefix ("[1200 ms] " for frames).
// Image results are {"image": file, ...result}; frames {"frame", "timestamp_ms", ...result}.
void run_on_media(const MediaArgs& args, const std::function<nlohmann::ordered_json(Image& image, bool draw)>& analyse,
                  const std::function<void(const nlohmann::ordered_json& result, const std::string& prefix)>& print);

}  // namespace easel::cli
