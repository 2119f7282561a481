// easel segment IMAGE|VIDEO|--camera N [--model selfie|meet|deeplab] -o OUT [--blur | --replace BG]:
// which pixels are a person (or which of 21 things); -o writes the mask (white on black), or
// with --blur / --replace the picture with its background blurred or replaced, or with
// --overlay the classes tinted over the picture.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "easel/draw.h"
#include "easel/error.h"
#include "easel/segmentation.h"
#include "media.h"

namespace easel::cli {
namespace {

struct SegmentArgs {
  MediaArgs media;
  std::string model = "selfie";
  bool blur = false, overlay = false;
  std::string replace;
  int radius = 12;
  float threshold = 0.5f;
  int threads = 0;
};

void run_segment(const SegmentArgs& args) {
  if (static_cast<int>(args.blur) + static_cast<int>(args.overlay) + static_cast<int>(!args.replace.empty()) > 1)
    throw Error(ErrorCode::bad_input, "Give one of --blur, --replace and --overlay.");
  // ml5's and the short name for the PASCAL VOC model.
  const std::string model = args.model == "deeplab" ? "deeplabv3" : args.model;
  ImageSegmenter segmenter = ImageSegmenter::create({.model = model, .threshold = args.threshold, .threads = args.threads});
  std::optional<Image> background;
  if (!args.replace.empty()) background = Image::load(args.replace);
  run_on_media(args.media,
               {.analyse =
                    [&](Image& image, bool draw, bool) {
                      const Segmentation s = segmenter.segment(image);
                      nlohmann::ordered_json coverage = nlohmann::ordered_json::object();
                      for (const std::string& label : s.labels)
                        if (const float c = s.coverage(label); c > 0) coverage[label] = c;
                      if (draw) {
                        if (args.blur) image = blur_background(image, s, args.radius);
                        else if (background) image = replace_background(image, s, *background);
                        else if (args.overlay) {
                          // The classes tinted, and a legend: each class found, in its colour.
                          draw_segmentation(image, s);
                          int row = 0;
                          for (std::size_t k = 1; k < s.labels.size(); ++k)
                            if (s.coverage(s.labels[k]) > 0.002f) {
                              const SegmentColor c = segmentation_color(static_cast<int>(k));
                              draw_text(image, s.labels[k], 8, 8 + 24 * row++, {c.r, c.g, c.b});
                            }
                        }
                        else image = s.mask();
                      }
                      return nlohmann::ordered_json{{"coverage", coverage}};
                    },
                .describe =
                    [](const nlohmann::ordered_json& r) {
                      std::vector<std::string> lines;
                      for (const auto& [label, c] : r["coverage"].items()) {
                        char line[96];
                        std::snprintf(line, sizeof line, "%s %.1f%%", label.c_str(), 100 * c.get<double>());
                        lines.push_back(line);
                      }
                      return lines;
                    }});
}

}  // namespace

void add_segment_command(CLI::App& app) {
  auto args = std::make_shared<SegmentArgs>();
  auto cmd = app.add_subcommand("segment", "Which pixels are a person (or which of 21 things): a mask, a blurred or replaced background");
  add_media_options(cmd, args->media, "the mask (or, with --blur, --replace or --overlay, the picture)");
  cmd->add_option("--model,-m", args->model, "selfie (default), meet (landscape video) or deeplab (21 PASCAL VOC classes)")->capture_default_str();
  cmd->add_flag("--blur", args->blur, "Write the picture with its background blurred");
  cmd->add_option("--replace", args->replace, "Write the picture with its background replaced by this image");
  cmd->add_flag("--overlay", args->overlay, "Write the picture with each class tinted in its colour, and a legend of the classes found");
  cmd->add_option("--radius", args->radius, "--blur: the blur's radius in pixels")->capture_default_str();
  cmd->add_option("--threshold", args->threshold, "Person models: the confidence from which a pixel is the person")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { run_segment(*args); });
}

}  // namespace easel::cli
