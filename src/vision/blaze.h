// The steps MediaPipe's two-stage pipelines share (BlazeFace, face mesh, palm detection and
// hand landmarks, BlazePose), as MediaPipe's calculators and TF.js's @tensorflow-models write
// them: SSD anchors, raw detector rows read into boxes with keypoints, non-maximum
// suppression, a detection turned into a rotated region of interest, and landmarks taken from
// that region back to the image. Every constant comes from a model's recipe (data), so one
// set of functions serves every model of this kind.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/tensor.h"
#include "vision/preprocess.h"

namespace easel::vision {

// MediaPipe's SsdAnchorsCalculatorOptions; sizes in the detector's input pixels.
struct SsdAnchorOptions {
  int input_width = 128, input_height = 128;
  std::vector<int> strides;  // one per layer
  float min_scale = 0.1484375f, max_scale = 0.75f;
  float offset_x = 0.5f, offset_y = 0.5f;
  std::vector<float> aspect_ratios = {1.0f};
  float interpolated_scale_aspect_ratio = 1.0f;  // <= 0: none
  bool fixed_anchor_size = true;
  bool reduce_boxes_in_lowest_layer = false;
};

struct SsdAnchor {
  float x = 0, y = 0, w = 1, h = 1;  // centre and size, 0..1 of the input
};

std::vector<SsdAnchor> ssd_anchors(const SsdAnchorOptions& options);

// How a detector's rows read (MediaPipe's TensorsToDetectionsCalculatorOptions).
struct BoxDecoding {
  int keypoints = 0;          // (x, y) pairs after the box
  bool score_first = false;   // the logit before the box (TF.js's converted models), else last
  float x_scale = 128, y_scale = 128, w_scale = 128, h_scale = 128;
  float score_clip = 100;     // logits clamped to +-this before the sigmoid
  float min_score = 0.5f;
};

// A detection, in 0..1 of the detector's input (before letterbox removal).
struct BlazeDetection {
  float score = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::vector<float> keypoints;  // x0, y0, x1, y1, ...
};

// The rows of `raw` ([1, anchors, values] float32) above min_score, decoded against `anchors`.
std::vector<BlazeDetection> decode_ssd(const Tensor& raw, const std::vector<SsdAnchor>& anchors, const BoxDecoding& decoding);

// Hard non-maximum suppression by IoU, most confident first, at most max_results.
std::vector<BlazeDetection> suppress(std::vector<BlazeDetection> detections, float iou_threshold, int max_results);

// Detection -> region of interest (MediaPipe's DetectionsToRectsCalculator and
// RectTransformationCalculator): the box, turned so that the line from keypoint `from` to
// keypoint `to` makes `target_angle` degrees, scaled, shifted and (square_long) made square.
struct RoiOptions {
  int rotation_from = 0, rotation_to = 1;
  // The rotation's end as a weighted mean of keypoints instead of `rotation_to` (hands: the
  // middle of the index, middle and ring fingers' knuckles).
  std::vector<std::pair<int, float>> rotation_to_mix;
  float target_angle = 0;  // degrees
  bool rotate = true;
  float scale_x = 1.5f, scale_y = 1.5f, shift_x = 0, shift_y = 0;
  bool square_long = true;
  bool from_keypoints = false;  // the box around all keypoints rather than the detector's box
  // landmarks_roi: the box of the points measured along the rotation (MediaPipe's hand
  // tracking) rather than upright.
  bool rotated_box = false;
};

// From a detection in image pixels.
RotatedRect detection_roi(const BlazeDetection& d, const RoiOptions& options);
// From landmarks in image pixels (x, y pairs; the next frame's region, as the trackers do it):
// the box around `subset` (all when empty), turned by the options' keypoints among all.
RotatedRect landmarks_roi(const std::vector<float>& xy, const std::vector<int>& subset, const RoiOptions& options);

// Reads a recipe's "anchors" / "boxes" / "roi" objects (field names as the structs above).
// Throws Error(bad_model) naming the model and field.
SsdAnchorOptions anchor_options(const nlohmann::json& recipe, const std::string& model, int input_width, int input_height);
BoxDecoding box_decoding(const nlohmann::json& recipe, const std::string& model);
RoiOptions roi_options(const nlohmann::json& recipe, const std::string& model);

// A point of a crop's input (pixels of the landmark model's input) in the image.
struct CropPoint {
  float x = 0, y = 0;
};
CropPoint from_crop(const RotatedRect& roi, int input_width, int input_height, float u, float v);

}  // namespace easel::vision
