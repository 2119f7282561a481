// Factories of the elementwise ops (see README.md beside this file). The binary and
// unary ops are one class each, parametrised by kind (binary.cpp, unary.cpp).
#pragma once

#include <cstdint>
#include <memory>

#include <oneapi/dnnl/dnnl_types.h>

#include "nn/op.h"

namespace easel::nn {

// A oneDNN eltwise primitive over n contiguous float32 elements, built once in
// prepare() (unary.cpp; binary.cpp uses it for pow with a constant exponent).
class FloatEltwise {
 public:
  virtual ~FloatEltwise() = default;
  virtual void run(const float* in, float* out) = 0;  // allocation-free on our side
};
// Null where oneDNN would not pay off: fewer than a few thousand elements (its per-call
// overhead dominates), or no JIT implementation on this CPU (its reference one is slower
// than our loops).
std::unique_ptr<FloatEltwise> make_float_eltwise(dnnl_alg_kind_t algorithm, float alpha, float beta, std::int64_t n);

// binary.cpp: numpy-broadcasting binary ops (prelu is x, alpha)
std::unique_ptr<Op> make_add(Backend backend);
std::unique_ptr<Op> make_sub(Backend backend);
std::unique_ptr<Op> make_mul(Backend backend);
std::unique_ptr<Op> make_div(Backend backend);
std::unique_ptr<Op> make_maximum(Backend backend);
std::unique_ptr<Op> make_minimum(Backend backend);
std::unique_ptr<Op> make_pow(Backend backend);
std::unique_ptr<Op> make_squared_difference(Backend backend);
std::unique_ptr<Op> make_floor_div(Backend backend);
std::unique_ptr<Op> make_floor_mod(Backend backend);
std::unique_ptr<Op> make_prelu(Backend backend);
std::unique_ptr<Op> make_equal(Backend backend);
std::unique_ptr<Op> make_not_equal(Backend backend);
std::unique_ptr<Op> make_less(Backend backend);
std::unique_ptr<Op> make_less_equal(Backend backend);
std::unique_ptr<Op> make_greater(Backend backend);
std::unique_ptr<Op> make_greater_equal(Backend backend);
std::unique_ptr<Op> make_logical_and(Backend backend);
std::unique_ptr<Op> make_logical_or(Backend backend);
// unary.cpp
std::unique_ptr<Op> make_relu(Backend backend);
std::unique_ptr<Op> make_relu6(Backend backend);
std::unique_ptr<Op> make_sigmoid(Backend backend);
std::unique_ptr<Op> make_tanh(Backend backend);
std::unique_ptr<Op> make_exp(Backend backend);
std::unique_ptr<Op> make_log(Backend backend);
std::unique_ptr<Op> make_sqrt(Backend backend);
std::unique_ptr<Op> make_rsqrt(Backend backend);
std::unique_ptr<Op> make_square(Backend backend);
std::unique_ptr<Op> make_abs(Backend backend);
std::unique_ptr<Op> make_neg(Backend backend);
std::unique_ptr<Op> make_reciprocal(Backend backend);
std::unique_ptr<Op> make_floor(Backend backend);
std::unique_ptr<Op> make_ceil(Backend backend);
std::unique_ptr<Op> make_round(Backend backend);
std::unique_ptr<Op> make_sign(Backend backend);
std::unique_ptr<Op> make_sin(Backend backend);
std::unique_ptr<Op> make_cos(Backend backend);
std::unique_ptr<Op> make_softplus(Backend backend);
std::unique_ptr<Op> make_elu(Backend backend);
std::unique_ptr<Op> make_selu(Backend backend);
std::unique_ptr<Op> make_hard_swish(Backend backend);
std::unique_ptr<Op> make_erf(Backend backend);
std::unique_ptr<Op> make_logical_not(Backend backend);
std::unique_ptr<Op> make_leaky_relu(Backend backend);
std::unique_ptr<Op> make_clip(Backend backend);
// add_n.cpp, softmax.cpp, cast.cpp, select.cpp
std::unique_ptr<Op> make_add_n(Backend backend);
std::unique_ptr<Op> make_softmax(Backend backend);
std::unique_ptr<Op> make_log_softmax(Backend backend);
std::unique_ptr<Op> make_cast(Backend backend);
std::unique_ptr<Op> make_select(Backend backend);
}  // namespace easel::nn
