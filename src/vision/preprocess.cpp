#include "vision/preprocess.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "easel/error.h"

namespace easel::vision {

Tensor to_tensor(const Image& image, const InputSpec& spec, Placement* placement) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  cv::Mat rgb(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data()));
  cv::Mat region = rgb;
  Placement where{static_cast<float>(spec.width) / image.width(), static_cast<float>(spec.height) / image.height(), 0, 0};
  cv::Mat resized;
  if (spec.fit == Fit::letterbox) {
    const double scale = std::min(static_cast<double>(spec.width) / image.width(), static_cast<double>(spec.height) / image.height());
    const int w = std::max(1, static_cast<int>(std::lround(image.width() * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(image.height() * scale)));
    const int left = (spec.width - w) / 2, top = (spec.height - h) / 2;
    cv::Mat inner;
    cv::resize(rgb, inner, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    cv::copyMakeBorder(inner, resized, top, spec.height - h - top, left, spec.width - w - left, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
    where = {static_cast<float>(w) / image.width(), static_cast<float>(h) / image.height(), static_cast<float>(left), static_cast<float>(top)};
  } else if (spec.fit == Fit::center_crop) {
    // The largest box of the input's aspect ratio, centred.
    const double aspect = static_cast<double>(spec.width) / spec.height;
    int w = image.width(), h = static_cast<int>(w / aspect);
    if (h > image.height()) h = image.height(), w = static_cast<int>(h * aspect);
    w = std::max(w, 1), h = std::max(h, 1);
    region = rgb(cv::Rect((image.width() - w) / 2, (image.height() - h) / 2, w, h));
    where = {static_cast<float>(spec.width) / w, static_cast<float>(spec.height) / h, -static_cast<float>((image.width() - w) / 2) * spec.width / w,
             -static_cast<float>((image.height() - h) / 2) * spec.height / h};
  }
  if (resized.empty()) cv::resize(region, resized, cv::Size(spec.width, spec.height), 0, 0, spec.area_downscale && region.cols > spec.width ? cv::INTER_AREA : cv::INTER_LINEAR);
  if (placement) *placement = where;
  if (spec.range == Range::inverted_binary) {
    if (spec.channels != 1) throw Error(ErrorCode::bad_model, "A binary sketch input has one channel.");
    Tensor t(DType::f32, {1, spec.height, spec.width, 1});
    for (int y = 0; y < spec.height; ++y) {
      const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
      for (int x = 0; x < spec.width; ++x) {
        const float mean = (row[x * 3] + row[x * 3 + 1] + row[x * 3 + 2]) / (3.f * 255.f);
        t.data<float>()[static_cast<std::int64_t>(y) * spec.width + x] = std::round(1.f - mean);
      }
    }
    return t;
  }
  if (spec.channels == 1) {
    cv::Mat grey;
    cv::cvtColor(resized, grey, cv::COLOR_RGB2GRAY);
    resized = grey;
  } else if (spec.channels != 3) {
    throw Error(ErrorCode::bad_model, "The model wants " + std::to_string(spec.channels) + " channels per pixel; images have 1 (grey) or 3 (RGB).");
  }
  if (spec.range == Range::bytes && spec.int32) {
    Tensor t(DType::i32, {1, spec.height, spec.width, spec.channels});
    for (int y = 0; y < spec.height; ++y)
      std::copy_n(resized.ptr<std::uint8_t>(y), static_cast<std::size_t>(spec.width) * spec.channels, t.data<std::int32_t>() + static_cast<std::int64_t>(y) * spec.width * spec.channels);
    return t;
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
        case Range::inverted_unit:
        case Range::inverted_binary: dst[i] = 1.f - p / 255.f; break;
      }
    }
  }
  return t;
}

}  // namespace easel::vision
