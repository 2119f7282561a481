// instance_norm: each image's channels normalised over their own pixels (Ulyanov et al.),
// y = scale * (x - mean) / sqrt(variance + epsilon) + offset, mean and variance per (n, c)
// over H and W. Fast style transfer normalises this way after every convolution (ml5
// writes it as tf.moments over axes [0, 1]); ONNX calls it InstanceNormalization.
// The reference kernel takes the mean first and then the mean squared deviation, in
// double, as the formula reads. The optimized one gathers sum and sum of squares in one
// pass (double, so E[x^2] - E[x]^2 loses nothing that matters at float precision), split
// over threads by rows of pixels, then writes y = (x - mean_c) * a_c + offset_c with the activation (subtracting
// the mean first, as TF.js does: a folded a_c * x + b_c cancels badly when the mean is
// large against the spread).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nn/ops/broadcast.h"
#include "nn/ops/normalization_ops.h"

namespace easel::nn {
namespace {

class InstanceNorm final : public Op {
 public:
  explicit InstanceNorm(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 3);
    for (int i = 0; i < ctx.num_inputs(); ++i)
      if (ctx.has_input(i) && ctx.input_dtypes[static_cast<std::size_t>(i)] != DType::f32)
        ctx.fail("input " + std::to_string(i) + " must be float32, got " + to_string(ctx.input_dtypes[static_cast<std::size_t>(i)]));
    const Shape& x = ctx.input_shapes[0];
    if (x.size() < 3) ctx.fail("x must be [N, ..., C] with at least one spatial dimension, got " + to_string(x));
    batch_ = x.front();
    channels_ = x.back();
    pixels_ = 1;
    for (std::size_t d = 1; d + 1 < x.size(); ++d) pixels_ *= x[d];
    for (int i = 1; i <= 2; ++i) {
      if (!ctx.has_input(i)) continue;
      const std::int64_t n = num_elements(ctx.input_shapes[static_cast<std::size_t>(i)]);
      if (n != channels_)
        ctx.fail(std::string(i == 1 ? "scale" : "offset") + " " + to_string(ctx.input_shapes[static_cast<std::size_t>(i)]) + " must have " +
                 std::to_string(channels_) + " values, one per channel of x " + to_string(x));
    }
    epsilon_ = ctx.node.attrs.get_float("epsilon", 1e-5);
    if (!(epsilon_ >= 0)) ctx.fail("epsilon must be 0 or more, got " + std::to_string(epsilon_));
    const std::string act = ctx.node.attrs.get_string("activation", "none");
    if (act != "none" && act != "relu") ctx.fail("activation '" + act + "' is not one instance_norm applies (none, relu)");
    relu_ = act == "relu";
    threads_ = ctx.threads;
    ctx.output_dtypes[0] = DType::f32;
    ctx.output_shapes[0] = x;
  }

  void run(RunContext& ctx) override {
    const float* x = ctx.in(0).data<float>();
    const float* scale = ctx.inputs.size() > 1 && ctx.inputs[1] ? ctx.in(1).data<float>() : nullptr;
    const float* offset = ctx.inputs.size() > 2 && ctx.inputs[2] ? ctx.in(2).data<float>() : nullptr;
    float* y = ctx.out(0).data<float>();
    if (batch_ * pixels_ * channels_ == 0) return;  // nothing to normalise (and no channel to divide by)
    const auto C = static_cast<std::size_t>(channels_);
    std::vector<double> mean(C), var(C);
    std::vector<float> m(C), a(C), b(C);
    for (std::int64_t n = 0; n < batch_; ++n) {
      const float* xn = x + n * pixels_ * channels_;
      float* yn = y + n * pixels_ * channels_;
      if (backend_ == Backend::reference)
        moments_two_pass(xn, mean, var);
      else
        moments_one_pass(xn, mean, var);
      for (std::size_t c = 0; c < C; ++c) {
        const double s = scale ? scale[c] : 1.0, o = offset ? offset[c] : 0.0;
        const double inv = 1.0 / std::sqrt(var[c] + epsilon_);
        m[c] = static_cast<float>(mean[c]);
        a[c] = static_cast<float>(s * inv);
        b[c] = static_cast<float>(o);
      }
      if (backend_ == Backend::reference) {
        for (std::int64_t p = 0; p < pixels_; ++p)
          for (std::size_t c = 0; c < C; ++c) {
            const std::size_t i = static_cast<std::size_t>(p) * C + c;
            const double s = scale ? scale[c] : 1.0, o = offset ? offset[c] : 0.0;
            const double v = s * (xn[i] - mean[c]) / std::sqrt(var[c] + epsilon_) + o;
            yn[i] = static_cast<float>(relu_ ? std::max(v, 0.0) : v);
          }
        continue;
      }
      const float* pm = m.data();
      const float* pa = a.data();
      const float* pb = b.data();
      parallel_ranges(pixels_ * channels_, threads_, [&](std::int64_t begin, std::int64_t end) {
        // Rows of whole pixels, so the channel index restarts at 0 on each.
        std::int64_t p = begin / channels_, last = (end + channels_ - 1) / channels_;
        for (; p < last; ++p) {
          const float* xp = xn + p * channels_;
          float* yp = yn + p * channels_;
          const std::int64_t c0 = std::max<std::int64_t>(begin - p * channels_, 0);
          const std::int64_t c1 = std::min<std::int64_t>(end - p * channels_, channels_);
          if (relu_)
            for (std::int64_t c = c0; c < c1; ++c) yp[c] = std::max((xp[c] - pm[c]) * pa[c] + pb[c], 0.0f);
          else
            for (std::int64_t c = c0; c < c1; ++c) yp[c] = (xp[c] - pm[c]) * pa[c] + pb[c];
        }
      });
    }
  }

