// quantized_add: a + b on uint8 / int8 values, each with its own scale and zero point
// (attributes a_scale, a_zero_point, b_scale, ..., y_zero_point, to), numpy broadcasting:
//   q_y = saturate(round((a_scale * (q_a - a_zp) + b_scale * (q_b - b_zp)) / y_scale) + y_zp)
// The residual adds of a quantized MobileNetV2. The optimized backend runs same-shape adds
// as a oneDNN int8 binary primitive; the loops below are the reference and broadcasting.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "nn/ops/broadcast.h"
#include "nn/ops/conv_dnnl.h"
#include "nn/ops/quant_common.h"
#include "nn/ops/quant_ops.h"

namespace easel::nn {
namespace {

struct Affine {
  float scale = 1;
  std::int32_t zero_point = 0;
};

class QuantizedAdd final : public Op {
 public:
  explicit QuantizedAdd(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 2);
    for (int i = 0; i < 2; ++i) {
      const DType d = ctx.input_dtypes[static_cast<std::size_t>(i)];
      if (d != DType::u8 && d != DType::i8) ctx.fail(std::string(i ? "b" : "a") + " must be uint8 or int8, got " + to_string(d));
    }
    a_dtype_ = ctx.input_dtypes[0];
    b_dtype_ = ctx.input_dtypes[1];
    a_ = read(ctx, "a");
    b_ = read(ctx, "b");
    y_ = read(ctx, "y");
    y_dtype_ = quantized_dtype(ctx);
    const std::array<Shape, 2> shapes{ctx.input_shapes[0], ctx.input_shapes[1]};
    if (!plan_.init(shapes)) ctx.fail("shapes " + to_string(shapes[0]) + " and " + to_string(shapes[1]) + " do not broadcast");
    ctx.output_dtypes[0] = y_dtype_;
    ctx.output_shapes[0] = *broadcast_shapes(shapes);
    threads_ = ctx.threads;
    use_dnnl_ = backend_ == Backend::optimized && shapes[0] == shapes[1] && plan_.size() > 0;
    if (use_dnnl_) {
      try {
        prepare_dnnl(plan_.size());
      } catch (const dnnl::error& e) {
        ctx.fail(std::string("oneDNN cannot build this int8 add: ") + e.what());
      }
    }
  }

  void run(RunContext& ctx) override {
    if (use_dnnl_) {
      primitive_.bind(a_slot_, ctx.in(0).raw());
      primitive_.bind(b_slot_, ctx.in(1).raw());
      primitive_.bind(y_slot_, ctx.out(0).raw());
      primitive_.execute();
      return;
    }
    if (a_dtype_ == DType::u8 && b_dtype_ == DType::u8 && y_dtype_ == DType::u8) return add<std::uint8_t, std::uint8_t, std::uint8_t>(ctx);
    if (a_dtype_ == DType::i8 && b_dtype_ == DType::i8 && y_dtype_ == DType::i8) return add<std::int8_t, std::int8_t, std::int8_t>(ctx);
    // Mixed dtypes (rare): a generic, slower loop.
    add_any(ctx);
  }

 private:
  // Same shapes (the residual adds): oneDNN's int8 binary add, y = a * sa/sy + b * sb/sy
  // (per-argument scales) + the zero points folded into a linear post-op, saturated.
  void prepare_dnnl(std::int64_t n) {
    using dt = dnnl::memory::data_type;
    auto md = [n](DType d) { return dnnl::memory::desc({n}, d == DType::u8 ? dt::u8 : dt::s8, dnnl::memory::format_tag::a); };
    const float sa = a_.scale / y_.scale, sb = b_.scale / y_.scale;
    const float offset =
        static_cast<float>(y_.zero_point) - sa * static_cast<float>(a_.zero_point) - sb * static_cast<float>(b_.zero_point);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_scales(DNNL_ARG_SRC_0, 0, {sa});
    attr.set_scales(DNNL_ARG_SRC_1, 0, {sb});
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.f, offset);
    attr.set_post_ops(ops);
    dnnl::binary::desc desc(dnnl::algorithm::binary_add, md(a_dtype_), md(b_dtype_), md(y_dtype_));
    dnnl::binary::primitive_desc pd(desc, attr, dnnl_engine());
    primitive_.init(dnnl::binary(pd), pd.scratchpad_desc());
    a_slot_ = primitive_.add_runtime(DNNL_ARG_SRC_0, pd.src0_desc());
    b_slot_ = primitive_.add_runtime(DNNL_ARG_SRC_1, pd.src1_desc());
    y_slot_ = primitive_.add_runtime(DNNL_ARG_DST, pd.dst_desc());
  }

