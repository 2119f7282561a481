// Reference kernels of the elementwise ops: one output element at a time, each input
// element found by unravelling the output index. Slow on purpose: nothing here depends
// on the stride collapsing and fast paths of the optimized kernels it checks.
#include "nn/ops/reference/elementwise_reference.h"

#include <algorithm>
#include <cstring>

#include "core/half.h"
#include "easel/error.h"

namespace easel::nn {

UnaryParams make_unary_params(double alpha, double min, double max) {
  UnaryParams p;
  p.alpha = static_cast<float>(alpha);
  p.min = static_cast<float>(min);
  p.max = static_cast<float>(max);
  // Integer bounds: the integers inside [min, max], kept within int64.
  constexpr double lim = 9.2e18;
  p.int_min = static_cast<std::int64_t>(std::clamp(std::ceil(min), -lim, lim));
  p.int_max = static_cast<std::int64_t>(std::clamp(std::floor(max), -lim, lim));
  return p;
}

std::int64_t broadcast_source_offset(const Shape& out, const Shape& in, std::int64_t index) {
  std::int64_t offset = 0, stride = 1;
  const std::size_t rank = out.size(), in_rank = in.size();
  for (std::size_t k = 0; k < rank; ++k) {  // innermost dim first
    const std::int64_t out_dim = out[rank - 1 - k];
    const std::int64_t coord = index % out_dim;
    index /= out_dim;
    if (k < in_rank) {
      const std::int64_t in_dim = in[in_rank - 1 - k];
      if (in_dim != 1) offset += coord * stride;
      stride *= in_dim;
    }
  }
  return offset;
}

namespace {

[[noreturn]] void unsupported(const char* what, DType dtype) {
  throw Error(ErrorCode::internal, std::string("reference ") + what + ": unexpected dtype " + to_string(dtype) + ".");
}

}  // namespace

void reference_binary(BinaryKind kind, const Tensor& a, const Tensor& b, Tensor& out) {
  bool done = false;
  visit_dtype(a.dtype(), [&](auto t) {
    using T = decltype(t);
    visit_binary_kind(kind, [&](auto k) {
      constexpr BinaryKind K = decltype(k)::value;
      if constexpr (binary_supports<K, T>()) {
        using R = BinaryResult<K, T>;
        const T* x = a.data<T>();
        const T* y = b.data<T>();
        R* o = out.data<R>();
        for (std::int64_t i = 0; i < out.size(); ++i)
          o[i] = scalar::binary<K, T>(x[broadcast_source_offset(out.shape(), a.shape(), i)],
                                      y[broadcast_source_offset(out.shape(), b.shape(), i)]);
        done = true;
      }
    });
  });
  if (!done) unsupported("binary op", a.dtype());
}

void reference_unary(UnaryKind kind, const UnaryParams& params, const Tensor& x, Tensor& out) {
  const std::int64_t n = x.size();
  bool done = false;
  visit_unary_kind(kind, [&](auto k) {
    constexpr UnaryKind K = decltype(k)::value;
    if constexpr (K == UnaryKind::logical_not) {
      if (x.dtype() != DType::boolean) return;
      for (std::int64_t i = 0; i < n; ++i) out.data<bool>()[i] = scalar::unary<K, bool>(x.data<bool>()[i], params);
      done = true;
    } else {
      visit_dtype(x.dtype(), [&](auto t) {
        using T = decltype(t);
        if constexpr (std::is_same_v<T, float>) {
          for (std::int64_t i = 0; i < n; ++i) out.data<float>()[i] = scalar::unary<K, float>(x.data<float>()[i], params);
          done = true;
        } else if constexpr (!std::is_same_v<T, bool>) {
          if constexpr (unary_keeps_int(K)) {
            for (std::int64_t i = 0; i < n; ++i) out.data<T>()[i] = scalar::unary<K, T>(x.data<T>()[i], params);
          } else {
            for (std::int64_t i = 0; i < n; ++i) out.data<float>()[i] = scalar::unary<K, float>(static_cast<float>(x.data<T>()[i]), params);
          }
          done = true;
        }
      });
    }
  });
  if (!done) unsupported("unary op", x.dtype());
}

void reference_softmax(bool log, int axis, const Tensor& x, Tensor& out) {
  if (x.dtype() != DType::f32) unsupported("softmax", x.dtype());
  const Shape& s = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[static_cast<std::size_t>(d)];
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < s.size(); ++d) inner *= s[d];
  const std::int64_t len = s[static_cast<std::size_t>(axis)];
  const float* in = x.data<float>();
  float* o = out.data<float>();
  for (std::int64_t i = 0; i < outer; ++i)
    for (std::int64_t j = 0; j < inner; ++j) {
      const std::int64_t base = i * len * inner + j;
      // Subtracting the max keeps exp() from overflowing; the result is unchanged.
      float max = -std::numeric_limits<float>::infinity();
      for (std::int64_t k = 0; k < len; ++k) max = std::max(max, in[base + k * inner]);
      float sum = 0;
      for (std::int64_t k = 0; k < len; ++k) sum += std::exp(in[base + k * inner] - max);
      for (std::int64_t k = 0; k < len; ++k) {
        const float shifted = in[base + k * inner] - max;
        o[base + k * inner] = log ? shifted - std::log(sum) : std::exp(shifted) / sum;
      }
    }
}

