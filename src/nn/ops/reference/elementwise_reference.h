// The semantics of the elementwise ops: the op kinds, their per-element functions
// (shared by both backends, so an optimized loop computes exactly what the reference
// does for one element) and the reference kernels, plain loops that define each op and
// serve as the oracle for the optimized ones.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>

#include "easel/tensor.h"

namespace easel::nn {

// X-macro lists so the enums, factories and dispatch switches cannot drift apart.
#define EASEL_BINARY_KINDS(X)                                                                                                              \
  X(add)                                                                                                                                   \
  X(sub) X(mul) X(div) X(maximum) X(minimum) X(pow) X(squared_difference) X(floor_div) X(floor_mod) X(prelu) X(equal) X(not_equal) X(less) \
      X(less_equal) X(greater) X(greater_equal) X(logical_and) X(logical_or)

#define EASEL_UNARY_KINDS(X)                                                                                                         \
  X(relu)                                                                                                                            \
  X(relu6) X(sigmoid) X(tanh) X(exp) X(log) X(sqrt) X(rsqrt) X(square) X(abs) X(neg) X(reciprocal) X(floor) X(ceil) X(round) X(sign) \
      X(sin) X(cos) X(softplus) X(elu) X(selu) X(hard_swish) X(erf) X(logical_not) X(leaky_relu) X(clip)

#define EASEL_ENUM_ITEM(name) name,
enum class BinaryKind : std::uint8_t { EASEL_BINARY_KINDS(EASEL_ENUM_ITEM) };
enum class UnaryKind : std::uint8_t { EASEL_UNARY_KINDS(EASEL_ENUM_ITEM) };
#undef EASEL_ENUM_ITEM

// Calls fn(std::integral_constant<BinaryKind, kind>{}) so a runtime kind selects a template.
template <class Fn>
decltype(auto) visit_binary_kind(BinaryKind kind, Fn&& fn) {
  switch (kind) {
#define EASEL_KIND_CASE(name) \
  case BinaryKind::name:      \
    return fn(std::integral_constant<BinaryKind, BinaryKind::name>{});
    EASEL_BINARY_KINDS(EASEL_KIND_CASE)
#undef EASEL_KIND_CASE
  }
  return fn(std::integral_constant<BinaryKind, BinaryKind::add>{});  // unreachable: the switch is exhaustive
}

template <class Fn>
decltype(auto) visit_unary_kind(UnaryKind kind, Fn&& fn) {
  switch (kind) {
#define EASEL_KIND_CASE(name) \
  case UnaryKind::name:       \
    return fn(std::integral_constant<UnaryKind, UnaryKind::name>{});
    EASEL_UNARY_KINDS(EASEL_KIND_CASE)
#undef EASEL_KIND_CASE
  }
  return fn(std::integral_constant<UnaryKind, UnaryKind::relu>{});  // unreachable
}

// Calls fn(T{}) with the C++ type of an elementwise-supported dtype; false if unsupported.
template <class Fn>
bool visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32:
      fn(float{});
      return true;
    case DType::i32:
      fn(std::int32_t{});
      return true;
    case DType::i64:
      fn(std::int64_t{});
      return true;
    case DType::boolean:
      fn(bool{});
      return true;
    default:
      return false;
  }
}

constexpr bool is_comparison(BinaryKind k) { return k >= BinaryKind::equal && k <= BinaryKind::greater_equal; }
constexpr bool is_logical(BinaryKind k) { return k == BinaryKind::logical_and || k == BinaryKind::logical_or; }

// Whether binary kind K is defined on element type T (inputs) — prepare() refuses the rest.
template <BinaryKind K, class T>
constexpr bool binary_supports() {
  if constexpr (is_logical(K)) return std::is_same_v<T, bool>;
  else if constexpr (K == BinaryKind::equal || K == BinaryKind::not_equal) return true;
  else return !std::is_same_v<T, bool>;
}
template <BinaryKind K, class T>
using BinaryResult = std::conditional_t<is_comparison(K), bool, T>;

