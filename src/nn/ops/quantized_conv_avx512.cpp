// easel's own int8 convolution kernels (see quantized_conv_avx512.h): AVX-512 intrinsics
// in functions compiled for that target and chosen at run time, so the build stays
// baseline x86-64.
#include "nn/ops/quantized_conv_avx512.h"

// GCC 12's AVX-512 headers build some results from a deliberately uninitialized vector
// (_mm512_undefined_*), which -Wuninitialized reports at every inlined use.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include <omp.h>

namespace easel::nn {
namespace {

#define EASEL_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define EASEL_AVX512_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

// Multiply-adds (vector lanes times reduction) above which a layer is split over threads:
// low, since splitting also keeps the rows each thread writes on its own core for the
// next layer, which reads them split the same way.
constexpr double kParallelMinWork = 20000;

// The epilogue's constants: [lower, upper] merges the activation's clamp with the output
// type's (clamp(clamp(v, floor, clip) + zp, lo, hi) == clamp(v + zp, lower, upper) for
// floor <= clip, rounding being monotonic).
struct Epilogue {
  __m512 zero_point, lower, upper;
};

template <class Y>
EASEL_AVX512 Epilogue make_epilogue(const ConvInt8& p) {
  const float lo = std::numeric_limits<Y>::min(), hi = std::numeric_limits<Y>::max();
  return {_mm512_set1_ps(p.y_zero_point), _mm512_set1_ps(std::max(p.floor + p.y_zero_point, lo)),
          _mm512_set1_ps(std::min(p.clip + p.y_zero_point, hi))};
}

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

// NU neighbouring output vectors: unit i reads rows[ky] + offset + i * src_step and
// writes out + i * out_step, the lanes in `mask` (lanes outside it read the next pixel's
// channels, times weights of 0). Eight units keep eight chains of fused multiply-adds in
// flight, which the FMA units' latency needs to reach their throughput.
template <class Y, int KH, int KW, int NU>
EASEL_AVX512 inline void units_at(const ConvInt8& p, const float* const* rows, std::int64_t offset, std::int64_t src_step, Y* out,
                                  std::int64_t out_step, __mmask16 mask, const float* w, const float* scale, const float* bias,
                                  const Epilogue& e) {
  const std::int64_t kh = KH > 0 ? KH : p.kernel_h, kw = KW > 0 ? KW : p.kernel_w, L = p.lanes, col = p.dilation_w * p.channels;
  // Hidden from the optimizer, which otherwise turns every tap's address into an
  // induction variable of its own and spills them.
  asm("" : "+r"(offset));
  __m512 acc[NU];
#pragma GCC unroll 8
  for (int i = 0; i < NU; ++i) acc[i] = _mm512_setzero_ps();
#pragma GCC unroll 3
  for (std::int64_t ky = 0; ky < kh; ++ky)
#pragma GCC unroll 3
    for (std::int64_t kx = 0; kx < kw; ++kx) {
      const __m512 k = _mm512_loadu_ps(w + (ky * kw + kx) * L);
      const float* at = rows[ky] + offset + kx * col;
#pragma GCC unroll 8
      for (int i = 0; i < NU; ++i)
        acc[i] = _mm512_fmadd_ps(NU == 1 ? _mm512_maskz_loadu_ps(mask, at) : _mm512_loadu_ps(at + i * src_step), k, acc[i]);
    }
#pragma GCC unroll 8
  for (int i = 0; i < NU; ++i) store16(scale, bias, acc[i], out + i * out_step, mask, e);
}

// `units` output vectors of one row (see units_at), the last one's lanes `last_mask`.
// rows: the window's input rows (kernel_h of them), at the first unit's column.
template <class Y, int KH, int KW>
EASEL_AVX512 void row_units(const ConvInt8& p, const float* const* rows, std::int64_t src_step, Y* out, std::int64_t out_step,
                            std::int64_t units, __mmask16 mask, __mmask16 last_mask, std::int64_t lane0, const Epilogue& e) {
  const float* w = p.weights.data() + lane0;
  const float* scale = p.output_scale.data() + lane0;
  const float* bias = p.bias_acc.data() + lane0;
  const std::int64_t full = last_mask == mask ? units : units - 1;
  std::int64_t u = 0;
  for (; u + 8 <= full; u += 8)
    units_at<Y, KH, KW, 8>(p, rows, u * src_step, src_step, out + u * out_step, out_step, mask, w, scale, bias, e);
  for (; u + 4 <= full; u += 4)
    units_at<Y, KH, KW, 4>(p, rows, u * src_step, src_step, out + u * out_step, out_step, mask, w, scale, bias, e);
  for (; u < units; ++u)
    units_at<Y, KH, KW, 1>(p, rows, u * src_step, src_step, out + u * out_step, out_step, u < full ? mask : last_mask, w, scale, bias, e);
}

// 16 bytes of x as floats, less the zero point.
template <class T>
EASEL_AVX512 inline __m512 widen16(__m128i bytes, __m512 zero_point) {
  const __m512i wide = std::is_same_v<T, std::uint8_t> ? _mm512_cvtepu8_epi32(bytes) : _mm512_cvtepi8_epi32(bytes);
  return _mm512_sub_ps(_mm512_cvtepi32_ps(wide), zero_point);
}

// `count` bytes of x widened into dst: q - zero point.
template <class T>
EASEL_AVX512 void widen_row(const T* x, std::int64_t count, float zero_point, float* dst) {
  const __m512 zp = _mm512_set1_ps(zero_point);
  std::int64_t i = 0;
  for (; i + 64 <= count; i += 64) {
    const __m512i bytes = _mm512_loadu_si512(x + i);
    _mm512_storeu_ps(dst + i, widen16<T>(_mm512_castsi512_si128(bytes), zp));
    _mm512_storeu_ps(dst + i + 16, widen16<T>(_mm512_extracti32x4_epi32(bytes, 1), zp));
    _mm512_storeu_ps(dst + i + 32, widen16<T>(_mm512_extracti32x4_epi32(bytes, 2), zp));
    _mm512_storeu_ps(dst + i + 48, widen16<T>(_mm512_extracti32x4_epi32(bytes, 3), zp));
  }
  for (; i + 16 <= count; i += 16) _mm512_storeu_ps(dst + i, widen16<T>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)), zp));
  if (i < count) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (count - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, mask, widen16<T>(_mm_maskz_loadu_epi8(mask, x + i), zp));
  }
}

