// easel classify IMAGE|VIDEO|FOLDER... [--model M] [--top K] [--json] [--out FILE]: what is
// in each picture, as "label confidence" lines (ml5's imageClassifier from the terminal).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "easel/draw.h"
#include "easel/image_classifier.h"
#include "media.h"

namespace easel::cli {
namespace {

struct ClassifyArgs {
  MediaArgs media;
  std::string model = "mobilenet";
  int top = 3;
  int threads = 0;
};

// The top classes written in the picture's top-left corner.
void draw_classes(Image& picture, const std::vector<Classification>& results) {
  int y = 8;
  for (const auto& c : results) {
    char text[160];
    std::snprintf(text, sizeof text, "%s %.2f", c.label.c_str(), c.confidence);
    draw_text(picture, text, 8, y, palette(c.index));
    y += std::max(18, picture.height() / 24);
  }
}

}  // namespace

void classify_media(const MediaArgs& media, const std::string& model, int top, int threads) {
  ImageClassifier classifier = ImageClassifier::create({.model = model, .top_k = top, .threads = threads});
  run_on_media(media, {.analyse =
                                [&](Image& image, bool draw, bool) {
                                  const auto results = classifier.classify(image);
                                  if (draw) draw_classes(image, results);
                                  auto list = nlohmann::ordered_json::array();
                                  for (const auto& c : results)
                                    list.push_back({{"label", c.label}, {"confidence", c.confidence}, {"index", c.index}});
                                  return nlohmann::ordered_json{{"model", model}, {"classes", list}};
                                },
                            .describe =
                                [](const nlohmann::ordered_json& result) {
                                  std::vector<std::string> lines;
                                  for (const auto& c : result["classes"]) {
                                    char text[200];
                                    std::snprintf(text, sizeof text, "%s %.2f", c["label"].get<std::string>().c_str(),
                                                  c["confidence"].get<double>());
                                    lines.emplace_back(text);
                                  }
                                  return lines;
                                }});
}

void add_classify_command(CLI::App& app) {
  auto args = std::make_shared<ClassifyArgs>();
  auto cmd = app.add_subcommand("classify", "Say what is in each image (ImageNet, sketches, or your Teachable Machine model)");
  add_media_options(cmd, args->media, "its top classes");
  cmd->add_option("--model,-m", args->model,
                  "mobilenet (default), mobilenet-v1-0.25, darknet-tiny, doodlenet, a Teachable Machine export folder, or MODEL.easel");
  cmd->add_option("--top,-k", args->top, "How many classes to print per image (default 3)")->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { classify_media(args->media, args->model, args->top, args->threads); });
}

}  // namespace easel::cli
