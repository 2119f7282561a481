// dequantize and quantize: affine quantization as TFLite defines it, real = (q - zero_point)
// * scale, per tensor or per channel along `axis`. They sit at the edges of a quantized
// model run in float (TFLite importer), so that a uint8 model takes and returns uint8
// like TFLite does. One implementation serves both backends: these are single passes
// over memory with nothing for oneDNN to add, and the arithmetic is TFLite's reference.
#include <emmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "nn/ops/broadcast.h"
#include "nn/ops/quant_common.h"
#include "nn/ops/quant_ops.h"

namespace easel::nn {
namespace {

// The scales and zero points of a node, one pair per channel of `axis` (one channel
// when per-tensor), read and checked in prepare().
struct AffineParams {
  std::vector<double> scale;
  std::vector<std::int32_t> zero_point;
  std::int64_t inner = 1;     // elements between consecutive channels
  std::int64_t channels = 1;  // size of the quantized axis (1: per-tensor)

  void parse(const PrepareContext& ctx, const Shape& shape, std::int64_t zp_min, std::int64_t zp_max) {
    const Attrs& a = ctx.node.attrs;
    scale = a.get_floats("scale");
    if (scale.empty()) ctx.fail("attribute 'scale' is empty");
    for (double s : scale)
      if (!std::isfinite(s) || s < 0) ctx.fail("scale " + std::to_string(s) + " is not a finite non-negative number");
    std::vector<std::int64_t> zp = a.get_ints("zero_point", {0});
    if (zp.empty()) zp = {0};
    if (zp.size() != 1 && zp.size() != scale.size())
      ctx.fail(std::to_string(scale.size()) + " scales but " + std::to_string(zp.size()) + " zero points");
    zero_point.clear();
    for (std::size_t c = 0; c < scale.size(); ++c) {
      const std::int64_t z = zp[zp.size() == 1 ? 0 : c];
      if (z < zp_min || z > zp_max) ctx.fail("zero point " + std::to_string(z) + " is outside the range of the integer type");
      zero_point.push_back(static_cast<std::int32_t>(z));
    }
    inner = 1;
    channels = 1;
    if (scale.size() > 1) {
      const auto rank = static_cast<std::int64_t>(shape.size());
      std::int64_t axis = a.get_int("axis", 0);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank)
        ctx.fail("axis " + std::to_string(a.get_int("axis", 0)) + " is out of range for shape " + to_string(shape));
      if (shape[static_cast<std::size_t>(axis)] != static_cast<std::int64_t>(scale.size()))
        ctx.fail(std::to_string(scale.size()) + " scales for dimension " + std::to_string(axis) + " of shape " + to_string(shape));
      channels = static_cast<std::int64_t>(scale.size());
      for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
    }
  }

  std::size_t channel(std::int64_t i) const { return channels == 1 ? 0 : static_cast<std::size_t>((i / inner) % channels); }
};

template <class Fn>
void visit_int(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::u8:
      fn(std::uint8_t{});
      break;
    case DType::i8:
      fn(std::int8_t{});
      break;
    case DType::i32:
      fn(std::int32_t{});
      break;
    default:
      break;
  }
}

class Dequantize final : public Op {
 public:
  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    const DType in = ctx.input_dtypes[0];
    if (in != DType::u8 && in != DType::i8 && in != DType::i32)
      ctx.fail(std::string("input must be uint8, int8 or int32, not ") + to_string(in));
    std::int64_t lo = 0, hi = 0;
    visit_int(in, [&](auto t) {
      lo = std::numeric_limits<decltype(t)>::min();
      hi = std::numeric_limits<decltype(t)>::max();
    });
    params_.parse(ctx, ctx.input_shapes[0], lo, hi);
    ctx.output_dtypes[0] = DType::f32;
    ctx.output_shapes[0] = ctx.input_shapes[0];
    threads_ = ctx.threads;
  }

  void run(RunContext& ctx) override {
    const Tensor& x = ctx.in(0);
    float* y = ctx.out(0).data<float>();
    visit_int(x.dtype(), [&](auto t) {
      using T = decltype(t);
      const T* q = x.data<T>();
      const float scale = static_cast<float>(params_.scale[0]), zp = static_cast<float>(params_.zero_point[0]);
      if (sizeof(T) == 1 && params_.channels == 1 && static_cast<double>(scale) == params_.scale[0]) {
        // 8-bit q and one scale that float holds exactly (a TFLite file's always is): the
        // product of the scale and the small integer q - zp is exact in double, so one
        // float multiply rounds it the same way, and vectorizes.
        parallel_ranges(x.size(), threads_, [&](std::int64_t begin, std::int64_t end) {
          for (std::int64_t i = begin; i < end; ++i) y[i] = scale * (static_cast<float>(q[i]) - zp);
        });
        return;
      }
      parallel_ranges(x.size(), threads_, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          const std::size_t c = params_.channel(i);
          // TFLite's reference: the product in double, then rounded to float once.
          y[i] = static_cast<float>(params_.scale[c] * static_cast<double>(static_cast<std::int64_t>(q[i]) - params_.zero_point[c]));
        }
      });
    });
  }

 private:
  AffineParams params_;
  int threads_ = 1;
};