// Unary kinds that keep integer dtypes; the other numeric kinds compute integer inputs
// in float32 and output float32, as TF.js does when it converts such inputs to float.
constexpr bool unary_keeps_int(UnaryKind k) {
  switch (k) {
    case UnaryKind::relu:
    case UnaryKind::relu6:
    case UnaryKind::square:
    case UnaryKind::abs:
    case UnaryKind::neg:
    case UnaryKind::floor:
    case UnaryKind::ceil:
    case UnaryKind::round:
    case UnaryKind::sign:
    case UnaryKind::clip:
      return true;
    default:
      return false;
  }
}

// Attributes of the parametrised unary kinds. Integer clip bounds are precomputed
// (min rounded up, max rounded down) so a clip of ints stays exact and stays integral.
struct UnaryParams {
  float alpha = 0.2f;      // leaky_relu
  float min = 0, max = 0;  // clip
  std::int64_t int_min = 0, int_max = 0;
};
UnaryParams make_unary_params(double alpha, double min, double max);

namespace scalar {

// Integer arithmetic wraps around (two's complement, like TF and TF.js) instead of
// being undefined behaviour: it is done in the unsigned type.
template <class T>
inline T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) + static_cast<std::make_unsigned_t<T>>(b));
  else return a + b;
}
template <class T>
inline T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) - static_cast<std::make_unsigned_t<T>>(b));
  else return a - b;
}
template <class T>
inline T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) * static_cast<std::make_unsigned_t<T>>(b));
  else return a * b;
}

// cond ? a : b for floats, without a branch. Under GCC's default -ftrapping-math a float
// ?: whose arms compute something (alpha * x) is not turned into a vector blend, which
// would leave loops over leaky_relu, prelu and erf scalar; this bitwise blend of the two
// values always vectorizes. Both arms are evaluated, so they must be safe to compute.
inline float blend(bool cond, float a, float b) {
  const std::uint32_t mask = 0u - static_cast<std::uint32_t>(cond);
  return std::bit_cast<float>((std::bit_cast<std::uint32_t>(a) & mask) | (std::bit_cast<std::uint32_t>(b) & ~mask));
}

// Integer floor division (Python / TF FloorDiv). A zero divisor gives 0, as TF.js's
// int32 result of Infinity/NaN does (TF itself reports an error); x / -1 wraps.
template <class T>
inline T floor_div_int(T a, T b) {
  if (b == 0) return 0;
  if (b == -1) return wrap_sub(T(0), a);
  T q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
// The remainder takes the divisor's sign: floor_mod(-7, 3) = 2, floor_mod(7, -3) = -2.
template <class T>
inline T floor_mod_int(T a, T b) {
  if (b == 0 || b == -1) return 0;
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
// TF's google_floor_fmod.
inline float floor_mod_float(float a, float b) {
  float r = std::fmod(a, b);
  return r != 0 && ((b < 0) != (r < 0)) ? r + b : r;
}
// Exponentiation by squaring (TF's integer Pow). A negative exponent gives the
// truncated real result (TF.js): 1 for base 1, +-1 for base -1, otherwise 0.
template <class T>
inline T pow_int(T base, T exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp & 1) ? T(-1) : T(1);
    return 0;
  }
  using U = std::make_unsigned_t<T>;
  U result = 1, b = static_cast<U>(base);
  for (T e = exp; e != 0; e >>= 1) {
    if (e & 1) result *= b;
    b *= b;
  }
  return static_cast<T>(result);
}

