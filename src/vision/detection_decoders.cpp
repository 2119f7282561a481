#include "vision/detection_decoders.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "easel/error.h"

namespace easel::vision {
namespace {

std::vector<int> strides_of(const DetectionContext& c) {
  const auto strides = c.recipe.data.value("strides", std::vector<int>{8, 16, 32});
  for (int s : strides)
    if (s <= 0)
      throw Error(ErrorCode::bad_model, "The recipe of model '" + c.recipe.model + "' has a stride of " + std::to_string(s) + ".");
  return strides;
}

// YOLOX: [1, cells, 5 + classes] over the grids of each stride (row-major y then x): per cell
// tx, ty, tw, th, objectness and class scores (sigmoid already applied). Centre = (t + grid)
// * stride, size = exp(t) * stride, score = objectness * class score.
std::vector<RawDetection> yolox(const std::vector<Tensor>& outputs, const DetectionContext& c) {
  const Tensor& out = outputs.at(0);
  if (out.rank() != 3 || out.dim(2) < 5 + c.classes)
    throw Error(ErrorCode::bad_model,
                "The yolox model '" + c.recipe.model + "' gives " + to_string(out.shape()) + ", not [1, cells, 5 + classes].");
  const float* v = out.data<float>();
  const std::int64_t rows = out.dim(1), cols = out.dim(2);
  std::vector<RawDetection> found;
  std::int64_t row = 0;
  for (int stride : strides_of(c)) {
    const int gw = c.input.width / stride, gh = c.input.height / stride;
    for (int gy = 0; gy < gh; ++gy)
      for (int gx = 0; gx < gw && row < rows; ++gx, ++row) {
        const float* p = v + row * cols;
        const float objectness = p[4];
        if (objectness < c.min_confidence) continue;
        const float* cls = p + 5;
        const int best = static_cast<int>(std::max_element(cls, cls + (cols - 5)) - cls);
        const float score = objectness * cls[best];
        if (score < c.min_confidence) continue;
        const float s = static_cast<float>(stride);
        const float cx = (p[0] + static_cast<float>(gx)) * s, cy = (p[1] + static_cast<float>(gy)) * s;
        const float bw = std::exp(p[2]) * s, bh = std::exp(p[3]) * s;
        found.push_back({best, score, cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2});
      }
  }
  return found;
}

// NanoDet (generalized focal loss): per stride a class-score map [cells, classes] (sigmoid
// applied) and a box map [cells, 4 x bins]: for each side (left, top, right, bottom) a
// distribution over 0..bins-1 strides, whose expectation is the distance from the cell's centre.
std::vector<RawDetection> nanodet(const std::vector<Tensor>& outputs, const DetectionContext& c) {
  std::vector<RawDetection> found;
  for (int stride : strides_of(c)) {
    const int gw = c.input.width / stride, gh = c.input.height / stride;
    const std::int64_t cells = static_cast<std::int64_t>(gw) * gh;
    const Tensor *scores = nullptr, *boxes = nullptr;
    for (const Tensor& t : outputs)
      if (t.rank() == 3 && t.dim(1) == cells) (t.dim(2) == c.classes ? scores : boxes) = &t;
    if (!scores || !boxes || boxes->dim(2) % 4)
      throw Error(ErrorCode::bad_model,
                  "The nanodet model '" + c.recipe.model + "' lacks the outputs for stride " + std::to_string(stride) + ".");
    const std::int64_t bins = boxes->dim(2) / 4;
    for (std::int64_t cell = 0; cell < cells; ++cell) {
      const float* cs = scores->data<float>() + cell * c.classes;
      const int best = static_cast<int>(std::max_element(cs, cs + c.classes) - cs);
      if (cs[best] < c.min_confidence) continue;
      float distance[4];
      for (int side = 0; side < 4; ++side) {
        const float* d = boxes->data<float>() + cell * boxes->dim(2) + side * bins;
        const float top = *std::max_element(d, d + bins);
        float sum = 0, expectation = 0;
        for (std::int64_t b = 0; b < bins; ++b) {
          const float e = std::exp(d[b] - top);
          sum += e;
          expectation += e * static_cast<float>(b);
        }
        distance[side] = expectation / sum * static_cast<float>(stride);
      }
      const float cx = (static_cast<float>(cell % gw) + 0.5f) * static_cast<float>(stride);
      const float cy = (static_cast<float>(cell / gw) + 0.5f) * static_cast<float>(stride);
      found.push_back({best, cs[best], cx - distance[0], cy - distance[1], cx + distance[2], cy + distance[3]});
    }
  }
  return found;
}

// A graph that ends in its own top-k (human's CenterNet): the output the recipe names
// ("output": "detections"), [1, k, 6] rows of x1, y1, x2, y2, score, class in input pixels.
std::vector<RawDetection> centernet(const std::vector<Tensor>& outputs, const DetectionContext& c) {
  const std::string wanted = c.recipe.data.value("output", std::string("detections"));
  const auto infos = c.model.outputs();
  const Tensor* det = nullptr;
  for (std::size_t i = 0; i < infos.size() && i < outputs.size(); ++i)
    if (infos[i].name.find(wanted) != std::string::npos) det = &outputs[i];
  if (!det || det->rank() != 3 || det->dim(2) != 6)
    throw Error(ErrorCode::bad_model, "The model '" + c.recipe.model + "' has no '" + wanted + "' output of [1, k, 6] rows.");
  std::vector<RawDetection> found;
  const float* v = det->data<float>();
  for (std::int64_t i = 0; i < det->dim(1); ++i) {
    const float* p = v + i * 6;
    if (p[4] < c.min_confidence) continue;
    found.push_back({static_cast<int>(p[5]), p[4], p[0], p[1], p[2], p[3]});
  }
  return found;
}

constexpr std::pair<std::string_view, DetectionDecoder> kDecoders[] = {
    {"centernet", centernet},
    {"nanodet", nanodet},
    {"yolox", yolox},
};

}  // namespace

DetectionDecoder find_detection_decoder(std::string_view name) {
  for (const auto& [n, decoder] : kDecoders)
    if (n == name) return decoder;
  return nullptr;
}

std::vector<std::string> detection_decoder_names() {
  std::vector<std::string> names;
  for (const auto& [n, decoder] : kDecoders) names.emplace_back(n);
  return names;
}

}  // namespace easel::vision
