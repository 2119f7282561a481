// depth_to_space (TF DepthToSpace, NHWC, DCR order): each pixel's channels become a
// block x block patch of pixels: out[n, h*b + i, w*b + j, c] = x[n, h, w, (i*b + j)*C + c],
// C = channels / b^2. BlazePose's and face detection's (full range) detectors end with it.
// optimized: one memcpy of C values per output pixel. reference: per element.
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

namespace easel::nn {
namespace {

using namespace shape_util;

class DepthToSpace final : public Op {
 public:
  explicit DepthToSpace(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    const Shape& in = ctx.input_shapes[0];
    if (in.size() != 4) ctx.fail("expected an NHWC input, got " + to_string(in));
    block_ = ctx.node.attrs.get_int("block_size", 0);
    if (block_ < 2 || block_ > 1024) ctx.fail("block_size " + std::to_string(block_) + " must be in [2, 1024]");
    if (in[3] % (block_ * block_) != 0)
      ctx.fail("the channels " + std::to_string(in[3]) + " are not a multiple of block_size^2 (" + std::to_string(block_ * block_) + ")");
    n_ = in[0], h_ = in[1], w_ = in[2], c_ = in[3] / (block_ * block_);
    esize_ = dtype_size(ctx.input_dtypes[0]);
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = {n_, h_ * block_, w_ * block_, c_};
  }

  void run(RunContext& ctx) override {
    const auto* src = static_cast<const std::byte*>(ctx.in(0).raw());
    auto* dst = static_cast<std::byte*>(ctx.out(0).raw());
    const std::int64_t b = block_, es = static_cast<std::int64_t>(esize_);
    const std::int64_t out_w = w_ * b, in_c = c_ * b * b;
    for (std::int64_t n = 0; n < n_; ++n)
      for (std::int64_t y = 0; y < h_ * b; ++y)
        for (std::int64_t x = 0; x < out_w; ++x) {
          const std::int64_t h = y / b, i = y % b, w = x / b, j = x % b;
          const std::byte* from = src + (((n * h_ + h) * w_ + w) * in_c + (i * b + j) * c_) * es;
          std::byte* to = dst + (((n * h_ * b + y) * out_w) + x) * c_ * es;
          if (backend_ == Backend::optimized) {
            std::memcpy(to, from, static_cast<std::size_t>(c_ * es));
          } else {
            for (std::int64_t c = 0; c < c_; ++c) std::memcpy(to + c * es, from + c * es, esize_);
          }
        }
  }

 private:
  Backend backend_;
  std::int64_t block_ = 2, n_ = 0, h_ = 0, w_ = 0, c_ = 0;
  std::size_t esize_ = 4;
};

}  // namespace

std::unique_ptr<Op> make_depth_to_space(Backend backend) { return std::make_unique<DepthToSpace>(backend); }

}  // namespace easel::nn
