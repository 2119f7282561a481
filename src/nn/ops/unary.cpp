// Unary elementwise ops (activations and math functions, plus leaky_relu and clip with
// their attributes). One op class, parametrised by UnaryKind. The optimized backend runs
// the float32 kinds that would otherwise call libm once per element on oneDNN's JIT
// eltwise primitive for large tensors (it evaluates them in vector registers: 3-20x
// faster single-threaded), and everything else as one tight vectorizable loop split
// across threads.
#include <memory>
#include <string>
#include <string_view>

#include <oneapi/dnnl/dnnl.hpp>

#include "easel/error.h"
#include "nn/dnnl_context.h"
#include "nn/ops/broadcast.h"
#include "nn/ops/elementwise_ops.h"
#include "nn/ops/reference/elementwise_reference.h"

namespace easel::nn {

namespace {

// Below this many elements oneDNN's per-call overhead outweighs its faster math.
constexpr std::int64_t kDnnlMinElements = 4096;

class DnnlEltwise final : public FloatEltwise {
 public:
  DnnlEltwise(dnnl::eltwise_forward primitive, const dnnl::memory::desc& md)
      : primitive_(std::move(primitive)),
        src_(md, dnnl_engine(), DNNL_MEMORY_NONE),  // no buffers: run() points them at the tensors
        dst_(md, dnnl_engine(), DNNL_MEMORY_NONE) {}

  void run(const float* in, float* out) override {
    src_.set_data_handle(const_cast<float*>(in));
    dst_.set_data_handle(out);
    // The C API takes the arguments as an array; the C++ one would build a map per call.
    const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src_.get()}, {DNNL_ARG_DST, dst_.get()}};
    if (dnnl_primitive_execute(primitive_.get(), dnnl_stream().get(), 2, args) != dnnl_success)
      throw Error(ErrorCode::internal, "A oneDNN eltwise primitive failed to execute.");
  }

 private:
  dnnl::eltwise_forward primitive_;
  dnnl::memory src_, dst_;
};

}  // namespace

