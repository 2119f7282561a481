// Shared by the conv group (conv2d, depthwise_conv2d, conv2d_transpose, matmul, pools):
// attribute parsing, TF's window and padding arithmetic, and the fused activations.
// Nothing here uses oneDNN: the reference kernels depend on it too.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "nn/op.h"

namespace easel::nn {

// ---- fused activation (attribute `activation`, README "conv") ----

enum class Activation { none, relu, relu6, leaky_relu, prelu, sigmoid, tanh, hard_swish, elu, swish };

struct FusedActivation {
  Activation kind = Activation::none;
  float alpha = 0.2f;  // leaky_relu's slope for x < 0
  // The activation's output is multiplied by this (attribute `activation_scale`): a model
  // whose hard-swish divides by 6 as float16's 0.16663 gets exactly that.
  float scale = 1.f;
};

// Reads `activation` (default "none"), `alpha` (default 0.2) and `activation_scale`
// (default 1; not with prelu); fails on an unknown name.
FusedActivation parse_activation(const PrepareContext& ctx);
const char* activation_name(Activation kind);

inline float activate_unscaled(const FusedActivation& act, float x, float slope) {
  switch (act.kind) {
    case Activation::none:
      return x;
    case Activation::relu:
      return x > 0.f ? x : 0.f;
    case Activation::relu6:
      return std::fmin(std::fmax(x, 0.f), 6.f);
    case Activation::leaky_relu:
      return x > 0.f ? x : act.alpha * x;
    case Activation::prelu:
      return x > 0.f ? x : slope * x;
    case Activation::sigmoid:
      return 1.f / (1.f + std::exp(-x));
    case Activation::tanh:
      return std::tanh(x);
    case Activation::hard_swish:
      return x * std::fmin(std::fmax(x + 3.f, 0.f), 6.f) / 6.f;
    case Activation::elu:
      return x > 0.f ? x : std::expm1(x);
    case Activation::swish:
      return x / (1.f + std::exp(-x));  // SiLU: x * sigmoid(x)
  }
  return x;
}

// y = scale * activation(x); `slope` is prelu's slope for this element (unused otherwise).
inline float activate(const FusedActivation& act, float x, float slope) {
  const float y = activate_unscaled(act, x, slope);
  return act.scale == 1.f ? y : act.scale * y;
}

// Applies `act` in place to `size` values whose innermost dimension is `channels`.
// prelu slopes: `slope_count` is 1 (one slope for all) or `channels` (per channel).
void activate_in_place(const FusedActivation& act, const float* slopes, std::int64_t slope_count, std::int64_t channels, float* y,
                       std::int64_t size);

// ---- 2-D sliding windows (conv, pool) in TF's terms ----

enum class Padding { same, valid, explicit_pads };

// The geometry of a forward window sweeping an in_h x in_w plane. conv2d_transpose
// describes itself by the forward convolution it is the gradient of (in = its output).
struct Window2D {
  std::int64_t in_h = 0, in_w = 0;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t out_h = 0, out_w = 0;

  std::int64_t extent_h() const { return (kernel_h - 1) * dilation_h + 1; }  // dilated kernel
  std::int64_t extent_w() const { return (kernel_w - 1) * dilation_w + 1; }
};

// Reads `strides`, `dilations` (when `with_dilations`), `padding` and `explicit_paddings`
// and computes the pads and output size of a window of kernel_h x kernel_w over
// in_h x in_w. SAME follows TF: out = ceil(in/stride), total pad =
// max((out-1)*stride + extent - in, 0), top/left = total/2 (the odd pixel goes to the
// bottom/right; SAME_LOWER gives it to the top/left). `ceil_mode` (VALID and EXPLICIT):
// the output rounds up, its last window overhanging the bottom/right edge by extra padding.
// Fails on bad values or an empty output.
Window2D parse_window(const PrepareContext& ctx, std::int64_t in_h, std::int64_t in_w, std::int64_t kernel_h, std::int64_t kernel_w,
                      bool with_dilations);

// A pooling window over NHWC x [N,H,W,C]: `ksize` (H,W, or TF's [1,kh,kw,1]) and
// parse_window()'s attributes, dilations (ONNX's MaxPool) included. Fails when a window could lie wholly in the padding (no
// maximum, no average).
Window2D parse_pool_window(const PrepareContext& ctx, const Shape& x);

// ---- validation helpers ----

// Fails unless input i is present, float32 and of rank `rank` (-1: any rank >= 2).
void expect_float_input(const PrepareContext& ctx, int i, const char* what, int rank);

// Checks the optional bias (input `bias_input`, `channels` elements) and prelu slopes
// (input `prelu_input`, 1 or `channels` elements) against `act`. Returns the number of
// slopes (0 when the activation is not prelu).
struct EpilogueInputs {
  bool has_bias = false;
  std::int64_t prelu_slopes = 0;
};
EpilogueInputs check_epilogue_inputs(const PrepareContext& ctx, int bias_input, int prelu_input, std::int64_t channels,
                                     const FusedActivation& act);

}  // namespace easel::nn
