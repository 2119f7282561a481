// Object detectors' outputs read as boxes, one decoder per kind of model, looked up by the
// name in the model's recipe ("decoder": "yolox"). A new detector of a known kind is a
// manifest entry; a new kind is a decoder here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "easel/model.h"
#include "easel/tensor.h"
#include "models/recipe.h"
#include "vision/preprocess.h"

namespace easel::vision {

// A box in the model's input pixels, before non-maximum suppression.
struct RawDetection {
  int class_index = 0;
  float confidence = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct DetectionContext {
  const Model& model;
  const detail::Recipe& recipe;
  const InputSpec& input;
  int classes = 0;
  float min_confidence = 0;  // boxes below may be left out early
};

using DetectionDecoder = std::vector<RawDetection> (*)(const std::vector<Tensor>& outputs, const DetectionContext& context);

// nullptr for a name no decoder has.
DetectionDecoder find_detection_decoder(std::string_view name);
std::vector<std::string> detection_decoder_names();  // centernet, nanodet, yolox

}  // namespace easel::vision
