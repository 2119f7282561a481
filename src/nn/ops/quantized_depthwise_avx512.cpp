// easel's own int8 depthwise convolution (see quantized_depthwise_avx512.h): AVX-512
// intrinsics in functions compiled for that target and chosen at run time, so the build
// stays baseline x86-64.
#include "nn/ops/quantized_depthwise_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace easel::nn {
namespace {

#define EASEL_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

// The epilogue's constants: [lower, upper] merges the activation's clamp with the output
// type's (clamp(clamp(v, floor, clip) + zp, lo, hi) == clamp(v + zp, lower, upper) for
// floor <= clip, rounding being monotonic).
struct Epilogue {
  __m512 zero_point, lower, upper;
};

// lanes [0, 16) of one output vector: acc (exact integers) through the epilogue, stored.
template <class Y>
EASEL_AVX512 inline void store16(const float* scale, const float* bias, __m512 acc, Y* out, __mmask16 mask, const Epilogue& e) {
  // The _round_ forms keep the compiler from contracting a multiply and an add into one
  // fused multiply-add, which rounds once where the reference rounds twice.
  constexpr int nearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  __m512 v = _mm512_mul_round_ps(_mm512_loadu_ps(scale), _mm512_add_round_ps(acc, _mm512_loadu_ps(bias), nearest), nearest);
  v = _mm512_min_ps(_mm512_max_ps(_mm512_add_round_ps(v, e.zero_point, nearest), e.lower), e.upper);
  const __m128i bytes = _mm512_cvtepi32_epi8(_mm512_cvt_roundps_epi32(v, nearest));
  // A plain store where all lanes go: the masked form costs several times more.
  if (mask == 0xffff) _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
  else _mm_mask_storeu_epi8(out, mask, bytes);
}

// `units` output vectors of one row: unit u reads the plane from src + u * src_step and
// writes out + u * out_step, the lanes in `mask` (the last unit: last_mask). Four units at a
// time, so that four chains of fused multiply-adds overlap their latency.
template <class Y, int KH, int KW>
EASEL_AVX512 void row_units(const DepthwiseInt8& p, const float* src, std::int64_t src_step, Y* out, std::int64_t out_step,
                            std::int64_t units, __mmask16 mask, __mmask16 last_mask, std::int64_t lane0, const Epilogue& e) {
  const std::int64_t kh = KH > 0 ? KH : p.kernel_h, kw = KW > 0 ? KW : p.kernel_w, L = p.lanes;
  const std::int64_t row = p.dilation_h * p.plane_w * p.channels, col = p.dilation_w * p.channels;
  const float* w = p.weights.data() + lane0;
  const float* scale = p.output_scale.data() + lane0;
  const float* bias = p.bias_acc.data() + lane0;
  const std::int64_t full = last_mask == mask ? units : units - 1;
  std::int64_t u = 0;
  for (; u + 4 <= full; u += 4) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const float* s = src + u * src_step;
    // Hidden from the optimizer, which otherwise turns the 36 addresses below into 36
    // induction variables and spills them.
    asm("" : "+r"(s));
#pragma GCC unroll 3
    for (std::int64_t ky = 0; ky < kh; ++ky)
#pragma GCC unroll 3
      for (std::int64_t kx = 0; kx < kw; ++kx) {
        const __m512 k = _mm512_loadu_ps(w + (ky * kw + kx) * L);
        const float* at = s + ky * row + kx * col;
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(at), k, acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(at + src_step), k, acc1);
        acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(at + 2 * src_step), k, acc2);
        acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(at + 3 * src_step), k, acc3);
      }
    Y* o = out + u * out_step;
    // Lanes outside `mask` read the next pixel's channels, times weights of 0.
    store16(scale, bias, acc0, o, mask, e);
    store16(scale, bias, acc1, o + out_step, mask, e);
    store16(scale, bias, acc2, o + 2 * out_step, mask, e);
    store16(scale, bias, acc3, o + 3 * out_step, mask, e);
  }
  for (; u < units; ++u) {
    const __mmask16 lanes = u < full ? mask : last_mask;
    __m512 acc = _mm512_setzero_ps();
    const float* s = src + u * src_step;
    for (std::int64_t ky = 0; ky < kh; ++ky)
      for (std::int64_t kx = 0; kx < kw; ++kx)
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, s + ky * row + kx * col), _mm512_loadu_ps(w + (ky * kw + kx) * L), acc);
    store16(scale, bias, acc, out + u * out_step, lanes, e);
  }
}

// One image's rows [0, in_h) widened into the plane's interior: q - zero point.
template <class T>
EASEL_AVX512 void widen_row(const T* x, std::int64_t count, float zero_point, float* dst) {
  const __m512 zp = _mm512_set1_ps(zero_point);
  for (std::int64_t i = 0; i < count; i += 16) {
    const __mmask16 mask = count - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (count - i)) - 1);
    const __m128i bytes = _mm_maskz_loadu_epi8(mask, x + i);
    const __m512i wide = std::is_same_v<T, std::uint8_t> ? _mm512_cvtepu8_epi32(bytes) : _mm512_cvtepi8_epi32(bytes);
    _mm512_mask_storeu_ps(dst + i, mask, _mm512_sub_ps(_mm512_cvtepi32_ps(wide), zp));
  }
}