// KH, KW > 0: fixed at compile time, 0: p's. `scratch`: as run_conv_int8() sizes it.
// Each thread widens the input rows its output rows need into a ring of kernel rows
// (rows of the plane: padding columns of zeros around q - zero point), each input row
// once while it slides through the window; rows above and below the image are one row of
// zeros. The ring stays in L1/L2 where a whole widened image (4 times the bytes) would not.
template <class T, class Y, int KH, int KW>
EASEL_AVX512 void depthwise(const ConvInt8& p, const T* x, Y* y, float* scratch, int threads) {
  const std::int64_t C = p.channels, kh = KH > 0 ? KH : p.kernel_h, ring = p.ring, row_floats = p.row_floats;
  const Epilogue e = make_epilogue<Y>(p);
  const double work = static_cast<double>(p.out_h * p.out_w) * static_cast<double>(p.lanes * p.kernel_h * p.kernel_w);
  const bool parallel = threads > 1 && work > kParallelMinWork;
  const float* zero_row = scratch;
  for (std::int64_t n = 0; n < p.batch; ++n) {
    const T* image = x + n * p.in_h * p.in_w * C;
#pragma omp parallel num_threads(parallel ? threads : 1)
    {
      float* slots = scratch + row_floats * (1 + omp_get_thread_num() * ring);
      std::int64_t held[kDepthwiseMaxRing];
      std::fill(held, held + ring, std::int64_t{-1});
#pragma omp for schedule(static)
      for (std::int64_t oy = 0; oy < p.out_h; ++oy) {
        const float* rows[kDepthwiseMaxRing];
        for (std::int64_t ky = 0; ky < kh; ++ky) {
          const std::int64_t iy = oy * p.stride_h + ky * p.dilation_h - p.pad_top;
          if (iy < 0 || iy >= p.in_h) {
            rows[ky] = zero_row;
            continue;
          }
          float* slot = slots + (iy % ring) * row_floats;
          if (held[iy % ring] != iy) {
            widen_row(image + iy * p.in_w * C, p.in_w * C, p.x_zero_point, slot + p.pad_left * C);
            held[iy % ring] = iy;
          }
          rows[ky] = slot;
        }
        Y* out = y + (n * p.out_h + oy) * p.out_w * C;
        if (p.packed) {  // 16 / C pixels per vector
          const std::int64_t per = 16 / C, units = (p.out_w + per - 1) / per, rest = p.out_w - (units - 1) * per;
          row_units<Y, KH, KW>(p, rows, 16, out, 16, units, 0xffff, __mmask16((1u << (rest * C)) - 1), 0, e);
        } else {
          for (std::int64_t c = 0; c < C; c += 16) {
            const __mmask16 mask = C - c >= 16 ? __mmask16(0xffff) : __mmask16((1u << (C - c)) - 1);
            const float* at[kDepthwiseMaxRing];
            for (std::int64_t ky = 0; ky < kh; ++ky) at[ky] = rows[ky] + c;
            row_units<Y, KH, KW>(p, at, p.stride_w * C, out + c, C, p.out_w, mask, mask, c, e);
          }
        }
      }
    }
  }
}

