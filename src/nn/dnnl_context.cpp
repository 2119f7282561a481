#include "nn/dnnl_context.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>

namespace easel::nn {

const dnnl::engine& dnnl_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& dnnl_stream() {
  thread_local dnnl::stream stream(dnnl_engine());
  return stream;
}

void set_dnnl_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  omp_set_num_threads(threads);
}

int dnnl_threads() { return omp_get_max_threads(); }

namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// 64-byte aligned like oneDNN's own allocations, so vector loads never straddle lines.
constexpr std::size_t kScratchAlignment = 64;

struct Scratchpad {
  std::unique_ptr<void, FreeDeleter> data;
  std::size_t bytes = 0;
};

}  // namespace

void* dnnl_scratchpad(std::size_t bytes) {
  thread_local Scratchpad pad;
  if (bytes > pad.bytes) {
    std::size_t rounded = (bytes + kScratchAlignment - 1) / kScratchAlignment * kScratchAlignment;
    pad.data.reset();  // free first: the old contents are not needed and peak memory stays lower
    void* p = std::aligned_alloc(kScratchAlignment, rounded);
    if (!p) throw std::bad_alloc();
    pad.data.reset(p);
    pad.bytes = rounded;
  }
  return pad.data.get();
}

}  // namespace easel::nn
