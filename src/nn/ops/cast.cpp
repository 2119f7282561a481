// cast: converts x to the dtype named by attribute `to`. Float to integer truncates
// toward zero and saturates (NaN gives 0); anything to bool is x != 0 (see
// scalar::convert). The optimized backend picks one conversion loop for the dtype pair
// in prepare() and splits it across threads.
#include <cstring>
#include <memory>
#include <string>

#include "core/half.h"
#include "nn/ops/broadcast.h"
#include "nn/ops/elementwise_ops.h"
#include "nn/ops/reference/elementwise_reference.h"

namespace easel::nn {
namespace {

using CastFn = void (*)(void* out, const void* in, std::int64_t n);

// Half floats are stored as uint16 bits; this tag names them in the loop templates.
struct Half {};

template <class From, class To>
void cast_loop(void* out, const void* in, std::int64_t n) {
  if constexpr (std::is_same_v<From, Half> && std::is_same_v<To, Half>) {
    std::memcpy(out, in, static_cast<std::size_t>(n) * 2);
  } else if constexpr (std::is_same_v<From, Half>) {
    To* __restrict o = static_cast<To*>(out);
    const auto* __restrict x = static_cast<const std::uint16_t*>(in);
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::convert<To>(detail::half_to_float(x[i]));
  } else if constexpr (std::is_same_v<To, Half>) {
    auto* __restrict o = static_cast<std::uint16_t*>(out);
    const From* __restrict x = static_cast<const From*>(in);
    for (std::int64_t i = 0; i < n; ++i) o[i] = detail::float_to_half(scalar::convert<float>(x[i]));
  } else {
    To* __restrict o = static_cast<To*>(out);
    const From* __restrict x = static_cast<const From*>(in);
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::convert<To>(x[i]);
  }
}

// Calls fn(T{}) with the element type of any tensor dtype (Half for float16).
template <class Fn>
void visit_any_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32:
      fn(float{});
      break;
    case DType::i32:
      fn(std::int32_t{});
      break;
    case DType::i64:
      fn(std::int64_t{});
      break;
    case DType::u8:
      fn(std::uint8_t{});
      break;
    case DType::i8:
      fn(std::int8_t{});
      break;
    case DType::boolean:
      fn(bool{});
      break;
    case DType::f16:
      fn(Half{});
      break;
  }
}

class Cast final : public Op {
 public:
  explicit Cast(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(1, 1);
    const std::string to = ctx.node.attrs.get_string("to");
    static constexpr DType kAll[] = {DType::f32, DType::i32, DType::i64, DType::u8, DType::i8, DType::boolean, DType::f16};
    bool known = false;
    for (DType d : kAll) {
      if (to != to_string(d)) continue;
      to_ = d;
      known = true;
    }
    if (!known) ctx.fail("unknown target dtype '" + to + "' (float32, int32, int64, uint8, int8, bool or float16 expected)");
    const DType from = ctx.input_dtypes[0];
    visit_any_dtype(from, [&](auto f) { visit_any_dtype(to_, [&](auto t) { fn_ = &cast_loop<decltype(f), decltype(t)>; }); });
    ctx.output_dtypes[0] = to_;
    ctx.output_shapes[0] = ctx.input_shapes[0];
    size_ = num_elements(ctx.input_shapes[0]);
    in_bytes_ = static_cast<std::int64_t>(dtype_size(from));
    out_bytes_ = static_cast<std::int64_t>(dtype_size(to_));
    threads_ = ctx.threads;
  }

  void run(RunContext& ctx) override {
    if (backend_ == Backend::reference) {
      reference_cast(ctx.in(0), ctx.out(0));
      return;
    }
    const auto* in = static_cast<const char*>(ctx.in(0).raw());
    auto* out = static_cast<char*>(ctx.out(0).raw());
    const CastFn fn = fn_;
    parallel_ranges(size_, threads_,
                    [&](std::int64_t begin, std::int64_t end) { fn(out + begin * out_bytes_, in + begin * in_bytes_, end - begin); });
  }

  double flops() const override { return static_cast<double>(size_); }

 private:
  Backend backend_;
  DType to_ = DType::f32;
  CastFn fn_ = nullptr;
  std::int64_t size_ = 0, in_bytes_ = 0, out_bytes_ = 0;
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<Op> make_cast(Backend backend) { return std::make_unique<Cast>(backend); }

}  // namespace easel::nn
