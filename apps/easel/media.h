// What the vision commands share: images, folders of them, videos or a camera in; per
// image or frame a result (printed as text or one JSON line) and, with --out, the
// annotated picture or video.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "easel/image.h"

namespace easel::cli {

struct MediaArgs {
  std::vector<std::string> inputs;  // images, videos, folders, or quoted globs ('photos/*.jpg')
  int camera = -1;                  // or a camera index
  std::string out;                  // one input: the annotated image or video; several: a folder
  bool json = false;
  int max_frames = 0;  // videos: stop after this many (0: all)
  bool flip = false;   // mirror every picture first (ml5's flipped, for a selfie camera)
};

// Adds INPUT..., --camera, --out, --json, --max-frames and --flip to a command.
void add_media_options(CLI::App* cmd, MediaArgs& args, const std::string& what_out_shows);

bool is_video(const std::string& file);
bool is_image(const std::string& file);

// The files the inputs name, in order: a folder gives its images and videos (subfolders
// too, sorted by path), a pattern with * ? or [ that is not itself a file gives its matches.
// Throws Error(bad_input) for a folder or pattern that gives nothing.
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs);

struct MediaTask {
  // The result for one image or frame as JSON; draws it on the image when `draw`.
  // `video_frame`: the image is the next frame of the video that new_video() started.
  std::function<nlohmann::ordered_json(Image& image, bool draw, bool video_frame)> analyse;
  // The result in words, a short phrase per finding ("lemon 0.97", "dog 0.91 at 10,20 30x40").
  std::function<std::vector<std::string>(const nlohmann::ordered_json& result)> describe;
  // Called before the first frame of each video or camera (optional): trackers start over.
  std::function<void()> new_video = {};
};

// Runs `task` on every input. One image prints a line per finding; several images print a
// line each ("photo.jpg: lemon 0.97; orange 0.02"), with a progress bar on a terminal; a
// video frame prints "[1200 ms] ..." lines. --json gives one object per image or frame:
// {"image": file, ...result} or {"frame", "timestamp_ms", ...result}. With several inputs a
// file that cannot be read is reported on stderr and the others go on, then Error(bad_input)
// says how many failed.
void run_on_media(const MediaArgs& args, const MediaTask& task);

}  // namespace easel::cli
