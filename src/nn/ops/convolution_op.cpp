#include "nn/ops/convolution_op.h"

#include <algorithm>
#include <utility>

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
  const std::int64_t N = shape_.batch, C = shape_.in_channels, O = shape_.out_channels, G = shape_.groups;
  const std::int64_t group_in = C / G, group_out = O / G;
  if (G == 1 && C == 1 && shape_.window.kernel_h * shape_.window.kernel_w >= 16) return prepare_im2col(ctx);

  // A 1-D convolution along H (W = 1, as Keras Conv1D models and CREPE write it) is
  // described to oneDNN along W instead: the bytes are the same (NHWC with W = 1 is NWHC
  // with H = 1), and oneDNN's kernels run such convolutions about 6x faster along W.
  Window2D w = shape_.window;
  const bool along_w = w.in_w == 1 && w.kernel_w == 1 && w.out_w == 1 && w.pad_left == 0 && w.pad_right == 0 && w.in_h > 1 && group_in >= 4;
  if (along_w) {
    std::swap(w.in_h, w.in_w);
    std::swap(w.kernel_h, w.kernel_w);
    std::swap(w.stride_h, w.stride_w);
    std::swap(w.dilation_h, w.dilation_w);
    std::swap(w.pad_top, w.pad_left);
    std::swap(w.pad_bottom, w.pad_right);
    std::swap(w.out_h, w.out_w);
  }
  const std::int64_t KH = w.kernel_h, KW = w.kernel_w;

  // Activations stay NHWC (no reorders between ops); oneDNN's logical order is NCHW.
  dnnl::memory::desc src_md({N, C, w.in_h, w.in_w}, f32, tag::nhwc);
  dnnl::memory::desc dst_md({N, O, w.out_h, w.out_w}, f32, tag::nhwc);
  // The HWIO filter [KH,KW,C/G,O] described in oneDNN's logical (G,)O,I,KH,KW order.
  dims filter_dims = G == 1 ? dims{O, group_in, KH, KW} : dims{G, group_out, group_in, KH, KW};
  dims filter_strides = G == 1 ? dims{1, O, KW * group_in * O, group_in * O} : dims{group_out, 1, O, KW * group_in * O, group_in * O};
  // (With one of KH, KW equal to 1 these strides already describe the swapped filter.)
  dnnl::memory::desc user_filter_md(filter_dims, f32, filter_strides);
  dnnl::memory::desc any_filter_md(filter_dims, f32, tag::any);  // let oneDNN block it
  dnnl::memory::desc bias_md = epilogue_.has_bias ? dnnl::memory::desc({O}, f32, tag::a) : dnnl::memory::desc();

  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, any_filter_md,
                                       bias_md, dst_md, {w.stride_h, w.stride_w},
                                       {w.dilation_h - 1, w.dilation_w - 1},  // oneDNN counts dilation from 0
                                       {w.pad_top, w.pad_left}, {w.pad_bottom, w.pad_right});
  args_ = prepare_conv_primitive<dnnl::convolution_forward, dnnl::convolution_forward::primitive_desc>(
      primitive_, desc, activation_, epilogue_, O, 4, user_filter_md, bias_md, ctx);
}

void ConvolutionOp::prepare_im2col(const PrepareContext& ctx) {
  using tag = dnnl::memory::format_tag;
  constexpr auto f32 = dnnl::memory::data_type::f32;
  const Window2D& w = shape_.window;
  const std::int64_t M = shape_.batch * w.out_h * w.out_w, K = w.kernel_h * w.kernel_w * shape_.in_channels, O = shape_.out_channels;
  use_im2col_ = true;
  columns_.assign(static_cast<std::size_t>(M * K), 0.f);
  // The HWIO filter [KH,KW,C,O] is, as it lies in memory, the [K,O] weight matrix.
  dnnl::memory::desc src_md = dense_desc({M, K}), dst_md = dense_desc({M, O}), user_filter_md = dense_desc({K, O});
  dnnl::memory::desc any_filter_md({K, O}, f32, tag::any);
  dnnl::memory::desc bias_md = epilogue_.has_bias ? dnnl::memory::desc({1, O}, f32, tag::ab) : dnnl::memory::desc();
  dnnl::matmul::desc desc(src_md, any_filter_md, bias_md, dst_md);
  args_ = prepare_conv_primitive<dnnl::matmul, dnnl::matmul::primitive_desc>(primitive_, desc, activation_, epilogue_, O, 2, user_filter_md,
                                                                             bias_md, ctx);
}

// Row (n, oy, ox) of `columns` holds the input window under output pixel (oy, ox) in
// (ky, kx, c) order, zeros where it hangs over the padding.
void ConvolutionOp::im2col(const float* x, float* columns) const {
  const Window2D& w = shape_.window;
  const std::int64_t C = shape_.in_channels, rows = shape_.batch * w.out_h * w.out_w;
  const std::int64_t K = w.kernel_h * w.kernel_w * C;
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t n = r / (w.out_h * w.out_w), oy = r / w.out_w % w.out_h, ox = r % w.out_w;
    float* row = columns + r * K;
    if (w.in_w == 1 && w.kernel_w == 1 && w.dilation_h == 1) {
      // A 1-D window along H: one contiguous run of the input, zeros where it overhangs.
      const std::int64_t top = oy * w.stride_h - w.pad_top;
      const std::int64_t from = std::clamp<std::int64_t>(-top, 0, w.kernel_h),
                         to = std::clamp<std::int64_t>(w.in_h - top, from, w.kernel_h);
      std::fill(row, row + from * C, 0.f);
      std::copy(x + (n * w.in_h + top + from) * C, x + (n * w.in_h + top + to) * C, row + from * C);
      std::fill(row + to * C, row + K, 0.f);
      continue;
    }
    for (std::int64_t ky = 0; ky < w.kernel_h; ++ky) {
      const std::int64_t iy = oy * w.stride_h + ky * w.dilation_h - w.pad_top;
      for (std::int64_t kx = 0; kx < w.kernel_w; ++kx, row += C) {
        const std::int64_t ix = ox * w.stride_w + kx * w.dilation_w - w.pad_left;
        if (iy < 0 || iy >= w.in_h || ix < 0 || ix >= w.in_w) std::fill(row, row + C, 0.f);
        else std::copy_n(x + ((n * w.in_h + iy) * w.in_w + ix) * C, C, row);
      }
    }
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
  if (use_im2col_) {
    im2col(x, columns_.data());
    x = columns_.data();
  }
  args_.bind(primitive_, x, y, filter, bias, slopes);
  primitive_.execute();
  if (!args_.activation_fused) activate_in_place(activation_, slopes, epilogue_.prelu_slopes, shape_.out_channels, y, out.size());
}

double ConvolutionOp::flops() const {
  const Window2D& w = shape_.window;
  const double macs = static_cast<double>(shape_.batch) * static_cast<double>(w.out_h * w.out_w) *
                      static_cast<double>(shape_.out_channels) *
                      static_cast<double>(w.kernel_h * w.kernel_w * (shape_.in_channels / shape_.groups));
  return 2 * macs;
}

}  // namespace easel::nn
