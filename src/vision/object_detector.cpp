#include "easel/object_detector.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>

#include "easel/error.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "vision/preprocess.h"

namespace easel {

float intersection_over_union(const BoundingBox& a, const BoundingBox& b) {
  const float x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const float x1 = std::min(a.x + a.width, b.x + b.width), y1 = std::min(a.y + a.height, b.y + b.height);
  const float inter = std::max(0.f, x1 - x0) * std::max(0.f, y1 - y0);
  const float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.f;
}

std::vector<Detection> non_max_suppression(std::vector<Detection> detections, float iou_threshold, int max_detections) {
  std::stable_sort(detections.begin(), detections.end(), [](const Detection& a, const Detection& b) { return a.confidence > b.confidence; });
  std::vector<Detection> kept;
  for (Detection& d : detections) {
    if (static_cast<int>(kept.size()) >= max_detections) break;
    bool overlaps = false;
    for (const Detection& k : kept)
      if (k.class_index == d.class_index && intersection_over_union(k.box, d.box) > iou_threshold) {
        overlaps = true;
        break;
      }
    if (!overlaps) kept.push_back(std::move(d));
  }
  return kept;
}

namespace {

enum class Kind { yolox, centernet, nanodet };

// The YOLOX sample's class file spells a few COCO classes as VOC does; easel uses the COCO
// names (as ml5's COCO-SSD and TF.js's human do).
std::string coco_name(const std::string& name) {
  static const std::map<std::string, std::string> voc = {{"motorbike", "motorcycle"}, {"aeroplane", "airplane"}, {"sofa", "couch"},
                                                         {"pottedplant", "potted plant"}, {"diningtable", "dining table"}, {"tvmonitor", "tv"}};
  auto it = voc.find(name);
  return it == voc.end() ? name : it->second;
}

}  // namespace

struct ObjectDetector::Impl {
  ObjectDetectorOptions options;
  Kind kind = Kind::yolox;
  std::optional<Model> model;
  std::vector<std::string> labels;
  int size = 416;
};

ObjectDetector::ObjectDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ObjectDetector::~ObjectDetector() = default;
ObjectDetector::ObjectDetector(ObjectDetector&&) noexcept = default;
ObjectDetector& ObjectDetector::operator=(ObjectDetector&&) noexcept = default;
const std::vector<std::string>& ObjectDetector::labels() const { return impl_->labels; }

ObjectDetector ObjectDetector::create(const ObjectDetectorOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  ModelStore store;
  // Both use the 80 COCO classes in the same order; the file ships with YOLOX.
  const LocatedModel yolo = store.get("yolo");
  std::ifstream in(yolo.file("coco_classes.txt"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) impl->labels.push_back(coco_name(line));
  if (impl->labels.size() != 80) throw Error(ErrorCode::bad_model, "coco_classes.txt of the yolo model does not list 80 classes.");
  if (options.model == "yolo") {
    impl->kind = Kind::yolox;
    // YOLOX-nano's ONNX file (its float16 TFLite conversion computes the same, a third slower).
    impl->model.emplace(Model::load(yolo.entry().string(), {.threads = options.threads}));
    impl->size = 416;
  } else if (options.model == "centernet") {
    impl->kind = Kind::centernet;
    impl->model.emplace(Model::load("centernet", {.threads = options.threads}));
    const auto in0 = impl->model->inputs().at(0);
    impl->size = in0.shape.size() == 4 && in0.shape[1] > 0 ? static_cast<int>(in0.shape[1]) : 512;
  } else if (options.model == "nanodet") {
    impl->kind = Kind::nanodet;
    impl->model.emplace(Model::load("nanodet", {.threads = options.threads}));
    impl->size = 416;
  } else {
    throw Error(ErrorCode::bad_input, "'" + options.model + "' is not an object detector easel knows.", "Use yolo (default), centernet or nanodet.");
  }
  return ObjectDetector(std::move(impl));
}

std::vector<Detection> ObjectDetector::detect(const Image& image) {
  Impl& m = *impl_;
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  const float W = static_cast<float>(image.width()), H = static_cast<float>(image.height());
  std::vector<Detection> found;
  auto add = [&](int cls, float score, float x0, float y0, float x1, float y1) {
    x0 = std::clamp(x0, 0.f, W), x1 = std::clamp(x1, 0.f, W), y0 = std::clamp(y0, 0.f, H), y1 = std::clamp(y1, 0.f, H);
    if (x1 <= x0 || y1 <= y0 || cls < 0 || cls >= static_cast<int>(m.labels.size())) return;
    Detection d;
    d.label = m.labels[static_cast<std::size_t>(cls)];
    d.confidence = score;
    d.class_index = cls;
    d.box = {x0, y0, x1 - x0, y1 - y0};
    d.normalized = {x0 / W, y0 / H, (x1 - x0) / W, (y1 - y0) / H};
    found.push_back(std::move(d));
  };
  if (m.kind == Kind::yolox) {
    // YOLOX's own preprocessing: BGR, raw 0..255, NCHW, letterboxed at the top-left of a
    // 416x416 canvas filled with 114.
    const int S = m.size;
    const float r = std::min(S / W, S / H);
    const int w = std::max(1, static_cast<int>(W * r)), h = std::max(1, static_cast<int>(H * r));
    cv::Mat rgb(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data())), resized;
    cv::resize(rgb, resized, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    Tensor x(DType::f32, {1, 3, S, S});
    float* px = x.data<float>();
    std::fill(px, px + x.size(), 114.f);
    for (int y = 0; y < h; ++y) {
      const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
      for (int xx = 0; xx < w; ++xx)
        for (int c = 0; c < 3; ++c) px[(static_cast<std::int64_t>(2 - c) * S + y) * S + xx] = row[xx * 3 + c];  // RGB -> BGR planes
    }
    const Tensor out = m.model->run({x}).at(0);  // [1, 3549, 85]
    const float* v = out.data<float>();
    const std::int64_t rows = out.dim(1), cols = out.dim(2);
    std::int64_t row = 0;
    for (int stride : {8, 16, 32}) {
      const int g = S / stride;
      for (int gy = 0; gy < g; ++gy)
        for (int gx = 0; gx < g && row < rows; ++gx, ++row) {
          const float* p = v + row * cols;
          const float objectness = p[4];
          if (objectness < m.options.min_confidence) continue;
          const float* cls = p + 5;
          const int best = static_cast<int>(std::max_element(cls, cls + (cols - 5)) - cls);
          const float score = objectness * cls[best];
          if (score < m.options.min_confidence) continue;
          const float cx = (p[0] + static_cast<float>(gx)) * static_cast<float>(stride), cy = (p[1] + static_cast<float>(gy)) * static_cast<float>(stride);
          const float bw = std::exp(p[2]) * static_cast<float>(stride), bh = std::exp(p[3]) * static_cast<float>(stride);
          add(best, score, (cx - bw / 2) / r, (cy - bh / 2) / r, (cx + bw / 2) / r, (cy + bh / 2) / r);
        }
    }
  } else if (m.kind == Kind::nanodet) {
    // NanoDet (human's conversion): RGB / 255, NCHW 416x416, the whole image stretched. Per
    // stride (8, 16, 32) a class-score map [cells, 80] (sigmoid already applied) and a box
    // map [cells, 4 x 11]: for each side (left, top, right, bottom) a distribution over 0..10
    // strides, whose expectation is the distance from the cell's centre (generalized focal loss).
    vision::InputSpec spec;
    spec.height = spec.width = m.size;
    spec.range = vision::Range::unit;
    const Tensor nhwc = vision::to_tensor(image, spec);
    const int S = m.size;
    Tensor x(DType::f32, {1, 3, S, S});
    for (int c = 0; c < 3; ++c)
      for (std::int64_t i = 0; i < static_cast<std::int64_t>(S) * S; ++i) x.data<float>()[c * S * S + i] = nhwc.data<float>()[i * 3 + c];
    const auto outputs = m.model->run({x});
    const float sx = W / static_cast<float>(S), sy = H / static_cast<float>(S);
    for (int stride : {8, 16, 32}) {
      const int g = S / stride;
      const Tensor *scores = nullptr, *boxes = nullptr;
      for (const Tensor& t : outputs)
        if (t.rank() == 3 && t.dim(1) == static_cast<std::int64_t>(g) * g) (t.dim(2) == 80 ? scores : boxes) = &t;
      if (!scores || !boxes || boxes->dim(2) % 4) throw Error(ErrorCode::bad_model, "The nanodet model lacks the outputs for stride " + std::to_string(stride) + ".");
      const std::int64_t bins = boxes->dim(2) / 4;
      for (std::int64_t cell = 0; cell < static_cast<std::int64_t>(g) * g; ++cell) {
        const float* cs = scores->data<float>() + cell * 80;
        const int best = static_cast<int>(std::max_element(cs, cs + 80) - cs);
        if (cs[best] < m.options.min_confidence) continue;
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
        const float cx = (static_cast<float>(cell % g) + 0.5f) * static_cast<float>(stride), cy = (static_cast<float>(cell / g) + 0.5f) * static_cast<float>(stride);
        add(best, cs[best], (cx - distance[0]) * sx, (cy - distance[1]) * sy, (cx + distance[2]) * sx, (cy + distance[3]) * sy);
      }
    }
  } else {
    // CenterNet (human's): the whole image stretched to 512x512, pixel values 0..255; the
    // graph ends in its own top-100: [x1, y1, x2, y2, score, class] in input pixels.
    vision::InputSpec spec;
    spec.height = spec.width = m.size;
    spec.range = vision::Range::unit;
    Tensor x = vision::to_tensor(image, spec);
    for (std::int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] *= 255.f;
    const auto outputs = m.model->run({x});
    const auto infos = m.model->outputs();
    const Tensor* det = nullptr;
    for (std::size_t i = 0; i < infos.size(); ++i)
      if (infos[i].name.find("detections") != std::string::npos) det = &outputs[i];
    if (!det) throw Error(ErrorCode::bad_model, "The centernet model has no 'detections' output.");
    const float* v = det->data<float>();
    const float sx = W / static_cast<float>(m.size), sy = H / static_cast<float>(m.size);
    for (std::int64_t i = 0; i < det->dim(1); ++i) {
      const float* p = v + i * 6;
      if (p[4] < m.options.min_confidence) continue;
      add(static_cast<int>(p[5]), p[4], p[0] * sx, p[1] * sy, p[2] * sx, p[3] * sy);
    }
  }
  return non_max_suppression(std::move(found), m.options.iou_threshold, m.options.max_detections);
}

}  // namespace easel
