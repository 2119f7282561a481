// opencv's handwritten digits (digits.png, 5,000 of them) as easel images, for the tests of
// training: real handwriting, ten classes, 500 a class.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "easel/image.h"
#include "sample_media.h"

namespace easel::test {

constexpr int kDigitsPerClass = 500;  // digits.png: 50 rows of 100 digits, five rows a class

// Digit i (0..499) of class `digit` as a 20 x 20 RGB image (white on black, as drawn).
inline Image digit_image(int digit, int i) {
  static const cv::Mat sheet = cv::imread(find_sample("digits.png").string(), cv::IMREAD_GRAYSCALE);
  if (sheet.rows != 1000 || sheet.cols != 2000) throw std::runtime_error("digits.png is not 2000 x 1000");
  const int row = digit * 5 + i / 100, col = i % 100;
  const cv::Mat cell = sheet(cv::Rect(col * 20, row * 20, 20, 20));
  std::vector<std::uint8_t> rgb;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x) rgb.insert(rgb.end(), 3, cell.at<std::uint8_t>(y, x));
  return Image(20, 20, rgb.data());
}

}  // namespace easel::test
