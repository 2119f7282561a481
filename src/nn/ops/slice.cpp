// slice and strided_slice. Both reduce to a strided view of the input (a start offset
// plus a stride per output dim) worked out in prepare(); run() copies the view, with
// memcpy for contiguous runs. The optimized backend simplifies the view first.
//   slice: begin, size (attributes or constant inputs 1, 2); size -1 runs to the end.
//   strided_slice: begin, end, strides (attributes or constant inputs 1, 2, 3) and the
//   five masks, with the semantics of TF's ValidateStridedSliceOp (strided_slice_op.cc):
//   a sparse spec (with ellipsis and new axes) is expanded to a dense per-dim spec,
//   indices are canonicalised and clamped, shrunk dims dropped and new axes inserted.
#include <algorithm>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

constexpr std::size_t kMaxRank = 32;

class SliceBase : public Op {
 public:
  explicit SliceBase(Backend backend) : backend_(backend) {}

  void run(RunContext& ctx) override {
    if (empty_) return;
    const auto* src = static_cast<const std::byte*>(ctx.in(0).raw()) + base_ * static_cast<std::int64_t>(esize_);
    strided_copy(src, static_cast<std::byte*>(ctx.out(0).raw()), esize_, view_);
  }

 protected:
  // Sets the view from per-input-dim begin, stride and size.
  void set_view(PrepareContext& ctx, const Shape& in, const std::vector<std::int64_t>& begin, const std::vector<std::int64_t>& stride,
                const Shape& size) {
    if (in.size() > kMaxRank) ctx.fail("rank above " + std::to_string(kMaxRank) + " is not supported");
    const auto in_strides = strides_of(in);
    View v;
    base_ = 0;
    for (std::size_t d = 0; d < in.size(); ++d) {
      v.dims.push_back(size[d]);
      v.strides.push_back(stride[d] * in_strides[d]);
      if (size[d] > 0) base_ += begin[d] * in_strides[d];
    }
    empty_ = num_elements(size) == 0;
    view_ = backend_ == Backend::optimized ? simplify(v) : v;
    esize_ = dtype_size(ctx.input_dtypes[0]);
  }

  Backend backend_;

 private:
  View view_;
  std::int64_t base_ = 0;  // elements
  std::size_t esize_ = 4;
  bool empty_ = false;
};

class Slice final : public SliceBase {
 public:
  using SliceBase::SliceBase;

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 3);
    const Shape& in = ctx.input_shapes[0];
    std::vector<std::int64_t> begin = ints_input_or_attr(ctx, 1, "begin");
    std::vector<std::int64_t> size = ints_input_or_attr(ctx, 2, "size");
    if (begin.size() > in.size() || size.size() > in.size())
      ctx.fail("begin " + to_string(begin) + " and size " + to_string(size) + " have more entries than " + to_string(in) + " has dims");
    // Missing trailing entries take the whole dim (as TF.js does).
    begin.resize(in.size(), 0);
    size.resize(in.size(), -1);
    for (std::size_t d = 0; d < in.size(); ++d) {
      if (begin[d] < 0 || begin[d] > in[d]) ctx.fail("begin " + to_string(begin) + " is out of range for " + to_string(in));
      if (size[d] == -1) size[d] = in[d] - begin[d];
      if (size[d] < 0 || begin[d] + size[d] > in[d])
        ctx.fail("begin " + to_string(begin) + " with size " + to_string(size) + " is out of range for " + to_string(in));
    }
    set_view(ctx, in, begin, std::vector<std::int64_t>(in.size(), 1), size);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = size;
  }
};

