// Binary elementwise ops with numpy broadcasting: arithmetic, comparisons, logic and
// prelu. One op class, parametrised by BinaryKind. prepare() collapses the broadcast
// into rows (see broadcast.h) and picks, for the (kind, dtype, row stride pattern), one
// tight loop that the compiler vectorizes; run() only walks rows and calls it.
// (Plain loops rather than oneDNN's binary primitive: these ops are memory-bound, so
// the loops are as fast, and they cover ints, bool and every broadcast.)
#include <array>
#include <memory>
#include <optional>
#include <string>

#include "nn/ops/broadcast.h"
#include "nn/ops/elementwise_ops.h"
#include "nn/ops/reference/elementwise_reference.h"

namespace easel::nn {
namespace {

// One row: n outputs from inputs that advance by SA / SB (0: broadcast, 1: contiguous).
using RowFn = void (*)(void* out, const void* a, const void* b, std::int64_t n);

template <BinaryKind K, class T, int SA, int SB>
void binary_row(void* out, const void* a, const void* b, std::int64_t n) {
  using R = BinaryResult<K, T>;
  R* __restrict o = static_cast<R*>(out);
  const T* __restrict x = static_cast<const T*>(a);
  const T* __restrict y = static_cast<const T*>(b);
  // A broadcast operand is hoisted into a local so the loop body is a pure vector op.
  if constexpr (SA == 1 && SB == 1) {
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::binary<K, T>(x[i], y[i]);
  } else if constexpr (SA == 1) {
    const T s = *y;
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::binary<K, T>(x[i], s);
  } else if constexpr (SB == 1) {
    const T s = *x;
    for (std::int64_t i = 0; i < n; ++i) o[i] = scalar::binary<K, T>(s, y[i]);
  } else {
    const R v = scalar::binary<K, T>(*x, *y);
    for (std::int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

// The four stride patterns of one (kind, dtype), indexed [SA][SB].
using RowFns = std::array<std::array<RowFn, 2>, 2>;

template <BinaryKind K, class T>
constexpr RowFns row_fns() {
  return {{{&binary_row<K, T, 0, 0>, &binary_row<K, T, 0, 1>}, {&binary_row<K, T, 1, 0>, &binary_row<K, T, 1, 1>}}};
}

class Binary final : public Op {
 public:
  Binary(BinaryKind kind, Backend backend) : kind_(kind), backend_(backend) {}

  void prepare(PrepareContext& ctx) override {
    ctx.expect_inputs(2, 2);
    const DType dtype = ctx.input_dtypes[0];
    if (ctx.input_dtypes[1] != dtype)
      ctx.fail(std::string("inputs must have the same dtype, got ") + to_string(dtype) + " and " + to_string(ctx.input_dtypes[1]));
    RowFns fns{};
    bool supported = false;
    visit_dtype(dtype, [&](auto t) {
      using T = decltype(t);
      visit_binary_kind(kind_, [&](auto k) {
        constexpr BinaryKind K = decltype(k)::value;
        if constexpr (binary_supports<K, T>()) {
          fns = row_fns<K, T>();
          supported = true;
        }
      });
    });
    if (!supported)
      ctx.fail(std::string("does not support ") + to_string(dtype) + " inputs (" +
               (is_logical(kind_) ? "bool" : "float32, int32 or int64") + " expected)");

    const std::array<Shape, 2> shapes{ctx.input_shapes[0], ctx.input_shapes[1]};
    std::optional<Shape> out = broadcast_shapes(shapes);
    if (!out) ctx.fail("cannot broadcast shapes " + to_string(shapes[0]) + " and " + to_string(shapes[1]));
    ctx.output_dtypes[0] = is_comparison(kind_) ? DType::boolean : dtype;
    ctx.output_shapes[0] = *out;
    flops_ = static_cast<double>(num_elements(*out));

    // pow by a constant scalar (x^2, x^3 in GELU's tanh form...) is one oneDNN eltwise
    // pass instead of a libm powf call per element. Not for exponents +-0.5: oneDNN
    // computes those as sqrt, which disagrees with pow at -inf.
    pow_.reset();
    const Tensor* exponent = ctx.input_constants[1];
    if (backend_ == Backend::optimized && kind_ == BinaryKind::pow && dtype == DType::f32 && exponent && exponent->size() == 1 &&
        num_elements(shapes[0]) == num_elements(*out)) {
      const float e = exponent->data<float>()[0];
      if (e != 0.5f && e != -0.5f) pow_ = make_float_eltwise(dnnl_eltwise_pow, 1.0f, e, num_elements(*out));
      if (pow_) return;
    }

    // A broadcast too irregular for the plan (over kMaxRank dims after collapsing) still
    // runs, on the reference loop.
    use_reference_ = backend_ == Backend::reference || !plan_.init(shapes);
    if (use_reference_) return;
    row_ = fns[static_cast<std::size_t>(plan_.inner_stride(0))][static_cast<std::size_t>(plan_.inner_stride(1))];
    in_bytes_ = static_cast<std::int64_t>(dtype_size(dtype));
    out_bytes_ = static_cast<std::int64_t>(dtype_size(ctx.output_dtypes[0]));
    threads_ = ctx.threads;
  }

  void run(RunContext& ctx) override {
    if (pow_) {
      pow_->run(ctx.in(0).data<float>(), ctx.out(0).data<float>());
      return;
    }
    if (use_reference_) {
      reference_binary(kind_, ctx.in(0), ctx.in(1), ctx.out(0));
      return;
    }
    const auto* a = static_cast<const char*>(ctx.in(0).raw());
    const auto* b = static_cast<const char*>(ctx.in(1).raw());
    auto* o = static_cast<char*>(ctx.out(0).raw());
    parallel_ranges(plan_.size(), threads_, [&](std::int64_t begin, std::int64_t end) {
      plan_.for_range(begin, end, [&](std::int64_t at, const BroadcastPlan<2>::Offsets& from, std::int64_t n) {
        row_(o + at * out_bytes_, a + from[0] * in_bytes_, b + from[1] * in_bytes_, n);
      });
    });
  }

  double flops() const override { return flops_; }

 private:
  BinaryKind kind_;
  Backend backend_;
  bool use_reference_ = true;
  BroadcastPlan<2> plan_;
  RowFn row_ = nullptr;
  std::int64_t in_bytes_ = 0, out_bytes_ = 0;
  int threads_ = 1;
  double flops_ = 0;
  std::unique_ptr<FloatEltwise> pow_;  // set for pow by a constant scalar on oneDNN
};

}  // namespace

#define EASEL_BINARY_FACTORY(name) \
  std::unique_ptr<Op> make_##name(Backend backend) { return std::make_unique<Binary>(BinaryKind::name, backend); }
EASEL_BINARY_KINDS(EASEL_BINARY_FACTORY)
#undef EASEL_BINARY_FACTORY

}  // namespace easel::nn
