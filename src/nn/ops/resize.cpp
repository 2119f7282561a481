// resize_bilinear, resize_nearest on NHWC, with TF's arithmetic (resize_bilinear_op.cc,
// resize_nearest_neighbor_op.cc, image_resizer_state.h), all in float:
//   scale = align_corners && out > 1 ? (in-1)/(out-1) : in/out
//   bilinear: src = half_pixel_centers ? (x+0.5)*scale-0.5 : x*scale;
//             lower = max(floor(src), 0), upper = min(ceil(src), in-1), lerp = src-floor(src);
//             top = tl + (tr-tl)*xl, bottom = bl + (br-bl)*xl, out = top + (bottom-top)*yl.
//   nearest:  src = half_pixel_centers ? (x+0.5)*scale : x*scale (TF's NN scaler keeps
//             the +0.5 and floors); i = min(align_corners ? round(src) : floor(src), in-1),
//             and max(i, 0) with half_pixel_centers.
// size: attribute ints[2] or constant input 1. align_corners and half_pixel_centers
// together are rejected, as TF does. bilinear outputs float32 for any numeric input;
// nearest keeps the dtype.
// optimized: the per-column and per-row source indices and weights are tables built in
// prepare(); bilinear interpolates each input row horizontally once and blends pairs of
// such rows; bands of rows run in parallel for large outputs. reference: recomputes
// everything per output element.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/ops/shape_ops.h"
#include "nn/ops/shape_util.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace easel::nn {
namespace {

using namespace shape_util;

float resize_scale(std::int64_t in, std::int64_t out, bool align_corners) {
  return align_corners && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                  : static_cast<float>(in) / static_cast<float>(out);
}

struct Lerp {
  std::int64_t lower, upper;
  float lerp;
};

Lerp bilinear_source(std::int64_t x, float scale, std::int64_t in, bool half_pixel) {
  const float src = half_pixel ? (static_cast<float>(x) + 0.5f) * scale - 0.5f : static_cast<float>(x) * scale;
  const float f = std::floor(src);
  return {std::max(static_cast<std::int64_t>(f), std::int64_t{0}), std::min(static_cast<std::int64_t>(std::ceil(src)), in - 1), src - f};
}

std::int64_t nearest_source(std::int64_t x, float scale, std::int64_t in, bool align_corners, bool half_pixel) {
  const float src = half_pixel ? (static_cast<float>(x) + 0.5f) * scale : static_cast<float>(x) * scale;
  std::int64_t i = std::min(static_cast<std::int64_t>(align_corners ? std::round(src) : std::floor(src)), in - 1);
  if (half_pixel) i = std::max(i, std::int64_t{0});
  return i;
}

class Resize : public Op {
 public:
  explicit Resize(Backend backend) : backend_(backend) {}

 protected:
  // Reads the common parameters; returns the output shape.
  Shape prepare_common(PrepareContext& ctx) {
    ctx.expect_inputs(1, 2);
    const Shape& in = ctx.input_shapes[0];
    if (in.size() != 4) ctx.fail("input must be NHWC (rank 4), got " + to_string(in));
    std::vector<std::int64_t> size = ints_input_or_attr(ctx, 1, "size");
    if (size.size() != 2 || size[0] <= 0 || size[1] <= 0)
      ctx.fail("size " + to_string(size) + " must be two positive values (height, width)");
    align_corners_ = ctx.node.attrs.get_bool("align_corners", false);
    half_pixel_ = ctx.node.attrs.get_bool("half_pixel_centers", false);
    if (align_corners_ && half_pixel_) ctx.fail("half_pixel_centers requires align_corners to be false");
    n_ = in[0];
    in_h_ = in[1];
    in_w_ = in[2];
    c_ = in[3];
    out_h_ = size[0];
    out_w_ = size[1];
    if ((in_h_ == 0 || in_w_ == 0) && n_ * c_ > 0) ctx.fail("cannot resize an empty image " + to_string(in));
    // Checked before the per-row and per-column tables are built for it (the planner checks
    // the whole output against the same limit afterwards).
    if (const std::string why = too_large(size); !why.empty()) ctx.fail("size: " + why);
    scale_h_ = resize_scale(in_h_, out_h_, align_corners_);
    scale_w_ = resize_scale(in_w_, out_w_, align_corners_);
    threads_ = std::max(1, ctx.threads);
    return {n_, out_h_, out_w_, c_};
  }

