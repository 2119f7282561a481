// Helpers shared by the shape and data movement ops (ops/shape_ops.*): reading
// integer lists from attributes or constant inputs, axis normalisation, dtype
// dispatch, and the strided copy that slice, strided_slice and transpose build on.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "easel/error.h"
#include "nn/op.h"

namespace easel::nn::shape_util {

// The integer values of a constant (int32 or int64; small ints accepted too), flattened.
inline std::vector<std::int64_t> ints_of(const PrepareContext& ctx, const Tensor& t, const char* what) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(t.size()));
  for (std::size_t i = 0; i < v.size(); ++i) {
    switch (t.dtype()) {
      case DType::i32:
        v[i] = t.data<std::int32_t>()[i];
        break;
      case DType::i64:
        v[i] = t.data<std::int64_t>()[i];
        break;
      case DType::u8:
        v[i] = t.data<std::uint8_t>()[i];
        break;
      case DType::i8:
        v[i] = t.data<std::int8_t>()[i];
        break;
      default:
        ctx.fail(std::string(what) + " must be int32 or int64, got " + to_string(t.dtype()));
    }
  }
  return v;
}

// An integer list from constant input `input` when the node has that input (TF.js
// passes these as Const nodes), else from attribute `attr`.
inline std::vector<std::int64_t> ints_input_or_attr(const PrepareContext& ctx, int input, const char* attr) {
  if (ctx.has_input(input)) return ints_of(ctx, ctx.constant(input, attr), attr);
  return ctx.node.attrs.get_ints(attr);
}
inline std::vector<std::int64_t> ints_input_or_attr(const PrepareContext& ctx, int input, const char* attr,
                                                    const std::vector<std::int64_t>& fallback) {
  if (ctx.has_input(input)) return ints_of(ctx, ctx.constant(input, attr), attr);
  return ctx.node.attrs.get_ints(attr, fallback);
}

// One integer from a single-element constant input, else the attribute.
inline std::int64_t int_input_or_attr(const PrepareContext& ctx, int input, const char* attr, std::int64_t fallback) {
  if (ctx.has_input(input)) {
    auto v = ints_of(ctx, ctx.constant(input, attr), attr);
    if (v.size() != 1) ctx.fail(std::string(attr) + " must be a single value, got " + std::to_string(v.size()));
    return v[0];
  }
  return ctx.node.attrs.get_int(attr, fallback);
}

