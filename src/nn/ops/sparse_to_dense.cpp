// sparse_to_dense (TF SparseToDense): inputs sparse_indices (int32/int64: scalar, [N]
// for a rank-1 output, or [N, rank]), output_shape (constant), sparse_values (scalar
// or [N]), default_value (scalar). The output has the values' dtype, default_value
// everywhere except at the listed indices. An index out of bounds fails with
// Error(bad_input); a repeated index keeps the last value (TF's kernel with
// validate_indices=false; easel does not require the indices to be sorted).
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class SparseToDense final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(4, 4);
    const DType idt = ctx.input_dtypes[0];
    if (idt != DType::i32 && idt != DType::i64) ctx.fail("sparse_indices must be int32 or int64, got " + std::string(to_string(idt)));
    Shape out = ints_of(ctx, ctx.constant(1, "output_shape"), "output_shape");
    if (ctx.input_shapes[1].size() > 1) ctx.fail("output_shape must be 1-D");
    for (auto d : out)
      if (d < 0) ctx.fail("output_shape " + to_string(out) + " must not be negative");
    const Shape& ind = ctx.input_shapes[0];
    if (ind.size() > 2) ctx.fail("sparse_indices must be 0-D, 1-D or 2-D, got " + to_string(ind));
    n_ = ind.empty() ? 1 : ind[0];
    const std::int64_t dims = ind.size() > 1 ? ind[1] : 1;
    if (dims != static_cast<std::int64_t>(out.size()))
      ctx.fail("sparse_indices " + to_string(ind) + " address " + std::to_string(dims) + " dims, output_shape " + to_string(out) + " has " +
               std::to_string(out.size()));
    const std::int64_t nv = num_elements(ctx.input_shapes[2]);
    if (ctx.input_shapes[2].size() > 1 || (nv != 1 && nv != n_) || (ctx.input_shapes[2].size() == 1 && nv != n_))
      ctx.fail("sparse_values must be a scalar or hold one value per index, got " + to_string(ctx.input_shapes[2]));
    scalar_values_ = ctx.input_shapes[2].empty();
    if (num_elements(ctx.input_shapes[3]) != 1) ctx.fail("default_value must be a scalar");
    if (ctx.input_dtypes[3] != ctx.input_dtypes[2]) ctx.fail("default_value and sparse_values must have the same dtype");
    esize_ = dtype_size(ctx.input_dtypes[2]);
    out_ = out;
    strides_ = strides_of(out);
    ctx.output_dtypes[0] = ctx.input_dtypes[2];
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    fill_elements(dst, ctx.in(3).raw(), esize_, ctx.out(0).size());
    const Tensor& ind = ctx.in(0);
    const auto* values = static_cast<const std::byte*>(ctx.in(2).raw());
    const std::size_t r = out_.size();
    for (std::int64_t i = 0; i < n_; ++i) {
      std::int64_t off = 0;
      for (std::size_t j = 0; j < r; ++j) {
        const std::int64_t k = i * static_cast<std::int64_t>(r) + static_cast<std::int64_t>(j);
        const std::int64_t idx = ind.dtype() == DType::i64 ? ind.data<std::int64_t>()[k] : ind.data<std::int32_t>()[k];
        if (idx < 0 || idx >= out_[j])
          throw Error(ErrorCode::bad_input,
                      "sparse_to_dense index " + std::to_string(idx) + " is out of range [0, " + std::to_string(out_[j]) + ").");
        off += idx * strides_[j];
      }
      std::memcpy(dst + off * static_cast<std::int64_t>(esize_), values + (scalar_values_ ? 0 : i * static_cast<std::int64_t>(esize_)),
                  esize_);
    }
  }

 private:
  std::int64_t n_ = 0;
  bool scalar_values_ = false;
  std::size_t esize_ = 4;
  Shape out_;
  std::vector<std::int64_t> strides_;
};

}  // namespace

// A scatter: one implementation serves both backends.
std::unique_ptr<Op> make_sparse_to_dense(Backend) { return std::make_unique<SparseToDense>(); }

}  // namespace easel::nn
