// What the benchmark programs share.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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

// Median milliseconds per call of a() and of b(), timed in alternation so that both see
// the same machine (clock, other load) and compared as a ratio. Each sample averages
// enough consecutive calls to last about 2 ms, which a 0.2 ms model's single calls are
// too short for: `runs` samples of each.
template <class A, class B>
std::pair<double, double> time_pair_ms(A&& a, B&& b, int runs) {
  for (int i = 0; i < 3; ++i) a(), b();
  const auto sample = [](auto& f, int repeat) {  // ms per call, over `repeat` calls
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < repeat; ++r) f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / repeat;
  };
  const int repeat = std::max(1, static_cast<int>(2.0 / std::max(1e-3, std::min(sample(a, 1), sample(b, 1)))));
  std::vector<double> ma, mb;
  for (int i = 0; i < runs; ++i) {
    ma.push_back(sample(a, repeat));
    mb.push_back(sample(b, repeat));
  }
  return {median(ma), median(mb)};
}

// Runs a peer (a node script) and returns the JSON object its output ends with, or null
// when it fails (its output then goes to stderr, so a missing peer is seen, not hidden).
inline nlohmann::json run_peer(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return nullptr;
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  if (pclose(pipe) != 0) {
    std::fprintf(stderr, "peer failed: %s\n%s\n", command.c_str(), out.c_str());
    return nullptr;
  }
  const auto line = out.rfind("\n{");
  const auto j = nlohmann::json::parse(out.substr(line == std::string::npos ? out.find('{') : line + 1), nullptr, false);
  return j.is_object() ? j : nlohmann::json();
}

}  // namespace easel::bench
