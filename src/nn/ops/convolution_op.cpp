#include "nn/ops/convolution_op.h"

namespace easel::nn {

void ConvolutionOp::prepare(PrepareContext& ctx) {
  ctx.expect_inputs(2, 4);
  shape_ = describe(ctx);
  activation_ = parse_activation(ctx);
  epilogue_ = check_epilogue_inputs(ctx, 2, 3, shape_.out_channels, activation_);
  const Window2D& w = shape_.window;
  ctx.output_dtypes[0] = DType::f32;
  ctx.output_shapes[0] = {shape_.batch, w.out_h, w.out_w, shape_.out_channels};
  // An empty output (batch 0) needs no kernel; oneDNN rejects zero-sized problems.
  use_dnnl_ = backend_ == Backend::optimized && num_elements(ctx.output_shapes[0]) > 0;
  if (use_dnnl_) {
    try {
      prepare_dnnl(ctx);
    } catch (const dnnl::error& e) {
      ctx.fail(std::string("oneDNN cannot build this convolution: ") + e.what());
    }
  }
}

void ConvolutionOp::prepare_dnnl(const PrepareContext& ctx) {
  using dims = dnnl::memory::dims;
  using tag = dnnl::memory::format_tag;
  constexpr auto f32 = dnnl::memory::data_type::f32;
  const Window2D& w = shape_.window;
  const std::int64_t N = shape_.batch, C = shape_.in_channels, O = shape_.out_channels, G = shape_.groups;
  const std::int64_t group_in = C / G, group_out = O / G, KH = w.kernel_h, KW = w.kernel_w;

  // Activations stay NHWC (no reorders between ops); oneDNN's logical order is NCHW.
  dnnl::memory::desc src_md({N, C, w.in_h, w.in_w}, f32, tag::nhwc);
  dnnl::memory::desc dst_md({N, O, w.out_h, w.out_w}, f32, tag::nhwc);
  // The HWIO filter [KH,KW,C/G,O] described in oneDNN's logical (G,)O,I,KH,KW order.
  dims filter_dims = G == 1 ? dims{O, group_in, KH, KW} : dims{G, group_out, group_in, KH, KW};
  dims filter_strides = G == 1 ? dims{1, O, KW * group_in * O, group_in * O}
                               : dims{group_out, 1, O, KW * group_in * O, group_in * O};
  dnnl::memory::desc user_filter_md(filter_dims, f32, filter_strides);
  dnnl::memory::desc any_filter_md(filter_dims, f32, tag::any);  // let oneDNN block it
  dnnl::memory::desc bias_md = epilogue_.has_bias ? dnnl::memory::desc({O}, f32, tag::a) : dnnl::memory::desc();

  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md,
                                       any_filter_md, bias_md, dst_md, {w.stride_h, w.stride_w},
                                       {w.dilation_h - 1, w.dilation_w - 1},  // oneDNN counts dilation from 0
                                       {w.pad_top, w.pad_left}, {w.pad_bottom, w.pad_right});
  const bool per_channel = epilogue_.prelu_slopes > 1;
  auto [pd, fused] = make_primitive_desc<dnnl::convolution_forward::primitive_desc>(desc, activation_, per_channel ? 1 << 1 : 0);
  activation_fused_ = fused;

  primitive_.init(dnnl::convolution_forward(pd), pd.scratchpad_desc());
  src_slot_ = primitive_.add_runtime(DNNL_ARG_SRC, pd.src_desc());
  dst_slot_ = primitive_.add_runtime(DNNL_ARG_DST, pd.dst_desc());
  filter_slot_ = primitive_.add_weights(DNNL_ARG_WEIGHTS, user_filter_md, pd.weights_desc(), ctx.input_constants[1]);
  if (epilogue_.has_bias) bias_slot_ = primitive_.add_input(DNNL_ARG_BIAS, bias_md, ctx.input_constants[2]);
  if (activation_.kind == Activation::prelu && fused) {
    dnnl::memory::desc slopes_md({1, per_channel ? O : 1, 1, 1}, f32, tag::abcd);
    slopes_slot_ = primitive_.add_input(kPreluSlopesArg, slopes_md, ctx.input_constants[3]);
  }
}

void ConvolutionOp::run(RunContext& ctx) {
  const float* x = ctx.in(0).data<float>();
  const float* filter = ctx.in(1).data<float>();
  const float* bias = epilogue_.has_bias ? ctx.in(2).data<float>() : nullptr;
  const float* slopes = epilogue_.prelu_slopes ? ctx.in(3).data<float>() : nullptr;
  Tensor& out = ctx.out(0);
  float* y = out.data<float>();
  if (!use_dnnl_) {
    reference::conv2d(shape_, x, filter, bias, y);
    activate_in_place(activation_, slopes, epilogue_.prelu_slopes, shape_.out_channels, y, out.size());
    return;
  }
  primitive_.bind(src_slot_, x);
  primitive_.bind(dst_slot_, y);
  if (filter_slot_ >= 0) primitive_.bind(filter_slot_, filter);
  if (bias_slot_ >= 0) primitive_.bind(bias_slot_, bias);
  if (slopes_slot_ >= 0) primitive_.bind(slopes_slot_, slopes);
  primitive_.execute();
  if (!activation_fused_) activate_in_place(activation_, slopes, epilogue_.prelu_slopes, shape_.out_channels, y, out.size());
}

double ConvolutionOp::flops() const {
  const Window2D& w = shape_.window;
  const double macs = static_cast<double>(shape_.batch) * static_cast<double>(w.out_h * w.out_w) *
                      static_cast<double>(shape_.out_channels) *
                      static_cast<double>(w.kernel_h * w.kernel_w * (shape_.in_channels / shape_.groups));
  return 2 * macs;
}

}  // namespace easel::nn