template <BinaryKind K, class T>
inline BinaryResult<K, T> binary(T a, T b) {
  using enum BinaryKind;
  constexpr bool is_int = std::is_integral_v<T>;
  if constexpr (K == add) return wrap_add(a, b);
  else if constexpr (K == sub) return wrap_sub(a, b);
  else if constexpr (K == mul) return wrap_mul(a, b);
  else if constexpr (K == div) {
    if constexpr (is_int) return floor_div_int(a, b);  // TF.js divides int32 tensors with floorDiv
    else return a / b;
  } else if constexpr (K == maximum) {
    if constexpr (is_int) return a > b ? a : b;
    else return (a != a || a > b) ? a : b;  // NaN propagates (TF, TF.js)
  } else if constexpr (K == minimum) {
    if constexpr (is_int) return a < b ? a : b;
    else return (a != a || a < b) ? a : b;
  } else if constexpr (K == pow) {
    if constexpr (is_int) return pow_int(a, b);
    else return std::pow(a, b);
  } else if constexpr (K == squared_difference) {
    const T d = wrap_sub(a, b);
    return wrap_mul(d, d);
  } else if constexpr (K == floor_div) {
    if constexpr (is_int) return floor_div_int(a, b);
    else return std::floor(a / b);
  } else if constexpr (K == floor_mod) {
    if constexpr (is_int) return floor_mod_int(a, b);
    else return floor_mod_float(a, b);
  } else if constexpr (K == prelu) {
    if constexpr (is_int) return a > 0 ? a : wrap_mul(b, a);
    else return blend(a > 0, a, b * a);
  } else if constexpr (K == equal) return a == b;
  else if constexpr (K == not_equal) return a != b;
  else if constexpr (K == less) return a < b;
  else if constexpr (K == less_equal) return a <= b;
  else if constexpr (K == greater) return a > b;
  else if constexpr (K == greater_equal) return a >= b;
  else if constexpr (K == logical_and) return a && b;
  else return a || b;  // logical_or
}

// TF's Softplus: log(1 + e^x), switching to x or e^x where that is exact in float.
inline float softplus_tf(float x) {
  const float threshold = std::log(std::numeric_limits<float>::epsilon()) + 2.0f;  // about -13.94
  if (x > -threshold) return x;
  if (x < threshold) return std::exp(x);
  return std::log1p(std::exp(x));
}

// TF's float erf (Eigen's generic_fast_erf_float): a 13/8-degree rational interpolant,
// accurate to a couple of ulp on [-4, 4] and clamped outside, where erf is +-1 in float.
// Branch-free (see blend), so loops over it vectorize; libm's erff does not.
inline float erf_tf(float x) {
  x = blend(x > 4.0f, 4.0f, blend(x < -4.0f, -4.0f, x));  // NaN stays NaN
  const float x2 = x * x;
  float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  p = x2 * p + -2.10102402082508e-06f;
  p = x2 * p + -5.69250639462346e-05f;
  p = x2 * p + -7.34990630326855e-04f;
  p = x2 * p + -2.95459980854025e-03f;
  p = x2 * p + -1.60960333262415e-02f;
  p = x * p;
  float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
  q = x2 * q + -1.68282697438203e-03f;
  q = x2 * q + -7.37332916720468e-03f;
  q = x2 * q + -1.42647390514189e-02f;
  return p / q;
}

inline constexpr float kSeluScale = 1.0507009873554804934193349852946f;
inline constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;

