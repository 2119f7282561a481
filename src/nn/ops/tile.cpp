// tile: out[i] = x[i mod dims]; multiples from attribute `multiples` or constant input 1.
// optimized: copies the input once into the first tile position, dim by dim from the
// innermost, then doubles each filled block along its dim with memcpy (log copies per
// dim instead of one per element). reference: per element, i mod dims.
#include <algorithm>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

constexpr std::size_t kMaxRank = 32;

class Tile final : public Op {
 public:
  explicit Tile(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 2);
    in_ = ctx.input_shapes[0];
    if (in_.size() > kMaxRank) ctx.fail("rank above " + std::to_string(kMaxRank) + " is not supported");
    mult_ = ints_input_or_attr(ctx, 1, "multiples");
    if (mult_.size() != in_.size()) ctx.fail("multiples " + to_string(mult_) + " must have one entry per dim of " + to_string(in_));
    out_ = in_;
    for (std::size_t d = 0; d < in_.size(); ++d) {
      if (mult_[d] < 0) ctx.fail("multiples " + to_string(mult_) + " must not be negative");
      out_[d] = in_[d] * mult_[d];
    }
    esize_ = dtype_size(ctx.input_dtypes[0]);
    in_strides_ = strides_of(in_);
    out_strides_ = strides_of(out_);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = out_;
  }

  void run(RunContext& ctx) override {
    if (num_elements(out_) == 0) return;
    const auto* src = static_cast<const std::byte*>(ctx.in(0).raw());
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    if (in_.empty()) {
      std::memcpy(dst, src, esize_);
      return;
    }
    if (backend_ == Backend::optimized) {
      fill(0, src, dst);
      return;
    }
    const std::size_t r = out_.size();
    std::int64_t coord[kMaxRank] = {};
    const std::int64_t total = num_elements(out_);
    const auto es = static_cast<std::int64_t>(esize_);
    for (std::int64_t i = 0; i < total; ++i) {
      std::int64_t off = 0;
      for (std::size_t d = 0; d < r; ++d) off += (coord[d] % in_[d]) * in_strides_[d];
      std::memcpy(dst + i * es, src + off * es, esize_);
      for (std::size_t d = r; d-- > 0;) {
        if (++coord[d] < out_[d]) break;
        coord[d] = 0;
      }
    }
  }

 private:
  // Fills the output block of dim d at dst (all out_[d] entries) from the input block at src.
  void fill(std::size_t d, const std::byte* src, std::byte* dst) const {
    const auto es = static_cast<std::int64_t>(esize_);
    const std::int64_t block = in_[d] * out_strides_[d] * es;  // bytes of one tile along d
    if (d + 1 == in_.size()) {
      std::memcpy(dst, src, static_cast<std::size_t>(block));
    } else {
      for (std::int64_t i = 0; i < in_[d]; ++i) fill(d + 1, src + i * in_strides_[d] * es, dst + i * out_strides_[d] * es);
    }
    // Replicate the first tile: copy what is done so far, doubling each time.
    std::int64_t done = 1;
    while (done < mult_[d]) {
      const std::int64_t n = std::min(done, mult_[d] - done);
      std::memcpy(dst + done * block, dst, static_cast<std::size_t>(n * block));
      done += n;
    }
  }

  Backend backend_;
  Shape in_, out_;
  std::vector<std::int64_t> mult_, in_strides_, out_strides_;
  std::size_t esize_ = 4;
};

}  // namespace

std::unique_ptr<Op> make_tile(Backend backend) { return std::make_unique<Tile>(backend); }

}  // namespace easel::nn