// Axis in [-rank, rank) to [0, rank).
inline std::int64_t normalize_axis(const PrepareContext& ctx, std::int64_t axis, std::int64_t rank, const char* what = "axis") {
  if (axis < -rank || axis >= rank)
    ctx.fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

inline std::int64_t product(const Shape& s, std::size_t begin, std::size_t end) {
  std::int64_t n = 1;
  for (std::size_t i = begin; i < end && i < s.size(); ++i) n *= s[i];
  return n;
}

// Row-major element strides.
inline std::vector<std::int64_t> strides_of(const Shape& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (std::size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

inline bool is_integer(DType d) { return d == DType::i32 || d == DType::i64 || d == DType::u8 || d == DType::i8; }
inline bool is_numeric(DType d) { return d == DType::f32 || is_integer(d); }

template <typename T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) with the C++ type of a numeric dtype; false for other dtypes.
template <typename F>
bool dispatch_numeric(DType d, F&& f) {
  switch (d) {
    case DType::f32:
      f(Tag<float>{});
      return true;
    case DType::i32:
      f(Tag<std::int32_t>{});
      return true;
    case DType::i64:
      f(Tag<std::int64_t>{});
      return true;
    case DType::u8:
      f(Tag<std::uint8_t>{});
      return true;
    case DType::i8:
      f(Tag<std::int8_t>{});
      return true;
    default:
      return false;
  }
}

// Calls f(Tag<U>{}) with an unsigned type of the element size: data movement only
// needs the bytes, so one instantiation per size serves every dtype.
template <typename F>
void dispatch_size(std::size_t esize, F&& f) {
  switch (esize) {
    case 1:
      f(Tag<std::uint8_t>{});
      break;
    case 2:
      f(Tag<std::uint16_t>{});
      break;
    case 4:
      f(Tag<std::uint32_t>{});
      break;
    default:
      f(Tag<std::uint64_t>{});
      break;
  }
}

// Converts a double to the bytes of one element of dtype d (for pad's constant_value
// and one_hot's on/off values).
inline void store_scalar(DType d, double value, void* dst) {
  switch (d) {
    case DType::f32: {
      float v = static_cast<float>(value);
      std::memcpy(dst, &v, 4);
      break;
    }
    case DType::i32: {
      auto v = static_cast<std::int32_t>(value);
      std::memcpy(dst, &v, 4);
      break;
    }
    case DType::i64: {
      auto v = static_cast<std::int64_t>(value);
      std::memcpy(dst, &v, 8);
      break;
    }
    case DType::u8: {
      auto v = static_cast<std::uint8_t>(value);
      std::memcpy(dst, &v, 1);
      break;
    }
    case DType::i8: {
      auto v = static_cast<std::int8_t>(value);
      std::memcpy(dst, &v, 1);
      break;
    }
    case DType::boolean: {
      bool v = value != 0;
      std::memcpy(dst, &v, 1);
      break;
    }
    case DType::f16: {
      // Only zero is needed in practice for f16 padding; other values go through a cast.
      Tensor t = Tensor::scalar<float>(static_cast<float>(value)).cast(DType::f16);
      std::memcpy(dst, t.raw(), 2);
      break;
    }
  }
}

// Writes `count` copies of the `esize`-byte element at `value` to dst.
inline void fill_elements(void* dst, const void* value, std::size_t esize, std::int64_t count) {
  if (count <= 0) return;
  dispatch_size(esize, [&](auto tag) {
    using U = typename decltype(tag)::type;
    U v;
    std::memcpy(&v, value, sizeof(U));
    std::fill_n(static_cast<U*>(dst), count, v);
  });
}

// A view of a tensor: element (i0..ik) of the view is at base + sum(i_j * strides[j])
// (strides in elements, possibly negative).
struct View {
  Shape dims;
  std::vector<std::int64_t> strides;
};

// Drops size-1 dims and merges neighbours that are contiguous with each other, so the
// copy loops run over as few, as long runs as possible. Leaves a view with a zero dim
// as it is (it copies nothing).
inline View simplify(const View& v) {
  for (auto d : v.dims)
    if (d == 0) return v;
  View s;
  for (std::size_t i = 0; i < v.dims.size(); ++i) {
    if (v.dims[i] == 1) continue;
    if (!s.dims.empty() && s.strides.back() == v.strides[i] * v.dims[i]) {
      s.dims.back() *= v.dims[i];
      s.strides.back() = v.strides[i];
    } else {
      s.dims.push_back(v.dims[i]);
      s.strides.push_back(v.strides[i]);
    }
  }
  return s;
}

// Copies view `v` of src (base at src) densely, in row-major order, to dst. A
// contiguous innermost dimension is copied with memcpy.
inline void strided_copy(const std::byte* src, std::byte* dst, std::size_t esize, const View& v) {
  const std::size_t rank = v.dims.size();
  if (rank == 0) {
    std::memcpy(dst, src, esize);
    return;
  }
  for (auto d : v.dims)
    if (d == 0) return;
  const std::int64_t inner = v.dims[rank - 1];
  const std::int64_t inner_stride = v.strides[rank - 1];
  std::int64_t rows = 1;
  for (std::size_t i = 0; i + 1 < rank; ++i) rows *= v.dims[i];
  // Odometer over the outer dims; a fixed small array keeps run() allocation-free.
  constexpr std::size_t kMaxRank = 32;
  std::int64_t coord[kMaxRank] = {};
  std::int64_t offset = 0;  // elements from src
  dispatch_size(esize, [&](auto tag) {
    using U = typename decltype(tag)::type;
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::byte* s = src + offset * static_cast<std::int64_t>(esize);
      if (inner_stride == 1) {
        std::memcpy(dst, s, static_cast<std::size_t>(inner) * esize);
      } else {
        U* d = reinterpret_cast<U*>(dst);
        for (std::int64_t i = 0; i < inner; ++i) std::memcpy(d + i, s + i * inner_stride * static_cast<std::int64_t>(esize), sizeof(U));
      }
      dst += static_cast<std::size_t>(inner) * esize;
      for (std::size_t j = rank - 1; j-- > 0;) {
        offset += v.strides[j];
        if (++coord[j] < v.dims[j]) break;
        offset -= v.strides[j] * v.dims[j];
        coord[j] = 0;
      }
    }
  });
}

}  // namespace easel::nn::shape_util
