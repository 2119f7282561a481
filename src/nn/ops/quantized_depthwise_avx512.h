// easel's own int8 depthwise convolution (channel multiplier 1, NHWC), for CPUs with
// AVX-512: quantized_conv.cpp runs it instead of oneDNN's int8 depthwise kernel, which on
// MobileNet's narrow layers (8 to 256 channels) ran slower than oneDNN's fp32 one and
// could not take TFLite's uint8 weights (q - zp up to +-255) without a fix-up pass.
//
// The input is first widened into a float plane of q_x - x_zero_point with zeros around
// it for the padding; the window sums then run as fused multiply-adds straight from that
// plane. That is exact: each product has |.| <= 255 * 255, and a window of up to 256 taps
// sums below 2^24, so float32 holds the integer accumulator exactly. The epilogue is the
// reference loops' own, in the same order:
//   v = output_scale[c] * (acc + bias_acc[c]); clamped to [floor, clip];
//   q = round_half_even(clamp(v + y_zero_point, lo, hi))
// so the result equals the reference backend's bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "easel/tensor.h"

namespace easel::nn {

struct DepthwiseInt8 {
  std::int64_t batch = 1, in_h = 0, in_w = 0, channels = 0, out_h = 0, out_w = 0;
  std::int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_top = 0, pad_left = 0;
  float x_zero_point = 0, y_zero_point = 0;
  float floor = 0, clip = 0;  // the activation's range, in units of y_scale
  // Filled by prepare_depthwise_int8(): the padded plane's size; `packed`: channels
  // divide 16 and the stride is 1, so one 16-lane vector holds 16 / channels neighbouring
  // pixels; the per-lane tables (`lanes` of them: the channels padded to a multiple of 16,
  // or 16 when packed): weights [taps][lanes] (the integers k), output_scale, bias_acc.
  std::int64_t plane_h = 0, plane_w = 0, lanes = 0;
  bool packed = false;
  std::vector<float> weights, output_scale, bias_acc;
};

// True when this CPU runs the kernel (AVX-512 F, BW, VL and DQ).
bool depthwise_int8_available();

// The largest window the kernel stays exact for.
constexpr std::int64_t kDepthwiseInt8MaxTaps = 256;

// Fills the derived fields of `p` from the integer weights k [taps][channels] and the
// reference epilogue's per-channel scale and bias.
void prepare_depthwise_int8(DepthwiseInt8& p, const std::vector<std::int16_t>& k, const std::vector<float>& output_scale,
                            const std::vector<float>& bias_acc);

// x: [batch, in_h, in_w, channels] of `in` (u8 or i8); y: [batch, out_h, out_w,
// channels] of `out` (u8 or i8). `plane` is the caller's scratch, kept between runs.
void run_depthwise_int8(const DepthwiseInt8& p, const void* x, DType in, void* y, DType out, std::vector<float>& plane);

}  // namespace easel::nn
