#include "media.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "easel/error.h"
#include "easel/video.h"

namespace easel::cli {

void add_media_options(CLI::App* cmd, MediaArgs& args, const std::string& what_out_shows) {
  cmd->add_option("INPUT", args.input, "Image or video file");
  cmd->add_option("--camera", args.camera, "Read from camera N instead of a file");
  cmd->add_option("--out,-o", args.out, "Write the image or video with " + what_out_shows + " (.png, .jpg, .mp4, .avi)");
  cmd->add_flag("--json", args.json, "One JSON object per image or video frame");
  cmd->add_option("--max-frames", args.max_frames, "Stop a video after this many frames");
}

bool is_video(const std::string& file) {
  std::string ext = std::filesystem::path(file).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".avi" || ext == ".mp4" || ext == ".mkv" || ext == ".mov" || ext == ".webm" || ext == ".m4v" || ext == ".mpg";
}

void run_on_media(const MediaArgs& args, const std::function<nlohmann::ordered_json(Image&, bool)>& analyse,
                  const std::function<void(const nlohmann::ordered_json&, const std::string&)>& print) {
  if (args.camera < 0 && args.input.empty()) throw Error(ErrorCode::usage, "Give an image or video file, or --camera N.");
  const bool draw = !args.out.empty();
  if (args.camera < 0 && !is_video(args.input)) {
    Image image = Image::load(args.input);
    nlohmann::ordered_json line = {{"image", args.input}};
    line.update(analyse(image, draw));
    if (args.json) std::printf("%s\n", line.dump().c_str());
    else print(line, "");
    if (draw) image.save(args.out);
    return;
  }
  VideoReader video = args.camera >= 0 ? VideoReader::camera(args.camera) : VideoReader::open(args.input);
  std::unique_ptr<VideoWriter> writer;
  Image frame;
  while (video.read(frame)) {
    if (args.max_frames > 0 && video.frame_index() >= args.max_frames) break;
    nlohmann::ordered_json line = {{"frame", video.frame_index()}, {"timestamp_ms", video.timestamp_ms()}};
    line.update(analyse(frame, draw));
    if (args.json) std::printf("%s\n", line.dump().c_str());
    else print(line, "[" + std::to_string(static_cast<long long>(video.timestamp_ms())) + " ms] ");
    std::fflush(stdout);
    if (draw) {
      if (!writer) writer = std::make_unique<VideoWriter>(VideoWriter::create(args.out, frame.width(), frame.height(), video.fps()));
      writer->write(frame);
    }
  }
  if (writer) writer->close();
}

}  // namespace easel::cli
