// Overlays on an Image: skeletons, labelled boxes and text, in colours that stay the same
// for the same class or pose id.
//
//   auto photo = easel::Image::load("street.jpg");
//   easel::draw_box(photo, {10, 20, 100, 50}, "car 0.91", easel::palette(2));
//   photo.save("boxes.png");
#pragma once

#include <string>

#include "easel/face.h"
#include "easel/hands.h"
#include "easel/image.h"
#include "easel/pose.h"
#include "easel/segmentation.h"

namespace easel {

struct Color {
  std::uint8_t r = 255, g = 255, b = 255;
};

// A distinct, stable colour for an index (a class index, a pose id).
Color palette(int index);

// Keypoints above `min_confidence` as dots whose size follows their confidence, joined by the
// skeleton's edges where both ends are confident.
void draw_pose(Image& image, const Pose& pose, float min_confidence = 0.3f, Color color = palette(0));
// A face: its box, and its keypoints as dots (a mesh's 468 as small points, its regions'
// outlines joined).
void draw_face(Image& image, const Face& face, Color color = palette(0));
// A hand: its 21 points joined finger by finger, with "Left" or "Right" by the wrist.
void draw_hand(Image& image, const Hand& hand, Color color = palette(0));
// Each pixel tinted by its class's colour (segmentation_color), `opacity` 0..1.
void draw_segmentation(Image& image, const Segmentation& segmentation, float opacity = 0.5f);
// A rectangle with `label` written on a filled tab above it.
void draw_box(Image& image, const BoundingBox& box, const std::string& label, Color color);
// Text with a dark outline, readable on any background; (x, y) is its top-left corner.
void draw_text(Image& image, const std::string& text, int x, int y, Color color = {}, double scale = 0.6);

}  // namespace easel
