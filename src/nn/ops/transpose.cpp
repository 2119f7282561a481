// transpose: out[i_0..i_k] = x[i_perm^-1...], i.e. out dim d is input dim perm[d].
// optimized: size-1 dims dropped and dims that stay neighbours merged in prepare(), so
// NHWC<->NCHW becomes a batched 2-D transpose; contiguous runs are memcpy'd and the
// rest is copied in cache-sized tiles, in parallel over the outer index.
// reference: one element at a time over the unsimplified shape.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class Transpose final : public Op {
 public:
  explicit Transpose(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 2);
    const Shape& in = ctx.input_shapes[0];
    const auto rank = static_cast<std::int64_t>(in.size());
    // TF's default (no perm) reverses the dims.
    std::vector<std::int64_t> rev(in.size());
    std::iota(rev.rbegin(), rev.rend(), 0);
    std::vector<std::int64_t> perm = ints_input_or_attr(ctx, 1, "perm", rev);
    if (perm.empty() && rank > 0) perm = rev;
    if (static_cast<std::int64_t>(perm.size()) != rank)
      ctx.fail("perm " + to_string(perm) + " does not match the input rank " + std::to_string(rank));
    std::vector<bool> seen(in.size(), false);
    for (auto& p : perm) {
      p = normalize_axis(ctx, p, rank, "perm entry");
      if (seen[static_cast<std::size_t>(p)]) ctx.fail("perm " + to_string(perm) + " is not a permutation");
      seen[static_cast<std::size_t>(p)] = true;
    }
    esize_ = dtype_size(ctx.input_dtypes[0]);
    threads_ = std::max(1, ctx.threads);
    const auto in_strides = strides_of(in);
    View v;
    for (auto p : perm) {
      v.dims.push_back(in[static_cast<std::size_t>(p)]);
      v.strides.push_back(in_strides[static_cast<std::size_t>(p)]);
    }
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = v.dims;
    total_ = num_elements(v.dims);
    view_ = backend_ == Backend::optimized ? simplify(v) : v;
    if (view_.dims.size() > 32) ctx.fail("rank above 32 is not supported");
    plan_tiles();
  }

  void run(RunContext& ctx) override {
    if (total_ == 0) return;
    const auto* src = static_cast<const std::byte*>(ctx.in(0).raw());
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    if (backend_ == Backend::reference) return run_reference(src, dst);
    if (view_.dims.empty() || (view_.dims.size() == 1 && view_.strides[0] == 1)) {
      std::memcpy(dst, src, static_cast<std::size_t>(total_) * esize_);
    } else if (view_.strides.back() == 1) {
      run_rows(src, dst);
    } else {
      dispatch_size(esize_, [&](auto tag) { run_tiles<typename decltype(tag)::type>(src, dst); });
    }
  }

 private:
  // Input offset of the start of outer index `o` over dims `dims` with `strides`.
  static std::int64_t offset_of(std::int64_t o, const std::vector<std::int64_t>& dims, const std::vector<std::int64_t>& strides) {
    std::int64_t off = 0;
    for (std::size_t j = dims.size(); j-- > 0;) {
      off += (o % dims[j]) * strides[j];
      o /= dims[j];
    }
    return off;
  }

  void plan_tiles() {
    outer_dims_.clear();
    outer_in_strides_.clear();
    outer_out_strides_.clear();
    if (backend_ != Backend::optimized || view_.dims.empty()) return;
    const std::size_t r = view_.dims.size();
    const auto out_strides = strides_of(view_.dims);
    // The output dim the input's innermost (stride 1) dim went to.
    a_ = 0;
    for (std::size_t d = 0; d < r; ++d)
      if (view_.strides[d] == 1) a_ = d;
    for (std::size_t d = 0; d + 1 < r; ++d) {
      if (view_.strides.back() != 1 && d == a_) continue;
      outer_dims_.push_back(view_.dims[d]);
      outer_in_strides_.push_back(view_.strides[d]);
      outer_out_strides_.push_back(out_strides[d]);
    }
    outer_ = 1;
    for (auto d : outer_dims_) outer_ *= d;
    a_out_stride_ = out_strides[a_];
  }

  // Innermost output dim is contiguous in the input: copy rows.
  void run_rows(const std::byte* src, std::byte* dst) const {
    const std::int64_t inner = view_.dims.back();
    const std::size_t row_bytes = static_cast<std::size_t>(inner) * esize_;
    const auto es = static_cast<std::int64_t>(esize_);
    const bool parallel = total_ * es >= (1 << 18) && outer_ > 1;
#pragma omp parallel for num_threads(threads_) if (parallel) schedule(static)
    for (std::int64_t o = 0; o < outer_; ++o)
      std::memcpy(dst + o * inner * es, src + offset_of(o, outer_dims_, outer_in_strides_) * es, row_bytes);
  }

  // out[.., i_a, .., i_b] = in[i_a + i_b * stride_b]: a 2-D transpose per outer index,
  // done in square tiles so both the reads and the writes stay within a few cache lines.
  // Every tile is a job, so even one image with few channels splits across threads.
  template <typename U>
  void run_tiles(const std::byte* src_bytes, std::byte* dst_bytes) const {
    const U* src = reinterpret_cast<const U*>(src_bytes);
    U* dst = reinterpret_cast<U*>(dst_bytes);
    const std::int64_t na = view_.dims[a_], nb = view_.dims.back();
    const std::int64_t sb = view_.strides.back(), oa = a_out_stride_;
    constexpr std::int64_t T = 16;
    const bool parallel = total_ * static_cast<std::int64_t>(sizeof(U)) >= (1 << 18);
    const std::int64_t tiles_a = (na + T - 1) / T, tiles_b = (nb + T - 1) / T;
    const std::int64_t tiles = tiles_a * tiles_b;
#pragma omp parallel for num_threads(threads_) if (parallel) schedule(static)
    for (std::int64_t job = 0; job < outer_ * tiles; ++job) {
      const std::int64_t o = job / tiles, t = job % tiles;
      const std::int64_t a0 = (t / tiles_b) * T, b0 = (t % tiles_b) * T;
      const std::int64_t a1 = std::min(na, a0 + T), b1 = std::min(nb, b0 + T);
      const U* s = src + offset_of(o, outer_dims_, outer_in_strides_);
      U* d = dst + offset_of(o, outer_dims_, outer_out_strides_);
      for (std::int64_t a = a0; a < a1; ++a)
        for (std::int64_t b = b0; b < b1; ++b) d[a * oa + b] = s[a + b * sb];
    }
  }

  void run_reference(const std::byte* src, std::byte* dst) const {
    const std::size_t r = view_.dims.size();
    std::int64_t coord[32] = {};
    for (std::int64_t i = 0; i < total_; ++i) {
      std::int64_t off = 0;
      for (std::size_t d = 0; d < r; ++d) off += coord[d] * view_.strides[d];
      std::memcpy(dst + i * static_cast<std::int64_t>(esize_), src + off * static_cast<std::int64_t>(esize_), esize_);
      for (std::size_t d = r; d-- > 0;) {
        if (++coord[d] < view_.dims[d]) break;
        coord[d] = 0;
      }
    }
  }

  Backend backend_;
  std::size_t esize_ = 4;
  int threads_ = 1;
  std::int64_t total_ = 0;
  View view_;  // output dims with their input strides
  // Optimized plan: the output dims other than the innermost (and other than a_ when
  // tiling), with their input and output strides.
  std::vector<std::int64_t> outer_dims_, outer_in_strides_, outer_out_strides_;
  std::int64_t outer_ = 1;
  std::size_t a_ = 0;
  std::int64_t a_out_stride_ = 0;
};

}  // namespace

std::unique_ptr<Op> make_transpose(Backend backend) { return std::make_unique<Transpose>(backend); }

}  // namespace easel::nn
