// What the benchmark programs share.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace easel::bench {

// The median of repeated timings (0 for none): every figure the benchmarks report is one.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Median milliseconds of `runs` calls of run(), after 3 untimed ones (caches, lazy set-up).
template <class F>
double time_ms(F&& run, int runs) {
  for (int i = 0; i < 3; ++i) run();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(ms);
}

}  // namespace easel::bench
