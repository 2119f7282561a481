// A photo as a model input, as the TFLite tests feed them: the whole image resized to
// h x w (bilinear, no crop), RGB, [1,h,w,3]; uint8 bytes, or float32 bytes / 255.
#pragma once

#include <cstdint>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/error.h"
#include "easel/tensor.h"

namespace easel::test {

inline Tensor rgb_tensor(const std::filesystem::path& file, int h, int w, DType dtype = DType::u8) {
  cv::Mat bgr = cv::imread(file.string(), cv::IMREAD_COLOR);
  if (bgr.empty()) throw Error(ErrorCode::io_error, "cannot decode " + file.string());
  cv::Mat resized, rgb;
  cv::resize(bgr, resized, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
  Tensor t(dtype, {1, h, w, 3});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w * 3; ++x) {
      const std::uint8_t v = rgb.ptr(y)[x];
      if (dtype == DType::u8) t.data<std::uint8_t>()[y * w * 3 + x] = v;
      else t.data<float>()[y * w * 3 + x] = v / 255.f;
    }
  return t;
}

}  // namespace easel::test