class Quantize final : public Op {
 public:
  // The same arithmetic as run()'s general loop, in SSE2 (baseline x86-64, where
  // std::round is a library call and GCC leaves the plain loop scalar): round half away
  // from zero as trunc plus a step when the exact remainder reaches one half. |r| is
  // capped at 2^22 first, which only changes values that saturate anyway, and keeps the
  // int conversion in range. A denormal input (a softmax's far tail) is taken as 0, which
  // it quantizes like, so that the division takes no microcode assist.
  static float quantize_one(float x, float scale, float zp, float lo, float hi) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    float r = (bits & 0x7fffffffu) < 0x00800000u ? 0.f : x / scale;
    r = r != r ? 0.f : std::min(std::max(r, -4194304.f), 4194304.f);  // NaN -> real 0
    float t = static_cast<float>(static_cast<std::int32_t>(r));
    const float f = r - t;  // exact
    t += (f >= 0.5f ? 1.f : 0.f) - (f <= -0.5f ? 1.f : 0.f);
    return std::min(std::max(t + zp, lo), hi);
  }

  // Four lanes of quantize_one.
  static __m128i quantize4(const float* x, __m128 scale, __m128 zp, __m128 lo, __m128 hi) {
    const __m128 v = _mm_loadu_ps(x);
    const __m128i magnitude = _mm_and_si128(_mm_castps_si128(v), _mm_set1_epi32(0x7fffffff));
    const __m128 normal = _mm_castsi128_ps(_mm_cmpgt_epi32(magnitude, _mm_set1_epi32(0x007fffff)));
    __m128 r = _mm_and_ps(_mm_div_ps(_mm_and_ps(v, normal), scale), normal);
    r = _mm_and_ps(r, _mm_cmpord_ps(r, r));
    r = _mm_min_ps(_mm_max_ps(r, _mm_set1_ps(-4194304.f)), _mm_set1_ps(4194304.f));
    __m128 t = _mm_cvtepi32_ps(_mm_cvttps_epi32(r));
    const __m128 f = _mm_sub_ps(r, t), one = _mm_set1_ps(1.f);
    t = _mm_add_ps(t,
                   _mm_sub_ps(_mm_and_ps(_mm_cmpge_ps(f, _mm_set1_ps(0.5f)), one), _mm_and_ps(_mm_cmple_ps(f, _mm_set1_ps(-0.5f)), one)));
    return _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(_mm_add_ps(t, zp), lo), hi));
  }

  template <class T>
  void quantize_per_tensor(const float* x, T* q, std::int64_t n) const {
    const float scale = static_cast<float>(params_.scale[0]), zp = static_cast<float>(params_.zero_point[0]);
    const float lo = static_cast<float>(lo_), hi = static_cast<float>(hi_);
    parallel_ranges(n, threads_, [&](std::int64_t begin, std::int64_t end) {
      const __m128 vs = _mm_set1_ps(scale), vz = _mm_set1_ps(zp), vl = _mm_set1_ps(lo), vh = _mm_set1_ps(hi);
      std::int64_t i = begin;
      for (; i + 16 <= end; i += 16) {
        // Values lie in T's range already: the saturating packs only narrow them.
        const __m128i a = _mm_packs_epi32(quantize4(x + i, vs, vz, vl, vh), quantize4(x + i + 4, vs, vz, vl, vh));
        const __m128i b = _mm_packs_epi32(quantize4(x + i + 8, vs, vz, vl, vh), quantize4(x + i + 12, vs, vz, vl, vh));
        const __m128i bytes = std::is_same_v<T, std::uint8_t> ? _mm_packus_epi16(a, b) : _mm_packs_epi16(a, b);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), bytes);
      }
      for (; i < end; ++i) q[i] = static_cast<T>(static_cast<std::int32_t>(quantize_one(x[i], scale, zp, lo, hi)));
    });
  }

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    if (ctx.input_dtypes[0] != DType::f32) ctx.fail(std::string("input must be float32, not ") + to_string(ctx.input_dtypes[0]));
    out_ = quantized_dtype(ctx);
    visit_int(out_, [&](auto t) {
      lo_ = std::numeric_limits<decltype(t)>::min();
      hi_ = std::numeric_limits<decltype(t)>::max();
    });
    params_.parse(ctx, ctx.input_shapes[0], lo_, hi_);
    for (double s : params_.scale)
      if (s == 0) ctx.fail("a scale of 0 cannot quantize");
    ctx.output_dtypes[0] = out_;
    ctx.output_shapes[0] = ctx.input_shapes[0];
    threads_ = ctx.threads;
  }

  void run(RunContext& ctx) override {
    const float* x = ctx.in(0).data<float>();
    Tensor& y = ctx.out(0);
    visit_int(out_, [&](auto t) {
      using T = decltype(t);
      T* q = y.data<T>();
      if (params_.channels == 1) return quantize_per_tensor(x, q, y.size());
      parallel_ranges(y.size(), threads_, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
          const std::size_t c = params_.channel(i);
          // TFLite's AffineQuantize: round(x / scale) half away from zero, in float, plus
          // the zero point, clamped to the type. Clamped in float first so that huge
          // values and infinities cannot overflow the integer conversion; NaN has no
          // quantized value and maps to the zero point (real 0).
          const float r = std::round(x[i] / static_cast<float>(params_.scale[c]));
          const float zp = static_cast<float>(params_.zero_point[c]);
          float v = std::isnan(r) ? zp : r + zp;
          v = std::min(std::max(v, static_cast<float>(lo_)), static_cast<float>(hi_));
          q[i] = static_cast<T>(static_cast<std::int32_t>(v));
        }
      });
    });
  }

 private:
  AffineParams params_;
  DType out_ = DType::u8;
  std::int64_t lo_ = 0, hi_ = 255;
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_dequantize(Backend) { return std::make_unique<Dequantize>(); }
std::unique_ptr<Op> make_quantize(Backend) { return std::make_unique<Quantize>(); }

}  // namespace easel::nn
