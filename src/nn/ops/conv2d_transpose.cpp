// conv2d_transpose: the gradient of conv2d w.r.t. its input (TF Conv2DBackpropInput),
// used as a learned upsampling. x [N,H,W,C], filter [KH,KW,O,C], output_shape
// [N,OH,OW,O]; the padding is that of the forward convolution from [OH,OW] to [H,W].
// Runs as oneDNN's deconvolution, whose weights {O,C,KH,KW} are the same numbers.
#include <array>
#include <cctype>

#include "nn/ops/conv_dnnl.h"
#include "nn/ops/conv_ops.h"
#include "nn/ops/reference/conv_reference.h"

namespace easel::nn {
namespace {

class Conv2DTranspose final : public Op {
 public:
  explicit Conv2DTranspose(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 4);
    expect_float_input(ctx, 0, "x", 4);
    expect_float_input(ctx, 1, "filter", 4);
    const Shape& x = ctx.input_shapes[0];
    const Shape& f = ctx.input_shapes[1];  // [KH, KW, O, C]
    if (!ctx.node.attrs.has("output_shape")) ctx.fail("attribute 'output_shape' (NHWC) is required");
    std::vector<std::int64_t> out = ctx.node.attrs.get_ints("output_shape");
    if (out.size() != 4) ctx.fail("attribute 'output_shape' must have 4 values (N,H,W,C), got " + std::to_string(out.size()));
    if (f[3] != x[3])
      ctx.fail("channel mismatch: x " + to_string(x) + " has " + std::to_string(x[3]) + " channels but filter " + to_string(f) +
               " expects " + std::to_string(f[3]) + " (filter layout [KH,KW,out,in])");
    // A Keras model leaves the batch open (-1): it follows x.
    if (out[0] == -1) out[0] = x[0];
    if (out[0] != x[0])
      ctx.fail("output_shape " + to_string(out) + " has batch " + std::to_string(out[0]) + ", x has " + std::to_string(x[0]));
    if (out[3] != f[2])
      ctx.fail("output_shape " + to_string(out) + " has " + std::to_string(out[3]) + " channels but filter " + to_string(f) + " produces " +
               std::to_string(f[2]));
    // An open height or width (-1) is the one the padding implies: x's times the stride
    // for SAME (tf.conv2dTranspose with 'same', as ml5's style transfer calls it at any
    // image size), (x - 1) * stride + the dilated kernel for VALID.
    if (out[1] == -1 || out[2] == -1) {
      auto pair = [&](const char* name) {  // H, W from 1, 2 or 4 (NHWC) values
        const std::vector<std::int64_t> v = ctx.node.attrs.get_ints(name, {1, 1});
        if (v.size() == 1) return std::array<std::int64_t, 2>{v[0], v[0]};
        if (v.size() == 2) return std::array<std::int64_t, 2>{v[0], v[1]};
        if (v.size() == 4) return std::array<std::int64_t, 2>{v[1], v[2]};
        ctx.fail(std::string("attribute '") + name + "' must have 2 values (H,W), got " + std::to_string(v.size()));
      };
      const auto strides = pair("strides"), dilations = pair("dilations");
      std::string padding = ctx.node.attrs.get_string("padding", "VALID");
      for (char& ch : padding) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      for (std::size_t d = 1; d <= 2; ++d) {
        if (out[d] != -1) continue;
        if (padding == "SAME" || padding == "SAME_LOWER")
          out[d] = x[d] * strides[d - 1];
        else if (padding == "VALID")
          out[d] = (x[d] - 1) * strides[d - 1] + (f[d - 1] - 1) * dilations[d - 1] + 1;
        else
          ctx.fail("an open output size (-1) needs SAME or VALID padding, not " + padding);
      }
    }
    if (out[1] < 1 || out[2] < 1 || out[3] < 1 || x[3] < 1) ctx.fail("output_shape " + to_string(out) + " must be positive");
    shape_.batch = x[0];
    shape_.in_channels = x[3];
    shape_.out_channels = f[2];
    shape_.groups = 1;
    shape_.window = parse_window(ctx, out[1], out[2], f[0], f[1], true);
    const Window2D& w = shape_.window;
    if (w.out_h != x[1] || w.out_w != x[2])
      ctx.fail("output_shape " + to_string(out) + " does not match x " + to_string(x) + ": the forward convolution of a " +
               std::to_string(out[1]) + "x" + std::to_string(out[2]) + " image with this filter, stride and padding is " +
               std::to_string(w.out_h) + "x" + std::to_string(w.out_w));
    activation_ = parse_activation(ctx);
    epilogue_ = check_epilogue_inputs(ctx, 2, 3, shape_.out_channels, activation_);
    ctx.output_dtypes[0] = DType::f32;
    ctx.output_shapes[0] = out;
    // An empty output (batch 0) needs no kernel; oneDNN rejects zero-sized problems.
    use_dnnl_ = backend_ == Backend::optimized && num_elements(out) > 0;
    if (use_dnnl_) {
      try {
        prepare_dnnl(ctx);
      } catch (const dnnl::error& e) {
        ctx.fail(std::string("oneDNN cannot build this transposed convolution: ") + e.what());
      }
    }
  }

