// max_pool and avg_pool over NHWC x. TF semantics: SAME pads max_pool with -inf and
// leaves the padding out of avg_pool's divisor, which are oneDNN's pooling_max and
// pooling_avg_exclude_padding. avg_pool's count_include_pad (ONNX) divides by the whole
// window instead (pooling_avg_include_padding); it cannot go with ceil_mode, whose overhang
// no runtime counts.
#include "nn/ops/conv_dnnl.h"
#include "nn/ops/conv_ops.h"
#include "nn/ops/reference/conv_reference.h"

namespace easel::nn {
namespace {

class Pool final : public Op {
 public:
  Pool(reference::PoolKind kind, Backend backend) : kind_(kind), backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    expect_float_input(ctx, 0, "x", 4);
    const Shape& x = ctx.input_shapes[0];
    batch_ = x[0];
    channels_ = x[3];
    window_ = parse_pool_window(ctx, x);
    count_padding_ = ctx.node.attrs.get_bool("count_include_pad", false);
    if (count_padding_ && kind_ != reference::PoolKind::average) ctx.fail("count_include_pad is an average pool's attribute");
    if (count_padding_ && ctx.node.attrs.get_bool("ceil_mode", false)) ctx.fail("count_include_pad cannot go with ceil_mode");
    const Window2D& w = window_;
    ctx.output_dtypes[0] = DType::f32;
    ctx.output_shapes[0] = {batch_, w.out_h, w.out_w, channels_};
    use_dnnl_ = backend_ == Backend::optimized && batch_ > 0 && channels_ > 0;
    if (use_dnnl_) {
      try {
        prepare_dnnl();
      } catch (const dnnl::error& e) {
        ctx.fail(std::string("oneDNN cannot build this pooling: ") + e.what());
      }
    }
  }

  void run(RunContext& ctx) override {
    const float* x = ctx.in(0).data<float>();
    float* y = ctx.out(0).data<float>();
    if (!use_dnnl_) {
      reference::pool(kind_, batch_, channels_, window_, x, y, count_padding_);
      return;
    }
    primitive_.bind(src_slot_, x);
    primitive_.bind(dst_slot_, y);
    primitive_.execute();
  }

 private:
  void prepare_dnnl() {
    using tag = dnnl::memory::format_tag;
    constexpr auto f32 = dnnl::memory::data_type::f32;
    const Window2D& w = window_;
    dnnl::memory::desc src_md({batch_, channels_, w.in_h, w.in_w}, f32, tag::nhwc);
    dnnl::memory::desc dst_md({batch_, channels_, w.out_h, w.out_w}, f32, tag::nhwc);
    auto algorithm = kind_ == reference::PoolKind::max ? dnnl::algorithm::pooling_max
                     : count_padding_                  ? dnnl::algorithm::pooling_avg_include_padding
                                                       : dnnl::algorithm::pooling_avg_exclude_padding;
    // forward_inference: no workspace (that is only for training's backward pass).
    if (w.dilation_h == 1 && w.dilation_w == 1) {
      dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src_md, dst_md, {w.stride_h, w.stride_w},
                                       {w.kernel_h, w.kernel_w}, {w.pad_top, w.pad_left}, {w.pad_bottom, w.pad_right});
      dnnl::pooling_forward::primitive_desc pd(desc, make_attr({}, 0, false), dnnl_engine());
      primitive_.init(dnnl::pooling_forward(pd), pd.scratchpad_desc());
    } else {  // pooling_v2 takes dilations, counted as oneDNN does from 0
      dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src_md, dst_md, {w.stride_h, w.stride_w},
                                          {w.kernel_h, w.kernel_w}, {w.dilation_h - 1, w.dilation_w - 1}, {w.pad_top, w.pad_left},
                                          {w.pad_bottom, w.pad_right});
      dnnl::pooling_v2_forward::primitive_desc pd(desc, make_attr({}, 0, false), dnnl_engine());
      primitive_.init(dnnl::pooling_v2_forward(pd), pd.scratchpad_desc());
    }
    src_slot_ = primitive_.add_runtime(DNNL_ARG_SRC, src_md);
    dst_slot_ = primitive_.add_runtime(DNNL_ARG_DST, dst_md);
  }

  reference::PoolKind kind_;
  Backend backend_;
  bool use_dnnl_ = false, count_padding_ = false;
  std::int64_t batch_ = 0, channels_ = 0;
  Window2D window_;
  DnnlPrimitive primitive_;
  int src_slot_ = -1, dst_slot_ = -1;
};

}  // namespace

std::unique_ptr<Op> make_max_pool(Backend backend) { return std::make_unique<Pool>(reference::PoolKind::max, backend); }
std::unique_ptr<Op> make_avg_pool(Backend backend) { return std::make_unique<Pool>(reference::PoolKind::average, backend); }

}  // namespace easel::nn
