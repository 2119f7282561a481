// quantized_conv2d and quantized_depthwise_conv2d: conv2d / depthwise_conv2d on uint8 or
// int8 activations, as the int8 pass (nn/int8_pass.h) rewrites a quantized TFLite model.
// x holds q_x with real = x_scale * (q_x - x_zero_point); y is written the same way with
// y_scale, y_zero_point and dtype `to`. The filter and bias inputs stay float32 (the
// importer dequantized them); prepare() turns the filter back into integers q_w per output
// channel (see requantize_filter: the file's own integers where the `filter_scale` grid
// is given). Then, per output channel o,
//   acc = sum (q_x - x_zero_point) * q_w        (int32; padding contributes 0)
//   y   = activation(x_scale * w_scale[o] * acc + bias[o])    (real)
//   q_y = saturate(round(y / y_scale) + y_zero_point)
// The optimized backend runs that as one oneDNN u8/s8 primitive (AVX-512 VNNI) with
// per-channel output scales, runtime zero points and the activation as a post-op. oneDNN
// convolutions take int8 weights with no zero point, while TFLite's uint8 weights have
// one, so q_w = q - zp spans up to +-255. The few channels that do not fit int8 stay
// exact all the same: a pointwise layer runs as a oneDNN matmul, which takes a weight zero
// point; other layers recompute those channels after the primitive (a second small
// primitive, or plain loops for depthwise). Narrow depthwise layers and dense ones over
// few input channels run on easel's own AVX-512 kernels instead (quantized_conv_avx512.h),
// which take the wide integers as they are. The reference backend runs the same integers
// in plain loops.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "nn/ops/conv_dnnl.h"
#include "nn/ops/convolution_op.h"
#include "nn/ops/quant_common.h"
#include "nn/ops/quant_ops.h"
#include "nn/ops/quantized_conv_avx512.h"

namespace easel::nn {
namespace {

class QuantizedConvolution final : public Op {
 public:
  QuantizedConvolution(bool depthwise, Backend backend) : depthwise_(depthwise), backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 3);
    in_dtype_ = ctx.input_dtypes[0];
    if (in_dtype_ != DType::u8 && in_dtype_ != DType::i8) ctx.fail("x must be uint8 or int8, got " + std::string(to_string(in_dtype_)));
    if (ctx.input_shapes[0].size() != 4) ctx.fail("x must have rank 4, got shape " + to_string(ctx.input_shapes[0]));
    expect_float_input(ctx, 1, "filter", 4);
    shape_ = depthwise_ ? describe_depthwise_conv2d(ctx) : describe_conv2d(ctx);
    activation_ = parse_activation(ctx);
    if (activation_.kind != Activation::none && activation_.kind != Activation::relu && activation_.kind != Activation::relu6)
      ctx.fail(std::string("activation '") + activation_name(activation_.kind) + "' has no quantized form (none, relu and relu6 do)");
    if (activation_.scale != 1.f) ctx.fail("a quantized convolution takes no activation_scale");
    read_quantization(ctx);
    const std::int64_t O = shape_.out_channels;
    const Tensor& filter = ctx.constant(1, "filter");
    std::vector<float> bias(static_cast<std::size_t>(O), 0.f);
    if (ctx.has_input(2)) {
      const Tensor& b = ctx.constant(2, "bias");
      if (b.dtype() != DType::f32 || b.size() != O) ctx.fail("bias must be float32 with " + std::to_string(O) + " values");
      std::copy(b.data<float>(), b.data<float>() + O, bias.begin());
    }
    requantize_filter(ctx, filter, bias);