  void run(RunContext& ctx) override {
    const float* x = ctx.in(0).data<float>();
    const float* filter = ctx.in(1).data<float>();
    const float* bias = epilogue_.has_bias ? ctx.in(2).data<float>() : nullptr;
    const float* slopes = epilogue_.prelu_slopes ? ctx.in(3).data<float>() : nullptr;
    Tensor& out = ctx.out(0);
    float* y = out.data<float>();
    if (!use_dnnl_) {
      reference::conv2d_transpose(shape_, x, filter, bias, y);
      activate_in_place(activation_, slopes, epilogue_.prelu_slopes, shape_.out_channels, y, out.size());
      return;
    }
    args_.bind(primitive_, x, y, filter, bias, slopes);
    primitive_.execute();
    if (!args_.activation_fused) activate_in_place(activation_, slopes, epilogue_.prelu_slopes, shape_.out_channels, y, out.size());
  }

  double flops() const override {
    const Window2D& w = shape_.window;  // out_* is x's size
    return 2.0 * static_cast<double>(shape_.batch) * static_cast<double>(w.out_h * w.out_w) * static_cast<double>(shape_.in_channels) *
           static_cast<double>(shape_.out_channels) * static_cast<double>(w.kernel_h * w.kernel_w);
  }

 private:
  void prepare_dnnl(const PrepareContext& ctx) {
    using dims = dnnl::memory::dims;
    using tag = dnnl::memory::format_tag;
    constexpr auto f32 = dnnl::memory::data_type::f32;
    const Window2D& w = shape_.window;
    const std::int64_t N = shape_.batch, C = shape_.in_channels, O = shape_.out_channels;
    dnnl::memory::desc src_md({N, C, w.out_h, w.out_w}, f32, tag::nhwc);
    dnnl::memory::desc dst_md({N, O, w.in_h, w.in_w}, f32, tag::nhwc);
    // filter [KH,KW,O,C] in oneDNN's deconvolution order {O, C, KH, KW}.
    dims filter_dims{O, C, w.kernel_h, w.kernel_w};
    dnnl::memory::desc user_filter_md(filter_dims, f32, dims{C, 1, w.kernel_w * O * C, O * C});
    dnnl::memory::desc any_filter_md(filter_dims, f32, tag::any);
    dnnl::memory::desc bias_md = epilogue_.has_bias ? dnnl::memory::desc({O}, f32, tag::a) : dnnl::memory::desc();
    dnnl::deconvolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, src_md, any_filter_md,
                                           bias_md, dst_md, {w.stride_h, w.stride_w}, {w.dilation_h - 1, w.dilation_w - 1},
                                           {w.pad_top, w.pad_left}, {w.pad_bottom, w.pad_right});
    args_ = prepare_conv_primitive<dnnl::deconvolution_forward, dnnl::deconvolution_forward::primitive_desc>(
        primitive_, desc, activation_, epilogue_, O, 4, user_filter_md, bias_md, ctx);
  }

  Backend backend_;
  bool use_dnnl_ = false;
  reference::ConvShape shape_;  // window: the forward convolution from y to x
  FusedActivation activation_;
  EpilogueInputs epilogue_;
  DnnlPrimitive primitive_;
  ConvArgs args_;
};

}  // namespace

std::unique_ptr<Op> make_conv2d_transpose(Backend backend) { return std::make_unique<Conv2DTranspose>(backend); }

}  // namespace easel::nn
