// quantized_avg_pool: avg_pool on uint8 or int8 values, as TFLite's integer AveragePool
// computes it. Input and output share one quantization (TFLite requires that; the int8
// pass lowers only such pools), so the average of the integers is the answer:
//   uint8: (sum + count / 2) / count                       (count: the window's cells
//   int8:  sum > 0 ? (sum + count / 2) / count              inside the image, as TF's
//                  : (sum - count / 2) / count              SAME padding leaves out)
// in integer division, which rounds ties as TFLite does. The float detour it replaces
// (dequantize, average, quantize) rounded exact ties by float error either way.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/ops/conv_common.h"
#include "nn/ops/quant_common.h"
#include "nn/ops/quant_ops.h"

namespace easel::nn {
namespace {

class QuantizedAvgPool final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    dtype_ = ctx.input_dtypes[0];
    if (dtype_ != DType::u8 && dtype_ != DType::i8) ctx.fail("x must be uint8 or int8, got " + std::string(to_string(dtype_)));
    const Shape& x = ctx.input_shapes[0];
    if (x.size() != 4) ctx.fail("x must have rank 4, got shape " + to_string(x));
    if (quantized_dtype(ctx) != dtype_) ctx.fail("attribute 'to' must name x's type: the pool keeps its quantization");
    batch_ = x[0];
    channels_ = x[3];
    window_ = parse_pool_window(ctx, x);
    const Window2D& w = window_;
    ctx.output_dtypes[0] = dtype_;
    ctx.output_shapes[0] = {batch_, w.out_h, w.out_w, channels_};
  }

  void run(RunContext& ctx) override {
    if (dtype_ == DType::u8) pool(ctx.in(0).data<std::uint8_t>(), ctx.out(0).data<std::uint8_t>());
    else pool(ctx.in(0).data<std::int8_t>(), ctx.out(0).data<std::int8_t>());
  }

 private:
  template <class T>
  void pool(const T* x, T* y) const {
    const Window2D& w = window_;
    const std::int64_t C = channels_, rows = batch_ * w.out_h;
    std::vector<std::int32_t> sums(static_cast<std::size_t>(C));
#pragma omp parallel for schedule(static) firstprivate(sums) if (rows * w.out_w * C * w.kernel_h * w.kernel_w > 1000000)
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::int64_t n = row / w.out_h, oy = row % w.out_h;
      const std::int64_t y0 = std::max<std::int64_t>(0, oy * w.stride_h - w.pad_top),
                         y1 = std::min(w.in_h, oy * w.stride_h - w.pad_top + w.kernel_h);
      for (std::int64_t ox = 0; ox < w.out_w; ++ox) {
        const std::int64_t x0 = std::max<std::int64_t>(0, ox * w.stride_w - w.pad_left),
                           x1 = std::min(w.in_w, ox * w.stride_w - w.pad_left + w.kernel_w);
        std::fill(sums.begin(), sums.end(), 0);
        for (std::int64_t iy = y0; iy < y1; ++iy)
          for (std::int64_t ix = x0; ix < x1; ++ix) {
            const T* px = x + ((n * w.in_h + iy) * w.in_w + ix) * C;
            for (std::int64_t c = 0; c < C; ++c) sums[static_cast<std::size_t>(c)] += px[c];
          }
        const std::int32_t count = static_cast<std::int32_t>((y1 - y0) * (x1 - x0));
        T* out = y + (row * w.out_w + ox) * C;
        for (std::int64_t c = 0; c < C; ++c) {
          const std::int32_t s = sums[static_cast<std::size_t>(c)];
          out[c] = static_cast<T>(s > 0 ? (s + count / 2) / count : (s - count / 2) / count);
        }
      }
    }
  }

  DType dtype_ = DType::u8;
  std::int64_t batch_ = 0, channels_ = 0;
  Window2D window_;
};

}  // namespace

std::unique_ptr<Op> make_quantized_avg_pool(Backend) { return std::make_unique<QuantizedAvgPool>(); }

}  // namespace easel::nn
