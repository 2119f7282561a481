#include "nn/ops/reference/conv_reference.h"

#include <algorithm>
#include <limits>

namespace easel::nn::reference {

void conv2d(const ConvShape& s, const float* x, const float* filter, const float* bias, float* y) {
  const Window2D& w = s.window;
  const std::int64_t C = s.in_channels, O = s.out_channels;
  const std::int64_t group_in = C / s.groups, group_out = O / s.groups;
  for (std::int64_t n = 0; n < s.batch; ++n)
    for (std::int64_t oh = 0; oh < w.out_h; ++oh)
      for (std::int64_t ow = 0; ow < w.out_w; ++ow)
        for (std::int64_t o = 0; o < O; ++o) {
          const std::int64_t g = o / group_out;
          double sum = bias ? bias[o] : 0.0;
          for (std::int64_t kh = 0; kh < w.kernel_h; ++kh) {
            const std::int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
            if (ih < 0 || ih >= w.in_h) continue;
            for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const std::int64_t iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
              if (iw < 0 || iw >= w.in_w) continue;
              const float* xp = x + ((n * w.in_h + ih) * w.in_w + iw) * C + g * group_in;
              const float* fp = filter + (kh * w.kernel_w + kw) * group_in * O + o;
              for (std::int64_t i = 0; i < group_in; ++i) sum += static_cast<double>(xp[i]) * fp[i * O];
            }
          }
          y[((n * w.out_h + oh) * w.out_w + ow) * O + o] = static_cast<float>(sum);
        }
}

void conv2d_transpose(const ConvShape& s, const float* x, const float* filter, const float* bias, float* y) {
  const Window2D& w = s.window;
  const std::int64_t C = s.in_channels, O = s.out_channels;
  // Gather form of the scatter "y[ih,iw] += x[oh,ow] * f" of the forward window: every
  // y element sums the x elements whose forward window covered it.
  for (std::int64_t n = 0; n < s.batch; ++n)
    for (std::int64_t yh = 0; yh < w.in_h; ++yh)
      for (std::int64_t yw = 0; yw < w.in_w; ++yw)
        for (std::int64_t o = 0; o < O; ++o) {
          double sum = bias ? bias[o] : 0.0;
          for (std::int64_t kh = 0; kh < w.kernel_h; ++kh) {
            const std::int64_t th = yh + w.pad_top - kh * w.dilation_h;  // = xh * stride_h
            if (th < 0 || th % w.stride_h != 0 || th / w.stride_h >= w.out_h) continue;
            const std::int64_t xh = th / w.stride_h;
            for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const std::int64_t tw = yw + w.pad_left - kw * w.dilation_w;
              if (tw < 0 || tw % w.stride_w != 0 || tw / w.stride_w >= w.out_w) continue;
              const std::int64_t xw = tw / w.stride_w;
              const float* xp = x + ((n * w.out_h + xh) * w.out_w + xw) * C;
              const float* fp = filter + ((kh * w.kernel_w + kw) * O + o) * C;
              for (std::int64_t c = 0; c < C; ++c) sum += static_cast<double>(xp[c]) * fp[c];
            }
          }
          y[((n * w.in_h + yh) * w.in_w + yw) * O + o] = static_cast<float>(sum);
        }
}

void matmul(const MatMulShape& s, const float* a, const float* b, const float* bias, float* out) {
  const int batch_rank = s.rank - 2;
  std::int64_t batches = 1;
  for (int d = 0; d < batch_rank; ++d) batches *= s.batch_dims_out[d];
  const std::int64_t a_matrix = s.m * s.k, b_matrix = s.k * s.n, out_matrix = s.m * s.n;
  for (std::int64_t bi = 0; bi < batches; ++bi) {
    // Split the output batch index into coordinates; a broadcast dim (size 1) reads index 0.
    std::int64_t rest = bi, a_index = 0, b_index = 0, a_stride = 1, b_stride = 1;
    for (int d = batch_rank - 1; d >= 0; --d) {
      const std::int64_t coord = rest % s.batch_dims_out[d];
      rest /= s.batch_dims_out[d];
      if (s.batch_dims_a[d] != 1) a_index += coord * a_stride;
      if (s.batch_dims_b[d] != 1) b_index += coord * b_stride;
      a_stride *= s.batch_dims_a[d];
      b_stride *= s.batch_dims_b[d];
    }
    const float* am = a + a_index * a_matrix;
    const float* bm = b + b_index * b_matrix;
    float* om = out + bi * out_matrix;
    for (std::int64_t i = 0; i < s.m; ++i)
      for (std::int64_t j = 0; j < s.n; ++j) {
        double sum = bias ? bias[j] : 0.0;
        for (std::int64_t p = 0; p < s.k; ++p) {
          const float av = s.transpose_a ? am[p * s.m + i] : am[i * s.k + p];
          const float bv = s.transpose_b ? bm[j * s.k + p] : bm[p * s.n + j];
          sum += static_cast<double>(av) * bv;
        }
        om[i * s.n + j] = static_cast<float>(sum);
      }
  }
}

void pool(PoolKind kind, std::int64_t batch, std::int64_t channels, const Window2D& w, const float* x, float* y, bool count_padding) {
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t oh = 0; oh < w.out_h; ++oh)
      for (std::int64_t ow = 0; ow < w.out_w; ++ow)
        for (std::int64_t c = 0; c < channels; ++c) {
          double sum = 0;
          float best = -std::numeric_limits<float>::infinity();
          std::int64_t count = 0;
          for (std::int64_t kh = 0; kh < w.kernel_h; ++kh) {
            const std::int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
            if (ih < 0 || ih >= w.in_h) continue;
            for (std::int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const std::int64_t iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
              if (iw < 0 || iw >= w.in_w) continue;
              const float v = x[((n * w.in_h + ih) * w.in_w + iw) * channels + c];
              sum += v;
              best = std::max(best, v);
              ++count;
            }
          }
          float& out = y[((n * w.out_h + oh) * w.out_w + ow) * channels + c];
          if (count_padding) count = w.kernel_h * w.kernel_w;
          out = kind == PoolKind::max ? best : static_cast<float>(count ? sum / static_cast<double>(count) : 0.0);
        }
}

}  // namespace easel::nn::reference
