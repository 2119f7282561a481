// top_k: the k largest values along the last axis and their int32 indices, largest
// first; equal values keep the lower index first (TF's TopKV2 order). k: attribute or
// constant input 1. `sorted` false is accepted and still returns the sorted order (TF
// leaves the order unspecified then).
// One implementation for both backends: a partial sort of an index array that
// prepare() sized, so run() does not allocate.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class TopK final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 2);
    if (ctx.node.outputs.size() != 2)
      ctx.fail("top_k has 2 outputs (values, indices), the node has " + std::to_string(ctx.node.outputs.size()));
    const Shape& in = ctx.input_shapes[0];
    dtype_ = ctx.input_dtypes[0];
    if (!is_numeric(dtype_)) ctx.fail("input must be numeric, got " + std::string(to_string(dtype_)));
    if (in.empty()) ctx.fail("input must have at least one dim");
    k_ = int_input_or_attr(ctx, 1, "k", 1);
    n_ = in.back();
    if (k_ < 0 || k_ > n_) ctx.fail("k " + std::to_string(k_) + " must be in [0, " + std::to_string(n_) + "]");
    if (n_ > std::numeric_limits<std::int32_t>::max()) ctx.fail("the last dim is too large for int32 indices");
    rows_ = product(in, 0, in.size() - 1);
    threads_ = std::max(1, ctx.threads);
    order_.resize(static_cast<std::size_t>(n_));
    Shape out = in;
    out.back() = k_;
    ctx.output_dtypes[0] = dtype_;
    ctx.output_shapes[0] = out;
    ctx.output_dtypes[1] = DType::i32;
    ctx.output_shapes[1] = out;
  }

  void run(RunContext& ctx) override {
    if (k_ == 0) return;
    dispatch_numeric(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* in = ctx.in(0).data<T>();
      T* values = ctx.out(0).data<T>();
      std::int32_t* indices = ctx.out(1).data<std::int32_t>();
      for (std::int64_t r = 0; r < rows_; ++r) {
        const T* row = in + r * n_;
        // Larger first; on equal values the lower index first. A strict weak order, so
        // the result does not depend on the sort's stability.
        auto first = [row](std::int32_t a, std::int32_t b) {
          if constexpr (std::is_floating_point_v<T>) {
            // NaN ranks above every number, so the order stays strict weak (std::sort
            // needs that) and NaNs surface like the largest values.
            const bool na = std::isnan(row[a]), nb = std::isnan(row[b]);
            if (na || nb) return na && (!nb || a < b);
          }
          return row[a] > row[b] || (row[a] == row[b] && a < b);
        };
        const auto mid = order_.begin() + static_cast<std::ptrdiff_t>(k_);
        if (k_ * 16 < n_) {
          // Few out of many (CenterNet: 100 of 1.3M heatmap scores): each thread keeps a
          // heap of the k best of its share of the row, whose top is the worst of them, so
          // most values lose in one comparison; then the k best of those candidates.
          const int parts = n_ >= (1 << 18) ? threads_ : 1;
          const std::int64_t k = k_;
          candidates_.assign(static_cast<std::size_t>(parts * k), -1);
#pragma omp parallel for num_threads(parts) if (parts > 1) schedule(static, 1)
          for (int part = 0; part < parts; ++part) {
            const std::int64_t lo = n_ * part / parts, hi = n_ * (part + 1) / parts;
            auto heap = candidates_.begin() + part * k;
            const std::int64_t size = std::min(k, hi - lo);
            std::iota(heap, heap + size, static_cast<std::int32_t>(lo));
            std::make_heap(heap, heap + size, first);
            for (std::int64_t i = lo + size; i < hi; ++i) {
              const auto candidate = static_cast<std::int32_t>(i);
              if (!first(candidate, *heap)) continue;
              std::pop_heap(heap, heap + size, first);
              *(heap + size - 1) = candidate;
              std::push_heap(heap, heap + size, first);
            }
          }
          std::erase(candidates_, -1);  // parts shorter than k
          std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), first);
          std::copy_n(candidates_.begin(), k, order_.begin());
        } else {
          std::iota(order_.begin(), order_.end(), 0);
          if (k_ == n_) std::sort(order_.begin(), order_.end(), first);
          else std::partial_sort(order_.begin(), mid, order_.end(), first);
        }
        for (std::int64_t j = 0; j < k_; ++j) {
          const std::int32_t i = order_[static_cast<std::size_t>(j)];
          values[r * k_ + j] = row[i];
          indices[r * k_ + j] = i;
        }
      }
    });
  }

 private:
  DType dtype_ = DType::f32;
  std::int64_t k_ = 1, n_ = 0, rows_ = 0;
  std::vector<std::int32_t> order_;
  std::vector<std::int32_t> candidates_;  // the per-thread heaps of the few-of-many path
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_top_k(Backend) { return std::make_unique<TopK>(); }

}  // namespace easel::nn