  static Affine read(const PrepareContext& ctx, const std::string& name) {
    Affine q;
    q.scale = static_cast<float>(ctx.node.attrs.get_float(name + "_scale"));
    q.zero_point = static_cast<std::int32_t>(ctx.node.attrs.get_int(name + "_zero_point", 0));
    if (!(q.scale > 0) || !std::isfinite(q.scale)) ctx.fail(name + "_scale must be finite and positive");
    return q;
  }

  template <class A, class B, class Y>
  void add(RunContext& ctx) const {
    const A* a = ctx.in(0).data<A>();
    const B* b = ctx.in(1).data<B>();
    Y* y = ctx.out(0).data<Y>();
    const float sa = a_.scale / y_.scale, sb = b_.scale / y_.scale;
    const float offset =
        static_cast<float>(y_.zero_point) - sa * static_cast<float>(a_.zero_point) - sb * static_cast<float>(b_.zero_point);
    const float lo = static_cast<float>(std::numeric_limits<Y>::min()), hi = static_cast<float>(std::numeric_limits<Y>::max());
    const std::int64_t da = plan_.inner_stride(0), db = plan_.inner_stride(1);
    if (plan_.rank() <= 1 && da == 1 && db == 1) {  // same shapes (the residual adds): one vectorizable run
      parallel_ranges(plan_.size(), threads_, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
        for (std::int64_t k = begin; k < end; ++k) {
          y[k] = static_cast<Y>(requantize(sa * static_cast<float>(a[k]) + sb * static_cast<float>(b[k]) + offset, 0.f, lo, hi));
        }
      });
      return;
    }
    parallel_ranges(plan_.size(), threads_, [&](std::int64_t begin, std::int64_t end) {
      plan_.for_range(begin, end, [&](std::int64_t at, const BroadcastPlan<2>::Offsets& from, std::int64_t n) {
        const A* pa = a + from[0];
        const B* pb = b + from[1];
        Y* py = y + at;
#pragma omp simd
        for (std::int64_t k = 0; k < n; ++k) {
          const float v = sa * static_cast<float>(pa[k * da]) + sb * static_cast<float>(pb[k * db]) + offset;
          py[k] = static_cast<Y>(requantize(v, 0.f, lo, hi));
        }
      });
    });
  }

  void add_any(RunContext& ctx) const {
    auto load = [](const Tensor& t, std::int64_t i) {
      return t.dtype() == DType::u8 ? static_cast<float>(t.data<std::uint8_t>()[i]) : static_cast<float>(t.data<std::int8_t>()[i]);
    };
    const Tensor &a = ctx.in(0), &b = ctx.in(1);
    Tensor& y = ctx.out(0);
    const float lo = y_dtype_ == DType::u8 ? 0.f : -128.f, hi = y_dtype_ == DType::u8 ? 255.f : 127.f;
    const std::int64_t da = plan_.inner_stride(0), db = plan_.inner_stride(1);
    plan_.for_range(0, plan_.size(), [&](std::int64_t at, const BroadcastPlan<2>::Offsets& from, std::int64_t n) {
      for (std::int64_t k = 0; k < n; ++k) {
        const float real = a_.scale * (load(a, from[0] + k * da) - static_cast<float>(a_.zero_point)) +
                           b_.scale * (load(b, from[1] + k * db) - static_cast<float>(b_.zero_point));
        const float q = requantize(real / y_.scale, static_cast<float>(y_.zero_point), lo, hi);
        if (y_dtype_ == DType::u8) y.data<std::uint8_t>()[at + k] = static_cast<std::uint8_t>(q);
        else y.data<std::int8_t>()[at + k] = static_cast<std::int8_t>(q);
      }
    });
  }

  Affine a_, b_, y_;
  DType a_dtype_ = DType::u8, b_dtype_ = DType::u8, y_dtype_ = DType::u8;
  BroadcastPlan<2> plan_;
  int threads_ = 1;
  Backend backend_;
  bool use_dnnl_ = false;
  DnnlPrimitive primitive_;
  int a_slot_ = -1, b_slot_ = -1, y_slot_ = -1;
};

}  // namespace

std::unique_ptr<Op> make_quantized_add(Backend backend) { return std::make_unique<QuantizedAdd>(backend); }

}  // namespace easel::nn
