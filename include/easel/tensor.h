// easel::Tensor: an n-dimensional array with a dtype, in row-major order. Images are
// NHWC. Copies share storage (like a shared_ptr); clone() makes an independent copy.
//
//   auto t = easel::Tensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6});
//   std::printf("%s: %g\n", easel::to_string(t.shape()).c_str(), t.data<float>()[4]);   // [2,3]: 5
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace easel {

enum class DType : std::uint8_t { f32, i32, i64, u8, i8, boolean, f16 };

std::size_t dtype_size(DType dtype);
const char* to_string(DType dtype);  // "float32", "int32", ...
// "float32" (or "float"), "int32", ... Throws Error(bad_input) for a name easel has no dtype for.
DType dtype_from_string(std::string_view name);

using Shape = std::vector<std::int64_t>;
std::int64_t num_elements(const Shape& shape);
std::string to_string(const Shape& shape);  // "[1,224,224,3]"

// A model's input or output as it declares it.
struct TensorInfo {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;  // -1: any size
  // A quantized uint8/int8 tensor of a TFLite model: real = scale * (q - zero_point).
  // scale 0: not quantized (or quantized per channel).
  float scale = 0;
  std::int32_t zero_point = 0;
};

namespace detail {
// Tensor::from's error: `count` values do not fill `shape`.
[[noreturn]] void throw_size_mismatch(const Shape& shape, std::size_t count);
}  // namespace detail

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<std::int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<std::uint8_t>() {
  return DType::u8;
}
template <>
constexpr DType dtype_of<std::int8_t>() {
  return DType::i8;
}
template <>
constexpr DType dtype_of<bool>() {
  return DType::boolean;
}

class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-filled, 64-byte aligned storage.
  Tensor(DType dtype, Shape shape);
  // A view of memory owned by someone else; valid while that memory lives.
  static Tensor wrap(DType dtype, Shape shape, void* data);
  template <typename T>
  static Tensor from(Shape shape, const std::vector<T>& values);
  template <typename T>
  static Tensor scalar(T value) {
    return from<T>({}, {value});
  }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t dim(int axis) const { return shape_.at(static_cast<std::size_t>(axis < 0 ? axis + rank() : axis)); }
  std::int64_t size() const { return num_elements(shape_); }  // elements
  std::size_t bytes() const { return static_cast<std::size_t>(size()) * dtype_size(dtype_); }
  bool empty() const { return data_ == nullptr && size() != 0; }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }
  // Element i converted to double, whatever the dtype (for tests and diagnostics).
  double at(std::int64_t i) const;

  // Same storage, new shape with the same number of elements.
  Tensor reshaped(Shape shape) const;
  Tensor clone() const;
  // To another dtype (values converted as static_cast does; f16 supported).
  Tensor cast(DType to) const;

 private:
  DType dtype_ = DType::f32;
  Shape shape_;
  std::shared_ptr<void> storage_;
  void* data_ = nullptr;
};

template <typename T>
Tensor Tensor::from(Shape shape, const std::vector<T>& values) {
  if (static_cast<std::size_t>(num_elements(shape)) != values.size()) detail::throw_size_mismatch(shape, values.size());
  Tensor t(dtype_of<T>(), std::move(shape));
  T* d = t.data<T>();
  for (std::size_t i = 0; i < values.size(); ++i) d[i] = values[i];
  return t;
}

}  // namespace easel