std::unique_ptr<FloatEltwise> make_float_eltwise(dnnl_alg_kind_t algorithm, float alpha, float beta, std::int64_t n) {
  if (n < kDnnlMinElements) return nullptr;
  try {
    const dnnl::memory::desc md({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, static_cast<dnnl::algorithm>(algorithm), md, alpha, beta);
    dnnl::eltwise_forward::primitive_desc pd(desc, dnnl_engine());
    if (std::string_view(pd.impl_info_str()).starts_with("ref")) return nullptr;
    return std::make_unique<DnnlEltwise>(dnnl::eltwise_forward(pd), md);
  } catch (const dnnl::error&) {
    return nullptr;  // callers fall back to their loops, which compute the same thing
  }
}

namespace {

using UnaryFn = void (*)(void* out, const void* in, std::int64_t n, UnaryParams params);

// In: the input element type; Out: In, or float for a kind computed in float32.
template <UnaryKind K, class In, class Out>
void unary_loop(void* out, const void* in, std::int64_t n, UnaryParams params) {
  Out* __restrict o = static_cast<Out*>(out);
  const In* __restrict x = static_cast<const In*>(in);
  if constexpr (std::is_same_v<In, Out>) {
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::unary<K, In>(x[i], params);
  } else {
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::unary<K, float>(static_cast<float>(x[i]), params);
  }
}

// The oneDNN algorithm that computes kind K on float32 as the reference does (checked
// against it, special values included, by tests/elementwise_ops_test.cpp). Left out:
// kinds that vectorize as plain loops already (relu, clip, abs...); rsqrt (oneDNN's
// pow(x, -0.5) gives 0 for -inf, not NaN); erf (no such algorithm; the scalar
// function is a vectorizable rational polynomial anyway).
bool dnnl_algorithm(UnaryKind kind, dnnl_alg_kind_t& alg, float& alpha) {
  alpha = 0;
  switch (kind) {
    case UnaryKind::exp:
      alg = dnnl_eltwise_exp;
      return true;
    case UnaryKind::log:
      alg = dnnl_eltwise_log;
      return true;
    case UnaryKind::sigmoid:
      alg = dnnl_eltwise_logistic;
      return true;
    case UnaryKind::tanh:
      alg = dnnl_eltwise_tanh;
      return true;
    case UnaryKind::sqrt:
      alg = dnnl_eltwise_sqrt;
      return true;
    case UnaryKind::softplus:
      alg = dnnl_eltwise_soft_relu;
      return true;
    case UnaryKind::round:
      alg = dnnl_eltwise_round;
      return true;  // half to even, like the reference
    case UnaryKind::elu:
      alg = dnnl_eltwise_elu;
      alpha = 1;
      return true;
    default:
      return false;
  }
}

class Unary final : public Op {
 public:
  Unary(UnaryKind kind, Backend backend) : kind_(kind), backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    const Attrs& attrs = ctx.node.attrs;
    double min = 0, max = 0;
    if (kind_ == UnaryKind::clip) {
      min = attrs.get_float("min");
      max = attrs.get_float("max");
      if (!(min <= max)) ctx.fail("min (" + std::to_string(min) + ") must not exceed max (" + std::to_string(max) + ")");
    }
    params_ = make_unary_params(kind_ == UnaryKind::leaky_relu ? attrs.get_float("alpha", 0.2) : 0.2, min, max);

    const DType in = ctx.input_dtypes[0];
    DType out = in;
    fn_ = nullptr;
    visit_unary_kind(kind_, [&](auto k) {
      constexpr UnaryKind K = decltype(k)::value;
      if constexpr (K == UnaryKind::logical_not) {
        if (in == DType::boolean) fn_ = &unary_loop<K, bool, bool>;
      } else {
        switch (in) {
          case DType::f32:
            fn_ = &unary_loop<K, float, float>;
            break;
          case DType::i32:
            if constexpr (unary_keeps_int(K)) {
              fn_ = &unary_loop<K, std::int32_t, std::int32_t>;
            } else {
              fn_ = &unary_loop<K, std::int32_t, float>;
              out = DType::f32;
            }
            break;
          case DType::i64:
            if constexpr (unary_keeps_int(K)) {
              fn_ = &unary_loop<K, std::int64_t, std::int64_t>;
            } else {
              fn_ = &unary_loop<K, std::int64_t, float>;
              out = DType::f32;
            }
            break;
          default:
            break;
        }
      }
    });
    if (!fn_)
      ctx.fail(std::string("does not support ") + to_string(in) + " input (" +
               (kind_ == UnaryKind::logical_not ? "bool" : "float32, int32 or int64") + " expected)");
    ctx.output_dtypes[0] = out;
    ctx.output_shapes[0] = ctx.input_shapes[0];
    size_ = num_elements(ctx.input_shapes[0]);
    in_bytes_ = static_cast<std::int64_t>(dtype_size(in));
    out_bytes_ = static_cast<std::int64_t>(dtype_size(out));
    threads_ = ctx.threads;

    dnnl_.reset();
    dnnl_alg_kind_t alg{};
    float alpha = 0;
    if (backend_ == Backend::optimized && in == DType::f32 && dnnl_algorithm(kind_, alg, alpha))
      dnnl_ = make_float_eltwise(alg, alpha, 0.0f, size_);
  }

  void run(RunContext& ctx) override {
    if (backend_ == Backend::reference) {
      reference_unary(kind_, params_, ctx.in(0), ctx.out(0));
      return;
    }
    if (size_ == 0) return;
    const auto* in = static_cast<const char*>(ctx.in(0).raw());
    auto* out = static_cast<char*>(ctx.out(0).raw());
    if (dnnl_) {
      dnnl_->run(reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out));
      // oneDNN 2.6 clamps exp's input with max/min, which turn NaN into the bound:
      // exp(NaN) would come out inf. Put the NaNs back.
      if (kind_ == UnaryKind::exp)
        parallel_ranges(size_, threads_, [&](std::int64_t begin, std::int64_t end) {
          const float* __restrict x = reinterpret_cast<const float*>(in);
          float* __restrict o = reinterpret_cast<float*>(out);
          for (std::int64_t i = begin; i < end; ++i) o[i] = x[i] != x[i] ? x[i] : o[i];
        });
      return;
    }
    const UnaryFn fn = fn_;
    const UnaryParams params = params_;
    parallel_ranges(size_, threads_, [&](std::int64_t begin, std::int64_t end) {
      fn(out + begin * out_bytes_, in + begin * in_bytes_, end - begin, params);
    });
  }

  double flops() const override { return static_cast<double>(size_); }

 private:
  UnaryKind kind_;
  Backend backend_;
  UnaryParams params_;
  UnaryFn fn_ = nullptr;
  std::int64_t size_ = 0, in_bytes_ = 0, out_bytes_ = 0;
  int threads_ = 1;
  std::unique_ptr<FloatEltwise> dnnl_;
};

}  // namespace

#define EASEL_UNARY_FACTORY(name) \
  std::unique_ptr<Op> make_##name(Backend backend) { return std::make_unique<Unary>(UnaryKind::name, backend); }
EASEL_UNARY_KINDS(EASEL_UNARY_FACTORY)
#undef EASEL_UNARY_FACTORY

}  // namespace easel::nn
