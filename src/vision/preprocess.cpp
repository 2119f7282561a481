#include "vision/preprocess.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "easel/error.h"

namespace easel::vision {
namespace {

// The image fitted into the input's width and height (RGB bytes), and where it landed.
cv::Mat fit_image(const Image& image, const InputSpec& spec, Placement& where) {
  cv::Mat rgb(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data()));
  cv::Mat region = rgb, resized;
  where = {static_cast<float>(spec.width) / image.width(), static_cast<float>(spec.height) / image.height(), 0, 0};
  if (spec.fit == Fit::letterbox) {
    int w, h;
    if (spec.round_down) {
      // As YOLOX's demo: r = min(S / W, S / H) in float, the size int(W * r), boxes / r.
      const float r = std::min(static_cast<float>(spec.width) / static_cast<float>(image.width()),
                               static_cast<float>(spec.height) / static_cast<float>(image.height()));
      w = std::max(1, static_cast<int>(static_cast<float>(image.width()) * r));
      h = std::max(1, static_cast<int>(static_cast<float>(image.height()) * r));
      where = {r, r, 0, 0};
    } else {
      const double scale = std::min(static_cast<double>(spec.width) / image.width(), static_cast<double>(spec.height) / image.height());
      w = std::max(1, static_cast<int>(std::lround(image.width() * scale)));
      h = std::max(1, static_cast<int>(std::lround(image.height() * scale)));
      where = {static_cast<float>(w) / image.width(), static_cast<float>(h) / image.height(), 0, 0};
    }
    const int left = spec.anchor == Anchor::center ? (spec.width - w) / 2 : 0;
    const int top = spec.anchor == Anchor::center ? (spec.height - h) / 2 : 0;
    where.offset_x = static_cast<float>(left);
    where.offset_y = static_cast<float>(top);
    // Resized straight into its place on a canvas of the pad value: no second copy.
    resized.create(spec.height, spec.width, CV_8UC3);
    resized.setTo(cv::Scalar(spec.pad, spec.pad, spec.pad));
    cv::Mat inner = resized(cv::Rect(left, top, w, h));
    cv::resize(rgb, inner, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
    return resized;
  }
  if (spec.fit == Fit::center_crop) {
    // The largest box of the input's aspect ratio, centred.
    const double aspect = static_cast<double>(spec.width) / spec.height;
    int w = image.width(), h = static_cast<int>(w / aspect);
    if (h > image.height()) h = image.height(), w = static_cast<int>(h * aspect);
    w = std::max(w, 1), h = std::max(h, 1);
    region = rgb(cv::Rect((image.width() - w) / 2, (image.height() - h) / 2, w, h));
    where = {static_cast<float>(spec.width) / w, static_cast<float>(spec.height) / h,
             -static_cast<float>((image.width() - w) / 2) * spec.width / w,
             -static_cast<float>((image.height() - h) / 2) * spec.height / h};
  }
  cv::resize(region, resized, cv::Size(spec.width, spec.height), 0, 0,
             spec.area_downscale && region.cols > spec.width ? cv::INTER_AREA : cv::INTER_LINEAR);
  return resized;
}

// Writes `pixels` (height x width x channels bytes) as T, each byte through `value`, in the
// spec's layout; with spec.bgr, three channels are written in reverse order (RGB in, BGR
// out) in the same pass.
template <typename T, typename F>
Tensor write(const cv::Mat& pixels, const InputSpec& spec, DType dtype, F value) {
  const int H = spec.height, W = spec.width, C = spec.channels;
  const bool reverse = spec.bgr && C == 3;
  Tensor t(dtype, spec.layout == Layout::nhwc ? Shape{1, H, W, C} : Shape{1, C, H, W});
  T* out = t.data<T>();
  for (int y = 0; y < H; ++y) {
    const std::uint8_t* row = pixels.ptr<std::uint8_t>(y);
    if (spec.layout == Layout::nhwc) {
      T* dst = out + static_cast<std::int64_t>(y) * W * C;
      if (!reverse) {
        for (int i = 0; i < W * C; ++i) dst[i] = value(row[i]);
      } else {
        for (int x = 0; x < W; ++x)
          for (int c = 0; c < 3; ++c) dst[x * 3 + c] = value(row[x * 3 + 2 - c]);
      }
    } else {
      for (int c = 0; c < C; ++c) {
        T* dst = out + (static_cast<std::int64_t>(c) * H + y) * W;
        const std::uint8_t* src = row + (reverse ? 2 - c : c);
        for (int x = 0; x < W; ++x) dst[x] = value(src[x * C]);
      }
    }
  }
  return t;
}

}  // namespace

// The fitted pixels (input-sized RGB bytes) as the model's tensor.
static Tensor pixels_to_tensor(cv::Mat pixels, const InputSpec& spec);

Tensor crop_to_tensor(const Image& image, const InputSpec& spec, const RotatedRect& r, bool replicate_border) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  // Input pixel (i, j) samples the point (i / W, j / H) of the region, turned and placed, as
  // TF.js's @tensorflow-models crop with tf.image.transform (no half-pixel offset): their
  // landmark models' points then land where those libraries put them.
  const double W = spec.width, H = spec.height, c = std::cos(r.rotation), s = std::sin(r.rotation);
  const double a = c * r.width / W, b = -s * r.height / H, d = s * r.width / W, e = c * r.height / H;
  const double tx = r.cx - (a * W + b * H) / 2;
  const double ty = r.cy - (d * W + e * H) / 2;
  const cv::Matx23d to_image(a, b, tx, d, e, ty);
  cv::Mat rgb(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data()));
  cv::Mat pixels;
  cv::warpAffine(rgb, pixels, to_image, cv::Size(spec.width, spec.height), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 replicate_border ? cv::BORDER_REPLICATE : cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  return pixels_to_tensor(pixels, spec);
}

