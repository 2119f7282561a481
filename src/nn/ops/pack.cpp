// pack (tf.stack): N same-shape inputs become one tensor with a new dim of size N at
// `axis`. For every outer index (the dims before axis) each input contributes one
// contiguous chunk of `inner` elements, so it is a concat of chunks.
#include <algorithm>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class Pack final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 1) ctx.fail("expected at least one input");
    const Shape& first = ctx.input_shapes[0];
    const auto rank = static_cast<std::int64_t>(first.size());
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      auto u = static_cast<std::size_t>(i);
      if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
      if (ctx.input_shapes[u] != first || ctx.input_dtypes[u] != ctx.input_dtypes[0])
        ctx.fail("input " + std::to_string(i) + " is " + to_string(ctx.input_dtypes[u]) + " " + to_string(ctx.input_shapes[u]) +
                 ", input 0 is " + to_string(ctx.input_dtypes[0]) + " " + to_string(first));
    }
    const auto axis = static_cast<std::size_t>(normalize_axis(ctx, ctx.node.attrs.get_int("axis", 0), rank + 1));
    Shape out = first;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(axis), ctx.num_inputs());
    outer_ = product(first, 0, axis);
    chunk_bytes_ = static_cast<std::size_t>(product(first, axis, first.size())) * dtype_size(ctx.input_dtypes[0]);
    srcs_.assign(static_cast<std::size_t>(ctx.num_inputs()), nullptr);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    for (std::size_t i = 0; i < srcs_.size(); ++i) srcs_[i] = static_cast<const std::byte*>(ctx.in(static_cast<int>(i)).raw());
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    for (std::int64_t o = 0; o < outer_; ++o)
      for (const std::byte* s : srcs_) {
        std::memcpy(dst, s + static_cast<std::size_t>(o) * chunk_bytes_, chunk_bytes_);
        dst += chunk_bytes_;
      }
  }

 private:
  std::int64_t outer_ = 1;
  std::size_t chunk_bytes_ = 0;
  std::vector<const std::byte*> srcs_;  // sized in prepare() so run() does not allocate
};

}  // namespace

// Memory movement only: one implementation serves both backends.
std::unique_ptr<Op> make_pack(Backend) { return std::make_unique<Pack>(); }

}  // namespace easel::nn
