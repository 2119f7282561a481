// easel::Image: an 8-bit RGB picture in memory, the input of every vision task.
//
//   easel::Image photo = easel::Image::load("cat.jpg");   // jpg, png, bmp, webp, ...
//   std::printf("%dx%d, red at (10, 20): %d\n", photo.width(), photo.height(), photo.pixel(10, 20)[0]);
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace easel {

class Image {
 public:
  Image() = default;
  // Black image of this size.
  Image(int width, int height);
  // Copies `width * height * 3` bytes of row-major RGB.
  Image(int width, int height, const std::uint8_t* rgb);

  // Decodes an image file (OpenCV: jpg, png, bmp, webp, tiff, pnm). Throws Error naming the
  // file when it is missing, not an image, or a JPEG or PNG cut short. A picture of more than
  // 134 megapixels is refused, except a JPEG, which is decoded at 1/2, 1/4 or 1/8 of its size
  // to fit.
  static Image load(const std::filesystem::path& file);
  // Writes png/jpg/bmp by the file's extension, atomically (temp file + rename).
  void save(const std::filesystem::path& file) const;

  // A copy scaled to width x height: averaged when it shrinks, bilinear when it grows;
  // smooth = false keeps hard pixel edges (nearest neighbour), for pixel art and sketches.
  Image resized(int width, int height, bool smooth = true) const;
  // Left and right swapped, as a mirror (and a selfie camera's preview) shows it: ml5's
  // `flipped`. A task on the mirrored picture answers in its coordinates.
  Image mirrored() const;

  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return width_ == 0 || height_ == 0; }
  const std::uint8_t* data() const { return pixels_.data(); }  // RGB, row-major
  std::uint8_t* data() { return pixels_.data(); }
  const std::uint8_t* pixel(int x, int y) const { return pixels_.data() + (static_cast<std::size_t>(y) * width_ + x) * 3; }

 private:
  int width_ = 0, height_ = 0;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace easel