// Dense layers: each output pixel's reduction (its window's taps times the input
// channels, `reduction` bytes) gathered into a row of `row_bytes` (a multiple of 4), as
// unsigned bytes: uint8 input as it is, int8 input plus 128 (x ^ 0x80) with the zero point
// shifted alike. Taps in the padding get the zero point (so q - zp = 0 there). The row's
// tail is left as it is: its weights are 0. `end`: the end of the input, which no load
// may pass.
template <class T>
EASEL_AVX512 void gather_row(const ConvInt8& p, const T* image, const T* end, std::int64_t oy, std::uint8_t* rows) {
  const std::int64_t C = p.channels, span = p.kernel_w * C, kh = p.kernel_h, row_bytes = p.row_bytes, in_w = p.in_w;
  const std::int64_t in_row = p.dilation_h * in_w * C, step = p.stride_w * C;
  constexpr bool flipped = std::is_same_v<T, std::int8_t>;
  const std::uint8_t zp = static_cast<std::uint8_t>(p.x_zero_point + (flipped ? 128 : 0));
  const __m128i flip = _mm_set1_epi8(flipped ? static_cast<char>(0x80) : 0);
  const std::int64_t iy0 = oy * p.stride_h - p.pad_top;
  // Interior columns [ox_begin, ox_end): every tap inside the image.
  std::int64_t ox_begin = 0, ox_end = 0;
  while (ox_begin < p.out_w && ox_begin * p.stride_w - p.pad_left < 0) ++ox_begin;
  for (std::int64_t ox = p.out_w; ox > ox_begin; --ox)
    if ((ox - 1) * p.stride_w - p.pad_left + (p.kernel_w - 1) * p.dilation_w < in_w) {
      ox_end = ox;
      break;
    }
  ox_end = std::max(ox_end, ox_begin);
  // The window's rows in one 16-byte load and store each where they fit: the bytes past
  // `span` land in the next taps' place (or the tail, or the next pixel's start; the
  // buffer has 16 to spare after each output row), which the stores after overwrite.
  const bool rows_inside = iy0 >= 0 && iy0 + (kh - 1) * p.dilation_h < p.in_h;
  const bool whole = rows_inside && ox_end > ox_begin && p.dilation_w == 1 && span <= 16 &&
                     image + ((iy0 + (kh - 1) * p.dilation_h) * in_w + (ox_end - 1) * p.stride_w - p.pad_left) * C + 16 <= end;
  if (whole) {
    const T* src = image + (iy0 * in_w + ox_begin * p.stride_w - p.pad_left) * C;
    std::uint8_t* dst = rows + ox_begin * row_bytes;
    for (std::int64_t ox = ox_begin; ox < ox_end; ++ox, src += step, dst += row_bytes)
      for (std::int64_t ky = 0; ky < kh; ++ky)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + ky * span),
                         _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + ky * in_row)), flip));
  }
  for (std::int64_t ox = 0; ox < p.out_w; ++ox) {
    if (whole && ox == ox_begin) ox = ox_end;
    if (ox >= p.out_w) break;
    std::uint8_t* row = rows + ox * row_bytes;
    const std::int64_t ix0 = ox * p.stride_w - p.pad_left;
    for (std::int64_t ky = 0; ky < kh; ++ky) {
      const std::int64_t iy = iy0 + ky * p.dilation_h;
      std::uint8_t* dst = row + ky * span;
      for (std::int64_t kx = 0; kx < p.kernel_w; ++kx) {
        const std::int64_t ix = ix0 + kx * p.dilation_w;
        const bool inside = iy >= 0 && iy < p.in_h && ix >= 0 && ix < in_w;
        const T* src = inside ? image + (iy * in_w + ix) * C : image;
        for (std::int64_t c = 0; c < C; ++c)
          dst[kx * C + c] = inside ? static_cast<std::uint8_t>(static_cast<std::uint8_t>(src[c]) ^ (flipped ? 0x80 : 0)) : zp;
      }
    }
  }
}

