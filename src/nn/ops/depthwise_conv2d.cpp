// depthwise_conv2d: each input channel c convolved with its own M filters; output
// channel c*M+m. Runs as a grouped convolution with groups = C (see convolution_op.h).
#include "nn/ops/conv_ops.h"
#include "nn/ops/convolution_op.h"

namespace easel::nn {

reference::ConvShape describe_depthwise_conv2d(const PrepareContext& ctx) {
  const Shape& x = ctx.input_shapes[0];
  const Shape& f = ctx.input_shapes[1];  // [KH, KW, C, M]
  if (f[2] != x[3])
    ctx.fail("channel mismatch: x " + to_string(x) + " has " + std::to_string(x[3]) + " channels but the depthwise filter " + to_string(f) +
             " has " + std::to_string(f[2]));
  if (f[3] < 1) ctx.fail("depthwise filter " + to_string(f) + " has a channel multiplier of 0");
  reference::ConvShape s;
  s.batch = x[0];
  s.in_channels = x[3];
  s.out_channels = x[3] * f[3];
  s.groups = x[3];
  s.window = parse_window(ctx, x[1], x[2], f[0], f[1], true);
  return s;
}

namespace {

class DepthwiseConv2D final : public ConvolutionOp {
 public:
  using ConvolutionOp::ConvolutionOp;

 protected:
  reference::ConvShape describe(const PrepareContext& ctx) const override {
    expect_float_input(ctx, 0, "x", 4);
    expect_float_input(ctx, 1, "filter", 4);
    return describe_depthwise_conv2d(ctx);
  }
};

}  // namespace

std::unique_ptr<Op> make_depthwise_conv2d(Backend backend) { return std::make_unique<DepthwiseConv2D>(backend); }

}  // namespace easel::nn
