// A faint, fixed noise under a clip: models that learned from microphones never heard
// digital zeros, whose log energies are extreme. 46 dB under the clip's peak (uniform noise
// with a standard deviation of 0.5% of it), the same on every run.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace easel::detail {

inline void add_room_noise(std::vector<float>& samples, float peak) {
  std::uint32_t state = 0x9e3779b9u;
  const float level = 0.005f * peak * std::sqrt(12.f);
  for (float& v : samples) {
    state = state * 1664525u + 1013904223u;
    v += level * (static_cast<float>(state >> 8) / 16777216.0f - 0.5f);
  }
}

}  // namespace easel::detail
