// pad: mode "constant" (TF Pad/PadV2), "reflect" and "symmetric" (TF MirrorPad).
// paddings: attribute ints[2*rank] (before, after per dim) or constant input 1 of
// shape [rank, 2]; constant_value: attribute, or scalar input 2 of x's dtype (read at
// run time unless it is a constant).
// Each output index along a dim maps to an input index (or to "constant"); the maps
// are built in prepare().
// optimized: trailing unpadded dims are one contiguous unit and neighbouring unpadded
// dims merge; the innermost padded dim is memcpy'd, mirrored rows are copied from the
// already written output row, parallel over the outermost padded dim.
// reference: per output element, through the maps.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

enum class Mode { constant, reflect, symmetric };
constexpr std::size_t kMaxRank = 32;

class Pad final : public Op {
 public:
  explicit Pad(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 3);
    const Shape& in = ctx.input_shapes[0];
    const std::size_t rank = in.size();
    if (rank > kMaxRank) ctx.fail("rank above " + std::to_string(kMaxRank) + " is not supported");
    std::vector<std::int64_t> pads = ints_input_or_attr(ctx, 1, "paddings");
    if (pads.size() != 2 * rank) ctx.fail("paddings " + to_string(pads) + " must hold 2 values per dim of " + to_string(in));
    std::string mode = ctx.node.attrs.get_string("mode", "constant");
    for (auto& c : mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (mode == "constant") mode_ = Mode::constant;
    else if (mode == "reflect") mode_ = Mode::reflect;
    else if (mode == "symmetric") mode_ = Mode::symmetric;
    else ctx.fail("mode '" + mode + "' is not constant, reflect or symmetric");
    const DType dt = ctx.input_dtypes[0];
    esize_ = dtype_size(dt);
    double value = ctx.node.attrs.get_float("constant_value", 0.0);
    value_input_ = false;
    if (ctx.has_input(2)) {
      if (num_elements(ctx.input_shapes[2]) != 1) ctx.fail("constant_value must be a scalar");
      if (const Tensor* c = ctx.input_constants[2]) {
        value = c->at(0);
      } else {
        if (ctx.input_dtypes[2] != dt) ctx.fail("constant_value must be " + std::string(to_string(dt)) + " like the input");
        value_input_ = true;
      }
    }
    store_scalar(dt, value, value_);

    // TF MirrorPad: reflect needs pad <= dim-1 (the edge is not repeated), symmetric pad <= dim.
    Shape out(rank);
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t b = pads[2 * d], a = pads[2 * d + 1];
      if (b < 0 || a < 0) ctx.fail("paddings " + to_string(pads) + " must not be negative");
      const std::int64_t limit = mode_ == Mode::reflect ? in[d] - 1 : in[d];
      if (mode_ != Mode::constant && (b > limit || a > limit) && (b > 0 || a > 0))
        ctx.fail("paddings " + std::to_string(b) + "," + std::to_string(a) + " of dim " + std::to_string(d) + " exceed " +
                 std::to_string(limit) + " for " + mode + " mode on " + to_string(in));
      out[d] = in[d] + b + a;
    }
    ctx.output_dtypes[0] = dt;
    ctx.output_shapes[0] = out;
    total_ = num_elements(out);
    threads_ = std::max(1, ctx.threads);

