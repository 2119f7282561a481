// select(cond, a, b): a where cond else b, all three broadcast numpy-style (TF SelectV2).
// Elements are moved as raw bits, so one loop per element size serves every dtype. The
// optimized backend collapses the broadcast once in prepare() (broadcast.h); a row whose
// condition is a single broadcast value becomes a copy or a fill from one side.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "nn/ops/broadcast.h"
#include "nn/ops/elementwise_ops.h"
#include "nn/ops/reference/elementwise_reference.h"

namespace easel::nn {
namespace {

using SelectRowFn = void (*)(void* out, const bool* cond, const void* a, const void* b, std::int64_t n);

// T: an unsigned integer of the element's size. SC/SA/SB: how cond, a and b advance
// along the row (0: broadcast, 1: contiguous).
template <class T, int SC, int SA, int SB>
void select_row(void* out, const bool* cond, const void* a, const void* b, std::int64_t n) {
  T* __restrict o = static_cast<T*>(out);
  const T* __restrict x = static_cast<const T*>(a);
  const T* __restrict y = static_cast<const T*>(b);
  if constexpr (SC == 0) {
    const bool take_a = *cond;
    const T* src = take_a ? x : y;
    if (take_a ? SA == 1 : SB == 1) std::memcpy(o, src, static_cast<std::size_t>(n) * sizeof(T));
    else std::fill(o, o + n, *src);
  } else {
    // A bitwise blend on a 0 / all-ones mask: GCC does not vectorize `c[i] ? x[i] : y[i]`
    // (it reads as conditional loads), this it does. Bools are stored as bytes 0 or 1.
    const auto* __restrict c = reinterpret_cast<const unsigned char*>(cond);
    for (std::int64_t i = 0; i < n; ++i) {
      const T mask = static_cast<T>(T(0) - static_cast<T>(c[i]));
      o[i] = static_cast<T>((x[i * SA] & mask) | (y[i * SB] & static_cast<T>(~mask)));
    }
  }
}

template <class T>
SelectRowFn pick_row(int sc, int sa, int sb) {
  static constexpr SelectRowFn kFns[2][2][2] = {
      {{&select_row<T, 0, 0, 0>, &select_row<T, 0, 0, 1>}, {&select_row<T, 0, 1, 0>, &select_row<T, 0, 1, 1>}},
      {{&select_row<T, 1, 0, 0>, &select_row<T, 1, 0, 1>}, {&select_row<T, 1, 1, 0>, &select_row<T, 1, 1, 1>}}};
  return kFns[sc][sa][sb];
}

class Select final : public Op {
 public:
  explicit Select(Backend backend) : backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(3, 3);
    if (ctx.input_dtypes[0] != DType::boolean) ctx.fail(std::string("condition must be bool, got ") + to_string(ctx.input_dtypes[0]));
    const DType dtype = ctx.input_dtypes[1];
    if (ctx.input_dtypes[2] != dtype)
      ctx.fail(std::string("a and b must have the same dtype, got ") + to_string(dtype) + " and " + to_string(ctx.input_dtypes[2]));
    const std::array<Shape, 3> shapes{ctx.input_shapes[0], ctx.input_shapes[1], ctx.input_shapes[2]};
    std::optional<Shape> out = broadcast_shapes(shapes);
    if (!out) ctx.fail("cannot broadcast shapes " + to_string(shapes[0]) + ", " + to_string(shapes[1]) + " and " + to_string(shapes[2]));
    ctx.output_dtypes[0] = dtype;
    ctx.output_shapes[0] = *out;
    elem_bytes_ = static_cast<std::int64_t>(dtype_size(dtype));
    flops_ = static_cast<double>(num_elements(*out));
    threads_ = ctx.threads;

    use_reference_ = backend_ == Backend::reference || !plan_.init(shapes);
    if (use_reference_) return;
    const int sc = static_cast<int>(plan_.inner_stride(0)), sa = static_cast<int>(plan_.inner_stride(1)),
              sb = static_cast<int>(plan_.inner_stride(2));
    switch (elem_bytes_) {
      case 1:
        row_ = pick_row<std::uint8_t>(sc, sa, sb);
        break;
      case 2:
        row_ = pick_row<std::uint16_t>(sc, sa, sb);
        break;
      case 4:
        row_ = pick_row<std::uint32_t>(sc, sa, sb);
        break;
      default:
        row_ = pick_row<std::uint64_t>(sc, sa, sb);
        break;
    }
  }

  void run(RunContext& ctx) override {
    if (use_reference_) {
      reference_select(ctx.in(0), ctx.in(1), ctx.in(2), ctx.out(0));
      return;
    }
    const bool* c = ctx.in(0).data<bool>();
    const auto* a = static_cast<const char*>(ctx.in(1).raw());
    const auto* b = static_cast<const char*>(ctx.in(2).raw());
    auto* o = static_cast<char*>(ctx.out(0).raw());
    parallel_ranges(plan_.size(), threads_, [&](std::int64_t begin, std::int64_t end) {
      plan_.for_range(begin, end, [&](std::int64_t at, const BroadcastPlan<3>::Offsets& from, std::int64_t n) {
        row_(o + at * elem_bytes_, c + from[0], a + from[1] * elem_bytes_, b + from[2] * elem_bytes_, n);
      });
    });
  }

  double flops() const override { return flops_; }

 private:
  Backend backend_;
  bool use_reference_ = true;
  BroadcastPlan<3> plan_;
  SelectRowFn row_ = nullptr;
  std::int64_t elem_bytes_ = 1;
  int threads_ = 1;
  double flops_ = 0;
};

}  // namespace

std::unique_ptr<Op> make_select(Backend backend) { return std::make_unique<Select>(backend); }

}  // namespace easel::nn
