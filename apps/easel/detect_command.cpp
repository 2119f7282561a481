// easel detect IMAGE|VIDEO [--model M] [--out FILE] [--json]: labelled boxes around the
// objects in a photo, a video (one line per frame) or a camera.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/draw.h"
#include "easel/object_detector.h"
#include "media.h"

namespace easel::cli {
namespace {

struct DetectArgs {
  MediaArgs media;
  std::string model = "yolo";
  float min_confidence = ObjectDetectorOptions{}.min_confidence;
  int threads = 0;
};

nlohmann::ordered_json box_json(const BoundingBox& b) { return {{"x", b.x}, {"y", b.y}, {"width", b.width}, {"height", b.height}}; }

void run_detect(const DetectArgs& args) {
  ObjectDetector detector = ObjectDetector::create({.model = args.model, .min_confidence = args.min_confidence, .threads = args.threads});
  run_on_media(args.media, {.analyse =
                                [&](Image& image, bool draw, bool) {
                                  const auto found = detector.detect(image);
                                  auto list = nlohmann::ordered_json::array();
                                  for (const Detection& d : found) {
                                    list.push_back({{"label", d.label},
                                                    {"confidence", d.confidence},
                                                    {"class", d.class_index},
                                                    {"box", box_json(d.box)},
                                                    {"normalized", box_json(d.normalized)}});
                                    if (!draw) continue;
                                    char text[128];
                                    std::snprintf(text, sizeof text, "%s %.2f", d.label.c_str(), d.confidence);
                                    draw_box(image, d.box, text, palette(d.class_index));
                                  }
                                  return nlohmann::ordered_json{{"objects", list}};
                                },
                            .describe =
                                [](const nlohmann::ordered_json& result) {
                                  std::vector<std::string> lines;
                                  for (const auto& o : result["objects"]) {
                                    char text[200];
                                    std::snprintf(text, sizeof text, "%s %.2f at %.0f,%.0f %.0fx%.0f",
                                                  o["label"].get<std::string>().c_str(), o["confidence"].get<double>(),
                                                  o["box"]["x"].get<double>(), o["box"]["y"].get<double>(), o["box"]["width"].get<double>(),
                                                  o["box"]["height"].get<double>());
                                    lines.emplace_back(text);
                                  }
                                  return lines;
                                }});
}

}  // namespace

void add_detect_command(CLI::App& app) {
  auto args = std::make_shared<DetectArgs>();
  auto cmd = app.add_subcommand("detect", "Find objects (80 COCO classes) in an image, a video or a camera");
  add_media_options(cmd, args->media, "labelled boxes");
  cmd->add_option("--model,-m", args->model, "yolo (YOLOX-nano, default), centernet or nanodet");
  cmd->add_option("--min-confidence", args->min_confidence, "Drop objects below this confidence")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { run_detect(*args); });
}

}  // namespace easel::cli
