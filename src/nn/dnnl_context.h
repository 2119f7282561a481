// The oneDNN engine, streams, thread count and scratchpad shared by every op that runs
// on oneDNN. One CPU engine serves the whole process; streams and scratchpads are per
// thread because two interpreters may run at once on different threads.
#pragma once

#include <cstddef>

#include <oneapi/dnnl/dnnl.hpp>

namespace easel::nn {

// The process-wide CPU engine (created on first use; thread-safe).
const dnnl::engine& dnnl_engine();

// The calling thread's stream on dnnl_engine(). On the CPU runtime a primitive runs
// synchronously inside execute(), so ops need no stream.wait().
dnnl::stream& dnnl_stream();

// Sets how many OpenMP threads oneDNN uses on the calling thread (oneDNN reads
// omp_get_max_threads(), which is per thread). Call it on the thread that prepares and
// runs: primitives pick their blocking for the count in force when they are created.
// threads <= 0 means all cores.
void set_dnnl_threads(int threads);
int dnnl_threads();

// A scratch buffer of at least `bytes`, shared by all primitives that run on the calling
// thread (they run one at a time, so one buffer the size of the largest need serves them
// all). It grows only when a primitive needs more than any before it on this thread, so
// calling it from prepare() keeps run() on the same thread allocation-free. The pointer
// stays valid until the next call that asks for more on this thread.
void* dnnl_scratchpad(std::size_t bytes);

}  // namespace easel::nn
