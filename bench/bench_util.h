// What the benchmark programs share.
#pragma once

#include <algorithm>
#include <vector>

namespace easel::bench {

// The median of repeated timings (0 for none): every figure the benchmarks report is one.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace easel::bench
