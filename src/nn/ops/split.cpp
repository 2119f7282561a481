// split, unpack: the inverse of concat and pack. For every outer index (dims before
// the axis) each output takes the next contiguous chunk of the input row.
//   split: sizes from attribute `sizes` or constant input 1 (TF SplitV order: x,
//   size_splits, axis); one -1 takes the rest. Without sizes the axis is split evenly
//   into as many parts as the node has outputs. axis: attribute or constant input 2.
//   unpack: one output per index along the axis, the axis removed.
#include <algorithm>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class Split final : public Op {
 public:
  explicit Split(bool unpack) : unpack_(unpack) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, unpack_ ? 1 : 3);
    const Shape& in = ctx.input_shapes[0];
    const auto rank = static_cast<std::int64_t>(in.size());
    if (rank == 0) ctx.fail("cannot split a scalar");
    const auto axis = static_cast<std::size_t>(normalize_axis(ctx, int_input_or_attr(ctx, 2, "axis", 0), rank));
    const std::int64_t dim = in[axis];
    const auto outputs = static_cast<std::int64_t>(ctx.node.outputs.size());
    std::vector<std::int64_t> sizes;
    if (unpack_) {
      if (outputs != dim)
        ctx.fail("unpack along a dimension of size " + std::to_string(dim) + " needs " + std::to_string(dim) + " outputs, the node has " +
                 std::to_string(outputs));
      sizes.assign(static_cast<std::size_t>(dim), 1);
    } else {
      if (ctx.has_input(1) || ctx.node.attrs.has("sizes")) sizes = ints_input_or_attr(ctx, 1, "sizes");
      if (sizes.empty()) {
        const std::int64_t parts = ctx.node.attrs.get_int("num_split", outputs);
        if (parts <= 0 || dim % parts != 0)
          ctx.fail("cannot split a dimension of size " + std::to_string(dim) + " into " + std::to_string(parts) + " equal parts");
        sizes.assign(static_cast<std::size_t>(parts), dim / parts);
      }
      std::int64_t known = 0;
      int unknown = -1;
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] == -1 && unknown < 0) unknown = static_cast<int>(i);
        else if (sizes[i] < 0) ctx.fail("sizes " + to_string(sizes) + " may hold one -1 and otherwise sizes >= 0");
        else known += sizes[i];
      }
      if (unknown >= 0) {
        if (known > dim) ctx.fail("sizes " + to_string(sizes) + " exceed the dimension of size " + std::to_string(dim));
        sizes[static_cast<std::size_t>(unknown)] = dim - known;
      } else if (known != dim) {
        ctx.fail("sizes " + to_string(sizes) + " do not add up to the dimension of size " + std::to_string(dim));
      }
      if (static_cast<std::int64_t>(sizes.size()) != outputs)
        ctx.fail("sizes " + to_string(sizes) + " need " + std::to_string(sizes.size()) + " outputs, the node has " +
                 std::to_string(outputs));
    }
    const std::size_t esize = dtype_size(ctx.input_dtypes[0]);
    const std::int64_t inner = product(in, axis + 1, in.size());
    outer_ = product(in, 0, axis);
    in_row_bytes_ = static_cast<std::size_t>(dim * inner) * esize;
    chunk_bytes_.clear();
    for (std::size_t o = 0; o < sizes.size(); ++o) {
      Shape s = in;
      if (unpack_) s.erase(s.begin() + static_cast<std::ptrdiff_t>(axis));
      else s[axis] = sizes[o];
      ctx.output_dtypes[o] = ctx.input_dtypes[0];
      ctx.output_shapes[o] = s;
      chunk_bytes_.push_back(static_cast<std::size_t>(sizes[o] * inner) * esize);
    }
  }

  void run(RunContext& ctx) override {
    const auto* src = static_cast<const std::byte*>(ctx.in(0).raw());
    for (std::int64_t o = 0; o < outer_; ++o) {
      const std::byte* s = src + static_cast<std::size_t>(o) * in_row_bytes_;
      for (std::size_t i = 0; i < chunk_bytes_.size(); ++i) {
        std::memcpy(static_cast<std::byte*>(ctx.out(static_cast<int>(i)).raw()) + static_cast<std::size_t>(o) * chunk_bytes_[i], s,
                    chunk_bytes_[i]);
        s += chunk_bytes_[i];
      }
    }
  }

 private:
  bool unpack_;
  std::int64_t outer_ = 1;
  std::size_t in_row_bytes_ = 0;
  std::vector<std::size_t> chunk_bytes_;
};

}  // namespace

// Memory movement only: one implementation serves both backends.
std::unique_ptr<Op> make_split(Backend) { return std::make_unique<Split>(false); }
std::unique_ptr<Op> make_unpack(Backend) { return std::make_unique<Split>(true); }

}  // namespace easel::nn
