// What a benchmark reports about the machine it ran on: the CPU's name and its float32
// peak as oneDNN's sgemm reaches it, measured in the same run as the figures it is
// compared with.
#pragma once

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_util.h"

namespace easel::bench {

// The machine's float32 peak as oneDNN's sgemm reaches it: 1024^3, 5 warm-up calls (the
// first calls at a new thread count pay for thread start-up and page faults), then the
// median of 20.
inline double sgemm_median_gflops(int threads) {
  omp_set_num_threads(threads);
  const int n = 1024;
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  std::vector<double> ms;
  for (int i = 0; i < 25; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    if (i >= 5) ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return 2.0 * n * n * n / (median(ms) * 1e6);
}

// Measured twice, before and after switching thread counts, keeping the better median: the
// peak is what the machine can do, and a VM's clock and neighbours make one pass noisy.
inline double sgemm_peak_gflops(int threads, int other) {
  const double first = sgemm_median_gflops(threads);
  sgemm_median_gflops(other);
  return std::max(first, sgemm_median_gflops(threads));
}

// The CPU's model name from /proc/cpuinfo.
inline std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// The machine a benchmark runs on: its cores and its sgemm peaks at 1 thread and at all
// cores, measured now, printed as the run's first line.
struct Machine {
  int cores = 1;
  double peak1 = 0, peak_all = 0;

  // The head of a results file: machine, cores, peaks and the runs per figure.
  nlohmann::ordered_json json(int runs) const {
    return {{"machine", cpu_name()}, {"cores", cores}, {"sgemm_peak_gflops", {{"1", peak1}, {"all", peak_all}}}, {"runs", runs}};
  }
};

inline Machine measure_machine() {
  Machine m;
  m.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  m.peak1 = sgemm_peak_gflops(1, m.cores);
  m.peak_all = sgemm_peak_gflops(m.cores, 1);
  std::printf("machine: %s, %d cores; sgemm peak %.0f GFLOP/s at 1 thread, %.0f at %d\n\n", cpu_name().c_str(), m.cores, m.peak1, m.peak_all, m.cores);
  return m;
}

}  // namespace easel::bench
