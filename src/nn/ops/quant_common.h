// Shared by the quant ops (quantize.cpp, quantized_conv.cpp, quantized_add.cpp): the
// output dtype attribute, and the rounding of the int8 ops' epilogues.
#pragma once

#include <algorithm>
#include <string>

#include "nn/op.h"

namespace easel::nn {

// Attribute `to`, the integer type an op writes: "uint8" (default) or "int8".
inline DType quantized_dtype(const PrepareContext& ctx) {
  const std::string to = ctx.node.attrs.get_string("to", "uint8");
  if (to != "uint8" && to != "int8") ctx.fail("attribute 'to' must be \"uint8\" or \"int8\", not \"" + to + "\"");
  return to == "uint8" ? DType::u8 : DType::i8;
}

// v rounded to the nearest integer, ties to even (as oneDNN rounds), for |v| < 2^22: the
// float 1.5 * 2^23 trick. On baseline x86-64 (no SSE4.1 roundps) std::nearbyint is a
// library call per element, which made these loops several times slower and kept them
// from vectorizing.
inline float round_to_int(float v) { return (v + 12582912.f) - 12582912.f; }

// The integer q = saturate(round(v) + zero_point) in [lo, hi], as a float.
inline float requantize(float v, float zero_point, float lo, float hi) { return round_to_int(std::clamp(v + zero_point, lo, hi)); }

}  // namespace easel::nn