    const Window2D& w = shape_.window;
    ctx.output_dtypes[0] = out_dtype_;
    ctx.output_shapes[0] = {shape_.batch, w.out_h, w.out_w, O};
    use_own_kernel_ = backend_ == Backend::optimized && num_elements(ctx.output_shapes[0]) > 0 && prepare_own_kernel();
    use_dnnl_ = backend_ == Backend::optimized && num_elements(ctx.output_shapes[0]) > 0 && !use_own_kernel_;
    if (use_dnnl_) {
      try {
        prepare_dnnl();
      } catch (const dnnl::error& e) {
        ctx.fail(std::string("oneDNN cannot build this int8 convolution: ") + e.what());
      }
    }
  }

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    Tensor& y = ctx.out(0);
    if (use_own_kernel_) return run_conv_int8(own_kernel_, x.raw(), in_dtype_, y.raw(), out_dtype_, plane_);
    if (!use_dnnl_) return compute(x, y, {});
    primitive_.bind(src_slot_, x.raw());
    primitive_.bind(dst_slot_, y.raw());
    primitive_.execute();
    if (use_wide_primitive_) {
      wide_primitive_.bind(wide_src_slot_, x.raw());
      wide_primitive_.bind(wide_dst_slot_, wide_acc_.data());
      wide_primitive_.execute();
      if (out_dtype_ == DType::u8) combine_wide(y.data<std::uint8_t>());
      else combine_wide(y.data<std::int8_t>());
    } else if (!wide_channels_.empty()) {
      if (in_dtype_ == DType::u8) fix_depthwise(x.data<std::uint8_t>(), y);
      else fix_depthwise(x.data<std::int8_t>(), y);
    }
  }

  double flops() const override {
    const Window2D& w = shape_.window;
    return 2.0 * static_cast<double>(shape_.batch) * static_cast<double>(w.out_h * w.out_w) * static_cast<double>(shape_.out_channels) *
           static_cast<double>(w.kernel_h * w.kernel_w * (shape_.in_channels / shape_.groups));
  }

 private:
  void read_quantization(const PrepareContext& ctx) {
    const Attrs& a = ctx.node.attrs;
    x_scale_ = static_cast<float>(a.get_float("x_scale"));
    y_scale_ = static_cast<float>(a.get_float("y_scale"));
    if (!(x_scale_ > 0) || !(y_scale_ > 0) || !std::isfinite(x_scale_) || !std::isfinite(y_scale_))
      ctx.fail("x_scale and y_scale must be finite and positive");
    x_zero_point_ = static_cast<std::int32_t>(a.get_int("x_zero_point", 0));
    y_zero_point_ = static_cast<std::int32_t>(a.get_int("y_zero_point", 0));
    out_dtype_ = quantized_dtype(ctx);
    auto check_zp = [&](std::int32_t zp, DType dt, const char* what) {
      const int lo = dt == DType::u8 ? 0 : -128, hi = dt == DType::u8 ? 255 : 127;
      if (zp < lo || zp > hi) ctx.fail(std::string(what) + " " + std::to_string(zp) + " is outside the range of " + to_string(dt));
    };
    check_zp(x_zero_point_, in_dtype_, "x_zero_point");
    check_zp(y_zero_point_, out_dtype_, "y_zero_point");
  }

  // int8 weights, per output channel o (the filter's last dimension in both layouts).
  // With `filter_scale`, the grid of the file's uint8 weights (real = filter_scale *
  // (q - zp)), a channel keeps the file's integers k = q - zp exactly: as int8 when they
  // fit, else ("wide", k up to +-255) exactly all the same, by prepare_matmul() or by a
  // fix-up after the primitive (which gets a requantized copy). Without a grid (or off
  // it), w_scale[o] = max|w[.., o]| / 127; the file's per-channel int8 weights come out
  // exact that way too, their scale being that maximum / 127.
  void requantize_filter(const PrepareContext& ctx, const Tensor& filter, const std::vector<float>& bias) {
    const std::int64_t O = shape_.out_channels, rows = filter.size() / O;
    const float* w = filter.data<float>();
    const double grid = ctx.node.attrs.get_float("filter_scale", 0.0);
    std::vector<float> max_abs(static_cast<std::size_t>(O), 0.f), exact_scale(static_cast<std::size_t>(O)),
        dnnl_scale(static_cast<std::size_t>(O));
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t o = 0; o < O; ++o)
        max_abs[static_cast<std::size_t>(o)] = std::max(max_abs[static_cast<std::size_t>(o)], std::fabs(w[r * O + o]));
    wide_channels_.clear();
    for (std::int64_t o = 0; o < O; ++o) {
      const auto c = static_cast<std::size_t>(o);
      const float requantized = max_abs[c] > 0 ? max_abs[c] / 127.f : 1.f;
      bool on_grid = grid > 0, fits = true;
      for (std::int64_t r = 0; r < rows && on_grid; ++r) {
        const double k = std::round(w[r * O + o] / grid);
        on_grid = std::fabs(k) <= 255 && std::fabs(w[r * O + o] - k * grid) <= 1e-5 * grid * std::max(1.0, std::fabs(k));
        fits = fits && k >= -128 && k <= 127;
      }
      exact_scale[c] = on_grid ? static_cast<float>(grid) : requantized;
      dnnl_scale[c] = on_grid && fits ? static_cast<float>(grid) : requantized;
      if (on_grid && !fits) wide_channels_.push_back(o);
    }
    filter_ = Tensor(DType::i8, filter.shape());
    weights_.resize(static_cast<std::size_t>(filter.size()));
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t o = 0; o < O; ++o) {
        const auto c = static_cast<std::size_t>(o);
        filter_.data<std::int8_t>()[r * O + o] =
            static_cast<std::int8_t>(std::clamp(std::lround(w[r * O + o] / dnnl_scale[c]), -128L, 127L));
        weights_[static_cast<std::size_t>(r * O + o)] =
            static_cast<std::int16_t>(std::clamp(std::lround(w[r * O + o] / exact_scale[c]), -255L, 255L));
      }
    // oneDNN 2.x adds the bias to the int32 accumulator before the output scale.
    output_scale_.resize(static_cast<std::size_t>(O));
    bias_acc_.resize(static_cast<std::size_t>(O));
    dnnl_output_scale_.resize(static_cast<std::size_t>(O));
    dnnl_bias_ = Tensor(DType::f32, {O});
    for (std::size_t o = 0; o < static_cast<std::size_t>(O); ++o) {
      output_scale_[o] = x_scale_ * exact_scale[o] / y_scale_;
      bias_acc_[o] = bias[o] / (x_scale_ * exact_scale[o]);
      dnnl_output_scale_[o] = x_scale_ * dnnl_scale[o] / y_scale_;
      dnnl_bias_.data<float>()[o] = bias[o] / (x_scale_ * dnnl_scale[o]);
    }
  }

  // easel's own kernels (quantized_conv_avx512.h) where the CPU has AVX-512 and oneDNN's
  // int8 kernels do poorly: depthwise layers (channel multiplier 1) up to 32 channels or
  // up to 16384 outputs, and dense ones over up to 32 input channels. Exact for every
  // channel, wide or not, with no fix-up pass. Measured, 1 thread, MobileNetV1-0.25: its
  // first three depthwise layers (8, 16, 32 channels) went from oneDNN's 41, 15 and 20 us
  // to 11, 9 and 11, its 8-channel pointwise layer from 25 to 11. On wide, large
  // depthwise layers oneDNN's kernel is the faster (with the own kernel everywhere,
  // MobileNetV2's 1-thread speed-up over float fell from about 1.7x to 1.5x): the own
  // kernel's float rows outgrow the caches. Small layers also go parallel early, which
  // keeps the rows a thread writes on its own core for the layer after: MobileNetV1-0.25
  // at 2 threads went from 1.40x to 1.50x float.
  static constexpr std::int64_t kOwnDepthwiseMaxChannels = 32, kOwnDepthwiseMaxOutputs = 16384, kOwnDenseMaxChannels = 32;
  bool prepare_own_kernel() {
    const Window2D& w = shape_.window;
    const std::int64_t C = shape_.in_channels, O = shape_.out_channels;
    const bool depthwise = depthwise_ && shape_.groups == C && O == C &&
                           (C <= kOwnDepthwiseMaxChannels || w.out_h * w.out_w * C <= kOwnDepthwiseMaxOutputs) &&
                           (w.kernel_h - 1) * w.dilation_h + 1 <= kDepthwiseMaxRing;
    const bool dense = !depthwise_ && shape_.groups == 1 && C <= kOwnDenseMaxChannels;
    if (!(depthwise || dense) || !conv_int8_available(dense) || w.kernel_h * w.kernel_w * (dense ? C : 1) > kConvInt8MaxReduction)
      return false;
    ConvInt8& p = own_kernel_;
    p.depthwise = depthwise;
    p.signed_input = in_dtype_ == DType::i8;
    p.batch = shape_.batch, p.in_h = w.in_h, p.in_w = w.in_w, p.channels = C, p.out_channels = O, p.out_h = w.out_h, p.out_w = w.out_w;
    p.kernel_h = w.kernel_h, p.kernel_w = w.kernel_w, p.stride_h = w.stride_h, p.stride_w = w.stride_w;
    p.dilation_h = w.dilation_h, p.dilation_w = w.dilation_w, p.pad_top = w.pad_top, p.pad_left = w.pad_left;
    p.x_zero_point = static_cast<float>(x_zero_point_), p.y_zero_point = static_cast<float>(y_zero_point_);
    p.floor = activation_.kind == Activation::none ? -std::numeric_limits<float>::infinity() : 0.f;
    p.clip = activation_.kind == Activation::relu6 ? 6.f / y_scale_ : std::numeric_limits<float>::infinity();
    prepare_conv_int8(p, weights_, output_scale_, bias_acc_);
    return true;
  }

  // AMX tiles pay off on long reductions over many pixels; on short ones (MobileNetV2's
  // 1x1 convolutions over 16-32 channels, its depthwise layers) and on a single pixel (a
  // classifier's logits) oneDNN's AMX kernels run slower than its AVX-512 VNNI ones
  // (measured: MobileNetV2 5.1 ms with them everywhere, 3.7 ms without, 1 thread).
  template <class PrimitiveDesc>
  static void skip_amx_when_small(PrimitiveDesc& pd, std::int64_t reduction, std::int64_t pixels) {
    if (reduction >= kAmxMinReduction && pixels >= kAmxMinPixels) return;
    PrimitiveDesc first = pd;
    while (std::string_view(pd.impl_info_str()).find("amx") != std::string_view::npos)
      if (!pd.next_impl()) {
        pd = first;  // nothing else: keep AMX
        return;
      }
  }
  static constexpr std::int64_t kAmxMinReduction = 256, kAmxMinPixels = 64;

  // The attributes both primitives take: output scales, runtime zero points, the
  // activation as a post-op (it sees y / y_scale, before the zero point is added, so
  // relu6's bound scales), user scratchpad.
  dnnl::primitive_attr make_int8_attr(const std::vector<float>& scales, bool weight_zero_point) const {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    const bool common_scale = std::all_of(scales.begin(), scales.end(), [&](float v) { return v == scales[0]; });
    attr.set_output_scales(common_scale ? 0 : 1 << 1, common_scale ? std::vector<float>{scales[0]} : scales);
    if (x_zero_point_ != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    if (weight_zero_point) attr.set_zero_points(DNNL_ARG_WEIGHTS, 0, {DNNL_RUNTIME_S32_VAL});
    if (y_zero_point_ != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {DNNL_RUNTIME_S32_VAL});
    dnnl::post_ops ops;
    if (activation_.kind == Activation::relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    if (activation_.kind == Activation::relu6) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f / y_scale_);
    attr.set_post_ops(ops);
    return attr;
  }

  // Binds the zero points make_int8_attr() declared.
  void add_zero_points(std::int32_t weight_zero_point, bool with_weights) {
    using dt = dnnl::memory::data_type;
    const dnnl::memory::desc zp_md({1}, dt::s32, dnnl::memory::format_tag::a);
    if (x_zero_point_ != 0) {
      x_zp_ = Tensor::from<std::int32_t>({1}, {x_zero_point_});
      primitive_.add_input(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, zp_md, &x_zp_);
    }
    if (with_weights) {
      w_zp_ = Tensor::from<std::int32_t>({1}, {weight_zero_point});
      primitive_.add_input(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_WEIGHTS, zp_md, &w_zp_);
    }
    if (y_zero_point_ != 0) {
      y_zp_ = Tensor::from<std::int32_t>({1}, {y_zero_point_});
      primitive_.add_input(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_DST, zp_md, &y_zp_);
    }
  }

  // A pointwise (1x1, stride 1) convolution with wide channels runs as one oneDNN int8
  // matmul [pixels, C] x [C, O] instead, which takes a weight zero point (convolutions do
  // not): every channel's integers k, shifted by one constant d into int8, with zero point
  // -d, so the product is exact for all channels and needs no fix-up. Returns false when
  // no single shift fits every channel.
  bool prepare_matmul(dnnl::memory::data_type src_dt, dnnl::memory::data_type dst_dt) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const Window2D& w = shape_.window;
    const std::int64_t M = shape_.batch * w.out_h * w.out_w, C = shape_.in_channels, O = shape_.out_channels;
    const auto [lo, hi] = std::minmax_element(weights_.begin(), weights_.end());
    const int shift_lo = *hi - 127, shift_hi = *lo + 128;  // k - d must lie in [-128, 127]
    if (shift_lo > shift_hi) return false;
    const int d = std::clamp(0, shift_lo, shift_hi);
    Tensor shifted(DType::i8, {C, O});
    for (std::size_t i = 0; i < weights_.size(); ++i) shifted.data<std::int8_t>()[i] = static_cast<std::int8_t>(weights_[i] - d);
    dnnl::memory::desc src_md({M, C}, src_dt, tag::ab), dst_md({M, O}, dst_dt, tag::ab);
    dnnl::memory::desc user_md({C, O}, dt::s8, tag::ab), any_md({C, O}, dt::s8, tag::any), bias_md({1, O}, dt::f32, tag::ab);
    dnnl::matmul::desc desc(src_md, any_md, bias_md, dst_md);
    dnnl::matmul::primitive_desc pd(desc, make_int8_attr(output_scale_, d != 0), dnnl_engine());
    skip_amx_when_small(pd, C, M);
    primitive_.init(dnnl::matmul(pd), pd.scratchpad_desc());
    src_slot_ = primitive_.add_runtime(DNNL_ARG_SRC, pd.src_desc());
    dst_slot_ = primitive_.add_runtime(DNNL_ARG_DST, pd.dst_desc());
    primitive_.add_weights(DNNL_ARG_WEIGHTS, user_md, pd.weights_desc(), &shifted);
    matmul_bias_ = Tensor(DType::f32, {1, O});
    std::copy(bias_acc_.begin(), bias_acc_.end(), matmul_bias_.data<float>());
    primitive_.add_input(DNNL_ARG_BIAS, bias_md, &matmul_bias_);
    add_zero_points(-d, d != 0);
    wide_channels_.clear();  // all exact now
    return true;
  }

  void prepare_dnnl() {
    using dims = dnnl::memory::dims;
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const std::int64_t N = shape_.batch, C = shape_.in_channels, O = shape_.out_channels, G = shape_.groups;
    const std::int64_t group_in = C / G, group_out = O / G;
    const Window2D& w = shape_.window;
    const std::int64_t KH = w.kernel_h, KW = w.kernel_w;
    const dt src_dt = in_dtype_ == DType::u8 ? dt::u8 : dt::s8, dst_dt = out_dtype_ == DType::u8 ? dt::u8 : dt::s8;
    const bool pointwise = G == 1 && KH == 1 && KW == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_top == 0 && w.pad_left == 0 &&
                           w.pad_bottom == 0 && w.pad_right == 0 && w.out_h == w.in_h && w.out_w == w.in_w;
    if (pointwise && !wide_channels_.empty() && prepare_matmul(src_dt, dst_dt)) return;
    dnnl::memory::desc src_md({N, C, w.in_h, w.in_w}, src_dt, tag::nhwc);
    dnnl::memory::desc dst_md({N, O, w.out_h, w.out_w}, dst_dt, tag::nhwc);
    // The HWIO filter in oneDNN's logical (G,)O,I,KH,KW order, as convolution_op.cpp has it.
    dims filter_dims = G == 1 ? dims{O, group_in, KH, KW} : dims{G, group_out, group_in, KH, KW};
    dims filter_strides = G == 1 ? dims{1, O, KW * group_in * O, group_in * O} : dims{group_out, 1, O, KW * group_in * O, group_in * O};
    dnnl::memory::desc user_filter_md(filter_dims, dt::s8, filter_strides);
    dnnl::memory::desc any_filter_md(filter_dims, dt::s8, tag::any);
    dnnl::memory::desc bias_md({O}, dt::f32, tag::a);

    const dnnl::primitive_attr attr = make_int8_attr(dnnl_output_scale_, false);

    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, any_filter_md,
                                         bias_md, dst_md, {w.stride_h, w.stride_w}, {w.dilation_h - 1, w.dilation_w - 1},
                                         {w.pad_top, w.pad_left}, {w.pad_bottom, w.pad_right});
    dnnl::convolution_forward::primitive_desc pd(desc, attr, dnnl_engine());
    skip_amx_when_small(pd, group_in * KH * KW, N * w.out_h * w.out_w);
    primitive_.init(dnnl::convolution_forward(pd), pd.scratchpad_desc());
    src_slot_ = primitive_.add_runtime(DNNL_ARG_SRC, pd.src_desc());
    dst_slot_ = primitive_.add_runtime(DNNL_ARG_DST, pd.dst_desc());
    primitive_.add_weights(DNNL_ARG_WEIGHTS, user_filter_md, pd.weights_desc(), &filter_);
    primitive_.add_input(DNNL_ARG_BIAS, bias_md, &dnnl_bias_);
    add_zero_points(0, false);
    if (G == 1 && !wide_channels_.empty()) prepare_wide(src_md);
  }

  // The wide channels of an ungrouped convolution as a second, small oneDNN primitive:
  // each channel's integers k split into `parts_` int8 columns (k = sum of its parts), the
  // int32 accumulators written out, summed and requantized by combine_wide().
  void prepare_wide(const dnnl::memory::desc& src_md) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const Window2D& w = shape_.window;
    const std::int64_t N = shape_.batch, C = shape_.in_channels, O = shape_.out_channels, KH = w.kernel_h, KW = w.kernel_w;
    const std::int64_t rows = KH * KW * C, W = static_cast<std::int64_t>(wide_channels_.size());
    int max_k = 0;
    for (std::int64_t o : wide_channels_)
      for (std::int64_t r = 0; r < rows; ++r) max_k = std::max<int>(max_k, std::abs(weights_[static_cast<std::size_t>(r * O + o)]));
    parts_ = (max_k + 126) / 127;
    const std::int64_t P = parts_, cols = W * P;
    Tensor split(DType::i8, {KH, KW, C, cols});
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t j = 0; j < W; ++j) {
        const int k = weights_[static_cast<std::size_t>(r * O + wide_channels_[static_cast<std::size_t>(j)])];
        for (std::int64_t p = 0; p < P; ++p)  // near-equal parts: |part| <= ceil(255 / P) <= 127
          split.data<std::int8_t>()[r * cols + j * P + p] = static_cast<std::int8_t>(k / P + (p < std::abs(k % P) ? (k < 0 ? -1 : 1) : 0));
      }
    wide_acc_.assign(static_cast<std::size_t>(N * w.out_h * w.out_w * cols), 0);
    dnnl::memory::desc dst_md({N, cols, w.out_h, w.out_w}, dt::s32, tag::nhwc);
    dnnl::memory::desc user_md({cols, C, KH, KW}, dt::s8, {1, cols, KW * C * cols, C * cols});
    dnnl::memory::desc any_md({cols, C, KH, KW}, dt::s8, tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (x_zero_point_ != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, any_md, dst_md,
                                         {w.stride_h, w.stride_w}, {w.dilation_h - 1, w.dilation_w - 1}, {w.pad_top, w.pad_left},
                                         {w.pad_bottom, w.pad_right});
    dnnl::convolution_forward::primitive_desc pd(desc, attr, dnnl_engine());
    skip_amx_when_small(pd, 0, 0);  // a handful of output channels: AMX tiles would sit mostly empty
    wide_primitive_.init(dnnl::convolution_forward(pd), pd.scratchpad_desc());
    wide_src_slot_ = wide_primitive_.add_runtime(DNNL_ARG_SRC, pd.src_desc());
    wide_dst_slot_ = wide_primitive_.add_runtime(DNNL_ARG_DST, dst_md);
    wide_primitive_.add_weights(DNNL_ARG_WEIGHTS, user_md, pd.weights_desc(), &split);
    if (x_zero_point_ != 0)
      wide_primitive_.add_input(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, dnnl::memory::desc({1}, dt::s32, tag::a), &x_zp_);
    use_wide_primitive_ = true;
  }

  // The wide channels of a grouped (depthwise) convolution: each one's input plane is
  // copied out once, zero point subtracted and zeros around it for the padding, so that
  // the window sums run over contiguous rows.
  template <class T>
  void fix_depthwise(const T* x, Tensor& out) {
    const Window2D& w = shape_.window;
    const std::int64_t C = shape_.in_channels, O = shape_.out_channels, G = shape_.groups;
    const std::int64_t group_in = C / G, group_out = O / G;
    const std::int64_t PH = w.in_h + w.pad_top + w.pad_bottom, PW = w.in_w + w.pad_left + w.pad_right;
    plane_.resize(static_cast<std::size_t>(PH * PW));
    const float lo = out_dtype_ == DType::u8 ? 0.f : -128.f, hi = out_dtype_ == DType::u8 ? 255.f : 127.f;
    const float clip = activation_.kind == Activation::relu6 ? 6.f / y_scale_ : std::numeric_limits<float>::max();
    const float floor = activation_.kind == Activation::none ? std::numeric_limits<float>::lowest() : 0.f;
    // Float holds these sums exactly: |x - zp| <= 255 and |k| <= 255, so a window of up to
    // 256 taps stays below 2^24. Float also vectorizes on baseline x86-64 (int32 multiply
    // does not).
    const bool exact_in_float = w.kernel_h * w.kernel_w <= 256;
    for (std::int64_t o : wide_channels_) {
      if (group_in != 1 || !exact_in_float) {  // a general grouped convolution: the plain loops
        compute(x, out, {o});
        continue;
      }
      const std::int64_t c = o / group_out;
      const auto oc = static_cast<std::size_t>(o);
      for (std::int64_t n = 0; n < shape_.batch; ++n) {
        std::fill(plane_.begin(), plane_.end(), 0.f);
#pragma omp parallel for schedule(static) if (w.in_h * w.in_w > 4096)
        for (std::int64_t iy = 0; iy < w.in_h; ++iy) {
          const T* src = x + ((n * w.in_h + iy) * w.in_w) * C + c;
          float* dst = plane_.data() + (iy + w.pad_top) * PW + w.pad_left;
          for (std::int64_t ix = 0; ix < w.in_w; ++ix) dst[ix] = static_cast<float>(static_cast<std::int32_t>(src[ix * C]) - x_zero_point_);
        }
#pragma omp parallel for schedule(static) if (w.out_h * w.out_w > 4096)
        for (std::int64_t oy = 0; oy < w.out_h; ++oy) {
          std::vector<float> row(static_cast<std::size_t>(w.out_w), 0.f);
          for (std::int64_t ky = 0; ky < w.kernel_h; ++ky)
            for (std::int64_t kx = 0; kx < w.kernel_w; ++kx) {
              const float k = weights_[static_cast<std::size_t>((ky * w.kernel_w + kx) * O + o)];
              const float* src = plane_.data() + (oy * w.stride_h + ky * w.dilation_h) * PW + kx * w.dilation_w;
              if (w.stride_w == 1)
                for (std::int64_t ox = 0; ox < w.out_w; ++ox) row[static_cast<std::size_t>(ox)] += k * src[ox];
              else
                for (std::int64_t ox = 0; ox < w.out_w; ++ox) row[static_cast<std::size_t>(ox)] += k * src[ox * w.stride_w];
            }
          for (std::int64_t ox = 0; ox < w.out_w; ++ox) {
            const float v = std::clamp(output_scale_[oc] * (row[static_cast<std::size_t>(ox)] + bias_acc_[oc]), floor, clip);
            const float q = requantize(v, static_cast<float>(y_zero_point_), lo, hi);
            const std::int64_t at = ((n * w.out_h + oy) * w.out_w + ox) * O + o;
            if (out_dtype_ == DType::u8) out.data<std::uint8_t>()[at] = static_cast<std::uint8_t>(q);
            else out.data<std::int8_t>()[at] = static_cast<std::int8_t>(q);
          }
        }
      }
    }
  }

  template <class Y>
  void combine_wide(Y* y) const {
    const std::int64_t O = shape_.out_channels, W = static_cast<std::int64_t>(wide_channels_.size()), P = parts_;
    const std::int64_t pixels = static_cast<std::int64_t>(wide_acc_.size()) / (W * P);
    const float lo = std::numeric_limits<Y>::min(), hi = std::numeric_limits<Y>::max();
    const float clip = activation_.kind == Activation::relu6 ? 6.f / y_scale_ : std::numeric_limits<float>::max();
    const float floor = activation_.kind == Activation::none ? std::numeric_limits<float>::lowest() : 0.f;
    const float zp = static_cast<float>(y_zero_point_);
    for (std::int64_t j = 0; j < W; ++j) {
      const std::int64_t o = wide_channels_[static_cast<std::size_t>(j)];
      const float scale = output_scale_[static_cast<std::size_t>(o)], bias = bias_acc_[static_cast<std::size_t>(o)];
      const std::int32_t* acc = wide_acc_.data() + j * P;
      Y* out = y + o;
#pragma omp parallel for schedule(static) if (pixels > 4096)
      for (std::int64_t px = 0; px < pixels; ++px) {
        std::int32_t sum = 0;
        for (std::int64_t p = 0; p < P; ++p) sum += acc[px * W * P + p];
        const float v = std::clamp(scale * (static_cast<float>(sum) + bias), floor, clip);
        out[px * O] = static_cast<Y>(requantize(v, zp, lo, hi));
      }
    }
  }

  // Output channels `channels` (all: empty) computed from the exact integer weights, in
  // plain loops: the reference backend, and the fix-up of wide channels after oneDNN.
  template <class T, class Y>
  void compute_channels(const T* x, Y* y, const std::vector<std::int64_t>& channels) const {
    const Window2D& w = shape_.window;
    const std::int64_t C = shape_.in_channels, O = shape_.out_channels, G = shape_.groups;
    const std::int64_t group_in = C / G, group_out = O / G;
    const std::int64_t count = channels.empty() ? O : static_cast<std::int64_t>(channels.size());
    const float lo = std::numeric_limits<Y>::min(), hi = std::numeric_limits<Y>::max();
    const float clip = activation_.kind == Activation::relu6 ? 6.f / y_scale_ : std::numeric_limits<float>::infinity();
    const std::int64_t rows = shape_.batch * w.out_h;
#pragma omp parallel for schedule(static) if (rows * w.out_w * count * w.kernel_h * w.kernel_w * group_in > 100000)
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::int64_t n = row / w.out_h, oy = row % w.out_h;
      for (std::int64_t ox = 0; ox < w.out_w; ++ox)
        for (std::int64_t j = 0; j < count; ++j) {
          const std::int64_t o = channels.empty() ? j : channels[static_cast<std::size_t>(j)];
          const std::int64_t g = o / group_out;
          std::int32_t acc = 0;
          for (std::int64_t ky = 0; ky < w.kernel_h; ++ky) {
            const std::int64_t iy = oy * w.stride_h + ky * w.dilation_h - w.pad_top;
            if (iy < 0 || iy >= w.in_h) continue;
            for (std::int64_t kx = 0; kx < w.kernel_w; ++kx) {
              const std::int64_t ix = ox * w.stride_w + kx * w.dilation_w - w.pad_left;
              if (ix < 0 || ix >= w.in_w) continue;
              const T* px = x + ((n * w.in_h + iy) * w.in_w + ix) * C + g * group_in;
              const std::int16_t* pw = weights_.data() + (ky * w.kernel_w + kx) * group_in * O + o;
              for (std::int64_t i = 0; i < group_in; ++i) acc += (static_cast<std::int32_t>(px[i]) - x_zero_point_) * pw[i * O];
            }
          }
          const auto c = static_cast<std::size_t>(o);
          float v = output_scale_[c] * (static_cast<float>(acc) + bias_acc_[c]);
          if (activation_.kind != Activation::none) v = std::clamp(v, 0.f, clip);
          y[((n * w.out_h + oy) * w.out_w + ox) * O + o] = static_cast<Y>(requantize(v, static_cast<float>(y_zero_point_), lo, hi));
        }
    }
  }

  template <class T>
  void compute(const T* x, Tensor& y, const std::vector<std::int64_t>& channels) const {
    if (out_dtype_ == DType::u8) compute_channels(x, y.data<std::uint8_t>(), channels);
    else compute_channels(x, y.data<std::int8_t>(), channels);
  }

  void compute(const Tensor& x, Tensor& y, const std::vector<std::int64_t>& channels) const {
    if (in_dtype_ == DType::u8) compute(x.data<std::uint8_t>(), y, channels);
    else compute(x.data<std::int8_t>(), y, channels);
  }

  bool depthwise_;
  Backend backend_;
  reference::ConvShape shape_;
  FusedActivation activation_;
  DType in_dtype_ = DType::u8, out_dtype_ = DType::u8;
  float x_scale_ = 1, y_scale_ = 1;
  std::int32_t x_zero_point_ = 0, y_zero_point_ = 0;
  // Per output channel: q_y = round(output_scale * (acc + bias_acc)) + y_zero_point, acc
  // from the integer weights (file layout), exact (see requantize_filter).
  std::vector<std::int16_t> weights_;
  std::vector<float> output_scale_, bias_acc_;
  std::vector<std::int64_t> wide_channels_;  // recomputed after oneDNN
  bool use_wide_primitive_ = false;
  int parts_ = 1;
  DnnlPrimitive wide_primitive_;
  int wide_src_slot_ = -1, wide_dst_slot_ = -1;
  std::vector<std::int32_t> wide_acc_;  // [pixels, wide channels, parts]
  std::vector<float> plane_;            // fix_depthwise's input plane, or the own kernels' scratch
  // What oneDNN gets: int8 weights, and the scale and bias that go with them.
  Tensor filter_, dnnl_bias_, matmul_bias_, x_zp_, w_zp_, y_zp_;
  std::vector<float> dnnl_output_scale_;
  bool use_dnnl_ = false, use_own_kernel_ = false;
  ConvInt8 own_kernel_;
  DnnlPrimitive primitive_;
  int src_slot_ = -1, dst_slot_ = -1;
};

}  // namespace

std::unique_ptr<Op> make_quantized_conv2d(Backend backend) { return std::make_unique<QuantizedConvolution>(false, backend); }
std::unique_ptr<Op> make_quantized_depthwise_conv2d(Backend backend) { return std::make_unique<QuantizedConvolution>(true, backend); }

}  // namespace easel::nn
