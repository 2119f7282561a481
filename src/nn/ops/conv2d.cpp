// conv2d: y = activation(conv(x, filter) + bias), NHWC x, HWIO filter, optional groups.
#include "nn/ops/conv_ops.h"
#include "nn/ops/convolution_op.h"

namespace easel::nn {

reference::ConvShape describe_conv2d(const PrepareContext& ctx) {
  const Shape& x = ctx.input_shapes[0];
  const Shape& f = ctx.input_shapes[1];  // [KH, KW, C/groups, O]
  const std::int64_t C = x[3], filter_in = f[2], O = f[3];
  if (filter_in < 1 || O < 1) ctx.fail("filter " + to_string(f) + " has no channels");
  // TF has no groups attribute: a filter with fewer input channels than x means groups.
  std::int64_t groups = ctx.node.attrs.get_int("groups", C % filter_in == 0 ? C / filter_in : 1);
  if (groups < 1) ctx.fail("groups must be >= 1");
  if (filter_in * groups != C)
    ctx.fail("channel mismatch: x " + to_string(x) + " has " + std::to_string(C) + " channels but filter " + to_string(f) + " expects " +
             std::to_string(filter_in) + " per group x " + std::to_string(groups) + " groups");
  if (O % groups != 0)
    ctx.fail("filter " + to_string(f) + " has " + std::to_string(O) +
             " output channels, not a multiple of groups = " + std::to_string(groups));
  reference::ConvShape s;
  s.batch = x[0];
  s.in_channels = C;
  s.out_channels = O;
  s.groups = groups;
  s.window = parse_window(ctx, x[1], x[2], f[0], f[1], true);
  return s;
}

namespace {

class Conv2D final : public ConvolutionOp {
 public:
  using ConvolutionOp::ConvolutionOp;

 protected:
  reference::ConvShape describe(const PrepareContext& ctx) const override {
    expect_float_input(ctx, 0, "x", 4);
    expect_float_input(ctx, 1, "filter", 4);
    return describe_conv2d(ctx);
  }
};

}  // namespace

std::unique_ptr<Op> make_conv2d(Backend backend) { return std::make_unique<Conv2D>(backend); }

}  // namespace easel::nn
