// Plain-loop kernels of the conv group: the test oracle and the backend of
// Backend::reference. Written for obviousness, not speed: direct loops over the TF
// definitions, sums in double so the oracle is more exact than what it checks.
#pragma once

#include <cstdint>

#include "nn/ops/conv_common.h"

namespace easel::nn::reference {

struct ConvShape {
  std::int64_t batch = 1;
  std::int64_t in_channels = 1;   // of x
  std::int64_t out_channels = 1;  // of y
  std::int64_t groups = 1;        // in_channels and out_channels are split into this many
  Window2D window;
};

// y[N,out_h,out_w,O] = conv(x[N,in_h,in_w,C], filter[KH,KW,C/groups,O]) + bias[O].
// Output channel o belongs to group o / (O/groups) and sees that group's input channels.
// A depthwise filter [KH,KW,C,M] is this with groups = C, O = C*M (same memory).
void conv2d(const ConvShape& shape, const float* x, const float* filter, const float* bias, float* y);

// The transpose (gradient w.r.t. the input) of conv2d, as TF's Conv2DBackpropInput:
// shape.window describes the forward convolution from y to x, so window.in_* is y's
// size and window.out_* is x's. x[N,out_h,out_w,C], filter[KH,KW,O,C], bias[O],
// y[N,in_h,in_w,O]; in_channels = C, out_channels = O, groups = 1.
void conv2d_transpose(const ConvShape& shape, const float* x, const float* filter, const float* bias, float* y);

struct MatMulShape {
  int rank = 2;                        // of the output; a and b are viewed with this rank
  std::int64_t batch_dims_a[12] = {};  // rank-2 batch dims each, 1 where broadcast
  std::int64_t batch_dims_b[12] = {};
  std::int64_t batch_dims_out[12] = {};
  std::int64_t m = 1, n = 1, k = 1;
  bool transpose_a = false;  // a is stored [.., K, M]
  bool transpose_b = false;  // b is stored [.., N, K]
};

// out[.., M, N] = a[.., M, K] x b[.., K, N] + bias[N], batch dims broadcast.
void matmul(const MatMulShape& shape, const float* a, const float* b, const float* bias, float* out);

enum class PoolKind { max, average };

// y[N,out_h,out_w,C] from x[N,in_h,in_w,C]. max ignores padding (TF pads with -inf);
// average divides by the number of real (unpadded) elements in the window.
// `count_padding`: an average divides by the whole window (ONNX's count_include_pad), not by
// the cells inside the input.
void pool(PoolKind kind, std::int64_t batch, std::int64_t channels, const Window2D& window, const float* x, float* y,
          bool count_padding = false);

}  // namespace easel::nn::reference
