// easel's own int8 convolution kernels for CPUs with AVX-512, where oneDNN's int8
// kernels do poorly: depthwise layers with few channels (MobileNet's first ones), and
// dense ones with a short reduction (an RGB image's first convolution, a pointwise layer
// over 8 channels). quantized_conv.cpp runs them in place of oneDNN there. They take
// TFLite's uint8 weights (q - zp up to +-255) as they are, with no fix-up pass.
//
// Depthwise: the input rows are widened into float rows of q_x - x_zero_point with zeros
// around them for the padding; the window sums then run as fused multiply-adds from
// those rows. That is exact: each product has |.| <= 255 * 255, and a window of up to
// 256 taps sums below 2^24, so float32 holds the integer accumulator exactly. Dense: each
// pixel's window gathered into a row of bytes, multiplied with VNNI's integer dot
// products (exact in int32). The epilogue is the reference loops' own, in the same order:
//   v = output_scale[o] * (acc + bias_acc[o]); clamped to [floor, clip];
//   q = round_half_even(clamp(v + y_zero_point, lo, hi))
// so the result equals the reference backend's bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "easel/tensor.h"

namespace easel::nn {

struct ConvInt8 {
  bool depthwise = false;  // channel multiplier 1; else dense (one group)
  std::int64_t batch = 1, in_h = 0, in_w = 0, channels = 0, out_channels = 0, out_h = 0, out_w = 0;
  std::int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_top = 0, pad_left = 0;
  float x_zero_point = 0, y_zero_point = 0;
  float floor = 0, clip = 0;  // the activation's range, in units of y_scale
  // Filled by prepare_conv_int8(): a widened, padded input row's length (row_floats, a
  // multiple of 16) and the rows a window spans (ring); `packed` (depthwise):
  // channels divide 16 and the stride is 1, so one 16-lane vector holds 16 / channels
  // neighbouring pixels; the per-lane tables, `lanes` wide (the output channels padded to
  // a multiple of 16, or 16 when packed): weights (the integers k; depthwise [taps][lanes],
  // dense [taps][channels][lanes]), output_scale, bias_acc.
  std::int64_t row_floats = 0, ring = 0, lanes = 0;
  bool packed = false;
  std::vector<float> weights, output_scale, bias_acc;
  // Dense layers run on VNNI's byte dot products instead: each output pixel's reduction
  // gathered into a row of row_bytes (a multiple of 4) unsigned bytes (int8 input: plus
  // 128, `signed_input`); the weights in `parts` int8 parts (a wide one, up to +-255, is
  // their sum) laid out as dpbusd takes them; zero_point_sum: x_zero_point (+ 128) times
  // each output's weight sum, which the accumulator subtracts.
  bool signed_input = false, direct = false;  // direct: a pointwise layer on uint8 reads x as its rows
  std::int64_t row_bytes = 0, parts = 1;
  std::vector<std::int8_t> packed_weights;
  std::vector<std::int32_t> zero_point_sum;
};

// True when this CPU runs the kernels: AVX-512 F, BW, VL and DQ; dense layers also VNNI.
bool conv_int8_available(bool dense);

// The longest reduction (window taps times input channels per output) they stay exact for.
constexpr std::int64_t kConvInt8MaxReduction = 256;
// The most input rows a depthwise window may span ((kernel_h - 1) * dilation_h + 1).
constexpr std::int64_t kDepthwiseMaxRing = 32;

// Fills the derived fields of `p` from the integer weights k (HWIO layout: [taps][channels]
// for depthwise, [taps][channels][out_channels] dense) and the reference epilogue's
// per-output-channel scale and bias.
void prepare_conv_int8(ConvInt8& p, const std::vector<std::int16_t>& k, const std::vector<float>& output_scale,
                       const std::vector<float>& bias_acc);

// x: [batch, in_h, in_w, channels] of `in` (u8 or i8); y: [batch, out_h, out_w,
// out_channels] of `out` (u8 or i8). `scratch` is the caller's, kept between runs.
void run_conv_int8(const ConvInt8& p, const void* x, DType in, void* y, DType out, std::vector<float>& scratch);

}  // namespace easel::nn