// NU neighbouring pixels' output channels [16 b, 16 b + 16): pixel i's row at
// rows + i * row_bytes, its output at out + i * out_step, the lanes in `mask`. VNNI's
// dpbusd multiplies four unsigned bytes of the row (broadcast) by four signed weight bytes
// per lane and adds them to an int32 accumulator, exactly. A weight wider than int8 is
// the sum of `parts` int8 parts, each with its own pass over the row.
template <class Y, int NU>
EASEL_AVX512_VNNI inline void dense_units(const ConvInt8& p, const std::uint8_t* rows, Y* out, std::int64_t out_step, std::int64_t b,
                                          __mmask16 mask, const Epilogue& e) {
  const std::int64_t groups = p.row_bytes / 4, parts = p.parts, stride = p.row_bytes;
  asm("" : "+r"(rows));  // as in units_at
  const __m512i* w = reinterpret_cast<const __m512i*>(p.packed_weights.data()) + b * parts * groups;
  __m512i acc[NU];
#pragma GCC unroll 8
  for (int i = 0; i < NU; ++i) acc[i] = _mm512_setzero_si512();
  if (parts == 1) {  // the general loop below, without the part loop: 15% faster (measured)
    for (std::int64_t g = 0; g < groups; ++g) {
      const __m512i k = _mm512_loadu_si512(w + g);
#pragma GCC unroll 8
      for (int i = 0; i < NU; ++i) {
        std::int32_t four;
        std::memcpy(&four, rows + i * stride + 4 * g, 4);
        acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_set1_epi32(four), k);
      }
    }
  } else {
    for (std::int64_t g = 0; g < groups; ++g)
      for (std::int64_t part = 0; part < parts; ++part) {
        const __m512i k = _mm512_loadu_si512(w + part * groups + g);
#pragma GCC unroll 8
        for (int i = 0; i < NU; ++i) {
          std::int32_t four;
          std::memcpy(&four, rows + i * stride + 4 * g, 4);
          acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_set1_epi32(four), k);
        }
      }
  }
  // sum (x - zp) * k = sum x * k - zp * sum k; below 2^24 in magnitude, so exact as float.
  const __m512i correction = _mm512_loadu_si512(p.zero_point_sum.data() + 16 * b);
  const float* scale = p.output_scale.data() + 16 * b;
  const float* bias = p.bias_acc.data() + 16 * b;
