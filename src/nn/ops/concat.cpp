// concat: joins x0..xn along `axis`. Seen as [outer, dim_i * inner] per input, the
// output is, for every outer index, each input's contiguous chunk in turn.
// optimized: one memcpy per (outer, input), parallel over outer for large outputs
// (channel concats in NHWC have many short chunks). reference: element by element.
#include <algorithm>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class Concat final : public Op {
 public:
  explicit Concat(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 1) ctx.fail("expected at least one input");
    const Shape& first = ctx.input_shapes[0];
    const auto rank = static_cast<std::int64_t>(first.size());
    if (rank == 0) ctx.fail("cannot concatenate scalars");
    const auto axis = static_cast<std::size_t>(normalize_axis(ctx, ctx.node.attrs.get_int("axis", 0), rank));
    Shape out = first;
    out[axis] = 0;
    chunk_bytes_.clear();
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Shape& s = ctx.input_shapes[static_cast<std::size_t>(i)];
      if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
      if (ctx.input_dtypes[static_cast<std::size_t>(i)] != ctx.input_dtypes[0])
        ctx.fail("input " + std::to_string(i) + " is " + to_string(ctx.input_dtypes[static_cast<std::size_t>(i)]) + ", input 0 is " +
                 to_string(ctx.input_dtypes[0]));
      bool ok = s.size() == first.size();
      for (std::size_t d = 0; ok && d < s.size(); ++d) ok = d == axis || s[d] == first[d];
      if (!ok)
        ctx.fail("input " + std::to_string(i) + " has shape " + to_string(s) + ", incompatible with " + to_string(first) + " on axis " +
                 std::to_string(axis));
      out[axis] += s[axis];
    }
    esize_ = dtype_size(ctx.input_dtypes[0]);
    outer_ = product(first, 0, axis);
    const std::int64_t inner = product(first, axis + 1, first.size());
    for (const Shape& s : ctx.input_shapes) chunk_bytes_.push_back(static_cast<std::size_t>(s[axis] * inner) * esize_);
    out_row_bytes_ = static_cast<std::size_t>(out[axis] * inner) * esize_;
    srcs_.assign(chunk_bytes_.size(), nullptr);
    threads_ = std::max(1, ctx.threads);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    for (std::size_t i = 0; i < srcs_.size(); ++i) srcs_[i] = static_cast<const std::byte*>(ctx.in(static_cast<int>(i)).raw());
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    const std::size_t n = srcs_.size();
    if (backend_ == Backend::reference) {
      for (std::int64_t o = 0; o < outer_; ++o)
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t b = 0; b < chunk_bytes_[i]; b += esize_)
            std::memcpy(dst + static_cast<std::size_t>(o) * out_row_bytes_ + offset(i) + b,
                        srcs_[i] + static_cast<std::size_t>(o) * chunk_bytes_[i] + b, esize_);
      return;
    }
    const bool parallel = static_cast<std::size_t>(outer_) * out_row_bytes_ >= (1u << 18) && outer_ > 1;
#pragma omp parallel for num_threads(threads_) if (parallel) schedule(static)
    for (std::int64_t o = 0; o < outer_; ++o) {
      std::byte* d = dst + static_cast<std::size_t>(o) * out_row_bytes_;
      for (std::size_t i = 0; i < n; ++i) {
        std::memcpy(d, srcs_[i] + static_cast<std::size_t>(o) * chunk_bytes_[i], chunk_bytes_[i]);
        d += chunk_bytes_[i];
      }
    }
  }

 private:
  std::size_t offset(std::size_t input) const {
    std::size_t off = 0;
    for (std::size_t i = 0; i < input; ++i) off += chunk_bytes_[i];
    return off;
  }

  Backend backend_;
  std::size_t esize_ = 4;
  std::int64_t outer_ = 1;
  std::size_t out_row_bytes_ = 0;
  std::vector<std::size_t> chunk_bytes_;
  std::vector<const std::byte*> srcs_;  // sized in prepare() so run() does not allocate
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_concat(Backend backend) { return std::make_unique<Concat>(backend); }

}  // namespace easel::nn