namespace {

// Element i of x converted to To; float16 inputs go through float, the only arithmetic
// type half converts to.
template <class To>
To element_as(const Tensor& x, std::int64_t i) {
  switch (x.dtype()) {
    case DType::f32:
      return scalar::convert<To>(x.data<float>()[i]);
    case DType::i32:
      return scalar::convert<To>(x.data<std::int32_t>()[i]);
    case DType::i64:
      return scalar::convert<To>(x.data<std::int64_t>()[i]);
    case DType::u8:
      return scalar::convert<To>(x.data<std::uint8_t>()[i]);
    case DType::i8:
      return scalar::convert<To>(x.data<std::int8_t>()[i]);
    case DType::boolean:
      return scalar::convert<To>(x.data<bool>()[i]);
    case DType::f16:
      return scalar::convert<To>(detail::half_to_float(x.data<std::uint16_t>()[i]));
  }
  return To{};
}

}  // namespace

void reference_cast(const Tensor& x, Tensor& out) {
  for (std::int64_t i = 0; i < x.size(); ++i) {
    switch (out.dtype()) {
      case DType::f32:
        out.data<float>()[i] = element_as<float>(x, i);
        break;
      case DType::i32:
        out.data<std::int32_t>()[i] = element_as<std::int32_t>(x, i);
        break;
      case DType::i64:
        out.data<std::int64_t>()[i] = element_as<std::int64_t>(x, i);
        break;
      case DType::u8:
        out.data<std::uint8_t>()[i] = element_as<std::uint8_t>(x, i);
        break;
      case DType::i8:
        out.data<std::int8_t>()[i] = element_as<std::int8_t>(x, i);
        break;
      case DType::boolean:
        out.data<bool>()[i] = element_as<bool>(x, i);
        break;
      case DType::f16:  // half to half keeps the bits (NaN payloads included)
        out.data<std::uint16_t>()[i] =
            x.dtype() == DType::f16 ? x.data<std::uint16_t>()[i] : detail::float_to_half(element_as<float>(x, i));
        break;
    }
  }
}

void reference_select(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  const std::size_t elem = dtype_size(out.dtype());
  const bool* c = cond.data<bool>();
  const auto* x = static_cast<const unsigned char*>(a.raw());
  const auto* y = static_cast<const unsigned char*>(b.raw());
  auto* o = static_cast<unsigned char*>(out.raw());
  for (std::int64_t i = 0; i < out.size(); ++i) {
    const bool pick_a = c[broadcast_source_offset(out.shape(), cond.shape(), i)];
    const std::int64_t src = broadcast_source_offset(out.shape(), pick_a ? a.shape() : b.shape(), i);
    std::memcpy(o + static_cast<std::size_t>(i) * elem, (pick_a ? x : y) + static_cast<std::size_t>(src) * elem, elem);
  }
}

void reference_add_n(std::span<const Tensor* const> inputs, Tensor& out) {
  bool done = visit_dtype(out.dtype(), [&](auto t) {
    using T = decltype(t);
    if constexpr (!std::is_same_v<T, bool>) {
      T* o = out.data<T>();
      for (std::int64_t i = 0; i < out.size(); ++i) {
        T sum = inputs[0]->data<T>()[i];
        for (std::size_t k = 1; k < inputs.size(); ++k) sum = scalar::wrap_add(sum, inputs[k]->data<T>()[i]);
        o[i] = sum;
      }
    }
  });
  if (!done || out.dtype() == DType::boolean) unsupported("add_n", out.dtype());
}

}  // namespace easel::nn
