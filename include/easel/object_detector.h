// ObjectDetector: what is where? ml5's objectDetector in C++ (80 COCO classes).
//
//   auto detector = easel::ObjectDetector::create();               // YOLOX-nano
//   for (const auto& d : detector.detect(easel::Image::load("street.jpg")))
//     std::printf("%s %.2f at %.0f,%.0f\n", d.label.c_str(), d.confidence, d.box.x, d.box.y);
//
// Models: "yolo" (YOLOX-nano ONNX, default), "centernet" (CenterNet MobileNetV3, 512x512),
// "nanodet" (NanoDet, 416x416).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "easel/bounding_box.h"
#include "easel/image.h"

namespace easel {

struct Detection {
  std::string label;       // COCO name: "person", "dog", "car", ...
  float confidence = 0;    // 0..1
  int class_index = 0;     // into labels()
  BoundingBox box;         // pixels
  BoundingBox normalized;  // 0..1 of the image's width and height
};

struct ObjectDetectorOptions {
  std::string model = "yolo";
  // Detections below are dropped. 0.4 makes the fewest mistakes on the sample photos
  // (ghosts kept plus real objects lost, tests/object_detector_test.cpp): 0.3 keeps
  // "umbrella" on a butterfly and "frisbee" in a painting, ml5's 0.5 loses kitesurfers.
  float min_confidence = 0.4f;
  float iou_threshold = 0.45f;  // non-maximum suppression: overlap above which the weaker box of a class goes
  int max_detections = 100;
  int threads = 0;  // 0: all cores
};

class ObjectDetector {
 public:
  static ObjectDetector create(const ObjectDetectorOptions& options = {});
  ~ObjectDetector();
  ObjectDetector(ObjectDetector&&) noexcept;
  ObjectDetector& operator=(ObjectDetector&&) noexcept;

  // Most confident first.
  std::vector<Detection> detect(const Image& image);
  const std::vector<std::string>& labels() const;

 private:
  struct Impl;
  explicit ObjectDetector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Greedy per-class non-maximum suppression over detections sorted by confidence.
std::vector<Detection> non_max_suppression(std::vector<Detection> detections, float iou_threshold, int max_detections);
float intersection_over_union(const BoundingBox& a, const BoundingBox& b);

}  // namespace easel