template <class T, class Y, int KH, int KW>
EASEL_AVX512 void depthwise(const DepthwiseInt8& p, const T* x, Y* y, float* plane) {
  const std::int64_t C = p.channels, PW = p.plane_w;
  const float lo = std::numeric_limits<Y>::min(), hi = std::numeric_limits<Y>::max();
  const Epilogue e{_mm512_set1_ps(p.y_zero_point), _mm512_set1_ps(std::max(p.floor + p.y_zero_point, lo)),
                   _mm512_set1_ps(std::min(p.clip + p.y_zero_point, hi))};
  const double work = static_cast<double>(p.out_h * p.out_w) * static_cast<double>(p.lanes * p.kernel_h * p.kernel_w);
  const bool parallel = work > 300000;
  for (std::int64_t n = 0; n < p.batch; ++n) {
    const T* image = x + n * p.in_h * p.in_w * C;
#pragma omp parallel for schedule(static) if (parallel)
    for (std::int64_t iy = 0; iy < p.in_h; ++iy)
      widen_row(image + iy * p.in_w * C, p.in_w * C, p.x_zero_point, plane + ((iy + p.pad_top) * PW + p.pad_left) * C);
#pragma omp parallel for schedule(static) if (parallel)
    for (std::int64_t oy = 0; oy < p.out_h; ++oy) {
      const float* src = plane + oy * p.stride_h * PW * C;
      Y* out = y + (n * p.out_h + oy) * p.out_w * C;
      if (p.packed) {  // 16 / C pixels per vector
        const std::int64_t per = 16 / C, units = (p.out_w + per - 1) / per, rest = p.out_w - (units - 1) * per;
        row_units<Y, KH, KW>(p, src, 16, out, 16, units, 0xffff, __mmask16((1u << (rest * C)) - 1), 0, e);
      } else {
        for (std::int64_t c = 0; c < C; c += 16) {
          const __mmask16 mask = C - c >= 16 ? __mmask16(0xffff) : __mmask16((1u << (C - c)) - 1);
          row_units<Y, KH, KW>(p, src + c, p.stride_w * C, out + c, C, p.out_w, mask, mask, c, e);
        }
      }
    }
  }
}

template <class T, class Y>
void dispatch_window(const DepthwiseInt8& p, const void* x, void* y, float* plane) {
  if (p.kernel_h == 3 && p.kernel_w == 3) depthwise<T, Y, 3, 3>(p, static_cast<const T*>(x), static_cast<Y*>(y), plane);
  else depthwise<T, Y, 0, 0>(p, static_cast<const T*>(x), static_cast<Y*>(y), plane);
}

}  // namespace

bool depthwise_int8_available() {
  static const bool available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return available;
}

void prepare_depthwise_int8(DepthwiseInt8& p, const std::vector<std::int16_t>& k, const std::vector<float>& output_scale,
                            const std::vector<float>& bias_acc) {
  const std::int64_t C = p.channels, taps = p.kernel_h * p.kernel_w;
  p.plane_h = std::max(p.pad_top + p.in_h, (p.out_h - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1);
  p.plane_w = std::max(p.pad_left + p.in_w, (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1);
  p.packed = C < 16 && 16 % C == 0 && p.stride_w == 1;
  p.lanes = p.packed ? 16 : (C + 15) / 16 * 16;
  const auto L = static_cast<std::size_t>(p.lanes);
  p.weights.assign(static_cast<std::size_t>(taps) * L, 0.f);
  p.output_scale.assign(L, 0.f);
  p.bias_acc.assign(L, 0.f);
  for (std::size_t lane = 0; lane < L; ++lane) {
    const std::int64_t c = p.packed ? static_cast<std::int64_t>(lane) % C : static_cast<std::int64_t>(lane);
    if (c >= C) continue;
    for (std::int64_t t = 0; t < taps; ++t) p.weights[static_cast<std::size_t>(t) * L + lane] = k[static_cast<std::size_t>(t * C + c)];
    p.output_scale[lane] = output_scale[static_cast<std::size_t>(c)];
    p.bias_acc[lane] = bias_acc[static_cast<std::size_t>(c)];
  }
}

void run_depthwise_int8(const DepthwiseInt8& p, const void* x, DType in, void* y, DType out, std::vector<float>& plane) {
  // Zeros around the interior once: later runs only rewrite the interior. The slack lets
  // a packed row's last vector read whole.
  // The plane starts on a cache line: with channels a multiple of 16, every load then
  // stays within one line (a split load costs two).
  const auto size = static_cast<std::size_t>(p.plane_h * p.plane_w * p.channels + 32);
  if (plane.size() != size) plane.assign(size, 0.f);
  float* aligned = plane.data() + (64 - reinterpret_cast<std::uintptr_t>(plane.data()) % 64) % 64 / sizeof(float);
  if (in == DType::u8 && out == DType::u8) dispatch_window<std::uint8_t, std::uint8_t>(p, x, y, aligned);
  else if (in == DType::u8) dispatch_window<std::uint8_t, std::int8_t>(p, x, y, aligned);
  else if (out == DType::u8) dispatch_window<std::int8_t, std::uint8_t>(p, x, y, aligned);
  else dispatch_window<std::int8_t, std::int8_t>(p, x, y, aligned);
}

}  // namespace easel::nn