// Kind K on one element. T is float, or an integer type for unary_keeps_int kinds,
// or bool for logical_not. Parameters come by value so loops can keep them in registers.
template <UnaryKind K, class T>
inline T unary(T x, UnaryParams p) {
  using enum UnaryKind;
  if constexpr (K == logical_not) return !x;
  else if constexpr (std::is_integral_v<T>) {
    static_assert(unary_keeps_int(K));
    if constexpr (K == relu) return x < 0 ? T(0) : x;
    else if constexpr (K == relu6) return x < 0 ? T(0) : (x > 6 ? T(6) : x);
    else if constexpr (K == square) return wrap_mul(x, x);
    else if constexpr (K == abs) return x < 0 ? wrap_sub(T(0), x) : x;
    else if constexpr (K == neg) return wrap_sub(T(0), x);
    else if constexpr (K == sign) return static_cast<T>((x > 0) - (x < 0));
    else if constexpr (K == clip) return x < p.int_min ? static_cast<T>(p.int_min) : (x > p.int_max ? static_cast<T>(p.int_max) : x);
    else return x;  // floor, ceil, round: integers already are
  } else {
    // NaN passes through relu, relu6, clip and leaky_relu (TF.js's kernels check for it).
    if constexpr (K == relu) return x < 0 ? 0.0f : x;
    else if constexpr (K == relu6) return x < 0 ? 0.0f : (x > 6 ? 6.0f : x);
    else if constexpr (K == sigmoid) return 1.0f / (1.0f + std::exp(-x));
    else if constexpr (K == tanh) return std::tanh(x);
    else if constexpr (K == exp) return std::exp(x);
    else if constexpr (K == log) return std::log(x);
    else if constexpr (K == sqrt) return std::sqrt(x);
    else if constexpr (K == rsqrt) return 1.0f / std::sqrt(x);
    else if constexpr (K == square) return x * x;
    else if constexpr (K == abs) return std::fabs(x);
    else if constexpr (K == neg) return -x;
    else if constexpr (K == reciprocal) return 1.0f / x;
    else if constexpr (K == floor) return std::floor(x);
    else if constexpr (K == ceil) return std::ceil(x);
    else if constexpr (K == round) return std::nearbyint(x);  // default rounding mode: half to even, as TF
    else if constexpr (K == sign) return x > 0 ? 1.0f : (x < 0 ? -1.0f : (x == 0 ? 0.0f : x));  // NaN stays NaN
    else if constexpr (K == sin) return std::sin(x);
    else if constexpr (K == cos) return std::cos(x);
    else if constexpr (K == softplus) return softplus_tf(x);
    else if constexpr (K == elu) return x < 0 ? std::expm1(x) : x;
    else if constexpr (K == selu) return kSeluScale * (x < 0 ? kSeluAlpha * std::expm1(x) : x);
    else if constexpr (K == hard_swish) {
      const float r = x + 3.0f;
      return x * (r < 0 ? 0.0f : (r > 6 ? 6.0f : r)) / 6.0f;
    } else if constexpr (K == erf) return erf_tf(x);
    else if constexpr (K == leaky_relu) return blend(x < 0, p.alpha * x, x);
    else return x < p.min ? p.min : (x > p.max ? p.max : x);  // clip
  }
}

// One element of a cast. Float to integer truncates toward zero and saturates at the
// target's range, NaN giving 0 (a bare static_cast would be undefined there); anything
// to bool is x != 0, so NaN is true (TF). The float case is written branch-free, with
// the conversion itself always in range, so that cast loops vectorize.
template <class To, class From>
inline To convert(From x) {
  if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    // Both bounds are exact in From: min is 0 or -2^k, max + 1 is 2^k.
    constexpr From lo = static_cast<From>(std::numeric_limits<To>::min());
    constexpr From hi = static_cast<From>(std::numeric_limits<To>::max()) + From(1);
    From c = x == x ? x : From(0);
    c = c < lo ? lo : c;
    const bool over = c >= hi;
    c = over ? From(0) : c;
    const To v = static_cast<To>(c);
    return over ? std::numeric_limits<To>::max() : v;
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace scalar

// Reference kernels. Inputs and output are validated and allocated by the op's prepare();
// shapes broadcast numpy-style where the op broadcasts.
void reference_binary(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& out);
void reference_unary(UnaryKind kind, const UnaryParams& params, const Tensor& x, Tensor& out);
void reference_softmax(bool log, int axis, const Tensor& x, Tensor& out);  // axis already non-negative
void reference_cast(const Tensor& x, Tensor& out);                         // to out's dtype
void reference_select(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out);
void reference_add_n(std::span<const Tensor* const> inputs, Tensor& out);

// Flat offset into an input of shape `in` (right-aligned against `out`, size-1 dims
// broadcast) of the output element with flat index `index`. The slow, obviously correct
// mapping the reference kernels use.
std::int64_t broadcast_source_offset(const Shape& out, const Shape& in, std::int64_t index);

}  // namespace easel::nn
