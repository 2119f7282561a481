// softmax and log_softmax over one axis, numerically stable (the axis max is subtracted
// before exp, as TF does). The optimized backend views the tensor as [outer, axis, inner]
// and runs oneDNN's softmax primitive, created once in prepare(), which vectorizes the
// exp and parallelises over rows.
#include <atomic>
#include <limits>
#include <memory>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "easel/error.h"
#include "nn/dnnl_context.h"
#include "nn/ops/broadcast.h"
#include "nn/ops/elementwise_ops.h"
#include "nn/ops/reference/elementwise_reference.h"

namespace easel::nn {
namespace {

// Whether every element is < +inf, i.e. none is NaN or +inf.
bool all_below_inf(const Tensor& t, int threads) {
  const float* x = t.data<float>();
  std::atomic<bool> ok{true};
  parallel_ranges(t.size(), threads, [&](std::int64_t begin, std::int64_t end) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    int bad = 0;  // an integer sum, so the loop vectorizes
    for (std::int64_t i = begin; i < end; ++i) bad += !(x[i] < inf);
    if (bad) ok.store(false, std::memory_order_relaxed);
  });
  return ok.load(std::memory_order_relaxed);
}

class Softmax final : public Op {
 public:
  Softmax(bool log, Backend backend) : log_(log), backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    if (ctx.input_dtypes[0] != DType::f32) ctx.fail(std::string("input must be float32, got ") + to_string(ctx.input_dtypes[0]));
    const Shape& shape = ctx.input_shapes[0];
    const auto rank = static_cast<std::int64_t>(shape.size());
    if (rank == 0) ctx.fail("input must have at least one dimension");
    std::int64_t axis = ctx.node.attrs.get_int("axis", -1);
    if (axis < -rank || axis >= rank) ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    if (axis < 0) axis += rank;
    axis_ = static_cast<int>(axis);
    ctx.output_dtypes[0] = DType::f32;
    ctx.output_shapes[0] = shape;
    size_ = num_elements(shape);
    threads_ = ctx.threads;

    use_dnnl_ = false;
    if (backend_ != Backend::optimized || size_ == 0) return;
    std::int64_t outer = 1, inner = 1;
    for (std::int64_t d = 0; d < axis; ++d) outer *= shape[static_cast<std::size_t>(d)];
    for (std::int64_t d = axis + 1; d < rank; ++d) inner *= shape[static_cast<std::size_t>(d)];
    try {
      // Any rank reduces to three dims, within oneDNN's limit and its fastest layouts.
      const dnnl::memory::desc md({outer, shape[static_cast<std::size_t>(axis)], inner}, dnnl::memory::data_type::f32,
                                  dnnl::memory::format_tag::abc);
      const dnnl::softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference,
                                                log_ ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate, md, md, 1);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // the shared per-thread scratchpad, so run() never allocates
      const dnnl::softmax_v2_forward::primitive_desc pd(desc, attr, dnnl_engine());
      primitive_ = dnnl::softmax_v2_forward(pd);
      src_ = dnnl::memory(md, dnnl_engine(), DNNL_MEMORY_NONE);
      dst_ = dnnl::memory(md, dnnl_engine(), DNNL_MEMORY_NONE);
      scratch_bytes_ = pd.scratchpad_desc().get_size();
      if (scratch_bytes_ > 0) {
        scratch_ = dnnl::memory(pd.scratchpad_desc(), dnnl_engine(), DNNL_MEMORY_NONE);
        dnnl_scratchpad(scratch_bytes_);  // grow it now rather than in run()
      }
      use_dnnl_ = true;
    } catch (const dnnl::error&) {
      use_dnnl_ = false;  // the reference loop computes the same thing
    }
  }

  void run(RunContext& ctx) override {
    // oneDNN garbles rows holding NaN or +inf (TF gives NaN for the whole row; oneDNN
    // zeros the finite elements), so such rare inputs take the reference loop. The
    // check is one cheap read of the input; -inf, used for masking, is fine on oneDNN.
    if (!use_dnnl_ || !all_below_inf(ctx.in(0), threads_)) {
      if (size_ > 0) reference_softmax(log_, axis_, ctx.in(0), ctx.out(0));
      return;
    }
    src_.set_data_handle(const_cast<void*>(ctx.in(0).raw()));
    dst_.set_data_handle(ctx.out(0).raw());
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, src_.get()}, {DNNL_ARG_DST, dst_.get()}, {DNNL_ARG_SCRATCHPAD, nullptr}};
    int nargs = 2;
    if (scratch_bytes_ > 0) {
      scratch_.set_data_handle(dnnl_scratchpad(scratch_bytes_));  // per thread: fetch it on the running thread
      args[nargs++].memory = scratch_.get();
    }
    if (dnnl_primitive_execute(primitive_.get(), dnnl_stream().get(), nargs, args) != dnnl_success)
      throw Error(ErrorCode::internal, "oneDNN softmax primitive failed to execute.");
  }

  double flops() const override { return 5.0 * static_cast<double>(size_); }  // max, sub, exp, sum, scale

 private:
  bool log_;
  Backend backend_;
  int axis_ = 0;
  std::int64_t size_ = 0;
  int threads_ = 1;
  bool use_dnnl_ = false;
  dnnl::softmax_v2_forward primitive_;
  dnnl::memory src_, dst_, scratch_;
  std::size_t scratch_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Op> make_softmax(Backend backend) { return std::make_unique<Softmax>(false, backend); }
std::unique_ptr<Op> make_log_softmax(Backend backend) { return std::make_unique<Softmax>(true, backend); }

}  // namespace easel::nn