  bool parallel() const { return n_ * out_h_ > 1 && n_ * out_h_ * out_w_ * c_ >= (1 << 16); }

  Backend backend_;
  bool align_corners_ = false, half_pixel_ = false;
  std::int64_t n_ = 0, in_h_ = 0, in_w_ = 0, c_ = 0, out_h_ = 0, out_w_ = 0;
  float scale_h_ = 1, scale_w_ = 1;
  int threads_ = 1;
};

class ResizeBilinear final : public Resize {
 public:
  using Resize::Resize;

  void prepare(PrepareContext& ctx) override {
    Shape out = prepare_common(ctx);
    dtype_ = ctx.input_dtypes[0];
    if (!is_numeric(dtype_)) ctx.fail("input must be numeric, got " + std::string(to_string(dtype_)));
    ys_.clear();
    xs_.clear();
    if (backend_ == Backend::optimized) {
      for (std::int64_t y = 0; y < out_h_; ++y) ys_.push_back(bilinear_source(y, scale_h_, in_h_, half_pixel_));
      for (std::int64_t x = 0; x < out_w_; ++x) {
        Lerp l = bilinear_source(x, scale_w_, in_w_, half_pixel_);
        xs_.push_back({l.lower * c_, l.upper * c_, l.lerp});  // element offsets within a row
      }
      // Two interpolated rows per thread (see run_optimized).
      scratch_.assign(static_cast<std::size_t>(2 * threads_ * out_w_ * c_), 0.0f);
    }
    ctx.output_dtypes[0] = DType::f32;
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    if (num_elements({n_, out_h_, out_w_, c_}) == 0) return;
    float* out = ctx.out(0).data<float>();
    dispatch_numeric(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* in = ctx.in(0).data<T>();
      if (backend_ == Backend::optimized) run_optimized(in, out);
      else run_reference(in, out);
    });
  }

 private:
  // Horizontal pass of input row `row` (batch folded in): h[x, c] = left + (right - left) * xlerp.
  template <typename T>
  void interpolate_row(const T* in, std::int64_t row, float* __restrict h) const {
    const T* r = in + row * in_w_ * c_;
    const std::int64_t c = c_;
    for (std::int64_t x = 0; x < out_w_; ++x, h += c) {
      const Lerp& xl = xs_[static_cast<std::size_t>(x)];
      const T* __restrict left = r + xl.lower;
      const T* __restrict right = r + xl.upper;
      const float xlerp = xl.lerp;
      for (std::int64_t k = 0; k < c; ++k)
        h[k] = static_cast<float>(left[k]) + (static_cast<float>(right[k]) - static_cast<float>(left[k])) * xlerp;
    }
  }

  // Each thread takes a contiguous band of output rows and keeps the horizontally
  // interpolated input rows it last used: neighbouring output rows share their source
  // rows when upscaling, so each input row is interpolated once, not per output row.
  // The arithmetic is TF's (top and bottom lerps, then the vertical one), bit for bit.
  template <typename T>
  void run_optimized(const T* in, float* out) {
    const std::int64_t out_row = out_w_ * c_, rows = n_ * out_h_;
#pragma omp parallel num_threads(threads_) if (parallel())
    {
      int t = 0, nt = 1;
#ifdef _OPENMP
      t = omp_get_thread_num();
      nt = omp_get_num_threads();
#endif
      float* buf[2] = {scratch_.data() + 2 * t * out_row, scratch_.data() + (2 * t + 1) * out_row};
      std::int64_t held[2] = {-1, -1};  // input row (batch folded in) in each buffer
      // The buffer holding `row`, interpolating it into the one not holding `keep`.
      auto get = [&](std::int64_t row, std::int64_t keep) -> const float* {
        for (int i = 0; i < 2; ++i)
          if (held[i] == row) return buf[i];
        const int i = held[0] == keep ? 1 : 0;
        interpolate_row(in, row, buf[i]);
        held[i] = row;
        return buf[i];
      };
      for (std::int64_t by = rows * t / nt; by < rows * (t + 1) / nt; ++by) {
        const std::int64_t b = by / out_h_, y = by % out_h_;
        const Lerp& yl = ys_[static_cast<std::size_t>(y)];
        const std::int64_t lo = b * in_h_ + yl.lower, hi = b * in_h_ + yl.upper;
        const float* __restrict top = get(lo, hi);
        const float* __restrict bottom = get(hi, lo);
        const float ylerp = yl.lerp;
        float* __restrict o = out + by * out_row;
        for (std::int64_t i = 0; i < out_row; ++i) o[i] = top[i] + (bottom[i] - top[i]) * ylerp;
      }
    }
  }

