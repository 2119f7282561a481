// gather (TF GatherV2) and gather_nd. Both copy contiguous slices of params chosen by
// int32/int64 indices; an index out of range fails with Error(bad_input), as TF's
// CPU kernels do.
//   gather: axis (attribute or constant input 2), batch_dims. With params
//   [B.., O.., A, I..] and indices [B.., N..], out[b, o, n, i] = params[b, o, idx[b, n], i].
//   Negative axis and batch_dims count from the end (of params and indices). With the
//   attribute negative_indices (ONNX's Gather), an index in [-A, 0) counts from the end too.
//   gather_nd: indices [.., K] address the first K dims of params; out = indices.shape[:-1]
//   + params.shape[K:].
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

std::int64_t index_at(const Tensor& t, std::int64_t i) {
  return t.dtype() == DType::i64 ? t.data<std::int64_t>()[i] : t.data<std::int32_t>()[i];
}

[[noreturn]] void index_error(const char* op, std::int64_t index, std::int64_t first, std::int64_t limit) {
  throw Error(ErrorCode::bad_input, std::string(op) + " index " + std::to_string(index) + " is out of range [" +
                                        std::to_string(first) + ", " + std::to_string(limit) + ").");
}

void expect_index_dtype(const PrepareContext& ctx, int input) {
  DType d = ctx.input_dtypes[static_cast<std::size_t>(input)];
  if (d != DType::i32 && d != DType::i64) ctx.fail("indices must be int32 or int64, got " + std::string(to_string(d)));
}

class Gather final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 3);
    expect_index_dtype(ctx, 1);
    const Shape& params = ctx.input_shapes[0];
    const Shape& indices = ctx.input_shapes[1];
    const auto prank = static_cast<std::int64_t>(params.size());
    const auto irank = static_cast<std::int64_t>(indices.size());
    if (prank == 0) ctx.fail("params must have at least one dim");
    const auto axis = static_cast<std::size_t>(normalize_axis(ctx, int_input_or_attr(ctx, 2, "axis", 0), prank));
    std::int64_t batch_dims = ctx.node.attrs.get_int("batch_dims", 0);
    if (batch_dims < 0) batch_dims += irank;
    if (batch_dims < 0 || batch_dims > irank)
      ctx.fail("batch_dims " + std::to_string(batch_dims) + " is out of range for indices " + to_string(indices));
    const auto bd = static_cast<std::size_t>(batch_dims);
    if (bd > axis) ctx.fail("batch_dims " + std::to_string(batch_dims) + " must not exceed axis " + std::to_string(axis));
    for (std::size_t d = 0; d < bd; ++d)
      if (params[d] != indices[d])
        ctx.fail("params " + to_string(params) + " and indices " + to_string(indices) + " differ in batch dim " + std::to_string(d));
    Shape out(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(axis));
    out.insert(out.end(), indices.begin() + static_cast<std::ptrdiff_t>(bd), indices.end());
    out.insert(out.end(), params.begin() + static_cast<std::ptrdiff_t>(axis) + 1, params.end());
    batch_ = product(params, 0, bd);
    outer_ = product(params, bd, axis);
    axis_dim_ = params[axis];
    negative_indices_ = ctx.node.attrs.get_bool("negative_indices", false);
    n_ = product(indices, bd, indices.size());
    inner_bytes_ = static_cast<std::size_t>(product(params, axis + 1, params.size())) * dtype_size(ctx.input_dtypes[0]);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    const auto* params = static_cast<const std::byte*>(ctx.in(0).raw());
    const Tensor& indices = ctx.in(1);
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    for (std::int64_t b = 0; b < batch_; ++b)
      for (std::int64_t o = 0; o < outer_; ++o) {
        const std::byte* base = params + static_cast<std::size_t>((b * outer_ + o) * axis_dim_) * inner_bytes_;
        for (std::int64_t n = 0; n < n_; ++n) {
          std::int64_t idx = index_at(indices, b * n_ + n);
          if (idx < 0 && negative_indices_) idx += axis_dim_;
          if (idx < 0 || idx >= axis_dim_)
            index_error("gather", index_at(indices, b * n_ + n), negative_indices_ ? -axis_dim_ : 0, axis_dim_);
          std::memcpy(dst, base + static_cast<std::size_t>(idx) * inner_bytes_, inner_bytes_);
          dst += inner_bytes_;
        }
      }
  }

 private:
  std::int64_t batch_ = 1, outer_ = 1, axis_dim_ = 1, n_ = 1;
  bool negative_indices_ = false;
  std::size_t inner_bytes_ = 0;
};

class GatherNd final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 2);
    expect_index_dtype(ctx, 1);
    const Shape& params = ctx.input_shapes[0];
    const Shape& indices = ctx.input_shapes[1];
    if (indices.empty()) ctx.fail("indices must have at least one dim");
    const std::int64_t k = indices.back();
    if (k > static_cast<std::int64_t>(params.size()))
      ctx.fail("indices " + to_string(indices) + " address " + std::to_string(k) + " dims, params " + to_string(params) + " has fewer");
    k_ = static_cast<std::size_t>(k);
    Shape out(indices.begin(), indices.end() - 1);
    out.insert(out.end(), params.begin() + static_cast<std::ptrdiff_t>(k_), params.end());
    rows_ = product(indices, 0, indices.size() - 1);
    dims_.assign(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(k_));
    // Strides of the addressed dims, in slices of inner_bytes_.
    strides_ = strides_of(dims_);
    inner_bytes_ = static_cast<std::size_t>(product(params, k_, params.size())) * dtype_size(ctx.input_dtypes[0]);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    const auto* params = static_cast<const std::byte*>(ctx.in(0).raw());
    const Tensor& indices = ctx.in(1);
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    for (std::int64_t r = 0; r < rows_; ++r) {
      std::int64_t slice = 0;
      for (std::size_t j = 0; j < k_; ++j) {
        const std::int64_t idx = index_at(indices, r * static_cast<std::int64_t>(k_) + static_cast<std::int64_t>(j));
        if (idx < 0 || idx >= dims_[j]) index_error("gather_nd", idx, 0, dims_[j]);
        slice += idx * strides_[j];
      }
      std::memcpy(dst, params + static_cast<std::size_t>(slice) * inner_bytes_, inner_bytes_);
      dst += inner_bytes_;
    }
  }

 private:
  std::size_t k_ = 0;
  std::int64_t rows_ = 0;
  Shape dims_;
  std::vector<std::int64_t> strides_;
  std::size_t inner_bytes_ = 0;
};

}  // namespace

// Indexed copies: one implementation serves both backends.
std::unique_ptr<Op> make_gather(Backend) { return std::make_unique<Gather>(); }
std::unique_ptr<Op> make_gather_nd(Backend) { return std::make_unique<GatherNd>(); }

}  // namespace easel::nn