#pragma GCC unroll 8
  for (int i = 0; i < NU; ++i) store16(scale, bias, _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i], correction)), out + i * out_step, mask, e);
}

template <class T, class Y>
EASEL_AVX512_VNNI void dense(const ConvInt8& p, const T* x, Y* y, std::uint8_t* rows) {
  const std::int64_t C = p.channels, O = p.out_channels;
  const Epilogue e = make_epilogue<Y>(p);
  const double work = static_cast<double>(p.out_h * p.out_w) * static_cast<double>(p.lanes * p.row_bytes * p.parts);
  const bool parallel = work > kParallelMinWork;
  for (std::int64_t n = 0; n < p.batch; ++n) {
    const T* image = x + n * p.in_h * p.in_w * C;
#pragma omp parallel for schedule(static) if (parallel)
    for (std::int64_t oy = 0; oy < p.out_h; ++oy) {
      // A pointwise layer on uint8 reads its input as it is. Gathered rows leave 16 bytes
      // between output rows, for gather_row's last store (another thread may be gathering
      // the next row).
      const std::uint8_t* row = reinterpret_cast<const std::uint8_t*>(image + oy * p.in_w * C);
      if (!p.direct) {
        std::uint8_t* gathered = rows + oy * (p.out_w * p.row_bytes + 16);
        gather_row(p, image, image + p.in_h * p.in_w * C, oy, gathered);
        row = gathered;
      }
      Y* out = y + (n * p.out_h + oy) * p.out_w * O;
      for (std::int64_t b = 0; b * 16 < O; ++b) {
        const __mmask16 mask = O - 16 * b >= 16 ? __mmask16(0xffff) : __mmask16((1u << (O - 16 * b)) - 1);
        std::int64_t ox = 0;
        for (; ox + 8 <= p.out_w; ox += 8) dense_units<Y, 8>(p, row + ox * p.row_bytes, out + ox * O + 16 * b, O, b, mask, e);
        for (; ox < p.out_w; ++ox) dense_units<Y, 1>(p, row + ox * p.row_bytes, out + ox * O + 16 * b, O, b, mask, e);
      }
    }
  }
}

template <class T, class Y>
void dispatch_window(const ConvInt8& p, const void* x, void* y, float* scratch, int threads) {
  const T* in = static_cast<const T*>(x);
  Y* out = static_cast<Y*>(y);
  if (!p.depthwise) dense<T, Y>(p, in, out, reinterpret_cast<std::uint8_t*>(scratch));
  else if (p.kernel_h == 3 && p.kernel_w == 3) depthwise<T, Y, 3, 3>(p, in, out, scratch, threads);
  else depthwise<T, Y, 0, 0>(p, in, out, scratch, threads);
}

}  // namespace

bool conv_int8_available(bool dense) {
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  static const bool vnni = avx512 && __builtin_cpu_supports("avx512vnni");
  return dense ? vnni : avx512;
}

