#include "easel/draw.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace easel {

namespace {
cv::Mat view(Image& image) { return cv::Mat(image.height(), image.width(), CV_8UC3, image.data()); }
cv::Scalar scalar(Color c) { return cv::Scalar(c.r, c.g, c.b); }  // the Mat is RGB
int thickness(const Image& image) { return std::max(1, static_cast<int>(std::lround(std::min(image.width(), image.height()) / 300.0))); }
}  // namespace

Color palette(int index) {
  // Tableau-like colours: distinct, readable on photos.
  static const Color colors[] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
                                 {140, 86, 75},  {227, 119, 194}, {188, 189, 34}, {23, 190, 207}, {255, 187, 120}};
  const int n = static_cast<int>(std::size(colors));
  return colors[((index % n) + n) % n];
}

void draw_pose(Image& image, const Pose& pose, float min_confidence, Color color) {
  if (image.empty()) return;
  cv::Mat m = view(image);
  const int t = thickness(image);
  for (auto [a, b] : pose_skeleton(pose.keypoints.size())) {
    if (a >= static_cast<int>(pose.keypoints.size()) || b >= static_cast<int>(pose.keypoints.size())) continue;
    const Keypoint &p = pose.keypoints[static_cast<std::size_t>(a)], &q = pose.keypoints[static_cast<std::size_t>(b)];
    if (p.confidence < min_confidence || q.confidence < min_confidence) continue;
    cv::line(m, cv::Point2f(p.x, p.y), cv::Point2f(q.x, q.y), scalar(color), t + 1, cv::LINE_AA);
  }
  for (const Keypoint& k : pose.keypoints) {
    if (k.confidence < min_confidence) continue;
    const int radius = t + 1 + static_cast<int>(std::lround(3 * t * k.confidence));
    cv::circle(m, cv::Point2f(k.x, k.y), radius, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_AA);
    cv::circle(m, cv::Point2f(k.x, k.y), radius, scalar(color), t, cv::LINE_AA);
  }
}

void draw_face(Image& image, const Face& face, Color color) {
  if (image.empty()) return;
  cv::Mat m = view(image);
  const int t = thickness(image);
  if (!face.regions) {
    draw_box(image, face.box, "", color);
    for (const Keypoint& k : face.keypoints) {
      cv::circle(m, cv::Point2f(k.x, k.y), 2 * t + 1, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_AA);
      cv::circle(m, cv::Point2f(k.x, k.y), 2 * t + 1, scalar(color), t, cv::LINE_AA);
    }
    return;
  }
  for (const Keypoint& k : face.keypoints) cv::circle(m, cv::Point2f(k.x, k.y), t, scalar(color), cv::FILLED, cv::LINE_AA);
  for (const auto& [name, indices] : *face.regions)
    for (std::size_t i = 0; i + 1 < indices.size(); ++i) {
      const Keypoint &p = face.keypoints.at(static_cast<std::size_t>(indices[i])), &q = face.keypoints.at(static_cast<std::size_t>(indices[i + 1]));
      cv::line(m, cv::Point2f(p.x, p.y), cv::Point2f(q.x, q.y), cv::Scalar(255, 255, 255), t, cv::LINE_AA);
    }
}

void draw_hand(Image& image, const Hand& hand, Color color) {
  if (image.empty() || hand.keypoints.size() < kHandKeypointNames.size()) return;
  cv::Mat m = view(image);
  const int t = thickness(image);
  for (auto [a, b] : hand_skeleton()) {
    const Keypoint &p = hand.keypoints[static_cast<std::size_t>(a)], &q = hand.keypoints[static_cast<std::size_t>(b)];
    cv::line(m, cv::Point2f(p.x, p.y), cv::Point2f(q.x, q.y), scalar(color), t + 1, cv::LINE_AA);
  }
  for (const Keypoint& k : hand.keypoints) {
    cv::circle(m, cv::Point2f(k.x, k.y), 2 * t + 1, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_AA);
    cv::circle(m, cv::Point2f(k.x, k.y), 2 * t + 1, scalar(color), t, cv::LINE_AA);
  }
  const Keypoint& wrist = hand.keypoints[0];
  draw_text(image, hand.handedness, static_cast<int>(wrist.x) + 6 * t, static_cast<int>(wrist.y), color, std::clamp(image.width() / 1000.0, 0.45, 1.0));
}

void draw_segmentation(Image& image, const Segmentation& s, float opacity) {
  if (image.empty() || s.width != image.width() || s.height != image.height() || s.classes.size() != static_cast<std::size_t>(s.width) * s.height) return;
  const float a = std::clamp(opacity, 0.f, 1.f);
  for (std::size_t i = 0; i < s.classes.size(); ++i) {
    if (!s.classes[i]) continue;
    const SegmentColor c = segmentation_color(s.classes[i]);
    std::uint8_t* p = image.data() + 3 * i;
    p[0] = static_cast<std::uint8_t>(std::lround((1 - a) * p[0] + a * c.r));
    p[1] = static_cast<std::uint8_t>(std::lround((1 - a) * p[1] + a * c.g));
    p[2] = static_cast<std::uint8_t>(std::lround((1 - a) * p[2] + a * c.b));
  }
}

void draw_text(Image& image, const std::string& text, int x, int y, Color color, double scale) {
  if (image.empty() || text.empty()) return;
  cv::Mat m = view(image);
  int baseline = 0;
  const int t = std::max(1, static_cast<int>(scale * 2));
  const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, t, &baseline);
  const cv::Point at(x, y + size.height);
  cv::putText(m, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), t + 2, cv::LINE_AA);
  cv::putText(m, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, scalar(color), t, cv::LINE_AA);
}

void draw_box(Image& image, const BoundingBox& box, const std::string& label, Color color) {
  if (image.empty()) return;
  cv::Mat m = view(image);
  const int t = thickness(image) + 1;
  cv::rectangle(m, cv::Rect2f(box.x, box.y, box.width, box.height), scalar(color), t, cv::LINE_AA);
  if (label.empty()) return;
  const double scale = std::clamp(image.width() / 1200.0, 0.45, 1.0);
  int baseline = 0;
  const cv::Size size = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline);
  const int x = std::clamp(static_cast<int>(box.x), 0, std::max(0, image.width() - size.width - 4));
  const int y = std::max(0, static_cast<int>(box.y) - size.height - baseline - 4);
  cv::rectangle(m, cv::Rect(x, y, size.width + 4, size.height + baseline + 4), scalar(color), cv::FILLED);
  // Dark text on light colours, white on dark ones.
  const bool light = 0.299 * color.r + 0.587 * color.g + 0.114 * color.b > 150;
  cv::putText(m, label, cv::Point(x + 2, y + size.height + 2), cv::FONT_HERSHEY_SIMPLEX, scale,
              light ? cv::Scalar(0, 0, 0) : cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
}

}  // namespace easel
