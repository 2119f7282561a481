// one_hot (TF OneHot): a new dim of size depth at `axis` (-1: last); on_value where the
// index equals the position, off_value elsewhere; indices outside [0, depth) give an
// all-off row. Inputs as TF orders them: indices (int32/int64/uint8), then optionally
// depth (constant), on_value, off_value (scalars, which also set the output dtype).
// Without them, attributes depth, on_value (1), off_value (0) and dtype ("float32").
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

DType dtype_named(const PrepareContext& ctx, const std::string& name) {
  for (DType d : {DType::f32, DType::i32, DType::i64, DType::u8, DType::i8, DType::boolean})
    if (name == to_string(d)) return d;
  ctx.fail("dtype '" + name + "' is not supported");
}

class OneHot final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 4);
    const DType idt = ctx.input_dtypes[0];
    if (idt != DType::i32 && idt != DType::i64 && idt != DType::u8)
      ctx.fail("indices must be int32, int64 or uint8, got " + std::string(to_string(idt)));
    depth_ = int_input_or_attr(ctx, 1, "depth", -1);
    if (depth_ < 0) ctx.fail("depth must be given and not negative");
    on_input_ = ctx.has_input(2);
    off_input_ = ctx.has_input(3);
    if (on_input_ != off_input_) ctx.fail("on_value and off_value inputs come together");
    if (on_input_) {
      if (ctx.input_dtypes[2] != ctx.input_dtypes[3]) ctx.fail("on_value and off_value must have the same dtype");
      if (num_elements(ctx.input_shapes[2]) != 1 || num_elements(ctx.input_shapes[3]) != 1)
        ctx.fail("on_value and off_value must be scalars");
      dtype_ = ctx.input_dtypes[2];
    } else {
      dtype_ = dtype_named(ctx, ctx.node.attrs.get_string("dtype", "float32"));
      store_scalar(dtype_, ctx.node.attrs.get_float("on_value", 1.0), on_);
      store_scalar(dtype_, ctx.node.attrs.get_float("off_value", 0.0), off_);
    }
    esize_ = dtype_size(dtype_);
    const Shape& in = ctx.input_shapes[0];
    const auto rank = static_cast<std::int64_t>(in.size());
    std::int64_t axis = ctx.node.attrs.get_int("axis", -1);
    if (axis < -1 || axis > rank) ctx.fail("axis " + std::to_string(axis) + " must be -1 or in [0, " + std::to_string(rank) + "]");
    if (axis == -1) axis = rank;
    outer_ = product(in, 0, static_cast<std::size_t>(axis));
    inner_ = product(in, static_cast<std::size_t>(axis), in.size());
    Shape out = in;
    out.insert(out.begin() + axis, depth_);
    ctx.output_dtypes[0] = dtype_;
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    const void* on = on_input_ ? ctx.in(2).raw() : on_;
    const void* off = off_input_ ? ctx.in(3).raw() : off_;
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    fill_elements(dst, off, esize_, ctx.out(0).size());
    const Tensor& ind = ctx.in(0);
    const auto es = static_cast<std::int64_t>(esize_);
    for (std::int64_t o = 0; o < outer_; ++o)
      for (std::int64_t i = 0; i < inner_; ++i) {
        const std::int64_t k = o * inner_ + i;
        std::int64_t idx = 0;
        switch (ind.dtype()) {
          case DType::i64:
            idx = ind.data<std::int64_t>()[k];
            break;
          case DType::u8:
            idx = ind.data<std::uint8_t>()[k];
            break;
          default:
            idx = ind.data<std::int32_t>()[k];
            break;
        }
        if (idx >= 0 && idx < depth_) std::memcpy(dst + ((o * depth_ + idx) * inner_ + i) * es, on, esize_);
      }
  }

 private:
  std::int64_t depth_ = 0, outer_ = 1, inner_ = 1;
  DType dtype_ = DType::f32;
  std::size_t esize_ = 4;
  bool on_input_ = false, off_input_ = false;
  alignas(8) std::byte on_[8] = {}, off_[8] = {};
};

}  // namespace

// A fill and a scatter: one implementation serves both backends.
std::unique_ptr<Op> make_one_hot(Backend) { return std::make_unique<OneHot>(); }

}  // namespace easel::nn