void prepare_conv_int8(ConvInt8& p, const std::vector<std::int16_t>& k, const std::vector<float>& output_scale,
                       const std::vector<float>& bias_acc) {
  const std::int64_t C = p.channels, O = p.out_channels, taps = p.kernel_h * p.kernel_w;
  const std::int64_t plane_w = std::max(p.pad_left + p.in_w, (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1);
  p.row_floats = (plane_w * C + 15) / 16 * 16;
  p.ring = (p.kernel_h - 1) * p.dilation_h + 1;
  p.packed = p.depthwise && C < 16 && 16 % C == 0 && p.stride_w == 1;
  p.lanes = p.packed ? 16 : (O + 15) / 16 * 16;
  const auto L = static_cast<std::size_t>(p.lanes);
  p.output_scale.assign(L, 0.f);
  p.bias_acc.assign(L, 0.f);
  if (p.depthwise) p.weights.assign(static_cast<std::size_t>(taps) * L, 0.f);
  for (std::size_t lane = 0; lane < L; ++lane) {
    const std::int64_t o = p.packed ? static_cast<std::int64_t>(lane) % C : static_cast<std::int64_t>(lane);
    if (o >= O) continue;
    p.output_scale[lane] = output_scale[static_cast<std::size_t>(o)];
    p.bias_acc[lane] = bias_acc[static_cast<std::size_t>(o)];
    if (p.depthwise)  // O == C: output channel o reads input channel o
      for (std::int64_t t = 0; t < taps; ++t) p.weights[static_cast<std::size_t>(t) * L + lane] = k[static_cast<std::size_t>(t * C + o)];
  }
  if (p.depthwise) return;
  // Dense: weights [block of 16 outputs][part][group of 4 reduction bytes][16 lanes][4].
  const std::int64_t reduction = taps * C, blocks = p.lanes / 16;
  p.row_bytes = (reduction + 3) / 4 * 4;
  p.direct = !p.signed_input && taps == 1 && C % 4 == 0 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 && p.pad_left == 0 &&
             p.out_h == p.in_h && p.out_w == p.in_w;
  int widest = 0;
  for (std::int16_t v : k) widest = std::max(widest, std::abs(static_cast<int>(v)));
  p.parts = std::max(1, (widest + 126) / 127);
  const std::int64_t groups = p.row_bytes / 4;
  p.packed_weights.assign(static_cast<std::size_t>(blocks * p.parts * groups * 64), 0);
  p.zero_point_sum.assign(L, 0);
  const std::int32_t zp = static_cast<std::int32_t>(p.x_zero_point) + (p.signed_input ? 128 : 0);
  for (std::int64_t o = 0; o < O; ++o) {
    std::int32_t sum = 0;
    for (std::int64_t r = 0; r < reduction; ++r) {
      const int v = k[static_cast<std::size_t>(r * O + o)];
      sum += v;
      for (std::int64_t part = 0; part < p.parts; ++part) {  // near-equal parts, each within int8
        const int piece = v / p.parts + (part < std::abs(v % p.parts) ? (v < 0 ? -1 : 1) : 0);
        const std::int64_t at = (((o / 16) * p.parts + part) * groups + r / 4) * 64 + (o % 16) * 4 + r % 4;
        p.packed_weights[static_cast<std::size_t>(at)] = static_cast<std::int8_t>(piece);
      }
    }
    p.zero_point_sum[static_cast<std::size_t>(o)] = zp * sum;
  }
}

void run_conv_int8(const ConvInt8& p, const void* x, DType in, void* y, DType out, std::vector<float>& scratch) {
  // Depthwise: a row of zeros, then each thread's ring of rows, zeroed once (later runs
  // write only the rows' interiors); 32 floats of slack let a row's last vector read
  // whole. Every row starts on a cache line: with channels a multiple of 16, no load then
  // splits across two lines. Dense layers keep their gathered rows there instead.
  const int threads = omp_get_max_threads();
  const std::int64_t floats = p.depthwise ? p.row_floats * (1 + threads * p.ring)
                              : p.direct  ? 0
                                          : p.out_h * (p.out_w * p.row_bytes + 16) / 4;
  const auto size = static_cast<std::size_t>(floats + 32 + 16);
  if (scratch.size() < size) scratch.assign(size, 0.f);
  float* aligned = scratch.data() + (64 - reinterpret_cast<std::uintptr_t>(scratch.data()) % 64) % 64 / sizeof(float);
  if (in == DType::u8 && out == DType::u8) dispatch_window<std::uint8_t, std::uint8_t>(p, x, y, aligned, threads);
  else if (in == DType::u8) dispatch_window<std::uint8_t, std::int8_t>(p, x, y, aligned, threads);
  else if (out == DType::u8) dispatch_window<std::int8_t, std::uint8_t>(p, x, y, aligned, threads);
  else dispatch_window<std::int8_t, std::int8_t>(p, x, y, aligned, threads);
}

}  // namespace easel::nn
