#include "vision/preprocess.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "easel/error.h"

namespace easel::vision {

Tensor to_tensor(const Image& image, const InputSpec& spec) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  cv::Mat rgb(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data()));
  cv::Mat region = rgb;
  if (spec.fit == Fit::center_crop) {
    // The largest box of the input's aspect ratio, centred.
    const double aspect = static_cast<double>(spec.width) / spec.height;
    int w = image.width(), h = static_cast<int>(w / aspect);
    if (h > image.height()) h = image.height(), w = static_cast<int>(h * aspect);
    w = std::max(w, 1), h = std::max(h, 1);
    region = rgb(cv::Rect((image.width() - w) / 2, (image.height() - h) / 2, w, h));
  }
  cv::Mat resized;
  cv::resize(region, resized, cv::Size(spec.width, spec.height), 0, 0, cv::INTER_LINEAR);
  if (spec.channels == 1) {
    cv::Mat grey;
    cv::cvtColor(resized, grey, cv::COLOR_RGB2GRAY);
    resized = grey;
  } else if (spec.channels != 3) {
    throw Error(ErrorCode::bad_model, "The model wants " + std::to_string(spec.channels) + " channels per pixel; images have 1 (grey) or 3 (RGB).");
  }
  if (spec.range == Range::bytes) {
    Tensor t(DType::u8, {1, spec.height, spec.width, spec.channels});
    for (int y = 0; y < spec.height; ++y)
      std::copy_n(resized.ptr<std::uint8_t>(y), static_cast<std::size_t>(spec.width) * spec.channels, t.data<std::uint8_t>() + static_cast<std::int64_t>(y) * spec.width * spec.channels);
    return t;
  }
  Tensor t(DType::f32, {1, spec.height, spec.width, spec.channels});
  float* out = t.data<float>();
  for (int y = 0; y < spec.height; ++y) {
    const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
    float* dst = out + static_cast<std::int64_t>(y) * spec.width * spec.channels;
    for (int i = 0; i < spec.width * spec.channels; ++i) {
      const float p = row[i];
      switch (spec.range) {
        case Range::bytes:
        case Range::unit: dst[i] = p / 255.f; break;
        case Range::signed_unit: dst[i] = p / 127.5f - 1.f; break;
        case Range::inverted_unit: dst[i] = 1.f - p / 255.f; break;
      }
    }
  }
  return t;
}

}  // namespace easel::vision
