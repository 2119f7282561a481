#include "easel/tensor.h"

#include <cstdlib>
#include <cstring>

#include "core/half.h"
#include "easel/error.h"

namespace easel {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32:
    case DType::i32:
      return 4;
    case DType::i64:
      return 8;
    case DType::u8:
    case DType::i8:
    case DType::boolean:
      return 1;
    case DType::f16:
      return 2;
  }
  return 1;
}

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "float32";
    case DType::i32:
      return "int32";
    case DType::i64:
      return "int64";
    case DType::u8:
      return "uint8";
    case DType::i8:
      return "int8";
    case DType::boolean:
      return "bool";
    case DType::f16:
      return "float16";
  }
  return "?";
}

DType dtype_from_string(std::string_view name) {
  for (DType d : {DType::f32, DType::i32, DType::i64, DType::u8, DType::i8, DType::boolean, DType::f16})
    if (name == to_string(d)) return d;
  if (name == "float" || name.empty()) return DType::f32;  // TF.js's spelling, and its default
  throw Error(ErrorCode::bad_input,
              "'" + std::string(name) + "' is not a dtype easel knows (float32, int32, int64, uint8, int8, bool, float16).");
}

std::int64_t num_elements(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace detail {
void throw_size_mismatch(const Shape& shape, std::size_t count) {
  throw Error(ErrorCode::bad_input,
              "Tensor::from got " + std::to_string(count) + " values for shape " + to_string(shape) + ", which holds " +
                  std::to_string(num_elements(shape)) + ".",
              "Give as many values as the shape's dimensions multiply to.");
}
}  // namespace detail

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  // Checked: a shape whose byte count would wrap (a hostile file's) is refused, not allocated
  // as a few bytes and then written past.
  std::uint64_t count = 1;
  const std::uint64_t limit = (std::uint64_t{1} << 62) / dtype_size(dtype_);
  for (auto d : shape_) {
    if (d < 0 || (d > 0 && count > limit / static_cast<std::uint64_t>(d)))
      throw Error(ErrorCode::bad_input, "Cannot allocate a tensor of shape " + to_string(shape_) + ".");
    count *= static_cast<std::uint64_t>(d);
  }
  std::size_t n = bytes();
  std::size_t padded = (n + 63) / 64 * 64;
  if (padded == 0) padded = 64;
  void* p = std::aligned_alloc(64, padded);
  if (!p)
    throw Error(ErrorCode::bad_input, "Out of memory allocating " + std::to_string(n) + " bytes for a tensor of shape " + to_string(shape_) + ".",
                "The machine has not enough free memory for it; use smaller inputs.");
  std::memset(p, 0, padded);
  storage_ = std::shared_ptr<void>(p, std::free);
  data_ = p;
}

Tensor Tensor::wrap(DType dtype, Shape shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  return t;
}

double Tensor::at(std::int64_t i) const {
  switch (dtype_) {
    case DType::f32:
      return data<float>()[i];
    case DType::i32:
      return data<std::int32_t>()[i];
    case DType::i64:
      return static_cast<double>(data<std::int64_t>()[i]);
    case DType::u8:
      return data<std::uint8_t>()[i];
    case DType::i8:
      return data<std::int8_t>()[i];
    case DType::boolean:
      return data<bool>()[i];
    case DType::f16:
      return detail::half_to_float(data<std::uint16_t>()[i]);
  }
  return 0;
}

Tensor Tensor::reshaped(Shape shape) const {
  if (num_elements(shape) != size())
    throw Error(ErrorCode::bad_input, "Cannot reshape " + to_string(shape_) + " to " + to_string(shape) + ".");
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (bytes()) std::memcpy(t.data_, data_, bytes());
  return t;
}

namespace {
template <typename To>
void convert(const Tensor& from, To* out) {
  const std::int64_t n = from.size();
  switch (from.dtype()) {
    case DType::f32:
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(from.data<float>()[i]);
      break;
    case DType::i32:
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(from.data<std::int32_t>()[i]);
      break;
    case DType::i64:
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(from.data<std::int64_t>()[i]);
      break;
    case DType::u8:
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(from.data<std::uint8_t>()[i]);
      break;
    case DType::i8:
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(from.data<std::int8_t>()[i]);
      break;
    case DType::boolean:
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(from.data<bool>()[i]);
      break;
    case DType::f16:
      for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(detail::half_to_float(from.data<std::uint16_t>()[i]));
      break;
  }
}
}  // namespace

Tensor Tensor::cast(DType to) const {
  if (to == dtype_) return clone();
  Tensor t(to, shape_);
  switch (to) {
    case DType::f32:
      convert(*this, t.data<float>());
      break;
    case DType::i32:
      convert(*this, t.data<std::int32_t>());
      break;
    case DType::i64:
      convert(*this, t.data<std::int64_t>());
      break;
    case DType::u8:
      convert(*this, t.data<std::uint8_t>());
      break;
    case DType::i8:
      convert(*this, t.data<std::int8_t>());
      break;
    case DType::boolean: {
      Tensor f = cast(DType::f32);
      for (std::int64_t i = 0; i < size(); ++i) t.data<bool>()[i] = f.data<float>()[i] != 0.0f;
      break;
    }
    case DType::f16: {
      Tensor f = cast(DType::f32);
      for (std::int64_t i = 0; i < size(); ++i) t.data<std::uint16_t>()[i] = detail::float_to_half(f.data<float>()[i]);
      break;
    }
  }
  return t;
}

}  // namespace easel
