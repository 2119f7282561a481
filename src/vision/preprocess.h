// Turning an Image into a model's input tensor, the way each model's authors did it. Every
// vision task goes through to_tensor(); a model's InputSpec comes from its recipe
// (vision/recipe.h), so a new model of a known kind needs no preprocessing code.
#pragma once

#include <cstdint>

#include "easel/image.h"
#include "easel/tensor.h"

namespace easel::vision {

enum class Fit {
  stretch,      // the whole image resized to the input size (aspect ratio not kept)
  center_crop,  // the largest centred square (or input-shaped box), then resized
  letterbox,    // the whole image, aspect ratio kept, on bars of the pad value
};

enum class Range {
  bytes,            // uint8 0..255 as is (quantized TFLite models; int32 when the input is)
  pixels,           // float 0..255
  unit,             // float 0..1
  signed_unit,      // float -1..1 (pixel / 127.5 - 1)
  inverted_unit,    // float 1 - pixel / 255: dark strokes on light paper become high values
  inverted_binary,  // ml5's DoodleNet: round(1 - mean(r, g, b) / 255), 1 where a stroke is
};

enum class Layout { nhwc, nchw };

enum class Anchor {
  center,    // a letterboxed image sits in the middle, bars on both sides
  top_left,  // at the top left, bars right and below (YOLOX)
};

struct InputSpec {
  int height = 224, width = 224;
  int channels = 3;  // 3: RGB (or BGR); 1: grey (luma)
  bool bgr = false;  // channels in OpenCV's order (models trained on cv2.imread images)
  Layout layout = Layout::nhwc;
  Fit fit = Fit::stretch;
  Range range = Range::unit;
  bool int32 = false;  // Range::bytes as int32 values (MoveNet's TF.js models)
  // Shrink by averaging pixels (OpenCV's INTER_AREA) instead of bilinear sampling, which
  // drops thin strokes when a drawing is made ten times smaller (DoodleNet's 28x28).
  bool area_downscale = false;
  // Letterbox: where the image sits, the bars' value, and how its scaled size is rounded:
  // to the nearest pixel, or down with the scale taken as is (YOLOX's int(w * r)).
  Anchor anchor = Anchor::center;
  std::uint8_t pad = 0;
  bool round_down = false;
  // Sample the image at one point per input pixel (bilinear, no averaging when shrinking), as
  // MediaPipe's ImageToTensor and TF.js's @tensorflow-models do with tf.image.transform: the
  // pixels those models were made with. Stretch and letterbox (centred) only.
  bool point_sampling = false;
};

// Where the image landed in the input: image pixel = (input pixel - offset) / scale.
struct Placement {
  float scale_x = 1, scale_y = 1, offset_x = 0, offset_y = 0;
  float image_x(float input_x) const { return (input_x - offset_x) / scale_x; }
  float image_y(float input_y) const { return (input_y - offset_y) / scale_y; }
};

// A region of an image in pixels, turned by `rotation` radians about its centre (clockwise on
// screen, y pointing down: MediaPipe's NormalizedRect in pixels).
struct RotatedRect {
  float cx = 0, cy = 0, width = 0, height = 0, rotation = 0;
};

// A [1, height, width, channels] tensor ([1, channels, height, width] for NCHW): uint8 (or
// int32) for Range::bytes, else float32.
Tensor to_tensor(const Image& image, const InputSpec& spec, Placement* placement = nullptr);

// The region warped onto the whole input (bilinear), as MediaPipe's ImageToTensorCalculator
// crops a face or hand for its landmark model; outside the image: black, or with
// `replicate_border` the nearest edge pixel.
Tensor crop_to_tensor(const Image& image, const InputSpec& spec, const RotatedRect& region, bool replicate_border = false);

}  // namespace easel::vision
