// easel detect IMAGE|VIDEO [--model M] [--out FILE] [--json]: labelled boxes around the
// objects in a photo, a video (one line per frame) or a camera.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "easel/draw.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/object_detector.h"
#include "easel/video.h"

namespace fs = std::filesystem;

namespace easel::cli {
namespace {

struct DetectArgs {
  std::string input;
  int camera = -1;
  std::string model = "yolo";
  float min_confidence = 0.3f;
  std::string out;
  bool json = false;
  int threads = 0;
  int max_frames = 0;
};

nlohmann::ordered_json to_json(const std::vector<Detection>& detections) {
  auto list = nlohmann::ordered_json::array();
  for (const Detection& d : detections) {
    auto box = [](const BoundingBox& b) { return nlohmann::ordered_json{{"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}}; };
    list.push_back({{"label", d.label}, {"confidence", d.confidence}, {"class", d.class_index}, {"box", box(d.box)}, {"normalized", box(d.normalized)}});
  }
  return list;
}

void print_text(const std::vector<Detection>& detections, const std::string& prefix) {
  if (detections.empty()) std::printf("%snothing found\n", prefix.c_str());
  for (const Detection& d : detections)
    std::printf("%s%s %.2f at %.0f,%.0f %.0fx%.0f\n", prefix.c_str(), d.label.c_str(), d.confidence, d.box.x, d.box.y, d.box.width, d.box.height);
}

void annotate(Image& image, const std::vector<Detection>& detections) {
  for (const Detection& d : detections) {
    char text[128];
    std::snprintf(text, sizeof text, "%s %.2f", d.label.c_str(), d.confidence);
    draw_box(image, d.box, text, palette(d.class_index));
  }
}

bool is_video(const std::string& file) {
  std::string ext = fs::path(file).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".avi" || ext == ".mp4" || ext == ".mkv" || ext == ".mov" || ext == ".webm" || ext == ".m4v" || ext == ".mpg";
}

void run_detect(const DetectArgs& args) {
  ObjectDetector detector = ObjectDetector::create({.model = args.model, .min_confidence = args.min_confidence, .threads = args.threads});
  if (args.camera < 0 && args.input.empty()) throw Error(ErrorCode::usage, "Give an image or video file, or --camera N.");
  if (args.camera < 0 && !is_video(args.input)) {
    Image image = Image::load(args.input);
    const auto found = detector.detect(image);
    if (args.json) std::printf("%s\n", nlohmann::ordered_json({{"image", args.input}, {"objects", to_json(found)}}).dump().c_str());
    else print_text(found, "");
    if (!args.out.empty()) {
      annotate(image, found);
      image.save(args.out);
    }
    return;
  }
  VideoReader video = args.camera >= 0 ? VideoReader::camera(args.camera) : VideoReader::open(args.input);
  std::unique_ptr<VideoWriter> writer;
  Image frame;
  while (video.read(frame)) {
    if (args.max_frames > 0 && video.frame_index() >= args.max_frames) break;
    const auto found = detector.detect(frame);
    if (args.json)
      std::printf("%s\n", nlohmann::ordered_json({{"frame", video.frame_index()}, {"timestamp_ms", video.timestamp_ms()}, {"objects", to_json(found)}}).dump().c_str());
    else
      print_text(found, "[" + std::to_string(static_cast<long long>(video.timestamp_ms())) + " ms] ");
    std::fflush(stdout);
    if (!args.out.empty()) {
      if (!writer) writer = std::make_unique<VideoWriter>(VideoWriter::create(args.out, frame.width(), frame.height(), video.fps()));
      annotate(frame, found);
      writer->write(frame);
    }
  }
  if (writer) writer->close();
}

}  // namespace

void add_detect_command(CLI::App& app) {
  auto args = std::make_shared<DetectArgs>();
  auto cmd = app.add_subcommand("detect", "Find objects (80 COCO classes) in an image, a video or a camera");
  cmd->add_option("INPUT", args->input, "Image or video file");
  cmd->add_option("--camera", args->camera, "Read from camera N instead of a file");
  cmd->add_option("--model,-m", args->model, "yolo (YOLOX-nano, default), centernet or nanodet");
  cmd->add_option("--min-confidence", args->min_confidence, "Drop objects below this confidence (default 0.3)");
  cmd->add_option("--out,-o", args->out, "Write the image or video with labelled boxes (.png, .jpg, .mp4, .avi)");
  cmd->add_flag("--json", args->json, "One JSON object per image or video frame");
  cmd->add_option("--max-frames", args->max_frames, "Stop a video after this many frames");
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { run_detect(*args); });
}

}  // namespace easel::cli
