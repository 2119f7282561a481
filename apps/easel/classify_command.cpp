// easel classify IMAGE... [--model M] [--top K] [--json]: what is in each picture, as
// "label confidence" lines (ml5's imageClassifier from the terminal).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "easel/image.h"
#include "easel/image_classifier.h"

namespace easel::cli {
namespace {

struct ClassifyArgs {
  std::vector<std::string> images;
  std::string model = "mobilenet";
  int top = 3;
  bool json = false;
  int threads = 0;
};

void classify(const ClassifyArgs& args) {
  ImageClassifier classifier = ImageClassifier::create({.model = args.model, .top_k = args.top, .threads = args.threads});
  for (const std::string& file : args.images) {
    const auto results = classifier.classify(Image::load(file));
    if (args.json) {
      nlohmann::ordered_json line = {{"image", file}, {"model", args.model}, {"classes", nlohmann::ordered_json::array()}};
      for (const auto& c : results) line["classes"].push_back({{"label", c.label}, {"confidence", c.confidence}, {"index", c.index}});
      std::printf("%s\n", line.dump().c_str());
      continue;
    }
    if (args.images.size() > 1) std::printf("%s\n", file.c_str());
    for (const auto& c : results) std::printf("%s%s %.2f\n", args.images.size() > 1 ? "  " : "", c.label.c_str(), c.confidence);
  }
}

}  // namespace

void add_classify_command(CLI::App& app) {
  auto args = std::make_shared<ClassifyArgs>();
  auto cmd = app.add_subcommand("classify", "Say what is in each image (ImageNet, sketches, or your Teachable Machine model)");
  cmd->add_option("IMAGE", args->images, "Image files (jpg, png, bmp, webp)")->required();
  cmd->add_option("--model,-m", args->model,
                  "mobilenet (default), mobilenet-v1-0.25, darknet-tiny, doodlenet, or a Teachable Machine export folder");
  cmd->add_option("--top,-k", args->top, "How many classes to print per image")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "One JSON object per image");
  cmd->add_option("--threads", args->threads, "Threads (0: all cores)");
  cmd->callback([args] { classify(*args); });
}

}  // namespace easel::cli
