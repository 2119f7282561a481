// ImageSegmenter: which pixels are a person (MediaPipe's selfie and Meet models, as ml5's
// bodySegmentation), or which of 21 kinds of thing each pixel shows (DeepLab, PASCAL VOC).
// Then a blurred or replaced background, as a video call does it.
//
//   auto photo = easel::Image::load("me.jpg");
//   easel::Segmentation people = easel::ImageSegmenter::create().segment(photo);
//   easel::blur_background(photo, people).save("blurred.png");
//   people.mask().save("mask.png");  // white where a person is
//
// Models: "selfie" (default, 256x256), "meet" (144x256, for landscape video), "deeplabv3"
// (513x513, 21 classes: background, aeroplane, ..., person, ..., tvmonitor).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "easel/image.h"

namespace easel {

struct Segmentation {
  int width = 0, height = 0;          // the image's
  std::vector<std::string> labels;    // the classes: {"background", "person"} or DeepLab's 21
  std::vector<std::uint8_t> classes;  // per pixel, row-major: an index into labels
  // Per pixel, 0..1: how sure the model is that it is not background (a person's
  // probability; for DeepLab, 1 where the class is not background, 0 where it is).
  std::vector<float> confidence;

  int label_index(const std::string& label) const;  // -1 when it is not one of labels
  // The fraction of the pixels of `label`; throws Error(bad_input) for a label it has not.
  float coverage(const std::string& label) const;
  // White where anything but background is, black elsewhere (ml5's mask, without colours).
  Image mask() const;
  // Each pixel in its class's colour (segmentation_color), background black.
  Image colored() const;
};

struct ImageSegmenterOptions {
  std::string model = "selfie";
  float threshold = 0.5f;  // person models: confidence at or above is the person class
  int threads = 0;         // 0: all cores
};

class ImageSegmenter {
 public:
  static ImageSegmenter create(const ImageSegmenterOptions& options = {});
  ~ImageSegmenter();
  ImageSegmenter(ImageSegmenter&&) noexcept;
  ImageSegmenter& operator=(ImageSegmenter&&) noexcept;

  Segmentation segment(const Image& image);
  const std::vector<std::string>& labels() const;

 private:
  struct Impl;
  explicit ImageSegmenter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The colour a class is drawn in (PASCAL VOC's own colour map; index 0, background, black).
struct SegmentColor {
  std::uint8_t r = 0, g = 0, b = 0;
};
SegmentColor segmentation_color(int class_index);

// The image with what is background blurred (a Gaussian of `radius` pixels), the rest sharp,
// blended by the segmentation's confidence so that edges stay soft.
Image blur_background(const Image& image, const Segmentation& segmentation, int radius = 12);
// The image with its background replaced by `background` (scaled to cover it).
Image replace_background(const Image& image, const Segmentation& segmentation, const Image& background);

}  // namespace easel
