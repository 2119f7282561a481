// ImageClassifier: what is in this picture? ml5's imageClassifier in C++.
//
//   auto classifier = easel::ImageClassifier::create();          // MobileNet, 1000 classes
//   for (const auto& c : classifier.classify(easel::Image::load("banana.jpg")))
//     std::printf("%s %.2f\n", c.label.c_str(), c.confidence);   // banana 0.94
//
// Models: "mobilenet" (default; MobileNet V2, ImageNet), "mobilenet-v1-0.25" (small and
// fast), "darknet-tiny" (ImageNet), "doodlenet" (345 QuickDraw sketches), any model whose
// manifest entry has a classifier's recipe, a Teachable Machine image export (its
// folder, its model.json or its metadata.json), or a model trained in easel (MODEL.easel,
// see training.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "easel/classification.h"
#include "easel/image.h"

namespace easel {

struct ImageClassifierOptions {
  std::string model = "mobilenet";  // a name above, or a Teachable Machine export's path
  int top_k = 3;                    // results per image (at most the number of classes), as ml5
  int threads = 0;                  // 0: all cores
};

class ImageClassifier {
 public:
  // Loads the model (from the model store when it is a name). Throws Error naming the
  // model or file when it cannot.
  static ImageClassifier create(const ImageClassifierOptions& options = {});
  ~ImageClassifier();
  ImageClassifier(ImageClassifier&&) noexcept;
  ImageClassifier& operator=(ImageClassifier&&) noexcept;

  // The top_k classes, most confident first (classes scored exactly 0 are left out).
  std::vector<Classification> classify(const Image& image);
  // Every class's probability, in labels() order.
  std::vector<float> probabilities(const Image& image);

  const std::vector<std::string>& labels() const;
  const std::string& model_name() const;

 private:
  struct Impl;
  explicit ImageClassifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