class StridedSlice final : public SliceBase {
 public:
  using SliceBase::SliceBase;

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 4);
    const Shape& in = ctx.input_shapes[0];
    const Attrs& at = ctx.node.attrs;
    std::vector<std::int64_t> sbegin = ints_input_or_attr(ctx, 1, "begin");
    std::vector<std::int64_t> send = ints_input_or_attr(ctx, 2, "end");
    std::vector<std::int64_t> sstrides = ints_input_or_attr(ctx, 3, "strides", std::vector<std::int64_t>(sbegin.size(), 1));
    if (send.size() != sbegin.size() || sstrides.size() != sbegin.size())
      ctx.fail("begin " + to_string(sbegin) + ", end " + to_string(send) + " and strides " + to_string(sstrides) +
               " must have the same length");
    if (sbegin.size() > 31) ctx.fail("more than 31 slice entries are not supported");
    const std::int64_t begin_mask = at.get_int("begin_mask", 0), end_mask = at.get_int("end_mask", 0);
    std::int64_t ellipsis_mask = at.get_int("ellipsis_mask", 0);
    const std::int64_t new_axis_mask = at.get_int("new_axis_mask", 0), shrink_axis_mask = at.get_int("shrink_axis_mask", 0);
    if (ellipsis_mask & (ellipsis_mask - 1)) ctx.fail("multiple ellipses in a slice spec are not allowed");

    // Step 1: count the new axes after the ellipsis; without an ellipsis, one is
    // implied after the last entry.
    auto sparse_dims = static_cast<int>(sbegin.size());
    int num_add_axis_after_ellipsis = 0;
    bool ellipsis_seen = false;
    for (int i = 0; i < sparse_dims; ++i) {
      if (ellipsis_seen && ((std::int64_t{1} << i) & new_axis_mask)) ++num_add_axis_after_ellipsis;
      if ((std::int64_t{1} << i) & ellipsis_mask) ellipsis_seen = true;
    }
    if (!ellipsis_seen) {
      ellipsis_mask |= std::int64_t{1} << sparse_dims;
      ++sparse_dims;
    }

    // Step 2: the dense spec, one entry per input dim.
    const auto dims = static_cast<int>(in.size());
    std::vector<std::int64_t> begin(in.size(), 0), end(in.size(), 0), stride(in.size(), 1);
    std::int64_t dbegin_mask = 0, dend_mask = 0, dshrink_mask = 0;
    constexpr int kNewAxis = -1, kShrinkAxis = -2;
    std::vector<int> final_gather;  // per final dim: dense dim, kNewAxis; kShrinkAxis entries are skipped
    int full = 0;
    for (int i = 0; i < sparse_dims; ++i) {
      const std::int64_t bit = std::int64_t{1} << i;
      if (bit & ellipsis_mask) {
        const int next = std::min(dims - (sparse_dims - i) + 1 + num_add_axis_after_ellipsis, dims);
        for (; full < next; ++full) {
          begin[static_cast<std::size_t>(full)] = end[static_cast<std::size_t>(full)] = 0;
          stride[static_cast<std::size_t>(full)] = 1;
          dbegin_mask |= std::int64_t{1} << full;
          dend_mask |= std::int64_t{1} << full;
          final_gather.push_back(full);
        }
      } else if (bit & new_axis_mask) {
        final_gather.push_back(kNewAxis);
      } else {
        if (full >= dims)
          ctx.fail("index out of range using input dim " + std::to_string(full) + "; input has only " + std::to_string(dims) + " dims");
        auto f = static_cast<std::size_t>(full);
        auto s = static_cast<std::size_t>(i);
        begin[f] = sbegin[s];
        end[f] = send[s];
        stride[f] = sstrides[s];
        if (begin_mask & bit) dbegin_mask |= std::int64_t{1} << full;
        if (end_mask & bit) dend_mask |= std::int64_t{1} << full;
        if (shrink_axis_mask & bit) {
          final_gather.push_back(kShrinkAxis);
          dshrink_mask |= std::int64_t{1} << full;
        } else {
          final_gather.push_back(full);
        }
        ++full;
      }
    }

    // Step 3: canonicalise (masks, negative indices), clamp, and size each dim.
    Shape processing(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::int64_t bit = std::int64_t{1} << i;
      std::int64_t& b = begin[i];
      std::int64_t& e = end[i];
      const std::int64_t s = stride[i];
      const std::int64_t dim = in[i];
      if (s == 0) ctx.fail("strides[" + std::to_string(i) + "] must be non-zero");
      const bool shrink = dshrink_mask & bit;
      const bool masks[2] = {(dbegin_mask & bit) != 0, (dend_mask & bit) != 0};
      const std::int64_t valid[2] = {s > 0 ? 0 : -1, s > 0 ? dim : dim - 1};
      auto canonical = [&](std::int64_t x, int c) {
        if (masks[c]) return s > 0 ? valid[c] : valid[(c + 1) & 1];
        const std::int64_t fwd = x < 0 ? dim + x : x;
        return fwd < valid[0] ? valid[0] : fwd > valid[1] ? valid[1] : fwd;
      };
      if (shrink && s <= 0) ctx.fail("only stride 1 allowed on non-range indexing");
      if (shrink) {
        // foo[-1] arrives as begin -1, end 0; the end is recreated as begin + 1.
        const std::int64_t fwd = b < 0 ? dim + b : b;
        if (fwd < 0 || fwd >= dim) ctx.fail("slice index " + std::to_string(b) + " of dimension " + std::to_string(i) + " out of bounds");
        b = fwd;
        e = b + 1;
      } else {
        b = canonical(b, 0);
        e = canonical(e, 1);
      }
      const std::int64_t interval = e - b;
      std::int64_t size = 0;
      if (interval != 0 && (interval < 0) == (s < 0)) size = interval / s + (interval % s != 0 ? 1 : 0);
      processing[i] = size;
    }

    // Step 4: the final shape: shrunk dims vanish, new axes are 1.
    Shape out;
    for (int g : final_gather) {
      if (g >= 0) out.push_back(processing[static_cast<std::size_t>(g)]);
      else if (g == kNewAxis) out.push_back(1);
    }
    // The elements come out in the processing shape's row-major order, which the final
    // shape only relabels.
    set_view(ctx, in, begin, stride, processing);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = out;
  }
};

}  // namespace

// Strided copies: one implementation serves both backends (the optimized one merges
// contiguous dims first).
std::unique_ptr<Op> make_slice(Backend backend) { return std::make_unique<Slice>(backend); }
std::unique_ptr<Op> make_strided_slice(Backend backend) { return std::make_unique<StridedSlice>(backend); }

}  // namespace easel::nn
