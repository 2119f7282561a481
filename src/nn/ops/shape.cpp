// shape, size, fill, range: ops that make tensors from shapes and scalars.
//   shape: x's dims as int32 (attribute out_type "int64" for int64).
//   size: x's element count as an int32 scalar (out_type likewise).
//   fill: dims (constant, the output shape), value (scalar; its dtype is the output's).
//   range: start, limit, delta (constants: they decide the output size); dtype of
//   start. Follows TF's RangeOp: size = ceil(|limit-start| / |delta|), values by
//   repeated addition of delta.
#include <cmath>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

DType out_type(const PrepareContext& ctx) {
  const std::string t = ctx.node.attrs.get_string("out_type", "int32");
  if (t == "int32") return DType::i32;
  if (t == "int64") return DType::i64;
  ctx.fail("out_type '" + t + "' is not int32 or int64");
}

void store_int(Tensor& t, std::int64_t i, std::int64_t v) {
  if (t.dtype() == DType::i64) t.data<std::int64_t>()[i] = v;
  else t.data<std::int32_t>()[i] = static_cast<std::int32_t>(v);
}

class ShapeOp final : public Op {
 public:
  explicit ShapeOp(bool size) : size_(size) {}
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    shape_ = ctx.input_shapes[0];
    ctx.output_dtypes[0] = out_type(ctx);
    ctx.output_shapes[0] = size_ ? Shape{} : Shape{static_cast<std::int64_t>(shape_.size())};
  }
  void run(RunContext& ctx) override {
    if (size_) {
      store_int(ctx.out(0), 0, num_elements(shape_));
      return;
    }
    for (std::size_t i = 0; i < shape_.size(); ++i) store_int(ctx.out(0), static_cast<std::int64_t>(i), shape_[i]);
  }

 private:
  bool size_;
  Shape shape_;
};

class Fill final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 2);
    Shape dims = ints_of(ctx, ctx.constant(0, "dims"), "dims");
    for (auto d : dims)
      if (d < 0) ctx.fail("dims " + to_string(dims) + " must not be negative");
    if (num_elements(ctx.input_shapes[1]) != 1) ctx.fail("value must be a scalar, got shape " + to_string(ctx.input_shapes[1]));
    esize_ = dtype_size(ctx.input_dtypes[1]);
    ctx.output_dtypes[0] = ctx.input_dtypes[1];
    ctx.output_shapes[0] = dims;
  }
  void run(RunContext& ctx) override { fill_elements(ctx.out(0).raw(), ctx.in(1).raw(), esize_, ctx.out(0).size()); }

 private:
  std::size_t esize_ = 4;
};

class Range final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(3, 3);
    const Tensor& start = ctx.constant(0, "start");
    const Tensor& limit = ctx.constant(1, "limit");
    const Tensor& delta = ctx.constant(2, "delta");
    if (start.size() != 1 || limit.size() != 1 || delta.size() != 1) ctx.fail("start, limit and delta must be scalars");
    dtype_ = start.dtype();
    std::int64_t n = 0;
    if (dtype_ == DType::f32) {
      const auto s = static_cast<float>(start.at(0)), l = static_cast<float>(limit.at(0)), d = static_cast<float>(delta.at(0));
      check(ctx, s, l, d);
      n = static_cast<std::int64_t>(std::ceil(std::abs((l - s) / d)));
    } else if (dtype_ == DType::i32 || dtype_ == DType::i64) {
      const auto s = static_cast<std::int64_t>(start.at(0)), l = static_cast<std::int64_t>(limit.at(0)),
                 d = static_cast<std::int64_t>(delta.at(0));
      check(ctx, s, l, d);
      const std::int64_t span = std::abs(l - s), step = std::abs(d);
      n = (span + step - 1) / step;
    } else {
      ctx.fail("start must be float32, int32 or int64, got " + std::string(to_string(dtype_)));
    }
    ctx.output_dtypes[0] = dtype_;
    ctx.output_shapes[0] = {n};
  }

  void run(RunContext& ctx) override {
    Tensor& out = ctx.out(0);
    const std::int64_t n = out.size();
    if (dtype_ == DType::f32) {
      float v = static_cast<float>(ctx.in(0).at(0));
      const auto d = static_cast<float>(ctx.in(2).at(0));
      for (std::int64_t i = 0; i < n; ++i, v += d) out.data<float>()[i] = v;
    } else {
      std::int64_t v = static_cast<std::int64_t>(ctx.in(0).at(0));
      const auto d = static_cast<std::int64_t>(ctx.in(2).at(0));
      for (std::int64_t i = 0; i < n; ++i, v += d) store_int(out, i, v);
    }
  }

 private:
  template <typename T>
  static void check(const PrepareContext& ctx, T start, T limit, T delta) {
    if (delta == 0) ctx.fail("delta must not be 0");
    if (delta > 0 && start > limit) ctx.fail("start must be <= limit when delta > 0");
    if (delta < 0 && start < limit) ctx.fail("start must be >= limit when delta < 0");
  }

  DType dtype_ = DType::f32;
};

}  // namespace

// Nothing to optimise: one implementation serves both backends.
std::unique_ptr<Op> make_shape(Backend) { return std::make_unique<ShapeOp>(false); }
std::unique_ptr<Op> make_size(Backend) { return std::make_unique<ShapeOp>(true); }
std::unique_ptr<Op> make_fill(Backend) { return std::make_unique<Fill>(); }
std::unique_ptr<Op> make_range(Backend) { return std::make_unique<Range>(); }

}  // namespace easel::nn
