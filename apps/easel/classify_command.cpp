// easel classify IMAGE... [--model M] [--top K] [--json]: what is in each picture, as
// "label confidence" lines (ml5's imageClassifier from the terminal).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "easel/image.h"
#include "easel/draw.h"
#include "easel/error.h"
#include "easel/image_classifier.h"
#include "easel/video.h"
#include "media.h"

namespace easel::cli {
namespace {

struct ClassifyArgs {
  std::vector<std::string> images;
  int camera = -1;
  int max_frames = 0;
  std::string model = "mobilenet";
  int top = 3;
  bool json = false;
  int threads = 0;
  std::string out;  // one image: the picture with its top classes written on it
};

nlohmann::ordered_json to_json(const std::vector<Classification>& results) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& c : results) list.push_back({{"label", c.label}, {"confidence", c.confidence}, {"index", c.index}});
  return list;
}

// A video or camera: one line per frame, with its time.
void classify_video(ImageClassifier& classifier, VideoReader video, const ClassifyArgs& args) {
  Image frame;
  while (video.read(frame)) {
    if (args.max_frames > 0 && video.frame_index() >= args.max_frames) break;
    const auto results = classifier.classify(frame);
    if (args.json) {
      std::printf("%s\n", nlohmann::ordered_json({{"frame", video.frame_index()}, {"timestamp_ms", video.timestamp_ms()}, {"classes", to_json(results)}}).dump().c_str());
    } else {
      std::printf("[%lld ms]", static_cast<long long>(video.timestamp_ms()));
      for (const auto& c : results) std::printf(" %s %.2f;", c.label.c_str(), c.confidence);
      std::printf("\n");
    }
    std::fflush(stdout);
  }
}

void classify(const ClassifyArgs& args) {
  ImageClassifier classifier = ImageClassifier::create({.model = args.model, .top_k = args.top, .threads = args.threads});
  if (args.camera >= 0) return classify_video(classifier, VideoReader::camera(args.camera), args);
  if (args.images.empty()) throw Error(ErrorCode::usage, "Give image or video files, or --camera N.");
  for (const std::string& file : args.images) {
    if (is_video(file)) {
      classify_video(classifier, VideoReader::open(file), args);
      continue;
    }
    Image picture = Image::load(file);
    const auto results = classifier.classify(picture);
    if (args.json) {
      std::printf("%s\n", nlohmann::ordered_json({{"image", file}, {"model", args.model}, {"classes", to_json(results)}}).dump().c_str());
      continue;
    }
    if (!args.out.empty() && args.images.size() == 1) {
      int y = 8;
      for (const auto& c : results) {
        char text[160];
        std::snprintf(text, sizeof text, "%s %.2f", c.label.c_str(), c.confidence);
        draw_text(picture, text, 8, y, palette(c.index));
        y += std::max(18, picture.height() / 24);
      }
      picture.save(args.out);
    }
    if (args.images.size() > 1) std::printf("%s\n", file.c_str());
    for (const auto& c : results) std::printf("%s%s %.2f\n", args.images.size() > 1 ? "  " : "", c.label.c_str(), c.confidence);
  }
}

}  // namespace

void add_classify_command(CLI::App& app) {
  auto args = std::make_shared<ClassifyArgs>();
  auto cmd = app.add_subcommand("classify", "Say what is in each image (ImageNet, sketches, or your Teachable Machine model)");
  cmd->add_option("IMAGE", args->images, "Image files (jpg, png, bmp, webp) or videos (one line per frame)");
  cmd->add_option("--camera", args->camera, "Read from camera N instead of files");
  cmd->add_option("--max-frames", args->max_frames, "Stop a video after this many frames");
  cmd->add_option("--model,-m", args->model,
                  "mobilenet (default), mobilenet-v1-0.25, darknet-tiny, doodlenet, or a Teachable Machine export folder");
  cmd->add_option("--top,-k", args->top, "How many classes to print per image")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "One JSON object per image");
  cmd->add_option("--out,-o", args->out, "With one image: write it with its top classes on it (.png, .jpg)");
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { classify(*args); });
}

}  // namespace easel::cli
