// vision::to_tensor against the preprocessing the models' own demos do, written out here
// step by step with OpenCV on the photo as cv::imread reads it (BGR): YOLOX's letterbox
// (top-left, int(w * r), bars of 114, BGR planes of 0..255 floats), a centred letterbox
// (RGB, 0..1, bars of 0) and a stretched BGR image as bytes.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "easel/image.h"
#include "sample_media.h"
#include "vision/preprocess.h"

namespace {

using easel::Tensor;
using easel::vision::InputSpec;

struct Photo {
  easel::Image rgb;  // as easel loads it
  cv::Mat bgr;       // as the demos load it
};

Photo dog() {
  const auto file = easel::find_sample("dog.jpg");
  return {easel::Image::load(file), cv::imread(file.string(), cv::IMREAD_COLOR)};
}

// The value at (channel, y, x) of a [1,H,W,C] or [1,C,H,W] tensor, as a float.
float at(const Tensor& t, bool nchw, int c, int y, int x) {
  const std::int64_t H = nchw ? t.dim(2) : t.dim(1), W = nchw ? t.dim(3) : t.dim(2), C = nchw ? t.dim(1) : t.dim(3);
  const std::int64_t i = nchw ? (c * H + y) * W + x : (y * W + x) * C + c;
  return t.dtype() == easel::DType::u8 ? static_cast<float>(t.data<std::uint8_t>()[i]) : t.data<float>()[i];
}

// Compares every value of `t` with `expected` (H x W x 3 bytes in the channel order the
// model wants), each through `scale`.
void expect_same(const Tensor& t, bool nchw, const cv::Mat& expected, float scale) {
  ASSERT_EQ(t.size(), static_cast<std::int64_t>(expected.total()) * 3);
  int wrong = 0;
  for (int y = 0; y < expected.rows; ++y)
    for (int x = 0; x < expected.cols; ++x)
      for (int c = 0; c < 3; ++c) {
        const float want = expected.at<cv::Vec3b>(y, x)[c] * scale;
        if (std::abs(at(t, nchw, c, y, x) - want) > 1e-6f && ++wrong <= 3)
          ADD_FAILURE() << "at channel " << c << ", y " << y << ", x " << x << ": " << at(t, nchw, c, y, x) << ", want " << want;
      }
  EXPECT_EQ(wrong, 0);
}

TEST(ToTensor, YoloxLetterboxIsTheDemosOwn) {
  const Photo p = dog();
  InputSpec spec;
  spec.height = spec.width = 416;
  spec.fit = easel::vision::Fit::letterbox;
  spec.anchor = easel::vision::Anchor::top_left;
  spec.round_down = true;
  spec.pad = 114;
  spec.bgr = true;
  spec.layout = easel::vision::Layout::nchw;
  spec.range = easel::vision::Range::pixels;
  easel::vision::Placement where;
  const Tensor t = easel::vision::to_tensor(p.rgb, spec, &where);
  ASSERT_EQ(t.shape(), (easel::Shape{1, 3, 416, 416}));

  // YOLOX's demo: r = min(416 / h, 416 / w); resize to (int(w * r), int(h * r)); paste at
  // the top left of a 416 x 416 canvas of 114; channels as cv2 reads them (BGR).
  const float r = std::min(416.f / static_cast<float>(p.bgr.rows), 416.f / static_cast<float>(p.bgr.cols));
  cv::Mat resized, canvas(416, 416, CV_8UC3, cv::Scalar(114, 114, 114));
  cv::resize(p.bgr, resized, cv::Size(static_cast<int>(p.bgr.cols * r), static_cast<int>(p.bgr.rows * r)), 0, 0, cv::INTER_LINEAR);
  resized.copyTo(canvas(cv::Rect(0, 0, resized.cols, resized.rows)));
  expect_same(t, true, canvas, 1.f);
  EXPECT_FLOAT_EQ(where.scale_x, r);
  EXPECT_FLOAT_EQ(where.offset_x, 0.f);
  EXPECT_FLOAT_EQ(where.offset_y, 0.f);
}

TEST(ToTensor, CentredLetterboxInRgb) {
  const Photo p = dog();
  InputSpec spec;
  spec.height = 256, spec.width = 192;  // taller than the photo's shape: bars above and below
  spec.fit = easel::vision::Fit::letterbox;
  spec.range = easel::vision::Range::unit;
  easel::vision::Placement where;
  const Tensor t = easel::vision::to_tensor(p.rgb, spec, &where);
  ASSERT_EQ(t.shape(), (easel::Shape{1, 256, 192, 3}));

  const double scale = std::min(192.0 / p.bgr.cols, 256.0 / p.bgr.rows);
  const int w = static_cast<int>(std::lround(p.bgr.cols * scale)), h = static_cast<int>(std::lround(p.bgr.rows * scale));
  cv::Mat resized, rgb, canvas(256, 192, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::resize(p.bgr, resized, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
  rgb.copyTo(canvas(cv::Rect((192 - w) / 2, (256 - h) / 2, w, h)));
  expect_same(t, false, canvas, 1.f / 255.f);
  EXPECT_FLOAT_EQ(where.offset_y, static_cast<float>((256 - h) / 2));
}

TEST(ToTensor, StretchedBgrBytes) {
  const Photo p = dog();
  InputSpec spec;
  spec.height = 96, spec.width = 128;
  spec.bgr = true;
  spec.range = easel::vision::Range::bytes;
  const Tensor t = easel::vision::to_tensor(p.rgb, spec);
  ASSERT_EQ(t.dtype(), easel::DType::u8);
  cv::Mat resized;
  cv::resize(p.bgr, resized, cv::Size(128, 96), 0, 0, cv::INTER_LINEAR);
  expect_same(t, false, resized, 1.f);
}

}  // namespace
