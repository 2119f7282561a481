// Rounding for the int8 ops' epilogues (quantized_conv.cpp, quantized_add.cpp).
#pragma once

#include <algorithm>

namespace easel::nn {

// v rounded to the nearest integer, ties to even (as oneDNN rounds), for |v| < 2^22: the
// float 1.5 * 2^23 trick. On baseline x86-64 (no SSE4.1 roundps) std::nearbyint is a
// library call per element, which made these loops several times slower and kept them
// from vectorizing.
inline float round_to_int(float v) { return (v + 12582912.f) - 12582912.f; }

// The integer q = saturate(round(v) + zero_point) in [lo, hi], as a float.
inline float requantize(float v, float zero_point, float lo, float hi) { return round_to_int(std::clamp(v + zero_point, lo, hi)); }

}  // namespace easel::nn