    // Dims as (input size, before, after); the optimized backend merges them first.
    dims_.clear();
    unit_ = 1;
    if (backend_ == Backend::optimized) {
      std::size_t last = rank;
      while (last > 0 && pads[2 * (last - 1)] == 0 && pads[2 * (last - 1) + 1] == 0) unit_ *= in[--last];
      for (std::size_t d = 0; d < last; ++d) {
        const std::int64_t b = pads[2 * d], a = pads[2 * d + 1];
        if (b == 0 && a == 0 && in[d] == 1) continue;
        if (b == 0 && a == 0 && !dims_.empty() && dims_.back().before == 0 && dims_.back().after == 0) dims_.back().size *= in[d];
        else dims_.push_back({in[d], b, a, {}});
      }
    } else {
      for (std::size_t d = 0; d < rank; ++d) dims_.push_back({in[d], pads[2 * d], pads[2 * d + 1], {}});
    }
    for (Dim& d : dims_) {
      const std::int64_t n = d.size + d.before + d.after;
      d.map.resize(static_cast<std::size_t>(n));
      for (std::int64_t j = 0; j < n; ++j) d.map[static_cast<std::size_t>(j)] = source(j - d.before, d.size);
    }
    // Strides in units, of the (merged) input and output.
    in_strides_.assign(dims_.size(), 1);
    out_strides_.assign(dims_.size(), 1);
    for (std::size_t d = dims_.size(); d-- > 1;) {
      in_strides_[d - 1] = in_strides_[d] * dims_[d].size;
      out_strides_[d - 1] = out_strides_[d] * static_cast<std::int64_t>(dims_[d].map.size());
    }
  }

  void run(RunContext& ctx) override {
    if (total_ == 0) return;
    if (value_input_) std::memcpy(value_, ctx.in(2).raw(), esize_);
    const auto* src = static_cast<const std::byte*>(ctx.in(0).raw());
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    if (backend_ == Backend::reference) return run_reference(src, dst);
    if (dims_.empty()) {
      std::memcpy(dst, src, static_cast<std::size_t>(unit_) * esize_);
      return;
    }
    const Dim& top = dims_[0];
    const std::int64_t ub = unit_ * static_cast<std::int64_t>(esize_);  // bytes per unit
    const bool parallel = total_ * static_cast<std::int64_t>(esize_) >= (1 << 18) && top.size > 1;
    // The interior rows of the top dim are independent.
#pragma omp parallel for num_threads(threads_) if (parallel) schedule(static)
    for (std::int64_t i = 0; i < top.size; ++i) fill(1, src + i * in_strides_[0] * ub, dst + (i + top.before) * out_strides_[0] * ub);
    finish_dim(0, dst);
  }

 private:
  struct Dim {
    std::int64_t size, before, after;
    std::vector<std::int64_t> map;  // output index -> input index, -1 for the constant
  };

  std::int64_t source(std::int64_t s, std::int64_t n) const {
    if (s >= 0 && s < n) return s;
    switch (mode_) {
      case Mode::constant:
        return -1;
      case Mode::reflect:
        return s < 0 ? -s : 2 * (n - 1) - s;
      case Mode::symmetric:
        return s < 0 ? -s - 1 : 2 * n - 1 - s;
    }
    return -1;
  }

  // Writes the block of output dim d (and below) at dst from the input block at src.
  void fill(std::size_t d, const std::byte* src, std::byte* dst) const {
    if (d == dims_.size()) {
      std::memcpy(dst, src, static_cast<std::size_t>(unit_) * esize_);
      return;
    }
    const Dim& dim = dims_[d];
    const std::int64_t ub = unit_ * static_cast<std::int64_t>(esize_);
    if (d + 1 == dims_.size()) {
      // Innermost: one memcpy for the interior.
      std::memcpy(dst + dim.before * ub, src, static_cast<std::size_t>(dim.size * ub));
    } else {
      for (std::int64_t i = 0; i < dim.size; ++i) fill(d + 1, src + i * in_strides_[d] * ub, dst + (i + dim.before) * out_strides_[d] * ub);
    }
    finish_dim(d, dst);
  }

  // Writes the padding rows of dim d once its interior rows are in place: constant
  // rows are filled, mirrored rows copied from the interior output row they mirror.
  void finish_dim(std::size_t d, std::byte* dst) const {
    const Dim& dim = dims_[d];
    const std::int64_t row = out_strides_[d] * unit_;  // elements per output row of dim d
    const std::int64_t rb = row * static_cast<std::int64_t>(esize_);
    const auto n = static_cast<std::int64_t>(dim.map.size());
    for (std::int64_t j = 0; j < n; ++j) {
      if (j == dim.before) j += dim.size;  // skip the interior
      if (j >= n) break;
      const std::int64_t m = dim.map[static_cast<std::size_t>(j)];
      if (m < 0) fill_elements(dst + j * rb, value_, esize_, row);
      else std::memcpy(dst + j * rb, dst + (m + dim.before) * rb, static_cast<std::size_t>(rb));
    }
  }

  void run_reference(const std::byte* src, std::byte* dst) const {
    const std::size_t r = dims_.size();
    std::int64_t coord[kMaxRank] = {};
    for (std::int64_t i = 0; i < total_; ++i) {
      std::int64_t off = 0;
      bool constant = false;
      for (std::size_t d = 0; d < r; ++d) {
        const std::int64_t m = dims_[d].map[static_cast<std::size_t>(coord[d])];
        if (m < 0) constant = true;
        off += m * in_strides_[d];
      }
      std::memcpy(dst + i * static_cast<std::int64_t>(esize_), constant ? value_ : src + off * static_cast<std::int64_t>(esize_), esize_);
      for (std::size_t d = r; d-- > 0;) {
        if (++coord[d] < static_cast<std::int64_t>(dims_[d].map.size())) break;
        coord[d] = 0;
      }
    }
  }

  Backend backend_;
  Mode mode_ = Mode::constant;
  std::size_t esize_ = 4;
  alignas(8) std::byte value_[8] = {};  // one element of the output dtype
  bool value_input_ = false;            // value_ comes from input 2 at every run
  std::int64_t total_ = 0;
  std::int64_t unit_ = 1;  // elements copied as one (the trailing unpadded dims)
  std::vector<Dim> dims_;
  std::vector<std::int64_t> in_strides_, out_strides_;
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_pad(Backend backend) { return std::make_unique<Pad>(backend); }

}  // namespace easel::nn