  double flops() const override { return 5.0 * static_cast<double>(batch_ * pixels_ * channels_); }

 private:
  void moments_two_pass(const float* x, std::vector<double>& mean, std::vector<double>& var) const {
    const auto C = static_cast<std::size_t>(channels_);
    std::fill(mean.begin(), mean.end(), 0.0);
    std::fill(var.begin(), var.end(), 0.0);
    for (std::int64_t p = 0; p < pixels_; ++p)
      for (std::size_t c = 0; c < C; ++c) mean[c] += x[static_cast<std::size_t>(p) * C + c];
    for (std::size_t c = 0; c < C; ++c) mean[c] /= static_cast<double>(pixels_);
    for (std::int64_t p = 0; p < pixels_; ++p)
      for (std::size_t c = 0; c < C; ++c) {
        const double d = x[static_cast<std::size_t>(p) * C + c] - mean[c];
        var[c] += d * d;
      }
    for (std::size_t c = 0; c < C; ++c) var[c] /= static_cast<double>(pixels_);
  }

  void moments_one_pass(const float* x, std::vector<double>& mean, std::vector<double>& var) const {
    const auto C = static_cast<std::size_t>(channels_);
    std::vector<double> sum(C, 0.0), sum_sq(C, 0.0);
    // Each thread sums whole pixels into its own row, merged after.
    int tasks = 1;
#ifdef _OPENMP
    if (threads_ > 1 && pixels_ * channels_ >= kParallelMinElements) tasks = std::max(1, std::min<int>(threads_, static_cast<int>(pixels_ / 64)));
#endif
    std::vector<double> partial(static_cast<std::size_t>(tasks) * 2 * C, 0.0);
    auto sum_range = [&](int t) {
      double* s = partial.data() + static_cast<std::size_t>(t) * 2 * C;
      double* q = s + C;
      const std::int64_t p0 = pixels_ * t / tasks, p1 = pixels_ * (t + 1) / tasks;
      for (std::int64_t p = p0; p < p1; ++p) {
        const float* xp = x + static_cast<std::size_t>(p) * C;
        for (std::size_t c = 0; c < C; ++c) {
          const double v = xp[c];
          s[c] += v;
          q[c] += v * v;
        }
      }
    };
#ifdef _OPENMP
#pragma omp parallel for num_threads(tasks) schedule(static) if (tasks > 1)
#endif
    for (int t = 0; t < tasks; ++t) sum_range(t);
    for (int t = 0; t < tasks; ++t)
      for (std::size_t c = 0; c < C; ++c) {
        sum[c] += partial[static_cast<std::size_t>(t) * 2 * C + c];
        sum_sq[c] += partial[static_cast<std::size_t>(t) * 2 * C + C + c];
      }
    const double n = static_cast<double>(pixels_);
    for (std::size_t c = 0; c < C; ++c) {
      mean[c] = sum[c] / n;
      var[c] = std::max(sum_sq[c] / n - mean[c] * mean[c], 0.0);
    }
  }

  Backend backend_;
  std::int64_t batch_ = 0, channels_ = 0, pixels_ = 0;
  double epsilon_ = 1e-5;
  bool relu_ = false;
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_instance_norm(Backend backend) { return std::make_unique<InstanceNorm>(backend); }

}  // namespace easel::nn
