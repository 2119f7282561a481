// add_n: the sum of any number of same-shape, same-dtype tensors (TF AddN). The
// optimized backend sums block by block so each output block stays in cache while every
// input is added to it, adding in input order so results match the reference exactly.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "nn/ops/broadcast.h"
#include "nn/ops/elementwise_ops.h"
#include "nn/ops/reference/elementwise_reference.h"

namespace easel::nn {
namespace {

// Elements per block: 16 KiB of float32, small enough for L1 with a streaming input.
constexpr std::int64_t kBlock = 4096;

template <class T>
void add_n_range(const RunContext& ctx, std::int64_t begin, std::int64_t end) {
  T* __restrict out = ctx.out(0).data<T>();
  const std::size_t inputs = ctx.inputs.size();
  for (std::int64_t b = begin; b < end; b += kBlock) {
    const std::int64_t e = std::min(end, b + kBlock);
    T* __restrict o = out + b;
    const std::int64_t n = e - b;
    if (inputs == 1) {
      std::memcpy(o, ctx.in(0).data<T>() + b, static_cast<std::size_t>(n) * sizeof(T));
      continue;
    }
    const T* __restrict x0 = ctx.in(0).data<T>() + b;
    const T* __restrict x1 = ctx.in(1).data<T>() + b;
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::wrap_add(x0[i], x1[i]);
    for (std::size_t k = 2; k < inputs; ++k) {
      const T* __restrict x = ctx.in(static_cast<int>(k)).data<T>() + b;
      for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::wrap_add(o[i], x[i]);
    }
  }
}

class AddN final : public Op {
 public:
  explicit AddN(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 1) ctx.fail("expected at least 1 input");
    const DType dtype = ctx.input_dtypes[0];
    const Shape& shape = ctx.input_shapes[0];
    if (dtype != DType::f32 && dtype != DType::i32 && dtype != DType::i64)
      ctx.fail(std::string("does not support ") + to_string(dtype) + " inputs (float32, int32 or int64 expected)");
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
      const auto ui = static_cast<std::size_t>(i);
      if (ctx.input_dtypes[ui] != dtype)
        ctx.fail("input " + std::to_string(i) + " is " + to_string(ctx.input_dtypes[ui]) + ", input 0 is " + to_string(dtype));
      if (ctx.input_shapes[ui] != shape)
        ctx.fail("input " + std::to_string(i) + " has shape " + to_string(ctx.input_shapes[ui]) + ", input 0 has " + to_string(shape));
    }
    ctx.output_dtypes[0] = dtype;
    ctx.output_shapes[0] = shape;
    size_ = num_elements(shape);
    flops_ = static_cast<double>(size_) * std::max(1, ctx.num_inputs() - 1);
    threads_ = ctx.threads;
    switch (dtype) {
      case DType::i32:
        range_ = &add_n_range<std::int32_t>;
        break;
      case DType::i64:
        range_ = &add_n_range<std::int64_t>;
        break;
      default:
        range_ = &add_n_range<float>;
        break;
    }
  }

  void run(RunContext& ctx) override {
    if (backend_ == Backend::reference) {
      reference_add_n(ctx.inputs, ctx.out(0));
      return;
    }
    const auto range = range_;
    parallel_ranges(size_, threads_, [&](std::int64_t begin, std::int64_t end) { range(ctx, begin, end); });
  }

  double flops() const override { return flops_; }

 private:
  Backend backend_;
  void (*range_)(const RunContext&, std::int64_t, std::int64_t) = nullptr;
  std::int64_t size_ = 0;
  int threads_ = 1;
  double flops_ = 0;
};

}  // namespace

std::unique_ptr<Op> make_add_n(Backend backend) { return std::make_unique<AddN>(backend); }

}  // namespace easel::nn