Tensor to_tensor(const Image& image, const InputSpec& spec, Placement* placement) {
  if (image.empty()) throw Error(ErrorCode::bad_input, "The image is empty (0x0).");
  if (spec.point_sampling && spec.fit != Fit::center_crop) {
    // The whole image (letterbox: in a centred box of the input's shape) warped onto the input.
    const float iw = static_cast<float>(image.width()), ih = static_cast<float>(image.height());
    const float W = static_cast<float>(spec.width), H = static_cast<float>(spec.height);
    RotatedRect whole{iw / 2, ih / 2, iw, ih, 0};
    if (spec.fit == Fit::letterbox) {
      const float scale = std::max(iw / W, ih / H);  // image pixels per input pixel
      whole.width = W * scale, whole.height = H * scale;
    }
    if (placement) *placement = {W / whole.width, H / whole.height, W / 2 - whole.cx * W / whole.width, H / 2 - whole.cy * H / whole.height};
    return crop_to_tensor(image, spec, whole);
  }
  Placement where;
  cv::Mat pixels = fit_image(image, spec, where);
  if (placement) *placement = where;
  return pixels_to_tensor(pixels, spec);
}

static Tensor pixels_to_tensor(cv::Mat pixels, const InputSpec& spec) {
  if (spec.range == Range::inverted_binary) {
    if (spec.channels != 1) throw Error(ErrorCode::bad_model, "A binary sketch input has one channel.");
    Tensor t(DType::f32, {1, spec.height, spec.width, 1});
    for (int y = 0; y < spec.height; ++y) {
      const std::uint8_t* row = pixels.ptr<std::uint8_t>(y);
      for (int x = 0; x < spec.width; ++x) {
        const float mean = (row[x * 3] + row[x * 3 + 1] + row[x * 3 + 2]) / (3.f * 255.f);
        t.data<float>()[static_cast<std::int64_t>(y) * spec.width + x] = std::round(1.f - mean);
      }
    }
    return t;
  }
  if (spec.channels == 1) {
    cv::Mat grey;
    cv::cvtColor(pixels, grey, cv::COLOR_RGB2GRAY);
    pixels = grey;
  } else if (spec.channels != 3) {
    throw Error(ErrorCode::bad_model,
                "The model wants " + std::to_string(spec.channels) + " channels per pixel; images have 1 (grey) or 3 (RGB).");
  }
  switch (spec.range) {
    case Range::bytes:
      if (spec.int32) return write<std::int32_t>(pixels, spec, DType::i32, [](std::uint8_t p) { return static_cast<std::int32_t>(p); });
      return write<std::uint8_t>(pixels, spec, DType::u8, [](std::uint8_t p) { return p; });
    case Range::pixels:
      return write<float>(pixels, spec, DType::f32, [](std::uint8_t p) { return static_cast<float>(p); });
    case Range::unit:
      return write<float>(pixels, spec, DType::f32, [](std::uint8_t p) { return p / 255.f; });
    case Range::signed_unit:
      return write<float>(pixels, spec, DType::f32, [](std::uint8_t p) { return p / 127.5f - 1.f; });
    case Range::inverted_unit:
    case Range::inverted_binary:
      return write<float>(pixels, spec, DType::f32, [](std::uint8_t p) { return 1.f - p / 255.f; });
  }
  throw Error(ErrorCode::internal, "Unknown input range.");
}

}  // namespace easel::vision
