#include "nn/op.h"

#include "easel/error.h"

namespace easel::nn {

const Tensor& PrepareContext::constant(int i, const char* what) const {
  if (!has_input(i) || !input_constants[static_cast<std::size_t>(i)])
    fail(std::string("input ") + std::to_string(i) + " (" + what + ") must be a constant");
  return *input_constants[static_cast<std::size_t>(i)];
}

void PrepareContext::fail(const std::string& message) const {
  throw Error(ErrorCode::bad_model, "Node '" + node.name + "' (" + node.op + ") in " + graph.source + ": " + message + ".");
}

void PrepareContext::expect_inputs(int min, int max) const {
  if (num_inputs() < min || num_inputs() > max)
    fail("expected " + (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)) + " inputs, got " +
         std::to_string(num_inputs()));
  // The first `min` inputs are required: a model may not leave one out (a TFLite tensor
  // index of -1 where an op needs a value; the kernels read every required input).
  for (int i = 0; i < min; ++i)
    if (!has_input(i)) fail("input " + std::to_string(i) + " is required but the model leaves it out");
}

}  // namespace easel::nn