  template <typename T>
  void run_reference(const T* in, float* out) const {
    for (std::int64_t b = 0; b < n_; ++b)
      for (std::int64_t y = 0; y < out_h_; ++y) {
        const Lerp yl = bilinear_source(y, scale_h_, in_h_, half_pixel_);
        for (std::int64_t x = 0; x < out_w_; ++x) {
          const Lerp xl = bilinear_source(x, scale_w_, in_w_, half_pixel_);
          for (std::int64_t k = 0; k < c_; ++k) {
            auto at = [&](std::int64_t yy, std::int64_t xx) { return static_cast<float>(in[((b * in_h_ + yy) * in_w_ + xx) * c_ + k]); };
            const float tl = at(yl.lower, xl.lower), tr = at(yl.lower, xl.upper);
            const float bl = at(yl.upper, xl.lower), br = at(yl.upper, xl.upper);
            const float top = tl + (tr - tl) * xl.lerp;
            const float bottom = bl + (br - bl) * xl.lerp;
            out[((b * out_h_ + y) * out_w_ + x) * c_ + k] = top + (bottom - top) * yl.lerp;
          }
        }
      }
  }

  DType dtype_ = DType::f32;
  std::vector<Lerp> ys_, xs_;
  std::vector<float> scratch_;
};

class ResizeNearest final : public Resize {
 public:
  using Resize::Resize;

  void prepare(PrepareContext& ctx) override {
    Shape out = prepare_common(ctx);
    esize_ = dtype_size(ctx.input_dtypes[0]);
    ys_.clear();
    xs_.clear();
    if (backend_ == Backend::optimized) {
      for (std::int64_t y = 0; y < out_h_; ++y) ys_.push_back(nearest_source(y, scale_h_, in_h_, align_corners_, half_pixel_));
      for (std::int64_t x = 0; x < out_w_; ++x) xs_.push_back(nearest_source(x, scale_w_, in_w_, align_corners_, half_pixel_));
    }
    ctx.output_dtypes[0] = ctx.input_dtypes[0];
    ctx.output_shapes[0] = out;
  }

  void run(RunContext& ctx) override {
    if (num_elements({n_, out_h_, out_w_, c_}) == 0) return;
    const auto* in = static_cast<const std::byte*>(ctx.in(0).raw());
    auto* out = static_cast<std::byte*>(ctx.out(0).raw());
    const auto pixel = static_cast<std::int64_t>(esize_) * c_;  // bytes per pixel
    if (backend_ == Backend::reference) {
      for (std::int64_t b = 0; b < n_; ++b)
        for (std::int64_t y = 0; y < out_h_; ++y)
          for (std::int64_t x = 0; x < out_w_; ++x) {
            const std::int64_t sy = nearest_source(y, scale_h_, in_h_, align_corners_, half_pixel_);
            const std::int64_t sx = nearest_source(x, scale_w_, in_w_, align_corners_, half_pixel_);
            for (std::int64_t k = 0; k < pixel; ++k)
              out[((b * out_h_ + y) * out_w_ + x) * pixel + k] = in[((b * in_h_ + sy) * in_w_ + sx) * pixel + k];
          }
      return;
    }
#pragma omp parallel for num_threads(threads_) if (parallel()) schedule(static)
    for (std::int64_t by = 0; by < n_ * out_h_; ++by) {
      const std::int64_t b = by / out_h_, y = by % out_h_;
      const std::byte* row = in + (b * in_h_ + ys_[static_cast<std::size_t>(y)]) * in_w_ * pixel;
      std::byte* o = out + by * out_w_ * pixel;
      for (std::int64_t x = 0; x < out_w_; ++x)
        std::memcpy(o + x * pixel, row + xs_[static_cast<std::size_t>(x)] * pixel, static_cast<std::size_t>(pixel));
    }
  }

 private:
  std::size_t esize_ = 4;
  std::vector<std::int64_t> ys_, xs_;
};

}  // namespace

std::unique_ptr<Op> make_resize_bilinear(Backend backend) { return std::make_unique<ResizeBilinear>(backend); }
std::unique_ptr<Op> make_resize_nearest(Backend backend) { return std::make_unique<ResizeNearest>(backend); }

}  // namespace easel::nn
