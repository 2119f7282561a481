// reshape, squeeze, expand_dims: the elements stay in row-major order, only the shape
// changes, so run() is a copy (nothing when the interpreter hands the same buffer).
#include <algorithm>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class Reshape final : public Op {
 public:
  enum class Kind { reshape, squeeze, expand_dims };
  explicit Reshape(Kind kind) : kind_(kind) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, kind_ == Kind::squeeze ? 1 : 2);
    const Shape& in = ctx.input_shapes[0];
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    switch (kind_) {
      case Kind::reshape:
        ctx.output_shapes[0] = reshape_shape(ctx, in);
        break;
      case Kind::squeeze:
        ctx.output_shapes[0] = squeeze_shape(ctx, in);
        break;
      case Kind::expand_dims: {
        auto rank = static_cast<std::int64_t>(in.size());
        std::int64_t axis = int_input_or_attr(ctx, 1, "axis", 0);
        // One more position than the input has dims: expand_dims(x, -1) appends.
        axis = normalize_axis(ctx, axis, rank + 1);
        Shape out = in;
        out.insert(out.begin() + axis, 1);
        ctx.output_shapes[0] = out;
        break;
      }
    }
  }

  void run(RunContext& ctx) override {
    if (ctx.out(0).raw() != ctx.in(0).raw() && ctx.in(0).bytes()) std::memcpy(ctx.out(0).raw(), ctx.in(0).raw(), ctx.in(0).bytes());
  }

 private:
  static Shape reshape_shape(PrepareContext& ctx, const Shape& in) {
    std::vector<std::int64_t> dims = ints_input_or_attr(ctx, 1, "shape");
    const std::int64_t total = num_elements(in);
    std::int64_t known = 1;
    int unknown = -1;
    for (std::size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == -1) {
        if (unknown >= 0) ctx.fail("shape " + to_string(dims) + " has more than one -1");
        unknown = static_cast<int>(i);
      } else if (dims[i] < 0) {
        ctx.fail("shape " + to_string(dims) + " has a negative dimension");
      } else {
        known *= dims[i];
      }
    }
    if (unknown >= 0) {
      // TF: the -1 cannot be inferred when the other dims multiply to 0.
      if (known == 0 || total % known != 0) ctx.fail("cannot reshape " + to_string(in) + " to " + to_string(dims));
      dims[static_cast<std::size_t>(unknown)] = total / known;
    } else if (known != total) {
      ctx.fail("cannot reshape " + to_string(in) + " (" + std::to_string(total) + " elements) to " + to_string(dims));
    }
    return dims;
  }

  static Shape squeeze_shape(PrepareContext& ctx, const Shape& in) {
    auto rank = static_cast<std::int64_t>(in.size());
    std::vector<std::int64_t> axes = ctx.node.attrs.get_ints("axes", {});
    if (axes.empty()) axes = ctx.node.attrs.get_ints("axis", {});
    std::vector<bool> drop(in.size(), false);
    if (axes.empty()) {
      for (std::size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1;
    } else {
      for (auto a : axes) {
        auto n = static_cast<std::size_t>(normalize_axis(ctx, a, rank, "squeeze axis"));
        if (in[n] != 1)
          ctx.fail("cannot squeeze dimension " + std::to_string(a) + " of size " + std::to_string(in[n]) + " in " + to_string(in));
        drop[n] = true;
      }
    }
    Shape out;
    for (std::size_t i = 0; i < in.size(); ++i)
      if (!drop[i]) out.push_back(in[i]);
    return out;
  }

  Kind kind_;
};

}  // namespace

// Pure copies: one implementation serves both backends.
std::unique_ptr<Op> make_reshape(Backend) { return std::make_unique<Reshape>(Reshape::Kind::reshape); }
std::unique_ptr<Op> make_squeeze(Backend) { return std::make_unique<Reshape>(Reshape::Kind::squeeze); }
std::unique_ptr<Op> make_expand_dims(Backend) { return std::make_unique<Reshape>(Reshape::Kind::expand_dims); }

}  // namespace easel::nn
