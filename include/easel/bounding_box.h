// A box around something in an image, in pixels: ml5's x, y, width, height, and its
// xMin, yMin, xMax, yMax as x_min() ... y_max().
//
//   easel::BoundingBox box{10, 20, 100, 50};
//   std::printf("%.0f..%.0f x %.0f..%.0f\n", box.x_min(), box.x_max(), box.y_min(), box.y_max());
#pragma once

namespace easel {

struct BoundingBox {
  float x = 0, y = 0, width = 0, height = 0;  // top-left corner and size

  float x_min() const { return x; }
  float y_min() const { return y; }
  float x_max() const { return x + width; }
  float y_max() const { return y + height; }
  float center_x() const { return x + width / 2; }
  float center_y() const { return y + height / 2; }
};

}  // namespace easel
